"""The image recipes: DCGAN (Radford et al. 2016) on digits and on downloadable data sets.

:class:`DCGANRecipe`, :data:`DCGAN_RECIPES`, :func:`train_dcgan` train the DCGAN of
:mod:`gan_edu.models.dcgan` with the paper's settings: Adam with beta1 0.5, batch 64 or 128,
the non-saturating loss, no penalty, no EMA, so that the DCGAN chapter measures DCGAN
itself. One departure, measured: on the small digits recipe (digit-classifier FID, floor
13) the paper's learning rate 2e-4 is too slow for a CPU-scale run, so that recipe uses
5e-4; the full-scale recipes keep 2e-4.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch
from torch import Tensor

from ..games import GAN
from ..history import History
from ..losses import LOSSES
from ..models.dcgan import NORMS, RESOLUTIONS, DCGANConfig
from .variants import check_lipschitz, lipschitz_objects
from ..train import TrainConfig, Trainer
from ..validation import choice, integer, number

__all__ = ["DCGANRecipe", "DCGAN_RECIPES", "DIGITS8", "DIGITS_SN", "IMAGE_DATASETS", "ImageResult", "load_image_dataset", "image_channels",
           "build_dcgan_trainer", "train_dcgan", "generate"]

IMAGE_DATASETS = ("digits", "stacked-digits", "mnist", "fashion-mnist", "cifar10")


@dataclass(frozen=True)
class DCGANRecipe:
    """Sizes and schedule of a DCGAN run; the defaults are the digits recipe (CPU scale).

    The optimiser settings are the DCGAN paper's (Adam, lr 2e-4, betas (0.5, 0.999));
    only the sizes and the number of steps change between data sets. ``resample``,
    ``fc_hidden``, ``g_output``, ``d_activation`` and ``init`` go to :class:`DCGANConfig`
    (which checks them): each breaks one architecture rule of the paper, for its ablation;
    so does ``pack`` (PacGAN's discriminator, against mode collapse).
    """

    resolution: int = 16
    latent_dim: int = 32
    ngf: int = 32
    ndf: int = 32
    steps: int = 1200
    batch_size: int = 64
    lr_d: float = 5e-4  # the paper's 2e-4 is too slow for a 2-minute run (see the module docstring)
    lr_g: float = 5e-4
    betas: tuple[float, float] = (0.5, 0.999)
    loss: str = "ns"
    k: int = 1  # D steps per G step (WGAN's n_critic)
    optimizer: str = "adam"
    g_norm: str = "batch"  # normalisation in G's hidden layers: "batch", "layer", "none"
    d_norm: str = "batch"  # in D's; WGAN-GP's critic uses "layer" (its penalty is per sample)
    # The ablation of the paper's architecture rules, one at a time (see DCGANConfig); the defaults keep them all.
    resample: str = "strided"  # "pool": 3x3 conv + average pooling in D, upsampling + 3x3 conv in G
    fc_hidden: int = 0  # > 0: a fully connected hidden layer of this width in each net
    g_output: str = "tanh"  # G's output: "tanh", "sigmoid" (2 sigmoid - 1 = tanh(a / 2)), "linear"
    d_activation: str = "leaky_relu"  # or "relu", in D's hidden layers
    init: str = "dcgan"  # N(0, 0.02) weights, or "default": PyTorch's initialisation
    init_scale: float = 1.0  # every initial weight matrix and kernel times this (N(0, 0.02 s) with "dcgan")
    pack: int = 1  # > 1: PacGAN's D, judging packs of this many images (a mitigation of mode collapse)
    spectral_norm: str = "none"  # "d" / "gd": spectral normalisation in D / in G and D (SAGAN)
    ema: float = 0.0  # > 0: sample from an exponential moving average of G with this decay
    gp_weight: float = 0.0  # > 0: the gradient penalty of WGAN-GP with this weight
    clip: float = 0.0  # > 0: WGAN's weight clipping to [-clip, clip]
    # Convolutions run faster on (N, H, W, C) tensors on CPUs (oneDNN) and GPUs (tensor cores):
    # benchmarks/dcgan_throughput.py measures it. The values computed are the same.
    channels_last: bool = True

    def __post_init__(self) -> None:
        for name in ("resolution", "latent_dim", "ngf", "ndf", "steps", "batch_size", "k"):
            object.__setattr__(self, name, integer(name, getattr(self, name)))
        choice("resolution", self.resolution, RESOLUTIONS)
        for name in ("lr_d", "lr_g", "init_scale"):
            object.__setattr__(self, name, number(name, getattr(self, name), minimum=0, strict_minimum=True))
        object.__setattr__(self, "loss", choice("loss", self.loss, sorted(LOSSES)))
        for name in ("g_norm", "d_norm"):
            choice(name, getattr(self, name), NORMS)
        nets = DCGANConfig(**{name: getattr(self, name) for name in _ABLATIONS})  # ValueError naming a bad one
        for name in _ABLATIONS:  # as DCGANConfig holds them (fc_hidden a plain int)
            object.__setattr__(self, name, getattr(nets, name))
        check_lipschitz(self)
        if not isinstance(self.channels_last, bool):
            raise ValueError(f"channels_last must be a bool, got {self.channels_last!r}")
        TrainConfig(betas=self.betas, optimizer=self.optimizer, ema=self.ema)  # ValueError naming a bad one

    def config(self, **overrides) -> TrainConfig:
        """The :class:`TrainConfig` of this recipe, with ``overrides`` applied."""
        fields = dict(steps=self.steps, batch_size=self.batch_size, k=self.k, optimizer=self.optimizer,
                      lr_d=self.lr_d, lr_g=self.lr_g, betas=self.betas, log_every=25,
                      channels_last=self.channels_last, ema=self.ema)
        fields.update(overrides)
        return TrainConfig(**fields)


# The DCGANRecipe fields passed on to DCGANConfig as they are: the ablations of the paper's rules, and packing.
_ABLATIONS = ("resample", "fc_hidden", "g_output", "d_activation", "init", "pack", "spectral_norm")

_FULL = DCGANRecipe(resolution=32, latent_dim=100, ngf=64, ndf=64, steps=20_000, batch_size=128, lr_d=2e-4, lr_g=2e-4)
DCGAN_RECIPES: dict[str, DCGANRecipe] = {
    # 8x8 digits upsampled to 16 px: small nets, ~2 minutes on a 2-core CPU.
    "digits": DCGANRecipe(),
    "stacked-digits": DCGANRecipe(steps=3000),
    # Readers with internet and a GPU: the pytorch/examples widths at 32 px.
    "mnist": dataclasses.replace(_FULL, steps=10_000),
    "fashion-mnist": dataclasses.replace(_FULL, steps=10_000),
    "cifar10": _FULL,
}


# DIGITS_SN: the digits recipe with what the later image GANs train with (SNGAN, Miyato et al.
# 2018; SAGAN, Zhang et al. 2019; BigGAN, Brock et al. 2019): spectral normalisation in D and no
# batch norm there, the hinge loss, two learning rates (D's twice G's) with Adam betas (0, 0.9),
# and samples from an EMA of G (decay 0.99). Same nets, data and batch as "digits"; 2,500
# iterations. benchmarks/dcgan_quality.py --recipe digits-sn measures it against "digits".
DIGITS_SN = dataclasses.replace(DCGAN_RECIPES["digits"], spectral_norm="d", d_norm="none", loss="hinge",
                                lr_d=4e-4, lr_g=2e-4, betas=(0.0, 0.9), ema=0.99, steps=2500)


# DIGITS8: the digits at their native 8 x 8 pixels, for experiments of many runs (the WGAN and
# "Are GANs Created Equal?" chapters): one stride-2 layer per net, so D has no batch norm at
# all and a WGAN-GP critic needs no change; a few seconds per thousand steps on a CPU.
DIGITS8 = DCGANRecipe(resolution=8, latent_dim=16, ngf=32, ndf=32, steps=1000)


def load_image_dataset(name: str, *, resolution: int, split: str = "train", root=None, download: bool = True):
    """The data set ``name`` of :data:`IMAGE_DATASETS` at ``resolution`` px, as a trainer ``DataSource``.

    ``digits`` and ``stacked-digits`` are offline (scikit-learn's bundled digits);
    ``mnist``, ``fashion-mnist`` and ``cifar10`` are downloaded to ``root`` (default
    ``~/.cache/gan_edu``) and resized to ``resolution`` by bilinear interpolation.
    """
    from torch.nn import functional as F

    from .. import data as datasets

    name = choice("dataset", name, IMAGE_DATASETS)  # the data set called `name`: the CLI's --dataset
    resolution = integer("resolution", resolution)
    split = choice("split", split, ("train", "test", "all"))
    if not isinstance(download, bool):
        raise ValueError(f"download must be a bool, got {download!r}")
    if name in ("digits", "stacked-digits"):
        digits = datasets.Digits(size=choice("resolution", resolution, datasets.DIGIT_SIZES), split=split)
        return digits if name == "digits" else datasets.StackedDigits(digits)
    loader = {"mnist": datasets.load_mnist, "fashion-mnist": datasets.load_fashion_mnist,
              "cifar10": datasets.load_cifar10}[name]
    kwargs = {} if root is None else {"root": root}
    loaded = loader(split="test" if split == "test" else "train", download=download, **kwargs)
    images = loaded.images
    if images.shape[-1] != resolution:
        images = F.interpolate(images, size=(resolution, resolution), mode="bilinear", align_corners=False,
                               antialias=resolution < images.shape[-1]).clamp_(-1, 1)
    return datasets.ImageDataset(images, loaded.labels)


def image_channels(data) -> int:
    """Channels of the images a data source yields (from one sample)."""
    if not callable(getattr(data, "sample", None)):
        raise ValueError(f"data must have sample(n, generator), got {type(data).__name__}")
    x = data.sample(1, torch.Generator().manual_seed(0))
    if not isinstance(x, Tensor) or x.ndim != 4:
        shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"data must yield images (n, C, H, W), got {shape}")
    return int(x.shape[1])


@dataclass
class ImageResult:
    """What :func:`train_dcgan` returns: the ``trainer``, its ``data`` and ``history``, the wall time."""

    trainer: Trainer
    data: object
    history: History
    seconds: float = float("nan")

    def sample(self, n: int, z: Tensor | None = None) -> Tensor:
        """``n`` generated images ``(n, C, H, W)`` in [-1, 1] on the CPU; ``z`` fixes the noise."""
        if z is None:
            return self.trainer.sample(n).float().cpu()
        return generate(self.trainer, z)


@torch.no_grad()
def generate(trainer: Trainer, z: Tensor) -> Tensor:
    """G(z) for a given noise batch ``z`` ``(n, latent_dim)``, in eval mode, as a CPU float tensor."""
    if not isinstance(trainer, Trainer):
        raise ValueError(f"trainer must be a gan_edu.train.Trainer, got {type(trainer).__name__}")
    if not isinstance(z, Tensor) or z.ndim != 2:
        shape = tuple(z.shape) if isinstance(z, Tensor) else type(z).__name__
        raise ValueError(f"z must be a tensor of shape (n, latent_dim), got {shape}")
    return trainer.sample(len(z), z=z).float().cpu()


def build_dcgan_trainer(dataset: str = "digits", *, seed: int = 0, steps: int | None = None, device: str = "auto",
                        recipe: DCGANRecipe | None = None, data=None, root=None, download: bool = True,
                        **config) -> Trainer:
    """A :class:`Trainer` for a DCGAN on ``dataset`` with its recipe (not yet trained).

    ``data`` replaces the data set (any ``DataSource`` of images); ``config`` overrides
    fields of the :class:`TrainConfig` (``precision``, ``channels_last``, ``compile``,
    ``checkpoint_every``, ...).
    """
    from ..models import scale_weights
    from ..models.dcgan import DCGANDiscriminator, DCGANGenerator

    if recipe is not None and not isinstance(recipe, DCGANRecipe):
        raise ValueError(f"recipe must be a DCGANRecipe or None, got {type(recipe).__name__}")
    seed = integer("seed", seed, minimum=0)
    if recipe is None:
        recipe = DCGAN_RECIPES[choice("dataset", dataset, IMAGE_DATASETS)]
    if steps is not None:
        recipe = dataclasses.replace(recipe, steps=steps)
    if data is None:
        data = load_image_dataset(dataset, resolution=recipe.resolution, root=root, download=download)
    nets = DCGANConfig(resolution=recipe.resolution, channels=image_channels(data), latent_dim=recipe.latent_dim,
                       ngf=recipe.ngf, ndf=recipe.ndf, g_norm=recipe.g_norm, d_norm=recipe.d_norm,
                       **{name: getattr(recipe, name) for name in _ABLATIONS})
    with torch.random.fork_rng(devices=[]):  # initial weights from the seed, caller's RNG untouched
        torch.manual_seed(seed)
        G, D = DCGANGenerator(nets), DCGANDiscriminator(nets)
        scale_weights(G, recipe.init_scale)
        scale_weights(D, recipe.init_scale)
    penalty, constraint = lipschitz_objects(recipe)
    game = GAN(G, D, loss=recipe.loss, penalty=penalty, constraint=constraint)
    return Trainer(game, data, recipe.config(seed=seed, device=device, **config))


def train_dcgan(dataset: str = "digits", *, seed: int = 0, steps: int | None = None, device: str = "auto",
                progress: bool = False, callback=None, **kwargs) -> ImageResult:
    """Train the DCGAN recipe of :data:`DCGAN_RECIPES` on ``dataset``; returns an :class:`ImageResult`.

    ``callback(trainer)`` is called every ``log_every`` iterations (e.g. to measure FID
    over training); other keyword arguments go to :func:`build_dcgan_trainer`.
    """
    import time

    trainer = build_dcgan_trainer(dataset, seed=seed, steps=steps, device=device, **kwargs)
    start = time.perf_counter()
    history = trainer.fit(progress=progress, callback=callback)
    return ImageResult(trainer, trainer.data, history, time.perf_counter() - start)


# RULES16: the digits at 16 x 16 with narrow nets, for the ablation of the DCGAN rules (the
# Training difficulties chapter): two stride-2 layers per net, so that D has a batch norm to
# remove (at 8 x 8 it has none), and a short run, so that many runs fit on a CPU.
RULES16 = DCGANRecipe(resolution=16, latent_dim=32, ngf=16, ndf=16, steps=800)

# One architecture rule of Radford et al. (2016) broken at a time, as DCGANRecipe fields.
RULE_BREAKS: dict[str, dict] = {
    "all rules kept": {},
    "pooling instead of strides": dict(resample="pool"),
    "no batch norm in G": dict(g_norm="none"),
    "no batch norm in D": dict(d_norm="none"),
    "no batch norm in G or D": dict(g_norm="none", d_norm="none"),
    "fully connected hidden layer": dict(fc_hidden=256),
    "sigmoid output (tanh(a/2))": dict(g_output="sigmoid"),
    "linear output (no tanh)": dict(g_output="linear"),
    "ReLU instead of LeakyReLU in D": dict(d_activation="relu"),
    "PyTorch's initialisation": dict(init="default"),
}


def break_rule(recipe: DCGANRecipe, rule: str, **overrides) -> DCGANRecipe:
    """``recipe`` with the DCGAN rule ``rule`` of :data:`RULE_BREAKS` broken, then ``overrides``."""
    if not isinstance(recipe, DCGANRecipe):
        raise ValueError(f"recipe must be a DCGANRecipe, got {type(recipe).__name__}")
    return dataclasses.replace(recipe, **(RULE_BREAKS[choice("rule", rule, tuple(RULE_BREAKS))] | overrides))
