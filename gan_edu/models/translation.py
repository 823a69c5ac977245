r"""Image-to-image translation networks for CycleGAN (Zhu et al. 2017), at the digits' size.

* :class:`Translator` -- a generator ``(B, C, R, R) -> (B, C, R, R)`` in [-1, 1], an
  encoder-decoder: a 3x3 convolution at R, a stride-2 convolution to R/2, ``blocks``
  residual blocks there (the blocks of the paper's ResNet generator), then a fully
  connected bottleneck of ``hidden`` units that is decoded to a ``ngf``-channel map at R,
  and a 3x3 convolution and tanh. The fully connected layers let every output pixel
  depend on every input pixel, which a geometric map such as a rotation needs: at 8 x 8
  a stack of 3x3 convolutions sees a neighbourhood, not the pixel a quarter turn away.
  There are no skip connections from encoder to decoder (a U-Net's): they carry the
  input's pixel layout to the output, which a rotation must not keep. No normalisation
  (the paper's instance norm): on 8 x 8 images and a CPU it cost a third of the time.
* :class:`SymmetryTranslator` -- a generator that can only move pixels: a learnt mixture
  ``sum_k w_k T_k(x)``, ``w = softmax(logits)``, of the eight symmetries T_k of the square
  (:data:`SYMMETRIES`: the four quarter turns, and the four of the transposed image). It holds
  the rotation the recipe's task asks for, and seven wrong answers; which one training picks is
  then the question the losses alone decide. Logits start near zero (all eight mixed).
* :class:`DomainDiscriminator` -- D of one domain: two stride-2 convolutions with
  LeakyReLU 0.2 (R -> R/4) and a linear layer: one logit per image, shape ``(B,)``.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..validation import integer, number

__all__ = ["Translator", "SymmetryTranslator", "SYMMETRIES", "symmetries", "DomainDiscriminator", "ResidualBlock"]

# The eight symmetries of the square (the dihedral group D4), in the order of symmetries():
# k quarter turns counter-clockwise of x, then of x transposed (x[..., j, i]).
SYMMETRIES = ("identity", "rot90", "rot180", "rot270",
              "transpose", "transpose+rot90", "transpose+rot180", "transpose+rot270")


def _resolution(resolution) -> int:
    resolution = integer("resolution", resolution)
    if resolution % 4:
        raise ValueError(f"resolution must be a multiple of 4 (two stride-2 layers in D), got {resolution}")
    return resolution


class ResidualBlock(nn.Module):
    """``x + conv(relu(conv(x)))``, the block of the paper's ResNet generator: ``(B, C, H, W)`` kept."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        channels = integer("channels", channels)
        self.body = nn.Sequential(nn.Conv2d(channels, channels, 3, 1, 1), nn.ReLU(True),
                                  nn.Conv2d(channels, channels, 3, 1, 1))

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class Translator(nn.Module):
    """G: ``(B, channels, R, R)`` -> ``(B, channels, R, R)`` in [-1, 1] (see the module docstring)."""

    def __init__(self, resolution: int = 8, channels: int = 1, ngf: int = 16, hidden: int = 256,
                 blocks: int = 0) -> None:
        super().__init__()
        self.resolution = R = _resolution(resolution)
        channels, ngf, hidden = integer("channels", channels), integer("ngf", ngf), integer("hidden", hidden)
        blocks = integer("blocks", blocks, minimum=0)
        self.encode = nn.Sequential(
            nn.Conv2d(channels, ngf, 3, 1, 1), nn.ReLU(True),  # (B, ngf, R, R)
            nn.Conv2d(ngf, 2 * ngf, 4, 2, 1), nn.ReLU(True),  # (B, 2 ngf, R/2, R/2)
            *[ResidualBlock(2 * ngf) for _ in range(blocks)],
            nn.Flatten(), nn.Linear(2 * ngf * (R // 2) ** 2, hidden), nn.ReLU(True))  # (B, hidden)
        self.decode = nn.Sequential(
            nn.Linear(hidden, ngf * R * R), nn.ReLU(True), nn.Unflatten(1, (ngf, R, R)),  # (B, ngf, R, R)
            nn.Conv2d(ngf, channels, 3, 1, 1), nn.Tanh())  # (B, channels, R, R)

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))


def symmetries(x: Tensor) -> Tensor:
    """The eight images T_k(x) of :data:`SYMMETRIES`, in its order.

    ``x`` ``(B, C, H, H)`` -> ``(8, B, C, H, H)``.
    """
    if x.ndim != 4 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"x must have shape (B, C, H, H), got {tuple(x.shape)}")
    turned = [torch.rot90(y, k, dims=(-2, -1))  # k quarter turns of x, then of x^T
              for y in (x, x.transpose(-2, -1)) for k in range(4)]
    return torch.stack(turned)  # (8, B, C, H, H)


class SymmetryTranslator(nn.Module):
    """G: ``(B, C, R, R)`` -> ``(B, C, R, R)``, ``sum_k softmax(logits)_k T_k(x)`` (the module docstring).

    Its outputs stay in the inputs' range (a convex combination of the same pixels); ``weights``
    gives the eight mixture weights, in the order of :data:`SYMMETRIES`.
    """

    def __init__(self, resolution: int = 8, init_std: float = 0.01) -> None:
        super().__init__()
        self.resolution = _resolution(resolution)
        init_std = number("init_std", init_std, minimum=0)
        self.logits = nn.Parameter(init_std * torch.randn(len(SYMMETRIES)))

    @property
    def weights(self) -> Tensor:
        """The mixture weights ``(8,)``, softmax of the logits, summing to 1."""
        return self.logits.softmax(0)

    def _check(self, x: Tensor) -> None:
        R = self.resolution
        if x.ndim != 4 or tuple(x.shape[-2:]) != (R, R):
            raise ValueError(f"x must have shape (B, C, {R}, {R}), got {tuple(x.shape)}")

    def forward(self, x: Tensor) -> Tensor:
        self._check(x)  # (B, C, R, R)
        w = self.weights.to(x.dtype)  # (8,), the softmax of the logits
        return torch.einsum("k,kbchw->bchw", w, symmetries(x))  # sum_k w_k T_k(x)


class DomainDiscriminator(nn.Module):
    """D of one domain: ``(B, channels, R, R)`` -> logits ``(B,)`` (see the module docstring)."""

    def __init__(self, resolution: int = 8, channels: int = 1, ndf: int = 16) -> None:
        super().__init__()
        self.resolution = R = _resolution(resolution)
        channels, ndf = integer("channels", channels), integer("ndf", ndf)
        self.net = nn.Sequential(
            nn.Conv2d(channels, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True),  # (B, ndf, R/2, R/2)
            nn.Conv2d(ndf, 2 * ndf, 4, 2, 1), nn.LeakyReLU(0.2, True),  # (B, 2 ndf, R/4, R/4)
            nn.Flatten(), nn.Linear(2 * ndf * (R // 4) ** 2, 1))  # (B, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).flatten()  # (B,)
