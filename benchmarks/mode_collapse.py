"""Mode collapse and its mitigations on ring8 and grid25: one table beside the published rows.

The Training difficulties chapter (book/difficulties.md, notebooks/mode_collapse.ipynb), at
more seeds and steps than its lab. Every method starts from the same plain networks (those of
WGAN-GP's toy code, ``gan_edu.recipes.PLAIN``: ReLU MLPs, z 2-D Gaussian, batch 256, Adam
lr 1e-4, betas (0.5, 0.9); no discrete prior, no R1, no EMA; ``--width`` units per layer)
and switches on one mitigation (``gan_edu.recipes.with_mitigation``): WGAN-GP (the source's
fix), minibatch standard deviation, an unrolled D (5 look-ahead steps, second-order
gradients), PacGAN with packs of 2 and 4. The last row is the library's own toy recipe
(``TOY_RECIPES``: discrete prior, R1, EMA, its own networks and steps). Per run, on 2,500
samples: modes captured, high-quality fraction, reverse KL over modes (VEEGAN/PacGAN
metrics) and the sliced Wasserstein-1 distance to fresh data divided by its floor (real vs
real, the same sizes).

    .venv/bin/python benchmarks/mode_collapse.py                       # width 128, 2,000 steps, seeds 0-4
    .venv/bin/python benchmarks/mode_collapse.py --methods none pacgan-2 --seeds 0 1
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from gan_edu.distributions import toy
from gan_edu.metrics import mode_coverage, sliced_wasserstein_floor, sliced_wasserstein_over_floor
from gan_edu.recipes import MITIGATIONS, PLAIN, TOY_RECIPES, train_toy, with_mitigation

N_EVAL = 2500
PUBLISHED = [  # shared/ANCHORS.md: (ring modes, ring HQ %, grid modes, grid HQ %, grid reverse KL)
    ("GAN (VEEGAN Table 1)", 1.0, 99.3, 3.3, 0.5, None),
    ("GAN (PacGAN Table 1)", 6.3, 98.2, 17.3, 94.8, 0.70),
    ("Unrolled GAN (VEEGAN)", 7.6, 35.6, 23.6, 16, None),
    ("PacGAN2 (PacGAN)", 7.9, 95.6, 23.8, 91.3, 0.13),
    ("PacGAN4 (PacGAN)", 7.8, 95.9, 24.8, 93.6, 0.04),
    ("WGAN-GP (GDPP)", 6.8, 59.6, 24.2, 28.7, None),
]


def run(method: str, target: str, seed: int, width: int, steps: int) -> tuple:
    """(modes, HQ, reverse KL, sliced W1 over its floor, seconds) of one run."""
    if method == "toy recipe":
        recipe = TOY_RECIPES[target]
    else:
        recipe = with_mitigation(PLAIN, method, width=width, steps=steps)
    result = train_toy(target, recipe=recipe, seed=seed, device="cpu")
    x = result.sample(N_EVAL)
    modes, hq, kl = mode_coverage(x, result.data)[:3]
    return modes, hq, kl, sliced_wasserstein_over_floor(x, result.data), result.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--methods", nargs="+", default=[*MITIGATIONS, "toy recipe"],
                        choices=[*MITIGATIONS, "toy recipe"])
    parser.add_argument("--targets", nargs="+", default=["ring8", "grid25"], choices=["ring8", "grid25"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--width", type=int, default=128, help="hidden units of the plain nets (toy code: 512)")
    parser.add_argument("--steps", type=int, default=2000, help="G steps of the plain nets")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs; plain nets {args.width} units x 3, "
          f"{args.steps} G steps; seeds {args.seeds}")
    summary: dict[tuple[str, str], list] = {}
    for target in args.targets:
        n_modes = len(toy(target).weights)
        print(f"\n{target}: sliced W1 floor {sliced_wasserstein_floor(toy(target), N_EVAL):.4f}")
        print(f"{'method':<14} {'seed':>4} {'modes':>6} {'HQ %':>6} {'rev KL':>7} {'W1/floor':>9} {'s':>6}")
        for method in args.methods:
            rows = []
            for seed in args.seeds:
                m, hq, kl, w1, sec = run(method, target, seed, args.width, args.steps)
                rows.append((m, hq, kl, w1, sec))
                print(f"{method:<14} {seed:>4} {m:>3}/{n_modes:<2} {100 * hq:>6.1f} {kl:>7.3f} {w1:>9.1f} "
                      f"{sec:>6.1f}", flush=True)
            summary[target, method] = rows
    print("\nSummary: median over seeds [min-max]; published rows from shared/ANCHORS.md (their nets and budgets)")
    print(f"{'method':<24} {'ring modes':>12} {'ring HQ %':>12} {'grid modes':>12} {'grid HQ %':>12} "
          f"{'grid KL':>8} {'ring W1/fl':>11} {'grid W1/fl':>11}")
    for name, rm, rh, gm, gh, gk in PUBLISHED:
        print(f"{name:<24} {rm:>12.1f} {rh:>12.1f} {gm:>12.1f} {gh:>12.1f} {'' if gk is None else gk:>8} "
              f"{'':>11} {'':>11}")

    def cell(target, method, i, scale=1.0, fmt=".0f"):
        rows = summary.get((target, method))
        if not rows:
            return "-"
        v = np.array([r[i] for r in rows]) * scale
        return f"{np.median(v):{fmt}} [{v.min():{fmt}}-{v.max():{fmt}}]"

    for method in args.methods:
        print(f"{method + ' (here)':<24} {cell('ring8', method, 0):>12} {cell('ring8', method, 1, 100):>12} "
              f"{cell('grid25', method, 0):>12} {cell('grid25', method, 1, 100):>12} "
              f"{cell('grid25', method, 2, 1, '.2f'):>8} {cell('ring8', method, 3, 1, '.1f'):>11} "
              f"{cell('grid25', method, 3, 1, '.1f'):>11}")


if __name__ == "__main__":
    torch.set_num_threads(2)
    main()
