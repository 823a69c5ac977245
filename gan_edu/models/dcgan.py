"""DCGAN: the convolutional generator and discriminator of Radford et al. (2016).

"Unsupervised Representation Learning with Deep Convolutional Generative
Adversarial Networks" (Radford, Metz & Chintala, ICLR 2016), §3, states the
architecture guidelines followed here:

* no pooling: strided convolutions in D, fractionally strided (transposed)
  convolutions in G, so each net learns its own down- and up-sampling;
* batch normalisation in both nets, except on G's output layer and D's input layer;
* no fully connected hidden layers: z is projected to a 4x4 map by a transposed
  convolution, and D's last convolution reduces the 4x4 map to one number;
* ReLU in G, with tanh on the output (images live in [-1, 1]);
* LeakyReLU(0.2) in D;
* weights drawn from N(0, 0.02) (:func:`init_dcgan_weights`).

The layer sizes follow pytorch/examples ``dcgan/main.py``: for ``resolution=64``,
``channels=3``, ``latent_dim=100``, ``ngf=ndf=64`` the modules (and their
``state_dict`` keys ``main.0.weight``, ...) are exactly its ``Generator`` and its
``Discriminator`` without the final ``Sigmoid``. A resolution of R = 4 * 2^L uses
L stride-2 layers in each net; the widths double (D) or halve (G) at each of them.

D returns one raw logit per image, shape ``(B,)``, never a probability: the
losses in :mod:`gan_edu.losses` apply the sigmoid themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor, nn

from ..validation import choice, integer

__all__ = ["DCGANConfig", "DCGANGenerator", "DCGANDiscriminator", "init_dcgan_weights", "RESOLUTIONS", "NORMS"]

RESOLUTIONS = (8, 16, 32, 64)
NORMS = ("batch", "layer", "none")


def _norm(kind: str, channels: int) -> list[nn.Module]:
    """The normalisation layer after a hidden convolution: batch, layer (per sample) or none."""
    if kind == "batch":
        return [nn.BatchNorm2d(channels)]
    return [nn.GroupNorm(1, channels)] if kind == "layer" else []


@dataclass(frozen=True)
class DCGANConfig:
    """Sizes of a DCGAN pair. Frozen: change with ``dataclasses.replace``.

    ``resolution``: side of the square images, one of 8, 16, 32, 64;
    ``channels``: 1 (grey) or 3 (RGB); ``latent_dim``: size of z;
    ``ngf``/``ndf``: width of G's last and D's first convolution (64 in the paper's code);
    ``g_norm``/``d_norm``: the normalisation after the hidden convolutions of each net,
    ``"batch"`` (the paper's), ``"layer"`` (over channels and positions of each sample,
    ``nn.GroupNorm(1, C)``: what Gulrajani et al. 2017 use in a WGAN-GP critic, whose
    penalty is per sample) or ``"none"``.
    """

    resolution: int = 64
    channels: int = 3
    latent_dim: int = 100
    ngf: int = 64
    ndf: int = 64
    g_norm: str = "batch"
    d_norm: str = "batch"

    def __post_init__(self) -> None:
        for name in ("resolution", "channels", "latent_dim", "ngf", "ndf"):
            # A numpy integer becomes a plain int (n_layers needs int.bit_length); frozen, hence object.__setattr__.
            object.__setattr__(self, name, integer(name, getattr(self, name)))
        choice("resolution", self.resolution, RESOLUTIONS)
        choice("channels", self.channels, (1, 3))
        for name in ("g_norm", "d_norm"):
            choice(name, getattr(self, name), tuple(NORMS))

    @property
    def n_layers(self) -> int:
        """L = log2(resolution / 4): the number of stride-2 layers in each net."""
        return self.resolution.bit_length() - 3


def _config(config: DCGANConfig | None) -> DCGANConfig:
    if config is None:
        return DCGANConfig()
    if not isinstance(config, DCGANConfig):
        raise ValueError(f"config must be a DCGANConfig or None, got {type(config).__name__}")
    return config


def init_dcgan_weights(module: nn.Module) -> nn.Module:
    """DCGAN initialisation of every submodule of ``module``, in place; returns ``module``.

    Convolution weights ~ N(0, 0.02) (Radford et al. 2016, §4); batch-norm scales
    ~ N(1, 0.02) and all biases 0, as ``weights_init`` in pytorch/examples ``dcgan``.
    Other modules are left alone.
    """
    if not isinstance(module, nn.Module):
        raise ValueError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return module


class DCGANGenerator(nn.Module):
    """G: z of shape ``(B, latent_dim)`` -> x_fake of shape ``(B, channels, R, R)`` in [-1, 1].

    Widths for R = 64, ngf = 64: 100 -> 512 (4x4) -> 256 (8x8) -> 128 (16x16) -> 64 (32x32) -> 3 (64x64).
    Convolutions followed by a norm carry no bias (the norm's shift replaces it).
    Weights are initialised with :func:`init_dcgan_weights`.
    """

    def __init__(self, config: DCGANConfig | None = None) -> None:
        super().__init__()
        self.config = c = _config(config)
        self.latent_dim = c.latent_dim
        width = c.ngf * 2 ** (c.n_layers - 1)  # ngf * 2^(L-1): 512 for R = 64
        layers: list[nn.Module] = [  # z (B, latent_dim, 1, 1) -> (B, width, 4, 4)
            nn.ConvTranspose2d(c.latent_dim, width, 4, 1, 0, bias=c.g_norm == "none"),
            *_norm(c.g_norm, width),
            nn.ReLU(True),
        ]
        for _ in range(c.n_layers - 1):  # (B, C, H, W) -> (B, C/2, 2H, 2W)
            layers += [
                nn.ConvTranspose2d(width, width // 2, 4, 2, 1, bias=c.g_norm == "none"),
                *_norm(c.g_norm, width // 2),
                nn.ReLU(True),
            ]
            width //= 2
        layers += [  # (B, ngf, R/2, R/2) -> (B, channels, R, R): no batch norm on output
            nn.ConvTranspose2d(width, c.channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)
        # The first layer sees a 1x1 input, for which channels_last (NHWC) and the standard
        # layout are the same memory: gan_edu.train.Trainer leaves this weight in the standard
        # layout when it compiles, since torch.compile (inductor, CUDA, torch 2.11) predicted
        # channels_last strides for its weight gradient while cuDNN returned standard ones.
        self.main[0].standard_layout = True
        init_dcgan_weights(self)

    def forward(self, z: Tensor) -> Tensor:
        z = z.reshape(z.shape[0], self.latent_dim, 1, 1)  # (B, latent_dim) -> (B, latent_dim, 1, 1)
        return self.main(z)  # (B, channels, R, R)


class DCGANDiscriminator(nn.Module):
    """D: x of shape ``(B, channels, R, R)`` -> logits of shape ``(B,)``; D(x) = sigmoid(logit).

    Widths for R = 64, ndf = 64: 3 (64x64) -> 64 (32x32) -> 128 (16x16) -> 256 (8x8) -> 512 (4x4) -> 1 (1x1).
    No batch norm on the first layer (D's input); at R = 8 that leaves none at all.
    Weights are initialised with :func:`init_dcgan_weights`.
    """

    def __init__(self, config: DCGANConfig | None = None) -> None:
        super().__init__()
        self.config = c = _config(config)
        width = c.ndf
        layers: list[nn.Module] = [  # (B, channels, R, R) -> (B, ndf, R/2, R/2)
            nn.Conv2d(c.channels, width, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),  # no batch norm on D's input
        ]
        for _ in range(c.n_layers - 1):  # (B, C, H, W) -> (B, 2C, H/2, W/2)
            layers += [
                nn.Conv2d(width, width * 2, 4, 2, 1, bias=c.d_norm == "none"),
                *_norm(c.d_norm, width * 2),
                nn.LeakyReLU(0.2, inplace=True),
            ]
            width *= 2
        # (B, ndf * 2^(L-1), 4, 4) -> (B, 1, 1, 1): one logit per image, no sigmoid
        layers.append(nn.Conv2d(width, 1, 4, 1, 0, bias=False))
        self.main = nn.Sequential(*layers)
        init_dcgan_weights(self)

    def forward(self, x: Tensor) -> Tensor:
        return self.main(x).reshape(x.shape[0])  # (B, 1, 1, 1) -> (B,)
