"""mode_coverage on hand-built sample sets with known answers."""

import math

import numpy as np
import pytest
import torch

from gan_edu.distributions import GaussianMixture, toy
from gan_edu.metrics import mode_coverage, mode_spread, nearest_mode


def test_samples_at_every_mean_capture_all_modes_with_zero_kl():
    ring = toy("ring8")
    samples = torch.tensor(np.repeat(ring.means, 10, axis=0), dtype=torch.float32)
    modes, hq, kl, *_ = mode_coverage(samples, ring)
    assert (modes, hq) == (8, 1.0)
    assert kl == pytest.approx(0.0, abs=1e-12)


def test_samples_on_3_of_8_modes_give_3_modes_and_kl_log_8_over_3():
    ring = toy("ring8")
    samples = np.repeat(ring.means[[0, 3, 5]], 100, axis=0)
    result = mode_coverage(samples, ring)
    assert result.modes == 3 and result.high_quality == 1.0
    assert result.reverse_kl == pytest.approx(math.log(8 / 3), rel=1e-12)
    assert result.counts.tolist() == [100, 0, 0, 100, 0, 100, 0, 0]


def test_far_samples_are_low_quality_and_capture_nothing():
    grid = toy("grid25")
    samples = grid.means[:5] + 1.0  # 1.0 = 20 std away from every mean
    result = mode_coverage(samples, grid)
    assert (result.modes, result.high_quality) == (0, 0.0)


def test_threshold_is_in_units_of_the_nearest_component_std():
    mixture = GaussianMixture([[0.0, 0.0], [10.0, 0.0]], [0.1, 1.0])
    samples = np.array([[0.29, 0.0], [0.31, 0.0], [12.9, 0.0], [13.1, 0.0]])
    result = mode_coverage(samples, mixture, threshold=3.0)
    assert result.hq_counts.tolist() == [1, 1] and result.high_quality == 0.5
    assert mode_coverage(samples, mixture, threshold=4.0).high_quality == 1.0


def test_reverse_kl_uses_the_mixture_weights():
    mixture = GaussianMixture([[0.0], [5.0]], 0.1, weights=[0.25, 0.75])
    samples = np.array([[0.0]] * 50 + [[5.0]] * 50)
    expected = 0.5 * math.log(0.5 / 0.25) + 0.5 * math.log(0.5 / 0.75)
    assert mode_coverage(samples, mixture).reverse_kl == pytest.approx(expected, rel=1e-12)


def test_non_finite_samples_count_as_low_quality():
    ring = toy("ring8")
    samples = np.vstack([ring.means, [[np.nan, 0.0]] * 8])
    assert mode_coverage(samples, ring).high_quality == 0.5


def test_bad_threshold_raises():
    with pytest.raises(ValueError, match="threshold"):
        mode_coverage(np.zeros((2, 2)), toy("ring8"), threshold=0)


def test_mode_spread_is_the_rms_distance_in_component_stds_per_dimension():
    mix = GaussianMixture(np.array([[0.0, 0.0], [10.0, 0.0]]), np.array([0.1, 0.5]))
    # By hand: distances 0.1 (r = 1) and 0.3 (r = 3) from mean 0, 1.0 (r = 2) from mean 1;
    # mean r^2 = (1 + 9 + 4) / 3 = 14/3, divided by d = 2: sqrt(7/3). The sample at
    # r = 20 from mean 1 lies beyond `within` = 6 and is left out.
    x = np.array([[0.1, 0.0], [0.0, -0.3], [10.0, 1.0], [10.0, 10.0]])
    assert mode_spread(x, mix) == pytest.approx(math.sqrt(7 / 3), rel=1e-12)


def test_mode_spread_of_the_mixture_itself_is_one_and_of_shrunk_modes_is_the_shrink():
    mix = toy("grid25")
    x = mix.sample(20_000, torch.Generator().manual_seed(0))
    # chi distribution with 2 degrees of freedom, truncated at 6: E[r^2] = 2 (1 - 1e-7); n = 20,000.
    assert mode_spread(x, mix) == pytest.approx(1.0, abs=0.02)
    means = torch.as_tensor(mix.means, dtype=x.dtype)
    index = torch.as_tensor(nearest_mode(x, mix.means)[0])
    shrunk = means[index] + 0.5 * (x - means[index])  # every sample halfway to its mean
    assert mode_spread(shrunk, mix) == pytest.approx(0.5 * mode_spread(x, mix), rel=1e-6)  # float32 samples
    with pytest.raises(ValueError, match="within"):
        mode_spread(x, mix, within=0)
    assert math.isnan(mode_spread(np.full((3, 2), 100.0), mix))
