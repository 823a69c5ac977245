r"""What a traversal changes, measured: statistics of the ink of grey images.

InfoGAN's paper names what each continuous code does by looking at a grid ("rotation",
"width"). :func:`ink_statistics` turns such words into numbers that a rank correlation with
the code can test. Each image ``(1, H, W)`` in [-1, 1] is read as ink
:math:`w = (x + 1) / 2 \in [0, 1]` at pixel (row y, column x), a mass distribution with

* ``ink``: the total :math:`\sum w`;
* ``centre``: the horizontal centre of mass :math:`\bar x = \sum w x / \sum w` (in pixels, 0 at the left);
* ``width``: the horizontal standard deviation :math:`\sqrt{\sum w (x - \bar x)^2 / \sum w}`;
* ``slant``: the slope of the regression of x on y, :math:`\mathrm{cov}(x, y) / \mathrm{var}(y)`:
  0 for an upright stroke, positive for a ``\`` (rows go down), negative for a ``/``.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["INK_STATISTICS", "ink_statistics"]

INK_STATISTICS = ("ink", "centre", "width", "slant")


def ink_statistics(images: Tensor) -> dict[str, Tensor]:
    """The statistics of :data:`INK_STATISTICS` of ``images`` ``(n, 1, H, W)`` in [-1, 1], each ``(n,)``
    float64. An image without ink, or whose ink lies in one row (no slant), is a ValueError."""
    if not isinstance(images, Tensor) or images.ndim != 4 or images.shape[1] != 1:
        shape = tuple(images.shape) if isinstance(images, Tensor) else type(images).__name__
        raise ValueError(f"images must be a tensor (n, 1, H, W) of grey images, got {shape}")
    if not torch.isfinite(images).all():
        raise ValueError("images must be finite")
    w = ((images[:, 0].detach().double().cpu() + 1) / 2).clamp(0, 1)  # (n, H, W) ink
    H, W = w.shape[-2:]
    ys, xs = torch.meshgrid(torch.arange(H, dtype=w.dtype), torch.arange(W, dtype=w.dtype), indexing="ij")
    mass = w.sum((1, 2))
    if (mass <= 0).any():
        raise ValueError(f"image {int((mass <= 0).nonzero()[0])} has no ink (all pixels at -1)")
    cx, cy = (w * xs).sum((1, 2)) / mass, (w * ys).sum((1, 2)) / mass
    dx, dy = xs - cx[:, None, None], ys - cy[:, None, None]
    var_x, var_y = (w * dx**2).sum((1, 2)) / mass, (w * dy**2).sum((1, 2)) / mass
    if (var_y <= 0).any():
        raise ValueError(f"image {int((var_y <= 0).nonzero()[0])} has its ink in one row: its slant is undefined")
    slant = (w * dx * dy).sum((1, 2)) / mass / var_y
    return {"ink": mass, "centre": cx, "width": var_x.sqrt(), "slant": slant}
