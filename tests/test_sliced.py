"""The sliced Wasserstein-1 distance against scipy's 1D W1 and the closed form of a translation."""

import math

import numpy as np
import pytest
import scipy.stats
import torch

from gan_edu.distributions import toy
from gan_edu.metrics import (sliced_wasserstein, sliced_wasserstein_floor, sliced_wasserstein_over_floor,
                             wasserstein_1d_empirical)


@pytest.mark.parametrize("n, m", [(50, 70), (200, 200), (1, 9)])
def test_the_1d_distance_matches_scipy(n, m):
    rng = np.random.default_rng(n + m)
    a, b = rng.normal(size=(n, 3)), rng.normal(1.0, 2.0, size=(m, 3))
    got = wasserstein_1d_empirical(a, b)
    for j in range(3):
        assert got[j] == pytest.approx(scipy.stats.wasserstein_distance(a[:, j], b[:, j]), rel=1e-12)
    assert sliced_wasserstein(a[:, :1], b[:, :1]) == pytest.approx(got[0], rel=1e-12)  # 1D: no projection


def test_a_translation_by_v_gives_the_mean_of_abs_theta_dot_v():
    # Shifting a point set by v shifts each projection by theta . v, so W1 = |theta . v| exactly;
    # over uniform directions in 2D, E|cos| = 2 / pi.
    x = np.random.default_rng(0).normal(size=(300, 2))
    v = np.array([3.0, 4.0])
    gen = torch.Generator().manual_seed(3)
    theta = torch.randn(2, 20_000, generator=torch.Generator().manual_seed(3), dtype=torch.float64).numpy()
    theta /= np.linalg.norm(theta, axis=0)
    got = sliced_wasserstein(x, x + v, n_projections=20_000, generator=gen)
    assert got == pytest.approx(np.abs(v @ theta).mean(), rel=1e-10)
    assert got == pytest.approx(2 / math.pi * 5.0, rel=0.02)


def test_identical_sets_score_zero_and_the_floor_shrinks_with_n():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(500, 2))
    assert sliced_wasserstein(x, x.copy()) == 0.0
    floors = [sliced_wasserstein(rng.normal(size=(n, 2)), rng.normal(size=(n, 2))) for n in (100, 10_000)]
    assert floors[1] < floors[0] / 4  # the empirical W1 error falls like 1 / sqrt(n) in 1D


def test_default_directions_are_fixed_so_two_calls_compare():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(100, 3)), rng.normal(size=(120, 3))
    assert sliced_wasserstein(x, y) == sliced_wasserstein(x, y)


def test_over_floor_divides_by_two_real_sets_drawn_from_the_seeds():
    p = toy("ring8")
    x = p.sample(300, torch.Generator().manual_seed(5)) * 1.1  # a generator 10 % too wide
    ref, other = (p.sample(300, torch.Generator().manual_seed(s)).numpy() for s in (7, 8))
    theta = torch.randn(2, 256, generator=torch.Generator().manual_seed(0), dtype=torch.float64).numpy()
    theta /= np.linalg.norm(theta, axis=0)  # the default directions of sliced_wasserstein

    def by_scipy(a, b):
        return np.mean([scipy.stats.wasserstein_distance(a @ t, b @ t) for t in theta.T])

    expected = by_scipy(x.numpy(), ref) / by_scipy(other, ref)
    assert sliced_wasserstein_over_floor(x, p, seeds=(7, 8)) == pytest.approx(expected, rel=1e-9)
    assert sliced_wasserstein_floor(p, 300, seeds=(7, 8)) == pytest.approx(by_scipy(other, ref), rel=1e-9)


def test_over_floor_is_about_one_for_the_distribution_itself_and_large_for_a_shifted_one():
    p = toy("grid25")
    own = [sliced_wasserstein_over_floor(p.sample(1000, torch.Generator().manual_seed(s)), p) for s in range(12)]
    assert 0.8 < np.mean(own) < 1.25 and max(own) < 2.0
    shifted = p.sample(1000, torch.Generator().manual_seed(99)) + torch.tensor([1.0, 0.0])  # half a grid step
    assert sliced_wasserstein_over_floor(shifted, p) > 3


@pytest.mark.parametrize("make, name", [
    (lambda: sliced_wasserstein_over_floor(np.zeros(5), toy("ring8")), "samples"),
    (lambda: sliced_wasserstein_over_floor(np.zeros((5, 2)), "ring8"), "distribution"),
    (lambda: sliced_wasserstein_over_floor(np.zeros((5, 2)), toy("ring8"), seeds=(1, 1)), "seeds"),
    (lambda: sliced_wasserstein_over_floor(np.zeros((5, 2)), toy("ring8"), seeds=(1,)), "seeds"),
    (lambda: sliced_wasserstein_over_floor(np.zeros((5, 2)), toy("ring8"), seeds=(1, -2)), "seeds"),
    (lambda: sliced_wasserstein_floor(toy("ring8"), 0), "n"),
    (lambda: sliced_wasserstein(np.zeros((5, 2)), np.zeros((5, 3))), "same dimension"),
    (lambda: sliced_wasserstein(np.zeros(5), np.zeros(5)), "x"),
    (lambda: sliced_wasserstein(np.zeros((0, 2)), np.zeros((5, 2))), "x"),
    (lambda: sliced_wasserstein(np.zeros((5, 2)), np.full((5, 2), np.nan)), "y"),
    (lambda: sliced_wasserstein(np.zeros((5, 2)), np.zeros((5, 2)), n_projections=0), "n_projections"),
    (lambda: sliced_wasserstein(np.zeros((5, 2)), np.zeros((5, 2)), generator=1), "generator"),
])
def test_bad_input_names_the_parameter(make, name):
    with pytest.raises(ValueError, match=name):
        make()
