r"""Improved precision and recall (:func:`precision_recall`) of Kynkäänniemi et al. 2019,
"Improved Precision and Recall Metric for Assessing Generative Models": each
point gets a ball reaching its k-th nearest neighbour in its own set; precision
is the fraction of generated points inside some ball of a real point (quality),
recall the fraction of real points inside some ball of a generated point (coverage).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from ..validation import integer
from .arrays import ArrayLike, as_float64

__all__ = ["PrecisionRecall", "precision_recall"]


class PrecisionRecall(NamedTuple):
    """Result of :func:`precision_recall`; unpacks as ``precision, recall``."""

    precision: float  # fraction of fake points inside the real manifold estimate
    recall: float  # fraction of real points inside the fake manifold estimate


def _as_points(value: ArrayLike, name: str) -> Tensor:
    x = value.detach().double() if isinstance(value, torch.Tensor) else torch.as_tensor(as_float64(value, name))
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
