"""Losses against hand-written formulas, closed-form gradients and extreme logits."""

import math

import pytest
import torch

from gan_edu.losses import (
    GradientPenalty, HingeLoss, LeastSquaresLoss, MinimaxLoss, NonSaturatingLoss, R1Penalty,
    WassersteinLoss, WeightClipping, d_cross_entropy, g_minimax, g_nonsaturating, get_loss,
)

LOGITS_REAL = torch.tensor([-2.0, -0.5, 0.0, 0.7, 3.0], dtype=torch.float64)
LOGITS_FAKE = torch.tensor([-3.0, -1.0, 0.2, 1.5], dtype=torch.float64)


def test_d_cross_entropy_equals_eq2_written_with_log_and_sigmoid():
    expected = (-torch.log(torch.sigmoid(LOGITS_REAL)).mean()
                - torch.log(1 - torch.sigmoid(LOGITS_FAKE)).mean())
    assert d_cross_entropy(LOGITS_REAL, LOGITS_FAKE).item() == pytest.approx(expected.item(), rel=1e-12)


def test_d_cross_entropy_at_equilibrium_is_2_log_2():
    # D = 1/2 everywhere (logit 0): the loss is -2 log(1/2) = 2 log 2 = -(-2 log 2) of eq. (14).
    zeros = torch.zeros(7)
    assert d_cross_entropy(zeros, zeros).item() == pytest.approx(2 * math.log(2), rel=1e-6)


def test_generator_losses_equal_eq4_and_eq5():
    d = torch.sigmoid(LOGITS_FAKE)
    assert g_nonsaturating(LOGITS_FAKE).item() == pytest.approx((-torch.log(d)).mean().item(), rel=1e-12)
    assert g_minimax(LOGITS_FAKE).item() == pytest.approx(torch.log(1 - d).mean().item(), rel=1e-12)


@pytest.mark.parametrize("value", [100.0, -100.0, 1e4, -1e4])
def test_losses_and_gradients_finite_at_extreme_logits(value):
    for name in ("ns", "minimax", "wgan", "hinge", "lsgan"):
        loss = get_loss(name)
        logits = torch.full((4,), value, requires_grad=True)
        total = loss.d_loss(logits, logits) + loss.g_loss(logits)
        total.backward()
        assert torch.isfinite(total), name
        assert torch.isfinite(logits.grad).all(), name


def test_saturating_loss_of_confident_rejection_matches_closed_form():
    # log(1 - sigmoid(-100)) = -softplus(-100) ~ -3.7e-44: finite, not 0/0.
    assert g_minimax(torch.tensor([-100.0], dtype=torch.float64)).item() == pytest.approx(-math.exp(-100), rel=1e-6)
    assert g_nonsaturating(torch.tensor([-100.0], dtype=torch.float64)).item() == pytest.approx(100.0, rel=1e-12)


def test_gradients_wrt_logit_ns_and_minimax_closed_forms():
    logits = torch.linspace(-8, 8, 17, dtype=torch.float64)
    for fn, closed_form in ((g_nonsaturating, lambda l: -(1 - torch.sigmoid(l))),
                            (g_minimax, lambda l: -torch.sigmoid(l))):
        x = logits.clone().requires_grad_(True)
        fn(x).backward()
        # mean over the batch divides each per-sample gradient by n
        torch.testing.assert_close(x.grad * len(x), closed_form(logits), rtol=1e-12, atol=1e-15)
    # The saturation of eq. (5): at a confident rejection its gradient is ~0, eq. (4)'s is ~-1.
    x = torch.tensor([-10.0], dtype=torch.float64, requires_grad=True)
    g_minimax(x).backward()
    assert abs(x.grad.item()) < 1e-4
    x.grad = None
    g_nonsaturating(x).backward()
    assert x.grad.item() == pytest.approx(-1.0, abs=1e-4)


def test_variant_losses_equal_their_formulas():
    r, f = LOGITS_REAL[:4], LOGITS_FAKE
    assert WassersteinLoss().d_loss(r, f).item() == pytest.approx(f.mean().item() - r.mean().item())
    assert WassersteinLoss().g_loss(f).item() == pytest.approx(-f.mean().item())
    hinge = sum(max(0.0, 1 - v) for v in r.tolist()) / 4 + sum(max(0.0, 1 + v) for v in f.tolist()) / 4
    assert HingeLoss().d_loss(r, f).item() == pytest.approx(hinge)
    lsq = 0.5 * sum((v - 1) ** 2 for v in r.tolist()) / 4 + 0.5 * sum(v**2 for v in f.tolist()) / 4
    assert LeastSquaresLoss().d_loss(r, f).item() == pytest.approx(lsq)
    assert LeastSquaresLoss().g_loss(f).item() == pytest.approx(0.5 * sum((v - 1) ** 2 for v in f.tolist()) / 4)


def test_get_loss_by_name_and_unknown_name_names_loss():
    assert isinstance(get_loss("ns"), NonSaturatingLoss)
    assert isinstance(get_loss("minimax"), MinimaxLoss)
    with pytest.raises(ValueError, match="loss.*'bogus'"):
        get_loss("bogus")


def test_r1_penalty_of_linear_critic_is_gamma_half_weight_norm_squared():
    D = torch.nn.Linear(3, 1, bias=True).double()
    w = D.weight.detach()[0]
    x = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    logits = D(x).squeeze(-1)
    assert R1Penalty(4.0)(D, x, x, logits).item() == pytest.approx(0.5 * 4.0 * (w @ w).item(), rel=1e-12)


def test_lazy_r1_penalty_is_every_times_the_penalty_and_bad_every_names_it():
    D = torch.nn.Linear(3, 1, bias=True).double()
    w = D.weight.detach()[0]
    x = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    logits = D(x).squeeze(-1)
    assert R1Penalty(4.0, every=8)(D, x, x, logits).item() == pytest.approx(8 * 0.5 * 4.0 * (w @ w).item(), rel=1e-12)
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match=rf"every.*{bad!r}"):
            R1Penalty(1.0, every=bad)


def test_gradient_penalty_of_linear_critic_equals_formula():
    D = torch.nn.Sequential(torch.nn.Linear(2, 1)).double()
    norm = D[0].weight.detach().norm().item()
    x_real, x_fake = torch.randn(6, 2, dtype=torch.float64), torch.randn(6, 2, dtype=torch.float64)
    gp = GradientPenalty(10.0, generator=torch.Generator().manual_seed(0))
    assert gp(D, x_real, x_fake, None).item() == pytest.approx(10.0 * (norm - 1) ** 2, rel=1e-9)


def test_weight_clipping_bounds_every_parameter():
    D = torch.nn.Linear(4, 4)
    torch.nn.init.normal_(D.weight, std=10.0)
    WeightClipping(0.25)(D)  # 0.25: exact in float32
    assert max(p.abs().max().item() for p in D.parameters()) == 0.25


def test_gradient_penalty_function_against_a_hand_computation():
    """f(x) = 0.5 ||x||^2 has gradient x_hat at x_hat = eps x_r + (1 - eps) x_f: the penalty is
    weight * mean((||x_hat|| - 1)^2), with the same eps drawn from the same generator."""
    from gan_edu.losses import GradientPenalty, gradient_penalty

    gen = torch.Generator().manual_seed(0)
    x_real, x_fake = torch.randn(6, 3, 2, 2, generator=gen, dtype=torch.float64), torch.randn(6, 3, 2, 2, generator=gen,
                                                                                               dtype=torch.float64)
    critic = lambda x: 0.5 * x.pow(2).flatten(1).sum(1)  # noqa: E731
    got = gradient_penalty(critic, x_real, x_fake, weight=7.0, generator=torch.Generator().manual_seed(3))
    eps = torch.rand(6, 1, 1, 1, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    x_hat = eps * x_real + (1 - eps) * x_fake
    expected = 7.0 * ((x_hat.flatten(1).norm(dim=1) - 1) ** 2).mean()
    assert torch.allclose(got, expected, rtol=1e-12, atol=1e-12)
    # The object form is the same function.
    as_object = GradientPenalty(7.0, torch.Generator().manual_seed(3))(critic, x_real, x_fake, None)
    assert torch.equal(as_object, got)


def test_gradient_penalty_of_a_linear_critic_is_exact_and_differentiable_in_its_weights():
    from gan_edu.losses import gradient_penalty

    critic = torch.nn.Linear(4, 1, bias=False)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([[3.0, 0.0, 4.0, 0.0]]))  # ||w|| = 5 everywhere
    penalty = gradient_penalty(critic, torch.randn(8, 4), torch.randn(8, 4), weight=10.0)
    assert abs(penalty.item() - 10.0 * (5.0 - 1.0) ** 2) < 1e-4
    (grad,) = torch.autograd.grad(penalty, critic.weight)
    # d/dw 10 (||w|| - 1)^2 = 20 (||w|| - 1) w / ||w||
    assert torch.allclose(grad, 20.0 * 4.0 * critic.weight.detach() / 5.0, rtol=1e-4)


@pytest.mark.parametrize("x_real, x_fake, weight, match", [
    (torch.zeros(4, 2), torch.zeros(3, 2), 10.0, r"same shape, got \(4, 2\) and \(3, 2\)"),
    (torch.zeros(0, 2), torch.zeros(0, 2), 10.0, "x_real must be a floating-point tensor"),
    (torch.zeros(4, 2, dtype=torch.long), torch.zeros(4, 2), 10.0, "x_real must be a floating-point tensor"),
    (torch.zeros(4, 2), torch.zeros(4, 2), -1.0, "weight"),
])
def test_gradient_penalty_refuses_bad_input(x_real, x_fake, weight, match):
    from gan_edu.losses import gradient_penalty

    with pytest.raises(ValueError, match=match):
        gradient_penalty(torch.nn.Linear(2, 1), x_real, x_fake, weight=weight)
