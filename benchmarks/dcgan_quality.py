"""Quality of the DCGAN digits recipes: FID beside its floor, precision and recall, wall time.

Trains ``gan_edu.recipes.DCGAN_RECIPES["digits"]`` (16 px, the book's CPU-scale recipe), or with
``--recipe digits-sn`` ``gan_edu.recipes.DIGITS_SN`` (the same nets with spectral norm in D, hinge
loss, two learning rates, Adam betas (0, 0.9) and an EMA of G), for each budget in ``--steps`` (default: the CI scale of the notebook, 1,200 iterations,
and a longer CPU budget, 5,000) and prints one row per budget: the FID in the feature space
of the committed digit classifier (``gan_edu.features``) between the generated images and
one half of the real digits, the floor (the FID between the two real halves, same number
of images), precision and recall (k = 3), and the wall time.

With ``--stacked STEPS`` it also trains the stacked-digits recipe (three digits as the
colour channels: 1,000 modes, the Stacked-MNIST construction of VEEGAN and PacGAN) and
prints the number of modes its samples hit out of 1,000 and the reverse KL of their mode
histogram to the uniform one, as both papers count them (26,000 samples), with the digit
classifier labelling each channel.

With several ``--seeds`` it repeats every budget per seed (the seed sets the initial weights,
the draws and which half of the digits is the reference) and closes with the range over
seeds: what a reader's run can be expected to give. The evaluation noise is drawn as the
DCGAN notebook draws it (64 grid vectors, then the evaluation batch, from ``seed + 1``), so
``--steps 1200`` reproduces the notebook's final numbers for each seed. Run it again with
``ONEDNN_MAX_CPU_ISA=SSE41 ATEN_CPU_CAPABILITY=default`` for the second kernel set CI uses.

One run per seed trains to the largest budget and is measured at each budget on the way (no
learning-rate schedule depends on the budget, so that is the run of each budget); the wall
time of a budget is the training time up to it, measurements excluded.

    python benchmarks/dcgan_quality.py [--steps 1200 5000] [--seeds 0 1 2] [--device auto] [--stacked 3000]
    python benchmarks/dcgan_quality.py --recipe digits-sn --steps 2000 2500 8000 10000 --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import torch

from gan_edu import features
from gan_edu.data import Digits
from gan_edu.recipes import DCGAN_RECIPES, DIGITS_SN, build_dcgan_trainer, generate

RECIPES = {"digits": DCGAN_RECIPES["digits"], "digits-sn": DIGITS_SN}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[1200, 5000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--recipe", choices=sorted(RECIPES), default="digits")
    parser.add_argument("--stacked", type=int, nargs="*", default=[], metavar="STEPS",
                        help="also train on stacked digits for these budgets")
    args = parser.parse_args()
    if any(steps % 25 for steps in args.steps):
        parser.error(f"--steps: budgets must be multiples of 25 (the recipes log, and call back, every 25), "
                     f"got {args.steps}")

    recipe = RECIPES[args.recipe]
    print(f"recipe {args.recipe}: {recipe}")
    print(f"torch threads: {torch.get_num_threads()}; seeds {args.seeds}\n")
    print("| seed | budget (iterations) | FID | floor | FID / floor | precision | recall | wall time (s) |")
    print("|---|---|---|---|---|---|---|---|")
    rows: dict[int, list[tuple[float, float, float]]] = {steps: [] for steps in args.steps}
    for seed in args.seeds:
        reference, held_out = features.real_halves(Digits(size=recipe.resolution, split="all"), seed=seed)
        floor = features.digit_fid(reference, held_out)
        floor_pr = features.digit_precision_recall(reference, held_out)
        gen = torch.Generator().manual_seed(seed + 1)
        torch.randn(64, recipe.latent_dim, generator=gen)  # the notebook's fixed grid batch comes first
        z = torch.randn(len(held_out), recipe.latent_dim, generator=gen)
        print(f"| {seed} | real half vs real half | {floor:.1f} | {floor:.1f} | 1.0 | {floor_pr.precision:.3f} | "
              f"{floor_pr.recall:.3f} | |")
        budgets = sorted(set(args.steps))
        trainer = build_dcgan_trainer("digits", seed=seed, device=args.device,
                                      recipe=dataclasses.replace(recipe, steps=budgets[-1]))
        clock = {"start": time.perf_counter(), "measuring": 0.0}

        def measure(t) -> None:
            if t.step not in budgets:
                return
            seconds = time.perf_counter() - clock["start"] - clock["measuring"]
            begin = time.perf_counter()
            fake = generate(t, z)
            fid = features.digit_fid(reference, fake)
            pr = features.digit_precision_recall(reference, fake)
            rows[t.step].append((fid / floor, pr.precision, pr.recall))
            print(f"| {seed} | {t.step:,} | {fid:.1f} | {floor:.1f} | {fid / floor:.1f} | {pr.precision:.3f} | "
                  f"{pr.recall:.3f} | {seconds:.0f} |", flush=True)
            clock["measuring"] += time.perf_counter() - begin

        trainer.fit(callback=measure)
    if len(args.seeds) > 1:
        print("\n| budget | FID / floor (min-max) | precision (min-max) | recall (min-max) |")
        print("|---|---|---|---|")
        for steps, values in rows.items():
            ratio, precision, recall = zip(*values)
            print(f"| {steps:,} | {min(ratio):.1f}-{max(ratio):.1f} | {min(precision):.3f}-{max(precision):.3f} | "
                  f"{min(recall):.3f}-{max(recall):.3f} |")

    if args.stacked:
        from gan_edu.data import StackedDigits

        real = StackedDigits(size=recipe.resolution, split="all").sample(26_000, torch.Generator().manual_seed(args.seeds[0]))
        real_modes = features.stacked_mode_coverage(real)
        print("\n| stacked digits | modes / 1000 | reverse KL | wall time (s) |")
        print("|---|---|---|---|")
        print(f"| real stacked digits (26,000) | {real_modes.modes} | {real_modes.reverse_kl:.3f} | |")
        for steps in args.stacked:
            trainer = build_dcgan_trainer("stacked-digits", seed=args.seeds[0], steps=steps, device=args.device)
            start = time.perf_counter()
            trainer.fit()
            seconds = time.perf_counter() - start
            z = trainer.game.prior.sample(26_000, torch.Generator().manual_seed(args.seeds[0] + 2))
            result = features.stacked_mode_coverage(generate(trainer, z))
            print(f"| DCGAN, {steps:,} iterations | {result.modes} | {result.reverse_kl:.3f} | {seconds:.0f} |",
                  flush=True)


if __name__ == "__main__":
    main()
