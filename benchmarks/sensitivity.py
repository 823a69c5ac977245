"""Hyperparameter sensitivity: one recipe, one setting changed at a time, over seeds.

The Training difficulties chapter (book/sensitivity.md, notebooks/sensitivity.ipynb), at
more seeds and steps than its lab. The source says that "architecture, learning rate,
initialisation ... a small change gives a completely different result"; this measures it as
a distribution of outcomes, not a best run.

``--part digits``: the 8 x 8 digits DCGAN (``gan_edu.recipes.DIGITS8``, non-saturating loss,
Adam lr 5e-4, betas (0.5, 0.999), one D step per G step, N(0, 0.02) weights). One axis at a
time: the learning rate (both players), Adam's beta1, beta2, the D steps per G step
(n_critic) and the initialisation scale (``init_scale``: every weight times s); then the six
optimiser settings A-F of Miyato et al. (2018), Table 1 (``gan_edu.study.with_setting``) for
the NS-GAN and the WGAN-GP. Score: digit-classifier FID against half of the digits, divided
by its floor (the other half). A run **fails** when its FID exceeds three times the
recipe's median FID over ``--base-seeds`` seeds, or it diverges.

``--part toy``: the library's grid25 recipe (``gan_edu.recipes.GRID25``: discrete prior,
R1, EMA), the same axes (the learning rates scaled together). Score: modes found /25 and the
sliced W1 to fresh data over its floor; a run fails when it misses a mode or diverges.

For each axis the table gives every value's outcome per seed, and the smallest change from
the recipe's value, on each side, that makes at least one seed fail.

    .venv/bin/python benchmarks/sensitivity.py --part digits    # ~16 min on 2 cores
    .venv/bin/python benchmarks/sensitivity.py --part toy       # ~14 min
    .venv/bin/python benchmarks/sensitivity.py --part digits --axis lr --values 10 20 40 --base-seeds 3
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import time

import numpy as np
import torch

from gan_edu.distributions import toy
from gan_edu.features import digit_fid, fid_noise_floor, real_halves
from gan_edu.guards import DivergenceError
from gan_edu.metrics import mode_coverage, sliced_wasserstein_floor, sliced_wasserstein_over_floor
from gan_edu.recipes import DIGITS8, GRID25, build_dcgan_trainer, train_toy
from gan_edu.study import MIYATO_SETTINGS, with_setting


AXES = ("lr", "beta1", "beta2", "n_critic", "init_scale")


def axes(recipe, grids):
    """(axis name, the recipe's value, [(value, recipe)]) for each axis of ``grids`` (name -> values);
    the learning rate is a factor on the recipe's (both players), the others are values."""
    b1, b2 = recipe.betas
    rep = dataclasses.replace
    change = {
        "lr": (1.0, lambda v: rep(recipe, lr_d=recipe.lr_d * v, lr_g=recipe.lr_g * v)),
        "beta1": (b1, lambda v: rep(recipe, betas=(v, b2))),
        "beta2": (b2, lambda v: rep(recipe, betas=(b1, v))),
        "n_critic": (recipe.k, lambda v: rep(recipe, k=int(v))),
        "init_scale": (1.0, lambda v: rep(recipe, init_scale=v)),
    }
    shown = {"lr": "lr (x recipe's)", "init_scale": "init scale"}
    return [(shown.get(name, name), change[name][0], [(v, change[name][1](v)) for v in values])
            for name, values in grids.items()]


DIGITS_GRIDS = {"lr": (0.2, 0.4, 1.0, 1.4, 2.0, 3.0, 4.0, 6.0, 10.0), "beta1": (0.0, 0.3, 0.5, 0.7, 0.8, 0.9),
                "beta2": (0.9, 0.99, 0.999), "n_critic": (1, 2, 5), "init_scale": (0.1, 0.3, 1.0, 3.0, 10.0)}
TOY_GRIDS = {"lr": (0.25, 0.5, 1.0, 2.0, 4.0), "beta1": (0.0, 0.5, 0.9), "beta2": (0.9, 0.999),
             "n_critic": (1, 2), "init_scale": (0.3, 1.0, 3.0)}
N_TOY, TOY_SEEDS = 2500, (10_001, 10_002)  # grid25 samples per run; seeds of the reference and floor sets


def grids(default: dict, args) -> dict:
    """``default``, or only ``--axis`` at ``--values`` (then without the Miyato settings)."""
    if args.axis is None:
        return default
    return {args.axis: tuple(args.values or default[args.axis])}


def digits_score(recipe, seed: int, real: torch.Tensor) -> tuple[float, float]:
    """(FID, seconds) of one digits run; FID nan when it diverged."""
    trainer = build_dcgan_trainer("digits", recipe=recipe, seed=seed, device="cpu", log_every=100)
    start = time.perf_counter()
    try:
        trainer.fit()
    except DivergenceError:
        return math.nan, time.perf_counter() - start
    seconds = time.perf_counter() - start
    fake = trainer.sample(len(real)).float().cpu()
    return (digit_fid(real, fake) if torch.isfinite(fake).all() else math.nan), seconds


def toy_score(recipe, seed: int) -> tuple[float, float, float]:
    """(modes, sliced W1 / floor, seconds) of one grid25 run; nan when it diverged."""
    p = toy("grid25")
    start = time.perf_counter()
    try:
        result = train_toy("grid25", recipe=recipe, seed=seed, device="cpu")
    except DivergenceError:
        return math.nan, math.nan, time.perf_counter() - start
    x = result.sample(N_TOY)
    if not torch.isfinite(x).all():
        return math.nan, math.nan, result.seconds
    return mode_coverage(x, p).modes, sliced_wasserstein_over_floor(x, p, seeds=TOY_SEEDS), result.seconds


def memoised(run):
    """``run(recipe, seed)`` computed once per (recipe, seed): the recipe itself is on every axis."""
    cache = {}

    def cached(recipe, seed):
        if (recipe, seed) not in cache:
            cache[recipe, seed] = run(recipe, seed)
        return cache[recipe, seed]

    return cached


def flips(base_value, rows, failed):
    """The values nearest to ``base_value`` below and above it at which some seed fails."""
    below = [v for v, runs in rows if v < base_value and any(failed(r) for r in runs)]
    above = [v for v, runs in rows if v > base_value and any(failed(r) for r in runs)]
    fmt = lambda v: "none" if v is None else f"{v:g}"
    return fmt(max(below) if below else None), fmt(min(above) if above else None)


def part_digits(args) -> None:
    real, _ = real_halves()
    floor = fid_noise_floor()
    recipe = dataclasses.replace(DIGITS8, steps=args.steps)
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs; 8 x 8 digits, {args.steps} G steps; FID floor {floor:.1f}")
    score = memoised(lambda r, seed: digits_score(r, seed, real))
    base = [score(recipe, s) for s in range(args.base_seeds)]
    fids = np.array([f for f, _ in base])
    limit = 3 * np.nanmedian(fids)
    print(f"the recipe over seeds 0-{args.base_seeds - 1}: FID / floor " + " ".join(f"{f / floor:.1f}" for f in fids)
          + f"; median {np.nanmedian(fids) / floor:.1f}, min {np.nanmin(fids) / floor:.1f}, max "
          f"{np.nanmax(fids) / floor:.1f}; {np.mean([s for _, s in base]):.1f} s/run")
    print(f"failed: FID > 3 x the recipe's median = {limit / floor:.1f} x floor, or diverged\n")
    failed = lambda f: not (f <= limit)  # nan (diverged) fails too
    seeds = range(args.seeds)
    print(f"{'axis':<16} {'value':>7}   " + " ".join(f"{'seed ' + str(s):>7}" for s in seeds) + f" {'failed':>7} {'s/run':>6}")
    for name, base_value, grid in axes(recipe, grids(DIGITS_GRIDS, args)):
        rows = []
        for value, r in grid:
            runs = [score(r, s) for s in seeds]
            fid = [f for f, _ in runs]
            rows.append((value, fid))
            print(f"{name:<16} {value:>7g}   " + " ".join(f"{f / floor:7.1f}" for f in fid)
                  + f" {sum(map(failed, fid)):>4d}/{len(fid)} {np.mean([s for _, s in runs]):6.1f}", flush=True)
        lo, hi = flips(base_value, rows, failed)
        print(f"{name:<16} recipe {base_value:g}: nearest failing value below {lo}, above {hi}\n")
    if args.axis is not None:
        return
    print("Miyato et al. (2018) settings (lr, betas, n_dis), FID / floor per seed")
    for loss in ("ns", "wgan-gp"):
        for key, s in MIYATO_SETTINGS.items():
            runs = [score(with_setting(recipe, key, loss), seed) for seed in seeds]
            fid = [f for f, _ in runs]
            print(f"{loss:<8} {key} lr {s['lr']:.0e} betas {str(s['betas']):<12} n_dis {s['n_dis']}   "
                  + " ".join(f"{f / floor:7.1f}" for f in fid)
                  + f"  median {np.nanmedian(fid) / floor:6.1f} {sum(map(failed, fid)):>2d}/{len(fid)} failed"
                  f" {np.mean([t for _, t in runs]):6.1f} s/run", flush=True)


def part_toy(args) -> None:
    p = toy("grid25")
    floor = sliced_wasserstein_floor(p, N_TOY, seeds=TOY_SEEDS)
    # As measured on 2026-12-02, before the recipe reweighted its codes after training (a step that
    # changes no training run): the sweeps compare trainings, and their results file was made so.
    base = dataclasses.replace(GRID25, reweight=False)
    recipe = base if args.steps is None else dataclasses.replace(base, steps=args.steps)
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs; grid25, the library's recipe, {recipe.steps} steps; "
          f"sliced W1 floor {floor:.4f}; failed: fewer than 25 modes or diverged\n")
    failed = lambda r: not (r[0] == 25)
    seeds = range(args.seeds)
    print(f"{'axis':<16} {'value':>7}   " + " ".join(f"{'seed ' + str(s):>12}" for s in seeds) + f" {'failed':>7} {'s/run':>6}")
    print(f"{'':<16} {'':>7}   " + " ".join(f"{'modes W1/fl':>12}" for _ in seeds))
    score = memoised(toy_score)
    for name, base_value, grid in axes(recipe, grids(TOY_GRIDS, args)):
        rows = []
        for value, r in grid:
            runs = [score(r, s) for s in seeds]
            rows.append((value, runs))
            print(f"{name:<16} {value:>7g}   " + " ".join(f"{m:5.0f} {w:6.2f}" for m, w, _ in runs)
                  + f" {sum(map(failed, runs)):>4d}/{len(runs)} {np.mean([t for *_, t in runs]):6.1f}", flush=True)
        lo, hi = flips(base_value, rows, failed)
        print(f"{name:<16} recipe {base_value:g}: nearest failing value below {lo}, above {hi}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("digits", "toy"), required=True)
    parser.add_argument("--steps", type=int, default=None, help="G steps (digits: 1000; toy: the recipe's)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..n-1 per setting")
    parser.add_argument("--base-seeds", type=int, default=10, help="digits: seeds of the recipe itself")
    parser.add_argument("--axis", choices=AXES, default=None, help="sweep only this axis")
    parser.add_argument("--values", type=float, nargs="+", default=None, help="the --axis values")
    args = parser.parse_args()
    torch.set_num_threads(2)
    if args.part == "digits":
        args.steps = args.steps or 1000
        part_digits(args)
    else:
        part_toy(args)


if __name__ == "__main__":
    main()
