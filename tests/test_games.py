"""The example games, each update checked against a hand-written reference computation.

Every test builds a game, lets the one trainer take an update, and recomputes the same
update by hand (the same draws from an equally seeded generator, the same initial
weights, plain SGD so that the step is ``theta - lr * grad``). The games: a conditional
GAN, InfoGAN (an auxiliary Q updated with G), CycleGAN (two pairs, an image pool), a
G-side penalty, an unrolled D (second-order gradients, checked by finite differences),
and simultaneous against alternating updates on the 2-parameter bilinear game.
"""

from __future__ import annotations

import copy
import dataclasses
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gan_edu.checkpoint import CheckpointError
from gan_edu.data import Unpaired
from gan_edu.distributions import GaussianMixture, toy
from gan_edu.games import GAN, Batch, ConditionalGAN, CycleGAN, ImagePool, InfoGAN, UnrolledGAN
from gan_edu.losses import OrthogonalRegularization, R1Penalty, WeightClipping
from gan_edu.models import Discriminator, Generator, LinearCritic, PointMass
from gan_edu.priors import WithCodes, WithLabels
from gan_edu.train import TrainConfig, Trainer

N, SEED, LR = 16, 11, 0.05
SGD = TrainConfig(steps=4, batch_size=N, seed=SEED, device="cpu", optimizer="sgd", lr_d=LR, lr_g=LR, log_every=1)


def sgd_step(params: list[torch.Tensor], loss: torch.Tensor, lr: float = LR) -> list[torch.Tensor]:
    grads = torch.autograd.grad(loss, params, allow_unused=True)
    return [p.detach() - lr * (torch.zeros_like(p) if g is None else g) for p, g in zip(params, grads)]


def assert_params(module: nn.Module, expected: list[torch.Tensor]) -> None:
    got = [p.detach() for p in module.parameters()]
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def snapshot(*modules: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for m in modules for p in m.parameters()]


# ---------------------------------------------------------------------------------------
# A conditional game: G(z, y), D(x, y); labels of the real batch from the data
# ---------------------------------------------------------------------------------------

K, L = 3, 4


class CondG(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed, self.net = nn.Embedding(K, 4), nn.Sequential(nn.Linear(L + 4, 16), nn.Tanh(), nn.Linear(16, 2))

    def forward(self, z, y):
        return self.net(torch.cat([z, self.embed(y)], 1))  # (n, 2)


class CondD(nn.Module):
    """A projection discriminator (Miyato & Koyama 2018): psi(h(x)) + <embed(y), h(x)>."""

    def __init__(self) -> None:
        super().__init__()
        self.body, self.out, self.embed = nn.Sequential(nn.Linear(2, 16), nn.Tanh()), nn.Linear(16, 1), nn.Embedding(K, 16)

    def forward(self, x, y):
        h = self.body(x)  # (n, 16)
        return self.out(h).squeeze(1) + (self.embed(y) * h).sum(1)  # (n,)


class LabelledBlobs:
    """x ~ N(mu_y, 0.1^2 I) with y uniform on K classes: a data source that yields (x, y)."""

    means = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])

    def sample(self, n, generator=None):
        y = torch.randint(K, (n,), generator=generator)
        return self.means[y] + 0.1 * torch.randn(n, 2, generator=generator), y


def conditional_trainer(config=SGD) -> Trainer:
    torch.manual_seed(0)
    return Trainer(ConditionalGAN(CondG(), CondD(), prior=WithLabels(L, K)), LabelledBlobs(), config)


def test_conditional_game_d_and_g_updates_match_a_hand_computation():
    t = conditional_trainer()
    G, D = copy.deepcopy(t.G), copy.deepcopy(t.D)
    gen = torch.Generator().manual_seed(SEED)
    # D step: the prior's (z, y_fake), then the data's (x, y_real); D judges each with its label
    z, y_fake = torch.randn(N, L, generator=gen), torch.randint(K, (N,), generator=gen)
    x, y_real = LabelledBlobs().sample(N, gen)
    with torch.no_grad():
        x_fake = G(z, y_fake)
    d_loss = F.softplus(-D(x, y_real)).mean() + F.softplus(D(x_fake, y_fake)).mean()
    expected_d = sgd_step(list(D.parameters()), d_loss)
    t.step_d()
    assert_params(t.D, expected_d)
    with torch.no_grad():
        for p, q in zip(D.parameters(), expected_d):
            p.copy_(q)
    # G step: fresh (z, y), the non-saturating loss through the updated D
    z, y_fake = torch.randn(N, L, generator=gen), torch.randint(K, (N,), generator=gen)
    g_loss = F.softplus(-D(G(z, y_fake), y_fake)).mean()
    expected_g = sgd_step(list(G.parameters()), g_loss)
    t.step_g()
    assert_params(t.G, expected_g)


def test_conditional_game_needs_labelled_data():
    torch.manual_seed(0)
    with pytest.raises(ValueError, match=r"\(x, y\)"):
        Trainer(ConditionalGAN(CondG(), CondD(), prior=WithLabels(L, K)), toy("ring8"), SGD)


def test_conditional_samples_follow_the_labels_given():
    t = conditional_trainer()
    z, y = torch.randn(5, L), torch.tensor([0, 1, 2, 1, 0])
    with torch.no_grad():
        expected = t.G(z, y)
    torch.testing.assert_close(t.sample(5, inputs=(z, y)), expected)


# ---------------------------------------------------------------------------------------
# InfoGAN: an auxiliary network Q, updated with G, sharing D's body
# ---------------------------------------------------------------------------------------

class InfoD(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body, self.out = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2)), nn.Linear(16, 1)

    def features(self, x):
        return self.body(x)  # (n, 16)

    def head(self, h):
        return self.out(h).squeeze(1)  # (n,)

    def forward(self, x):
        return self.head(self.features(x))


class InfoG(nn.Module):
    def __init__(self, code_dim: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(L + code_dim, 16), nn.Tanh(), nn.Linear(16, 2))

    def forward(self, z, c):
        return self.net(torch.cat([z, c], 1))


def info_trainer(info_weight=1.0, config=SGD) -> Trainer:
    torch.manual_seed(0)
    prior = WithCodes(L, categories=3, continuous=2)
    game = InfoGAN(InfoG(prior.code_dim), InfoD(), nn.Linear(16, 5), prior=prior, info_weight=info_weight,
                   continuous_weight=0.1)
    return Trainer(game, toy("ring8"), config)


@pytest.mark.parametrize("info_weight", [1.0, 0.0])
def test_infogan_g_step_moves_g_and_q_by_the_gradient_of_the_information_objective(info_weight):
    t = info_trainer(info_weight)
    G, D, Q = copy.deepcopy(t.G), copy.deepcopy(t.D), copy.deepcopy(t.game.Q)
    d_before = snapshot(t.D)
    gen = torch.Generator().manual_seed(SEED)
    z = torch.randn(N, L, generator=gen)
    k = torch.randint(3, (N,), generator=gen)
    u = torch.rand(N, 2, generator=gen) * 2 - 1
    c = torch.cat([F.one_hot(k, 3).float(), u], 1)
    h = D.body(G(z, c))
    q = Q(h if info_weight > 0 else h.detach())
    # L_I = E log Q(c|x) + H(c): categorical (ln 3 - CE) + 0.1 * Gaussian terms (+ ln 2 each)
    categorical = math.log(3) - F.cross_entropy(q[:, :3], k)
    gaussian = (-0.5 * (u - q[:, 3:]) ** 2 - 0.5 * math.log(2 * math.pi)).mean(0) + math.log(2)
    bound = categorical + 0.1 * gaussian.sum()
    loss = F.softplus(-D.out(h).squeeze(1)).mean() - (info_weight if info_weight > 0 else 1.0) * bound
    expected = sgd_step(list(G.parameters()) + list(Q.parameters()), loss)
    t.step_g()
    assert_params(nn.ModuleList([t.G, t.game.Q]), expected)
    assert all(torch.equal(a, b) for a, b in zip(d_before, snapshot(t.D)))  # D's body is D's alone
    assert t._stats["mi_categorical"].item() == pytest.approx(categorical.item(), rel=1e-5)


def test_infogan_control_sends_no_information_gradient_to_g():
    with_info, control = info_trainer(1.0), info_trainer(0.0)
    G, D = copy.deepcopy(control.G), copy.deepcopy(control.D)
    gen = torch.Generator().manual_seed(SEED)
    z = torch.randn(N, L, generator=gen)
    k = torch.randint(3, (N,), generator=gen)
    c = torch.cat([F.one_hot(k, 3).float(), torch.rand(N, 2, generator=gen) * 2 - 1], 1)
    expected = sgd_step(list(G.parameters()), F.softplus(-D(G(z, c))).mean())  # the adversarial loss alone
    control.step_g(), with_info.step_g()
    assert_params(control.G, expected)
    assert not all(torch.equal(a, b) for a, b in zip(snapshot(control.G), snapshot(with_info.G)))


def test_infogan_rejects_a_d_without_features_and_a_wrong_prior():
    prior = WithCodes(L, 3, 2)
    with pytest.raises(ValueError, match="features"):
        InfoGAN(InfoG(5), Discriminator(2), nn.Linear(16, 5), prior=prior)
    with pytest.raises(ValueError, match="prior"):
        InfoGAN(InfoG(5), InfoD(), nn.Linear(16, 5), prior=WithLabels(L, 3))


# ---------------------------------------------------------------------------------------
# CycleGAN: two generators, two discriminators, two unpaired domains, an image pool
# ---------------------------------------------------------------------------------------

def small_translator() -> nn.Module:
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))


class Critic(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))

    def forward(self, x):
        return self.net(x).squeeze(1)


DOMAINS = Unpaired(GaussianMixture([[1.0, 1.0]], 0.2), GaussianMixture([[-1.0, 1.0]], 0.2))


def cycle_trainer(config=SGD, identity_weight=0.0, pool_size=50) -> Trainer:
    torch.manual_seed(0)
    game = CycleGAN(small_translator(), small_translator(), Critic(), Critic(), identity_weight=identity_weight,
                    pool_size=pool_size)
    return Trainer(game, DOMAINS, config)


def lsq_d(real, fake):
    return 0.5 * (real - 1).pow(2).mean() + 0.5 * fake.pow(2).mean()


@pytest.mark.parametrize("identity_weight", [0.0, 5.0])
def test_cyclegan_updates_match_a_hand_computation(identity_weight):
    t = cycle_trainer(identity_weight=identity_weight)
    g = t.game
    G_ab, G_ba, D_a, D_b = (copy.deepcopy(m) for m in (g.G_ab, g.G_ba, g.D_a, g.D_b))
    gen = torch.Generator().manual_seed(SEED)
    a, b = DOMAINS.sample(N, gen)
    with torch.no_grad():  # the pool is filling (16 < 50): it hands back the new fakes and draws nothing
        fake_b, fake_a = G_ab(a), G_ba(b)
    d_loss = lsq_d(D_b(b), D_b(fake_b)) + lsq_d(D_a(a), D_a(fake_a))
    expected_d = sgd_step(list(D_a.parameters()) + list(D_b.parameters()), d_loss)
    t.step_d()
    assert_params(nn.ModuleList([g.D_a, g.D_b]), expected_d)
    assert len(g.pool_a.images) == len(g.pool_b.images) == N
    with torch.no_grad():
        for p, q in zip(list(D_a.parameters()) + list(D_b.parameters()), expected_d):
            p.copy_(q)
    a, b = DOMAINS.sample(N, gen)
    fake_b, fake_a = G_ab(a), G_ba(b)
    adversarial = 0.5 * (D_b(fake_b) - 1).pow(2).mean() + 0.5 * (D_a(fake_a) - 1).pow(2).mean()
    cycle = (G_ba(fake_b) - a).abs().mean() + (G_ab(fake_a) - b).abs().mean()
    identity = (G_ab(b) - b).abs().mean() + (G_ba(a) - a).abs().mean()
    g_loss = adversarial + 10.0 * cycle + identity_weight * identity
    expected_g = sgd_step(list(G_ab.parameters()) + list(G_ba.parameters()), g_loss)
    t.step_g()
    assert_params(nn.ModuleList([g.G_ab, g.G_ba]), expected_g)
    assert t._stats["cycle"].item() == pytest.approx(cycle.item(), rel=1e-6)
    assert ("identity" in t._stats) == (identity_weight > 0)


def test_image_pool_returns_new_or_stored_images_by_the_generators_coin():
    pool = ImagePool(3)
    first = torch.arange(3.0)[:, None]
    assert torch.equal(pool.query(first), first)  # filling: the new images come back
    gen, check = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    stored = [x.clone() for x in pool.images]
    new = torch.tensor([[10.0], [11.0], [12.0], [13.0]])
    out = pool.query(new, gen)
    for i, image in enumerate(new):  # the same rule by hand
        if torch.rand((), generator=check).item() < 0.5:
            j = int(torch.randint(3, (), generator=check))
            assert torch.equal(out[i], stored[j])
            stored[j] = image
        else:
            assert torch.equal(out[i], image)
    assert all(torch.equal(a, b) for a, b in zip(pool.images, stored))
    assert ImagePool(0).query(new) is new


def test_cyclegan_checks_shapes_of_the_translations():
    torch.manual_seed(0)
    game = CycleGAN(nn.Linear(2, 3), small_translator(), Critic(), Critic())
    with pytest.raises(ValueError, match=r"G_ab makes \(3,\) from \(2,\)"):
        Trainer(game, DOMAINS, SGD)
    with pytest.raises(ValueError, match=r"\(a, b\)"):
        Trainer(CycleGAN(small_translator(), small_translator(), Critic(), Critic()), toy("ring8"), SGD)


def test_cyclegan_translate_uses_the_named_direction():
    t = cycle_trainer()
    x = torch.randn(4, 2)
    with torch.no_grad():
        torch.testing.assert_close(t.game.translate(x, "a2b"), t.game.G_ab(x))
        torch.testing.assert_close(t.game.translate(x, "b2a"), t.game.G_ba(x))
    with pytest.raises(ValueError, match="direction"):
        t.game.translate(x, "ab")


# ---------------------------------------------------------------------------------------
# A penalty on G: BigGAN's orthogonal regularisation
# ---------------------------------------------------------------------------------------

def test_orthogonal_regularisation_is_the_off_diagonal_gram_norm():
    layer = nn.Linear(3, 2, bias=True)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, 2.0, 0.0], [0.5, -1.0, 3.0]]))
    # rows w1, w2: W W^T off-diagonal = w1 . w2 = 0.5 - 2 = -1.5, twice; squared sum 4.5
    assert OrthogonalRegularization(0.1)(layer).item() == pytest.approx(0.1 * 2 * 1.5**2)
    conv = nn.Conv2d(1, 2, 2, bias=False)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor([[[[1.0, 0.0], [0.0, 1.0]]], [[[1.0, 1.0], [0.0, 0.0]]]]))
    assert OrthogonalRegularization(1.0)(conv).item() == pytest.approx(2 * 1.0**2)  # filters' dot product 1
    with pytest.raises(ValueError, match="beta"):
        OrthogonalRegularization(-1.0)


def test_g_side_penalty_enters_g_update_only():
    torch.manual_seed(0)
    G, D = Generator(3, 2, 16, 2), Discriminator(2, 16, 2)
    penalty = OrthogonalRegularization(0.01)
    t = Trainer(GAN(copy.deepcopy(G), copy.deepcopy(D), g_penalty=penalty), toy("ring8"), SGD)
    gen = torch.Generator().manual_seed(SEED)
    z = torch.randn(N, 3, generator=gen)
    g_loss = F.softplus(-D(G(z))).mean() + penalty(G)
    expected = sgd_step(list(G.parameters()), g_loss)
    t.step_g()
    assert_params(t.G, expected)


# ---------------------------------------------------------------------------------------
# Unrolled D: G's gradient through k look-ahead D steps, second order, by finite differences
# ---------------------------------------------------------------------------------------

def fixed_batch(x_real: torch.Tensor, z: torch.Tensor) -> Batch:
    return Batch(lambda n: x_real, lambda n: (z,), len(z), 0, torch.Generator())


def unrolled_surrogate(game: UnrolledGAN, x_real, z) -> torch.Tensor:
    return game.g_loss(fixed_batch(x_real, z))[0]


def test_unrolled_generator_gradient_is_second_order_and_matches_finite_differences():
    torch.manual_seed(0)
    G, D = Generator(2, 2, 8, 1).double(), Discriminator(2, 8, 1).double()
    game = UnrolledGAN(G, D, unroll=3, unroll_lr=0.5)
    x_real, z = torch.randn(12, 2, dtype=torch.float64), torch.randn(12, 2, dtype=torch.float64)
    params = list(G.parameters())
    grads = torch.autograd.grad(unrolled_surrogate(game, x_real, z), params)
    eps = 1e-6
    for p, g in zip(params, grads):
        for index in [(0,) * p.dim(), tuple(s - 1 for s in p.shape)]:
            p.data[index] += eps
            up = unrolled_surrogate(game, x_real, z).item()
            p.data[index] -= 2 * eps
            down = unrolled_surrogate(game, x_real, z).item()
            p.data[index] += eps
            assert g[index].item() == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-9)
    # Stopping the gradient through the look-ahead steps (what many ports do) gives another one.
    unrolled = game.unrolled_parameters(fixed_batch(x_real, z))
    detached = {k: v.detach() for k, v in unrolled.items()}
    stopped = game.loss_fn.g_loss(torch.func.functional_call(D, detached, (G(z),)))
    grads_stopped = torch.autograd.grad(stopped, params)
    gap = max((a - b).abs().max().item() for a, b in zip(grads, grads_stopped))
    assert gap > 1e-3 * max(g.abs().max().item() for g in grads)


def test_unroll_zero_is_the_plain_gan_update():
    torch.manual_seed(0)
    G, D = Generator(3, 2, 16, 2), Discriminator(2, 16, 2)
    plain = Trainer(GAN(copy.deepcopy(G), copy.deepcopy(D)), toy("ring8"), SGD)
    unrolled = Trainer(UnrolledGAN(copy.deepcopy(G), copy.deepcopy(D), unroll=0), toy("ring8"), SGD)
    plain.fit(3), unrolled.fit(3)
    assert all(torch.equal(a, b) for a, b in zip(snapshot(plain.G, plain.D), snapshot(unrolled.G, unrolled.D)))
    with pytest.raises(ValueError, match="unroll"):
        UnrolledGAN(G, D, unroll=-1)


# ---------------------------------------------------------------------------------------
# Simultaneous against alternating updates: the bilinear (Dirac) game, iterate by iterate
# ---------------------------------------------------------------------------------------

class Origin:
    """p_r = delta_0 in 1D."""

    def sample(self, n, generator=None):
        return torch.zeros(n, 1)


def bilinear_trainer(schedule: str, h: float, theta=1.0, psi=0.5, steps=20) -> Trainer:
    config = TrainConfig(steps=steps, batch_size=4, schedule=schedule, optimizer="sgd", lr_d=h, lr_g=h,
                         device="cpu", log_every=1)
    return Trainer(GAN(PointMass(theta), LinearCritic(psi), loss="wgan"), Origin(), config)


@pytest.mark.parametrize("schedule", ["simultaneous", "alternating"])
def test_bilinear_game_iterates_follow_the_closed_form_updates(schedule):
    # f(theta, psi) = psi * theta: D minimises E f(x_fake) - E f(x_real) = psi theta, G minimises -psi theta.
    h, theta, psi = 0.1, 1.0, 0.5
    t = bilinear_trainer(schedule, h, theta, psi)
    for _ in range(20):
        t.iteration()
        if schedule == "simultaneous":
            theta, psi = theta + h * psi, psi - h * theta
        else:  # D first, then G against the new psi
            psi = psi - h * theta
            theta = theta + h * psi
        assert t.G.theta.item() == pytest.approx(theta, rel=1e-6, abs=1e-6)  # float32 against float64
        assert t.D.psi.item() == pytest.approx(psi, rel=1e-6, abs=1e-6)


def test_simultaneous_steps_spiral_out_by_sqrt_one_plus_h_squared():
    h = 0.2
    t = bilinear_trainer("simultaneous", h, 1.0, 0.0)
    radii = []
    for _ in range(10):
        t.iteration()
        radii.append(math.hypot(t.G.theta.item(), t.D.psi.item()))
    ratios = [b / a for a, b in zip(radii, radii[1:])]
    assert ratios == pytest.approx([math.sqrt(1 + h * h)] * 9, rel=1e-6)


def test_simultaneous_schedule_takes_one_step_per_player():
    with pytest.raises(ValueError, match="k must be 1"):
        TrainConfig(schedule="simultaneous", k=2)


# ---------------------------------------------------------------------------------------
# Checkpoints for any game: bit-identical resume, refusal of another game
# ---------------------------------------------------------------------------------------

def adam(**overrides) -> TrainConfig:
    return TrainConfig(**{**dict(steps=6, batch_size=8, seed=3, device="cpu", log_every=1, ema=0.5,
                                 lr_d=1e-2, lr_g=1e-2), **overrides})


def mlp_gan(**kwargs):
    torch.manual_seed(0)
    return GAN(Generator(3, 2, 16, 2), Discriminator(2, 16, 2), **kwargs)


def unrolled_gan():
    torch.manual_seed(0)
    return UnrolledGAN(Generator(3, 2, 16, 2), Discriminator(2, 16, 2), unroll=2)


BUILDERS = {
    "conditional": lambda cfg: conditional_trainer(cfg),
    "infogan": lambda cfg: info_trainer(1.0, cfg),
    "cyclegan": lambda cfg: cycle_trainer(cfg, pool_size=12),  # 8 per step: the pool is full after 2 steps
    "g-penalty": lambda cfg: Trainer(mlp_gan(g_penalty=OrthogonalRegularization(1e-3)), toy("ring8"), cfg),
    "unrolled": lambda cfg: Trainer(unrolled_gan(), toy("ring8"), cfg),
    "simultaneous": lambda cfg: Trainer(mlp_gan(), toy("ring8"), dataclasses.replace(cfg, schedule="simultaneous")),
}


def everything(t: Trainer) -> list[torch.Tensor]:
    return snapshot(*t.game.networks().values(), *t.ema.values())


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_resume_is_bit_identical_for_every_example_game(name, tmp_path):
    path = str(tmp_path / "c.pt")
    cfg = adam(checkpoint_every=3, checkpoint_path=path)
    full = BUILDERS[name](cfg)
    full.fit()
    interrupted = BUILDERS[name](cfg)
    interrupted.fit(4)  # checkpoint at step 3, then one iteration more that the resume redoes
    resumed = BUILDERS[name](cfg)
    resumed.load_checkpoint(path)
    assert resumed.step == 3
    resumed.fit()
    assert all(torch.equal(a, b) for a, b in zip(everything(full), everything(resumed)))
    assert full.history.as_dict() == resumed.history.as_dict()
    if name == "cyclegan":
        assert all(torch.equal(a, b) for a, b in zip(full.game.pool_a.images, resumed.game.pool_a.images))


@pytest.mark.parametrize("other, message", [
    (lambda cfg: Trainer(mlp_gan(loss="hinge", penalty=R1Penalty(0.1)), toy("ring8"), cfg), "loss"),
    (lambda cfg: Trainer(mlp_gan(), toy("ring8"), cfg), "penalty"),
    (lambda cfg: Trainer(mlp_gan(penalty=R1Penalty(0.2)), toy("ring8"), cfg), "penalty"),
    (lambda cfg: Trainer(mlp_gan(penalty=R1Penalty(0.1, every=2)), toy("ring8"), cfg), "penalty"),
    (lambda cfg: Trainer(mlp_gan(penalty=R1Penalty(0.1), constraint=WeightClipping(0.1)), toy("ring8"), cfg),
     "constraint"),
    (lambda cfg: Trainer(unrolled_gan(), toy("ring8"), cfg), "game"),
    (lambda cfg: info_trainer(1.0, cfg), "game"),
    (lambda cfg: Trainer(mlp_gan(penalty=R1Penalty(0.1)), toy("ring8"), dataclasses.replace(cfg, schedule="simultaneous")),
     "schedule"),
])
def test_resuming_with_another_game_loss_penalty_or_constraint_is_refused(other, message, tmp_path):
    path = tmp_path / "c.pt"
    base = Trainer(mlp_gan(penalty=R1Penalty(0.1)), toy("ring8"), adam())
    base.fit(2)
    base.save_checkpoint(str(path))
    before = path.read_bytes()
    same = Trainer(mlp_gan(penalty=R1Penalty(0.1)), toy("ring8"), adam())
    same.load_checkpoint(str(path))  # the same game resumes
    assert same.step == 2
    t = other(adam())
    weights = everything(t)
    with pytest.raises(CheckpointError, match=message):
        t.load_checkpoint(str(path))
    assert path.read_bytes() == before and t.step == 0
    assert all(torch.equal(a, b) for a, b in zip(weights, everything(t)))


# ---------------------------------------------------------------------------------------
# Parts that do not fit fail when the trainer is built, naming both sides
# ---------------------------------------------------------------------------------------

def test_generator_output_that_does_not_fit_the_data_is_named():
    torch.manual_seed(0)
    with pytest.raises(ValueError, match=r"G makes \(n, 3\) but the data are \(n, 2\)"):
        Trainer(GAN(Generator(3, 3, 8, 1), Discriminator(3, 8, 1)), toy("ring8"), SGD)


def test_prior_that_does_not_fit_g_is_named():
    from gan_edu.priors import Normal

    torch.manual_seed(0)
    with pytest.raises(ValueError, match=r"G does not accept the prior's draws \(\(n, 5\)\)"):
        Trainer(GAN(Generator(3, 2, 8, 1), Discriminator(2, 8, 1), prior=Normal(5)), toy("ring8"), SGD)


def test_discriminator_must_return_one_logit_per_sample():
    class Wide(nn.Module):
        def forward(self, x):
            return torch.zeros(len(x), 1)

    torch.manual_seed(0)
    with pytest.raises(ValueError, match=r"one logit per sample, shape \(2,\), got \(2, 1\)"):
        Trainer(GAN(Generator(3, 2, 8, 1), Wide()), toy("ring8"), SGD)
