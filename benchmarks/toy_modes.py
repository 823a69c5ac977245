"""Mode coverage of the default toy recipe, against the published figures.

Trains ``gan_edu.recipes.train_toy`` for several seeds on ring8 and grid25 (CPU),
evaluates 2,500 samples with ``gan_edu.metrics.mode_coverage`` (VEEGAN/PacGAN
metrics) -- G's own samples (EMA of G), as the papers do, and the same after
discriminator rejection sampling (``gan_edu.recipes.rejection_sample``) -- and prints
per-seed and mean figures, a row for samples of the target itself (the best score
a generator can get) and the width of G's modes against the data's ("spread", 1 =
right; the high-quality fraction rewards modes that are too narrow) and the sliced
Wasserstein-1 distance of G's samples to fresh data over its floor (two real sets of the
same size), with the rows of ``shared/ANCHORS.md`` beside them. Targets: ring8 8/8 modes,
>= 97% HQ; grid25 25/25 modes, >= 95% HQ; sliced W1 <= 1.5x its floor on both;
<= 60 s per run on 2 cores.

    python benchmarks/toy_modes.py                      # ring8 and grid25, seeds 0-4
    python benchmarks/toy_modes.py --targets grid25 --seeds 0 1 --set steps=3000 r1_gamma=0.3
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

import torch

from gan_edu.distributions import toy
from gan_edu.metrics import mode_coverage, mode_spread, sliced_wasserstein_over_floor
from gan_edu.recipes import TOY_RECIPES, build_toy_trainer, rejection_sample, reweight_codes

ANCHORS = {  # (ring modes, ring HQ %, grid modes, grid HQ %, grid reverse KL) from shared/ANCHORS.md
    "GAN (VEEGAN Table 1)": (1.0, 99.3, 3.3, 0.5, None),
    "Unrolled GAN (VEEGAN)": (7.6, 35.6, 23.6, 16, None),
    "VEEGAN": (8.0, 52.9, 24.6, 40, None),
    "GAN (PacGAN Table 1)": (6.3, 98.2, 17.3, 94.8, 0.70),
    "PacGAN2": (7.9, 95.6, 23.8, 91.3, 0.13),
    "PacGAN3": (7.8, 97.7, 24.6, 94.2, 0.06),
    "PacGAN4": (7.8, 95.9, 24.8, 93.6, 0.04),
    "WGAN-GP (GDPP)": (6.8, 59.6, 24.2, 28.7, None),
}
N_EVAL = 2500  # samples per evaluation, as in VEEGAN and PacGAN


def _parse_override(text: str) -> tuple[str, object]:
    key, _, value = text.partition("=")
    field = {f.name: f for f in dataclasses.fields(TOY_RECIPES["ring8"])}.get(key)
    if field is None:
        raise SystemExit(f"--set: unknown recipe field {key!r}")
    if key == "betas":
        return key, tuple(float(v) for v in value.split(","))
    if isinstance(getattr(TOY_RECIPES["ring8"], key), bool):  # bool("False") is True
        if value not in ("True", "False"):
            raise SystemExit(f"--set {key}: True or False, got {value!r}")
        return key, value == "True"
    return key, type(getattr(TOY_RECIPES["ring8"], key))(value)


def run(target: str, seed: int, overrides: dict) -> tuple[float, ...]:
    """(modes, HQ, KL, spread) of G's samples, (modes, HQ, KL) after rejection by D, training seconds,
    sliced W1 over its floor of G's samples, of the samples after rejection, and (with the recipe's
    ``reweight``) of G's samples before its code was reweighted (nan without)."""
    recipe = dataclasses.replace(TOY_RECIPES[target], **overrides)
    torch.set_num_threads(recipe.threads)
    trainer = build_toy_trainer(target, seed=seed, device="cpu", recipe=recipe)
    start = time.perf_counter()
    trainer.fit()
    data = toy(target)
    equiprobable = float("nan")
    if recipe.reweight:  # as train_toy does; the W1 of the equiprobable code's samples is printed beside
        equiprobable = sliced_wasserstein_over_floor(trainer.sample(N_EVAL).cpu() / recipe.scale, data)
        reweight_codes(trainer)
    seconds = time.perf_counter() - start
    samples = trainer.sample(N_EVAL).cpu() / recipe.scale
    raw = mode_coverage(samples, data)
    kept = rejection_sample(trainer, N_EVAL).cpu() / recipe.scale
    drs = mode_coverage(kept, data)
    return (*raw[:3], mode_spread(samples, data), *drs[:3], seconds, sliced_wasserstein_over_floor(samples, data),
            sliced_wasserstein_over_floor(kept, data), equiprobable)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", nargs="+", default=["ring8", "grid25"], choices=sorted(TOY_RECIPES))  # ring8, grid25 are the benchmarks
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE",
                        help="override fields of the recipe (for tuning)")
    args = parser.parse_args()
    overrides = dict(_parse_override(text) for text in args.set)

    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs (threads per run: the recipe's), "
          f"overrides {overrides or 'none'}")
    means = {}
    for target in args.targets:
        data = toy(target)
        n_modes = len(data.weights)
        print(f"\n{target}: {dataclasses.replace(TOY_RECIPES[target], **overrides)}")
        print(f"{'':>6} {'G samples':^33}  {'G + rejection by D':^25}")
        print(f"{'seed':>6} {'modes':>8} {'HQ %':>7} {'rev KL':>8} {'spread':>7}  {'modes':>8} {'HQ %':>7} "
              f"{'rev KL':>8} {'wall s':>7} {'W1/floor':>9} {'DRS W1/fl':>9} {'equiprob.':>9}")
        real = data.sample(N_EVAL, torch.Generator().manual_seed(12345))
        c = mode_coverage(real, data)
        print(f"{'data':>6} {c.modes:>5}/{n_modes:<2} {100 * c.high_quality:>7.1f} {c.reverse_kl:>8.3f} "
              f"{mode_spread(real, data):>7.2f}  (2,500 samples of p_r itself: the best a G can score)")
        rows = []
        for seed in args.seeds:
            r = run(target, seed, overrides)
            rows.append(r)
            print(f"{seed:>6} {r[0]:>5}/{n_modes:<2} {100 * r[1]:>7.1f} {r[2]:>8.3f} {r[3]:>7.2f}  "
                  f"{r[4]:>5}/{n_modes:<2} {100 * r[5]:>7.1f} {r[6]:>8.3f} {r[7]:>7.1f} {r[8]:>9.2f} {r[9]:>9.2f} {r[10]:>9.2f}", flush=True)
        m = [sum(r[i] for r in rows) / len(rows) for i in range(9)]
        means[target] = m
        print(f"{'mean':>6} {m[0]:>8.1f} {100 * m[1]:>7.1f} {m[2]:>8.3f} {m[3]:>7.2f}  {m[4]:>8.1f} "
              f"{100 * m[5]:>7.1f} {m[6]:>8.3f} {m[7]:>7.1f}")
        print(f"{'':>6} modes {min(r[0] for r in rows)}-{max(r[0] for r in rows)}, "
              f"HQ {100 * min(r[1] for r in rows):.1f}-{100 * max(r[1] for r in rows):.1f} %, "
              f"wall {min(r[7] for r in rows):.1f}-{max(r[7] for r in rows):.1f} s, "
              f"sliced W1 {min(r[8] for r in rows):.2f}-{max(r[8] for r in rows):.2f} x floor (target <= 1.5), "
              f"after rejection {min(r[9] for r in rows):.2f}-{max(r[9] for r in rows):.2f}")

    print("\nComparison (published rows from shared/ANCHORS.md; their budgets and nets differ, see there)")
    print(f"{'model':<26} {'ring modes':>10} {'ring HQ %':>9} {'grid modes':>10} {'grid HQ %':>9} {'grid KL':>8}")
    for name, (rm, rh, gm, gh, gk) in ANCHORS.items():
        print(f"{name:<26} {rm:>10.1f} {rh:>9.1f} {gm:>10.1f} {gh:>9.1f} {gk if gk is not None else '':>8}")
    ring, grid = means.get("ring8"), means.get("grid25")
    cell = lambda m, i, scale=1.0, fmt=".1f": format(m[i] * scale, fmt) if m else "-"  # noqa: E731
    for name, o in (("this recipe, G (mean)", 0), ("this recipe, G + DRS", 4)):
        print(f"{name:<26} {cell(ring, o):>10} {cell(ring, o + 1, 100):>9} {cell(grid, o):>10} "
              f"{cell(grid, o + 1, 100):>9} {cell(grid, o + 2, 1, '.3f'):>8}")


if __name__ == "__main__":
    main()
