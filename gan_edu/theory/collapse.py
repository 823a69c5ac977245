r"""Why a GAN can drop modes: the generator's objectives against a fixed and an optimal D.

The source says mode collapse happens "because D judges single samples and nothing asks for
diversity". Two computations make that precise (Training difficulties chapter):

* **Against a fixed D**, G's non-saturating loss (source eq. (4)) is
  :math:`\mathbb E_{x\sim p_g}[-\log D(x)] = \int p_g(x)\,(-\log D(x))\,dx`
  (:func:`generator_loss`): linear in :math:`p_g`, so it is minimised by putting all of
  :math:`p_g`'s mass where :math:`-\log D` is smallest, a point mass at D's maximum
  (:func:`best_response`). Nothing in the loss rewards spreading out.
* **Against the optimal** :math:`D^* = p_r / (p_r + p_g)` (source eq. (10)), the gradient that G
  follows is that of :math:`\mathrm{KL}(p_g\|p_r) - 2\,\mathrm{JS}(p_r\|p_g)`
  (:func:`ns_divergence`; Arjovsky & Bottou 2017, Theorem 2.5): the *reverse* KL, which is
  infinite for mass where the data have none but only :math:`\log 2` for dropping one of two
  equal modes, minus a JS term that rewards nothing once supports overlap. Maximum likelihood
  minimises the *forward* KL, :math:`\mathrm{KL}(p_r\|p_g)`, infinite for a dropped mode.
"""

from __future__ import annotations

import numpy as np

from ..distributions import as_points
from .divergences import _check_d, _log_d, js_divergence, kl_divergence
from .quadrature import Discriminator, Distribution, _check_pair, _integrate, _xlogy_terms

__all__ = ["generator_loss", "ns_divergence", "best_response"]


def generator_loss(p_g: Distribution, D: Discriminator, *, logits: bool = False) -> float:
    r""":math:`\int p_g(x)\,(-\log D(x))\,dx`: the non-saturating G loss (source eq. (4)) of
    :math:`p_g` against a fixed ``D`` (points ``(n, d)`` -> probabilities, or logits when
    ``logits=True``), by quadrature."""
    _check_pair(p_g, p_g)
    _check_d(D, logits)

    def integrand(x):
        log_d, _ = _log_d(D, x, logits)
        return _xlogy_terms(p_g.log_prob(x), -log_d)

    return _integrate(integrand, p_g)


def ns_divergence(p_g: Distribution, p_r: Distribution) -> float:
    r""":math:`\mathrm{KL}(p_g\|p_r) - 2\,\mathrm{JS}(p_r\|p_g)`, whose gradient in G's parameters
    equals that of :func:`generator_loss` against :math:`D^*` held fixed (Arjovsky & Bottou 2017,
    Theorem 2.5). Infinite when :math:`p_g` has mass where :math:`p_r` has (numerically) none."""
    _check_pair(p_g, p_r)
    return kl_divergence(p_g, p_r) - 2.0 * js_divergence(p_r, p_g)


def best_response(D: Discriminator, grid, *, logits: bool = False) -> np.ndarray:
    r"""G's best response to a fixed ``D`` among the points ``grid`` ``(n, d)``: the point
    mass at the grid point of largest D (of smallest :math:`-\log D`), shape ``(d,)``.
    Every distribution on the grid has a loss :func:`generator_loss` at least that of this
    point mass, since the loss is an average of :math:`-\log D` over :math:`p_g`."""
    _check_d(D, logits)
    grid = np.asarray(grid, dtype=np.float64)
    points = as_points(grid, grid.shape[1] if grid.ndim == 2 else 1, "grid")
    log_d, _ = _log_d(D, points, logits)
    return points[int(np.argmax(log_d))]

