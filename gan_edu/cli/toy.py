"""``python -m gan_edu toy TARGET --out DIR``: the default toy recipe, its plot and its metrics.

Trains the recipe of :mod:`gan_edu.recipes.toy` on a target of
:func:`gan_edu.distributions.toy` with a progress bar, writes ``samples.png``
(samples over D's contours), ``history.png`` and ``metrics.json`` into ``DIR`` and
prints the mode-coverage metrics of :mod:`gan_edu.metrics`, of G's samples and of
those that discriminator rejection sampling keeps.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from ..files import atomic_write
from . import _check_device, _check_out, _non_empty, make_out, only_owned, remove_owned, remove_temporaries

__all__ = ["run"]

# The files this command writes into --out: what --force removes, and nothing else.
_LAYOUT = {"": ("samples.png", "history.png", "metrics.json")}


def _plot_samples(result, path: str, title: str) -> None:
    """2D: 2,500 samples over D's contours and the mixture means; 1D: histogram, p_r and D(x)."""
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
    with atomic_write(path) as handle:
        fig.savefig(handle, dpi=90, format="png")
    plt.close(fig)


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """The ``toy`` command: train, plot, measure; returns the exit status."""
    out = args.out
    _check_out(parser, out)
    # A directory that holds only what killed writes left behind is no run to protect.
    if _non_empty(out) and not args.force and not only_owned(out, _LAYOUT, temporaries_only=True):
        parser.error(f"--out {out!r} exists and is not empty; pass --force to replace its toy run")
    _check_device(parser, args.device)
    if make_out("toy", out):  # before training: an unwritable --out is reported now, not after it
        return 2
    (remove_owned if args.force else remove_temporaries)(out, _LAYOUT)

    from ..metrics import mode_coverage
    from ..recipes import train_toy
    from ..train import CollapseError, DivergenceError

    try:
        result = train_toy(args.target, loss=args.loss, seed=args.seed, steps=args.steps,
                           device=args.device, progress=not args.no_progress)
    except DivergenceError as error:
        what = "collapsed" if isinstance(error, CollapseError) else "diverged"
        print(f"python -m gan_edu toy: training {what}: {error}", file=sys.stderr)
        return 1
    coverage = mode_coverage(result.sample(2500), result.data)
    n_modes = len(result.data.weights)
    metrics = dict(target=args.target, loss=args.loss, seed=args.seed, steps=result.trainer.step,
                   modes=coverage.modes, n_modes=n_modes, high_quality=coverage.high_quality,
                   reverse_kl=coverage.reverse_kl, seconds=round(result.seconds, 2))
    title = f"{args.target}, loss {args.loss}, seed {args.seed}: {coverage.modes}/{n_modes} modes"
    _plot_samples(result, os.path.join(out, "samples.png"), title)
    fig = result.history.plot(title=f"{args.target}, loss {args.loss}: training history")
    with atomic_write(os.path.join(out, "history.png")) as handle:
        fig.savefig(handle, dpi=80, format="png")
    import matplotlib.pyplot as plt

    plt.close(fig)
    drs = mode_coverage(result.sample(2500, rejection=True), result.data)
    metrics.update(drs_modes=drs.modes, drs_high_quality=drs.high_quality, drs_reverse_kl=drs.reverse_kl)
    print(f"{args.target}: {coverage.modes}/{n_modes} modes, {100 * coverage.high_quality:.1f}% high quality "
          f"(within 3 std), reverse KL {coverage.reverse_kl:.3f}, {result.seconds:.1f} s")
    print(f"  after rejection by D: {drs.modes}/{n_modes} modes, {100 * drs.high_quality:.1f}% high quality, "
          f"reverse KL {drs.reverse_kl:.3f}")
    with atomic_write(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    print(f"wrote {out}/samples.png, history.png, metrics.json")
    return 0
