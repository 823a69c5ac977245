"""Default recipes: the hyperparameters that train each toy target well, in one place.

A recipe is a frozen :class:`ToyRecipe`; :data:`TOY_RECIPES` holds one per
target of :func:`gan_edu.distributions.toy`, and :func:`train_toy` runs it with
the one trainer of :mod:`gan_edu.train`. The recipe departs from the source's
plain algorithm in ways the literature recommends for sharp, many-mode targets
(each measured in ``benchmarks/toy_modes.py``):

* non-saturating G loss, eq. (4) (Goodfellow et al. 2014, §3);
* an R1 penalty on real data (Mescheder et al. 2018), which keeps D's ridge on
  the data so G is pulled onto the modes instead of oscillating around them,
  applied lazily (every few iterations with a weight as many times larger;
  Karras et al. 2020) to save its cost;
* an exponential moving average of G's weights for sampling (Yazici et al. 2019);
* a linear learning-rate decay over the last part of training, which lets
  the samples settle inside the narrow modes;
* a latent space wider than the data (several z directions per output), whose first
  coordinate is a discrete code of 50 values (``categories``; DeLiGAN, Gurumurthy et
  al. 2017): a continuous G fed with connected Gaussian noise must put mass on bridges
  between separate modes, and with a code it need not;
* optionally, discriminator rejection sampling (Azadi et al. 2019) at sampling
  time, :func:`rejection_sample`: eq. (10) turned into a filter on G's samples.

What was measured while tuning (ring8, seed 0, 2,500 samples, HQ = within 3 std):
depth 3 -> 4: ~70% -> ~76%; learning rate decay starting at 50% -> 30% of the
run and 3000 -> 4000 steps: -> ~85%; width 64 -> 96: -> ~87%; rejection by D
adds 3-5 points. Did not help: R1 weight 1 on rescaled data, R1 0 or 0.001
(less balanced modes), BatchNorm in G, He initialisation on ring8 (without the code), latent
dimension 16, Adam betas (0, 0.99), EMA decay 0.999 (lags the decay), extra
D-only steps before rejection. grid25 needs the rescaling (x / 2) to reach all
25 modes; its high-quality fraction stayed far lower (about 50%) at this budget.

Then the discrete code (2026-11-26; seed 0 unless said, one run each, HQ of G's own
samples; "spread" = width of G's modes over the data's, see ``mode_spread``). Before
it, 6 % of ring samples lay more than 20 std from any mode. ring8: 50 codes, noise
scale 0.1, default init: 4 of 8 modes (the codes landed on half the ring); with He
init: 8/8, 100 % HQ (spread 0.54, seed 1); noise scale 0.3: the same. grid25 (He
init, scale 0.5): noise scale 1.0: 24/25, 38.7 %; 0.1: 25/25, 93.7 %, seed 1 24/25,
92.4 %; 100 codes: no better; noise scale 0.3: seeds 0-3 99.2 / 94.5 / 82.5 / 99.8 %
(spread 0.70-1.45: the misses are modes too wide); with the lr decay from 10 % of the
run: seeds 0-4 99.7 / 95.3 / 97.6 / 85.8 / 81.7 % (seed 4: 24/25); R1 0.001 on top:
seeds 3, 4 92.6 / 89.3 %; R1 0.003: seed 4 74.9 %; 75 codes: seed 4 25/25, 90.8 %;
EMA 0.995: worse. Five seeds with R1 0.001 (benchmark): 90.2 %, 24.8 modes; with R1 0.01:
92.0 %, 24.8 modes, kept. Batch 512 for 2,500 or 3,000 steps, noise scale 0.1 and scale 1.0
(seed 4: 21 modes) did not help on seeds 3 and 4. Seeds vary by +-7 points: the runs that
miss are those whose modes come out too wide (spread 1.3-1.5). A faster D, lr_d 4e-3 with
lr_g 2e-3 (two time-scales, Heusel et al. 2017), fixed that: seeds 0-4 99.0 / 97.1 / 93.2 /
93.6 / 98.2 %, 25/25 modes each, kept.

Then the 60 s budget (2026-11-26, second pass; five seeds each, HQ %). The grid recipe above
was on an edge: the trainer's one-pass D (real and fake batches concatenated, which changes
only the rounding) moved its seeds to 93.9 / 91.8 / 99.7 / 90.6 / 94.6 %, and ring8 seed 0 to
71.6 %. Looking at each code's samples: 3 of the grid's 50 codes sat between two modes, 7-20
std from either, and on the failed ring run a surplus of codes crowded one mode and sat 4-6
std off its centre. R1's double backward pass is about a quarter of an iteration, so lazy R1
(Karras et al. 2020: every N-th iteration, N times the weight) is the cut that keeps the
networks. ring8, R1 every 4: seeds 0-4 98.8 / 100 / 98.0 / 100 / 100, seeds 5-9 100 / 100 /
100 / 99.9 / 100, 8/8 each, kept (every 2: 100 / 100 / 100 / 99.9 / 100). grid25 at x / 2, R1
every 4: 90.4 / 94.5 / 98.0 / 84.3 / 82.1 (spread up to 1.5); every 2: 93.0, 93.4 on seeds 0, 1.
At x / 4, R1 every 2: 99.7 / 94.5 / 99.9 / 99.8 / 98.4; every 3: 100 / 99.1 / 100 / 98.6 / 93.4,
25/25 each, kept; every 4: 97.7 / 100 / 99.5 / 99.7 / 95.8 but 24 modes on seed 4; every 2 with
3,500 iterations: 95.6 / 98.1 / 89.3 / 99.0 / 96.4. Width 64 instead of 96 (a third less time):
ring8 98.4 / 90.4 / 97.9 / 100 / 97.8, grid25 (x / 2) 90.4 / 90.4 / 92.6 / 93.6 / 98.7.

Image recipes (:class:`DCGANRecipe`, :data:`DCGAN_RECIPES`, :func:`train_dcgan`) train
the DCGAN of :mod:`gan_edu.models.dcgan` with the settings of Radford et al. (2016):
Adam with beta1 0.5, batch 64 or 128, non-saturating loss, no penalty, no EMA, so
that the DCGAN chapter measures DCGAN itself. One departure, measured: on the small
digits recipe (1,000 iterations, digit-classifier FID, floor 13) the paper's learning
rate 2e-4 reached FID 219 and 5e-4 reached 153, so the CPU-scale recipe uses 5e-4;
the full-scale recipes keep 2e-4.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import torch
from torch import Tensor

from .distributions import TOY_NAMES, GaussianMixture, toy
from .losses import R1Penalty
from .models import Discriminator, Generator
from .train import History, TrainConfig, Trainer

__all__ = ["ToyRecipe", "TOY_RECIPES", "ToyResult", "Scaled", "train_toy", "build_toy_trainer", "rejection_sample",
           "DCGANRecipe", "DCGAN_RECIPES", "IMAGE_DATASETS", "ImageResult", "load_image_dataset",
           "build_dcgan_trainer", "train_dcgan"]


@dataclass(frozen=True)
class ToyRecipe:
    """Networks and training schedule for one toy target (:data:`RING8`, :data:`GRID25`, ...).

    Tuned on this repository's benchmark (2,500 samples, 2 CPU cores, <= 60 s per run);
    see ``benchmarks/toy_modes.py`` for the measured figures.
    """

    width: int = 96  # hidden units per layer, G and D (64 -> 96 gained ~3 points of HQ)
    depth: int = 4  # hidden layers, G and D (3 -> 4 gained ~5 points of HQ)
    activation: str = "leaky_relu"
    init: str = "default"  # "kaiming": He initialisation of the hidden layers of G and D
    g_norm: str = "none"  # normalisation in G's hidden layers ("none", "batch", "layer"); D has none
    latent_dim: int = 4
    categories: int = 0  # K > 0: z_0 becomes a discrete code of K values (gan_edu.models.Generator)
    noise_scale: float = 1.0  # with categories: the other z coordinates are multiplied by this
    steps: int = 4000  # iterations (G steps); 30-55 s on 2 cores for ring8/grid25
    batch_size: int = 256  # 512 gave the same HQ on ring8 at 1.5x the time
    k: int = 1  # D steps per G step
    lr_d: float = 2e-3
    lr_g: float = 2e-3
    betas: tuple[float, float] = (0.5, 0.9)
    r1_gamma: float = 0.01  # R1 weight; larger smooths D below the 0.01 scale of ring8's modes
    r1_every: int = 1  # lazy R1: in every r1_every-th iteration, with r1_every times the weight
    ema: float = 0.99  # decay of the EMA of G used for sampling (0.999 lags the lr decay)
    lr_decay_start: float = 0.3  # fraction of steps after which the lr decays linearly to 0
    scale: float = 1.0  # the nets see x * scale (G's outputs are divided by it)
    # torch CPU threads. ring8/grid25 use 2: one grid25 run took 42 s with 2 and 59 s with 1 on
    # the idle 2-core CI machine, with the same metrics (all ten benchmark runs matched 1 thread's
    # seed for seed). The machine's own speed varies by 15-30 % from one measurement to the
    # next. On a busy CPU, 2 threads are slower than 1.
    threads: int = 1

    def __post_init__(self) -> None:
        for name in ("width", "depth", "latent_dim", "steps", "batch_size", "k", "threads", "r1_every"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if not (math.isfinite(self.scale) and self.scale > 0):
            raise ValueError(f"scale must be a finite number > 0, got {self.scale!r}")
        if not isinstance(self.categories, int) or self.categories < 0:
            raise ValueError(f"categories must be an integer >= 0, got {self.categories!r}")
        if not (math.isfinite(self.noise_scale) and self.noise_scale > 0):
            raise ValueError(f"noise_scale must be a finite number > 0, got {self.noise_scale!r}")
        if not (math.isfinite(self.r1_gamma) and self.r1_gamma >= 0):
            raise ValueError(f"r1_gamma must be a finite number >= 0, got {self.r1_gamma!r}")

    def config(self, **overrides) -> TrainConfig:
        """The :class:`TrainConfig` of this recipe, with ``overrides`` applied."""
        fields = dict(steps=self.steps, batch_size=self.batch_size, k=self.k, latent_dim=self.latent_dim,
                      lr_d=self.lr_d, lr_g=self.lr_g, betas=self.betas, ema=self.ema,
                      lr_decay_start=self.lr_decay_start)
        fields.update(overrides)
        return TrainConfig(**fields)


# ring8: 8 modes of std 0.01 on the unit circle. A discrete code of 50 values (more than the
# modes: G decides which code goes where) removes the bridges between modes; He initialisation
# spreads the codes' outputs apart from the start (with PyTorch's default one, G put the codes
# on 4 of the 8 modes). R1 is lazy, every 4th iteration: a fifth less time, the same quality.
RING8 = ToyRecipe(init="kaiming", categories=50, noise_scale=0.3, threads=2, r1_every=4)
# grid25: 25 modes of std 0.05 on [-4, 4]^2. The nets see x / 4, the grid at the ring's size
# (at x / 2, about 3 codes in 50 ended stuck between modes; at x, G missed modes), a decay over
# the last 90 % of the run lets G settle, and D learns twice as fast as G (lr 4e-3): with
# lr_d = lr_g, two seeds in five made their modes too wide (spread 1.4). R1 every 3rd
# iteration (every 4th missed a mode on one seed in five).
GRID25 = dataclasses.replace(RING8, scale=0.25, lr_decay_start=0.1, lr_d=4e-3, r1_every=3)
# The book's small targets (1D, blobs2d): broad components, a short run is enough.
SMALL = ToyRecipe(width=64, depth=3, steps=2000, batch_size=256, lr_d=1e-3, lr_g=1e-3, r1_gamma=0.1,
                  lr_decay_start=0.5)
TOY_RECIPES: dict[str, ToyRecipe] = {name: SMALL for name in TOY_NAMES} | {"ring8": RING8, "grid25": GRID25}


class Scaled:
    """p_r seen through a fixed rescaling, ``x -> x * scale`` (a :class:`~gan_edu.train.DataSource`)."""

    def __init__(self, data: GaussianMixture, scale: float) -> None:
        self.data, self.scale = data, scale

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        return self.data.sample(n, generator) * self.scale


@torch.no_grad()
def rejection_sample(trainer: Trainer, n: int, *, generator: torch.Generator | None = None,
                     calibration: int = 10_000) -> Tensor:
    r"""Discriminator rejection sampling (Azadi et al. 2019): correct p_g with D, by eq. (10).

    From :math:`D^* = p_r / (p_r + p_g)` (source eq. (10)),
    :math:`p_r(x) = p_g(x)\, e^{\ell(x)}` with :math:`\ell` D's logit. So drawing
    :math:`x \sim p_g` and accepting it with probability :math:`e^{\ell(x) - \ell_{\max}}`
    gives samples of :math:`p_r` exactly when D = D* (and :math:`\ell \le \ell_{\max}`);
    for a trained D it removes the mass G puts where the data are not. Uses the
    raw G, the one D was trained against; :math:`\ell_{\max}` is the largest logit
    of ``calibration`` samples. Returns ``(n, d)`` on the trainer's device.
    """
    gen = generator if generator is not None else torch.Generator().manual_seed(trainer.config.seed + 1)
    G, D, latent_dim = trainer.G, trainer.D, trainer.config.latent_dim
    was_training = G.training, D.training
    G.eval(), D.eval()

    def draw(m: int) -> tuple[Tensor, Tensor]:
        x = G(torch.randn(m, latent_dim, generator=gen).to(trainer.device))
        return x, D(x).float()

    _, logits = draw(calibration)
    logit_max = logits.max()
    kept: list[Tensor] = []
    while sum(len(x) for x in kept) < n:
        x, logits = draw(max(2 * n, 1000))
        u = torch.rand(len(x), generator=gen).to(trainer.device)
        kept.append(x[u < torch.exp(logits - logit_max)])
    G.train(was_training[0]), D.train(was_training[1])
    return torch.cat(kept)[:n]


@dataclass
class ToyResult:
    """What :func:`train_toy` returns: the trained ``trainer``, the target ``data`` and the ``history``."""

    trainer: Trainer
    data: GaussianMixture
    history: History
    scale: float = 1.0
    seconds: float = float("nan")

    def sample(self, n: int, rejection: bool = False) -> Tensor:
        """``n`` samples of p_g as a CPU float tensor ``(n, d)``: from the EMA of G, or with
        ``rejection`` from G filtered by D (:func:`rejection_sample`)."""
        x = rejection_sample(self.trainer, n) if rejection else self.trainer.sample(n)
        return x.float().cpu() / self.scale

    @torch.no_grad()
    def d_probability(self, x: Tensor) -> Tensor:
        """D(x) = sigmoid(logit) on data-space points ``x`` ``(n, d)``, as a CPU tensor ``(n,)``."""
        D = self.trainer.D
        return torch.sigmoid(D(x.to(self.trainer.device) * self.scale)).float().cpu()


def build_toy_trainer(name: str, *, loss: str = "ns", seed: int = 0, steps: int | None = None,
                      device: str = "auto", recipe: ToyRecipe | None = None, **config) -> Trainer:
    """A :class:`Trainer` set up with the recipe of target ``name`` (not yet trained)."""
    data = toy(name)  # raises ValueError naming `name` for an unknown target
    if recipe is None:
        recipe = TOY_RECIPES[name]
    if steps is not None:
        recipe = dataclasses.replace(recipe, steps=steps)
    cfg = recipe.config(loss=loss, seed=seed, device=device, **config)
    # Initial weights from the seed, without disturbing the caller's global RNG.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        G = Generator(recipe.latent_dim, data.dim, recipe.width, recipe.depth, recipe.activation,
                      recipe.g_norm, recipe.init, recipe.categories, recipe.noise_scale)
        D = Discriminator(data.dim, recipe.width, recipe.depth, recipe.activation, "none", recipe.init)
    penalty = R1Penalty(recipe.r1_gamma, recipe.r1_every) if recipe.r1_gamma > 0 else None
    source = data if recipe.scale == 1.0 else Scaled(data, recipe.scale)
    return Trainer(G, D, source, cfg, penalty=penalty)


def train_toy(name: str, *, loss: str = "ns", seed: int = 0, steps: int | None = None,
              device: str = "auto", progress: bool = False) -> ToyResult:
    """Train the default recipe of :data:`TOY_RECIPES` on ``gan_edu.distributions.toy(name)``.

    Returns a :class:`ToyResult` with ``sample(n)``, ``data`` and ``history``.
    Same arguments, same CPU: bit-identical result.
    """
    import time

    trainer = build_toy_trainer(name, loss=loss, seed=seed, steps=steps, device=device)
    recipe = TOY_RECIPES[name]
    threads = torch.get_num_threads()
    torch.set_num_threads(recipe.threads)
    try:
        start = time.perf_counter()
        history = trainer.fit(progress=progress)
        seconds = time.perf_counter() - start
    finally:
        torch.set_num_threads(threads)
    return ToyResult(trainer, toy(name), history, recipe.scale, seconds)


# --- image recipes: DCGAN ------------------------------------------------------------------

IMAGE_DATASETS = ("digits", "stacked-digits", "mnist", "fashion-mnist", "cifar10")


@dataclass(frozen=True)
class DCGANRecipe:
    """Sizes and schedule of a DCGAN run; the defaults are the digits recipe (CPU scale).

    The optimiser settings are the DCGAN paper's (Adam, lr 2e-4, betas (0.5, 0.999));
    only the sizes and the number of steps change between data sets.
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
    # Convolutions run faster on (N, H, W, C) tensors on CPUs (oneDNN) and GPUs (tensor cores):
    # benchmarks/dcgan_throughput.py measures it. The values computed are the same.
    channels_last: bool = True

    def __post_init__(self) -> None:
        for name in ("latent_dim", "ngf", "ndf", "steps", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")

    def config(self, **overrides) -> TrainConfig:
        """The :class:`TrainConfig` of this recipe, with ``overrides`` applied."""
        fields = dict(steps=self.steps, batch_size=self.batch_size, latent_dim=self.latent_dim,
                      lr_d=self.lr_d, lr_g=self.lr_g, betas=self.betas, loss=self.loss, log_every=25,
                      channels_last=self.channels_last)
        fields.update(overrides)
        return TrainConfig(**fields)


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


def load_image_dataset(name: str, *, resolution: int, split: str = "train", root=None, download: bool = True):
    """The data set ``name`` of :data:`IMAGE_DATASETS` at ``resolution`` px, as a trainer ``DataSource``.

    ``digits`` and ``stacked-digits`` are offline (scikit-learn's bundled digits);
    ``mnist``, ``fashion-mnist`` and ``cifar10`` are downloaded to ``root`` (default
    ``~/.cache/gan_edu``) and resized to ``resolution`` by bilinear interpolation.
    """
    from torch.nn import functional as F

    from . import data as datasets

    if name not in IMAGE_DATASETS:
        raise ValueError(f"dataset must be one of {IMAGE_DATASETS}, got {name!r}")
    if name in ("digits", "stacked-digits"):
        digits = datasets.Digits(size=resolution, split=split)
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
    return int(data.sample(1, torch.Generator().manual_seed(0)).shape[1])


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
    return trainer.sample(len(z), z=z).float().cpu()


def build_dcgan_trainer(dataset: str = "digits", *, seed: int = 0, steps: int | None = None, device: str = "auto",
                        recipe: DCGANRecipe | None = None, data=None, root=None, download: bool = True,
                        **config) -> Trainer:
    """A :class:`Trainer` for a DCGAN on ``dataset`` with its recipe (not yet trained).

    ``data`` replaces the data set (any ``DataSource`` of images); ``config`` overrides
    fields of the :class:`TrainConfig` (``precision``, ``channels_last``, ``compile``,
    ``checkpoint_every``, ...).
    """
    from .models.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator

    if recipe is None:
        if dataset not in DCGAN_RECIPES:
            raise ValueError(f"dataset must be one of {IMAGE_DATASETS}, got {dataset!r}")
        recipe = DCGAN_RECIPES[dataset]
    if steps is not None:
        recipe = dataclasses.replace(recipe, steps=steps)
    if data is None:
        data = load_image_dataset(dataset, resolution=recipe.resolution, root=root, download=download)
    nets = DCGANConfig(resolution=recipe.resolution, channels=image_channels(data), latent_dim=recipe.latent_dim,
                       ngf=recipe.ngf, ndf=recipe.ndf)
    with torch.random.fork_rng(devices=[]):  # initial weights from the seed, caller's RNG untouched
        torch.manual_seed(seed)
        G, D = DCGANGenerator(nets), DCGANDiscriminator(nets)
    return Trainer(G, D, data, recipe.config(seed=seed, device=device, **config))


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
