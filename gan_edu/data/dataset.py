"""In-memory image data sets: ``p_r`` as a tensor of images that the trainer samples.

:class:`ImageDataset` holds float32 images ``(N, C, H, W)`` in [-1, 1], the range of
a tanh generator (Radford et al. 2016, §3), with optional integer labels. It is a
``torch.utils.data.Dataset`` and the trainer's ``DataSource``: :meth:`~ImageDataset.sample`
draws ``n`` images with replacement with ``torch.randint`` and the given
``torch.Generator``, so a run stays reproducible.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.utils.data import Dataset

from ..validation import integer

__all__ = ["ImageDataset", "draw_indices"]


def draw_indices(size: int, n: int, generator: torch.Generator | None) -> Tensor:
    """``n`` positions in ``0..size-1`` drawn uniformly with replacement: ``torch.randint``, shape ``(n,)``.

    The one draw behind every ``sample`` here (and the trainer's copy of the images on a GPU).
    """
    n = integer("n", n, minimum=0)
    size = integer("size", size, minimum=0)
    if size == 0:
        raise ValueError("size must be >= 1 to sample (the data set is empty), got 0")
    return torch.randint(size, (n,), generator=generator)


def _labels(labels, n: int) -> Tensor:
    """``labels`` as an int64 tensor ``(n,)``, if they are integers (a float label like 2.5 is refused)."""
    try:
        raw = torch.as_tensor(labels)
    except (TypeError, ValueError, RuntimeError):
        raise ValueError(f"labels must be integers, shape ({n},), got {type(labels).__name__}") from None
    if raw.dtype == torch.bool or raw.is_complex():
        raise ValueError(f"labels must be integers, shape ({n},), got dtype {raw.dtype}")
    if raw.is_floating_point() and not bool((raw == raw.round()).all()):  # NaN fails this too
        raise ValueError(f"labels must be integers, shape ({n},), got non-integer values of dtype {raw.dtype}")
    if raw.shape != (n,):
        raise ValueError(f"labels must have shape ({n},), got {tuple(raw.shape)}")
    return raw.to(torch.int64)


class ImageDataset(Dataset):
    """Images ``(N, C, H, W)`` float32 in [-1, 1], with integer labels ``(N,)`` or none.

    A ``torch.utils.data.Dataset`` (``dataset[i]`` is ``(image, label)``, or the image
    alone when there are no labels) and a ``DataSource``: :meth:`sample` draws with
    replacement. Images that are not finite or leave [-1, 1] (pixels in 0..255, say)
    raise ``ValueError``: a tanh generator could never match them.
    """

    def __init__(self, images: Tensor, labels: Tensor | None = None) -> None:
        if not isinstance(images, Tensor):
            raise ValueError(f"images must be a float tensor of shape (N, C, H, W), got {type(images).__name__}")
        if images.ndim != 4:
            raise ValueError(f"images must be a float tensor of shape (N, C, H, W), got shape {tuple(images.shape)}")
        if not images.is_floating_point():
            raise ValueError(f"images must be a float tensor with values in [-1, 1] (map pixels p in 0..255 "
                             f"to p / 127.5 - 1), got dtype {images.dtype}")
        images = images.float()
        if images.numel() > 0:
            finite = torch.isfinite(images)
            if not finite.all():
                raise ValueError(f"images must be finite, got {int((~finite).sum())} NaN or infinite values")
            low, high = torch.aminmax(images)
            if low < -1 or high > 1:
                raise ValueError(f"images must lie in [-1, 1] (map pixels p in 0..255 to p / 127.5 - 1), "
                                 f"got values in [{low.item():g}, {high.item():g}]")
        if labels is not None:
            labels = _labels(labels, len(images))
        self.images = images
        self.labels = labels

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple[Tensor, int] | Tensor:
        if self.labels is None:
            return self.images[index]
        return self.images[index], int(self.labels[index])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(N={len(self)}, shape={tuple(self.images.shape[1:])})"

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``n`` images drawn uniformly with replacement: a tensor ``(n, C, H, W)``."""
        return self.images[draw_indices(len(self.images), n, generator)]

    def sample_labelled(self, n: int, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        """``n`` images ``(n, C, H, W)`` and their labels ``(n,)``, drawn as :meth:`sample` draws them.

        The same draw: with equally seeded generators, ``sample_labelled(n, g)[0]``
        equals ``sample(n, g')``, and both leave the generator in the same state.
        """
        if self.labels is None:
            raise ValueError(f"sample_labelled needs labels, and this {type(self).__name__} has none")
        index = draw_indices(len(self.images), n, generator)  # (n,)
        return self.images[index], self.labels[index]
