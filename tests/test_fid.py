"""Fréchet distance (FID) against closed forms, and improved precision/recall on hand-built sets.

Independent references: for commuting covariances the square root acts on eigenvalues, so
d^2 = |mu1 - mu2|^2 + sum_i (sqrt(a_i) - sqrt(b_i))^2; for S1 = A A^T, S2 = B B^T the
nonzero eigenvalues of S1 S2 are the squared singular values of A^T B, so
Tr (S1 S2)^(1/2) is the nuclear norm of A^T B; and scipy.linalg.sqrtm of S1 S2.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch

from gan_edu.metrics import (
    PrecisionRecall, fid_from_features, frechet_distance, gaussian_statistics, precision_recall,
)


def random_rotation(d: int, rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))  # Haar-distributed orthogonal matrix


def random_spd(d: int, rng: np.random.Generator) -> np.ndarray:
    a = rng.standard_normal((d, d))
    return a @ a.T / d + 0.5 * np.eye(d)  # eigenvalues >= 0.5: well conditioned


# ---------------------------------------------------------------------------------- FID


def test_frechet_distance_of_identical_gaussians_is_zero():
    rng = np.random.default_rng(0)
    mu, sigma = rng.standard_normal(20), random_spd(20, rng)
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-10)


def test_frechet_distance_of_diagonal_covariances_is_sum_of_squared_std_differences():
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0.1, 4.0, 8), rng.uniform(0.1, 4.0, 8)
    mu1, mu2 = rng.standard_normal(8), rng.standard_normal(8)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-12)


def test_frechet_distance_of_commuting_covariances_uses_their_eigenvalues():
    rng = np.random.default_rng(2)
    d = 12
    q = random_rotation(d, rng)
    a, b = rng.uniform(0.01, 9.0, d), rng.uniform(0.01, 9.0, d)
    sigma1, sigma2 = q @ np.diag(a) @ q.T, q @ np.diag(b) @ q.T
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert frechet_distance(mu1, sigma1, mu2, sigma2) == pytest.approx(expected, rel=1e-9)


def test_frechet_distance_in_one_dimension_is_squared_mean_plus_squared_std_difference():
    m1, s1, m2, s2 = 0.3, 2.0, -1.2, 0.5
    expected = (m1 - m2) ** 2 + (s1 - s2) ** 2  # 2.25 + 2.25
    assert frechet_distance([m1], [[s1 ** 2]], [m2], [[s2 ** 2]]) == pytest.approx(expected, rel=1e-14)
    assert expected == pytest.approx(4.5)


def test_frechet_distance_of_nearly_singular_covariances_matches_the_nuclear_norm_formula():
    rng = np.random.default_rng(3)
    d, rank, eps = 30, 5, 1e-12
    A, B = rng.standard_normal((d, rank)), rng.standard_normal((d, rank))
    sigma1, sigma2 = A @ A.T + eps * np.eye(d), B @ B.T + eps * np.eye(d)
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    nuclear = np.linalg.svd(A.T @ B, compute_uv=False).sum()  # Tr (A A^T B B^T)^(1/2)
    exact = np.sum((mu1 - mu2) ** 2) + np.sum(A ** 2) + np.sum(B ** 2) - 2 * nuclear
    value = frechet_distance(mu1, sigma1, mu2, sigma2)
    assert np.isfinite(value)
    # eps shifts the answer by O(rank * sqrt(eps * |B|^2)) ~ 1e-5 at most
    assert value == pytest.approx(exact, abs=1e-4)


def test_frechet_distance_of_rank_deficient_commuting_covariances_is_exact():
    rng = np.random.default_rng(4)
    d = 10
    q = random_rotation(d, rng)
    a = np.r_[rng.uniform(0.5, 2.0, 4), np.zeros(6)]  # rank 4
    b = np.r_[np.zeros(3), rng.uniform(0.5, 2.0, 3), np.zeros(4)]  # rank 3, overlapping a in one direction
    eps = 1e-12
    sigma1, sigma2 = q @ np.diag(a + eps) @ q.T, q @ np.diag(b + eps) @ q.T
    # The offset matters at sqrt(eps) = 1e-6 where one eigenvalue is 0: keep it in the closed form.
    expected = np.sum((np.sqrt(a + eps) - np.sqrt(b + eps)) ** 2)
    value = frechet_distance(np.zeros(d), sigma1, np.zeros(d), sigma2)
    assert value == pytest.approx(expected, abs=1e-7)
    assert value == pytest.approx(np.sum((np.sqrt(a) - np.sqrt(b)) ** 2), abs=1e-4)


def test_frechet_distance_is_symmetric():
    rng = np.random.default_rng(5)
    mu1, mu2 = rng.standard_normal(15), rng.standard_normal(15)
    s1, s2 = random_spd(15, rng), random_spd(15, rng)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(frechet_distance(mu2, s2, mu1, s1), rel=1e-12)


def test_frechet_distance_matches_scipy_sqrtm_on_a_well_conditioned_pair():
    rng = np.random.default_rng(6)
    d = 16
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    s1, s2 = random_spd(d, rng), random_spd(d, rng)
    tr_sqrt = np.trace(scipy.linalg.sqrtm(s1 @ s2)).real
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-10)


def test_frechet_distance_accepts_tensors_and_computes_in_float64():
    rng = np.random.default_rng(7)
    mu1, mu2 = rng.standard_normal(6), rng.standard_normal(6)
    s1, s2 = random_spd(6, rng), random_spd(6, rng)
    from_numpy = frechet_distance(mu1, s1, mu2, s2)
    from_torch = frechet_distance(*(torch.from_numpy(v) for v in (mu1, s1, mu2, s2)))
    assert from_torch == pytest.approx(from_numpy, rel=1e-14)


@pytest.mark.parametrize("name, args", [
    ("mu1", (np.zeros((2, 2)), np.eye(2), np.zeros(2), np.eye(2))),
    ("mu2", (np.zeros(2), np.eye(2), np.zeros(3), np.eye(2))),
    ("sigma1", (np.zeros(2), np.eye(3), np.zeros(2), np.eye(2))),
    ("sigma2", (np.zeros(2), np.eye(2), np.zeros(2), np.ones((2, 3)))),
    ("sigma1", (np.zeros(2), np.array([[1.0, np.nan], [np.nan, 1.0]]), np.zeros(2), np.eye(2))),
    ("mu2", (np.zeros(2), np.eye(2), np.array([0.0, np.inf]), np.eye(2))),
])
def test_frechet_distance_with_bad_input_raises_value_error_naming_the_parameter(name, args):
    with pytest.raises(ValueError, match=name):
        frechet_distance(*args)


def test_gaussian_statistics_are_the_mean_and_unbiased_covariance():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((50, 4)) @ rng.standard_normal((4, 4)) + 3.0
    mu, sigma = gaussian_statistics(x)
    centred = x - x.sum(0) / 50
    np.testing.assert_allclose(mu, x.sum(0) / 50, rtol=1e-14)
    np.testing.assert_allclose(sigma, centred.T @ centred / 49, rtol=1e-12)
    mu1, sigma1 = gaussian_statistics(x[:, :1])  # one feature: still (1,) and (1, 1)
    assert mu1.shape == (1,) and sigma1.shape == (1, 1)
    assert sigma1[0, 0] == pytest.approx(np.sum(centred[:, 0] ** 2) / 49, rel=1e-12)


def test_gaussian_statistics_with_one_sample_raises():
    with pytest.raises(ValueError, match="features"):
        gaussian_statistics(np.zeros((1, 3)))


def test_fid_of_a_shifted_copy_is_the_squared_shift():
    rng = np.random.default_rng(9)
    a = rng.standard_normal((200, 5))
    shift = np.array([1.0, -2.0, 0.5, 0.0, 3.0])  # |shift|^2 = 1 + 4 + 0.25 + 9 = 14.25
    assert fid_from_features(a, a + shift) == pytest.approx(14.25, rel=1e-9)


def test_fid_of_a_doubled_copy_is_squared_mean_plus_trace_of_covariance():
    # 2a has mean 2 mu and covariance 4 S: d^2 = |mu|^2 + Tr S + 4 Tr S - 2 Tr (4 S^2)^(1/2) = |mu|^2 + Tr S
    rng = np.random.default_rng(10)
    a = rng.standard_normal((300, 6)) + 1.0
    mu, sigma = a.mean(0), np.cov(a.T)
    assert fid_from_features(a, 2 * a) == pytest.approx(mu @ mu + np.trace(sigma), rel=1e-9)


def test_fid_with_different_feature_dimensions_raises():
    with pytest.raises(ValueError, match="dimension"):
        fid_from_features(np.zeros((5, 3)) + np.arange(5)[:, None], np.zeros((5, 4)) + np.arange(5)[:, None])


# ------------------------------------------------------------------- precision and recall


def test_identical_sets_have_precision_and_recall_one():
    x = torch.randn(300, 8, generator=torch.Generator().manual_seed(0))
    assert precision_recall(x, x.clone(), k=3) == PrecisionRecall(1.0, 1.0)


def test_a_fake_set_far_away_has_precision_and_recall_zero():
    x = torch.randn(200, 4, generator=torch.Generator().manual_seed(1))
    y = torch.randn(200, 4, generator=torch.Generator().manual_seed(2)) + 1000.0
    assert precision_recall(x, y, k=3) == PrecisionRecall(0.0, 0.0)


def test_hand_built_1d_example_with_k_1():
    # Reals 0, 1, 2, 3: nearest other real at distance 1, so every real ball has radius 1.
    # Fakes 0, 0.2, 10, 10.5: radii 0.2, 0.2, 0.5, 0.5.
    # Precision: 0 and 0.2 are within 1 of the real 0; 10 and 10.5 are 7+ from the real 3 -> 2/4.
    # Recall: the real 0 lies in the ball of the fake 0; the reals 1, 2, 3 are 0.8, 1.8, 2.8 from
    # the fake 0.2 (radius 0.2) and 7+ from the fakes 10, 10.5 (radius 0.5) -> 1/4.
    result = precision_recall([0.0, 1.0, 2.0, 3.0], [0.0, 0.2, 10.0, 10.5], k=1)
    assert result == PrecisionRecall(0.5, 0.25)


def test_hand_built_1d_example_with_k_2_where_one_fake_ball_is_wide():
    # Reals 0, 1, 2, 3 with k = 2: radii 2, 1, 1, 2 (second-nearest other real).
    # Fakes 0.5, 4.5, 8: radii (second-nearest other fake) 7.5, 4, 7.5.
    # Precision: 0.5 is in the ball of 0; 4.5 is 1.5 from 3 (< 2); 8 is 5 from 3 -> 2/3.
    # Recall: the fake 0.5 with radius 7.5 covers every real -> 1.
    result = precision_recall([[0.0], [1.0], [2.0], [3.0]], [[0.5], [4.5], [8.0]], k=2)
    assert result.precision == pytest.approx(2 / 3, rel=1e-15)
    assert result.recall == 1.0


def test_fakes_covering_one_of_two_real_clusters_have_recall_one_half():
    # Reals: two clusters 100 apart; fakes: exact copies of the first cluster's points.
    gen = torch.Generator().manual_seed(3)
    cluster_a = torch.randn(250, 2, generator=gen)
    cluster_b = torch.randn(250, 2, generator=gen) + 100.0
    real = torch.cat([cluster_a, cluster_b])
    precision, recall = precision_recall(real, cluster_a.clone(), k=3)
    # Every fake sits on a real point (precision 1); every real of cluster A is a fake's centre,
    # no real of cluster B is within the fakes' k-NN radii (< 100) -> recall 250 / 500.
    assert (precision, recall) == (1.0, 0.5)


def test_chunking_does_not_change_the_result():
    gen = torch.Generator().manual_seed(4)
    real, fake = torch.randn(130, 3, generator=gen), 0.7 * torch.randn(90, 3, generator=gen) + 0.5
    assert precision_recall(real, fake, k=3, chunk=7) == precision_recall(real, fake, k=3, chunk=1000)


@pytest.mark.parametrize("k", [0, -1, 4, 10])
def test_k_outside_1_to_n_minus_1_raises(k):
    with pytest.raises(ValueError, match="k must"):
        precision_recall(np.arange(4.0), np.arange(6.0), k=k)


def test_k_must_also_be_below_the_number_of_fakes():
    with pytest.raises(ValueError, match="fake_features"):
        precision_recall(np.arange(10.0), np.arange(3.0), k=3)


def test_mismatched_feature_dimensions_raise():
    with pytest.raises(ValueError, match="dimension"):
        precision_recall(np.zeros((5, 2)), np.zeros((5, 3)))
