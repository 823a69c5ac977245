"""The offline image data: scikit-learn's handwritten digits, and three of them stacked.

* :class:`Digits` -- the 1,797 8x8 handwritten digits that scikit-learn ships (the UCI
  optical digits of Alpaydin & Kaynak 1998), scaled to [-1, 1], optionally upsampled
  to 16 or 32 pixels, with a seeded, stratified held-out split.
* :class:`StackedDigits` -- three digits as the three colour channels, 1,000 modes:
  the Stacked MNIST benchmark of mode collapse (Metz et al. 2017; VEEGAN, Srivastava
  et al. 2017; PacGAN, Lin et al. 2018) built from :class:`Digits`;
  :func:`stacked_modes` numbers its modes.

Nothing here downloads anything: the digits come with scikit-learn.
"""

from __future__ import annotations

from functools import lru_cache

import torch
import torch.nn.functional as F
from torch import Tensor

from ..validation import choice, integer, number
from .dataset import ImageDataset

__all__ = ["Digits", "StackedDigits", "stacked_modes", "DIGIT_SIZES", "SPLITS"]

DIGIT_SIZES = (8, 16, 32)
SPLITS = ("train", "test", "all")


@lru_cache(maxsize=1)
def _sklearn_digits() -> tuple[Tensor, Tensor]:
    from sklearn.datasets import load_digits  # bundled with scikit-learn: no download

    bunch = load_digits()
    pixels = torch.as_tensor(bunch.data, dtype=torch.float32).view(-1, 1, 8, 8)  # (1797, 1, 8, 8), 0..16
    return pixels / 16 * 2 - 1, torch.as_tensor(bunch.target, dtype=torch.int64)


def _split_indices(labels: Tensor, split: str, test_fraction: float, seed: int) -> Tensor:
    """Stratified: of each digit's n_c images, round(test_fraction * n_c) go to the test set."""
    if split == "all":
        return torch.arange(len(labels))
    generator = torch.Generator().manual_seed(seed)
    test = []
    for digit in range(10):
        members = torch.nonzero(labels == digit).flatten()
        chosen = members[torch.randperm(len(members), generator=generator)]
        test.append(chosen[: round(test_fraction * len(members))])
    is_test = torch.zeros(len(labels), dtype=torch.bool)
    is_test[torch.cat(test)] = True
    # Sorted, so the split is a subset of load_digits' order and easy to check by hand.
    return torch.nonzero(is_test if split == "test" else ~is_test).flatten()


class Digits(ImageDataset):
    """scikit-learn's 8x8 handwritten digits (values 0..16) as images in [-1, 1].

    Parameters
    ----------
    size:
        8, 16 or 32 pixels; 16 and 32 are bilinear upsamplings of the 8x8 originals
        (``align_corners=False``, clamped to [-1, 1]), for convolutional models.
    split:
        ``"train"``, ``"test"`` (held out, e.g. for a classifier that scores
        samples) or ``"all"`` (all 1,797 images).
    test_fraction:
        In (0, 1). The split is stratified: ``round(test_fraction * n_c)`` of the
        ``n_c`` images of each digit ``c`` are held out, chosen by a permutation
        seeded with ``seed``, so train and test are disjoint and cover every image.

    ``.indices`` holds the positions of the images in ``load_digits()`` order.
    """

    def __init__(self, size: int = 8, split: str = "train", test_fraction: float = 0.2, seed: int = 0) -> None:
        size = choice("size", size, DIGIT_SIZES)
        split = choice("split", split, SPLITS)
        test_fraction = number("test_fraction", test_fraction, minimum=0, maximum=1,
                               strict_minimum=True, strict_maximum=True)
        seed = integer("seed", seed, minimum=None)
        pixels, labels = _sklearn_digits()
        self.indices = _split_indices(labels, split, test_fraction, seed)
        images = pixels[self.indices]  # (N, 1, 8, 8)
        if size != 8:
            images = F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False)
            images = images.clamp(-1.0, 1.0)  # (N, 1, size, size)
        super().__init__(images, labels[self.indices])
        self.size, self.split = size, split


def stacked_modes(digit_labels: Tensor) -> Tensor:
    """The Stacked MNIST mode of each sample: ``100 * d0 + 10 * d1 + d2``, shape ``(n,)``,
    for per-channel digits ``digit_labels`` of shape ``(n, 3)`` with values in 0..9."""
    digit_labels = torch.as_tensor(digit_labels)
    if digit_labels.ndim != 2 or digit_labels.shape[1] != 3 or digit_labels.is_floating_point():
        raise ValueError("digit_labels must be an integer tensor of shape (n, 3), "
                         f"got {digit_labels.dtype} {tuple(digit_labels.shape)}")
    if len(digit_labels) and (digit_labels.min() < 0 or digit_labels.max() > 9):
        raise ValueError(f"digit_labels must hold digits in 0..9, got values in "
                         f"[{digit_labels.min().item()}, {digit_labels.max().item()}]")
    return (digit_labels.long() * torch.tensor([100, 10, 1])).sum(1)


class StackedDigits:
    """Three independent random digits stacked as R, G, B: 10^3 = 1,000 modes, nearly equally
    likely (each digit is close to a tenth of the images).

    The Stacked MNIST construction of VEEGAN and PacGAN, on :class:`Digits`
    and sampled on the fly rather than fixed in advance. A generator that
    collapses shows it as modes it never produces (see ``features.stacked_mode_coverage``).
    ``digits`` is used when given; otherwise one is built from ``size``,
    ``split``, ``test_fraction`` and ``seed`` (defaults those of :class:`Digits`).
    """

    n_modes = 1000

    def __init__(self, digits: Digits | None = None, *, size: int | None = None, split: str | None = None,
                 test_fraction: float | None = None, seed: int | None = None) -> None:
        options = {"size": size, "split": split, "test_fraction": test_fraction, "seed": seed}
        options = {name: value for name, value in options.items() if value is not None}
        if digits is not None and options:
            raise ValueError(f"give digits or its options, not both; got digits and {sorted(options)}")
        if digits is not None and not isinstance(digits, Digits):
            raise ValueError(f"digits must be a gan_edu.data.Digits or None, got {type(digits).__name__}")
        self.digits = digits if digits is not None else Digits(**options)

    def __repr__(self) -> str:
        return f"StackedDigits(N={len(self.digits)}, size={self.digits.size}, split={self.digits.split!r})"

    def sample_with_modes(self, n: int, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        """``n`` images ``(n, 3, S, S)`` and their modes ``(n,)`` in 0..999."""
        n = integer("n", n, minimum=0)
        index = torch.randint(len(self.digits), (n, 3), generator=generator)  # one image per channel
        images = self.digits.images[index][:, :, 0]  # (n, 3, 1, S, S) -> (n, 3, S, S)
        return images, stacked_modes(self.digits.labels[index])

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``n`` stacked images ``(n, 3, S, S)``: the ``DataSource`` protocol."""
        return self.sample_with_modes(n, generator)[0]
