r"""The Fréchet distance between Gaussians, and the FID computed with it.

**Fréchet distance** (:func:`frechet_distance`, :func:`gaussian_statistics`,
:func:`fid_from_features`). The squared 2-Wasserstein distance between two
Gaussians (Dowson & Landau 1982),

.. math::

    d^2 = \lVert \mu_1 - \mu_2 \rVert^2
          + \operatorname{Tr}\bigl(\Sigma_1 + \Sigma_2 - 2 (\Sigma_1 \Sigma_2)^{1/2}\bigr),

which the FID (Heusel et al. 2017) evaluates on the means and covariances of
feature vectors of real and generated images (Inception-v3 pool features in the
paper; any feature extractor here, so the numbers are comparable only within one).
"""

from __future__ import annotations

import numpy as np

from .arrays import ArrayLike, as_float64

__all__ = ["frechet_distance", "gaussian_statistics", "fid_from_features"]


# How far from symmetric and positive semi-definite a covariance may be, relative to its
# largest entry / eigenvalue: round-off of np.cov or of float32 features is far below it.
_COVARIANCE_RTOL = 1e-6


def _covariance(sigma: np.ndarray, name: str) -> np.ndarray:
    """``(sigma + sigma^T) / 2`` if ``sigma`` is symmetric and PSD up to :data:`_COVARIANCE_RTOL`."""
    scale = max(float(np.abs(sigma).max()), np.finfo(np.float64).tiny)
    asymmetry = float(np.abs(sigma - sigma.T).max())
    if asymmetry > _COVARIANCE_RTOL * scale:
        raise ValueError(f"{name} must be a covariance (symmetric), got max |S - S^T| = {asymmetry:.3g} "
                         f"with entries up to {scale:.3g}")
    sigma = (sigma + sigma.T) / 2
    eigenvalues = np.linalg.eigvalsh(sigma)
    if eigenvalues[0] < -_COVARIANCE_RTOL * max(float(np.abs(eigenvalues).max()), np.finfo(np.float64).tiny):
        raise ValueError(f"{name} must be a covariance (positive semi-definite), got an eigenvalue "
                         f"{eigenvalues[0]:.3g} (largest {eigenvalues[-1]:.3g})")
    return sigma


def frechet_distance(mu1: ArrayLike, sigma1: ArrayLike, mu2: ArrayLike, sigma2: ArrayLike) -> float:
    r"""Squared Fréchet (2-Wasserstein) distance between :math:`N(\mu_1, \Sigma_1)` and :math:`N(\mu_2, \Sigma_2)`.

    .. math::

        d^2 = \lVert \mu_1 - \mu_2 \rVert^2 + \operatorname{Tr}\Sigma_1 + \operatorname{Tr}\Sigma_2
              - 2 \operatorname{Tr}(\Sigma_1 \Sigma_2)^{1/2}

    (Dowson & Landau 1982); on Inception features this is the FID of Heusel et al. (2017).
    ``mu1``, ``mu2``: shape ``(d,)``; ``sigma1``, ``sigma2``: shape ``(d, d)``, symmetric
    positive semi-definite; numpy arrays or tensors. Computed in float64.

    The trace of the square root uses the eigenvalues of the symmetric PSD matrix
    :math:`M = \Sigma_1^{1/2} \Sigma_2 \Sigma_1^{1/2}`, which has the same eigenvalues
    as :math:`\Sigma_1 \Sigma_2`, so :math:`\operatorname{Tr}(\Sigma_1\Sigma_2)^{1/2} = \sum_i \sqrt{\lambda_i(M)}`.
    This holds for singular covariances too (no inverse is taken), and unlike
    ``scipy.linalg.sqrtm`` of the non-symmetric product it never returns complex
    values: eigenvalues pushed below 0 by round-off are clipped to 0. A sigma that is
    not a covariance, asymmetric or with a negative eigenvalue beyond round-off (1e-6
    of its largest entry or eigenvalue), raises ``ValueError`` naming it; within that
    tolerance the sigmas are symmetrised, ``(S + S^T) / 2``, and a result below 0 by
    round-off is returned as 0.
    """
    mu1, mu2 = as_float64(mu1, "mu1"), as_float64(mu2, "mu2")
    sigma1, sigma2 = as_float64(sigma1, "sigma1"), as_float64(sigma2, "sigma2")
    if mu1.ndim != 1 or len(mu1) == 0:
        raise ValueError(f"mu1 must have shape (d,), got {mu1.shape}")
    d = len(mu1)
    if mu2.shape != (d,):
        raise ValueError(f"mu2 must have the shape of mu1, ({d},), got {mu2.shape}")
    for name, sigma in (("sigma1", sigma1), ("sigma2", sigma2)):
        if sigma.shape != (d, d):
            raise ValueError(f"{name} must have shape ({d}, {d}) to match mu1, got {sigma.shape}")
    sigma1, sigma2 = _covariance(sigma1, "sigma1"), _covariance(sigma2, "sigma2")
    return _frechet(mu1, sigma1, mu2, sigma2)


def _frechet(mu1, sigma1, mu2, sigma2) -> float:
    """:func:`frechet_distance` of checked float64 arrays (the computation alone)."""
    eigval, eigvec = np.linalg.eigh(sigma1)
    sqrt_sigma1 = (eigvec * np.sqrt(np.clip(eigval, 0.0, None))) @ eigvec.T  # (d, d)
    m = sqrt_sigma1 @ sigma2 @ sqrt_sigma1  # symmetric PSD up to round-off
    lam = np.linalg.eigvalsh((m + m.T) / 2)  # the eigenvalues of sigma1 @ sigma2
    tr_sqrt = np.sqrt(np.clip(lam, 0.0, None)).sum()  # Tr (sigma1 sigma2)^(1/2)
    diff = mu1 - mu2
    d2 = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * tr_sqrt
    return float(max(d2, 0.0))  # a round-off below 0 is 0


def gaussian_statistics(features: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Mean ``(d,)`` and unbiased covariance ``(d, d)`` (divisor n - 1) of ``features`` of shape ``(n, d)``.

    Rows are samples (``np.cov(..., rowvar=False)``); float64 numpy arrays. Needs n >= 2.
    """
    x = as_float64(features, "features")
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 1:
        raise ValueError(f"features must have shape (n, d) with n >= 2 and d >= 1, got {x.shape}")
    mu = x.mean(0)
    sigma = np.atleast_2d(np.cov(x, rowvar=False))  # d = 1 would give a 0-d array
    return mu, sigma


def fid_from_features(feats_a: ArrayLike, feats_b: ArrayLike) -> float:
    """:func:`frechet_distance` between the Gaussians fitted to two feature sets ``(n_a, d)``, ``(n_b, d)``.

    With Inception-v3 pool features of real and generated images this is the FID
    (Heusel et al. 2017); the estimate is biased upwards for small n, so compare
    values computed with the same number of samples.
    """
    mu_a, sigma_a = gaussian_statistics(feats_a)
    mu_b, sigma_b = gaussian_statistics(feats_b)
    if mu_a.shape != mu_b.shape:
        raise ValueError(f"feats_a and feats_b must have the same feature dimension, "
                         f"got {mu_a.shape[0]} and {mu_b.shape[0]}")
    return frechet_distance(mu_a, sigma_a, mu_b, sigma_b)
