"""The command line: the parser of ``python -m gan_edu`` and the dispatch to its commands.

``python -m gan_edu toy ring8 --loss ns --seed 0 --out DIR``
    trains the default recipe of :mod:`gan_edu.recipes` on a toy target
    (:mod:`gan_edu.cli.toy`).

``python -m gan_edu train dcgan --dataset digits --steps 3000 --out DIR``
    trains the DCGAN recipe on an image data set, with sample grids, a metrics log,
    checkpoints and ``--resume`` (:mod:`gan_edu.cli.train`); ``train infogan`` and ``train cyclegan``
    do the same for the InfoGAN and CycleGAN recipes on the digits.

The command line never destroys or hides work. ``--out`` must name a directory of
its own (not empty, not the current directory or one that holds it); an existing,
non-empty ``DIR`` is never written into without ``--force``, which first removes
the files the command writes (the old run's samples among them) and nothing else;
an unwritable ``DIR`` is reported before training starts. Bad arguments are usage
errors (exit status 2); a file of a run that cannot be used (a corrupt checkpoint,
say) is one line on stderr naming the file, what is wrong and what to do, also with
exit status 2. This module holds what the commands share: the parser, the checks of
``--out`` and ``--device``, and :func:`main`.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import sys
import tempfile

from ..config import COMPILE_MODES
from ..distributions import TOY_NAMES
from ..files import TEMPORARY_SUFFIX, remove_stale_temporaries
from ..losses import LOSSES
from ..validation import integer

__all__ = ["main", "build_parser"]


def _int_type(minimum: int, words: str):
    """An argparse ``type``: ``text`` as an integer >= ``minimum`` (:func:`gan_edu.validation.integer`)."""
    def parse(text: str) -> int:
        try:
            return integer("value", int(text), minimum=minimum)
        except ValueError:  # not an integer, or too small: one message for both
            raise argparse.ArgumentTypeError(f"must be {words}, got {text!r}") from None

    return parse


_positive_int = _int_type(1, "a positive integer")
_seed = _int_type(0, "an integer >= 0")
_two_or_more = _int_type(2, "an integer >= 2")


def _path_text(text: str) -> str:
    """An argparse ``type`` for paths: refuses the empty string (it would mean the current directory)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"must name a directory, got {text!r}")
    return text


def fail(command: str, message: str) -> int:
    """Print ``message`` as one line on stderr, as argparse words its errors, and return 2."""
    print(f"python -m gan_edu {command}: error: {' '.join(message.split())}", file=sys.stderr)
    return 2


def _non_empty(path: str) -> bool:
    """Whether ``path`` exists and is a file or a directory with something in it."""
    return os.path.exists(path) and (not os.path.isdir(path) or bool(os.listdir(path)))


def _check_out(parser: argparse.ArgumentParser, out: str) -> None:
    """Usage errors for an ``--out`` that is not a directory of its own or cannot be written.

    Refused: the empty string and the current directory (or one that holds it: the run's
    files would land among the user's), an existing file, a path below a file, and a
    directory (or its nearest existing parent) that this process may not write.
    """
    if not out.strip():
        parser.error(f"--out must name a run directory, got {out!r}")
    here, target = os.path.realpath(os.getcwd()), os.path.realpath(out)
    if here == target or here.startswith(target.rstrip(os.sep) + os.sep):
        parser.error(f"--out {out!r} is the current directory or holds it; name a directory of its own, "
                     f"e.g. --out runs/first")
    if os.path.exists(out) and not os.path.isdir(out):
        parser.error(f"--out {out!r} is a file, not a directory")
    existing = target
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        parser.error(f"--out {out!r} cannot be created: {existing!r} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        parser.error(f"--out {out!r} is not writable (no permission to write in {existing!r})")


def make_out(command: str, out: str) -> int:
    """Create ``out`` and write a probe file in it; 0, or :func:`fail`'s 2 if that is impossible."""
    try:
        os.makedirs(out, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as error:
        return fail(command, f"--out {out!r} cannot be written ({error.strerror or error}); "
                             f"choose another directory")
    return 0


def _owned(name: str, patterns: tuple[str, ...], temporaries_only: bool = False) -> bool:
    """Whether file name ``name`` is one of ``patterns`` or an atomic-write temporary of one."""
    if not temporaries_only and any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
        return True
    return name.startswith(".") and name.endswith(TEMPORARY_SUFFIX) and any(
        fnmatch.fnmatchcase(name[1:].rsplit("-", 1)[0], pattern) for pattern in patterns)


def only_owned(directory: str, layout: dict[str, tuple[str, ...]], temporaries_only: bool = False) -> bool:
    """Whether every entry of ``directory`` is a file the command writes (with
    ``temporaries_only``: a temporary file of one): ``layout`` maps a subdirectory
    (``""`` for the directory itself) to the patterns of its files."""
    for sub, patterns in layout.items():
        folder = os.path.join(directory, sub)
        if not os.path.isdir(folder):
            continue
        for entry in os.scandir(folder):
            if entry.is_dir(follow_symlinks=False) and sub == "" and entry.name in layout:
                continue
            if not (entry.is_file(follow_symlinks=False) and _owned(entry.name, patterns, temporaries_only)):
                return False
    return True


def remove_owned(directory: str, layout: dict[str, tuple[str, ...]]) -> None:
    """Remove the files of ``layout`` (see :func:`only_owned`) from ``directory``, and its
    subdirectories if that empties them; anything else is left alone."""
    for sub, patterns in layout.items():
        folder = os.path.join(directory, sub)
        if not os.path.isdir(folder):
            continue
        for entry in os.scandir(folder):
            if entry.is_file(follow_symlinks=False) and _owned(entry.name, patterns):
                os.remove(entry.path)
        if sub and not os.listdir(folder):
            os.rmdir(folder)


def remove_temporaries(directory: str, layout: dict[str, tuple[str, ...]]) -> None:
    """Remove what killed atomic writes left in ``directory`` (:func:`gan_edu.files.remove_stale_temporaries`)."""
    for sub, patterns in layout.items():
        for pattern in patterns:
            remove_stale_temporaries(os.path.join(directory, sub), pattern.split("*")[0])


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
    toy.add_argument("--seed", type=_seed, default=0, help="random seed, >= 0 (default: 0)")
    toy.add_argument("--steps", type=_positive_int, default=None, help="iterations (default: the recipe's)")
    toy.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    toy.add_argument("--out", required=True, type=_path_text, help="output directory for the PNGs and metrics.json")
    toy.add_argument("--force", action="store_true",
                     help="write into a non-empty --out, removing the files of its last toy run first")
    toy.add_argument("--no-progress", action="store_true", help="no progress bar")

    from ..recipes import IMAGE_DATASETS

    # The settings of a run default to None here, so that --resume sees which were given
    # (and refuses those that differ from the run's); the defaults are filled in afterwards.
    train = commands.add_parser("train", help="train an image GAN (DCGAN, InfoGAN, CycleGAN) on a data set")
    train.add_argument("model", choices=["dcgan", "infogan", "cyclegan"],
                       help="dcgan (gan_edu.recipes.images), infogan (gan_edu.recipes.infogan) or cyclegan "
                            "(gan_edu.recipes.cyclegan: digits to rotated digits); the last two: digits only")
    train.add_argument("--dataset", default=None, choices=IMAGE_DATASETS,
                       help="digits (the default) / stacked-digits: offline; mnist, fashion-mnist, cifar10: "
                            "downloaded")
    train.add_argument("--generator", default=None, choices=["translator", "symmetry"],
                       help="train cyclegan only: translator (the default, recipe CYCLEGAN_DIGITS: an "
                            "encoder-decoder) or symmetry (CYCLEGAN_SYMMETRY: a mixture of the square's "
                            "8 symmetries)")
    train.add_argument("--steps", type=_positive_int, default=None, help="iterations (default: the recipe's)")
    train.add_argument("--batch-size", type=_positive_int, default=None, help="batch (default: the recipe's)")
    train.add_argument("--seed", type=_seed, default=None, help="random seed, >= 0 (default: 0)")
    train.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    train.add_argument("--precision", default=None, choices=["fp32", "bf16"], help="bf16: autocast (default: fp32)")
    train.add_argument("--channels-last", action=argparse.BooleanOptionalAction, default=None,
                       help="channels_last memory format (default: the recipe's, on)")
    train.add_argument("--compile", nargs="?", const="default", default=None, choices=COMPILE_MODES,
                       metavar="MODE", help="torch.compile G and D; MODE: default, reduce-overhead (CUDA "
                       "graphs: the fastest for small nets on a GPU), max-autotune, max-autotune-no-cudagraphs")
    train.add_argument("--sample-every", type=_positive_int, default=None,
                       help="sample grid period (steps; default: 250)")
    train.add_argument("--eval-every", type=_positive_int, default=None,
                       help="metrics period (steps; default: --sample-every)")
    train.add_argument("--eval-samples", type=_two_or_more, default=None,
                       help="generated images per evaluation (default: as many as the real half for FID; "
                            "10,000 on stacked digits)")
    train.add_argument("--checkpoint-every", type=_positive_int, default=None,
                       help="checkpoint period (steps; default: 500)")
    train.add_argument("--data-root", default=None, type=_path_text,
                       help="download cache (default: ~/.cache/gan_edu)")
    train.add_argument("--out", required=True, type=_path_text, help="run directory")
    train.add_argument("--resume", action="store_true",
                       help="continue the run in --out from its checkpoint, with the settings of its run.json")
    train.add_argument("--force", action="store_true",
                       help="write into a non-empty --out, removing the files of its last run first")
    train.add_argument("--dry-run", action="store_true",
                       help="smoke test: 2 steps, a sample grid, metrics and a checkpoint at each")
    train.add_argument("--tensorboard", action="store_true",
                       help="also write TensorBoard event files to DIR/tensorboard (every logged scalar, "
                            "the sample grids); needs the tensorboard package")
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
