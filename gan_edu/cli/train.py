"""``python -m gan_edu train dcgan|infogan --out DIR``: an image-GAN run, its run directory, resume, evaluation.

``train dcgan`` trains the DCGAN recipe of :mod:`gan_edu.recipes.images` on an image data
set, ``train infogan`` the InfoGAN recipe of :mod:`gan_edu.recipes.infogan` on the digits
(its grids: one row per value of the categorical code, the same noise in each column; its
metrics add the code's accuracy as a digit classifier after matching), with a
progress bar; writes a sample grid from a fixed noise batch every ``--sample-every``
steps (``DIR/samples/step_XXXXXX.png``), a metrics log (``DIR/metrics.jsonl``: losses,
D outputs and, on digits, the FID beside the real-data floor; on stacked digits the
modes out of 1,000), a checkpoint every ``--checkpoint-every`` steps
(``DIR/checkpoint.pt``) and the run's settings (``DIR/run.json``).

``--resume`` continues an interrupted run from its checkpoint with the settings of
``run.json``; a flag that differs from them is refused, never ignored. A run killed
before its first checkpoint (``run.json`` but no ``checkpoint.pt``) starts again from
step 0, with or without ``--resume``. A corrupt, empty or foreign ``checkpoint.pt``,
``run.json`` or ``metrics.jsonl`` is one line on stderr (which file, what is wrong,
what to do) and exit status 2. Every file is written atomically except the metrics
log, which is appended to: a row torn by a kill is dropped on resume, and the
temporary files of killed writes are removed when the next command starts.

``--tensorboard`` also writes TensorBoard event files (``torch.utils.tensorboard``) to
``DIR/tensorboard``: every scalar of each metrics row (losses, D outputs, gradient norms,
the metrics) under its name, and each sample grid as the image ``samples``. On resume
the events after the checkpoint's step are purged, as the metrics log's rows are.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

from ..files import atomic_write
from . import (_check_device, _check_out, _non_empty, fail, make_out, only_owned, remove_owned,
               remove_temporaries)

__all__ = ["run", "MODELS"]

MODELS = ("dcgan", "infogan")  # the models `train` knows; infogan trains on the digits only

# The files this command writes into --out: what --force removes, and nothing else.
_LAYOUT = {"": ("checkpoint.pt", "run.json", "metrics.jsonl", "history.png"),
           "samples": ("step_*.png", "final.png"), "tensorboard": ("events.out.tfevents.*",)}
# The settings that define a run: saved in run.json, and what --resume must agree with.
# The first seven are in every run.json; older ones lack the periods and eval_samples.
_RUN_KEYS = ("model", "dataset", "steps", "batch_size", "seed", "precision", "channels_last",
             "sample_every", "eval_every", "eval_samples", "checkpoint_every")
_REQUIRED = _RUN_KEYS[:7]
_DEFAULTS = {"dataset": "digits", "seed": 0, "precision": "fp32", "sample_every": 250, "checkpoint_every": 500}
_DRY_RUN = {"steps": 2, "sample_every": 1, "eval_every": 1, "checkpoint_every": 1}
_AFRESH = "start the run afresh with --force (which removes the run's files)"


class _RunFileError(Exception):
    """A file of the run directory that cannot be used: reported as one line, exit status 2."""


def _whole(minimum: int):
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= minimum


def _run_checks() -> dict:
    from ..recipes import IMAGE_DATASETS

    return {"model": lambda v: v in MODELS, "dataset": lambda v: v in IMAGE_DATASETS, "steps": _whole(1),
            "batch_size": _whole(1), "seed": _whole(0), "precision": lambda v: v in ("fp32", "bf16"),
            "channels_last": lambda v: isinstance(v, bool), "sample_every": _whole(1), "eval_every": _whole(1),
            "eval_samples": lambda v: v is None or _whole(2)(v), "checkpoint_every": _whole(1)}


def _read_run(path: str) -> dict:
    """The settings in ``run.json``, validated, or :class:`_RunFileError` saying what is wrong."""
    advice = f"restore it, or {_AFRESH}"
    try:
        with open(path, encoding="utf-8") as f:
            saved = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        why = "it is empty" if os.path.isfile(path) and os.path.getsize(path) == 0 else f"not JSON: {error}"
        raise _RunFileError(f"{path} is corrupt ({why}); it holds the run's settings, so the run cannot be "
                            f"resumed: {advice}") from None
    if not isinstance(saved, dict):
        raise _RunFileError(f"{path} is not a run.json of python -m gan_edu train (it holds a "
                            f"{type(saved).__name__}, not an object of settings): {advice}")
    missing = [key for key in _REQUIRED if key not in saved]
    if missing:
        raise _RunFileError(f"{path} is not a run.json of python -m gan_edu train (it lacks {missing}): {advice}")
    checks = _run_checks()
    for key in _RUN_KEYS:
        if key in saved and not checks[key](saved[key]):
            raise _RunFileError(f"{path} is corrupt: its {key} is {saved[key]!r}: {advice}")
    return {key: saved[key] for key in _RUN_KEYS if key in saved}


def _read_log(path: str) -> list[tuple[int, str]]:
    """The rows of ``metrics.jsonl`` as ``(step, line)``; a last line torn by a kill (no final
    newline, not JSON) is dropped. :class:`_RunFileError` names a corrupt line."""
    if not os.path.isfile(path):
        return []
    advice = f"fix or delete that line (or the whole file) to resume, or {_AFRESH}"
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError:
        raise _RunFileError(f"{path} is not UTF-8 text, so not a metrics log: delete it to resume, or {_AFRESH}") \
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
            raise _RunFileError(f"{path} line {number} is corrupt ({error}): {advice}") from None
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


def _prepare_run_directory(parser: argparse.ArgumentParser, args: argparse.Namespace) -> tuple[str, list]:
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
        saved = _read_run(run_path)
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
                raise _RunFileError(f"{error}; the run cannot be resumed from it: restore the file, "
                                    f"or {_AFRESH}") from None
            mode, rows = "resume", _read_log(os.path.join(out, "metrics.jsonl"))
    elif _non_empty(out):
        if args.force:
            mode = "force"
        elif not os.path.lexists(checkpoint_path) and only_owned(out, _LAYOUT):
            mode = "restart"  # what a run killed before its first checkpoint left: no work to lose
        else:
            parser.error(f"--out {out!r} exists and is not empty; pass --force to replace its run "
                         f"or --resume to continue it")
    for key, value in _DEFAULTS.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.model == "infogan" and args.dataset != "digits":
        parser.error(f"--dataset: train infogan trains on the digits only (its recipe and code accuracy "
                     f"are for 8x8 digits), got {args.dataset!r}")
    if args.eval_every is None:
        args.eval_every = args.sample_every
    return mode, rows


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """The ``train dcgan`` / ``train infogan`` command; returns the exit status (1: no data, or training diverged;
    2: bad arguments, or a file of the run directory that cannot be used)."""
    try:
        mode, rows = _prepare_run_directory(parser, args)
    except _RunFileError as error:
        return fail("train", str(error))
    out = args.out
    checkpoint_path = os.path.join(out, "checkpoint.pt")
    run_path = os.path.join(out, "run.json")
    metrics_path = os.path.join(out, "metrics.jsonl")
    eval_every = args.eval_every
    _check_device(parser, args.device)
    if args.tensorboard:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as error:  # the package is an extra: gan_edu[tensorboard]
            parser.error(f"--tensorboard needs the tensorboard package ({error}): pip install tensorboard")

    import torch

    from ..checkpoint import CheckpointError
    from ..images import image_grid, save_image_grid
    from ..recipes import DCGAN_RECIPES, INFOGAN_DIGITS, build_dcgan_trainer, build_infogan_trainer
    from ..train import CollapseError, DivergenceError

    infogan = args.model == "infogan"
    recipe = INFOGAN_DIGITS if infogan else DCGAN_RECIPES[args.dataset]
    overrides = {} if args.batch_size is None else {"batch_size": args.batch_size}
    if args.channels_last is not None:
        overrides["channels_last"] = args.channels_last
    log_every = math.gcd(math.gcd(args.sample_every, eval_every), 25)
    settings = dict(seed=args.seed, steps=args.steps, device=args.device, precision=args.precision,
                    compile=args.compile is not None, compile_mode=args.compile or "default",
                    checkpoint_every=args.checkpoint_every, checkpoint_path=checkpoint_path, log_every=log_every,
                    **overrides)
    try:
        trainer = (build_infogan_trainer(**settings) if infogan
                   else build_dcgan_trainer(args.dataset, root=args.data_root, **settings))
    except (RuntimeError, FileNotFoundError, ValueError) as error:  # offline download, bad file, ...
        print(f"python -m gan_edu train: error: {error}", file=sys.stderr)
        return 1
    cfg = trainer.config
    args.steps, args.batch_size, args.channels_last = cfg.steps, cfg.batch_size, cfg.channels_last
    if mode == "resume":
        try:  # nothing changes, in the trainer or the file, if it does not fit
            trainer.load_checkpoint(checkpoint_path)
        except CheckpointError as error:
            return fail("train", f"{error}; the run cannot be resumed from it: restore the file, or {_AFRESH}")

    if make_out("train", out):  # before training: an unwritable --out is reported now, not after it
        return 2
    # The remains of the last run go (with --force, or when it never wrote a checkpoint); the
    # temporary files of writes that a kill interrupted go in any case.
    (remove_owned if mode in ("force", "restart") else remove_temporaries)(out, _LAYOUT)
    os.makedirs(os.path.join(out, "samples"), exist_ok=True)
    # purge_step: events logged after the checkpoint (by the run a kill stopped) are dropped
    board = (SummaryWriter(os.path.join(out, "tensorboard"), purge_step=trainer.step + 1 if mode == "resume" else None)
             if args.tensorboard else None)
    if mode == "resume":
        with atomic_write(metrics_path, "w") as f:  # rows logged after the checkpoint are redone
            f.writelines(line for step, line in rows if step <= trainer.step)
        print(f"resumed {out} at step {trainer.step} of {cfg.steps}")
    else:
        if args.resume:
            print(f"{out} holds no checkpoint yet: the run starts again from step 0")
        with atomic_write(run_path, "w") as f:
            json.dump({key: getattr(args, key) for key in _RUN_KEYS}, f, indent=2)
        with atomic_write(metrics_path, "w"):
            pass
    evaluate = _evaluator(args.dataset, recipe.resolution, args.eval_samples, args.seed, infogan)
    fixed = _grid_inputs(trainer, args.seed + 12345)
    columns = 8

    def generate(t, inputs):
        return t.sample(len(inputs[0]), inputs=inputs).float().cpu()

    def save_grid(t, name: str) -> None:
        images = generate(t, fixed)
        save_image_grid(os.path.join(out, "samples", name), images, columns, 2)
        if board is not None:  # (H, W, C) in [0, 1], the same tiling as the PNG
            board.add_image("samples", image_grid(images, columns), t.step, dataformats="HWC")

    def on_log(t) -> None:
        row = {key: values[-1] for key, values in t.history.as_dict().items()}
        if t.step % args.sample_every == 0 or t.step == cfg.steps:
            save_grid(t, f"step_{t.step:06d}.png")
        if evaluate is not None and (t.step % eval_every == 0 or t.step == cfg.steps):
            row.update(evaluate(t))
        with open(metrics_path, "a") as f:  # appended: a kill tears at most this row (dropped on resume)
            f.write(json.dumps(row) + "\n")
        if board is not None:
            for key, value in row.items():
                if key != "step" and isinstance(value, (int, float)) and not isinstance(value, bool):
                    board.add_scalar(key, value, t.step)
            board.flush()

    try:
        if trainer.step == 0:
            save_grid(trainer, "step_000000.png")
        try:
            trainer.fit(progress=not args.no_progress, callback=on_log)
        except DivergenceError as error:
            what = "collapsed" if isinstance(error, CollapseError) else "diverged"
            print(f"python -m gan_edu train: training {what}: {error}; the last checkpoint "
                  f"({checkpoint_path}) is intact", file=sys.stderr)
            return 1
        trainer.save_checkpoint(checkpoint_path)
        save_image_grid(os.path.join(out, "samples", "final.png"), generate(trainer, fixed), columns, 2)
    finally:
        if board is not None:
            board.close()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    name = "InfoGAN" if infogan else "DCGAN"
    fig = trainer.history.plot(title=f"{name} on {args.dataset}: training history")
    with atomic_write(os.path.join(out, "history.png")) as handle:
        fig.savefig(handle, dpi=80, format="png")
    plt.close(fig)
    final = evaluate(trainer) if evaluate is not None else {}
    summary = ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in final.items())
    print(f"{name} on {args.dataset}: {trainer.step} steps" + (f"; {summary}" if summary else ""))
    print(f"wrote {out}/samples/, metrics.jsonl, checkpoint.pt, history.png, run.json")
    return 0


def _grid_inputs(trainer, seed: int) -> tuple:
    """G's inputs for the sample grids: 64 fixed draws of the prior; for InfoGAN one row per value
    of the categorical code (the same 8 noise vectors in every row, the continuous codes 0)."""
    import torch

    from ..priors import WithCodes

    draw = trainer.game.prior.sample(64, torch.Generator().manual_seed(seed))
    if not isinstance(trainer.game.prior, WithCodes):
        return draw if isinstance(draw, tuple) else (draw,)
    prior = trainer.game.prior
    z = draw[0][:8].repeat(prior.categories, 1)  # (8 K, noise): column j has noise j
    c = torch.zeros(len(z), prior.code_dim)
    c[torch.arange(len(z)), torch.arange(len(z)) // 8] = 1.0  # row k: code k
    return z, c


def _evaluator(dataset: str, resolution: int, n: int | None, seed: int, infogan: bool = False):
    """A function ``trainer -> dict`` of quality metrics for ``dataset``, or None where there is none.

    Digits (and MNIST): FID in the feature space of the committed digit classifier
    (:mod:`gan_edu.features`) against one random half of the real images, with as many
    generated images as the other half holds, beside the floor (the FID between the two
    halves). Stacked digits: modes out of 1,000 and the reverse KL. Fashion-MNIST and
    CIFAR-10: none (no feature extractor for them can be downloaded here). InfoGAN adds
    ``code_accuracy``: its categorical code as a digit classifier, codes matched to classes.
    """
    import torch

    def fakes(trainer, count: int):
        inputs = trainer.game.prior.sample(count, torch.Generator().manual_seed(seed + 999))
        return trainer.sample(count, inputs=inputs).float().cpu()

    if dataset in ("digits", "mnist"):
        from .. import features
        from ..recipes import load_image_dataset

        reference, held_out = features.real_halves(
            load_image_dataset(dataset, resolution=resolution, split="all" if dataset == "digits" else "test"))
        floor = features.digit_fid(reference, held_out)
        count = n or len(held_out)

        def evaluate(trainer) -> dict:
            row = {"fid": round(features.digit_fid(reference, fakes(trainer, count)), 3), "fid_floor": round(floor, 3)}
            if infogan:
                from ..recipes import InfoGANResult

                matching = InfoGANResult(trainer, trainer.history).code_accuracy(
                    max(count // 10, 1), generator=torch.Generator().manual_seed(seed + 998))
                row["code_accuracy"] = round(matching.accuracy, 4)
            return row

        return evaluate
    if dataset == "stacked-digits":
        from .. import features

        def evaluate(trainer) -> dict:
            result = features.stacked_mode_coverage(fakes(trainer, n or 10_000))
            return {"modes": int(result.modes), "mode_kl": round(float(result.reverse_kl), 4)}

        return evaluate
    return None
