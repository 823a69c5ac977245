"""``python -m gan_edu train dcgan --out DIR``: a DCGAN run, its run directory, resume and evaluation.

Trains the DCGAN recipe of :mod:`gan_edu.recipes.images` on an image data set with a
progress bar; writes a sample grid from a fixed noise batch every ``--sample-every``
steps (``DIR/samples/step_XXXXXX.png``), a metrics log (``DIR/metrics.jsonl``: losses,
D outputs and, on digits, the FID beside the real-data floor; on stacked digits the
modes out of 1,000), a checkpoint every ``--checkpoint-every`` steps
(``DIR/checkpoint.pt``) and the run's settings (``DIR/run.json``). ``--resume``
continues an interrupted run from its checkpoint, with the settings of ``run.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

from . import _check_device, _non_empty

__all__ = ["run"]

# The settings that define a run: saved in run.json, and what --resume must agree with.
_RUN_KEYS = ("model", "dataset", "steps", "batch_size", "seed", "precision", "channels_last")


def _prepare_run_directory(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Check ``--out`` against ``--resume`` / ``--force`` (usage errors) and, on resume,
    take the run's settings from its ``run.json``."""
    out = args.out
    checkpoint_path = os.path.join(out, "checkpoint.pt")
    run_path = os.path.join(out, "run.json")
    non_empty = _non_empty(out)
    if args.resume and args.force:
        parser.error("--resume and --force exclude each other")
    if args.resume:
        if not (os.path.isfile(checkpoint_path) and os.path.isfile(run_path)):
            parser.error(f"--resume: no checkpoint.pt and run.json in --out {out!r}")
        with open(run_path) as f:
            saved = json.load(f)
        for key in ("dataset", "steps", "batch_size", "seed"):
            given = getattr(args, key)
            if key in saved and given is not None and given != parser.get_default(key) and given != saved[key]:
                parser.error(f"--resume: --{key.replace('_', '-')} {given!r} differs from the run's {saved[key]!r}")
        for key in ("dataset", "steps", "batch_size", "seed", "precision", "channels_last"):
            setattr(args, key, saved[key])
    elif non_empty and not args.force:
        parser.error(f"--out {out!r} exists and is not empty; pass --force to overwrite or --resume to continue")


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """The ``train dcgan`` command; returns the exit status (1: no data, or training diverged)."""
    out = args.out
    checkpoint_path = os.path.join(out, "checkpoint.pt")
    run_path = os.path.join(out, "run.json")
    _prepare_run_directory(parser, args)
    if args.dry_run:
        args.steps, args.sample_every, args.eval_every, args.checkpoint_every = 2, 1, 1, 1
        args.eval_samples = min(args.eval_samples or 200, 200)
    eval_every = args.eval_every or args.sample_every
    _check_device(parser, args.device)

    import torch

    from ..images import save_image_grid
    from ..recipes import DCGAN_RECIPES, build_dcgan_trainer, generate
    from ..train import DivergenceError

    recipe = DCGAN_RECIPES[args.dataset]
    overrides = {} if args.batch_size is None else {"batch_size": args.batch_size}
    if args.channels_last is not None:
        overrides["channels_last"] = args.channels_last
    log_every = math.gcd(math.gcd(args.sample_every, eval_every), 25)
    try:
        trainer = build_dcgan_trainer(
            args.dataset, seed=args.seed, steps=args.steps, device=args.device, root=args.data_root,
            precision=args.precision, compile=args.compile is not None, compile_mode=args.compile or "default",
            checkpoint_every=args.checkpoint_every, checkpoint_path=checkpoint_path, log_every=log_every,
            **overrides)
    except (RuntimeError, FileNotFoundError, ValueError) as error:  # offline download, bad file, ...
        print(f"python -m gan_edu train: error: {error}", file=sys.stderr)
        return 1
    cfg = trainer.config
    args.steps, args.batch_size, args.channels_last = cfg.steps, cfg.batch_size, cfg.channels_last
    evaluate = _evaluator(args.dataset, recipe.resolution, args.eval_samples, args.seed)

    os.makedirs(os.path.join(out, "samples"), exist_ok=True)
    metrics_path = os.path.join(out, "metrics.jsonl")
    if args.resume:
        trainer.load_checkpoint(checkpoint_path)  # ValueError, and nothing changed, if it does not fit
        _truncate_log(metrics_path, trainer.step)  # rows written after the checkpoint are redone
        print(f"resumed {out} at step {trainer.step} of {cfg.steps}")
    else:
        with open(run_path, "w") as f:
            json.dump({key: getattr(args, key) for key in _RUN_KEYS}, f, indent=2)
        open(metrics_path, "w").close()
    fixed_z = trainer.game.prior.sample(64, torch.Generator().manual_seed(args.seed + 12345))

    def on_log(t) -> None:
        row = {key: values[-1] for key, values in t.history.as_dict().items()}
        if t.step % args.sample_every == 0 or t.step == cfg.steps:
            save_image_grid(os.path.join(out, "samples", f"step_{t.step:06d}.png"), generate(t, fixed_z), 8, 2)
        if evaluate is not None and (t.step % eval_every == 0 or t.step == cfg.steps):
            row.update(evaluate(t))
        with open(metrics_path, "a") as f:
            f.write(json.dumps(row) + "\n")

    if trainer.step == 0:
        save_image_grid(os.path.join(out, "samples", "step_000000.png"), generate(trainer, fixed_z), 8, 2)
    try:
        trainer.fit(progress=not args.no_progress, callback=on_log)
    except DivergenceError as error:
        print(f"python -m gan_edu train: training diverged: {error}; the last checkpoint "
              f"({checkpoint_path}) is intact", file=sys.stderr)
        return 1
    trainer.save_checkpoint(checkpoint_path)
    save_image_grid(os.path.join(out, "samples", "final.png"), generate(trainer, fixed_z), 8, 2)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = trainer.history.plot(title=f"DCGAN on {args.dataset}: training history")
    fig.savefig(os.path.join(out, "history.png"), dpi=80)
    plt.close(fig)
    final = evaluate(trainer) if evaluate is not None else {}
    summary = ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in final.items())
    print(f"DCGAN on {args.dataset}: {trainer.step} steps" + (f"; {summary}" if summary else ""))
    print(f"wrote {out}/samples/, metrics.jsonl, checkpoint.pt, history.png, run.json")
    return 0


def _truncate_log(path: str, step: int) -> None:
    """Drop the rows of ``path`` (JSON lines) logged after ``step``: a resumed run redoes them."""
    if not os.path.isfile(path):
        return
    with open(path) as f:
        rows = [line for line in f if line.strip() and json.loads(line)["step"] <= step]
    with open(path, "w") as f:
        f.writelines(rows)


def _evaluator(dataset: str, resolution: int, n: int | None, seed: int):
    """A function ``trainer -> dict`` of quality metrics for ``dataset``, or None where there is none.

    Digits (and MNIST): FID in the feature space of the committed digit classifier
    (:mod:`gan_edu.features`) against one random half of the real images, with as many
    generated images as the other half holds, beside the floor (the FID between the two
    halves). Stacked digits: modes out of 1,000 and the reverse KL. Fashion-MNIST and
    CIFAR-10: none (no feature extractor for them can be downloaded here).
    """
    import torch

    from ..recipes import generate

    def fakes(trainer, count: int):
        z = trainer.game.prior.sample(count, torch.Generator().manual_seed(seed + 999))
        return generate(trainer, z)

    if dataset in ("digits", "mnist"):
        from .. import features
        from ..recipes import load_image_dataset

        reference, held_out = features.real_halves(
            load_image_dataset(dataset, resolution=resolution, split="all" if dataset == "digits" else "test"))
        floor = features.digit_fid(reference, held_out)
        count = n or len(held_out)

        def evaluate(trainer) -> dict:
            return {"fid": round(features.digit_fid(reference, fakes(trainer, count)), 3), "fid_floor": round(floor, 3)}

        return evaluate
    if dataset == "stacked-digits":
        from .. import features

        def evaluate(trainer) -> dict:
            result = features.stacked_mode_coverage(fakes(trainer, n or 10_000))
            return {"modes": int(result.modes), "mode_kl": round(float(result.reverse_kl), 4)}

        return evaluate
    return None
