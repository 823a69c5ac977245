"""The DCGAN rules as an ablation: break one architecture rule at a time, same budget, over seeds.

The Training difficulties part (book/dcgan-rules.md, notebooks/dcgan_rules.ipynb), at more
seeds and steps than its lab. The base is ``gan_edu.recipes.RULES16``, the 16 x 16 digits
DCGAN (two stride-2 layers per net, so both G and D have a batch norm; 16 channels), Adam
5e-4, betas (0.5, 0.999); each row changes the fields of one rule (``RULE_BREAKS``,
``break_rule``). Per run: digit-classifier FID against half the data (beside its floor, the
other half), improved precision and recall (k = 3), seconds of training. Samples outside
[-1, 1] (a linear output's) are clipped to it before scoring.

    .venv/bin/python benchmarks/dcgan_rules.py                    # every rule, seeds 0 1 2
    .venv/bin/python benchmarks/dcgan_rules.py --rules "all rules kept" "no batch norm in D" --seeds 0
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from gan_edu.features import digit_fid, digit_precision_recall, fid_noise_floor, real_halves
from gan_edu.recipes import RULE_BREAKS, RULES16, build_dcgan_trainer, break_rule


def run(rule: str, seed: int, steps: int, real: torch.Tensor) -> tuple[float, float, float, float]:
    """(FID, precision, recall, seconds) of one run."""
    recipe = break_rule(RULES16, rule, steps=steps)
    trainer = build_dcgan_trainer("digits", recipe=recipe, seed=seed, device="cpu", log_every=100)
    start = time.perf_counter()
    trainer.fit()
    seconds = time.perf_counter() - start
    fake = trainer.sample(len(real)).float().cpu().clamp(-1, 1)  # a linear output can leave [-1, 1]: clipped, as for display
    pr = digit_precision_recall(real, fake)
    return digit_fid(real, fake), pr.precision, pr.recall, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rules", nargs="+", default=list(RULE_BREAKS), choices=list(RULE_BREAKS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=RULES16.steps)
    args = parser.parse_args()
    torch.set_num_threads(2)
    real, _ = real_halves()
    floor = fid_noise_floor()
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs; {RULES16}; {args.steps} G steps; FID floor {floor:.1f}")
    print(f"{'rule broken':<30} {'seed':>4} {'FID':>7} {'xfloor':>7} {'prec':>6} {'recall':>6} {'s':>6}")
    summary = {}
    for rule in args.rules:
        rows = []
        for seed in args.seeds:
            fid, p, r, sec = run(rule, seed, args.steps, real)
            rows.append((fid, p, r))
            print(f"{rule:<30} {seed:>4} {fid:>7.1f} {fid / floor:>7.1f} {p:>6.2f} {r:>6.2f} {sec:>6.1f}", flush=True)
        summary[rule] = np.array(rows)
    print(f"\nmedian over seeds {args.seeds} [min-max]")
    print(f"{'rule broken':<30} {'FID / floor':>18} {'precision':>16} {'recall':>16}")
    for rule, m in summary.items():
        cells = [f"{np.median(m[:, 0]) / floor:.1f} [{m[:, 0].min() / floor:.1f}-{m[:, 0].max() / floor:.1f}]"]
        cells += [f"{np.median(m[:, i]):.2f} [{m[:, i].min():.2f}-{m[:, i].max():.2f}]" for i in (1, 2)]
        print(f"{rule:<30} {cells[0]:>18} {cells[1]:>16} {cells[2]:>16}")


if __name__ == "__main__":
    main()
