"""WGAN against the GAN, trained: mode coverage on the 25-Gaussian grid, and stability on digits.

Two experiments of the WGAN chapter (book/wgan.md), at more seeds and steps than its labs.

``--part toy`` (notebooks/wgan.ipynb, experiment 2): the plain networks of WGAN-GP's toy code
(``gan_edu.recipes.PLAIN``: 3 x 512 ReLU, z 2-D, batch 256, no tricks; ``--width`` shrinks
them) trained on grid25 as the NS-GAN, as WGAN (weight clipping, RMSProp 5e-5, 5 critic
steps) and as WGAN-GP (lambda 10, Adam 1e-4, betas (0.5, 0.9), 5 critic steps)
(``gan_edu.recipes.as_variant``). Per run: modes /25 and the high-quality fraction
(VEEGAN/PacGAN metrics, 2,500 samples), and the sliced W1 to the data beside its floor.

``--part digits`` (notebooks/wgan_digits.ipynb, experiment 4): the 8 x 8 digits DCGAN
(``gan_edu.recipes.DIGITS8``) as NS-GAN and as WGAN-GP, with the recipe as it is and with one
DCGAN rule or setting broken at a time (no batch norm in G, a learning rate 5x higher,
Adam's beta1 = 0.9); final digit-classifier FID beside its floor.

    .venv/bin/python benchmarks/wgan_games.py --part toy --width 128 --steps 2000 --seeds 0 1 2
    .venv/bin/python benchmarks/wgan_games.py --part digits --steps 1000 --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
import torch

from gan_edu.distributions import toy
from gan_edu.features import digit_fid, fid_noise_floor, real_halves
from gan_edu.metrics import mode_coverage, sliced_wasserstein
from gan_edu.recipes import DIGITS8, PLAIN, as_variant, build_dcgan_trainer, train_toy

GAMES = ("ns", "wgan", "wgan-gp")
PUBLISHED = [  # grid25 rows of shared/ANCHORS.md: (modes /25, HQ %)
    ("GAN (VEEGAN Table 1; their networks and budget)", 3.3, 0.5),
    ("GAN (PacGAN Table 1; their networks and budget)", 17.3, 94.8),
    ("WGAN-GP (as reported in GDPP, Elfeki et al. 2019)", 24.2, 28.7),
]
BREAKS = {  # one DCGAN rule or setting broken, as recipe fields (the learning rate: 5x the game's own)
    "recipe as it is": lambda r: r,
    "no batch norm in G": lambda r: dataclasses.replace(r, g_norm="none"),
    "learning rate x5": lambda r: dataclasses.replace(r, lr_d=5 * r.lr_d, lr_g=5 * r.lr_g),
    "Adam beta1 = 0.9": lambda r: dataclasses.replace(r, betas=(0.9, r.betas[1])),
}


def toy_run(game: str, seed: int, width: int, steps: int) -> tuple[int, float, float, float]:
    """(modes, HQ, sliced W1, seconds) of one grid25 run."""
    p = toy("grid25")
    result = train_toy("grid25", recipe=as_variant(PLAIN, game, width=width, steps=steps), seed=seed, device="cpu")
    x = result.sample(2500)
    modes, hq, _ = mode_coverage(x, p)[:3]
    real = p.sample(2500, torch.Generator().manual_seed(10_000 + seed))
    return modes, hq, sliced_wasserstein(x, real), result.seconds


def digits_run(game: str, broken: str, seed: int, steps: int, real: torch.Tensor) -> tuple[float, float]:
    """(final FID, seconds) of one 8 x 8 digits run."""
    recipe = BREAKS[broken](as_variant(DIGITS8, game, steps=steps))
    trainer = build_dcgan_trainer("digits", recipe=recipe, seed=seed, device="cpu", log_every=100)
    start = time.perf_counter()
    trainer.fit()
    seconds = time.perf_counter() - start
    return digit_fid(real, trainer.sample(len(real)).float().cpu()), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("toy", "digits"), required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=None, help="G steps (default 2000 toy, 1000 digits)")
    parser.add_argument("--width", type=int, default=128, help="toy: hidden units (the toy code's 512 took 8x as long per step on a 2-core CPU)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    if args.part == "toy":
        steps = args.steps or 2000
        floor = sliced_wasserstein(*(toy("grid25").sample(2500, torch.Generator().manual_seed(s)) for s in (1, 2)))
        print(f"grid25, plain networks 3 x {args.width} ReLU, {steps} G steps; sliced W1 floor {floor:.3f}")
        print(f"{'game':<8} {'seed':>4} {'modes':>5} {'HQ %':>6} {'SW1':>6} {'SW1/floor':>9} {'s':>6}")
        rows = {g: [] for g in GAMES}
        for seed in args.seeds:
            for game in GAMES:
                modes, hq, sw, seconds = toy_run(game, seed, args.width, steps)
                rows[game].append((modes, 100 * hq, sw))
                print(f"{game:<8} {seed:>4} {modes:>5} {100 * hq:>6.1f} {sw:>6.3f} {sw / floor:>9.1f} {seconds:>6.1f}",
                      flush=True)
        print(f"\nmean over seeds {args.seeds}")
        for game, r in rows.items():
            m = np.array(r)
            print(f"{game:<8} modes {m[:, 0].mean():5.1f} (min {m[:, 0].min():.0f})  HQ {m[:, 1].mean():5.1f} %  "
                  f"SW1/floor {m[:, 2].mean() / floor:5.1f}")
        for name, modes, hq in PUBLISHED:
            print(f"published: {name}: modes {modes}, HQ {hq} %")
    else:
        steps = args.steps or 1000
        real, other = real_halves()
        floor = fid_noise_floor()
        print(f"8 x 8 digits DCGAN, {steps} G steps; FID floor {floor:.1f}")
        print(f"{'setting':<20} {'game':<8} " + " ".join(f"{'seed ' + str(s):>8}" for s in args.seeds)
              + f" {'median/floor':>12} {'s/run':>6}")
        for broken in BREAKS:
            for game in ("ns", "wgan-gp"):
                fids, secs = zip(*(digits_run(game, broken, seed, steps, real) for seed in args.seeds))
                print(f"{broken:<20} {game:<8} " + " ".join(f"{f:>8.0f}" for f in fids)
                      + f" {np.median(fids) / floor:>12.1f} {np.mean(secs):>6.1f}", flush=True)


if __name__ == "__main__":
    main()
