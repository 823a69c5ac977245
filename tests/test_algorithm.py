"""The source's algorithm as the trainer runs it: each update moves only its own player,
the D step is gradient descent on eq. (2), the inner loop can run alone."""

import copy

import pytest
import torch

from gan_edu.distributions import GaussianMixture
from gan_edu.games import GAN
from gan_edu.models import Discriminator, Generator
from gan_edu.train import TrainConfig, Trainer

DATA = GaussianMixture([[1.0, -1.0], [-1.0, 1.0]], 0.3)


def make_trainer(**overrides):
    torch.manual_seed(0)
    config = TrainConfig(**{**dict(steps=5, batch_size=32, seed=7, device="cpu", log_every=1),
                            **overrides})
    return Trainer(GAN(Generator(3, 2, 16, 2), Discriminator(2, 16, 2)), DATA, config)


def params(net):
    return [p.detach().clone() for p in net.parameters()]


def same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a, b))


def test_d_step_is_sgd_on_the_cross_entropy_of_eq_2():
    trainer = make_trainer(optimizer="sgd", lr_d=0.05)
    G, D = copy.deepcopy(trainer.G), copy.deepcopy(trainer.D)
    # The same draws as the trainer, in its order: z first, then x_real, from a generator seeded alike.
    gen = torch.Generator().manual_seed(7)
    z = torch.randn(32, 3, generator=gen)
    x_real = DATA.sample(32, gen)
    x_fake = G(z).detach()
    d_real, d_fake = torch.sigmoid(D(x_real)), torch.sigmoid(D(x_fake))
    loss = -(torch.log(d_real).sum() + torch.log(1 - d_fake).sum()) / 32  # eq. (2) / m by hand
    grads = torch.autograd.grad(loss, list(D.parameters()))
    expected = [p.detach() - 0.05 * g for p, g in zip(D.parameters(), grads)]
    trainer.step_d()
    for got, want in zip(trainer.D.parameters(), expected):
        torch.testing.assert_close(got.detach(), want, rtol=1e-5, atol=1e-6)


def test_d_step_does_not_move_g_and_g_step_does_not_move_d():
    trainer = make_trainer()
    g0, d0 = params(trainer.G), params(trainer.D)
    trainer.step_d()
    assert same(g0, params(trainer.G)) and not same(d0, params(trainer.D))
    g1, d1 = params(trainer.G), params(trainer.D)
    trainer.step_g()
    assert same(d1, params(trainer.D)) and not same(g1, params(trainer.G))


def test_iteration_runs_k_d_steps_then_one_g_step():
    trainer = make_trainer(k=3)
    calls = []
    trainer.update = lambda players: calls.append(list(players))
    trainer.iteration()
    assert calls == [["D"], ["D"], ["D"], ["G"]] and trainer.step == 1


def test_fit_d_only_freezes_the_generator_and_records_no_g_loss():
    trainer = make_trainer(k=2)
    g0 = params(trainer.G)
    history = trainer.fit(4, d_only=True)
    assert same(g0, params(trainer.G))
    assert len(history) == 4 and all(v != v for v in history.g_loss)  # NaN: no G step ran


def test_unknown_optimizer_is_rejected_naming_the_field():
    with pytest.raises(ValueError, match="optimizer"):
        TrainConfig(optimizer="adagrad")


def test_the_plain_twenty_line_loop_gives_the_trainers_weights():
    from gan_edu import algorithm

    torch.manual_seed(0)
    G, D = Generator(3, 2, 16, 2), Discriminator(2, 16, 2)
    G_plain, D_plain = copy.deepcopy(G), copy.deepcopy(D)
    D.samplewise = False  # the plain loop scores real and fake in two passes: the trainer does the same
    config = TrainConfig(steps=25, batch_size=32, k=2, lr_d=1e-3, lr_g=1e-3, betas=(0.5, 0.9), seed=4,
                         device="cpu")
    Trainer(GAN(G, D), DATA, config).fit()
    algorithm.train(G_plain, D_plain, DATA, steps=25, k=2, batch_size=32, lr=1e-3, betas=(0.5, 0.9), seed=4)
    assert same(params(G), params(G_plain)) and same(params(D), params(D_plain))
    # and training did move them: the comparison is not between two untouched networks
    torch.manual_seed(0)
    assert not same(params(Generator(3, 2, 16, 2)), params(G))
