r"""Mode coverage on known mixtures (VEEGAN, PacGAN) and the width of the generated modes.

**Mode coverage** (:func:`mode_coverage`): the metrics of VEEGAN (Srivastava
et al. 2017, §5.1) and PacGAN (Lin et al. 2018, §5). With 2,500 generated samples,

* a sample is **high quality** (HQ) if it lies within ``threshold`` standard
  deviations (3 in both papers) of its nearest mixture mean;
* a mode is **captured** if it is the nearest mean of at least one HQ sample;
* the **reverse KL** :math:`\mathrm{KL}(q\,\|\,w) = \sum_k q_k \log(q_k / w_k)`
  compares the histogram :math:`q` of all samples over their nearest means
  with the mixture weights :math:`w` (PacGAN, Table 1). Modes that receive no
  samples contribute 0; the KL is 0 exactly when the histogram equals the weights.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..validation import number
from .arrays import as_float64

__all__ = ["ModeCoverage", "mode_coverage", "mode_spread", "nearest_mode"]


class ModeCoverage(NamedTuple):
    """Result of :func:`mode_coverage`; unpacks as ``modes, high_quality, reverse_kl``."""

    modes: int  # modes captured
    high_quality: float  # fraction of samples within threshold * std of the nearest mean
    reverse_kl: float  # KL(histogram over nearest means || mixture weights), nats
    counts: np.ndarray  # samples per nearest mean, shape (K,)
    hq_counts: np.ndarray  # high-quality samples per nearest mean, shape (K,)


def _sample_array(samples, dim: int) -> np.ndarray:
    """``samples`` (tensor or array, ``(n, dim)``; ``(n,)`` when ``dim == 1``) as float64 ``(n, dim)``.

    Non-finite samples are allowed: a generator that diverged has its NaNs counted as misses.
    """
    x = as_float64(samples, "samples", finite=False)
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
