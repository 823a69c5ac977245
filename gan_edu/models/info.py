"""InfoGAN's networks (Chen et al. 2016) on the DCGAN ones: G(z, c), and a D whose body Q shares.

* :class:`InfoGenerator` -- a :class:`~gan_edu.models.DCGANGenerator` fed with noise and codes
  concatenated: ``G(z, c)``, z ``(B, noise_dim)``, c ``(B, code_dim)``.
* :class:`InfoDiscriminator` -- a :class:`~gan_edu.models.DCGANDiscriminator` split into
  ``features(x)`` (every layer but the last, ``(B, width, 4, 4)``) and ``head(h)`` (the last
  4x4 convolution, one logit per image), as :class:`gan_edu.games.InfoGAN` needs.
* :func:`q_head` -- Q's own head on D's features, as in the paper's MNIST network
  (Table 1 of its appendix): a hidden layer of 128 units, then K logits and C means.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import Tensor, nn

from ..validation import integer
from .dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator

__all__ = ["InfoGenerator", "InfoDiscriminator", "q_head"]


class InfoGenerator(DCGANGenerator):
    """G(z, c) = DCGAN's G of ``[z, c]``: ``config.latent_dim`` is ``noise_dim + code_dim``."""

    def __init__(self, config: DCGANConfig, code_dim: int) -> None:
        self.code_dim = integer("code_dim", code_dim)
        if config.latent_dim <= self.code_dim:
            raise ValueError(f"config.latent_dim must exceed code_dim (noise and codes), got "
                             f"{config.latent_dim!r} and {code_dim!r}")
        super().__init__(config)

    def forward(self, z: Tensor, c: Tensor) -> Tensor:  # (B, noise_dim), (B, code_dim) -> (B, C, R, R)
        return super().forward(torch.cat([z, c], dim=1))


class InfoDiscriminator(DCGANDiscriminator):
    """DCGAN's D with ``features`` (its body) and ``head`` (its last layer) apart."""

    def __init__(self, config: DCGANConfig) -> None:
        if config.pack != 1 or config.fc_hidden:
            raise ValueError(f"InfoDiscriminator needs pack=1 and fc_hidden=0, got pack={config.pack!r}, "
                             f"fc_hidden={config.fc_hidden!r}")
        super().__init__(config)

    @property
    def feature_dim(self) -> int:
        """Numbers per image in ``features(x)``: the last width times 4 x 4."""
        return self.main[-1].in_channels * 16

    def features(self, x: Tensor) -> Tensor:
        return self.main[:-1](x)  # (B, width, 4, 4)

    def head(self, h: Tensor) -> Tensor:
        return self.main[-1](h).reshape(h.shape[0])  # (B,)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))


def q_head(feature_dim: int, outputs: int, hidden: int = 128) -> nn.Sequential:
    """Q's head: D's features ``(B, ...)`` -> ``(B, outputs)`` (K logits, then C means), through
    ``hidden`` units with batch norm and LeakyReLU(0.1), as in InfoGAN's MNIST network."""
    feature_dim, outputs, hidden = (integer(n, v) for n, v in
                                    (("feature_dim", feature_dim), ("outputs", outputs), ("hidden", hidden)))
    return nn.Sequential(nn.Flatten(), nn.Linear(feature_dim, hidden), nn.BatchNorm1d(hidden), nn.LeakyReLU(0.1),
                         nn.Linear(hidden, outputs))


def info_config(config: DCGANConfig, code_dim: int) -> DCGANConfig:
    """``config`` with room for ``code_dim`` codes beside its noise in G's input."""
    return dataclasses.replace(config, latent_dim=config.latent_dim + integer("code_dim", code_dim))
