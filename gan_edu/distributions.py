"""Toy target distributions with exact densities.

Every distribution here knows its density in closed form, so the theory of the
book (the optimal discriminator, KL, JS, the value function) can be computed by
quadrature and compared with what a trained GAN does.

* :class:`GaussianMixture` -- isotropic Gaussian components in any dimension.
* :class:`Categorical` -- a distribution on ``{0, ..., K-1}`` for worked
  examples with exact arithmetic (Goodfellow et al. 2014, the discrete case).
* :func:`toy` -- the named targets of the book and of the mode-coverage
  benchmarks of VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018).

Densities take numpy arrays of shape ``(n, d)`` (1D also ``(n,)``) and are
computed in log space, so they stay accurate far in the tails.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy.special import logsumexp

from .validation import choice, integer, number

__all__ = ["GaussianMixture", "Categorical", "toy", "TOY_NAMES", "as_points"]


def _finite_array(value, name: str) -> np.ndarray:
    """``value`` as a float64 array; ValueError naming ``name`` if it is not numeric, boolean or not finite."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    try:
        raw = np.asarray(value)
        array = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be numeric, got {value!r}") from error
    if raw.dtype.kind in "bUS":  # True would silently mean 1.0, and "1" would too
        raise ValueError(f"{name} must be numeric, got {value!r}")
    bad = ~np.isfinite(array)
    if bad.any():
        raise ValueError(f"{name} must be finite, got {int(bad.sum())} non-finite value(s), "
                         f"e.g. {float(array[bad].flat[0])!r}")
    return array


def as_points(x, dim: int, name: str = "x") -> np.ndarray:
    """Return ``x`` as a float64 array of shape ``(n, dim)``.

    A 1D distribution also accepts shape ``(n,)``. Any other shape, or a
    non-finite value, raises ``ValueError`` naming ``name``.
    """
    dim = integer("dim", dim)
    array = _finite_array(x, name)
    if dim == 1 and array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] != dim:
        raise ValueError(
            f"{name} must have shape (n, {dim})" + (" or (n,)" if dim == 1 else "")
            + f", got {array.shape}"
        )
    return array


class GaussianMixture:
    r"""A mixture of isotropic Gaussians,
    :math:`p(x) = \sum_k w_k \, \mathcal N(x;\, \mu_k, \sigma_k^2 I_d)`.

    Parameters
    ----------
    means:
        Component means, shape ``(K, d)``; a 1D mixture also accepts ``(K,)``.
    stds:
        Standard deviations, a positive scalar (shared) or shape ``(K,)``.
    weights:
        Mixing weights, positive and summing to 1; uniform when omitted.
    """

    def __init__(self, means, stds, weights=None) -> None:
        means = _finite_array(means, "means")
        shape = means.shape
        if means.ndim == 1:
            means = means[:, None]
        if means.ndim != 2 or means.shape[0] == 0 or means.shape[1] == 0:
            raise ValueError(f"means must have shape (K, d) or (K,) with K, d >= 1, got {shape}")
        n_components = means.shape[0]

        stds = _finite_array(stds, "stds")
        if stds.ndim == 0:
            stds = np.full(n_components, float(stds))
        if stds.shape != (n_components,):
            raise ValueError(f"stds must be a scalar or have shape ({n_components},), got {stds.shape}")
        if np.any(stds <= 0):
            raise ValueError(f"stds must be positive, got {stds.tolist()}")

        if weights is None:
            weights = np.full(n_components, 1.0 / n_components)
        weights = _finite_array(weights, "weights")
        if weights.shape != (n_components,):
            raise ValueError(f"weights must have shape ({n_components},), got {weights.shape}")
        if np.any(weights <= 0):
            raise ValueError(f"weights must be positive, got {weights.tolist()}")
        if abs(weights.sum() - 1.0) > 1e-9:
            raise ValueError(f"weights must sum to 1, got sum {weights.sum():.12g}")

        self.means = means
        self.stds = stds
        self.weights = weights
        self.dim = means.shape[1]

    def __repr__(self) -> str:
        return f"GaussianMixture(K={len(self.weights)}, dim={self.dim})"

    def log_prob(self, x) -> np.ndarray:
        r""":math:`\log p(x)` for ``x`` of shape ``(n, d)``, by log-sum-exp over components.

        Distances are divided by each std before they are squared and the normaliser is
        :math:`-d \log \sigma - \tfrac d2 \log 2\pi`, so a tiny std (1e-200, whose square
        underflows to 0) still gives finite log-densities near its mean and -inf far away.
        """
        x = as_points(x, self.dim)
        log_norm = -self.dim * (np.log(self.stds) + 0.5 * math.log(2 * math.pi))  # (K,)
        with np.errstate(over="ignore"):  # a distance of 1e200 stds: density 0, log-density -inf
            z = (x[:, None, :] - self.means[None, :, :]) / self.stds[None, :, None]  # (n, K, d), in stds
            log_components = log_norm - 0.5 * (z**2).sum(-1) + np.log(self.weights)
        return logsumexp(log_components, axis=1)

    def pdf(self, x) -> np.ndarray:
        """Density :math:`p(x)` for ``x`` of shape ``(n, d)``."""
        return np.exp(self.log_prob(x))

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` samples as a float32 tensor of shape ``(n, d)``, using torch's RNG."""
        n = integer("n", n, minimum=0)
        weights = torch.as_tensor(self.weights, dtype=torch.float64)
        component = torch.multinomial(weights, n, replacement=True, generator=generator)
        noise = torch.randn(n, self.dim, generator=generator, dtype=torch.float64)
        means = torch.as_tensor(self.means)[component]  # (n, d)
        stds = torch.as_tensor(self.stds)[component, None]  # (n, 1)
        return (means + stds * noise).float()

    def bounds(self, width: float = 12.0) -> tuple[np.ndarray, np.ndarray]:
        """Per-axis box holding all components to ``width`` standard deviations."""
        width = number("width", width, minimum=0, strict_minimum=True)
        low = (self.means - width * self.stds[:, None]).min(0)
        high = (self.means + width * self.stds[:, None]).max(0)
        return low, high


class Categorical:
    """A distribution on the integers ``0, ..., K-1`` with probabilities ``probs``.

    Used for worked examples where every integral of the book is a finite sum.
    Points are given as an integer array of shape ``(n,)`` or ``(n, 1)``.
    """

    dim = 1

    def __init__(self, probs) -> None:
        probs = _finite_array(probs, "probs")
        if probs.ndim != 1 or probs.size == 0:
            raise ValueError(f"probs must be a non-empty vector, got shape {probs.shape}")
        if np.any(probs < 0):
            raise ValueError(f"probs must be non-negative, got {probs.tolist()}")
        if abs(probs.sum() - 1.0) > 1e-9:
            raise ValueError(f"probs must sum to 1, got sum {probs.sum():.12g}")
        self.probs = probs

    def __repr__(self) -> str:
        return f"Categorical({self.probs.tolist()})"

    @property
    def support(self) -> np.ndarray:
        return np.arange(len(self.probs), dtype=np.float64)[:, None]

    def _index(self, x) -> np.ndarray:
        x = as_points(x, 1)[:, 0]
        index = np.rint(x).astype(int)
        bad = (np.abs(x - index) > 0) | (index < 0) | (index >= len(self.probs))
        if np.any(bad):
            raise ValueError(f"x must hold integers in [0, {len(self.probs) - 1}], got {float(x[bad][0])!r}")
        return index

    def log_prob(self, x) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(self.probs[self._index(x)])

    def pdf(self, x) -> np.ndarray:
        return self.probs[self._index(x)]

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` points as a float32 tensor of shape ``(n, 1)``, using torch's RNG."""
        probs = torch.as_tensor(self.probs, dtype=torch.float64)
        n = integer("n", n, minimum=0)
        return torch.multinomial(probs, n, replacement=True, generator=generator).float()[:, None]


def _ring(n_modes: int = 8, radius: float = 1.0, std: float = 0.01) -> GaussianMixture:
    # 2*pi*k/n for k = 0..n-1: linspace(0, 2*pi, n) would put two means on one point.
    angles = 2 * math.pi * np.arange(n_modes) / n_modes
    return GaussianMixture(radius * np.stack([np.cos(angles), np.sin(angles)], 1), std)


def _grid(side: int = 5, spacing: float = 2.0, std: float = 0.05) -> GaussianMixture:
    ticks = spacing * (np.arange(side) - (side - 1) / 2)
    xx, yy = np.meshgrid(ticks, ticks, indexing="ij")
    return GaussianMixture(np.stack([xx.ravel(), yy.ravel()], 1), std)


_TOYS = {
    # The VEEGAN / PacGAN benchmarks (../ANCHORS: "Mode coverage on 2D mixtures").
    "ring8": lambda: _ring(8, 1.0, 0.01),
    "grid25": lambda: _grid(5, 2.0, 0.05),
    # 1D targets of the Nash-equilibrium and training chapters.
    "gauss1d": lambda: GaussianMixture([0.0], 1.0),
    "bimodal1d": lambda: GaussianMixture([-2.0, 2.0], [0.5, 0.5], [0.3, 0.7]),
    "trimodal1d": lambda: GaussianMixture([-3.0, 0.0, 3.0], 0.4),
    # A 2D pair for the theory chapter with overlapping but distinct supports.
    "blobs2d": lambda: GaussianMixture([[-1.0, 0.0], [1.0, 0.5]], [0.6, 0.4], [0.5, 0.5]),
}
TOY_NAMES = tuple(_TOYS)


def toy(name: str) -> GaussianMixture:
    """The named target ``name``: one of :data:`TOY_NAMES`.

    ``"ring8"``: 8 components on the unit circle, std 0.01; ``"grid25"``: a 5x5
    grid with spacing 2 (means in {-4, -2, 0, 2, 4}^2), std 0.05 -- the geometry
    of the VEEGAN/PacGAN mode-coverage benchmarks. ``"gauss1d"``,
    ``"bimodal1d"``, ``"trimodal1d"`` and ``"blobs2d"`` are the book's small examples.
    """
    return _TOYS[choice("name", name, TOY_NAMES)]()
