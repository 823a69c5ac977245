"""The command line.

``python -m gan_edu toy ring8 --loss ns --seed 0 --out DIR``
    trains the default recipe of :mod:`gan_edu.recipes` on a toy target with a
    progress bar, writes ``samples.png`` (samples over D's contours),
    ``history.png`` and ``metrics.json`` into ``DIR`` and prints the mode-coverage
    metrics of :mod:`gan_edu.metrics`.

``python -m gan_edu train dcgan --dataset digits --steps 3000 --out DIR``
    trains the DCGAN recipe on an image data set with a progress bar; writes a
    sample grid from a fixed noise batch every ``--sample-every`` steps
    (``DIR/samples/step_XXXXXX.png``), a metrics log (``DIR/metrics.jsonl``: losses,
    D outputs and, on digits, the FID beside the real-data floor; on stacked digits
    the modes out of 1,000), a checkpoint every ``--checkpoint-every`` steps
    (``DIR/checkpoint.pt``) and the run's settings (``DIR/run.json``).
    ``--resume`` continues an interrupted run from its checkpoint.

An existing, non-empty ``DIR`` is never overwritten without ``--force``; bad
arguments are usage errors (exit status 2).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from .distributions import TOY_NAMES
from .losses import LOSSES
from .train import COMPILE_MODES

__all__ = ["main", "build_parser"]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


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

    from .recipes import IMAGE_DATASETS

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


def _plot_samples(result, path: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import torch

    data = result.data
    samples = result.sample(2500).numpy()
    low, high = data.bounds(width=4.0)
    pad = 0.25 * (high - low)
    low, high = low - pad, high + pad
    fig, ax = plt.subplots(figsize=(5.5, 4.5) if data.dim == 2 else (6, 3.5), constrained_layout=True)
    if data.dim == 2:
        xs, ys = np.linspace(low[0], high[0], 200), np.linspace(low[1], high[1], 200)
        grid = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)  # (200*200, 2)
        d = result.d_probability(torch.as_tensor(grid, dtype=torch.float32)).numpy().reshape(200, 200)
        contour = ax.contourf(xs, ys, d, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
        fig.colorbar(contour, ax=ax, label="D(x)")
        ax.scatter(samples[:, 0], samples[:, 1], s=2, c="k", alpha=0.5, label="G(z), 2,500 samples")
        ax.scatter(data.means[:, 0], data.means[:, 1], marker="x", c="gold", s=30, label="mixture means")
        ax.set(xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    else:
        xs = np.linspace(low[0], high[0], 400)
        ax.hist(samples[:, 0], bins=80, range=(low[0], high[0]), density=True, alpha=0.5, label="G(z) samples")
        ax.plot(xs, data.pdf(xs[:, None]), label="$p_r$")
        d = result.d_probability(torch.as_tensor(xs[:, None], dtype=torch.float32)).numpy()
        ax.plot(xs, d, label="D(x)")
        ax.set(xlabel="x", ylabel="density / D(x)")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=7)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "train":
        return _train(parser, args)
    if os.path.exists(args.out) and (not os.path.isdir(args.out) or os.listdir(args.out)) and not args.force:
        parser.error(f"--out {args.out!r} exists and is not empty; pass --force to overwrite")
    try:
        from .device import resolve_device

        resolve_device(args.device)
    except ValueError as error:
        parser.error(str(error))

    from .metrics import mode_coverage
    from .recipes import train_toy

    result = train_toy(args.target, loss=args.loss, seed=args.seed, steps=args.steps,
                       device=args.device, progress=not args.no_progress)
    os.makedirs(args.out, exist_ok=True)
    coverage = mode_coverage(result.sample(2500), result.data)
    n_modes = len(result.data.weights)
    metrics = dict(target=args.target, loss=args.loss, seed=args.seed, steps=result.trainer.step,
                   modes=coverage.modes, n_modes=n_modes, high_quality=coverage.high_quality,
                   reverse_kl=coverage.reverse_kl, seconds=round(result.seconds, 2))
    title = f"{args.target}, loss {args.loss}, seed {args.seed}: {coverage.modes}/{n_modes} modes"
    _plot_samples(result, os.path.join(args.out, "samples.png"), title)
    fig = result.history.plot(title=f"{args.target}, loss {args.loss}: training history")
    fig.savefig(os.path.join(args.out, "history.png"), dpi=80)
    import matplotlib.pyplot as plt

    plt.close(fig)
    drs = mode_coverage(result.sample(2500, rejection=True), result.data)
    metrics.update(drs_modes=drs.modes, drs_high_quality=drs.high_quality, drs_reverse_kl=drs.reverse_kl)
    print(f"{args.target}: {coverage.modes}/{n_modes} modes, {100 * coverage.high_quality:.1f}% high quality "
          f"(within 3 std), reverse KL {coverage.reverse_kl:.3f}, {result.seconds:.1f} s")
    print(f"  after rejection by D: {drs.modes}/{n_modes} modes, {100 * drs.high_quality:.1f}% high quality, "
          f"reverse KL {drs.reverse_kl:.3f}")
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    print(f"wrote {args.out}/samples.png, history.png, metrics.json")
    return 0


# --- train: image GANs --------------------------------------------------------------------

# The settings that define a run: saved in run.json, and what --resume must agree with.
_RUN_KEYS = ("model", "dataset", "steps", "batch_size", "seed", "precision", "channels_last")


def _train(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    import math

    out = args.out
    checkpoint_path = os.path.join(out, "checkpoint.pt")
    run_path = os.path.join(out, "run.json")
    non_empty = os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out))
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
    if args.dry_run:
        args.steps, args.sample_every, args.eval_every, args.checkpoint_every = 2, 1, 1, 1
        args.eval_samples = min(args.eval_samples or 200, 200)
    eval_every = args.eval_every or args.sample_every
    try:
        from .device import resolve_device

        resolve_device(args.device)
    except ValueError as error:
        parser.error(str(error))

    import torch

    from .images import save_image_grid
    from .recipes import DCGAN_RECIPES, build_dcgan_trainer, generate
    from .train import DivergenceError

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

    from .recipes import generate

    def fakes(trainer, count: int):
        z = trainer.game.prior.sample(count, torch.Generator().manual_seed(seed + 999))
        return generate(trainer, z)

    if dataset in ("digits", "mnist"):
        from . import features
        from .recipes import load_image_dataset

        reference, held_out = features.real_halves(
            load_image_dataset(dataset, resolution=resolution, split="all" if dataset == "digits" else "test"))
        floor = features.digit_fid(reference, held_out)
        count = n or len(held_out)

        def evaluate(trainer) -> dict:
            return {"fid": round(features.digit_fid(reference, fakes(trainer, count)), 3), "fid_floor": round(floor, 3)}

        return evaluate
    if dataset == "stacked-digits":
        from . import features

        def evaluate(trainer) -> dict:
            result = features.stacked_mode_coverage(fakes(trainer, n or 10_000))
            return {"modes": int(result.modes), "mode_kl": round(float(result.reverse_kl), 4)}

        return evaluate
    return None


if __name__ == "__main__":
    sys.exit(main())
