r"""Deterministic integration over x for the theory: composite Gauss-Legendre around every
mixture component (a tensor product in 2D), or exact sums for a :class:`Categorical`."""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ..distributions import Categorical, GaussianMixture

__all__ = ["integration_rule", "LOG2"]

LOG2 = math.log(2.0)
Distribution = GaussianMixture | Categorical
Discriminator = Callable[[np.ndarray], np.ndarray]

# Quadrature settings: panels of half a standard deviation (1D) or one (2D)
# out to 14 (1D) or 10 (2D) standard deviations around every component, with a
# Gauss-Legendre rule of the given order on each panel. Beyond 10 sigma a
# Gaussian density is below 1e-22 of its peak.
_RULES = {1: dict(half_width=14.0, panel=0.5, order=20), 2: dict(half_width=10.0, panel=1.0, order=10)}
_CHUNK = 200_000


def _check_pair(p_r: Distribution, p_g: Distribution) -> int:
    for name, dist in (("p_r", p_r), ("p_g", p_g)):
        if not isinstance(dist, (GaussianMixture, Categorical)):
            raise ValueError(f"{name} must be a GaussianMixture or Categorical, got {type(dist).__name__}")
    if type(p_r) is not type(p_g):
        raise ValueError("p_r and p_g must be of the same kind (both mixtures or both categorical)")
    if p_r.dim != p_g.dim:
        raise ValueError(f"p_r and p_g must have the same dimension, got {p_r.dim} and {p_g.dim}")
    if isinstance(p_r, Categorical) and len(p_r.probs) != len(p_g.probs):
        raise ValueError("p_r and p_g must have the same number of categories")
    return p_r.dim


def _axis_nodes(centres: np.ndarray, scales: np.ndarray, half_width: float, panel: float, order: int):
    """Composite Gauss-Legendre nodes and weights on one axis."""
    steps = np.arange(-half_width, half_width + 1e-12, panel)
    breaks = np.unique(np.concatenate([c + s * steps for c, s in zip(centres, scales)]))
    # Merge breakpoints closer than 1e-6 of the smallest scale: zero-width panels add nothing.
    breaks = breaks[np.concatenate([[True], np.diff(breaks) > 1e-6 * scales.min()])]
    t, w = np.polynomial.legendre.leggauss(order)
    a, b = breaks[:-1, None], breaks[1:, None]
    nodes = (0.5 * (b - a) * t + 0.5 * (a + b)).ravel()
    weights = (0.5 * (b - a) * w).ravel()
    return nodes, weights


def integration_rule(*distributions: Distribution) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``(n, d)`` and weights ``(n,)`` integrating functions that live on these densities.

    For :class:`Categorical` the rule is the support with unit weights (sums are
    exact). For mixtures in 1D and 2D it is composite Gauss-Legendre with panels
    around every component of every distribution; for more dimensions use the
    Monte Carlo estimators (:func:`kl_divergence_mc`, ...).
    """
    if not distributions:
        raise ValueError("distributions must hold at least one GaussianMixture or Categorical, got none")
    for i, dist in enumerate(distributions):
        if not isinstance(dist, type(distributions[0])) or not isinstance(dist, (GaussianMixture, Categorical)):
            raise ValueError(f"distributions must all be GaussianMixtures or all Categoricals, "
                             f"got {type(dist).__name__} at position {i}")
        if dist.dim != distributions[0].dim:
            raise ValueError(f"distributions must share one dimension, got {distributions[0].dim} and {dist.dim}")
    if isinstance(distributions[0], Categorical):
        return distributions[0].support, np.ones(len(distributions[0].probs))
    dim = distributions[0].dim
    if dim > 2:
        raise ValueError(f"quadrature supports dimension 1 or 2, got {dim}; use the *_mc estimators")
    settings = _RULES[dim]
    means = np.concatenate([d.means for d in distributions])  # (K, d)
    stds = np.concatenate([d.stds for d in distributions])  # (K,)
    axes = [_axis_nodes(means[:, i], stds, **settings) for i in range(dim)]
    if dim == 1:
        return axes[0][0][:, None], axes[0][1]
    (x0, w0), (x1, w1) = axes
    grid = np.stack(np.meshgrid(x0, x1, indexing="ij"), -1).reshape(-1, 2)
    return grid, np.outer(w0, w1).ravel()


def _integrate(integrand: Callable[[np.ndarray], np.ndarray], *distributions: Distribution) -> float:
    """:math:`\\int g(x)\\,dx` with the rule of :func:`integration_rule`, in chunks."""
    nodes, weights = integration_rule(*distributions)
    total = 0.0
    for start in range(0, len(weights), _CHUNK):
        values = integrand(nodes[start : start + _CHUNK])
        total += float(np.dot(values, weights[start : start + _CHUNK]))
    return total


def _xlogy_terms(log_p: np.ndarray, log_ratio: np.ndarray) -> np.ndarray:
    """:math:`p \\cdot r` with the convention :math:`0 \\cdot (\\pm\\infty) = 0`."""
    p = np.exp(log_p)
    with np.errstate(invalid="ignore"):
        return np.where(p > 0, p * log_ratio, 0.0)
