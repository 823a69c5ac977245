"""The trainer's numbers against hand computations: the EMA recursion, the learning-rate
schedule as the optimisers see it, the acceptance rule of discriminator rejection sampling,
and the divergence guard leaving G untouched."""

import dataclasses
import math

import pytest
import torch
from torch import nn

from gan_edu.distributions import GaussianMixture, toy
from gan_edu.games import GAN
from gan_edu.models import Discriminator, Generator
from gan_edu.recipes import rejection_sample
from gan_edu.train import DivergenceError, TrainConfig, Trainer


def make_trainer(config: TrainConfig, g_norm: str = "none", **game) -> Trainer:
    torch.manual_seed(0)
    G = Generator(3, 2, width=16, depth=2, norm=g_norm)
    D = Discriminator(2, width=16, depth=2)
    return Trainer(GAN(G, D, **game), toy("ring8"), config)


def snapshot(module: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


# --- (a) EMA ----------------------------------------------------------------------------------


def test_ema_is_the_recursion_over_the_weights_after_each_g_step_and_copies_g_buffers():
    cfg = TrainConfig(steps=6, batch_size=32, lr_d=1e-2, lr_g=1e-2, ema=0.9, device="cpu", log_every=1)
    trainer = make_trainer(cfg, g_norm="batch")  # batch norm: G has running statistics (buffers)
    G = trainer.G
    buffers_before = [b.clone() for b in G.buffers()]
    # By hand, in float64: ema_0 = theta_0 (G when the trainer was built), then after each
    # iteration's G step ema_t = 0.9 ema_{t-1} + 0.1 theta_t.
    ema = [p.double() for p in snapshot(G)]
    for _ in range(cfg.steps):
        trainer.iteration()
        ema = [0.9 * e + 0.1 * theta.double() for e, theta in zip(ema, snapshot(G))]
    got = [p.detach().double() for p in trainer.G_ema.parameters()]
    assert len(got) == len(ema)
    for g, want in zip(got, ema):
        torch.testing.assert_close(g, want, rtol=1e-5, atol=1e-6)
    # The EMA lags G by far more than the tolerance: a copy of G would have failed above.
    lag = max((g - p.detach().double()).abs().max().item() for g, p in zip(got, G.parameters()))
    assert lag > 1e-3
    # Buffers are not averaged: the EMA holds G's running statistics after its last step.
    ema_buffers, g_buffers = list(trainer.G_ema.buffers()), list(G.buffers())
    assert len(ema_buffers) == len(g_buffers) > 0
    assert all(torch.equal(b_ema, b) for b_ema, b in zip(ema_buffers, g_buffers))
    assert not all(torch.equal(b, b0) for b, b0 in zip(g_buffers, buffers_before))  # they did move


# --- (b) the learning-rate schedule -----------------------------------------------------------

DECAY = TrainConfig(steps=10, batch_size=16, lr_decay_start=0.5, lr_d=1e-3, lr_g=2e-3, device="cpu", log_every=1)
BASE = {"D": 1e-3, "G": 2e-3}


def hand_scale(s: int) -> float:
    """1 for the first half of 10 steps (s < 5), then linear to 0: (10 - s) / 5."""
    return 1.0 if s < 5 else (10 - s) / 5


def test_every_update_sees_the_scheduled_learning_rate_in_both_optimizers():
    trainer = make_trainer(DECAY)
    seen = []
    update = trainer.update

    def spy(players):
        seen.append((trainer.step, players[0], {p: opt.param_groups[0]["lr"] for p, opt in trainer.optimizers.items()}))
        return update(players)

    trainer.update = spy
    trainer.fit()
    assert [(step, player) for step, player, _ in seen] == [(s, p) for s in range(10) for p in ("D", "G")]
    assert [hand_scale(s) for s in range(10)] == pytest.approx([1, 1, 1, 1, 1, 1, 0.8, 0.6, 0.4, 0.2])
    for step, _, lrs in seen:
        assert lrs == pytest.approx({p: BASE[p] * hand_scale(step) for p in BASE}, rel=1e-12), step


def test_sgd_moves_each_player_by_minus_the_scheduled_lr_times_its_gradient():
    trainer = make_trainer(dataclasses.replace(DECAY, optimizer="sgd"))
    step, checked = 7, []  # in the decay: scale (10 - 7) / 5 = 0.6
    update = trainer.update

    def spy(players):
        (player,) = players
        before = [p.detach().clone() for p in trainer.params[player]]
        update(players)
        if trainer.step == step:  # the iteration's updates run before the step counter moves
            delta = torch.cat([(p.detach() - b).flatten() for p, b in zip(trainer.params[player], before)])
            grad = torch.cat([p.grad.flatten() for p in trainer.params[player]])
            torch.testing.assert_close(delta, -BASE[player] * hand_scale(step) * grad, rtol=1e-4, atol=1e-7)
            assert not torch.allclose(delta, -BASE[player] * grad, rtol=1e-2, atol=1e-7)  # the unscaled lr
            checked.append(player)

    trainer.update = spy
    trainer.fit()
    assert checked == ["D", "G"]


# --- (c) discriminator rejection sampling -----------------------------------------------------


class Identity1D(nn.Module):
    """G(z) = z[:, :1] with latent_dim 1, so p_g = N(0, 1); records every batch it makes."""

    latent_dim = 1

    def __init__(self) -> None:
        super().__init__()
        self.one = nn.Parameter(torch.ones(()))  # a parameter for the optimiser; stays 1
        self.made: list[torch.Tensor] = []

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = z[:, :1] * self.one  # (n, 1)
        self.made.append(x.detach().clone())
        return x


class QuadraticLogit(nn.Module):
    """logit(x) = b - x^2 / 2 (1/s^2 - 1): then p_g(x) e^{logit(x)} with p_g = N(0, 1) is
    proportional to N(x; 0, s^2), and the largest logit, b, is at x = 0."""

    def __init__(self, s: float, b: float) -> None:
        super().__init__()
        self.c = nn.Parameter(torch.tensor(1 / s**2 - 1))
        self.b = b

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b - 0.5 * self.c * x[:, 0] ** 2  # (n, 1) -> (n,)


def test_rejection_sampling_turns_n01_into_n0s2_and_accepts_at_the_closed_form_rate():
    s, b, n = 0.5, 1.0, 20_000
    G = Identity1D()
    trainer = Trainer(GAN(G, QuadraticLogit(s, b)), GaussianMixture([[0.0]], s),
                      TrainConfig(steps=1, batch_size=8, device="cpu"))
    G.made.clear()  # drop the trainer's dry forward pass
    x = rejection_sample(trainer, n, generator=torch.Generator().manual_seed(3), calibration=10_000)
    assert x.shape == (n, 1)
    x = x[:, 0].double()
    # p_g e^{l - l_max} is N(0, s^2) up to a constant: mean 0, std s, within 4 standard errors.
    assert abs(x.mean().item()) < 4 * s / math.sqrt(n)
    assert abs(x.std().item() - s) < 4 * s / math.sqrt(2 * n)
    # The acceptance rate, by hand: E_{x ~ N(0,1)}[exp(l(x) - l_max)]
    #   = e^{b - l_max} \int N(x; 0, 1) exp(-x^2/2 (1/s^2 - 1)) dx = e^{b - l_max} s,
    # with l_max the largest logit of the calibration draws (the first batch G made).
    calibration, *proposals = G.made
    assert len(calibration) == 10_000
    l_max = (b - 0.5 * (1 / s**2 - 1) * calibration[:, 0].double() ** 2).max().item()
    expected_rate = math.exp(b - l_max) * s
    # The samples returned are the accepted proposals, in order: find how many proposals
    # it took to accept n of them. That count is negative binomial, so the rate n / count
    # has standard error about rate * sqrt((1 - rate) / n).
    stream = torch.cat(proposals)[:, 0].double().tolist()
    wanted, j, used = x.tolist(), 0, 0
    for i, value in enumerate(stream):
        if j < n and value == wanted[j]:
            j, used = j + 1, i + 1
    assert j == n  # every sample returned is one of G's proposals
    rate = n / used
    assert abs(rate - expected_rate) < 4 * expected_rate * math.sqrt((1 - expected_rate) / n)
    assert expected_rate == pytest.approx(s, abs=1e-3)  # the max logit of 10,000 draws is ~b


# --- (d) the divergence guard -----------------------------------------------------------------


class NaNOnCall:
    """A penalty on G that is 0 for two calls and NaN at the third; it keeps G's weights
    as they were when the failing loss was computed."""

    def __init__(self, bad_call: int = 3) -> None:
        self.bad_call, self.calls, self.g_before = bad_call, 0, None

    def __call__(self, G: nn.Module) -> torch.Tensor:
        self.calls += 1
        if self.calls == self.bad_call:
            self.g_before = snapshot(G)
            return torch.tensor(float("nan"))
        return torch.zeros(())


def test_non_finite_g_loss_names_player_and_step_and_leaves_g_its_ema_and_adam_untouched():
    penalty = NaNOnCall(bad_call=3)  # k = 1: one G loss per iteration, so the 3rd is at step 3
    trainer = make_trainer(TrainConfig(steps=10, batch_size=16, ema=0.9, device="cpu", log_every=1),
                           g_penalty=penalty)
    ema_rows = []

    def record_ema(t: Trainer) -> None:
        ema_rows.append((t.step, snapshot(t.G_ema)))

    with pytest.raises(DivergenceError, match=r"non-finite g_loss = nan at step 3 \(player G\)"):
        trainer.fit(callback=record_ema)
    assert penalty.calls == 3 and trainer.step == 2
    after = snapshot(trainer.G)
    assert len(after) == len(penalty.g_before)
    assert all(torch.equal(a, b) for a, b in zip(after, penalty.g_before))
    assert all(torch.isfinite(p).all() for p in after)
    # The EMA is the one of step 2, and Adam took exactly two steps for G.
    assert ema_rows[-1][0] == 2
    assert all(torch.equal(a, b) for a, b in zip(snapshot(trainer.G_ema), ema_rows[-1][1]))
    assert all(int(state["step"]) == 2 for state in trainer.opt_g.state.values())
