"""``python -m gan_edu train dcgan|infogan|cyclegan --out DIR``: an image-GAN run, its run directory, resume, evaluation.

``train dcgan`` trains the DCGAN recipe of :mod:`gan_edu.recipes.images` on an image data
set, ``train infogan`` the InfoGAN recipe of :mod:`gan_edu.recipes.infogan` on the digits
(its grids: one row per value of the categorical code, the same noise in each column; its
metrics add the code's accuracy as a digit classifier after matching), ``train cyclegan``
the CycleGAN recipe of :mod:`gan_edu.recipes.cyclegan` (digits to rotated digits; its grids:
8 fixed held-out digits a, G(a) and F(G(a)) in three rows; its metrics: cycle error,
translation error and label preservation on the held-out digits), with a
progress bar; writes a sample grid from a fixed noise batch every ``--sample-every``
steps (``DIR/samples/step_XXXXXX.png``), a metrics log (``DIR/metrics.jsonl``: losses,
D outputs and, on digits, the FID beside the real-data floor; on stacked digits the
modes out of 1,000), a checkpoint every ``--checkpoint-every`` steps
(``DIR/checkpoint.pt``) and the run's settings (``DIR/run.json``). The checks of the run
directory are in :mod:`gan_edu.cli.run_dir`.

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
from . import _check_device, fail, make_out, remove_owned, remove_temporaries
from .run_dir import AFRESH, LAYOUT, MODELS, RUN_KEYS, RunFileError, prepare_run_directory

__all__ = ["run", "MODELS"]

_NAMES = {"dcgan": "DCGAN", "infogan": "InfoGAN", "cyclegan": "CycleGAN"}


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """The ``train dcgan|infogan|cyclegan`` command; returns the exit status (1: no data, or training diverged;
    2: bad arguments, or a file of the run directory that cannot be used)."""
    try:
        mode, rows = prepare_run_directory(parser, args)
    except RunFileError as error:
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
    from ..recipes import (CYCLEGAN_DIGITS, CYCLEGAN_SYMMETRY, DCGAN_RECIPES, INFOGAN_DIGITS,
                           build_cyclegan_trainer, build_dcgan_trainer, build_infogan_trainer)
    from ..train import CollapseError, DivergenceError

    recipe = (DCGAN_RECIPES[args.dataset] if args.model == "dcgan"
              else INFOGAN_DIGITS if args.model == "infogan"
              else CYCLEGAN_SYMMETRY if args.generator == "symmetry" else CYCLEGAN_DIGITS)
    overrides = {} if args.batch_size is None else {"batch_size": args.batch_size}
    if args.channels_last is not None:
        overrides["channels_last"] = args.channels_last
    log_every = math.gcd(math.gcd(args.sample_every, eval_every), 25)
    settings = dict(seed=args.seed, steps=args.steps, device=args.device, precision=args.precision,
                    compile=args.compile is not None, compile_mode=args.compile or "default",
                    checkpoint_every=args.checkpoint_every, checkpoint_path=checkpoint_path, log_every=log_every,
                    **overrides)
    try:
        if args.model == "dcgan":
            trainer = build_dcgan_trainer(args.dataset, root=args.data_root, **settings)
        elif args.model == "infogan":
            trainer = build_infogan_trainer(**settings)
        else:
            trainer = build_cyclegan_trainer(recipe=recipe, **settings)
    except (RuntimeError, FileNotFoundError, ValueError) as error:  # offline download, bad file, ...
        print(f"python -m gan_edu train: error: {error}", file=sys.stderr)
        return 1
    cfg = trainer.config
    args.steps, args.batch_size, args.channels_last = cfg.steps, cfg.batch_size, cfg.channels_last
    if mode == "resume":
        try:  # nothing changes, in the trainer or the file, if it does not fit
            trainer.load_checkpoint(checkpoint_path)
        except CheckpointError as error:
            return fail("train", f"{error}; the run cannot be resumed from it: restore the file, or {AFRESH}")

    if make_out("train", out):  # before training: an unwritable --out is reported now, not after it
        return 2
    # The remains of the last run go (with --force, or when it never wrote a checkpoint); the
    # temporary files of writes that a kill interrupted go in any case.
    (remove_owned if mode in ("force", "restart") else remove_temporaries)(out, LAYOUT)
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
            json.dump({key: getattr(args, key) for key in RUN_KEYS}, f, indent=2)
        with atomic_write(metrics_path, "w"):
            pass
    evaluate = _evaluator(args.dataset, recipe.resolution, args.eval_samples, args.seed, args.model)
    generate = _grid_images(trainer, args.seed + 12345)
    columns = 8

    def save_grid(t, name: str) -> None:
        images = generate(t)
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
        save_image_grid(os.path.join(out, "samples", "final.png"), generate(trainer), columns, 2)
    finally:
        if board is not None:
            board.close()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    name = _NAMES[args.model]
    fig = trainer.history.plot(title=f"{name} on {args.dataset}: training history")
    with atomic_write(os.path.join(out, "history.png")) as handle:
        fig.savefig(handle, dpi=80, format="png")
    plt.close(fig)
    final = evaluate(trainer) if evaluate is not None else {}
    summary = ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in final.items())
    print(f"{name} on {args.dataset}: {trainer.step} steps" + (f"; {summary}" if summary else ""))
    print(f"wrote {out}/samples/, metrics.jsonl, checkpoint.pt, history.png, run.json")
    return 0


def _grid_images(trainer, seed: int):
    """A function ``trainer -> images`` of the sample grids, 8 columns, from fixed inputs: 64 draws of
    the prior; for InfoGAN one row per value of the categorical code (the same 8 noise vectors in
    every row, the continuous codes 0); for CycleGAN 8 held-out digits a, a row of them, a row of
    G_ab(a) and a row of G_ba(G_ab(a))."""
    import torch

    from ..games import CycleGAN
    from ..priors import WithCodes

    generator = torch.Generator().manual_seed(seed)
    if isinstance(trainer.game, CycleGAN):
        from ..recipes import CycleGANResult
        from ..recipes.cyclegan import held_out_digits

        images, _ = held_out_digits(trainer.game.G_ab.resolution)
        a = images[torch.randperm(len(images), generator=generator)[:8]]  # (8, 1, R, R)

        def cycle(t):
            result = CycleGANResult(t, t.history)
            b = result.translate(a, "a2b")
            return torch.cat([a, b, result.translate(b, "b2a")])  # (24, 1, R, R): rows a, G(a), F(G(a))

        return cycle
    draw = trainer.game.prior.sample(64, generator)
    if not isinstance(trainer.game.prior, WithCodes):
        inputs = draw if isinstance(draw, tuple) else (draw,)
    else:
        prior = trainer.game.prior
        z = draw[0][:8].repeat(prior.categories, 1)  # (8 K, noise): column j has noise j
        c = torch.zeros(len(z), prior.code_dim)
        c[torch.arange(len(z)), torch.arange(len(z)) // 8] = 1.0  # row k: code k
        inputs = (z, c)
    return lambda t: t.sample(len(inputs[0]), inputs=inputs).float().cpu()


def _evaluator(dataset: str, resolution: int, n: int | None, seed: int, model: str = "dcgan"):
    """A function ``trainer -> dict`` of quality metrics for ``dataset``, or None where there is none.

    Digits (and MNIST): FID in the feature space of the committed digit classifier
    (:mod:`gan_edu.features`) against one random half of the real images, with as many
    generated images as the other half holds, beside the floor (the FID between the two
    halves). Stacked digits: modes out of 1,000 and the reverse KL. Fashion-MNIST and
    CIFAR-10: none (no feature extractor for them can be downloaded here). InfoGAN adds
    ``code_accuracy``: its categorical code as a digit classifier, codes matched to classes.
    CycleGAN has no FID: its metrics are those of :class:`gan_edu.recipes.CycleGANResult` on the
    held-out digits (the first ``n`` of them), each direction's cycle error, translation error and
    label preservation, and the hidden-information count.
    """
    import torch

    if model == "cyclegan":
        return _cyclegan_evaluator(resolution, n)

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
            if model == "infogan":
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


def _cyclegan_evaluator(resolution: int, n: int | None):
    from ..recipes import CycleGANResult
    from ..recipes.cyclegan import held_out_digits

    images, labels = held_out_digits(resolution)
    images, labels = images[:n], labels[:n]

    def evaluate(trainer) -> dict:
        result = CycleGANResult(trainer, trainer.history)
        row = {}
        for name, value in (("cycle_error", result.cycle_error(images)),
                            ("translation_error", result.translation_error(images)),
                            ("label_preservation", result.label_preservation(images, labels))):
            row[f"{name}_a2b"], row[f"{name}_b2a"] = round(value.a2b, 4), round(value.b2a, 4)
        row["hidden_information"] = result.hidden_information(images=images, labels=labels).count
        return row

    return evaluate
