"""The command line: the parser of ``python -m gan_edu`` and the dispatch to its commands.

``python -m gan_edu toy ring8 --loss ns --seed 0 --out DIR``
    trains the default recipe of :mod:`gan_edu.recipes` on a toy target
    (:mod:`gan_edu.cli.toy`).

``python -m gan_edu train dcgan --dataset digits --steps 3000 --out DIR``
    trains the DCGAN recipe on an image data set, with sample grids, a metrics log,
    checkpoints and ``--resume`` (:mod:`gan_edu.cli.train`).

An existing, non-empty ``DIR`` is never overwritten without ``--force``; bad
arguments are usage errors (exit status 2). This module holds what the commands
share: the parser, the checks of ``--out`` and ``--device``, and :func:`main`.
"""

from __future__ import annotations

import argparse
import os

from ..config import COMPILE_MODES
from ..distributions import TOY_NAMES
from ..losses import LOSSES
from ..validation import integer

__all__ = ["main", "build_parser"]


def _positive_int(text: str) -> int:
    """An argparse ``type``: ``text`` as an integer >= 1 (:func:`gan_edu.validation.integer`)."""
    try:
        return integer("value", int(text))
    except ValueError:  # not an integer, or < 1: one message for both
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None


def _non_empty(path: str) -> bool:
    """Whether ``path`` exists and is a file or a directory with something in it."""
    return os.path.exists(path) and (not os.path.isdir(path) or bool(os.listdir(path)))


def _check_device(parser: argparse.ArgumentParser, device: str) -> None:
    """A usage error (exit status 2) when ``--device`` names a device this machine lacks."""
    try:
        from ..device import resolve_device

        resolve_device(device)
    except ValueError as error:
        parser.error(str(error))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gan_edu", description="Teaching GANs: experiments.")
    commands = parser.add_subparsers(dest="command", required=True)
    toy = commands.add_parser("toy", help="train the default recipe on a toy target")
    toy.add_argument("target", choices=TOY_NAMES, help="target distribution (gan_edu.distributions.toy)")
    toy.add_argument("--loss", default="ns", choices=sorted(LOSSES), help="GAN loss (default: ns, eq. 4)")
    toy.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    toy.add_argument("--steps", type=_positive_int, default=None, help="iterations (default: the recipe's)")
    toy.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    toy.add_argument("--out", required=True, help="output directory for the PNGs and metrics.json")
    toy.add_argument("--force", action="store_true", help="write into a non-empty --out")
    toy.add_argument("--no-progress", action="store_true", help="no progress bar")

    from ..recipes import IMAGE_DATASETS

    train = commands.add_parser("train", help="train an image GAN (DCGAN) on a data set")
    train.add_argument("model", choices=["dcgan"], help="the model (gan_edu.models.dcgan)")
    train.add_argument("--dataset", default="digits", choices=IMAGE_DATASETS,
                       help="digits / stacked-digits: offline; mnist, fashion-mnist, cifar10: downloaded")
    train.add_argument("--steps", type=_positive_int, default=None, help="iterations (default: the recipe's)")
    train.add_argument("--batch-size", type=_positive_int, default=None, help="batch (default: the recipe's)")
    train.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    train.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    train.add_argument("--precision", default="fp32", choices=["fp32", "bf16"], help="bf16: autocast")
    train.add_argument("--channels-last", action=argparse.BooleanOptionalAction, default=None,
                       help="channels_last memory format (default: the recipe's, on)")
    train.add_argument("--compile", nargs="?", const="default", default=None, choices=COMPILE_MODES,
                       metavar="MODE", help="torch.compile G and D; MODE: default, reduce-overhead (CUDA "
                       "graphs: the fastest for small nets on a GPU), max-autotune, max-autotune-no-cudagraphs")
    train.add_argument("--sample-every", type=_positive_int, default=250, help="sample grid period (steps)")
    train.add_argument("--eval-every", type=_positive_int, default=None,
                       help="metrics period (steps; default: --sample-every)")
    train.add_argument("--eval-samples", type=_positive_int, default=None,
                       help="generated images per evaluation (default: as many as the real half for FID; "
                            "10,000 on stacked digits)")
    train.add_argument("--checkpoint-every", type=_positive_int, default=500, help="checkpoint period (steps)")
    train.add_argument("--data-root", default=None, help="download cache (default: ~/.cache/gan_edu)")
    train.add_argument("--out", required=True, help="run directory")
    train.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    train.add_argument("--force", action="store_true", help="write into a non-empty --out")
    train.add_argument("--dry-run", action="store_true", help="smoke test: 2 steps, everything written")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), run the command, return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # Imported here: each command module imports the helpers above from this package.
    from . import toy, train

    command = train.run if args.command == "train" else toy.run
    return command(parser, args)
