"""The run directory of ``python -m gan_edu train``: its layout, ``run.json``, the metrics log, ``--resume``.

What :mod:`gan_edu.cli.train` checks before it trains: the flags against ``--resume`` /
``--force`` / ``--dry-run`` (usage errors), the settings saved in ``run.json`` (a resume
with another model, or a flag that differs from the run's, is refused), the rows of
``metrics.jsonl`` (a row torn by a kill is dropped). A file that cannot be used raises
:class:`RunFileError`: one line on stderr, exit status 2.
"""

from __future__ import annotations

import argparse
import json
import os

from . import _check_out, _non_empty, only_owned

__all__ = ["MODELS", "DIGITS_ONLY", "LAYOUT", "RUN_KEYS", "AFRESH", "RunFileError", "prepare_run_directory",
           "read_run", "read_log"]

MODELS = ("dcgan", "infogan", "cyclegan")  # the models `train` knows
DIGITS_ONLY = ("infogan", "cyclegan")  # their recipes and metrics are for the 8x8 digits
GENERATORS = ("translator", "symmetry")  # train cyclegan --generator: CYCLEGAN_DIGITS, CYCLEGAN_SYMMETRY

# The files this command writes into --out: what --force removes, and nothing else.
LAYOUT = {"": ("checkpoint.pt", "run.json", "metrics.jsonl", "history.png"),
           "samples": ("step_*.png", "final.png"), "tensorboard": ("events.out.tfevents.*",)}
# The settings that define a run: saved in run.json, and what --resume must agree with.
# The first seven are in every run.json; older ones lack the periods and eval_samples, and the
# generator (train cyclegan's; null for the other models).
RUN_KEYS = ("model", "dataset", "steps", "batch_size", "seed", "precision", "channels_last",
             "sample_every", "eval_every", "eval_samples", "checkpoint_every", "generator")
_REQUIRED = RUN_KEYS[:7]
_DEFAULTS = {"dataset": "digits", "seed": 0, "precision": "fp32", "sample_every": 250, "checkpoint_every": 500}
_DRY_RUN = {"steps": 2, "sample_every": 1, "eval_every": 1, "checkpoint_every": 1}
AFRESH = "start the run afresh with --force (which removes the run's files)"


class RunFileError(Exception):
    """A file of the run directory that cannot be used: reported as one line, exit status 2."""


def _whole(minimum: int):
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= minimum


def _run_checks() -> dict:
    from ..recipes import IMAGE_DATASETS

    return {"model": lambda v: v in MODELS, "dataset": lambda v: v in IMAGE_DATASETS, "steps": _whole(1),
            "batch_size": _whole(1), "seed": _whole(0), "precision": lambda v: v in ("fp32", "bf16"),
            "channels_last": lambda v: isinstance(v, bool), "sample_every": _whole(1), "eval_every": _whole(1),
            "eval_samples": lambda v: v is None or _whole(2)(v), "checkpoint_every": _whole(1),
            "generator": lambda v: v is None or v in GENERATORS}


def read_run(path: str) -> dict:
    """The settings in ``run.json``, validated, or :class:`RunFileError` saying what is wrong."""
    advice = f"restore it, or {AFRESH}"
    try:
        with open(path, encoding="utf-8") as f:
            saved = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        why = "it is empty" if os.path.isfile(path) and os.path.getsize(path) == 0 else f"not JSON: {error}"
        raise RunFileError(f"{path} is corrupt ({why}); it holds the run's settings, so the run cannot be "
                            f"resumed: {advice}") from None
    if not isinstance(saved, dict):
        raise RunFileError(f"{path} is not a run.json of python -m gan_edu train (it holds a "
                            f"{type(saved).__name__}, not an object of settings): {advice}")
    missing = [key for key in _REQUIRED if key not in saved]
    if missing:
        raise RunFileError(f"{path} is not a run.json of python -m gan_edu train (it lacks {missing}): {advice}")
    checks = _run_checks()
    for key in RUN_KEYS:
        if key in saved and not checks[key](saved[key]):
            raise RunFileError(f"{path} is corrupt: its {key} is {saved[key]!r}: {advice}")
    return {key: saved[key] for key in RUN_KEYS if key in saved}


def read_log(path: str) -> list[tuple[int, str]]:
    """The rows of ``metrics.jsonl`` as ``(step, line)``; a last line torn by a kill (no final
    newline, not JSON) is dropped. :class:`RunFileError` names a corrupt line."""
    if not os.path.isfile(path):
        return []
    advice = f"fix or delete that line (or the whole file) to resume, or {AFRESH}"
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError:
        raise RunFileError(f"{path} is not UTF-8 text, so not a metrics log: delete it to resume, or {AFRESH}") \
            from None
    lines = text.split("\n")
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        torn = number == len(lines)  # after the last newline: a write that a kill cut short, perhaps
        try:
            row = json.loads(line)
            if not isinstance(row, dict) or not _whole(0)(row.get("step")):
                raise ValueError("not a JSON object with an integer 'step'")
        except ValueError as error:
            if torn:
                continue
            raise RunFileError(f"{path} line {number} is corrupt ({error}): {advice}") from None
        rows.append((row["step"], line + "\n"))
    return rows


def _flag(key: str, value) -> str:
    if key == "model":
        return f"model {value}"
    if value is None:
        return f"default --{key.replace('_', '-')}"
    if key == "channels_last":
        return "--channels-last" if value else "--no-channels-last"
    return f"--{key.replace('_', '-')} {value}"


def prepare_run_directory(parser: argparse.ArgumentParser, args: argparse.Namespace) -> tuple[str, list]:
    """Check ``--out`` and the flags against ``--resume`` / ``--force`` / ``--dry-run`` (usage
    errors), read what a resume needs, fill in the defaults. Returns the mode, ``"new"``,
    ``"force"``, ``"restart"`` (a run without a checkpoint) or ``"resume"``, and on resume
    the rows of the metrics log."""
    out = args.out
    _check_out(parser, out)
    checkpoint_path, run_path = os.path.join(out, "checkpoint.pt"), os.path.join(out, "run.json")
    if args.resume and args.force:
        parser.error("--resume and --force exclude each other")
    if args.dry_run:
        if args.resume:
            parser.error("--dry-run starts a new smoke-test run; it cannot --resume one")
        given = [f"--{key.replace('_', '-')}" for key in _DRY_RUN if getattr(args, key) is not None]
        if given:
            parser.error(f"--dry-run sets the steps and the periods itself; leave out {', '.join(given)}")
        for key, value in _DRY_RUN.items():
            setattr(args, key, value)
        args.eval_samples = args.eval_samples or 200
    mode, rows = "new", []
    if args.resume:
        if not os.path.isfile(run_path):
            parser.error(f"--resume: no run.json in --out {out!r}, so no run to resume")
        saved = read_run(run_path)
        conflicts = [f"{_flag(key, getattr(args, key))} differs from the run's {_flag(key, value)}"
                     for key, value in saved.items() if key != "model" and getattr(args, key) is not None
                     and getattr(args, key) != value]
        if saved["model"] != args.model:
            conflicts.insert(0, f"the model {args.model} differs from the run's {saved['model']}")
        if conflicts:
            parser.error(f"--resume: {'; '.join(conflicts)} (run.json holds the run's settings; "
                         f"leave the flag out, or start a new run in another --out)")
        for key, value in saved.items():
            setattr(args, key, value)
        mode = "restart"  # run.json but no checkpoint: killed before its first one; nothing to resume
        if os.path.lexists(checkpoint_path):
            from ..checkpoint import CheckpointError, read

            try:
                read(checkpoint_path)
            except CheckpointError as error:
                raise RunFileError(f"{error}; the run cannot be resumed from it: restore the file, "
                                    f"or {AFRESH}") from None
            mode, rows = "resume", read_log(os.path.join(out, "metrics.jsonl"))
    elif _non_empty(out):
        if args.force:
            mode = "force"
        elif not os.path.lexists(checkpoint_path) and only_owned(out, LAYOUT):
            mode = "restart"  # what a run killed before its first checkpoint left: no work to lose
        else:
            parser.error(f"--out {out!r} exists and is not empty; pass --force to replace its run "
                         f"or --resume to continue it")
    for key, value in _DEFAULTS.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.model in DIGITS_ONLY and args.dataset != "digits":
        parser.error(f"--dataset: train {args.model} trains on the digits only (its recipe and metrics "
                     f"are for 8x8 digits), got {args.dataset!r}")
    if args.generator is not None and args.model != "cyclegan":
        parser.error(f"--generator: only train cyclegan has a choice of generators; train {args.model} "
                     f"got {args.generator!r}")
    if args.model == "cyclegan" and args.generator is None:
        args.generator = GENERATORS[0]
    if args.eval_every is None:
        args.eval_every = args.sample_every
    return mode, rows
