"""Mode collapse: D's that see several samples (PacGAN, minibatch std), the mitigation recipes,
and the theory of why G drops modes (gan_edu.theory.collapse), against hand computations,
scipy quadrature and finite differences."""

import dataclasses
import math

import numpy as np
import pytest
import torch
from scipy import integrate
from scipy.stats import norm

from gan_edu import theory
from gan_edu.distributions import GaussianMixture
from gan_edu.games import GAN, UnrolledGAN
from gan_edu.models import Discriminator
from gan_edu.recipes import MITIGATIONS, PLAIN, build_toy_trainer, with_mitigation

LOG2 = math.log(2)


# --- PacGAN and minibatch std in the MLP discriminator -------------------------------------------


def test_packed_discriminator_scores_concatenated_packs_and_wraps_the_last_one():
    torch.manual_seed(0)
    D = Discriminator(2, width=8, depth=2, pack=2)
    x = torch.randn(5, 2)
    by_hand = D.net(torch.stack([torch.cat([x[0], x[1]]), torch.cat([x[2], x[3]]), torch.cat([x[4], x[0]])]))
    expected = by_hand.squeeze(-1).repeat_interleave(2)[:5]
    assert torch.equal(D(x), expected)
    assert D.net[0].in_features == 4 and not D.samplewise


def test_packed_losses_average_over_packs():
    torch.manual_seed(1)
    D = Discriminator(2, width=8, depth=1, pack=4)
    x = torch.randn(8, 2)
    logits = D(x)
    packs = D.net(x.reshape(2, 8)).squeeze(-1)
    assert torch.allclose(logits.mean(), packs.mean(), atol=1e-7)


def test_packed_dcgan_discriminator_stacks_packs_along_channels_and_wraps_the_last_one():
    from gan_edu.models.dcgan import DCGANConfig, DCGANDiscriminator

    torch.manual_seed(3)
    D = DCGANDiscriminator(DCGANConfig(resolution=8, channels=3, ndf=4, d_norm="none", pack=2)).eval()
    x = torch.randn(5, 3, 8, 8)
    packs = torch.stack([torch.cat([x[0], x[1]]), torch.cat([x[2], x[3]]), torch.cat([x[4], x[0]])])  # (3, 6, 8, 8)
    expected = D.main(packs).reshape(3).repeat_interleave(2)[:5]
    assert D.main[0].in_channels == 6
    assert torch.allclose(D(x), expected, atol=1e-6)
    assert torch.allclose(D(x.contiguous(memory_format=torch.channels_last)), expected, atol=1e-6)


def test_packed_dcgan_recipe_reaches_the_discriminator_and_trains():
    from gan_edu.recipes import DCGAN_RECIPES, build_dcgan_trainer

    recipe = dataclasses.replace(DCGAN_RECIPES["stacked-digits"], resolution=8, ngf=8, ndf=8, pack=2, steps=2)
    trainer = build_dcgan_trainer("stacked-digits", recipe=recipe, device="cpu")
    assert trainer.game.D.main[0].in_channels == 6
    trainer.fit()
    assert trainer.step == 2
    with pytest.raises(ValueError, match="pack"):
        dataclasses.replace(recipe, pack=0)


def test_minibatch_std_feature_is_the_mean_std_of_the_last_hidden_layer():
    torch.manual_seed(2)
    D = Discriminator(3, width=6, depth=2, minibatch_std=True)
    last = D.net[-1]
    assert last.in_features == 7 and not D.samplewise
    with torch.no_grad():  # read out only the appended feature
        last.weight.zero_()
        last.weight[0, -1] = 1.0
        last.bias.zero_()
    x = torch.randn(10, 3)
    h = x
    for layer in list(D.net)[:-1]:
        h = layer(h)
    hand = np.std(h.detach().numpy(), axis=0).mean()  # numpy: population std per feature
    assert torch.allclose(D(x), torch.full((10,), float(hand)), atol=1e-6)
    # the logit of one sample depends on the others: the point of the layer
    y = x.clone()
    y[1:] = 0.0
    assert not torch.allclose(D(x)[0], D(y)[0])


def test_plain_discriminator_is_unchanged_by_the_new_options():
    torch.manual_seed(3)
    a = Discriminator(2, width=8, depth=2)
    torch.manual_seed(3)
    b = Discriminator(2, width=8, depth=2, pack=1, minibatch_std=False)
    x = torch.randn(4, 2)
    assert torch.equal(a(x), b(x)) and a.samplewise


def test_with_mitigation_switches_on_one_thing_and_builds_the_right_game():
    small = dict(width=16, steps=2)
    for name, fields in MITIGATIONS.items():
        recipe = with_mitigation(PLAIN, name, **small)
        for key, val in fields.items():
            assert getattr(recipe, key) == val
        trainer = build_toy_trainer("ring8", recipe=recipe, device="cpu")
        game = trainer.game
        assert isinstance(game, UnrolledGAN) == (name == "unrolled-5")
        assert isinstance(game, GAN)
        assert game.D.pack == recipe.pack and game.D.minibatch_std == recipe.minibatch_std
        trainer.fit()  # two iterations run: shapes fit with every option
    assert with_mitigation(PLAIN, "wgan-gp").gp_weight == 10.0
    assert with_mitigation(PLAIN, "unrolled-5").unroll == 5


# --- theory: G's best response and the non-saturating divergence -----------------------------------


def test_generator_loss_matches_scipy_quadrature():
    p_g = GaussianMixture([[0.3]], [0.8])
    D = lambda x: 1 / (1 + np.exp(-(1.5 * x[:, 0] - 0.2)))  # noqa: E731
    ref, _ = integrate.quad(lambda t: norm.pdf(t, 0.3, 0.8) * -np.log(1 / (1 + np.exp(-(1.5 * t - 0.2)))),
                            -12, 12, epsabs=1e-13)
    assert theory.generator_loss(p_g, D) == pytest.approx(ref, abs=1e-10)
    logit = lambda x: 1.5 * x[:, 0] - 0.2  # noqa: E731
    assert theory.generator_loss(p_g, logit, logits=True) == pytest.approx(ref, abs=1e-10)


def test_best_response_is_the_point_mass_at_d_s_maximum_and_beats_every_spread():
    p_r = GaussianMixture([[-2.0], [2.0]], [0.4, 0.4], [0.5, 0.5])
    p_g = GaussianMixture([[1.0]], [1.5])
    logit = lambda x: theory.optimal_logit(p_r, p_g, x)  # noqa: E731
    grid = np.linspace(-5, 5, 100_001)[:, None]
    x_star = theory.best_response(logit, grid, logits=True)
    # D* = p_r / (p_r + p_g) is largest where p_r / p_g is: on the mode far from p_g's mean
    fine = np.linspace(-5, 5, 100_001)
    ratio = np.log(0.5 * norm.pdf(fine, -2, 0.4) + 0.5 * norm.pdf(fine, 2, 0.4)) - norm.logpdf(fine, 1.0, 1.5)
    assert x_star[0] == pytest.approx(fine[np.argmax(ratio)], abs=1e-9) and x_star[0] < -2
    point_loss = -np.log(1 / (1 + np.exp(-logit(x_star[None])[0])))
    for spread in (0.05, 0.2, 1.0):
        wider = GaussianMixture([[x_star[0]]], [spread])
        assert theory.generator_loss(wider, logit, logits=True) > point_loss


def test_ns_divergence_gradient_equals_the_generator_loss_gradient_at_a_fixed_optimal_d():
    # Arjovsky & Bottou 2017, Theorem 2.5, checked by central differences in the mean of p_g
    p_r = GaussianMixture([[-2.0], [2.0]], [0.5, 0.5])
    family = lambda t: GaussianMixture([[t]], [1.0])  # noqa: E731
    h = 1e-4
    for t0 in (-0.5, 0.7, 1.9):
        fixed = lambda x, t0=t0: theory.optimal_logit(p_r, family(t0), x)  # noqa: E731
        g = lambda t, fixed=fixed: theory.generator_loss(family(t), fixed, logits=True)  # noqa: E731
        f = lambda t: theory.ns_divergence(family(t), p_r)  # noqa: E731
        dg = (g(t0 + h) - g(t0 - h)) / (2 * h)
        df = (f(t0 + h) - f(t0 - h)) / (2 * h)
        assert df == pytest.approx(dg, abs=1e-6)
        assert abs(dg) > 1e-2  # a real slope, not two zeros


def test_dropping_one_of_two_modes_costs_log2_in_reverse_kl_and_much_more_in_forward_kl():
    p_r = GaussianMixture([[-3.0], [3.0]], [0.5, 0.5])
    one = GaussianMixture([[-3.0]], [0.5])
    # KL(one || p_r) = E_one[log(N / (N/2 + N'/2))] = log 2 - E_one[log(1 + N'/N)] ~ log 2
    tail, _ = integrate.quad(lambda t: norm.pdf(t, -3, 0.5) * np.log1p(norm.pdf(t, 3, 0.5) / norm.pdf(t, -3, 0.5)),
                             -10, 4)
    assert theory.kl_divergence(one, p_r) == pytest.approx(LOG2 - tail, abs=1e-9)
    assert theory.kl_divergence(p_r, one) > 30 * theory.kl_divergence(one, p_r)
    assert theory.ns_divergence(p_r, p_r) == pytest.approx(0.0, abs=1e-10)
    assert theory.ns_divergence(one, p_r) < theory.kl_divergence(one, p_r)


def test_generator_loss_rejects_a_bad_discriminator():
    p = GaussianMixture([[0.0]], [1.0])
    with pytest.raises(ValueError, match="D must be callable"):
        theory.generator_loss(p, 3.0)
    with pytest.raises(ValueError, match="probabilities"):
        theory.generator_loss(p, lambda x: x[:, 0] + 5)


# --- the DCGAN rules, broken one at a time ------------------------------------------------------


def test_break_rule_changes_exactly_the_named_fields_and_the_networks_follow():
    import dataclasses

    import torch.nn as nn

    from gan_edu.recipes import RULE_BREAKS, RULES16, break_rule, build_dcgan_trainer

    base = dataclasses.asdict(RULES16)
    for rule, fields in RULE_BREAKS.items():
        recipe = break_rule(RULES16, rule, steps=1)
        changed = {k for k, v in dataclasses.asdict(recipe).items() if base[k] != v}
        assert changed == set(fields) | {"steps"}, rule
    # the broken rule is visible in the networks built from the recipe
    trainer = build_dcgan_trainer("digits", recipe=break_rule(RULES16, "no batch norm in D", steps=1), device="cpu")
    assert not any(isinstance(m, nn.BatchNorm2d) for m in trainer.game.D.modules())
    assert any(isinstance(m, nn.BatchNorm2d) for m in trainer.game.G.modules())
    kept = build_dcgan_trainer("digits", recipe=break_rule(RULES16, "all rules kept", steps=1), device="cpu")
    assert any(isinstance(m, nn.BatchNorm2d) for m in kept.game.D.modules())
    pooled = build_dcgan_trainer("digits", recipe=break_rule(RULES16, "pooling instead of strides", steps=1),
                                 device="cpu")
    assert any(isinstance(m, nn.AvgPool2d) for m in pooled.game.D.modules())
