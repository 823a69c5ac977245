"""Image grids: a batch of generated images as one picture, without torchvision.

:func:`image_grid` tiles ``(B, C, H, W)`` images in [-1, 1] into one ``(H', W', C)``
array in [0, 1] (what ``plt.imshow`` shows), as ``torchvision.utils.make_grid`` does;
:func:`save_image_grid` writes it as a PNG, atomically (:func:`gan_edu.files.atomic_write`).
The DCGAN chapter and ``python -m gan_edu train`` use them for sample grids.
"""

from __future__ import annotations

import math
import os

import numpy as np
from torch import Tensor

from .files import atomic_write
from .validation import integer, number

__all__ = ["image_grid", "save_image_grid"]


def image_grid(images: Tensor, nrow: int | None = None, padding: int = 1, pad_value: float = 1.0) -> np.ndarray:
    """Tile ``images`` ``(B, C, H, W)`` with values in [-1, 1] into an array ``(rows*(H+p)+p, nrow*(W+p)+p, C)``.

    ``nrow`` images per row (default: the square root of B, rounded up); ``padding``
    pixels of ``pad_value`` (in [0, 1]) between and around them. One-channel images give
    a ``(..., 1)`` array: squeeze it for ``plt.imshow(..., cmap="gray")``.
    """
    if not isinstance(images, Tensor) or images.ndim != 4 or images.shape[1] not in (1, 3):
        shape = tuple(images.shape) if isinstance(images, Tensor) else type(images).__name__
        raise ValueError(f"images must be a tensor (B, C, H, W) with C = 1 or 3, got {shape}")
    B, C, H, W = images.shape
    if B == 0:
        raise ValueError(f"images must hold at least one image, got shape {tuple(images.shape)}")
    nrow = math.ceil(math.sqrt(B)) if nrow is None else integer("nrow", nrow)
    padding = integer("padding", padding, minimum=0)
    pad_value = number("pad_value", pad_value, minimum=0, maximum=1)
    rows = math.ceil(B / nrow)
    x = ((images.detach().float().cpu().clamp(-1, 1) + 1) / 2).numpy()  # (B, C, H, W) in [0, 1]
    grid = np.full((rows * (H + padding) + padding, nrow * (W + padding) + padding, C), pad_value, np.float32)
    for i in range(B):
        r, c = divmod(i, nrow)
        top, left = padding + r * (H + padding), padding + c * (W + padding)
        grid[top:top + H, left:left + W] = x[i].transpose(1, 2, 0)  # (H, W, C)
    return grid


def save_image_grid(path: str | os.PathLike, images: Tensor, nrow: int | None = None, scale: int = 1) -> None:
    """Write :func:`image_grid` of ``images`` to ``path`` as a PNG, each pixel ``scale`` x ``scale``.

    Written to a temporary file first and renamed, so a reader never sees half a PNG.
    """
    from matplotlib.image import imsave  # no pyplot: a notebook's backend is left alone

    scale = integer("scale", scale)
    grid = image_grid(images, nrow)
    if scale > 1:
        grid = grid.repeat(scale, 0).repeat(scale, 1)
    with atomic_write(path) as handle:
        imsave(handle, grid[..., 0] if grid.shape[2] == 1 else grid, cmap="gray", vmin=0, vmax=1, format="png")
