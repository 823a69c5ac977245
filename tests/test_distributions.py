"""GaussianMixture, Categorical and the named toys: densities, sampling, bad input."""

import math

import numpy as np
import pytest
import torch
from scipy import integrate
from scipy.stats import multivariate_normal, norm

from gan_edu.distributions import Categorical, GaussianMixture, toy


def test_pdf_matches_scipy_in_1d_and_2d():
    p = GaussianMixture([-1.0, 2.0], [0.5, 1.5], [0.25, 0.75])
    x = np.linspace(-4, 6, 11)
    expected = 0.25 * norm.pdf(x, -1, 0.5) + 0.75 * norm.pdf(x, 2, 1.5)
    np.testing.assert_allclose(p.pdf(x), expected, rtol=1e-12)
    q = GaussianMixture([[0.0, 1.0], [2.0, -1.0]], [1.0, 0.3])
    y = np.random.default_rng(0).normal(size=(7, 2))
    expected = 0.5 * multivariate_normal.pdf(y, [0, 1], 1.0) + 0.5 * multivariate_normal.pdf(y, [2, -1], 0.09)
    np.testing.assert_allclose(q.pdf(y), expected, rtol=1e-12)


def test_log_prob_is_finite_far_in_the_tails():
    p = GaussianMixture([0.0], 0.01)
    lp = p.log_prob(np.array([10.0]))
    assert np.isfinite(lp).all()
    assert abs(lp[0] - norm.logpdf(10.0, 0, 0.01)) < 1e-9


@pytest.mark.parametrize("std", [1e-200, 1e-160, 5e-324])
def test_log_prob_of_a_tiny_positive_std_is_the_closed_form_not_nan(std):
    # std**2 underflows to 0 below ~1e-162: the density must be computed from distance / std.
    mixture = GaussianMixture([0.0], std)
    log_p = mixture.log_prob(np.array([0.0, std, 2 * std, 1.0]))
    expected = [-math.log(std) - 0.5 * math.log(2 * math.pi) - 0.5 * k ** 2 for k in (0, 1, 2)]
    assert np.allclose(log_p[:3], expected, rtol=1e-12, atol=0)
    assert log_p[3] == -np.inf  # 1 is 1e160 stds away or more: density 0, not NaN


def test_log_prob_of_a_tiny_std_in_2d_with_two_components_is_finite_near_each_mean():
    mixture = GaussianMixture([[0.0, 0.0], [1.0, 1.0]], [1e-200, 1.0])
    log_p = mixture.log_prob(np.array([[0.0, 0.0], [1.0, 1.0]]))
    assert np.isfinite(log_p).all()
    assert log_p[0] == pytest.approx(math.log(0.5) - 2 * math.log(1e-200) - math.log(2 * math.pi), rel=1e-12)
    assert log_p[1] == pytest.approx(math.log(0.5) - math.log(2 * math.pi), rel=1e-12)


def test_pdf_integrates_to_one():
    p = toy("bimodal1d")
    total, _ = integrate.quad(lambda x: p.pdf([x])[0], -20, 20, points=[-2, 2], limit=200)
    assert abs(total - 1) < 1e-10


def test_sample_moments_match_mixture():
    p = GaussianMixture([-2.0, 2.0], [0.5, 0.5], [0.3, 0.7])
    x = p.sample(200_000, torch.Generator().manual_seed(0))
    assert x.dtype == torch.float32 and x.shape == (200_000, 1)
    mean = 0.3 * -2 + 0.7 * 2
    var = 0.25 + 0.3 * 4 + 0.7 * 4 - mean**2
    assert abs(x.mean().item() - mean) < 4 * math.sqrt(var / 200_000)
    assert abs(x.var().item() - var) < 0.02


def test_sample_is_reproducible_with_generator():
    p = toy("ring8")
    a = p.sample(100, torch.Generator().manual_seed(3))
    b = p.sample(100, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_ring8_has_eight_distinct_modes_on_unit_circle():
    p = toy("ring8")
    assert p.means.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(p.means, axis=1), 1.0)
    gaps = np.linalg.norm(p.means[:, None] - p.means[None], axis=-1) + np.eye(8)
    assert gaps.min() > 2 * math.sin(math.pi / 8) - 1e-12  # adjacent means, no duplicate
    np.testing.assert_allclose(p.stds, 0.01)


def test_grid25_geometry():
    p = toy("grid25")
    assert sorted(set(p.means[:, 0].tolist())) == [-4, -2, 0, 2, 4]
    assert len({tuple(m) for m in p.means.tolist()}) == 25
    np.testing.assert_allclose(p.stds, 0.05)


@pytest.mark.parametrize("kwargs, match", [
    (dict(means=[0.0, 1.0], stds=1.0, weights=[0.5, 0.6]), "weights must sum to 1"),
    (dict(means=[0.0, 1.0], stds=1.0, weights=[1.5, -0.5]), "weights must be positive"),
    (dict(means=[0.0, 1.0], stds=[1.0, 0.0]), "stds must be positive"),
    (dict(means=[0.0, 1.0], stds=[1.0, 1.0, 1.0]), "stds"),
    (dict(means=[0.0, np.nan], stds=1.0), "means must be finite"),
    (dict(means=[[[0.0]]], stds=1.0), "means must have shape"),
])
def test_bad_parameters_raise_value_error_naming_them(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GaussianMixture(**kwargs)


def test_points_of_wrong_dimension_or_non_finite_are_rejected():
    p = toy("ring8")
    with pytest.raises(ValueError, match=r"x must have shape \(n, 2\)"):
        p.log_prob(np.zeros(5))
    with pytest.raises(ValueError, match="x must be finite"):
        p.pdf(np.array([[0.0, np.inf]]))


def test_unknown_toy_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="ring8"):
        toy("ring7")


def test_categorical_validates_and_evaluates():
    c = Categorical([0.5, 0.5, 0.0])
    np.testing.assert_array_equal(c.pdf([0, 2]), [0.5, 0.0])
    with pytest.raises(ValueError, match="probs must sum to 1"):
        Categorical([0.5, 0.6])
    with pytest.raises(ValueError, match="integers"):
        c.pdf([0.5])
