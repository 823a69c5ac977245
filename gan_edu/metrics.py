r"""Sample-quality metrics for mixtures with known modes.

The mode-coverage metrics of VEEGAN (Srivastava et al. 2017, §5.1) and PacGAN
(Lin et al. 2018, §5): with 2,500 generated samples,

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
import torch

__all__ = ["ModeCoverage", "mode_coverage", "nearest_mode"]


class ModeCoverage(NamedTuple):
    """Result of :func:`mode_coverage`; unpacks as ``modes, high_quality, reverse_kl``."""

    modes: int  # modes captured
    high_quality: float  # fraction of samples within threshold * std of the nearest mean
    reverse_kl: float  # KL(histogram over nearest means || mixture weights), nats
    counts: np.ndarray  # samples per nearest mean, shape (K,)
    hq_counts: np.ndarray  # high-quality samples per nearest mean, shape (K,)


def nearest_mode(samples, means: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest mean for each sample, and the distance to it; shapes ``(n,)``."""
    x = samples.detach().cpu().double().numpy() if isinstance(samples, torch.Tensor) else np.asarray(samples, float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != means.shape[1]:
        raise ValueError(f"samples must have shape (n, {means.shape[1]}), got {x.shape}")
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
    if not threshold > 0:
        raise ValueError(f"threshold must be > 0, got {threshold!r}")
    means = np.asarray(mixture.means, dtype=np.float64)
    stds = np.asarray(mixture.stds, dtype=np.float64)
    weights = np.asarray(mixture.weights, dtype=np.float64)
    x = samples.detach().cpu().double().numpy() if isinstance(samples, torch.Tensor) else np.asarray(samples, float)
    if x.ndim == 1:
        x = x[:, None]
    if len(x) == 0:
        raise ValueError("samples must hold at least one sample")
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
