"""Data sources built from others: labelled draws, and two unpaired domains.

* :class:`Labelled` -- ``(x, y)`` from a data set with labels: what a conditional
  game (:class:`gan_edu.games.ConditionalGAN`) feeds to D;
* :class:`Unpaired` -- ``(a, b)``: a batch of each of two domains, drawn
  independently (no pairing between them), what CycleGAN trains on.

Both draw from the trainer's generator, so runs stay reproducible.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["Labelled", "Unpaired"]


class Labelled:
    """``sample(n, g)`` -> ``(x, y)`` from ``dataset.sample_labelled`` (images and their labels)."""

    def __init__(self, dataset) -> None:
        if not callable(getattr(dataset, "sample_labelled", None)):
            raise ValueError(f"dataset must have sample_labelled(n, generator), got {type(dataset).__name__}")
        if getattr(dataset, "labels", True) is None:
            raise ValueError(f"dataset {dataset!r} has no labels")
        self.dataset = dataset

    def sample(self, n: int, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        return self.dataset.sample_labelled(n, generator)

    def __repr__(self) -> str:
        return f"Labelled({self.dataset!r})"


class Unpaired:
    """``sample(n, g)`` -> ``(a, b)``: ``n`` draws of domain ``a``, then ``n`` of domain ``b``."""

    def __init__(self, a, b) -> None:
        for name, source in (("a", a), ("b", b)):
            if not callable(getattr(source, "sample", None)):
                raise ValueError(f"{name} must have sample(n, generator), got {type(source).__name__}")
        self.a, self.b = a, b

    def sample(self, n: int, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        return self.a.sample(n, generator), self.b.sample(n, generator)

    def __repr__(self) -> str:
        return f"Unpaired({self.a!r}, {self.b!r})"
