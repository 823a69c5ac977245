r"""Priors p_z: what a generator is fed (the source's "noise z", and its variants).

A prior draws the generator's inputs from the trainer's seeded ``torch.Generator``
(on the CPU, so a run is reproducible and resumable on any device):

* :class:`Normal` -- z ~ N(0, I), the source's p_z (Goodfellow et al. 2014);
* :class:`WithLabels` -- z with a class label y ~ U{0, ..., K-1}: the inputs of a
  class-conditional G(z, y) (Mirza & Osindero 2014; BigGAN);
* :class:`WithCodes` -- z with latent codes c: a K-way categorical code (one-hot) and
  continuous codes uniform on [-1, 1], the inputs of InfoGAN's G(z, c)
  (Chen et al. 2016);
* :class:`NoPrior` -- nothing: a game whose generators map data to data (CycleGAN).

``prior.sample(n, generator)`` returns one tensor, or a tuple of tensors that a
game passes on as ``G(*inputs)``. Every prior says what it draws in ``repr``, which
checkpoints record so that a run is never resumed with another prior.
"""

from __future__ import annotations

from typing import Protocol

import torch
from torch import Tensor

from .validation import integer, random_generator

__all__ = ["Prior", "Normal", "WithLabels", "WithCodes", "NoPrior", "as_inputs"]


class Prior(Protocol):
    """What a game needs from a prior: ``sample(n, generator)``."""

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor | tuple[Tensor, ...]: ...


def as_inputs(draw: Tensor | tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    """A prior's draw as the tuple of positional arguments of G."""
    return draw if isinstance(draw, tuple) else (draw,)


def _draw_args(n, generator) -> int:
    """``n`` checked (an integer >= 0) and ``generator`` checked (a CPU ``torch.Generator`` or None)."""
    n = integer("n", n, minimum=0)
    random_generator("generator", generator)
    return n


class Normal:
    """z ~ N(0, I) of shape ``(n, latent_dim)``."""

    def __init__(self, latent_dim: int) -> None:
        self.latent_dim = integer("latent_dim", latent_dim)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        n = _draw_args(n, generator)
        return torch.randn(n, self.latent_dim, generator=generator)  # (n, latent_dim)

    def __repr__(self) -> str:
        return f"Normal(latent_dim={self.latent_dim})"


class WithLabels:
    """(z, y): z ~ N(0, I) ``(n, latent_dim)`` and class labels y ~ U{0..classes-1} ``(n,)`` (int64)."""

    def __init__(self, latent_dim: int, classes: int) -> None:
        self.latent_dim = integer("latent_dim", latent_dim)
        self.classes = integer("classes", classes, minimum=2)

    def sample(self, n: int, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        n = _draw_args(n, generator)
        z = torch.randn(n, self.latent_dim, generator=generator)  # (n, latent_dim)
        y = torch.randint(self.classes, (n,), generator=generator)  # (n,)
        return z, y

    def __repr__(self) -> str:
        return f"WithLabels(latent_dim={self.latent_dim}, classes={self.classes})"


class WithCodes:
    r"""(z, c): noise z ~ N(0, I) and InfoGAN's latent codes c, concatenated in one tensor.

    ``c`` is ``(n, categories + continuous)``: a one-hot categorical code of
    ``categories`` equiprobable values (entropy :math:`H(c) = \ln K`), then
    ``continuous`` codes uniform on [-1, 1]. :meth:`split` recovers the parts.
    """

    def __init__(self, latent_dim: int, categories: int = 10, continuous: int = 2) -> None:
        self.latent_dim = integer("latent_dim", latent_dim)
        self.categories = integer("categories", categories, minimum=0)
        self.continuous = integer("continuous", continuous, minimum=0)
        if self.categories == 1:
            raise ValueError(f"categories must be 0 or >= 2 (one value carries no information), got {categories!r}")
        if self.categories + self.continuous == 0:
            raise ValueError("WithCodes needs at least one code: categories >= 2 or continuous >= 1")

    @property
    def code_dim(self) -> int:
        return self.categories + self.continuous

    def sample(self, n: int, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        n = _draw_args(n, generator)
        z = torch.randn(n, self.latent_dim, generator=generator)  # (n, latent_dim)
        parts = []
        if self.categories:
            k = torch.randint(self.categories, (n,), generator=generator)  # (n,)
            parts.append(torch.nn.functional.one_hot(k, self.categories).float())  # (n, K)
        if self.continuous:
            parts.append(torch.rand(n, self.continuous, generator=generator) * 2 - 1)  # (n, C), U[-1, 1]
        return z, torch.cat(parts, dim=1)  # (n, latent_dim), (n, K + C)

    def split(self, c: Tensor) -> tuple[Tensor, Tensor]:
        """``c`` ``(n, K + C)`` -> the categorical index ``(n,)`` (int64) and the continuous codes ``(n, C)``."""
        index = c[:, : self.categories].argmax(1) if self.categories else c.new_zeros(len(c), dtype=torch.long)
        return index, c[:, self.categories:]

    def __repr__(self) -> str:
        return f"WithCodes(latent_dim={self.latent_dim}, categories={self.categories}, continuous={self.continuous})"


class NoPrior:
    """No generator input: an empty tuple (G maps data to data)."""

    def sample(self, n: int, generator: torch.Generator | None = None) -> tuple[()]:
        _draw_args(n, generator)
        return ()

    def __repr__(self) -> str:
        return "NoPrior()"
