"""The trainer: config validation, reproducibility, checkpoints, divergence guard, history."""

import copy
import dataclasses
import math
import os
import re

import pytest
import torch

from gan_edu.distributions import toy
from gan_edu.games import GAN
from gan_edu.losses import R1Penalty, WeightClipping
from gan_edu.models import Discriminator, Generator
from gan_edu.plotting import MAX_WIDTH
from gan_edu.train import CollapseError, DivergenceError, TrainConfig, Trainer

CFG = TrainConfig(steps=30, batch_size=32, k=2, lr_d=1e-3, lr_g=1e-3, device="cpu",
                  ema=0.9, lr_decay_start=0.5, log_every=5)


def make_trainer(config: TrainConfig = CFG, seed: int = 0, width: int = 16, **kwargs) -> Trainer:
    torch.manual_seed(seed)
    G = Generator(3, 2, width=width, depth=2)
    D = Discriminator(2, width=width, depth=2)
    return Trainer(GAN(G, D, **kwargs), toy("ring8"), config)


def params(trainer: Trainer) -> list[torch.Tensor]:
    return [p.detach().clone() for m in (trainer.G, trainer.D, trainer.G_ema) for p in m.parameters()]


def assert_identical(a: list[torch.Tensor], b: list[torch.Tensor]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert torch.equal(x, y)


@pytest.mark.parametrize("field, value", [
    ("k", 0), ("steps", 0), ("batch_size", 0), ("batch_size", -3), ("lr_d", 0.0), ("lr_g", -1e-3),
    ("lr_d", float("nan")), ("schedule", "bogus"), ("precision", "fp16"), ("ema", 1.0),
    ("betas", (0.5, 1.0)), ("device", "tpu"), ("lr_decay_start", 1.5), ("k", 1.5), ("seed", -1),
    ("compile_mode", "fastest"),
])
def test_bad_config_value_raises_value_error_naming_field_and_value(field, value):
    with pytest.raises(ValueError, match=rf"{field}.*{re.escape(repr(value))}"):
        TrainConfig(**{field: value})


def test_config_is_frozen_and_changed_with_replace():
    with pytest.raises(dataclasses.FrozenInstanceError):
        CFG.k = 3
    assert dataclasses.replace(CFG, k=5).k == 5
    with pytest.raises(ValueError, match="checkpoint_path"):
        TrainConfig(checkpoint_every=10)


def test_lr_schedule_constant_then_linear_to_zero():
    cfg = TrainConfig(steps=100, lr_decay_start=0.6)
    assert [cfg.lr_scale(s) for s in (0, 59, 60, 80, 99)] == pytest.approx([1, 1, 1, 0.5, 0.025])


def test_same_seed_gives_bit_identical_losses_and_parameters():
    a, b = make_trainer(), make_trainer()
    history_a, history_b = a.fit(), b.fit()
    assert history_a.d_loss == history_b.d_loss and history_a.g_loss == history_b.g_loss
    assert_identical(params(a), params(b))
    c = make_trainer(dataclasses.replace(CFG, seed=1))
    c.fit()
    assert not torch.equal(params(a)[0], params(c)[0])


def test_fit_runs_k_d_steps_per_g_step_and_records_history():
    t = make_trainer()
    calls = {"D": 0, "G": 0, "callback": 0}
    update = t.update
    t.update = lambda players: ([calls.__setitem__(p, calls[p] + 1) for p in players], update(players))[1]
    history = t.fit(callback=lambda trainer: calls.__setitem__("callback", calls["callback"] + 1))
    assert (calls["D"], calls["G"], calls["callback"]) == (60, 30, 6)
    assert history.step == [5, 10, 15, 20, 25, 30]
    assert all(0 < v < 1 for v in history.d_real + history.d_fake)
    assert all(v > 0 for v in history.grad_norm_d + history.grad_norm_g)
    fig = history.plot()
    assert [ax.get_xlabel() for ax in fig.axes] == ["iteration"] * 3
    assert fig.get_size_inches()[0] <= MAX_WIDTH  # fits the book's column at its natural size
    fig = history.plot(references={"d_loss": (math.log(4), "log 4")})
    lines = [line for line in fig.axes[0].get_lines() if line.get_label() == "log 4"]
    assert len(lines) == 1 and lines[0].get_ydata()[0] == math.log(4)
    with pytest.raises(ValueError, match="references: no column 'bogus'"):
        history.plot(references={"bogus": (1.0, "x")})
    with pytest.raises(ValueError, match=r"references\['d_loss'\] must be \(value, label\)"):
        history.plot(references={"d_loss": 1.0})


def test_step_d_alone_trains_d_and_leaves_g_unchanged():
    t = make_trainer()
    g_before = [p.clone() for p in t.G.parameters()]
    losses = [t.step_d() for _ in range(40)]
    assert losses[-1] < losses[0]
    assert_identical(g_before, [p.detach() for p in t.G.parameters()])


def test_resume_is_bit_identical(tmp_path):
    path = str(tmp_path / "run.pt")
    cfg = dataclasses.replace(CFG, checkpoint_every=10, checkpoint_path=path)
    full = make_trainer(cfg, penalty=R1Penalty(0.1))
    full.fit()

    interrupted = make_trainer(cfg, penalty=R1Penalty(0.1))
    with pytest.raises(KeyboardInterrupt):
        interrupted.fit(callback=lambda t: (_ for _ in ()).throw(KeyboardInterrupt) if t.step == 25 else None)
    resumed = make_trainer(cfg, seed=123, penalty=R1Penalty(0.1))  # other initial weights: all from the file
    resumed.load_checkpoint(path)
    assert resumed.step == 20
    resumed.fit()
    assert_identical(params(full), params(resumed))
    assert full.history.as_dict() == resumed.history.as_dict()


def test_checkpoint_is_loaded_with_weights_only(tmp_path):
    path = str(tmp_path / "c.pt")
    t = make_trainer()
    t.fit(5)
    t.save_checkpoint(path)
    state = torch.load(path, weights_only=True)
    assert state["step"] == 5 and not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]


def test_corrupt_checkpoint_raises_and_leaves_file_and_trainer_untouched(tmp_path):
    path = tmp_path / "c.pt"
    t = make_trainer()
    t.fit(5)
    t.save_checkpoint(str(path))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    before = path.read_bytes()
    fresh = make_trainer()
    snapshot = params(fresh)
    with pytest.raises(ValueError, match="corrupt"):
        fresh.load_checkpoint(str(path))
    assert path.read_bytes() == before
    assert_identical(snapshot, params(fresh)) and fresh.step == 0


def test_mismatched_checkpoint_raises_naming_the_difference(tmp_path):
    path = str(tmp_path / "c.pt")
    make_trainer().save_checkpoint(path)
    before = open(path, "rb").read()
    with pytest.raises(ValueError, match="batch_size"):
        make_trainer(dataclasses.replace(CFG, batch_size=64)).load_checkpoint(path)
    wider = make_trainer(width=32)
    snapshot = params(wider)
    with pytest.raises(ValueError, match="does not match"):
        wider.load_checkpoint(path)
    assert_identical(snapshot, params(wider))
    assert open(path, "rb").read() == before


class ExplodingData:
    """Real data that turns infinite from the 8th draw on."""

    def __init__(self) -> None:
        self.draws, self.inner = 0, toy("ring8")

    def sample(self, n, generator=None):
        self.draws += 1
        x = self.inner.sample(n, generator)
        return x * float("inf") if self.draws >= 8 else x


def test_non_finite_loss_stops_with_step_and_keeps_last_checkpoint(tmp_path):
    path = tmp_path / "c.pt"
    cfg = dataclasses.replace(CFG, checkpoint_every=2, checkpoint_path=str(path))
    torch.manual_seed(0)
    t = Trainer(GAN(Generator(3, 2, 16, 2), Discriminator(2, 16, 2)), ExplodingData(), cfg)
    with pytest.raises(DivergenceError, match=r"bad data at step 4 \(player D\).*x_real.*d_loss"):  # k=2: draw 8 is in iteration 4
        t.fit()
    assert t.step == 3
    saved = torch.load(path, weights_only=True)
    assert saved["step"] == 2
    assert all(torch.isfinite(v).all() for v in saved["networks"]["D"].values())
    assert all(torch.isfinite(p).all() for p in t.D.parameters())  # the bad update was not applied


def test_wgan_with_weight_clipping_runs_through_the_same_trainer():
    cfg = dataclasses.replace(CFG, ema=0.0, steps=5)
    t = make_trainer(cfg, loss="wgan", constraint=WeightClipping(0.01))
    t.fit()
    assert max(p.abs().max().item() for p in t.D.parameters()) <= torch.tensor(0.01).item()


def test_fit_d_only_trains_d_towards_optimum_for_fixed_g():
    t = make_trainer()
    g_before = [p.clone() for p in t.G.parameters()]
    history = t.fit(20, d_only=True)
    assert_identical(g_before, [p.detach() for p in t.G.parameters()])
    assert history.d_loss[-1] < history.d_loss[0]


class _Counting(torch.nn.Module):
    """Wraps a D and records the batch size of every call."""

    def __init__(self, D: torch.nn.Module, samplewise: bool) -> None:
        super().__init__()
        self.D, self.samplewise, self.calls = D, samplewise, []

    def forward(self, x):
        self.calls.append(len(x))
        return self.D(x)


@pytest.mark.parametrize("samplewise", [True, False])
def test_d_step_scores_real_and_fake_in_one_pass_only_for_a_samplewise_d(samplewise):
    torch.manual_seed(0)
    G, D = Generator(3, 2, width=16, depth=2), Discriminator(2, width=16, depth=2)
    D_before = copy.deepcopy(D)
    counting = _Counting(D, samplewise)
    t = Trainer(GAN(G, counting), toy("ring8"), dataclasses.replace(CFG, k=1))
    counting.calls.clear()  # the dry forward pass of the constructor
    t.generator.manual_seed(7)
    loss = t.step_d()
    assert counting.calls == ([64] if samplewise else [32, 32])
    # The same loss by hand: the trainer's draws, D before its update on each batch apart, eq. (2).
    gen = torch.Generator().manual_seed(7)
    z = torch.randn(32, 3, generator=gen)
    x_real = toy("ring8").sample(32, gen)
    with torch.no_grad():
        d_real, d_fake = torch.sigmoid(D_before(x_real)), torch.sigmoid(D_before(G(z)))
    expected = -(torch.log(d_real).mean() + torch.log(1 - d_fake).mean())
    assert loss == pytest.approx(expected.item(), rel=1e-5)


def test_mlp_discriminator_is_samplewise_unless_it_has_batch_norm():
    assert Discriminator(2, norm="none").samplewise and Discriminator(2, norm="layer").samplewise
    assert not Discriminator(2, norm="batch").samplewise


def test_lazy_penalty_is_added_in_every_nth_iteration_only():
    calls = []

    class Recording(R1Penalty):
        def __call__(self, D, x_real, x_fake, logits_real):
            calls.append(t.step)
            return super().__call__(D, x_real, x_fake, logits_real)

    t = make_trainer(dataclasses.replace(CFG, k=2, steps=9), penalty=Recording(0.1, every=3))
    t.fit()
    assert calls == [0, 0, 3, 3, 6, 6]  # both D steps of iterations 0, 3 and 6


def test_bf16_autocast_runs_on_cpu_with_finite_losses():
    t = make_trainer(dataclasses.replace(CFG, precision="bf16", steps=5))
    history = t.fit()
    assert all(math.isfinite(v) for v in history.d_loss + history.g_loss)
    assert all(p.dtype == torch.float32 for p in t.G.parameters())  # master weights stay fp32


@pytest.mark.parametrize("cuda, mps, expected", [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")])
def test_device_auto_picks_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, expected):
    from gan_edu.device import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    assert resolve_device("auto") == torch.device(expected)


def test_missing_cuda_and_unknown_devices_are_value_errors_naming_the_device(monkeypatch):
    from gan_edu.device import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="'cuda:1'.*CUDA is not available"):
        resolve_device("cuda:1")
    with pytest.raises(ValueError, match="'tpu'"):
        resolve_device("tpu")
    for bad in ("cuda:abc", "cpu:0x", "", None, 3):
        with pytest.raises(ValueError, match="device"):
            TrainConfig(device=bad)


# -- GPU switches and data paths, checked on the CPU ----------------------------------------

from gan_edu.data import ImageDataset  # noqa: E402
from gan_edu.device import to_device  # noqa: E402
from gan_edu.models.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator  # noqa: E402
from gan_edu.device import _DeviceImages, place_data  # noqa: E402

TINY_DCGAN = DCGANConfig(resolution=16, channels=1, latent_dim=8, ngf=8, ndf=8)
IMAGES = ImageDataset(torch.rand(128, 1, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1,
                      torch.zeros(128, dtype=torch.int64))


def make_dcgan_trainer(**overrides) -> Trainer:
    torch.manual_seed(0)
    config = TrainConfig(**{**dict(steps=8, batch_size=16, device="cpu", log_every=1), **overrides})
    return Trainer(GAN(DCGANGenerator(TINY_DCGAN), DCGANDiscriminator(TINY_DCGAN)), IMAGES, config)


def test_channels_last_dcgan_trains_like_the_contiguous_one():
    plain, nhwc = make_dcgan_trainer(), make_dcgan_trainer(channels_last=True)
    convs = lambda t: [p for p in t.D.parameters() if p.dim() == 4]  # noqa: E731
    assert all(p.is_contiguous(memory_format=torch.channels_last) for p in convs(nhwc))
    assert not all(p.is_contiguous(memory_format=torch.channels_last) for p in convs(plain))
    assert nhwc.sample_real(4).is_contiguous(memory_format=torch.channels_last)
    plain.sample_real(4)  # keep the two generators in step
    h_plain, h_nhwc = plain.fit(), nhwc.fit()
    torch.testing.assert_close(torch.tensor(h_nhwc.d_loss), torch.tensor(h_plain.d_loss), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(torch.tensor(h_nhwc.g_loss), torch.tensor(h_plain.g_loss), rtol=1e-5, atol=1e-5)
    for p, q in zip(nhwc.G.parameters(), plain.G.parameters()):
        torch.testing.assert_close(p.detach(), q.detach(), rtol=1e-4, atol=1e-5)


def test_bf16_autocast_dcgan_on_cpu_is_finite_and_close_to_fp32():
    fp32, bf16 = make_dcgan_trainer(), make_dcgan_trainer(precision="bf16")
    h32, h16 = fp32.fit(), bf16.fit()
    assert all(math.isfinite(v) for v in h16.d_loss + h16.g_loss)
    assert h16.d_loss != h32.d_loss  # the convolutions did run in bf16 ...
    assert max(abs(a - b) for a, b in zip(h16.d_loss + h16.g_loss, h32.d_loss + h32.g_loss)) < 0.02  # ... to ~1e-3
    assert all(p.dtype == torch.float32 for p in bf16.D.parameters())


@pytest.mark.slow
def test_compiled_dcgan_trains_like_the_eager_one():
    eager, compiled = make_dcgan_trainer(steps=3), make_dcgan_trainer(steps=3, compile=True)
    h_eager, h_compiled = eager.fit(), compiled.fit()
    assert compiled.D._compiled_call_impl is not None and eager.D._compiled_call_impl is None  # compiled in place
    torch.testing.assert_close(torch.tensor(h_compiled.d_loss), torch.tensor(h_eager.d_loss), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(torch.tensor(h_compiled.g_loss), torch.tensor(h_eager.g_loss), rtol=1e-4, atol=1e-5)


def test_compiling_with_channels_last_keeps_the_layers_that_see_a_1x1_input_in_standard_layout():
    t = make_dcgan_trainer(channels_last=True, compile=True)
    first = t.G.main[0].weight  # (latent_dim, width, 4, 4), applied to z as (B, latent_dim, 1, 1)
    assert first.is_contiguous() and not first.is_contiguous(memory_format=torch.channels_last)
    convs = [p for p in list(t.G.parameters())[1:] + list(t.D.parameters()) if p.dim() == 4]
    assert convs and all(p.is_contiguous(memory_format=torch.channels_last) for p in convs)
    eager = make_dcgan_trainer(channels_last=True)  # without compile, every 4-D weight is NHWC
    assert eager.G.main[0].weight.is_contiguous(memory_format=torch.channels_last)


def test_images_copied_to_the_device_are_drawn_like_the_dataset_draws_them():
    a, b = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    on_device = _DeviceImages(IMAGES, torch.device("cpu"))
    assert torch.equal(on_device.sample(32, a), IMAGES.sample(32, b))
    assert torch.equal(a.get_state(), b.get_state())  # checkpoints see the same generator state
    assert place_data(IMAGES, torch.device("cpu")) is IMAGES  # on a CPU nothing is copied
    assert to_device(IMAGES.images, torch.device("cpu")) is IMAGES.images


def test_step_returns_the_loss_the_divergence_guard_read():
    t = make_dcgan_trainer()
    d_loss, g_loss = t.step_d(), t.step_g()
    assert isinstance(d_loss, float) and d_loss == t._stats["d_loss"].item()
    assert isinstance(g_loss, float) and g_loss == t._stats["g_loss"].item()


def test_optimizers_use_one_fused_kernel_on_cpu():
    t = make_trainer()
    assert t.opt_d.defaults["fused"] and t.opt_g.defaults["fused"]
    sgd = make_trainer(dataclasses.replace(CFG, optimizer="sgd"))
    assert sgd.opt_d.defaults["fused"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_run_draws_the_cpu_runs_batches_from_images_kept_on_the_gpu():
    cpu, gpu = make_dcgan_trainer(), make_dcgan_trainer(device="cuda")
    assert isinstance(gpu._data, _DeviceImages) and gpu._data.images.is_cuda
    assert torch.equal(gpu.sample_real(16).cpu(), cpu.sample_real(16))
    assert torch.equal(gpu.sample_z(16).cpu(), cpu.sample_z(16))
    h_cpu, h_gpu = cpu.fit(), gpu.fit()
    torch.testing.assert_close(torch.tensor(h_gpu.d_loss), torch.tensor(h_cpu.d_loss), rtol=1e-2, atol=1e-2)


# --- collapse without a NaN -----------------------------------------------------------------


def collapsed_history(rows: int, d: tuple[float, float] = (0.0, 0.0), g: tuple[float, float] = (31.0, 0.0)):
    from gan_edu.history import History

    return History(step=list(range(1, rows + 1)), d_loss=[d[0]] * rows, grad_norm_d=[d[1]] * rows,
                   g_loss=[g[0]] * rows, grad_norm_g=[g[1]] * rows)


@pytest.mark.parametrize("d, g, player", [
    ((0.0, 0.0), (31.0, 0.0), "D"),  # D's loss and gradient at 0, G's loss far from it: the lr-1e6 DCGAN
    ((1e-9, 5e-10), (20.0, 3.0), "D"),
    ((40.0, 2.0), (0.0, 0.0), "G"),  # G fools a dead D completely
])
def test_collapse_check_fires_when_one_player_is_pinned_at_0_for_patience_rows(d, g, player):
    t = make_trainer(dataclasses.replace(CFG, collapse_patience=4))
    t.history, t.step = collapsed_history(5, d, g), 5
    with pytest.raises(CollapseError, match=rf"collapse at step 5 \(player {player}\): in the last 4 log rows "
                                            rf"\(steps 2-5\) {player.lower()}_loss and grad_norm_{player.lower()} "
                                            rf"stayed at 0"):
        t.check_collapse()


@pytest.mark.parametrize("d, g, rows, patience", [
    ((0.0, 0.0), (0.0, 0.0), 5, 4),  # every loss and gradient at 0: an equilibrium, not a collapse
    ((0.0, 0.0), (31.0, 0.0), 3, 4),  # fewer rows than the patience
    ((0.0, 0.0), (31.0, 0.0), 5, 0),  # switched off
    ((0.0, 1e-3), (31.0, 0.0), 5, 4),  # D still gets a gradient
    ((1e-3, 0.0), (31.0, 0.0), 5, 4),  # D's loss is small, not 0: the saturation the book shows
    ((math.nan, math.nan), (31.0, 0.0), 5, 4),  # nothing logged
])
def test_collapse_check_does_not_fire_on_equilibria_short_histories_or_live_gradients(d, g, rows, patience):
    t = make_trainer(dataclasses.replace(CFG, collapse_patience=patience))
    t.history, t.step = collapsed_history(rows, d, g), rows
    t.check_collapse()


def test_collapse_needs_patience_consecutive_rows():
    t = make_trainer(dataclasses.replace(CFG, collapse_patience=4))
    t.history, t.step = collapsed_history(6), 6
    t.history.columns["grad_norm_d"][2] = 0.5  # row 3 of 6: the last 4 rows are not all pinned
    t.check_collapse()
    t.history.append({"step": 7, "d_loss": 0.0, "grad_norm_d": 0.0, "g_loss": 31.0, "grad_norm_g": 0.0})
    with pytest.raises(CollapseError, match=r"steps 4-7"):
        t.check_collapse()


def test_fit_checks_for_collapse_after_each_log_row_except_with_d_only(monkeypatch):
    calls = []
    monkeypatch.setattr(Trainer, "check_collapse", lambda self: calls.append(self.step))
    t = make_trainer()
    t.fit(10, d_only=True)
    assert calls == []
    t.fit(10)
    assert calls == [15, 20]  # log_every = 5


def test_a_dcgan_at_learning_rate_1e6_stops_with_a_collapse_error_before_that_steps_checkpoint(tmp_path):
    from gan_edu.recipes import build_dcgan_trainer

    path = tmp_path / "c.pt"
    t = build_dcgan_trainer("digits", steps=100, lr_d=1e6, lr_g=1e6, device="cpu", log_every=1,
                            collapse_patience=5, checkpoint_every=1, checkpoint_path=str(path))
    with pytest.raises(CollapseError, match=r"collapse at step (\d+) \(player D\): .*d_loss and grad_norm_d "
                                            r"stayed at 0 .*while g_loss was .*lower the learning rates \(lr_d = "
                                            r"1e\+06, lr_g = 1e\+06\)") as info:
        t.fit()
    step = int(re.search(r"step (\d+)", str(info.value)).group(1))
    assert step == t.step and step < 100
    assert t.history.d_loss[-5:] == [0.0] * 5 and t.history.grad_norm_d[-5:] == [0.0] * 5
    assert torch.load(path, weights_only=True)["step"] == step - 1  # the collapsed step is not saved
    assert isinstance(info.value, DivergenceError)


@pytest.mark.slow
def test_collapse_check_with_its_defaults_fires_on_the_lr_1e6_dcgan_and_not_on_the_recipes():
    from gan_edu.recipes import build_dcgan_trainer, train_toy

    assert TrainConfig().collapse_patience == 10
    with pytest.raises(CollapseError, match=r"collapse at step 250 \(player D\)"):  # rows every 25 steps
        build_dcgan_trainer("digits", steps=300, lr_d=1e6, lr_g=1e6, device="cpu").fit()
    assert train_toy("ring8", steps=300, device="cpu").trainer.step == 300
    assert len(build_dcgan_trainer("digits", steps=300, device="cpu").fit()) == 12
