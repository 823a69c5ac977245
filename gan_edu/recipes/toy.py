"""The toy recipes: the hyperparameters that train each 2D / 1D target well, in one place.

A recipe is a frozen :class:`ToyRecipe`; :data:`TOY_RECIPES` holds one per target of
:func:`gan_edu.distributions.toy`, and :func:`train_toy` runs it with the one trainer
of :mod:`gan_edu.train` on the source's game (:class:`gan_edu.games.GAN`). The recipe
departs from the source's plain algorithm in ways the literature recommends for sharp,
many-mode targets (each measured in ``benchmarks/toy_modes.py``; how they were tuned is
told on the book's Benchmarks page):

* non-saturating G loss, eq. (4) (Goodfellow et al. 2014, §3);
* an R1 penalty on real data (Mescheder et al. 2018), which keeps D's ridge on the data so
  G is pulled onto the modes instead of oscillating around them, applied lazily (every few
  iterations with a weight as many times larger; Karras et al. 2020) to save its cost;
* an exponential moving average of G's weights for sampling (Yazici et al. 2019);
* a linear learning-rate decay over the last part of training, which lets the samples
  settle inside the narrow modes;
* a latent space wider than the data whose first coordinate is a discrete code of 50 values
  (``categories``; DeLiGAN, Gurumurthy et al. 2017): a continuous G fed with connected
  Gaussian noise must put mass on bridges between separate modes, and with a code it need not;
* a last step after training (``reweight``): the code's 50 values get the
  probabilities D says they should have, by eq. (10) (:func:`reweight_codes`), which evens
  out the mass G hands to each mode;
* optionally, discriminator rejection sampling (Azadi et al. 2019) at sampling time,
  :func:`rejection_sample`: eq. (10) turned into a filter on G's samples.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import torch
from torch import Tensor

from ..distributions import TOY_NAMES, GaussianMixture, toy
from ..games import GAN, UnrolledGAN
from ..priors import as_inputs
from ..losses import LOSSES, R1Penalty
from ..models import Discriminator, Generator, scale_weights
from ..models.mlp import ACTIVATIONS, NORMS
from ..train import History, TrainConfig, Trainer
from ..validation import choice, integer, number, random_generator
from .variants import check_lipschitz, lipschitz_objects

__all__ = ["ToyRecipe", "TOY_RECIPES", "PLAIN", "ToyResult", "Scaled", "train_toy", "build_toy_trainer", "rejection_sample",
           "code_weights_from_discriminator", "reweight_codes"]


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
    init_scale: float = 1.0  # every initial weight matrix of G and D times this (gan_edu.models.scale_weights)
    g_norm: str = "none"  # normalisation in G's hidden layers ("none", "batch", "layer"); D has none
    latent_dim: int = 4
    categories: int = 0  # K > 0: z_0 becomes a discrete code of K values (gan_edu.models.Generator)
    noise_scale: float = 1.0  # with categories: the other z coordinates are multiplied by this
    steps: int = 4000  # iterations (G steps); 30-55 s on 2 cores for ring8/grid25
    batch_size: int = 256  # 512 gave the same HQ on ring8 at 1.5x the time
    k: int = 1  # D steps per G step
    loss: str = "ns"  # a name of gan_edu.losses.LOSSES
    optimizer: str = "adam"
    gp_weight: float = 0.0  # > 0: WGAN-GP's gradient penalty (instead of R1)
    clip: float = 0.0  # > 0: WGAN's weight clipping to [-clip, clip]
    lr_d: float = 2e-3
    lr_g: float = 2e-3
    betas: tuple[float, float] = (0.5, 0.9)
    r1_gamma: float = 0.01  # R1 weight; larger smooths D below the 0.01 scale of ring8's modes
    r1_every: int = 1  # lazy R1: in every r1_every-th iteration, with r1_every times the weight
    ema: float = 0.99  # decay of the EMA of G used for sampling (0.999 lags the lr decay)
    lr_decay_start: float = 0.3  # fraction of steps after which the lr decays linearly to 0
    scale: float = 1.0  # the nets see x * scale (G's outputs are divided by it)
    # With categories: after training, the code's values get D's probabilities (reweight_codes)
    reweight: bool = False
    # Mitigations of mode collapse (the Training difficulties chapter), off by default:
    pack: int = 1  # PacGAN: D judges packs of this many samples (Lin et al. 2018)
    minibatch_std: bool = False  # D's last layer also sees the batch's spread (Karras et al. 2018)
    unroll: int = 0  # > 0: G's loss through this many look-ahead D steps (Metz et al. 2017)
    unroll_lr: float = 1e-2  # the step size of those look-ahead steps (plain gradient descent)
    # torch CPU threads. ring8/grid25 use 2: one grid25 run took 42 s with 2 and 59 s with 1 on
    # the idle 2-core CI machine, with the same metrics (all ten benchmark runs matched 1 thread's
    # seed for seed). The machine's own speed varies by 15-30 % from one measurement to the
    # next. On a busy CPU, 2 threads are slower than 1.
    threads: int = 1

    def __post_init__(self) -> None:
        for name in ("width", "depth", "latent_dim", "steps", "batch_size", "k", "threads", "r1_every", "pack"):
            object.__setattr__(self, name, integer(name, getattr(self, name)))
        object.__setattr__(self, "categories", integer("categories", self.categories, minimum=0))
        for name in ("scale", "noise_scale", "init_scale"):
            object.__setattr__(self, name, number(name, getattr(self, name), minimum=0, strict_minimum=True))
        object.__setattr__(self, "r1_gamma", number("r1_gamma", self.r1_gamma, minimum=0))
        object.__setattr__(self, "unroll", integer("unroll", self.unroll, minimum=0))
        object.__setattr__(self, "unroll_lr", number("unroll_lr", self.unroll_lr, minimum=0, strict_minimum=True))
        for name in ("minibatch_std", "reweight"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be a bool, got {getattr(self, name)!r}")
        if self.reweight and self.categories == 0:
            raise ValueError("reweight=True needs a discrete code (categories > 0), got categories=0")
        for name in ("lr_d", "lr_g"):
            object.__setattr__(self, name, number(name, getattr(self, name), minimum=0, strict_minimum=True))
        object.__setattr__(self, "ema", number("ema", self.ema, minimum=0, maximum=1, strict_maximum=True))
        object.__setattr__(self, "lr_decay_start", number("lr_decay_start", self.lr_decay_start, minimum=0, maximum=1))
        object.__setattr__(self, "activation", choice("activation", self.activation, sorted(ACTIVATIONS)))
        object.__setattr__(self, "init", choice("init", self.init, ("default", "kaiming")))
        object.__setattr__(self, "g_norm", choice("g_norm", self.g_norm, sorted(NORMS)))
        object.__setattr__(self, "loss", choice("loss", self.loss, sorted(LOSSES)))
        check_lipschitz(self)
        if self.gp_weight > 0 and self.r1_gamma > 0:
            raise ValueError(f"r1_gamma and gp_weight are two penalties of D; set one to 0, got r1_gamma="
                             f"{self.r1_gamma!r} and gp_weight={self.gp_weight!r}")
        TrainConfig(betas=self.betas, optimizer=self.optimizer)  # the one check of both: ValueError naming them

    def config(self, **overrides) -> TrainConfig:
        """The :class:`TrainConfig` of this recipe, with ``overrides`` applied."""
        fields = dict(steps=self.steps, batch_size=self.batch_size, k=self.k, lr_d=self.lr_d, lr_g=self.lr_g,
                      betas=self.betas, optimizer=self.optimizer, ema=self.ema, lr_decay_start=self.lr_decay_start)
        fields.update(overrides)
        return TrainConfig(**fields)


# ring8: 8 modes of std 0.01 on the unit circle. A discrete code of 50 values (more than the
# modes: G decides which code goes where) removes the bridges between modes; He initialisation
# spreads the codes' outputs apart from the start (with PyTorch's default one, G put the codes
# on 4 of the 8 modes). R1 is lazy, every 4th iteration: a fifth less time, the same quality.
# After training the codes are reweighted by D (reweight_codes): G hands out its 50 codes to
# the 8 modes unevenly (seed 6: reverse KL 0.074, sliced W1 6.3x its floor); with D's weights
# the W1 of seeds 0-9 is 0.56-1.09x the floor (benchmarks/toy_modes.py).
RING8 = ToyRecipe(init="kaiming", categories=50, noise_scale=0.3, threads=2, r1_every=4, reweight=True)
# grid25: 25 modes of std 0.05 on [-4, 4]^2. The nets see x / 4, the grid at the ring's size
# (at x / 2, about 3 codes in 50 ended stuck between modes; at x, G missed modes), a decay over
# the last 90 % of the run lets G settle, and D learns twice as fast as G (lr 4e-3): with
# lr_d = lr_g, two seeds in five made their modes too wide (spread 1.4). R1 every 3rd
# iteration (every 4th missed a mode on one seed in five). The codes are reweighted too: on
# seeds 0-4 it changes little (sliced W1 0.88-1.09x the floor without, 0.90-1.14x with), but a
# run that hands out its codes unevenly (the toy_2d lab's, at 1.5-2.0x) comes back to 0.9-1.4x.
GRID25 = dataclasses.replace(RING8, scale=0.25, lr_decay_start=0.1, lr_d=4e-3, r1_every=3)
# The book's small targets (1D, blobs2d): broad components, a short run is enough.
SMALL = ToyRecipe(width=64, depth=3, steps=2000, batch_size=256, lr_d=1e-3, lr_g=1e-3, r1_gamma=0.1,
                  lr_decay_start=0.5)
# PLAIN: the networks and optimiser of WGAN-GP's public toy code (Gulrajani et al. 2017): G and
# D with 3 hidden layers of 512 ReLU units, z 2-D Gaussian, batch 256, Adam lr 1e-4 and betas
# (0.5, 0.9), data divided by 2.828; no code, no R1, no EMA, no decay. Their code ran 100,000 G
# steps; the book's runs are far shorter (steps is set per experiment).
PLAIN = ToyRecipe(width=512, depth=3, activation="relu", latent_dim=2, steps=2000, batch_size=256,
                  lr_d=1e-4, lr_g=1e-4, betas=(0.5, 0.9), r1_gamma=0.0, ema=0.0, lr_decay_start=1.0,
                  scale=1 / 2.828, threads=2)
TOY_RECIPES: dict[str, ToyRecipe] = {name: SMALL for name in TOY_NAMES} | {"ring8": RING8, "grid25": GRID25}


class Scaled:
    """p_r seen through a fixed rescaling, ``x -> x * scale`` (a :class:`~gan_edu.train.DataSource`)."""

    def __init__(self, data: GaussianMixture, scale: float) -> None:
        if not callable(getattr(data, "sample", None)):
            raise ValueError(f"data must have sample(n, generator), got {type(data).__name__}")
        self.data, self.scale = data, number("scale", scale, minimum=0, strict_minimum=True)

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
    if not isinstance(trainer, Trainer):
        raise ValueError(f"trainer must be a gan_edu.train.Trainer, got {type(trainer).__name__}")
    n, calibration = integer("n", n, minimum=0), integer("calibration", calibration)
    random_generator("generator", generator)
    gen = generator if generator is not None else torch.Generator().manual_seed(trainer.config.seed + 1)
    G, D, prior = trainer.G, trainer.D, trainer.game.prior
    was_training = G.training, D.training
    G.eval(), D.eval()

    def draw(m: int) -> tuple[Tensor, Tensor]:
        x = G(*(v.to(trainer.device) for v in as_inputs(prior.sample(m, gen))))
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


@torch.no_grad()
def code_weights_from_discriminator(G: Generator, D: torch.nn.Module, *, per_code: int = 2000,
                                    generator: torch.Generator | None = None) -> Tensor:
    r"""The probabilities ``(K,)`` that G's K code values should have, by D and eq. (10).

    D* = p_r / (p_r + p_g) (source eq. (10)) gives :math:`p_r(x) = p_g(x)\, e^{\ell(x)}`,
    :math:`\ell` D's logit. With code values :math:`c` of probability :math:`\pi_c` and
    :math:`p_g = \sum_c \pi_c\, p_g(x \mid c)`, the mass p_r puts where value c's
    samples fall is :math:`\pi_c\, \mathbb E_{x \sim p_g(\cdot \mid c)}[e^{\ell(x)}]`;
    those are the new probabilities (normalised). A code that G sends to a mode it
    over-fills (several codes on one mode, a mode with too few) gets :math:`e^{\ell} < 1`
    there, and less weight. Exact when D = D*; ``G`` must be the generator D was trained
    against, with its current weights. Each expectation is a mean over ``per_code``
    noise draws (in log space: a log-sum-exp).
    """
    if not isinstance(G, Generator) or G.categories == 0:
        raise ValueError(f"G must be a gan_edu.models.Generator with categories > 0, got {G!r:.80}")
    per_code = integer("per_code", per_code)
    random_generator("generator", generator)
    gen = generator if generator is not None else torch.Generator().manual_seed(0)
    device = next(G.parameters()).device
    K, log_mass = G.categories, []
    was_training = G.training, D.training
    G.eval(), D.eval()
    weights = G.code_weights.clone()
    G.set_code_weights(None)
    try:
        u = (torch.arange(K, dtype=torch.float64) + 0.5) / K  # the middle of code c's interval of Phi(z_0)
        z0 = torch.special.ndtri(u).float()
        for c in range(K):
            z = torch.randn(per_code, G.latent_dim, generator=gen)
            z[:, 0] = z0[c]
            logits = D(G(z.to(device))).float().cpu()
            log_mass.append(torch.logsumexp(logits, 0) - math.log(per_code))
    finally:
        G.code_weights.copy_(weights)
        G.train(was_training[0]), D.train(was_training[1])
    log_mass = torch.stack(log_mass) + torch.log(weights.double().cpu()).float()  # pi_c E[e^l]
    return torch.softmax(log_mass.double(), 0)  # (K,)


def reweight_codes(trainer: Trainer, *, per_code: int = 2000, generator: torch.Generator | None = None) -> Tensor:
    """Give the sampling generator of a trained toy ``trainer`` the code probabilities of
    :func:`code_weights_from_discriminator` (computed with the raw G, the one D was
    trained against) and return them ``(K,)``.

    The weights go to the EMA of G when there is one (:meth:`Trainer.sample` draws from
    it; :func:`rejection_sample` and further training use the raw G, unchanged), else
    to G itself. A post-training calibration: it moves mass between the modes G already
    makes, by D's estimate of :math:`p_r / p_g`; it neither adds a mode nor changes
    one's shape.
    """
    if not isinstance(trainer, Trainer):
        raise ValueError(f"trainer must be a gan_edu.train.Trainer, got {type(trainer).__name__}")
    weights = code_weights_from_discriminator(trainer.G, trainer.D, per_code=per_code, generator=generator)
    target = trainer.G_ema if trainer.G_ema is not None else trainer.G
    target.set_code_weights(weights)
    return weights


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
        if not isinstance(rejection, bool):
            raise ValueError(f"rejection must be a bool, got {rejection!r}")
        x = rejection_sample(self.trainer, n) if rejection else self.trainer.sample(n)
        return x.float().cpu() / self.scale

    @torch.no_grad()
    def d_probability(self, x: Tensor) -> Tensor:
        """D(x) = sigmoid(logit) on data-space points ``x`` ``(n, d)``, as a CPU tensor ``(n,)``."""
        if not isinstance(x, Tensor) or x.ndim != 2 or x.shape[1] != self.data.dim:
            shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"x must be a tensor of shape (n, {self.data.dim}), got {shape}")
        D = self.trainer.D
        return torch.sigmoid(D(x.to(self.trainer.device) * self.scale)).float().cpu()


def build_toy_trainer(name: str, *, loss: str | None = None, seed: int = 0, steps: int | None = None,
                      device: str = "auto", recipe: ToyRecipe | None = None, **config) -> Trainer:
    """A :class:`Trainer` set up with the recipe of target ``name`` (not yet trained).

    ``recipe`` replaces the target's default one; ``loss`` (a name of
    :data:`gan_edu.losses.LOSSES`) replaces the recipe's loss.
    """
    data = toy(name)  # raises ValueError naming `name` for an unknown target
    if recipe is not None and not isinstance(recipe, ToyRecipe):
        raise ValueError(f"recipe must be a ToyRecipe or None, got {type(recipe).__name__}")
    seed = integer("seed", seed, minimum=0)
    if recipe is None:
        recipe = TOY_RECIPES[name]
    if steps is not None:
        recipe = dataclasses.replace(recipe, steps=steps)
    if loss is not None:
        recipe = dataclasses.replace(recipe, loss=loss)
    cfg = recipe.config(seed=seed, device=device, **config)
    # Initial weights from the seed, without disturbing the caller's global RNG.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        G = Generator(recipe.latent_dim, data.dim, recipe.width, recipe.depth, recipe.activation,
                      recipe.g_norm, recipe.init, recipe.categories, recipe.noise_scale)
        D = Discriminator(data.dim, recipe.width, recipe.depth, recipe.activation, "none", recipe.init,
                          pack=recipe.pack, minibatch_std=recipe.minibatch_std)
        scale_weights(G, recipe.init_scale)
        scale_weights(D, recipe.init_scale)
    penalty, constraint = lipschitz_objects(recipe)
    if recipe.r1_gamma > 0:
        penalty = R1Penalty(recipe.r1_gamma, recipe.r1_every)
    source = data if recipe.scale == 1.0 else Scaled(data, recipe.scale)
    game = dict(loss=recipe.loss, penalty=penalty, constraint=constraint)
    if recipe.unroll > 0:
        return Trainer(UnrolledGAN(G, D, unroll=recipe.unroll, unroll_lr=recipe.unroll_lr, **game), source, cfg)
    return Trainer(GAN(G, D, **game), source, cfg)


def train_toy(name: str, *, loss: str | None = None, seed: int = 0, steps: int | None = None,
              device: str = "auto", progress: bool = False, recipe: ToyRecipe | None = None) -> ToyResult:
    """Train ``recipe`` (default: that of :data:`TOY_RECIPES`) on ``gan_edu.distributions.toy(name)``.

    Returns a :class:`ToyResult` with ``sample(n)``, ``data`` and ``history``.
    Same arguments, same CPU: bit-identical result.
    """
    import time

    trainer = build_toy_trainer(name, loss=loss, seed=seed, steps=steps, device=device, recipe=recipe)
    recipe = TOY_RECIPES[name] if recipe is None else recipe
    threads = torch.get_num_threads()
    torch.set_num_threads(recipe.threads)
    try:
        start = time.perf_counter()
        history = trainer.fit(progress=progress)
        if recipe.reweight:
            reweight_codes(trainer)
        seconds = time.perf_counter() - start
    finally:
        torch.set_num_threads(threads)
    return ToyResult(trainer, toy(name), history, recipe.scale, seconds)
