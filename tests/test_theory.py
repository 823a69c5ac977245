"""Source eqs. (6)-(15), checked against closed forms, exact sums and finite differences."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate
from scipy.stats import norm

from gan_edu import theory
from gan_edu.distributions import Categorical, GaussianMixture, toy

LOG2 = math.log(2)


def gaussian_kl(mu1, s1, mu2, s2, d=1):
    """KL(N(mu1, s1^2 I) || N(mu2, s2^2 I)) in closed form."""
    sq = float(np.sum((np.atleast_1d(mu1) - np.atleast_1d(mu2)) ** 2))
    return d * math.log(s2 / s1) + (d * s1**2 + sq) / (2 * s2**2) - d / 2


# --- eqs. (7)-(9) ------------------------------------------------------------------------------


def test_binary_argmax_matches_grid_search():
    x = np.linspace(1e-6, 1 - 1e-6, 2_000_001)
    for A, B in [(1.0, 1.0), (0.3, 0.7), (2.5, 0.1), (1e-3, 4.0)]:
        best = x[np.argmax(theory.binary_objective(x, A, B))]
        assert abs(best - theory.binary_argmax(A, B)) < 1e-6


def test_binary_derivative_matches_finite_differences_in_both_bases():
    x, A, B, h = np.array([0.2, 0.5, 0.9]), 0.7, 1.3, 1e-6
    fd = (theory.binary_objective(x + h, A, B) - theory.binary_objective(x - h, A, B)) / (2 * h)
    np.testing.assert_allclose(theory.binary_objective_derivative(x, A, B), fd, rtol=1e-7)
    # The source's base-10 version is the natural-log one divided by ln 10.
    np.testing.assert_allclose(theory.binary_objective_derivative(x, A, B, base=10), fd / math.log(10), rtol=1e-7)


def test_binary_derivative_vanishes_at_argmax():
    A, B = 0.4, 1.1
    assert abs(theory.binary_objective_derivative(theory.binary_argmax(A, B), A, B)) < 1e-12


@pytest.mark.parametrize("A, B, match", [(-1, 1, "A"), (1, -1, "B"), (0, 0, "A \\+ B"), (np.nan, 1, "A")])
def test_binary_argmax_rejects_invalid_coefficients(A, B, match):
    with pytest.raises(ValueError, match=match):
        theory.binary_argmax(A, B)


def test_binary_objective_rejects_x_outside_unit_interval():
    with pytest.raises(ValueError, match="x"):
        theory.binary_objective(1.0, 1, 1)


# --- eq. (10) -----------------------------------------------------------------------------------


def test_optimal_discriminator_discrete_worked_example():
    # Goodfellow et al. 2014, discrete case: D* = p_r / (p_r + p_g) by hand.
    p_r, p_g = Categorical([0.6, 0.3, 0.1]), Categorical([0.2, 0.3, 0.5])
    np.testing.assert_allclose(theory.optimal_discriminator(p_r, p_g, [0, 1, 2]), [0.75, 0.5, 1 / 6], atol=1e-15)


def test_optimal_discriminator_is_stable_where_densities_underflow():
    p_r, p_g = GaussianMixture([0.0], 1.0), GaussianMixture([1.0], 1.0)
    x = np.array([60.0, -60.0])  # both pdfs are exactly 0.0 in float64 here
    assert np.all(p_r.pdf(x) == 0) and np.all(p_g.pdf(x) == 0)
    # log p_r - log p_g = (2x - 1)/2 * (-1) ... = -(x - 1/2): D* = sigmoid(1/2 - x).
    np.testing.assert_allclose(theory.optimal_discriminator(p_r, p_g, x), 1 / (1 + np.exp(x - 0.5)), rtol=1e-12)


def test_optimal_discriminator_rejects_dimension_mismatch():
    with pytest.raises(ValueError, match="p_r and p_g"):
        theory.optimal_discriminator(GaussianMixture([0.0], 1.0), toy("ring8"), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="x"):
        theory.optimal_discriminator(toy("ring8"), toy("ring8"), np.zeros((3, 3)))


def test_optimal_discriminator_maximises_the_value_function():
    p_r, p_g = toy("bimodal1d"), GaussianMixture([0.5], 1.5)
    d_star = lambda x: theory.optimal_discriminator(p_r, p_g, x)  # noqa: E731
    best = theory.value(p_r, p_g, d_star)
    for eps in (0.05, -0.05):
        perturbed = lambda x, e=eps: np.clip(d_star(x) + e * np.sin(3 * x[:, 0]), 1e-9, 1 - 1e-9)  # noqa: E731
        assert theory.value(p_r, p_g, perturbed) < best


# --- eqs. (11)-(14) -----------------------------------------------------------------------------


@pytest.mark.parametrize("mu, s1, s2", [(0.0, 1.0, 1.0), (1.0, 1.0, 2.0), (3.0, 0.5, 0.2), (0.3, 0.01, 0.02)])
def test_kl_matches_gaussian_closed_form_1d(mu, s1, s2):
    kl = theory.kl_divergence(GaussianMixture([0.0], s1), GaussianMixture([mu], s2))
    assert abs(kl - gaussian_kl(0.0, s1, mu, s2)) < 1e-8


def test_kl_matches_gaussian_closed_form_2d():
    p, q = GaussianMixture([[0.0, 0.0]], 1.0), GaussianMixture([[1.0, 0.5]], 1.5)
    assert abs(theory.kl_divergence(p, q) - gaussian_kl([0, 0], 1.0, [1.0, 0.5], 1.5, d=2)) < 1e-6


def test_js_matches_adaptive_quadrature_of_the_definition():
    p, q = toy("bimodal1d"), GaussianMixture([0.5], 1.5)

    def integrand(x):
        a, b = p.pdf([x])[0], q.pdf([x])[0]
        m = 0.5 * (a + b)
        return 0.5 * a * math.log(a / m) + 0.5 * b * math.log(b / m)

    reference = sum(integrate.quad(integrand, lo, hi, epsabs=1e-13, limit=200)[0]
                    for lo, hi in [(-20, -2), (-2, 2), (2, 20)])
    assert abs(theory.js_divergence(p, q) - reference) < 1e-9


def test_js_of_identical_distributions_is_zero():
    for p in (toy("bimodal1d"), toy("blobs2d"), toy("ring8")):
        assert abs(theory.js_divergence(p, p)) < 1e-8


def test_js_of_disjoint_supports_is_log2():
    assert abs(theory.js_divergence(GaussianMixture([0.0], 0.01), GaussianMixture([5.0], 0.02)) - LOG2) < 1e-8
    far = GaussianMixture([[20.0, 0.0]], 0.05)
    assert abs(theory.js_divergence(toy("ring8"), far) - LOG2) < 1e-6


def test_js_of_nearly_disjoint_supports_matches_closed_form():
    # Equal-variance Gaussians are mirror images, so JS = E_p[log 2 - log(1 + q/p)]: one integral
    # for scipy.integrate.quad, written with scipy's own log-densities.
    s, mu = 1.0, 9.0
    p, q = GaussianMixture([0.0], s), GaussianMixture([mu], s)

    def integrand(x):
        return norm.pdf(x) * (LOG2 - np.logaddexp(0.0, norm.logpdf(x, mu) - norm.logpdf(x)))

    reference = integrate.quad(integrand, -40, 40, epsabs=1e-14, points=[0, 4.5, 9], limit=400)[0]
    assert abs(theory.js_divergence(p, q) - reference) < 1e-9
    assert LOG2 - theory.js_divergence(p, q) < 1e-3


def test_value_at_optimum_discrete_worked_example():
    p_r, p_g = Categorical([0.6, 0.3, 0.1]), Categorical([0.2, 0.3, 0.5])
    by_hand = 0.6 * math.log(0.75) + 0.2 * math.log(0.25) + 0.3 * math.log(0.5) * 2 + 0.1 * math.log(1 / 6) + 0.5 * math.log(5 / 6)
    assert abs(theory.value_at_optimum(p_r, p_g) - by_hand) < 1e-14
    assert abs(theory.value_at_optimum(p_r, p_g) - theory.value_from_js(theory.js_divergence(p_r, p_g))) < 1e-14


@pytest.mark.parametrize("mu, expected_L, expected_js", [
    (0.5, -1.325672, 0.030311), (1.0, -1.163451, 0.111421), (2.0, -0.712633, 0.336831)])
def test_value_at_optimum_gaussian_shift_matches_published_numbers(mu, expected_L, expected_js):
    p_r, p_g = GaussianMixture([0.0], 1.0), GaussianMixture([mu], 1.0)
    assert abs(theory.value_at_optimum(p_r, p_g) - expected_L) < 1e-6
    assert abs(theory.js_divergence(p_r, p_g) - expected_js) < 1e-6


@pytest.mark.parametrize("pair", ["1d", "2d"])
def test_identity_14_holds_with_generic_value_function(pair):
    if pair == "1d":
        p_r, p_g, tol = toy("bimodal1d"), GaussianMixture([0.5], 1.5), 1e-8
    else:
        p_r, p_g, tol = toy("blobs2d"), GaussianMixture([[0.0, 1.0]], 1.2), 1e-6
    # Left: eq. (6) evaluated at D* from eq. (10). Right: eq. (12) through the mixture m.
    left = theory.value(p_r, p_g, lambda x: theory.optimal_discriminator(p_r, p_g, x))
    right = theory.value_from_js(theory.js_divergence(p_r, p_g))
    assert abs(left - right) < tol
    assert abs(theory.js_divergence_expanded(p_r, p_g) - theory.js_divergence(p_r, p_g)) < tol


def test_value_accepts_logits_and_agrees_with_probabilities():
    p_r, p_g = toy("bimodal1d"), GaussianMixture([0.5], 1.5)
    logit = lambda x: 0.3 * x[:, 0] - 0.2  # noqa: E731
    prob = lambda x: 1 / (1 + np.exp(-logit(x)))  # noqa: E731
    assert abs(theory.value(p_r, p_g, logit, logits=True) - theory.value(p_r, p_g, prob)) < 1e-12


def test_value_rejects_discriminator_of_wrong_shape():
    p = toy("gauss1d")
    with pytest.raises(ValueError, match="D must return"):
        theory.value(p, p, lambda x: np.full((len(x), 2), 0.5))


def test_quadrature_refuses_three_dimensions():
    p = GaussianMixture(np.zeros((1, 3)), 1.0)
    with pytest.raises(ValueError, match="dimension"):
        theory.js_divergence(p, p)


# --- eq. (15) -----------------------------------------------------------------------------------


def test_generator_criterion_is_minimal_at_p_g_equal_p_r():
    p_r = GaussianMixture([0.0], 1.0)
    shifts = np.linspace(-1, 1, 21)
    values = [theory.value_at_optimum(p_r, GaussianMixture([m], 1.0)) for m in shifts]
    assert shifts[int(np.argmin(values))] == 0.0
    assert abs(min(values) + 2 * LOG2) < 1e-10
    assert np.allclose(theory.optimal_discriminator(p_r, p_r, np.linspace(-5, 5, 11)), 0.5)


# --- Monte Carlo agrees with quadrature ------------------------------------------------------------


def test_monte_carlo_estimators_agree_with_quadrature_within_four_standard_errors():
    p, q = toy("blobs2d"), GaussianMixture([[0.0, 1.0]], 1.2)
    g = torch.Generator().manual_seed(0)
    kl, kl_se = theory.kl_divergence_mc(p, q, 20_000, g)
    js, js_se = theory.js_divergence_mc(p, q, 20_000, g)
    assert abs(kl - theory.kl_divergence(p, q)) < 4 * kl_se
    assert abs(js - theory.js_divergence(p, q)) < 4 * js_se
    d_star = lambda x: theory.optimal_discriminator(p, q, x)  # noqa: E731
    L, L_se = theory.value_mc(p, q, d_star, 20_000, g)
    assert abs(L - theory.value_at_optimum(p, q)) < 4 * L_se


# --- properties ----------------------------------------------------------------------------------

mixtures_1d = st.builds(
    lambda means, std: GaussianMixture(means, std),
    st.lists(st.floats(-5, 5), min_size=1, max_size=3),
    st.floats(0.2, 2.0),
)


@settings(max_examples=30, deadline=None)
@given(mixtures_1d, mixtures_1d)
def test_js_is_symmetric_and_bounded(p, q):
    js_pq, js_qp = theory.js_divergence(p, q), theory.js_divergence(q, p)
    assert -1e-10 <= js_pq <= LOG2 + 1e-10
    assert abs(js_pq - js_qp) < 1e-10


@settings(max_examples=30, deadline=None)
@given(mixtures_1d, mixtures_1d)
def test_kl_is_non_negative(p, q):
    assert theory.kl_divergence(p, q) >= -1e-10


@settings(max_examples=50, deadline=None)
@given(mixtures_1d, mixtures_1d, st.lists(st.floats(-50, 50), min_size=1, max_size=20))
def test_optimal_discriminator_lies_in_unit_interval(p, q, xs):
    d = theory.optimal_discriminator(p, q, np.array(xs))
    assert np.all((d >= 0) & (d <= 1))


def test_value_at_optimal_logit_is_exact_for_nearly_disjoint_supports():
    p_r, p_g = GaussianMixture([0.0], 0.1), GaussianMixture([2.0], 0.1)
    # With probabilities D* rounds to exactly 0/1 and the integrand hits 0 * log 0; with logits it does not.
    via_logits = theory.value(p_r, p_g, lambda x: theory.optimal_logit(p_r, p_g, x), logits=True)
    assert abs(via_logits - theory.value_from_js(theory.js_divergence(p_r, p_g))) < 1e-8
    assert abs(via_logits) < 1e-12  # JS = log 2 to double precision: L(G, D*) = 0
