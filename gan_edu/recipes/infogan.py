"""The InfoGAN recipe (Chen et al. 2016) on the 8 x 8 digits: interpretable codes, unsupervised.

:func:`train_infogan` trains :class:`gan_edu.games.InfoGAN` with the one trainer: G(z, c)
and D are the DCGAN networks of :data:`~gan_edu.recipes.DIGITS8` (one stride-2 layer each,
8 x 8 pixels), Q is a head of 128 units on D's body, and the codes are the paper's MNIST
ones: one 10-way categorical code and two continuous codes uniform on [-1, 1]
(:class:`gan_edu.priors.WithCodes`), beside the noise. The information term has weight
``info_weight`` = 1 for the categorical code, as in the paper, and ``continuous_weight`` =
0.1 on the continuous codes' log-likelihoods, which a unit-variance Gaussian Q makes of
another scale than the categorical one. Q is updated with G (the paper's setting); the
learning rates are the paper's, 2e-4 for D and 1e-3 for G and Q.

The result's :meth:`InfoGANResult.sample` fixes the codes: ``sample(n, category=3)`` draws n
images whose categorical code is 3, ``continuous`` a tensor ``(n, 2)`` fixes the continuous
codes. The codes come out in whatever order G learnt them: code 3 need not show a 3, which
is why the chapter matches codes to classes before it scores them.
"""

from __future__ import annotations

import numbers
import time
from dataclasses import dataclass

import torch
from torch import Tensor

from ..games import InfoGAN
from ..history import History
from ..metrics import CodeMatching, match_codes
from ..models.dcgan import DCGANConfig
from ..models.info import InfoDiscriminator, InfoGenerator, info_config, q_head
from ..priors import WithCodes
from ..train import TrainConfig, Trainer
from ..validation import integer, number
from .common import chosen_recipe

__all__ = ["InfoGANRecipe", "INFOGAN_DIGITS", "InfoGANResult", "CodeEffects", "build_infogan_trainer", "train_infogan"]


@dataclass(frozen=True)
class InfoGANRecipe:
    """Networks, codes and schedule of an InfoGAN run; the defaults are the digits recipe."""

    resolution: int = 8
    noise_dim: int = 16  # z, beside the codes
    categories: int = 10  # one categorical code of this many equiprobable values
    continuous: int = 2  # continuous codes, uniform on [-1, 1]
    ngf: int = 32
    ndf: int = 32
    steps: int = 2000
    batch_size: int = 64
    lr_d: float = 2e-4  # the paper's learning rates: D 2e-4, G (and Q) 1e-3
    lr_g: float = 1e-3
    betas: tuple[float, float] = (0.5, 0.999)
    info_weight: float = 1.0  # lambda; 0: the control (Q still learns, G gets no information gradient)
    continuous_weight: float = 0.1  # on the continuous codes' terms of L_I
    q_hidden: int = 128
    channels_last: bool = False  # 8 x 8 images: the layout does not pay

    def __post_init__(self) -> None:
        for name in ("resolution", "noise_dim", "ngf", "ndf", "steps", "batch_size", "q_hidden"):
            object.__setattr__(self, name, integer(name, getattr(self, name)))
        for name in ("categories", "continuous"):
            object.__setattr__(self, name, integer(name, getattr(self, name), minimum=0))
        for name in ("lr_d", "lr_g"):
            object.__setattr__(self, name, number(name, getattr(self, name), minimum=0, strict_minimum=True))
        for name in ("info_weight", "continuous_weight"):
            object.__setattr__(self, name, number(name, getattr(self, name), minimum=0))
        WithCodes(self.noise_dim, self.categories, self.continuous)  # ValueError naming a bad code count
        DCGANConfig(resolution=self.resolution, ngf=self.ngf, ndf=self.ndf)  # ValueError naming a bad size
        if not isinstance(self.channels_last, bool):
            raise ValueError(f"channels_last must be a bool, got {self.channels_last!r}")
        TrainConfig(betas=self.betas)

    def config(self, **overrides) -> TrainConfig:
        fields = dict(steps=self.steps, batch_size=self.batch_size, lr_d=self.lr_d, lr_g=self.lr_g, betas=self.betas,
                      log_every=25, channels_last=self.channels_last)
        return TrainConfig(**(fields | overrides))


INFOGAN_DIGITS = InfoGANRecipe()


@dataclass(frozen=True)
class CodeEffects:
    """What :meth:`InfoGANResult.code_effects` measures: ``label_change`` (one share per continuous
    code), ``label_change_noise``, and ``ink_correlation`` ``(continuous codes, 4)``."""

    label_change: tuple[float, ...]
    label_change_noise: float
    ink_correlation: Tensor


@dataclass
class InfoGANResult:
    """What :func:`train_infogan` returns: the ``trainer``, the ``history``, the wall time."""

    trainer: Trainer
    history: History
    seconds: float = float("nan")

    @property
    def prior(self) -> WithCodes:
        return self.trainer.game.prior

    @property
    def resolution(self) -> int:
        return self.trainer.G.config.resolution

    @torch.no_grad()
    def sample(self, n: int, category: int | None = None, continuous: Tensor | None = None,
               generator: torch.Generator | None = None) -> Tensor:
        """``n`` images ``(n, 1, R, R)`` in [-1, 1] on the CPU, from G (its EMA when it has one).

        ``category`` (an int in 0..K-1) fixes the categorical code of all n; ``continuous``
        ``(n, C)`` fixes the continuous codes; ``None`` draws a code from the prior.
        """
        prior = self.prior
        n = integer("n", n, minimum=0)
        z, c = prior.sample(n, generator)
        if category is not None:
            if isinstance(category, bool) or not isinstance(category, numbers.Integral) \
                    or not 0 <= category < prior.categories:
                raise ValueError(f"category must be an int in 0..{prior.categories - 1} or None, got {category!r}")
            c[:, :prior.categories] = 0.0
            c[:, int(category)] = 1.0
        if continuous is not None:
            if not isinstance(continuous, Tensor) or continuous.shape != (n, prior.continuous):
                shape = tuple(continuous.shape) if isinstance(continuous, Tensor) else type(continuous).__name__
                raise ValueError(f"continuous must be a tensor of shape ({n}, {prior.continuous}), got {shape}")
            if not torch.isfinite(continuous).all():
                raise ValueError("continuous must be finite")
            c[:, prior.categories:] = continuous.to(c.dtype)
        return self.trainer.sample(n, inputs=(z, c)).float().cpu()

    @torch.no_grad()
    def code_counts(self, per_code: int = 500, generator: torch.Generator | None = None,
                    classifier=None) -> Tensor:
        """``counts[k, j]``: of ``per_code`` samples with categorical code k, how many the digit
        classifier (default: the committed one) labels j; ``(K, 10)``, int64."""
        from ..features import load_digit_classifier

        per_code = integer("per_code", per_code)
        model = load_digit_classifier() if classifier is None else classifier
        counts = torch.zeros(self.prior.categories, 10, dtype=torch.long)
        for k in range(self.prior.categories):
            labels = model(self.sample(per_code, category=k, generator=generator)).argmax(1)
            counts[k] = torch.bincount(labels, minlength=10)
        return counts

    def code_accuracy(self, per_code: int = 500, generator: torch.Generator | None = None,
                      classifier=None) -> CodeMatching:
        """The categorical code as a digit classifier: :func:`gan_edu.metrics.match_codes` of
        :meth:`code_counts` (needs 10 code values)."""
        if self.prior.categories != 10:
            raise ValueError(f"code_accuracy needs a 10-way categorical code, the prior has "
                             f"categories={self.prior.categories}")
        return match_codes(self.code_counts(per_code, generator, classifier))

    @torch.no_grad()
    def code_effects(self, n: int = 2000, generator: torch.Generator | None = None,
                     classifier=None) -> "CodeEffects":
        """What each continuous code changes, measured on ``n`` draws of (z, c) from the prior.

        * ``label_change[j]``: the share of draws whose digit-classifier label differs between
          continuous code j at -1 and at +1 (the ends of its prior), the other inputs kept;
          ``label_change_noise``: the same when only z is drawn again;
        * ``ink_correlation[j, s]``: Spearman's rank correlation of code j, drawn from its prior
          with the other continuous codes at 0, with the ink statistic
          :data:`~gan_edu.metrics.INK_STATISTICS` ``[s]`` of the images (NaN where the
          statistic does not vary: no rank correlation is defined).
        """
        import warnings

        from scipy.stats import ConstantInputWarning, spearmanr

        from ..features import load_digit_classifier
        from ..metrics import INK_STATISTICS, ink_statistics

        n = integer("n", n, minimum=2)
        prior = self.prior
        model = load_digit_classifier() if classifier is None else classifier
        labels = lambda z, c: model(self.trainer.sample(len(z), inputs=(z, c)).float().cpu()).argmax(1)
        z, c = prior.sample(n, generator)
        z_other = torch.randn(z.shape, generator=generator)
        change = []
        for j in range(prior.continuous):
            low, high = c.clone(), c.clone()
            low[:, prior.categories + j], high[:, prior.categories + j] = -1.0, 1.0
            change.append((labels(z, low) != labels(z, high)).double().mean().item())
        noise = (labels(z, c) != labels(z_other, c)).double().mean().item()
        rho = torch.zeros(prior.continuous, len(INK_STATISTICS), dtype=torch.float64)
        for j in range(prior.continuous):
            codes = torch.zeros(n, prior.continuous)
            codes[:, j] = torch.rand(n, generator=generator) * 2 - 1
            stats = ink_statistics(self.sample(n, continuous=codes, generator=generator))
            for s, name in enumerate(INK_STATISTICS):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConstantInputWarning)
                    rho[j, s] = float(spearmanr(codes[:, j].numpy(), stats[name].numpy()).statistic)
        return CodeEffects(tuple(change), noise, rho)


def build_infogan_trainer(*, seed: int = 0, steps: int | None = None, device: str = "auto",
                          recipe: InfoGANRecipe | None = None, data=None, **config) -> Trainer:
    """A :class:`Trainer` of :class:`gan_edu.games.InfoGAN` with ``recipe`` (default
    :data:`INFOGAN_DIGITS`) on the digits (or ``data``), not yet trained."""
    from .images import load_image_dataset

    recipe = chosen_recipe(recipe, InfoGANRecipe, INFOGAN_DIGITS, steps)
    seed = integer("seed", seed, minimum=0)
    if data is None:
        data = load_image_dataset("digits", resolution=recipe.resolution)
    prior = WithCodes(recipe.noise_dim, recipe.categories, recipe.continuous)
    nets = DCGANConfig(resolution=recipe.resolution, channels=1, latent_dim=recipe.noise_dim, ngf=recipe.ngf,
                       ndf=recipe.ndf)
    with torch.random.fork_rng(devices=[]):  # initial weights from the seed, the caller's RNG untouched
        torch.manual_seed(seed)
        G = InfoGenerator(info_config(nets, prior.code_dim), prior.code_dim)
        D = InfoDiscriminator(nets)
        Q = q_head(D.feature_dim, prior.code_dim, recipe.q_hidden)
    game = InfoGAN(G, D, Q, prior=prior, info_weight=recipe.info_weight,
                   continuous_weight=recipe.continuous_weight)
    return Trainer(game, data, recipe.config(seed=seed, device=device, **config))


def train_infogan(*, seed: int = 0, steps: int | None = None, device: str = "auto", progress: bool = False,
                  recipe: InfoGANRecipe | None = None) -> InfoGANResult:
    """Train the InfoGAN digits recipe; returns an :class:`InfoGANResult` with ``sample(n, category,
    continuous)``. Same arguments, same CPU: the same result."""
    trainer = build_infogan_trainer(seed=seed, steps=steps, device=device, recipe=recipe)
    start = time.perf_counter()
    history = trainer.fit(progress=progress)
    return InfoGANResult(trainer, history, time.perf_counter() - start)
