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
* :class:`DomainDiscriminator` -- D of one domain: two stride-2 convolutions with
  LeakyReLU 0.2 (R -> R/4) and a linear layer: one logit per image, shape ``(B,)``.
"""

from __future__ import annotations

from torch import Tensor, nn

from ..validation import integer

__all__ = ["Translator", "DomainDiscriminator", "ResidualBlock"]


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
