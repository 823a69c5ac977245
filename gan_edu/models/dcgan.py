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

The defaults of :class:`DCGANConfig` follow every one of these rules. For the ablation of
each rule, one at a time, its options break one of them: ``resample="pool"`` (pooling and
upsampling instead of strided convolutions), ``fc_hidden`` (a fully connected hidden
layer in each net), ``g_output`` (G's output sigmoid or unbounded instead of tanh),
``d_activation="relu"`` (ReLU in D) and ``init="default"`` (PyTorch's initialisation);
``g_norm``/``d_norm`` do the same for batch normalisation. ``pack`` makes D a PacGAN
discriminator (Lin et al. 2018), against mode collapse.

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

import torch
from torch import Tensor, nn

from ..validation import choice, integer
from .packing import pack_samples, unpack_logits

__all__ = ["DCGANConfig", "DCGANGenerator", "DCGANDiscriminator", "init_dcgan_weights", "apply_spectral_norm",
           "ScaledSigmoid", "RESOLUTIONS",
           "NORMS", "RESAMPLES", "G_OUTPUTS", "D_ACTIVATIONS", "INITS"]

RESOLUTIONS = (8, 16, 32, 64)
NORMS = ("batch", "layer", "none")
RESAMPLES = ("strided", "pool")
G_OUTPUTS = ("tanh", "sigmoid", "linear")
D_ACTIVATIONS = ("leaky_relu", "relu")
INITS = ("dcgan", "default")
SPECTRAL_NORMS = ("none", "d", "gd")  # spectral normalisation in no net, in D, in G and D


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

    The other options each break one rule of the paper, for its ablation (the defaults keep them all):

    * ``resample``: ``"strided"`` (the paper's) or ``"pool"``: each stride-2 convolution of D
      becomes a 3x3 stride-1 convolution followed by ``nn.AvgPool2d(2)``, each stride-2
      transposed convolution of G a nearest-neighbour ``nn.Upsample(scale_factor=2)``
      followed by a 3x3 stride-1 convolution; G's first layer (1x1 -> 4x4) and D's last
      (4x4 -> 1) stay;
    * ``fc_hidden``: 0 (the paper's) or the width of a fully connected hidden layer in each
      net: z -> Linear -> ReLU -> G's first transposed convolution (seeing the result as a
      1x1 map); D's last 4x4 map -> flatten -> Linear -> D's activation -> Linear -> logit;
    * ``g_output``: ``"tanh"`` (the paper's), ``"sigmoid"`` (the sigmoid of data in [0, 1],
      mapped back to [-1, 1]: 2 sigmoid(a) - 1, which equals tanh(a / 2), so the comparison
      with tanh tests the output's slope only) or ``"linear"`` (no bound at all);
    * ``d_activation``: ``"leaky_relu"`` (LeakyReLU(0.2), the paper's) or ``"relu"`` in D's hidden layers;
    * ``init``: ``"dcgan"`` (every weight ~ N(0, 0.02), :func:`init_dcgan_weights`; the
      ``fc_hidden`` layers too, with zero biases) or ``"default"`` (PyTorch's initialisation).

    ``spectral_norm``: ``"none"`` (the paper's), ``"d"`` or ``"gd"``: every convolution and linear
    layer of D (and of G) gets spectral normalisation (Miyato et al. 2018), through
    ``torch.nn.utils.parametrizations.spectral_norm`` (:func:`apply_spectral_norm`): its weight is
    divided by its largest singular value, estimated by one power iteration per training step.
    SAGAN (Zhang et al. 2019) puts it in both nets.

    ``pack = m > 1`` is PacGAN's discriminator (Lin et al. 2018; "PacDCGAN" in their
    stacked-MNIST experiment): D judges *packs* of m images stacked along the channels,
    so its first convolution reads ``m * channels`` of them (see :class:`DCGANDiscriminator`).
    """

    resolution: int = 64
    channels: int = 3
    latent_dim: int = 100
    ngf: int = 64
    ndf: int = 64
    g_norm: str = "batch"
    d_norm: str = "batch"
    resample: str = "strided"
    fc_hidden: int = 0
    g_output: str = "tanh"
    d_activation: str = "leaky_relu"
    init: str = "dcgan"
    pack: int = 1
    spectral_norm: str = "none"

    def __post_init__(self) -> None:
        for name in ("resolution", "channels", "latent_dim", "ngf", "ndf"):
            # A numpy integer becomes a plain int (n_layers needs int.bit_length); frozen, hence object.__setattr__.
            object.__setattr__(self, name, integer(name, getattr(self, name)))
        object.__setattr__(self, "fc_hidden", integer("fc_hidden", self.fc_hidden, minimum=0))
        object.__setattr__(self, "pack", integer("pack", self.pack, minimum=1))
        choice("resolution", self.resolution, RESOLUTIONS)
        choice("channels", self.channels, (1, 3))
        for name in ("g_norm", "d_norm"):
            choice(name, getattr(self, name), tuple(NORMS))
        choice("resample", self.resample, RESAMPLES)
        choice("g_output", self.g_output, G_OUTPUTS)
        choice("d_activation", self.d_activation, D_ACTIVATIONS)
        choice("init", self.init, INITS)
        choice("spectral_norm", self.spectral_norm, SPECTRAL_NORMS)

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


def _init(net: nn.Module, c: DCGANConfig) -> None:
    """``c.init == "dcgan"``: :func:`init_dcgan_weights`, and N(0, 0.02) with zero biases for
    the ``fc_hidden`` layers (the paper draws all weights so); ``"default"``: nothing."""
    if c.init == "dcgan":
        init_dcgan_weights(net)
        for m in net.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.02)
                nn.init.zeros_(m.bias)


def apply_spectral_norm(net: nn.Module) -> nn.Module:
    """Spectral normalisation (Miyato et al. 2018) of every ``Conv2d``, ``ConvTranspose2d`` and
    ``Linear`` of ``net``, in place, by ``torch.nn.utils.parametrizations.spectral_norm`` (its
    ``dim`` is the output channels: 1 for a transposed convolution); returns ``net``."""
    from torch.nn.utils.parametrizations import spectral_norm

    if not isinstance(net, nn.Module):
        raise ValueError(f"net must be a torch.nn.Module, got {type(net).__name__}")
    for m in list(net.modules()):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            spectral_norm(m)
    return net


class ScaledSigmoid(nn.Module):
    """2 sigmoid(a) - 1 = tanh(a / 2): a sigmoid output (for data in [0, 1]) mapped to [-1, 1]."""

    def forward(self, a: Tensor) -> Tensor:
        return 2 * torch.sigmoid(a) - 1


def _g_output(kind: str) -> nn.Module:
    """G's output activation: tanh (the paper's), the scaled sigmoid, or none (an identity keeps the layer count)."""
    return {"tanh": nn.Tanh, "sigmoid": ScaledSigmoid, "linear": nn.Identity}[kind]()


def _d_activation(kind: str) -> nn.Module:
    """D's hidden activation: LeakyReLU(0.2) (the paper's) or ReLU."""
    return nn.LeakyReLU(0.2, inplace=True) if kind == "leaky_relu" else nn.ReLU(inplace=True)


def _up(c_in: int, c_out: int, resample: str, bias: bool) -> list[nn.Module]:
    """(B, c_in, H, W) -> (B, c_out, 2H, 2W): a stride-2 transposed conv, or upsampling then a 3x3 conv."""
    if resample == "strided":
        return [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=bias)]
    return [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c_in, c_out, 3, 1, 1, bias=bias)]


def _down(c_in: int, c_out: int, resample: str, bias: bool) -> list[nn.Module]:
    """(B, c_in, H, W) -> (B, c_out, H/2, W/2): a stride-2 conv, or a 3x3 conv then 2x2 average pooling."""
    if resample == "strided":
        return [nn.Conv2d(c_in, c_out, 4, 2, 1, bias=bias)]
    return [nn.Conv2d(c_in, c_out, 3, 1, 1, bias=bias), nn.AvgPool2d(2)]


class DCGANGenerator(nn.Module):
    """G: z of shape ``(B, latent_dim)`` -> x_fake of shape ``(B, channels, R, R)`` in [-1, 1] (any real with
    ``g_output="linear"``).

    Widths for R = 64, ngf = 64: 100 -> 512 (4x4) -> 256 (8x8) -> 128 (16x16) -> 64 (32x32) -> 3 (64x64).
    Convolutions followed by a norm carry no bias (the norm's shift replaces it).
    Weights are initialised with :func:`init_dcgan_weights` (``config.init``). With
    ``config.fc_hidden`` > 0, ``fc`` (Linear + ReLU) maps z before ``main``; otherwise ``fc`` is None.
    """

    def __init__(self, config: DCGANConfig | None = None) -> None:
        super().__init__()
        self.config = c = _config(config)
        self.latent_dim = c.latent_dim
        self.fc: nn.Sequential | None = None
        z_dim = c.latent_dim  # channels of the 1x1 map main starts from
        if c.fc_hidden:  # z (B, latent_dim) -> (B, fc_hidden): a fully connected hidden layer
            self.fc = nn.Sequential(nn.Linear(c.latent_dim, c.fc_hidden), nn.ReLU(True))
            z_dim = c.fc_hidden
        width = c.ngf * 2 ** (c.n_layers - 1)  # ngf * 2^(L-1): 512 for R = 64
        layers: list[nn.Module] = [  # z (B, z_dim, 1, 1) -> (B, width, 4, 4)
            nn.ConvTranspose2d(z_dim, width, 4, 1, 0, bias=c.g_norm == "none"),
            *_norm(c.g_norm, width),
            nn.ReLU(True),
        ]
        for _ in range(c.n_layers - 1):  # (B, C, H, W) -> (B, C/2, 2H, 2W)
            layers += [
                *_up(width, width // 2, c.resample, bias=c.g_norm == "none"),
                *_norm(c.g_norm, width // 2),
                nn.ReLU(True),
            ]
            width //= 2
        layers += [  # (B, ngf, R/2, R/2) -> (B, channels, R, R): no batch norm on output
            *_up(width, c.channels, c.resample, bias=False), _g_output(c.g_output)]
        self.main = nn.Sequential(*layers)
        # The first layer sees a 1x1 input, for which channels_last (NHWC) and the standard
        # layout are the same memory: gan_edu.train.Trainer leaves this weight in the standard
        # layout when it compiles, since torch.compile (inductor, CUDA, torch 2.11) predicted
        # channels_last strides for its weight gradient while cuDNN returned standard ones.
        self.main[0].standard_layout = True
        _init(self, c)
        if c.spectral_norm == "gd":
            apply_spectral_norm(self)

    def forward(self, z: Tensor) -> Tensor:
        if self.fc is not None:
            z = self.fc(z.reshape(z.shape[0], self.latent_dim))  # (B, latent_dim) -> (B, fc_hidden)
        z = z.reshape(z.shape[0], self.config.fc_hidden or self.latent_dim, 1, 1)  # (B, C) -> (B, C, 1, 1)
        return self.main(z)  # (B, channels, R, R)


def _d_head(width: int, c: DCGANConfig) -> list[nn.Module]:
    """D's last layers, (B, width, 4, 4) -> one logit per image: a 4x4 convolution to (B, 1, 1, 1),
    or (``fc_hidden`` > 0) flatten to (B, 16 width) -> (B, fc_hidden) -> (B, 1)."""
    if c.fc_hidden:
        return [nn.Flatten(), nn.Linear(width * 16, c.fc_hidden), _d_activation(c.d_activation),
                nn.Linear(c.fc_hidden, 1)]
    return [nn.Conv2d(width, 1, 4, 1, 0, bias=False)]


class DCGANDiscriminator(nn.Module):
    """D: x of shape ``(B, channels, R, R)`` -> logits of shape ``(B,)``; D(x) = sigmoid(logit).

    Widths for R = 64, ndf = 64: 3 (64x64) -> 64 (32x32) -> 128 (16x16) -> 256 (8x8) -> 512 (4x4) -> 1 (1x1).
    No batch norm on the first layer (D's input); at R = 8 that leaves none at all.
    Weights are initialised with :func:`init_dcgan_weights` (``config.init``).

    With ``config.pack = m > 1`` images ``m*j .. m*j + m - 1`` of a batch form pack j, stacked
    along the channels into one ``(m * channels, R, R)`` input, as PacGAN's code does
    (:mod:`gan_edu.models.packing`, shared with the MLP discriminator); each image gets the
    logit of its pack.
    """

    def __init__(self, config: DCGANConfig | None = None) -> None:
        super().__init__()
        self.config = c = _config(config)
        width = c.ndf
        layers: list[nn.Module] = [  # (B, channels, R, R) -> (B, ndf, R/2, R/2)
            *_down(c.channels * c.pack, width, c.resample, bias=False),
            _d_activation(c.d_activation),  # no batch norm on D's input
        ]
        for _ in range(c.n_layers - 1):  # (B, C, H, W) -> (B, 2C, H/2, W/2)
            layers += [
                *_down(width, width * 2, c.resample, bias=c.d_norm == "none"),
                *_norm(c.d_norm, width * 2),
                _d_activation(c.d_activation),
            ]
            width *= 2
        layers += _d_head(width, c)  # (B, ndf * 2^(L-1), 4, 4) -> one logit per image
        self.main = nn.Sequential(*layers)
        _init(self, c)
        if c.spectral_norm in ("d", "gd"):
            apply_spectral_norm(self)

    def forward(self, x: Tensor) -> Tensor:
        m, n = self.config.pack, x.shape[0]
        if m == 1:
            return self.main(x).reshape(n)  # (B, 1, 1, 1) or (B, 1) -> (B,)
        packed = pack_samples(x, m)  # (B, C, R, R) -> (ceil(B / m), m * C, R, R)
        return unpack_logits(self.main(packed).reshape(len(packed)), m, n)  # each image: its pack's logit
