r"""Sample-quality metrics: mode coverage on known mixtures, FID, precision and recall.

**Mode coverage** (:func:`mode_coverage`): the metrics of VEEGAN (Srivastava
et al. 2017, §5.1) and PacGAN (Lin et al. 2018, §5). With 2,500 generated samples,

* a sample is **high quality** (HQ) if it lies within ``threshold`` standard
  deviations (3 in both papers) of its nearest mixture mean;
* a mode is **captured** if it is the nearest mean of at least one HQ sample;
* the **reverse KL** :math:`\mathrm{KL}(q\,\|\,w) = \sum_k q_k \log(q_k / w_k)`
  compares the histogram :math:`q` of all samples over their nearest means
  with the mixture weights :math:`w` (PacGAN, Table 1). Modes that receive no
  samples contribute 0; the KL is 0 exactly when the histogram equals the weights.

**Fréchet distance** (:func:`frechet_distance`, :func:`gaussian_statistics`,
:func:`fid_from_features`). The squared 2-Wasserstein distance between two
Gaussians (Dowson & Landau 1982),

.. math::

    d^2 = \lVert \mu_1 - \mu_2 \rVert^2
          + \operatorname{Tr}\bigl(\Sigma_1 + \Sigma_2 - 2 (\Sigma_1 \Sigma_2)^{1/2}\bigr),

which the FID (Heusel et al. 2017) evaluates on the means and covariances of
feature vectors of real and generated images (Inception-v3 pool features in the
paper; any feature extractor here, so the numbers are comparable only within one).

**Precision and recall** (:func:`precision_recall`), of Kynkäänniemi et al. 2019,
"Improved Precision and Recall Metric for Assessing Generative Models": each
point gets a ball reaching its k-th nearest neighbour in its own set; precision
is the fraction of generated points inside some ball of a real point (quality),
recall the fraction of real points inside some ball of a generated point (coverage).
"""

from __future__ import annotations

from typing import NamedTuple, Sequence, Union

import numpy as np
import torch
from torch import Tensor

from .validation import integer, number

__all__ = [
    "ModeCoverage", "mode_coverage", "mode_spread", "nearest_mode",
    "frechet_distance", "gaussian_statistics", "fid_from_features",
    "PrecisionRecall", "precision_recall",
]


class ModeCoverage(NamedTuple):
    """Result of :func:`mode_coverage`; unpacks as ``modes, high_quality, reverse_kl``."""

    modes: int  # modes captured
    high_quality: float  # fraction of samples within threshold * std of the nearest mean
    reverse_kl: float  # KL(histogram over nearest means || mixture weights), nats
    counts: np.ndarray  # samples per nearest mean, shape (K,)
    hq_counts: np.ndarray  # high-quality samples per nearest mean, shape (K,)


def _sample_array(samples, dim: int) -> np.ndarray:
    """``samples`` (tensor or array, ``(n, dim)``; ``(n,)`` when ``dim == 1``) as float64 ``(n, dim)``."""
    if isinstance(samples, torch.Tensor):
        samples = samples.detach().cpu().double().numpy()
    try:
        raw = np.asarray(samples)
        x = raw.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"samples must be numeric, shape (n, {dim}), got {type(samples).__name__}") from None
    if raw.dtype.kind in "bUS":
        raise ValueError(f"samples must be numeric, shape (n, {dim}), got dtype {raw.dtype}")
    if x.ndim == 1 and dim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != dim:
        raise ValueError(f"samples must have shape (n, {dim})" + (" or (n,)" if dim == 1 else "")
                         + f", got {x.shape}")
    return x


def _mixture_parts(mixture) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``means`` ``(K, d)``, ``stds`` ``(K,)`` and ``weights`` ``(K,)`` of a GaussianMixture."""
    try:
        means, stds, weights = (np.asarray(getattr(mixture, name), dtype=np.float64)
                                for name in ("means", "stds", "weights"))
    except (AttributeError, TypeError, ValueError):
        raise ValueError(f"mixture must be a GaussianMixture (means, stds, weights), got {mixture!r}") from None
    if means.ndim != 2 or stds.shape != (len(means),) or weights.shape != (len(means),):
        raise ValueError(f"mixture must be a GaussianMixture (means (K, d), stds and weights (K,)), got {mixture!r}")
    return means, stds, weights


def nearest_mode(samples, means: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest mean for each sample, and the distance to it; shapes ``(n,)``.

    ``means``: ``(K, d)``; ``samples``: ``(n, d)`` (``(n,)`` when d = 1).
    """
    try:
        means = np.asarray(means, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"means must be a numeric array of shape (K, d), got {type(means).__name__}") from None
    if means.ndim != 2 or len(means) == 0 or not np.isfinite(means).all():
        raise ValueError(f"means must be a finite array of shape (K, d) with K >= 1, got shape {means.shape}")
    x = _sample_array(samples, means.shape[1])
    sq_dist = ((x[:, None, :] - means[None, :, :]) ** 2).sum(-1)  # (n, K)
    index = sq_dist.argmin(1)
    return index, np.sqrt(sq_dist[np.arange(len(x)), index])


def mode_coverage(samples, mixture, threshold: float = 3.0) -> ModeCoverage:
    """Modes captured, high-quality fraction and reverse KL of ``samples`` for ``mixture``.

    ``samples``: tensor or array of shape ``(n, d)``; ``mixture``: a
    :class:`~gan_edu.distributions.GaussianMixture` (its ``means``, ``stds``,
    ``weights`` are used). Non-finite samples count as low quality and are
    left out of the histogram.
    """
    threshold = number("threshold", threshold, minimum=0, strict_minimum=True)
    means, stds, weights = _mixture_parts(mixture)
    x = _sample_array(samples, means.shape[1])
    if len(x) == 0:
        raise ValueError(f"samples must hold at least one sample, got shape {x.shape}")
    finite = np.isfinite(x).all(1)
    index, dist = nearest_mode(x[finite], means)
    high = dist <= threshold * stds[index]
    K = len(means)
    counts = np.bincount(index, minlength=K)
    hq_counts = np.bincount(index[high], minlength=K)
    if counts.sum() > 0:
        q = counts / counts.sum()
        used = q > 0
        reverse_kl = float(np.sum(q[used] * np.log(q[used] / weights[used])))
    else:
        reverse_kl = float("inf")
    return ModeCoverage(int((hq_counts > 0).sum()), float(high.sum() / len(x)), reverse_kl, counts, hq_counts)


def mode_spread(samples, mixture, within: float = 6.0) -> float:
    r"""How wide the generated modes are against the mixture's: 1 for samples of the mixture.

    For the samples within ``within`` standard deviations of their nearest mean,
    :math:`\sqrt{\operatorname{mean}(r^2) / d}` with :math:`r` the distance to that mean
    divided by its component's std and :math:`d` the dimension (an isotropic Gaussian has
    :math:`E[r^2] = d`). Below 1 the generator's modes are too narrow, above 1 too wide.
    The high-quality fraction of :func:`mode_coverage` rewards narrow modes (a point mass
    on each mean scores 100 %); this number shows them. NaN when no sample is that close.
    """
    within = number("within", within, minimum=0, strict_minimum=True)
    means, stds, _ = _mixture_parts(mixture)  # means (K, d): GaussianMixture stores 1D means as (K, 1)
    index, dist = nearest_mode(samples, means)
    r = dist / stds[index]
    near = r < within
    if not near.any():
        return float("nan")
    return float(np.sqrt((r[near] ** 2).mean() / means.shape[1]))


# --------------------------------------------------------------------------------------
# Fréchet distance (FID)
# --------------------------------------------------------------------------------------

ArrayLike = Union[np.ndarray, Tensor, Sequence]  # what the FID and precision/recall functions accept


def _as_float64(value: ArrayLike, name: str) -> np.ndarray:
    """A tensor, array or sequence as a float64 numpy array; ValueError naming ``name`` if not numeric or finite."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().double().numpy()
    try:
        raw = np.asarray(value)
        x = raw.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a numeric array, got {type(value).__name__}") from None
    if raw.dtype.kind in "bUS":
        raise ValueError(f"{name} must be numeric, got dtype {raw.dtype}")
    bad = ~np.isfinite(x)
    if bad.any():
        raise ValueError(f"{name} must be finite, got {int(bad.sum())} non-finite entries, e.g. {float(x[bad][0])!r}")
    return x


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
    mu1, mu2 = _as_float64(mu1, "mu1"), _as_float64(mu2, "mu2")
    sigma1, sigma2 = _as_float64(sigma1, "sigma1"), _as_float64(sigma2, "sigma2")
    if mu1.ndim != 1 or len(mu1) == 0:
        raise ValueError(f"mu1 must have shape (d,), got {mu1.shape}")
    d = len(mu1)
    if mu2.shape != (d,):
        raise ValueError(f"mu2 must have the shape of mu1, ({d},), got {mu2.shape}")
    for name, sigma in (("sigma1", sigma1), ("sigma2", sigma2)):
        if sigma.shape != (d, d):
            raise ValueError(f"{name} must have shape ({d}, {d}) to match mu1, got {sigma.shape}")
    sigma1, sigma2 = _covariance(sigma1, "sigma1"), _covariance(sigma2, "sigma2")
    eigval, eigvec = np.linalg.eigh(sigma1)
    sqrt_sigma1 = (eigvec * np.sqrt(np.clip(eigval, 0.0, None))) @ eigvec.T  # (d, d), symmetric
    m = sqrt_sigma1 @ sigma2 @ sqrt_sigma1  # (d, d), symmetric PSD up to round-off
    lam = np.linalg.eigvalsh((m + m.T) / 2)
    tr_sqrt = np.sqrt(np.clip(lam, 0.0, None)).sum()
    diff = mu1 - mu2
    d2 = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * tr_sqrt
    return float(max(d2, 0.0))


def gaussian_statistics(features: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Mean ``(d,)`` and unbiased covariance ``(d, d)`` (divisor n - 1) of ``features`` of shape ``(n, d)``.

    Rows are samples (``np.cov(..., rowvar=False)``); float64 numpy arrays. Needs n >= 2.
    """
    x = _as_float64(features, "features")
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


# --------------------------------------------------------------------------------------
# Improved precision and recall (Kynkäänniemi et al. 2019)
# --------------------------------------------------------------------------------------


class PrecisionRecall(NamedTuple):
    """Result of :func:`precision_recall`; unpacks as ``precision, recall``."""

    precision: float  # fraction of fake points inside the real manifold estimate
    recall: float  # fraction of real points inside the fake manifold estimate


def _as_points(value: ArrayLike, name: str) -> Tensor:
    x = value.detach().double() if isinstance(value, torch.Tensor) else torch.as_tensor(_as_float64(value, name))
    if x.ndim == 1:
        x = x[:, None]  # 1-D data: one feature per point
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(f"{name} must have shape (n, d), got {tuple(x.shape)}")
    bad = ~torch.isfinite(x)
    if bad.any():
        raise ValueError(f"{name} must be finite, got {int(bad.sum())} non-finite entries, e.g. {x[bad][0].item()!r}")
    return x


def _knn_radii(x: Tensor, k: int, chunk: int) -> Tensor:
    """Distance of each point of ``x`` to its k-th nearest neighbour in ``x``, itself excluded; ``(n,)``."""
    radii = []
    for start in range(0, len(x), chunk):
        dist = torch.cdist(x[start:start + chunk], x)  # (c, n); the point itself is at distance 0
        radii.append(dist.kthvalue(k + 1, dim=1).values)  # (c,): k + 1 counts the point itself
    return torch.cat(radii)


def _inside_any_ball(points: Tensor, centres: Tensor, radii: Tensor, chunk: int) -> Tensor:
    """For each point, whether ||point - centre_j|| <= radius_j for some j; bool ``(n_points,)``."""
    inside = []
    for start in range(0, len(points), chunk):
        dist = torch.cdist(points[start:start + chunk], centres)  # (c, n_centres)
        inside.append((dist <= radii[None, :]).any(1))  # (c,)
    return torch.cat(inside)


def precision_recall(real_features: ArrayLike, fake_features: ArrayLike, k: int = 3,
                     chunk: int = 1024) -> PrecisionRecall:
    r"""Improved precision and recall of Kynkäänniemi et al. (2019), with k-NN balls.

    The manifold of a set :math:`\Phi` is estimated as the union of balls
    :math:`B(\phi, \mathrm{NN}_k(\phi))`, where :math:`\mathrm{NN}_k(\phi)` is the distance
    from :math:`\phi` to its k-th nearest neighbour in :math:`\Phi` (itself excluded), and

    .. math::

        \mathrm{precision} = \frac{1}{|\Phi_g|} \sum_{\phi_g \in \Phi_g} f(\phi_g, \Phi_r), \qquad
        \mathrm{recall} = \frac{1}{|\Phi_r|} \sum_{\phi_r \in \Phi_r} f(\phi_r, \Phi_g),

    with :math:`f(\phi, \Phi) = 1` if :math:`\lVert \phi - \phi' \rVert \le \mathrm{NN}_k(\phi')`
    for some :math:`\phi' \in \Phi`. Precision measures how many fakes look real,
    recall how much of the real distribution the fakes cover (the paper uses k = 3).

    ``real_features``: ``(n_r, d)``, ``fake_features``: ``(n_f, d)`` (tensors or arrays;
    a 1-D input is n points in one dimension). Needs ``1 <= k < min(n_r, n_f)``.
    Distances are computed in float64 with ``torch.cdist``, ``chunk`` rows at a time,
    so memory stays at ``chunk * max(n_r, n_f)`` numbers.
    """
    k, chunk = integer("k", k), integer("chunk", chunk)
    real = _as_points(real_features, "real_features")
    fake = _as_points(fake_features, "fake_features").to(real.device)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"real_features and fake_features must have the same dimension, "
                         f"got {real.shape[1]} and {fake.shape[1]}")
    for name, x in (("real_features", real), ("fake_features", fake)):
        if k >= len(x):
            raise ValueError(f"k must be < the number of points in {name} ({len(x)}), got {k}")
    radii_real = _knn_radii(real, k, chunk)  # (n_r,)
    radii_fake = _knn_radii(fake, k, chunk)  # (n_f,)
    precision = _inside_any_ball(fake, real, radii_real, chunk).double().mean().item()
    recall = _inside_any_ball(real, fake, radii_fake, chunk).double().mean().item()
    return PrecisionRecall(precision, recall)
