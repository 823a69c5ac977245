"""The Dirac-GAN (Mescheder et al. 2018, §2.2), each claim against an independent computation.

The trainer-built iterates are compared with a hand-written float64 recursion of the
closed-form updates; the eigenvalues with the formulas of the paper and with a finite-
difference Jacobian of the field that the library's losses define (torch autograd); the
flow with exact solutions and conserved quantities. In this library's convention (both
players minimise, D's logit psi * x is high on real data), with u = psi * theta:

    dL_D/dpsi   = theta * sigmoid(u) + gamma psi     (ns, minimax)   theta + gamma psi  (wgan)
    dL_G/dtheta = -psi * sigmoid(-u)  (ns)    -psi * sigmoid(u)  (minimax)    -psi  (wgan)
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate
import scipy.linalg
import torch
from scipy.special import expit

from gan_edu import dirac
from gan_edu.losses import R1Penalty, get_loss
from gan_edu.models import LinearCritic

F1 = {"ns": 0.5, "minimax": 0.5, "wgan": 1.0}  # f'(0)


def d_grad(theta, psi, loss, gamma):
    return (theta if loss == "wgan" else theta * expit(psi * theta)) + gamma * psi


def g_grad(theta, psi, loss):
    return {"wgan": -psi, "ns": -psi * expit(-psi * theta), "minimax": -psi * expit(psi * theta)}[loss]


def closed_form(method, steps, h, theta, psi, loss, gamma=0.0, n_critic=1, clip=None):
    """The SGD updates written out: simultaneous from the same point, or n_critic D steps then G."""
    out = [(theta, psi)]
    for _ in range(steps):
        if method == "simultaneous":
            theta, psi = theta - h * g_grad(theta, psi, loss), psi - h * d_grad(theta, psi, loss, gamma)
            psi = psi if clip is None else np.clip(psi, -clip, clip)
        else:
            for _ in range(n_critic):
                psi = psi - h * d_grad(theta, psi, loss, gamma)
                psi = psi if clip is None else np.clip(psi, -clip, clip)
            theta = theta - h * g_grad(theta, psi, loss)
        out.append((theta, psi))
    return np.array(out)


def radius(traj):
    return np.hypot(traj[:, 0], traj[:, 1])


# -- the trainer runs the closed-form updates -------------------------------------------------

CASES = [dict(method=m, loss=loss, gamma=g) for m in ("simultaneous", "alternating")
         for loss in ("ns", "minimax", "wgan") for g in (0.0, 0.3)]
CASES += [dict(method="alternating", loss="ns", gamma=0.3, n_critic=3),
          dict(method="alternating", loss="wgan", gamma=0.0, clip=0.4),
          dict(method="simultaneous", loss="wgan", gamma=0.0, clip=0.4)]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(f"{v}" for v in c.values()))
def test_trainer_iterates_equal_the_closed_form_updates_in_float64(case):
    steps, h, theta, psi = 100, 0.2, 0.7, -0.4
    got = dirac.trajectory(steps=steps, h=h, theta=theta, psi=psi, **case)
    expected = closed_form(case["method"], steps, h, theta, psi, case["loss"], case["gamma"],
                           case.get("n_critic", 1), case.get("clip"))
    assert got.shape == (steps + 1, 2) and got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def antithetic(n, generator):
    e = torch.randn(n // 2, 1, generator=generator, dtype=torch.float64)
    return torch.cat([e, -e])[:, 0].numpy()


@pytest.mark.parametrize("method", ["simultaneous", "alternating"])
def test_instance_noise_iterates_follow_the_trainers_draws(method):
    # Draw order of one update: D's loss takes the prior's z, then the data; G's loss takes z.
    steps, h, sigma, seed, n = 30, 0.2, 0.5, 5, 64
    theta, psi = 0.8, 0.3
    gen = torch.Generator().manual_seed(seed)
    expected = [(theta, psi)]
    for _ in range(steps):
        z, eps = antithetic(n, gen), sigma * antithetic(n, gen)
        x_real, x_fake = eps, theta + sigma * z
        grad_d = np.mean(-x_real * expit(-psi * x_real)) + np.mean(x_fake * expit(psi * x_fake))
        if method == "alternating":
            psi = psi - h * grad_d
        x_fake = theta + sigma * antithetic(n, gen)
        grad_g = -psi * np.mean(expit(-psi * x_fake))
        theta = theta - h * grad_g
        if method == "simultaneous":
            psi = psi - h * grad_d
        expected.append((theta, psi))
    got = dirac.trajectory(method, steps=steps, h=h, theta=0.8, psi=0.3, instance_noise=sigma, seed=seed)
    np.testing.assert_allclose(got, np.array(expected), rtol=1e-12, atol=1e-12)


# -- the field and its Jacobian at the equilibrium ------------------------------------------

def library_field(theta, psi, loss, gamma):
    """(-dL_G/dtheta, -dL_D/dpsi) by autograd of gan_edu.losses and R1Penalty, in float64."""
    D = LinearCritic(psi).double()
    with torch.no_grad():
        D.psi.fill_(psi)
    th = torch.tensor([theta], dtype=torch.float64, requires_grad=True)
    x_real = torch.zeros(1, 1, dtype=torch.float64, requires_grad=True)
    fn = get_loss(loss)
    logits_real = D(x_real)
    l_d = fn.d_loss(logits_real, D(th.detach()[None]))
    if gamma > 0:
        l_d = l_d + R1Penalty(gamma)(D, x_real, None, logits_real)
    (gd,) = torch.autograd.grad(l_d, D.psi)
    (gg,) = torch.autograd.grad(fn.g_loss(D(th[None])), th)
    return np.array([-gg.item(), -gd.item()])


def fd_jacobian(field, eps=1e-6):
    cols = [(field(*(eps * e)) - field(*(-eps * e))) / (2 * eps) for e in np.eye(2)]
    return np.stack(cols, axis=1)


@pytest.mark.parametrize("loss", ["ns", "minimax", "wgan"])
def test_vector_field_is_minus_the_gradients_of_the_library_losses(loss):
    rng = np.random.default_rng(0)
    for theta, psi in rng.normal(0, 1.5, (5, 2)):
        np.testing.assert_allclose(dirac.vector_field(theta, psi, gamma=0.3, loss=loss),
                                   library_field(theta, psi, loss, 0.3), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("theta, psi, sigma", [(0.4, -1.1, 0.7), (0.4, 8.0, 1.0)])
def test_noisy_vector_field_is_the_expectation_over_the_noise(theta, psi, sigma):
    def mean(f):  # E f(e), e ~ N(0, sigma^2), adaptive, split where the integrands bend
        density = lambda e: np.exp(-e * e / (2 * sigma**2)) / np.sqrt(2 * np.pi * sigma**2)  # noqa: E731
        cuts = [-12 * sigma, min(-theta, 0.0), max(-theta, 0.0), 12 * sigma]
        return sum(scipy.integrate.quad(lambda e: f(e) * density(e), a, b, epsabs=1e-13, epsrel=1e-12,
                                        limit=200)[0] for a, b in zip(cuts, cuts[1:]))

    grad_d = mean(lambda e: -e * expit(-psi * e)) + mean(lambda e: (theta + e) * expit(psi * (theta + e)))
    grad_g = -psi * mean(lambda e: expit(-psi * (theta + e)))
    np.testing.assert_allclose(dirac.vector_field(theta, psi, loss="ns", instance_noise=sigma),
                               [-grad_g, -grad_d], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("loss", ["ns", "minimax", "wgan"])
def test_eigenvalues_without_penalty_are_plus_minus_i_f_prime(loss):
    np.testing.assert_allclose(dirac.jacobian_eigenvalues(0.0, loss), [1j * F1[loss], -1j * F1[loss]], atol=1e-8)


@pytest.mark.parametrize("loss", ["ns", "minimax", "wgan"])
@pytest.mark.parametrize("gamma", [0.3, 1.0, 2.5])
def test_eigenvalues_with_r1_are_minus_half_gamma_plus_minus_the_root(loss, gamma):
    root = np.sqrt(complex(gamma**2 / 4 - F1[loss] ** 2))
    np.testing.assert_allclose(dirac.jacobian_eigenvalues(gamma, loss), [-gamma / 2 + root, -gamma / 2 - root],
                               atol=1e-8)


@pytest.mark.parametrize("loss", ["ns", "minimax", "wgan"])
@pytest.mark.parametrize("gamma", [0.0, 0.3, 1.0])
def test_eigenvalues_are_those_of_the_finite_difference_jacobian(loss, gamma):
    # trace and determinant: robust where the two eigenvalues meet (gamma = 2 f'(0))
    J = fd_jacobian(lambda t, p: library_field(t, p, loss, gamma))
    lam = dirac.jacobian_eigenvalues(gamma, loss)
    assert abs(lam.sum() - np.trace(J)) < 1e-8 and abs(lam.prod() - np.linalg.det(J)) < 1e-8


@pytest.mark.parametrize("loss", ["ns", "wgan"])
def test_instance_noise_eigenvalues_match_the_paper_and_the_noisy_field(loss):
    sigma = 0.8
    f2 = {"ns": -0.25, "wgan": 0.0}[loss]
    root = np.sqrt(complex(f2**2 * sigma**4 - F1[loss] ** 2))  # Mescheder et al., §3.2
    lam = dirac.jacobian_eigenvalues(0.0, loss, instance_noise=sigma)
    np.testing.assert_allclose(lam, [f2 * sigma**2 + root, f2 * sigma**2 - root], atol=1e-8)
    J = fd_jacobian(lambda t, p: dirac.vector_field(t, p, loss=loss, instance_noise=sigma))
    assert abs(lam.sum() - np.trace(J)) < 1e-8 and abs(lam.prod() - np.linalg.det(J)) < 1e-8


# -- the flow ------------------------------------------------------------------------------

@pytest.mark.parametrize("loss", ["minimax", "wgan"])
def test_flow_conserves_the_squared_radius(loss):
    traj = dirac.trajectory("flow", steps=500, h=0.2, loss=loss)
    assert np.abs(radius(traj) ** 2 - 2.0).max() < 1e-8


def test_wgan_flow_with_r1_is_the_matrix_exponential():
    h, gamma, steps = 0.2, 0.3, 200
    traj = dirac.trajectory("flow", steps=steps, h=h, theta=1.0, psi=0.5, gamma=gamma, loss="wgan")
    J = np.array([[0.0, 1.0], [-1.0, -gamma]])
    expected = np.stack([scipy.linalg.expm(J * k * h) @ [1.0, 0.5] for k in range(steps + 1)])
    np.testing.assert_allclose(traj, expected, atol=1e-8)


def test_ns_flow_never_gains_radius_and_shrinks_slowly():
    # d(theta^2 + psi^2)/dt = -2u tanh(u/2) <= 0 with u = psi theta: ns dissipates, at fourth order
    traj = dirac.trajectory("flow", steps=2000, h=0.2, loss="ns")
    r2 = radius(traj) ** 2
    assert np.diff(r2).max() < 1e-9
    assert r2[-1] < 0.05 * r2[0] and r2[1000] / r2[0] < r2[2000] / r2[1000]  # sub-geometric decay


# -- discrete dynamics ------------------------------------------------------------------------

def test_simultaneous_wgan_radius_grows_by_sqrt_one_plus_h_squared_each_step():
    h = 0.2
    ratios = np.diff(np.log(radius(dirac.trajectory("simultaneous", steps=50, h=h, loss="wgan"))))
    np.testing.assert_allclose(np.exp(ratios), np.sqrt(1 + h**2 * F1["wgan"] ** 2), rtol=1e-12)


def test_simultaneous_minimax_radius_grows_by_sqrt_one_plus_h_squared_sigmoid_squared():
    h = 0.2
    traj = dirac.trajectory("simultaneous", steps=50, h=h, loss="minimax", theta=0.6, psi=-0.3)
    r = radius(traj)
    expected = np.sqrt(1 + h**2 * expit(traj[:-1, 0] * traj[:-1, 1]) ** 2)
    np.testing.assert_allclose(r[1:] / r[:-1], expected, rtol=1e-12)


def test_simultaneous_ns_near_the_equilibrium_spirals_out_by_sqrt_one_plus_h_squared_f_prime_squared():
    h = 0.2
    r = radius(dirac.trajectory("simultaneous", steps=20, h=h, loss="ns", theta=1e-4, psi=0.0))
    np.testing.assert_allclose(r[1:] / r[:-1], np.sqrt(1 + h**2 * F1["ns"] ** 2), rtol=1e-6)


@pytest.mark.parametrize("start", [(1e-2, 0.0), (2.0, 2.0)])
def test_simultaneous_ns_settles_on_a_limit_cycle_not_at_infinity(start):
    r = radius(dirac.trajectory("simultaneous", steps=2500, h=0.2, loss="ns", theta=start[0], psi=start[1]))
    assert 0.6 < r[-200:].min() and r[-200:].max() < 0.66


@pytest.mark.parametrize("loss", ["minimax", "wgan"])
def test_alternating_oscillates_without_converging(loss):
    r = radius(dirac.trajectory("alternating", steps=2000, h=0.2, loss=loss))
    assert 0.5 * r[0] < r.min() and r.max() < 2 * r[0]
    assert r[-200:].max() > 0.9 * r[0]


def test_alternating_ns_converges_only_sublinearly():
    r = radius(dirac.trajectory("alternating", steps=2000, h=0.2, loss="ns"))
    assert r[-1] < 0.2 * r[0]
    assert 0.6 < r[2000] / r[1000] < 0.8  # ~ 1 / sqrt(t), like the ns flow


@pytest.mark.parametrize("method", ["simultaneous", "alternating", "flow"])
@pytest.mark.parametrize("loss", ["ns", "wgan"])
@pytest.mark.parametrize("gamma", [0.3, 1.0])
def test_r1_converges_to_the_equilibrium(method, loss, gamma):
    r = radius(dirac.trajectory(method, steps=1000, h=0.2, loss=loss, gamma=gamma))
    assert r[-1] < 1e-2 * r[0]


@pytest.mark.parametrize("method", ["simultaneous", "alternating", "flow"])
@pytest.mark.parametrize("loss", ["ns", "minimax"])
def test_instance_noise_converges_to_the_equilibrium(method, loss):
    r = radius(dirac.trajectory(method, steps=500, h=0.2, loss=loss, instance_noise=1.0))
    assert r[-1] < 1e-2 * r[0]


def test_instance_noise_does_not_help_the_wgan():
    r = radius(dirac.trajectory("alternating", steps=1000, h=0.2, loss="wgan", instance_noise=1.0))
    assert r[-200:].min() > 0.5 * r[0]


@pytest.mark.parametrize("method", ["simultaneous", "alternating"])
def test_wgan_with_weight_clipping_does_not_converge(method):
    c = 0.1
    traj = dirac.trajectory(method, steps=3000, h=0.2, loss="wgan", clip=c)
    assert np.abs(traj[1:, 1]).max() <= c
    amplitude = lambda a, b: np.abs(traj[a:b, 0]).max()  # noqa: E731
    assert amplitude(2000, 3000) > 0.9 * amplitude(1000, 2000) > 0.5 * c
    assert radius(traj[-1000:]).min() > 0.5 * c


# -- arguments ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, name", [
    (dict(method="euler"), "method"), (dict(method="flow", steps=0), "steps"),
    (dict(method="flow", steps=2.5), "steps"), (dict(method="flow", h=0.0), "h"),
    (dict(method="flow", h=float("inf")), "h"), (dict(method="flow", gamma=-0.1), "gamma"),
    (dict(method="flow", loss="hinge"), "loss"), (dict(method="alternating", n_critic=0), "n_critic"),
    (dict(method="simultaneous", n_critic=2), "n_critic"), (dict(method="flow", n_critic=2), "n_critic"),
    (dict(method="flow", theta=float("nan")), "theta"), (dict(method="flow", psi="1"), "psi"),
    (dict(method="flow", instance_noise=-1.0), "instance_noise"),
    (dict(method="alternating", clip=0.0), "clip"), (dict(method="flow", clip=0.1), "clip"),
    (dict(method="alternating", seed=-1), "seed"),
])
def test_bad_arguments_raise_value_error_naming_the_parameter(kwargs, name):
    method = kwargs.pop("method")
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        dirac.trajectory(method, **kwargs)


def test_bad_eigenvalue_and_field_arguments_raise_value_error():
    with pytest.raises(ValueError, match="^gamma"):
        dirac.jacobian_eigenvalues(gamma=-1.0)
    with pytest.raises(ValueError, match="^loss"):
        dirac.jacobian_eigenvalues(loss="lsgan")
    with pytest.raises(ValueError, match="^instance_noise"):
        dirac.vector_field(0.0, 0.0, instance_noise=float("inf"))
