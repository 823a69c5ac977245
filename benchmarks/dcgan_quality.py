"""Quality of the DCGAN digits recipe: FID beside its floor, precision and recall, wall time.

Trains ``gan_edu.recipes.DCGAN_RECIPES["digits"]`` (16 px, the book's CPU-scale recipe)
for each budget in ``--steps`` (default: the CI scale of the notebook, 1,200 iterations,
and a longer CPU budget, 5,000) and prints one row per budget: the FID in the feature space
of the committed digit classifier (``gan_edu.features``) between the generated images and
one half of the real digits, the floor (the FID between the two real halves, same number
of images), precision and recall (k = 3), and the wall time.

With ``--stacked STEPS`` it also trains the stacked-digits recipe (three digits as the
colour channels: 1,000 modes, the Stacked-MNIST construction of VEEGAN and PacGAN) and
prints the number of modes its samples hit out of 1,000 and the reverse KL of their mode
histogram to the uniform one, as both papers count them (26,000 samples), with the digit
classifier labelling each channel.

    python benchmarks/dcgan_quality.py [--steps 1200 5000] [--seed 0] [--device auto] [--stacked 3000]
"""

from __future__ import annotations

import argparse
import time

import torch

from gan_edu import features
from gan_edu.data import Digits
from gan_edu.recipes import DCGAN_RECIPES, build_dcgan_trainer, generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[1200, 5000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--stacked", type=int, nargs="*", default=[], metavar="STEPS",
                        help="also train on stacked digits for these budgets")
    args = parser.parse_args()

    recipe = DCGAN_RECIPES["digits"]
    reference, held_out = features.real_halves(Digits(size=recipe.resolution, split="all"), seed=args.seed)
    floor = features.digit_fid(reference, held_out)
    floor_pr = features.digit_precision_recall(reference, held_out)
    z = torch.randn(len(held_out), recipe.latent_dim, generator=torch.Generator().manual_seed(args.seed + 1))
    print(f"DCGAN digits recipe: {recipe}")
    print(f"torch threads: {torch.get_num_threads()}; {len(reference)} reference / {len(held_out)} "
          f"held-out real images\n")
    print("| budget (iterations) | FID | floor | FID / floor | precision | recall | wall time (s) |")
    print("|---|---|---|---|---|---|---|")
    print(f"| real half vs real half | {floor:.1f} | {floor:.1f} | 1.0 | {floor_pr.precision:.3f} | "
          f"{floor_pr.recall:.3f} | |")
    for steps in args.steps:
        trainer = build_dcgan_trainer("digits", seed=args.seed, steps=steps, device=args.device)
        start = time.perf_counter()
        trainer.fit()
        seconds = time.perf_counter() - start
        fake = generate(trainer, z)
        fid = features.digit_fid(reference, fake)
        pr = features.digit_precision_recall(reference, fake)
        print(f"| {steps:,} | {fid:.1f} | {floor:.1f} | {fid / floor:.1f} | {pr.precision:.3f} | {pr.recall:.3f} "
              f"| {seconds:.0f} |", flush=True)

    if args.stacked:
        from gan_edu.data import StackedDigits

        real = StackedDigits(size=recipe.resolution, split="all").sample(26_000, torch.Generator().manual_seed(args.seed))
        real_modes = features.stacked_mode_coverage(real)
        print("\n| stacked digits | modes / 1000 | reverse KL | wall time (s) |")
        print("|---|---|---|---|")
        print(f"| real stacked digits (26,000) | {real_modes.modes} | {real_modes.reverse_kl:.3f} | |")
        for steps in args.stacked:
            trainer = build_dcgan_trainer("stacked-digits", seed=args.seed, steps=steps, device=args.device)
            start = time.perf_counter()
            trainer.fit()
            seconds = time.perf_counter() - start
            z = trainer.game.prior.sample(26_000, torch.Generator().manual_seed(args.seed + 2))
            result = features.stacked_mode_coverage(generate(trainer, z))
            print(f"| DCGAN, {steps:,} iterations | {result.modes} | {result.reverse_kl:.3f} | {seconds:.0f} |",
                  flush=True)


if __name__ == "__main__":
    main()
