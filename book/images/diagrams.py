"""Draw the book's diagrams (SVG, into this folder): ``python book/images/diagrams.py``.

The chapter pages show these before their labs: the two players and what flows between
them, the source's training loop, the DCGAN architecture, and the generator's two costs
against D(G(z)). The two cost curves are computed here (closed forms); the rest are
drawings. The files are committed; rerun the script after changing it (``make diagrams``).
Every figure is drawn 7.5 in wide (720 px at 96 px/in, wider than the book's text column),
with 10-pt text or larger, so it shrinks, never grows, when displayed.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

HERE = Path(__file__).resolve().parent
WIDTH = 7.5  # inches
plt.rcParams.update({"font.size": 11, "svg.hashsalt": "gan-edu", "svg.fonttype": "path",
                     "font.family": "DejaVu Sans"})
BLUE, ORANGE, GREEN, GREY = "#1f77b4", "#ff7f0e", "#2ca02c", "#555555"


def _box(ax, x, y, w, h, text, colour, size=11, weight="normal"):
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=colour + "22", edgecolor=colour, linewidth=1.6))
    ax.text(x, y, text, ha="center", va="center", fontsize=size, weight=weight)


def _arrow(ax, start, end, text="", colour=GREY, offset=(0.0, 0.12), style="-|>", ls="-", rad=0.0, size=10):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=14, color=colour, linewidth=1.5,
                                 linestyle=ls, connectionstyle=f"arc3,rad={rad}"))
    if text:
        mid = ((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1])
        ax.text(*mid, text, ha="center", va="center", fontsize=size, color=colour)


def _canvas(height: float, xlim=(0, 10), ylim=(0, 4)):
    fig, ax = plt.subplots(figsize=(WIDTH, height))
    ax.set(xlim=xlim, ylim=ylim, aspect="auto")
    ax.axis("off")
    return fig, ax


def players(path: Path) -> None:
    """G and D, and what flows between them."""
    fig, ax = _canvas(3.6, xlim=(0, 10.2), ylim=(0.1, 4.4))
    _box(ax, 1.0, 3.0, 1.6, 0.8, "$z \\sim p_z$\nnoise", GREY)
    _box(ax, 3.6, 3.0, 1.9, 0.9, "generator\n$G_\\phi$", ORANGE, weight="bold")
    _box(ax, 1.0, 1.0, 1.6, 0.8, "$x_r \\sim p_r$\ndata", BLUE)
    _box(ax, 6.4, 2.0, 2.3, 1.0, "discriminator\n$D_\\theta$", GREEN, weight="bold")
    _box(ax, 9.35, 2.0, 1.7, 1.0, "$D(x) = \\sigma(l)$\n1 real, 0 fake", GREY, size=10)
    _arrow(ax, (1.8, 3.0), (2.65, 3.0))
    _arrow(ax, (4.55, 2.8), (5.25, 2.3))
    ax.text(4.35, 2.3, "$x_f = G(z)$", ha="center", fontsize=10, color=ORANGE)
    _arrow(ax, (1.8, 1.0), (5.25, 1.75), "$x_r$, label 1", BLUE, offset=(0.0, -0.32))
    _arrow(ax, (7.55, 2.0), (8.45, 2.0))
    ax.text(8.0, 2.1, "logit $l$", ha="center", va="bottom", fontsize=9, color=GREY)
    _arrow(ax, (6.4, 2.5), (3.9, 3.45), colour=ORANGE, ls="--", rad=0.45)
    ax.text(5.6, 4.15, "G's loss: its gradient flows back through $D$ to $\\phi$", ha="center", fontsize=10,
            color=ORANGE)
    ax.text(5.1, 0.3, "D's loss: cross-entropy of its verdicts on $x_r$ (label 1) and $x_f$ (label 0)",
            ha="center", fontsize=10, color=GREEN)
    fig.savefig(path, bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)


def training_loop(path: Path) -> None:
    """The source's algorithm: k D steps, then one G step, repeated."""
    fig, ax = _canvas(3.1, ylim=(-0.1, 4.0))
    _box(ax, 1.4, 2.0, 2.4, 1.5, "draw $m$ samples\n$x_r \\sim p_r$, $z \\sim p_z$", GREY)
    _box(ax, 4.8, 2.0, 2.4, 1.5, "update $D$:\nascend the value\n(eq. 3)", GREEN)
    _box(ax, 8.4, 2.0, 2.6, 1.5, "draw $z \\sim p_z$;\nupdate $G$:\ndescend eq. (4) or (5)", ORANGE, size=10)
    _arrow(ax, (2.6, 2.0), (3.6, 2.0))
    _arrow(ax, (6.0, 2.0), (7.1, 2.0))
    ax.text(6.55, 2.12, "after $k$\nD steps", ha="center", va="bottom", fontsize=9, color=GREY)
    _arrow(ax, (4.4, 2.75), (1.8, 2.75), colour=GREEN, rad=0.5)
    ax.text(3.1, 3.6, "$k$ times", ha="center", fontsize=10, color=GREEN)
    _arrow(ax, (8.4, 1.25), (1.4, 1.25), colour=GREY, rad=-0.2)
    ax.text(4.9, 0.05, "repeat every iteration: G is frozen during D's steps, D during G's", ha="center",
            fontsize=10, color=GREY)
    fig.savefig(path, bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)


def dcgan(path: Path) -> None:
    """The DCGAN generator and discriminator at 64 px (Radford et al. 2016, Fig. 1)."""
    fig, ax = _canvas(5.4, xlim=(0, 10), ylim=(-0.8, 7.3))
    g_layers = [("$z$\n100", 0.2, 0.8), ("4×4\n512", 0.9, 0.8), ("8×8\n256", 0.75, 1.1), ("16×16\n128", 0.6, 1.4),
                ("32×32\n64", 0.5, 1.8), ("64×64\n3", 0.4, 2.2)]
    for row, (layers, colour, y, title, subtitle) in enumerate((
            (g_layers, ORANGE, 5.3, "generator: transposed convolutions (stride 2) upsample",
             "ConvT 4×4, then batch norm + ReLU; output layer: tanh"),
            (g_layers[::-1][:-1] + [("logit\n1", 0.2, 0.8)], GREEN, 1.6,
             "discriminator: strided convolutions downsample",
             "Conv 4×4, then batch norm + LeakyReLU(0.2); output: one logit"))):
        xs = np.linspace(0.6, 9.4, len(layers))
        for i, (x, (label, width, height)) in enumerate(zip(xs, layers)):
            ax.add_patch(plt.Rectangle((x - width / 2, y - height / 2), width, height, facecolor=colour + "33",
                                       edgecolor=colour, linewidth=1.4))
            ax.text(x, y - height / 2 - 0.1, label, ha="center", va="top", fontsize=10)
            if i:
                ax.add_patch(FancyArrowPatch((xs[i - 1] + layers[i - 1][1] / 2 + 0.05, y),
                                             (x - width / 2 - 0.05, y), arrowstyle="-|>", mutation_scale=12,
                                             color=GREY, linewidth=1.2))
        ax.text(5.0, y + 1.6, title, ha="center", fontsize=11, weight="bold", color=colour)
        ax.text(5.0, y + 1.2, subtitle, ha="center", fontsize=10)
    ax.text(5.0, -0.7, "no pooling, no fully connected hidden layer; no batch norm on G's output or D's input",
            ha="center", fontsize=10, color=GREY)
    fig.savefig(path, bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)


def generator_costs(path: Path) -> None:
    """The generator's two costs, eq. (5) and eq. (4), against s = D(G(z))."""
    s = np.linspace(1e-3, 1 - 1e-3, 999)
    fig, (left, right) = plt.subplots(1, 2, figsize=(WIDTH, 3.2))
    left.plot(s, np.log1p(-s), color=BLUE, lw=2, label="minimax, eq. (5): $\\log(1 - s)$")
    left.plot(s, -np.log(s), color=ORANGE, lw=2, label="non-saturating, eq. (4): $-\\log s$")
    left.axvspan(0, 0.1, color="0.9")
    left.text(0.05, -3.9, "D rejects\nthe fakes", ha="center", fontsize=9, color=GREY)
    left.set(xlabel="$s = D(G(z))$", ylabel="G's cost (nats)", ylim=(-4.5, 7), title="the cost G minimises")
    left.legend(fontsize=9, loc="upper right")
    right.semilogy(s, s, color=BLUE, lw=2, label="minimax: $s$")
    right.semilogy(s, 1 - s, color=ORANGE, lw=2, label="non-saturating: $1 - s$")
    right.axvspan(0, 0.1, color="0.9")
    right.set(xlabel="$s = D(G(z))$", ylabel="|d cost / d logit|", title="the gradient it passes back")
    right.legend(fontsize=9, loc="lower center")
    fig.tight_layout()
    fig.savefig(path, bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)


if __name__ == "__main__":
    for name, draw in (("gan-players", players), ("training-loop", training_loop), ("dcgan-architecture", dcgan),
                       ("generator-costs", generator_costs)):
        draw(HERE / f"{name}.svg")
        print(f"wrote {HERE / name}.svg")
