"""CycleGAN on digits -> rotated digits: does the unpaired translation find the known answer?

Trains ``gan_edu.recipes.train_cyclegan`` for several seeds with the recipe and with its
ablations, and prints per run, on the 359 held-out digits (``gan_edu.recipes.cyclegan.held_out_digits``):

* ``cycle a2b / b2a`` -- mean |F(G(a)) - a| and |G(F(b)) - b| per pixel ([-1, 1] units): what
  the cycle loss trains;
* ``trans a2b / b2a`` -- mean |G(a) - rot90(a)| and |F(rot90(a)) - a|: the distance to the
  right answer;
* ``labels a2b / b2a`` -- label preservation: the share of digits whose digit-classifier label
  of rot90^-1(G(a)), and of F(rot90(a)), is a's (the exact rotation scores the classifier's own
  accuracy, 98.6 %; target >= 80 % a2b);
* ``hidden`` -- Chu et al. (2017): the digits whose G(a) shows another digit while F(G(a))
  comes back within 0.1 per pixel of a (``CycleGANResult.hidden_information``);
* the wall time of the run on this machine.

The ablations: ``cycle_weight=0`` (the adversarial losses alone do not tie G(a) to a) and
``identity_weight=5`` (the paper's 0.5 lambda, which asks G(b) = b: wrong for a rotation).

``--generator symmetry`` runs the same on ``CYCLEGAN_SYMMETRY`` (generators that mix the square's
eight symmetries, ``gan_edu.models.SymmetryTranslator``) and prints the symmetry each G_ab weighs most.

    python benchmarks/cyclegan_translation.py                        # seeds 0-2, the recipe and the ablations
    python benchmarks/cyclegan_translation.py --generator symmetry --seeds 0 1 2 3 4 5 6 7 8 9
    python benchmarks/cyclegan_translation.py --seeds 0 --steps 3000 --set lr_d=1e-3 lr_g=1e-3 --no-ablations
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics

import torch

from gan_edu.models import SYMMETRIES
from gan_edu.recipes import CYCLEGAN_DIGITS, CYCLEGAN_SYMMETRY, train_cyclegan

from _overrides import parse_overrides  # benchmarks/_overrides.py, beside this script

ABLATIONS = ({}, {"cycle_weight": 0.0}, {"identity_weight": 5.0})
THRESHOLD = 0.1  # the cycle error per image below which a wrong label counts as hidden information


def _largest(weights) -> str:
    k = int(weights.argmax())
    return f"  {SYMMETRIES[k]} {weights[k].item():.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=None, help="iterations (default: the recipe's)")
    parser.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE", help="recipe overrides")
    parser.add_argument("--no-ablations", action="store_true", help="only the recipe (with --set)")
    parser.add_argument("--generator", choices=["translator", "symmetry"], default="translator",
                        help="translator: CYCLEGAN_DIGITS (default); symmetry: CYCLEGAN_SYMMETRY")
    args = parser.parse_args()
    start = CYCLEGAN_SYMMETRY if args.generator == "symmetry" else CYCLEGAN_DIGITS
    base = dataclasses.replace(start, **parse_overrides(args.set, start))
    if args.steps is not None:
        base = dataclasses.replace(base, steps=args.steps)
    symmetric = base.generator == "symmetry"
    print(f"recipe: {base}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'settings':>18} {'seed':>4} {'cycle a2b':>9} {'b2a':>6} {'trans a2b':>9} {'b2a':>6} "
          f"{'labels a2b':>10} {'b2a':>6} {'hidden':>6} {'s':>6}" + ("  G_ab's largest weight" if symmetric else ""))
    for change in ABLATIONS[:1] if args.no_ablations else ABLATIONS:
        recipe = dataclasses.replace(base, **change)
        name = " ".join(f"{k}={v:g}" for k, v in change.items()) or "recipe"
        preserved = []
        for seed in args.seeds:
            result = train_cyclegan(seed=seed, recipe=recipe)
            cycle, trans = result.cycle_error(), result.translation_error()
            labels, hidden = result.label_preservation(), result.hidden_information(THRESHOLD)
            preserved.append(labels.a2b)
            print(f"{name:>18} {seed:>4} {cycle.a2b:>9.3f} {cycle.b2a:>6.3f} {trans.a2b:>9.3f} {trans.b2a:>6.3f} "
                  f"{100 * labels.a2b:>9.1f}% {100 * labels.b2a:>5.1f}% {hidden.count:>6} {result.seconds:>6.1f}"
                  + (_largest(result.game.G_ab.weights) if symmetric else ""), flush=True)
        print(f"{name:>18} {'med':>4} label preservation a2b {100 * statistics.median(preserved):.1f}% "
              f"(range {100 * min(preserved):.1f}-{100 * max(preserved):.1f}%)")
    print(f"hidden: of 359 held-out digits, G(a) labelled wrong while mean |F(G(a)) - a| < {THRESHOLD}; "
          f"exact rotation: labels 98.6 % (the classifier's accuracy), errors 0; target: labels a2b >= 80 %")


if __name__ == "__main__":
    main()
