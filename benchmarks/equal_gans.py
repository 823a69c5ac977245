"""A mini "Are GANs Created Equal?" (Lucic et al. 2018): losses x random hyperparameters x seeds.

Every loss of ``gan_edu.study.LOSSES`` is trained on the 25-Gaussian grid with the same
hyperparameter settings, drawn at random from ``gan_edu.study.SearchSpace`` by one seeded
generator (learning rate log-uniform on [1e-4, 1e-2], Adam's beta1 uniform on [0, 0.9],
n_critic 1 or 5, the penalty weight of WGAN-GP log-uniform on [0.1, 100]), each with several
seeds. Networks: ``gan_edu.recipes.PLAIN`` (WGAN-GP's toy code's plain ReLU MLPs) at width
``--width``, ``--steps`` generator steps. Score: the sliced W1 between 2,500 generated and
2,500 real samples divided by its floor (two real samples of that size); lower is better,
1 is as good as the data. Printed: each loss's distribution of scores, the expected best of
k runs with its bootstrap 95 % band (``gan_edu.study.expected_best_band``), the ranking of the
losses at each k, and the seed-to-seed spread of one fixed setting.

    .venv/bin/python benchmarks/equal_gans.py --samples 16 --seeds 0 1 --steps 500 --width 64
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
import torch

from gan_edu.recipes import PLAIN
from gan_edu.study import LOSSES, SearchSpace, expected_best_band, toy_study

KS = (1, 2, 5, 10, 20, 50)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=16, help="hyperparameter settings drawn")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--losses", nargs="+", default=list(LOSSES), choices=LOSSES)
    parser.add_argument("--spread-seeds", type=int, default=8, help="seeds of the one fixed setting")
    args = parser.parse_args()
    torch.set_num_threads(2)
    base = dataclasses.replace(PLAIN, width=args.width, steps=args.steps, threads=2)
    settings = SearchSpace().sample(args.samples, torch.Generator().manual_seed(1))  # the lab's first draws
    start = time.perf_counter()
    runs, floor = toy_study("grid25", base, settings, losses=args.losses, seeds=args.seeds)
    print(f"grid25, 3 x {args.width} ReLU, {args.steps} G steps, {args.samples} settings x seeds {args.seeds}; "
          f"score = sliced W1 / floor (floor {floor:.3f}); {time.perf_counter() - start:.0f} s")
    print(f"{'loss':8s} {'runs':>4s} {'failed':>6s} {'best':>6s} {'q25':>6s} {'median':>6s} {'q75':>6s} {'IQR':>6s} "
          f"{'modes med':>9s}   " + " ".join(f"{'E best k=' + str(k):>19s}" for k in KS))
    best_of = {}
    for loss in args.losses:
        mine = [r for r in runs if r.loss == loss]
        s = np.array([r.score for r in mine])
        q25, med, q75 = np.quantile(s, [0.25, 0.5, 0.75])
        mean, lo, hi = expected_best_band(s, KS, generator=torch.Generator().manual_seed(0))
        best_of[loss] = mean
        print(f"{loss:8s} {len(s):4d} {sum(r.failed for r in mine):6d} {s.min():6.2f} {q25:6.2f} {med:6.2f} {q75:6.2f} "
              f"{q75 - q25:6.2f} {np.median([r.modes for r in mine]):9.0f}   "
              + " ".join(f"{m:6.2f} [{a:5.2f},{b:5.2f}]" for m, a, b in zip(mean, lo, hi)))
    print("\nranking by expected best of k runs (best first)")
    for j, k in enumerate(KS):
        order = sorted(args.losses, key=lambda loss: best_of[loss][j])
        print(f"k = {k:3d}: " + " < ".join(order))
    bests = [min(r.score for r in runs if r.loss == loss) for loss in args.losses]
    iqrs = [np.subtract(*np.quantile([r.score for r in runs if r.loss == loss], [0.75, 0.25]))
            for loss in args.losses]
    print(f"\ngap between the losses' best scores: {max(bests) - min(bests):.2f}; "
          f"inter-quartile range within a loss: {min(iqrs):.2f} to {max(iqrs):.2f}")
    fixed = dict(lr=1e-3, beta1=0.5, n_critic=1, penalty=10.0)
    spread, _ = toy_study("grid25", base, [fixed], losses=["ns"], seeds=range(args.spread_seeds))
    s = np.array([r.score for r in spread])
    print(f"one fixed setting (ns, lr 1e-3, beta1 0.5, n_critic 1) over {args.spread_seeds} seeds: scores "
          + " ".join(f"{v:.2f}" for v in s) + f"; min {s.min():.2f}, max {s.max():.2f}, "
          f"modes {min(r.modes for r in spread)}-{max(r.modes for r in spread)}")


if __name__ == "__main__":
    main()
