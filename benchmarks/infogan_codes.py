"""InfoGAN's categorical code on the 8 x 8 digits: information and agreement with the digit classes.

Trains ``gan_edu.recipes.train_infogan`` for several seeds with lambda = 1 (the recipe) and
with lambda = 0 (the control: Q is trained alongside on D's features, but no information
gradient reaches G), and prints per run

* ``L_I`` -- the categorical part of the variational lower bound E[log Q(c|x)] + H(c), in
  nats, averaged over the last 200 iterations (the trainer logs it every 25); its ceiling is
  H(c) = ln 10 = 2.303 (target: >= 2.0 with lambda = 1, far lower for the control);
* ``accuracy`` -- the categorical code as a digit classifier: 500 samples per code value are
  labelled by the committed digit classifier and code values are matched to classes one to
  one by the Hungarian algorithm (``gan_edu.metrics.match_codes``); the paper reports 95 % on
  MNIST (5 % error), the target here is >= 90 % median over >= 3 seeds;
* the wall time of the run on this machine;

and, for the lambda = 1 runs, what the continuous codes do (``InfoGANResult.code_effects``, 2,000
draws): the share of draws whose classifier label changes when continuous code j goes from -1
to +1 (beside the share when only the noise z is drawn again), and each code's strongest
Spearman correlation with a statistic of the ink (``gan_edu.metrics.ink_statistics``).

    python benchmarks/infogan_codes.py                          # seeds 0-2, lambda 1 and 0
    python benchmarks/infogan_codes.py --seeds 0 1 2 3 4 --set noise_dim=4 steps=5000
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

import numpy as np
import torch

from gan_edu.metrics import INK_STATISTICS
from gan_edu.recipes import INFOGAN_DIGITS, train_infogan

from _overrides import parse_overrides  # benchmarks/_overrides.py, beside this script

LAST = 8  # logged rows averaged for L_I: 8 x 25 = the last 200 iterations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--weights", type=float, nargs="+", default=[1.0, 0.0], help="values of lambda")
    parser.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE", help="recipe overrides")
    args = parser.parse_args()
    base = dataclasses.replace(INFOGAN_DIGITS, **parse_overrides(args.set, INFOGAN_DIGITS))
    print(f"recipe: {base}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'lambda':>6} {'seed':>4} {'L_I (nats)':>10} {'accuracy':>9} {'codes -> classes':>30} {'s':>6}")
    effects = []
    for weight in args.weights:
        recipe = dataclasses.replace(base, info_weight=weight)
        infos, accuracies = [], []
        for seed in args.seeds:
            start = time.perf_counter()
            result = train_infogan(seed=seed, recipe=recipe)
            seconds = time.perf_counter() - start
            info = float(np.mean(result.history.mi_categorical[-LAST:]))
            matching = result.code_accuracy(500, generator=torch.Generator().manual_seed(1000 + seed))
            infos.append(info)
            accuracies.append(matching.accuracy)
            if weight > 0 and recipe.continuous:
                effects.append((seed, result.code_effects(2000, generator=torch.Generator().manual_seed(2000 + seed))))
            print(f"{weight:>6g} {seed:>4} {info:>10.3f} {100 * matching.accuracy:>8.1f}% "
                  f"{' '.join(map(str, matching.classes)):>30} {seconds:>6.1f}", flush=True)
        print(f"{weight:>6g} {'med':>4} {statistics.median(infos):>10.3f} "
              f"{100 * statistics.median(accuracies):>8.1f}%   (range {100 * min(accuracies):.1f}-"
              f"{100 * max(accuracies):.1f}%)")
    print("ceiling: H(c) = ln 10 = 2.303 nats; paper (MNIST, 28 x 28): 95 % accuracy; target: L_I >= 2.0, "
          "accuracy >= 90 % median")
    if effects:
        print("\ncontinuous codes (lambda > 0 runs): label changes from c_j = -1 to +1, and when z is drawn again; "
              "each code's strongest |Spearman| with the ink")
        print(f"{'seed':>4} " + " ".join(f"{f'c_{j + 1} change':>11}" for j in range(base.continuous))
              + f" {'z change':>9} " + " ".join(f"{f'c_{j + 1} strongest':>22}" for j in range(base.continuous)))
        for seed, e in effects:
            strongest = []
            for row in e.ink_correlation.tolist():
                s = max(range(len(INK_STATISTICS)), key=lambda i: abs(row[i]) if row[i] == row[i] else -1)
                strongest.append(f"{INK_STATISTICS[s]} {row[s]:+.2f}")
            print(f"{seed:>4} " + " ".join(f"{100 * v:>10.1f}%" for v in e.label_change)
                  + f" {100 * e.label_change_noise:>8.1f}% " + " ".join(f"{t:>22}" for t in strongest))


if __name__ == "__main__":
    main()
