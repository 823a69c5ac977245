r"""Comparing GANs as Lucic et al. (2018) do: distributions of outcomes under a budget.

*Are GANs Created Equal?* compares losses by what a practitioner with a fixed budget gets:
for each loss, many runs, each with hyperparameters drawn at random from one search space
and a random seed. One number per loss (its best run) depends on how many runs were
made, so the study reports the **expected best score of k runs** as a function of k.

* :class:`SearchSpace` draws the hyperparameters (learning rate log-uniform, Adam's
  beta1 uniform, the number of D steps per G step, a penalty weight log-uniform) from one
  seeded generator, so every loss gets the same samples.
* :func:`expected_best` is the exact expectation of the best of k runs drawn with
  replacement from the runs made: for the ascending sorted scores
  :math:`s_{(1)} \le \dots \le s_{(n)}` (lower is better),

  .. math:: \mathbb E\bigl[\min_{j \le k} S_j\bigr]
            = \sum_{i=1}^{n} s_{(i)} \Bigl[\Bigl(\tfrac{n-i+1}{n}\Bigr)^k - \Bigl(\tfrac{n-i}{n}\Bigr)^k\Bigr],

  the probability that the minimum is the i-th smallest score being the difference of the
  probabilities that all k draws are at least the i-th and at least the (i+1)-th.
* :func:`expected_best_band` adds a bootstrap confidence band: the pool of runs is itself a
  sample, so it is resampled and the expectation recomputed.
* :func:`recipe_for` turns one drawn setting into a recipe for each loss of :data:`LOSSES`,
  and :func:`toy_study` runs the whole grid (losses x settings x seeds) on a 2D target,
  scoring each run by the sliced W1 to the data divided by its floor.
* :data:`MIYATO_SETTINGS` are the six optimiser settings A-F of Miyato et al. (2018),
  Table 1, and :func:`with_setting` puts one of them into a recipe, as a non-saturating
  GAN or a WGAN-GP: the grid of the Training difficulties chapter's sensitivity sweep.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np
import torch

from .metrics.arrays import ArrayLike, as_float64
from .validation import integer, number, random_generator

__all__ = ["SearchSpace", "expected_best", "expected_best_band", "LOSSES", "recipe_for", "StudyRun", "toy_study",
           "MIYATO_SETTINGS", "with_setting"]

# The losses of the study: a name of gan_edu.losses.LOSSES, or a WGAN with its Lipschitz mechanism.
LOSSES = ("ns", "minimax", "lsgan", "hinge", "wgan-gp", "wgan")


def _range(name: str, value, low: float, log: bool) -> tuple[float, float]:
    if not (isinstance(value, tuple) and len(value) == 2):
        raise ValueError(f"{name} must be a (low, high) tuple, got {value!r}")
    a = number(f"{name}[0]", value[0], minimum=low, strict_minimum=log)
    b = number(f"{name}[1]", value[1], minimum=a)
    return a, b


@dataclass(frozen=True)
class SearchSpace:
    """Where the random search draws from: ``lr`` and ``penalty`` log-uniform on their
    ranges, ``beta1`` uniform on its range, ``n_critic`` uniform over its values.
    Defaults: a reduced version of Lucic et al.'s wide range for seconds-long runs."""

    lr: tuple[float, float] = (1e-4, 1e-2)
    beta1: tuple[float, float] = (0.0, 0.9)
    n_critic: tuple[int, ...] = (1, 5)
    penalty: tuple[float, float] = (0.1, 100.0)

    def __post_init__(self) -> None:
        _range("lr", self.lr, 0.0, log=True)
        a, b = _range("beta1", self.beta1, 0.0, log=False)
        if b >= 1:
            raise ValueError(f"beta1 must lie in [0, 1), got {self.beta1!r}")
        _range("penalty", self.penalty, 0.0, log=True)
        if not (isinstance(self.n_critic, tuple) and self.n_critic):
            raise ValueError(f"n_critic must be a non-empty tuple of integers, got {self.n_critic!r}")
        for value in self.n_critic:
            integer("n_critic", value)

    def sample(self, n: int, generator: torch.Generator | None = None) -> list[dict]:
        """``n`` hyperparameter settings, dicts with keys lr, beta1, n_critic, penalty."""
        n = integer("n", n)
        random_generator("generator", generator)
        u = torch.rand(n, 4, generator=generator, dtype=torch.float64).numpy()

        def log_uniform(lo: float, hi: float, t: float) -> float:
            return math.exp(math.log(lo) + t * (math.log(hi) - math.log(lo)))

        return [dict(lr=log_uniform(*self.lr, a), beta1=float(self.beta1[0] + b * (self.beta1[1] - self.beta1[0])),
                     n_critic=self.n_critic[min(int(c * len(self.n_critic)), len(self.n_critic) - 1)],
                     penalty=log_uniform(*self.penalty, d)) for a, b, c, d in u.tolist()]


def _scores(scores: ArrayLike) -> np.ndarray:
    s = as_float64(scores, "scores")
    if s.ndim != 1 or len(s) == 0:
        raise ValueError(f"scores must be a non-empty 1D array, got shape {s.shape}")
    return s


def expected_best(scores: ArrayLike, k: int, lower_is_better: bool = True) -> float:
    """E[best of k runs drawn with replacement from ``scores``], exactly (module docstring)."""
    s = _scores(scores)
    k = integer("k", k)
    if not isinstance(lower_is_better, bool):
        raise ValueError(f"lower_is_better must be a bool, got {lower_is_better!r}")
    s = np.sort(s) if lower_is_better else -np.sort(s)[::-1]  # ascending: the best first
    n = len(s)
    above = (np.arange(n, 0, -1) / n) ** k  # P(all k draws >= the i-th smallest), i = 1..n
    p_min = above - np.append(above[1:], 0.0)
    best = float(p_min @ s)
    return best if lower_is_better else -best


def expected_best_band(scores: ArrayLike, ks, n_boot: int = 2000, level: float = 0.95,
                       lower_is_better: bool = True,
                       generator: torch.Generator | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(expected best, lower, upper) for each k of ``ks``: :func:`expected_best` on ``scores``
    and the central ``level`` interval of it over ``n_boot`` bootstrap resamples of the pool."""
    s = _scores(scores)
    ks = [integer("k", k) for k in np.atleast_1d(ks).tolist()]
    n_boot = integer("n_boot", n_boot)
    level = number("level", level, minimum=0, maximum=1, strict_minimum=True, strict_maximum=True)
    random_generator("generator", generator)
    idx = torch.randint(len(s), (n_boot, len(s)), generator=generator).numpy()
    mean = np.array([expected_best(s, k, lower_is_better) for k in ks])
    boot = np.array([[expected_best(s[row], k, lower_is_better) for k in ks] for row in idx])  # (n_boot, K)
    lo, hi = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return mean, lo, hi


def recipe_for(base, loss: str, setting: dict):
    """``base`` (a :class:`~gan_edu.recipes.ToyRecipe`) trained with ``loss`` of :data:`LOSSES`
    and the drawn ``setting``: lr for both players, Adam's betas (beta1, 0.9), n_critic D steps
    per G step; the penalty weight for ``"wgan-gp"``; ``"wgan"`` clips at 0.01 with RMSProp
    (its own optimiser; beta1 does not apply)."""
    from .validation import choice

    loss = choice("loss", loss, LOSSES)
    missing = {"lr", "beta1", "n_critic", "penalty"} - set(setting)
    if missing:
        raise ValueError(f"setting lacks {sorted(missing)}, got {setting!r}")
    fields = dict(lr_d=setting["lr"], lr_g=setting["lr"], betas=(setting["beta1"], 0.9), k=setting["n_critic"],
                  r1_gamma=0.0, gp_weight=0.0, clip=0.0, optimizer="adam", loss=loss)
    if loss == "wgan-gp":
        fields.update(loss="wgan", gp_weight=setting["penalty"])
    elif loss == "wgan":
        fields.update(clip=0.01, optimizer="rmsprop", betas=(0.0, 0.99))
    return dataclasses.replace(base, **fields)


@dataclass(frozen=True)
class StudyRun:
    """One run of :func:`toy_study`: which loss, setting and seed, and what it scored."""

    loss: str
    setting: int  # index into the drawn settings
    seed: int
    score: float  # sliced W1 to the data / its floor (1 = as close as two data samples)
    modes: int
    failed: bool  # diverged or collapsed: scored as an untrained generator
    seconds: float


def toy_study(target: str, base, settings: list[dict], losses=LOSSES, seeds=(0,), n_eval: int = 2500,
              device: str = "cpu", log=None) -> tuple[list[StudyRun], float]:
    """Train ``base`` on ``target`` for every loss x setting x seed; returns (runs, floor).

    A run that stops with :class:`~gan_edu.guards.DivergenceError` (a NaN, or a collapse)
    scores what an untrained generator scores: a failed run is worth no more than no run.
    ``log(run)`` is called after each run (e.g. ``print``).
    """
    from .distributions import toy
    from .guards import DivergenceError
    from .metrics import mode_coverage, sliced_wasserstein_floor, sliced_wasserstein_over_floor
    from .recipes import build_toy_trainer

    p = toy(target)
    reference_seeds = (10_001, 10_002)  # of the reference set and of the floor's second set
    floor = sliced_wasserstein_floor(p, n_eval, seeds=reference_seeds)
    scale = base.scale

    def score(trainer) -> tuple[float, int]:
        x = trainer.sample(n_eval).float().cpu() / scale
        if not torch.isfinite(x).all():
            return math.nan, 0
        return sliced_wasserstein_over_floor(x, p, seeds=reference_seeds), mode_coverage(x, p).modes

    untrained = score(build_toy_trainer(target, recipe=base, device=device))
    runs = []
    for loss in losses:
        for i, setting in enumerate(settings):
            for seed in seeds:
                trainer = build_toy_trainer(target, recipe=recipe_for(base, loss, setting), seed=seed, device=device)
                start = time.perf_counter()
                try:
                    trainer.fit()
                    (value, modes), failed = score(trainer), False
                except DivergenceError:
                    (value, modes), failed = untrained, True
                if not math.isfinite(value):
                    (value, modes), failed = untrained, True
                runs.append(StudyRun(loss, i, seed, value, modes, failed, time.perf_counter() - start))
                if log is not None:
                    log(runs[-1])
    return runs, floor


# Miyato et al. (2018), Table 1: learning rate alpha, Adam's (beta1, beta2), and n_dis, the
# number of D updates per G update. A-C are "conservative" settings; D-F are aggressive
# ones (a ten times larger learning rate), under which their weight-clipped and gradient
# penalised baselines broke down and spectral normalisation did not.
MIYATO_SETTINGS: dict[str, dict] = {
    "A": dict(lr=1e-4, betas=(0.5, 0.9), n_dis=5),
    "B": dict(lr=1e-4, betas=(0.5, 0.999), n_dis=1),
    "C": dict(lr=2e-4, betas=(0.5, 0.999), n_dis=1),
    "D": dict(lr=1e-3, betas=(0.5, 0.9), n_dis=5),
    "E": dict(lr=1e-3, betas=(0.5, 0.999), n_dis=5),
    "F": dict(lr=1e-3, betas=(0.9, 0.999), n_dis=5),
}


def with_setting(recipe, setting: str, loss: str = "ns"):
    """``recipe`` (a ToyRecipe or a DCGANRecipe) trained as ``loss`` (``"ns"``, the recipe's
    own game, or ``"wgan-gp"``, :func:`~gan_edu.recipes.as_variant`) with the optimiser
    setting ``setting`` of :data:`MIYATO_SETTINGS`: its learning rate for both players, its
    betas and its n_dis D steps per G step; the rest of the recipe unchanged."""
    from .recipes import as_variant
    from .validation import choice

    s = MIYATO_SETTINGS[choice("setting", setting, tuple(MIYATO_SETTINGS))]
    loss = choice("loss", loss, ("ns", "wgan-gp"))
    return as_variant(recipe, loss, lr_d=s["lr"], lr_g=s["lr"], betas=s["betas"], k=s["n_dis"])
