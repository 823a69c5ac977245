"""Mode collapse of a DCGAN on stacked digits (1,000 modes), and PacGAN's packing against it.

The stacked-MNIST experiment of Metz et al. (2017), VEEGAN (Srivastava et al. 2017, Table 2)
and PacGAN (Lin et al. 2018, Table 2) on the offline data: three random digits of
scikit-learn's set as the R, G, B channels (``gan_edu.data.StackedDigits``), each channel
labelled by the committed digit classifier (``gan_edu.features.stacked_mode_coverage``),
so that an image falls in one of 10^3 modes. Per run: the modes hit by 26,000 samples and
the reverse KL of their histogram to the uniform one (as the papers count), at the end and
every ``--every`` iterations on 10,000 samples of a fixed noise batch (the mode count over
training: a collapse that moves).

The DCGAN is the library's stacked-digits recipe (``DCGAN_RECIPES["stacked-digits"]``: 16 px,
widths 32, Adam 5e-4) with D's width cut (``--ndf``): Metz et al. made the stacked task hard by
giving D a quarter or a half of G's capacity, and so does this script (G keeps ``ngf`` 32).
The rows: the weak D (ndf 8), the same weak D judging packs of 2 images stacked along the
channels (PacDCGAN2, ``pack=2``) and the recipe as it is (ndf 32); on request, packs of 4 and
the source's fix, WGAN-GP with its published settings on the weak critic (``"ndf 8, WGAN-GP"``,
about 5x the time: five critic steps per generator step).
About 2 minutes per run on a 2-core CPU, 18 minutes for the default table.

    .venv/bin/python benchmarks/stacked_modes.py                          # seeds 0-2, 3,000 steps
    .venv/bin/python benchmarks/stacked_modes.py --rows "ndf 8" "ndf 8, pack 2" --seeds 0 --steps 1000
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

import numpy as np
import torch

from gan_edu import features
from gan_edu.data import StackedDigits
from gan_edu.recipes import DCGAN_RECIPES, as_variant, build_dcgan_trainer, generate

BASE = DCGAN_RECIPES["stacked-digits"]
ROWS = {  # name: the recipe of the row
    "ndf 8": dataclasses.replace(BASE, ndf=8),
    "ndf 8, pack 2": dataclasses.replace(BASE, ndf=8, pack=2),
    "recipe (ndf 32)": BASE,
    "ndf 8, pack 4": dataclasses.replace(BASE, ndf=8, pack=4),
    # the source's fix: WGAN-GP's published settings (5 critic steps, lr 1e-4, betas (0.5, 0.9),
    # layer norm in the critic) on the same weak critic
    "ndf 8, WGAN-GP": as_variant(BASE, "wgan-gp", ndf=8),
}
DEFAULT_ROWS = ["ndf 8", "ndf 8, pack 2", "recipe (ndf 32)"]
PUBLISHED = [  # shared/ANCHORS.md (28 px MNIST, their networks): (modes, reverse KL)
    ("DCGAN (VEEGAN Table 2)", 99, 3.40),
    ("DCGAN (PacGAN Table 2)", 78.9, 4.50),
    ("Unrolled GAN (VEEGAN Table 2)", 48.7, 4.32),
    ("VEEGAN (VEEGAN Table 2)", 150, 2.95),
    ("PacDCGAN2 (PacGAN Table 2)", 1000, 0.06),
]
N_FINAL, N_TRACK = 26_000, 10_000  # samples at the end (as VEEGAN and PacGAN) and along training


def run(recipe, seed: int, steps: int, every: int) -> tuple[features.StackedModes, list, float]:
    """The final StackedModes, [(step, modes, KL)] along training, and the training seconds."""
    recipe = dataclasses.replace(recipe, steps=steps)
    trainer = build_dcgan_trainer("stacked-digits", seed=seed, recipe=recipe, device="cpu")
    z_track = trainer.game.prior.sample(N_TRACK, torch.Generator().manual_seed(seed + 1))
    track, evaluating = [], [0.0]

    def measure(t) -> None:
        if t.step % every == 0:
            start = time.perf_counter()
            r = features.stacked_mode_coverage(generate(t, z_track))
            track.append((t.step, r.modes, r.reverse_kl))
            evaluating[0] += time.perf_counter() - start

    start = time.perf_counter()
    trainer.fit(callback=measure)
    seconds = time.perf_counter() - start - evaluating[0]
    z = trainer.game.prior.sample(N_FINAL, torch.Generator().manual_seed(seed + 2))
    return features.stacked_mode_coverage(generate(trainer, z)), track, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", nargs="+", default=DEFAULT_ROWS, choices=list(ROWS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--every", type=int, default=250, help="measure the modes every this many iterations")
    args = parser.parse_args()
    if args.steps < 1 or args.every < 1:
        raise SystemExit(f"--steps and --every must be positive, got {args.steps} and {args.every}")
    torch.set_num_threads(min(2, os.cpu_count() or 1))

    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs; stacked-digits recipe {BASE.resolution} px, "
          f"ngf {BASE.ngf}, {args.steps:,} steps; seeds {args.seeds}")
    real = StackedDigits(size=BASE.resolution, split="all").sample(N_FINAL, torch.Generator().manual_seed(0))
    r = features.stacked_mode_coverage(real)
    print(f"real stacked digits ({N_FINAL:,}): {r.modes} modes, reverse KL {r.reverse_kl:.3f}\n")
    print(f"{'row':<16} {'seed':>4} {'modes':>6} {'rev KL':>7} {'train s':>8}  modes every {args.every} iterations")
    summary = {}
    for name in args.rows:
        finals = []
        for seed in args.seeds:
            final, track, seconds = run(ROWS[name], seed, args.steps, args.every)
            finals.append((final.modes, final.reverse_kl))
            print(f"{name:<16} {seed:>4} {final.modes:>6} {final.reverse_kl:>7.3f} {seconds:>8.0f}  "
                  + " ".join(str(m) for _, m, _ in track), flush=True)
        summary[name] = finals

    print("\n| row | modes / 1,000, median (min-max) | reverse KL, median (min-max) |")
    print("|---|---|---|")
    for name, finals in summary.items():
        modes, kl = np.array([m for m, _ in finals]), np.array([k for _, k in finals])
        print(f"| {name} | {np.median(modes):.0f} ({modes.min()}-{modes.max()}) | "
              f"{np.median(kl):.2f} ({kl.min():.2f}-{kl.max():.2f}) |")
    for name, modes, kl in PUBLISHED:
        print(f"| *{name}* | {modes:g} | {kl:.2f} |")


if __name__ == "__main__":
    main()
