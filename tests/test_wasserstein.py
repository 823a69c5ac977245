"""The exact W1 on the line against closed forms, a quantile-coupling Monte Carlo and a hand sum."""

import math

import numpy as np
import pytest
from scipy.stats import norm

from gan_edu import theory
from gan_edu.distributions import Categorical, GaussianMixture, toy


@pytest.mark.parametrize("m1, s1, m2, s2", [(0.0, 1.0, 3.0, 1.0), (0.0, 1.0, 0.5, 2.0), (-1.0, 0.3, 2.0, 0.1),
                                            (0.0, 1.0, 0.0, 3.0)])
def test_w1_between_two_gaussians_matches_the_closed_form(m1, s1, m2, s2):
    # Quantile coupling: X = m1 + s1 Z, Y = m2 + s2 Z, so W1 = E|a + b Z| with a = m2 - m1, b = s2 - s1.
    a, b = m2 - m1, abs(s2 - s1)
    exact = abs(a) if b == 0 else a * (2 * norm.cdf(a / b) - 1) + 2 * b * norm.pdf(a / b)
    got = theory.wasserstein_1d(GaussianMixture([m1], s1), GaussianMixture([m2], s2))
    assert got == pytest.approx(exact, rel=1e-9, abs=1e-12)


def test_w1_of_a_mixture_matches_the_quantile_coupling_of_samples():
    p, q = toy("bimodal1d"), GaussianMixture([0.5], 1.5)
    rng = np.random.default_rng(0)
    n = 2_000_000
    comp = rng.choice(len(p.weights), size=n, p=p.weights)
    x = np.sort(np.asarray(p.means)[comp, 0] + np.asarray(p.stds)[comp] * rng.standard_normal(n))
    y = np.sort(0.5 + 1.5 * rng.standard_normal(n))
    assert theory.wasserstein_1d(p, q) == pytest.approx(np.abs(x - y).mean(), abs=3e-3)


def test_w1_of_categoricals_is_the_hand_sum():
    # F_p = (0.6, 0.9, 1), F_q = (0.2, 0.5, 1): |0.4| + |0.4| over the two unit gaps.
    assert theory.wasserstein_1d(Categorical([0.6, 0.3, 0.1]), Categorical([0.2, 0.3, 0.5])) == pytest.approx(0.8)
    assert theory.wasserstein_1d(Categorical([1.0, 0, 0, 0]), Categorical([0, 0, 0, 1.0])) == pytest.approx(3.0)


def test_js_saturates_where_w1_keeps_growing():
    """Arjovsky et al. 2017, Example 1, with narrow Gaussians: JS is stuck at log 2, W1 = shift."""
    narrow = GaussianMixture([0.0], 0.05)
    for shift in (2.0, 4.0, 8.0):
        other = GaussianMixture([shift], 0.05)
        assert theory.js_divergence(narrow, other) == pytest.approx(math.log(2), abs=1e-12)
        assert theory.wasserstein_1d(narrow, other) == pytest.approx(shift, rel=1e-9)


def test_cdf_1d_matches_scipy_and_the_categorical_steps():
    m = GaussianMixture([-1.0, 2.0], [0.5, 1.0], weights=[0.3, 0.7])
    x = np.linspace(-4, 5, 11)
    expected = 0.3 * norm.cdf(x, -1, 0.5) + 0.7 * norm.cdf(x, 2, 1.0)
    assert np.allclose(theory.cdf_1d(m, x), expected, rtol=1e-12, atol=1e-15)
    c = Categorical([0.2, 0.5, 0.3])
    assert np.allclose(theory.cdf_1d(c, [-0.5, 0, 0.99, 1, 2, 7]), [0, 0.2, 0.2, 0.7, 1.0, 1.0])


def test_w1_refuses_2d_and_mixed_kinds():
    with pytest.raises(ValueError, match="needs 1D distributions, got dimension 2"):
        theory.wasserstein_1d(GaussianMixture([[0.0, 0.0]], 1.0), GaussianMixture([[1.0, 0.0]], 1.0))
    with pytest.raises(ValueError, match="same kind"):
        theory.wasserstein_1d(GaussianMixture([0.0], 1.0), Categorical([0.5, 0.5]))


def test_optimal_critic_of_a_translation_is_minus_x():
    # q = p shifted right by 2: F_q < F_p everywhere, so f* has slope -1 and E_p f* - E_q f* = 2 = W1.
    p, q = GaussianMixture([0.0], 1.0), GaussianMixture([2.0], 1.0)
    x = np.linspace(-8, 10, 2001)
    f = theory.optimal_critic_1d(p, q, x)
    np.testing.assert_allclose(f, -(x - x[0]), atol=1e-12)


def test_optimal_critic_reaches_w1_by_duality():
    # E_p f* - E_q f* by trapezoid quadrature of f* (p - q), against the CDF integral of wasserstein_1d.
    p, q = toy("bimodal1d"), GaussianMixture([0.5], 1.5)
    x = np.linspace(-12, 12, 200_001)
    f = theory.optimal_critic_1d(p, q, x)
    value = np.trapezoid(f * (p.pdf(x[:, None]) - q.pdf(x[:, None])), x)
    assert value == pytest.approx(theory.wasserstein_1d(p, q), abs=1e-6)
    assert np.abs(np.diff(f) / np.diff(x)).max() <= 1 + 1e-12  # 1-Lipschitz


def test_optimal_critic_rejects_a_bad_grid():
    p = GaussianMixture([0.0], 1.0)
    with pytest.raises(ValueError, match="x must be"):
        theory.optimal_critic_1d(p, p, [0.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="x must be"):
        theory.optimal_critic_1d(p, p, [1.0])
