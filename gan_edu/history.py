"""The training history: what a game reported, one column per quantity, one row per log.

The trainer appends a row every ``log_every`` iterations: ``step``, each player's
loss (``d_loss``, ``g_loss``), the game's statistics (for a GAN the mean D outputs
``d_real``, ``d_fake`` and logits ``logit_real``, ``logit_fake``; for InfoGAN the
information terms; for CycleGAN the cycle error) and the gradient norm of each
player (``grad_norm_d``, ``grad_norm_g``). Columns are whatever the game reports;
a quantity missing from a row is NaN there. :meth:`History.plot` draws what is there.
"""

from __future__ import annotations

import math

__all__ = ["History"]


class History:
    """Columns of floats keyed by name, plus ``step``; ``history.d_loss`` reads a column."""

    def __init__(self, step: list[int] | None = None, **columns: list[float]) -> None:
        self.step: list[int] = list(step or [])
        self.columns: dict[str, list[float]] = {}
        for name, values in columns.items():
            if len(values) != len(self.step):
                raise ValueError(f"history column {name!r} has {len(values)} values for {len(self.step)} steps")
            self.columns[name] = list(values)

    def append(self, row: dict[str, float]) -> None:
        """Add a row; a new column is NaN in earlier rows, a missing one NaN in this row."""
        if not isinstance(row, dict) or "step" not in row:
            raise ValueError(f"row must be a dict with a 'step', got {row!r}")
        n = len(self.step)
        self.step.append(int(row["step"]))
        for name, value in row.items():
            if name != "step" and name not in self.columns:
                self.columns[name] = [math.nan] * n
        for name, values in self.columns.items():
            values.append(float(row.get(name, math.nan)))

    def __getattr__(self, name: str) -> list[float]:
        columns = self.__dict__.get("columns", {})
        if name in columns:
            return columns[name]
        raise AttributeError(f"history has no column {name!r}; it has {sorted(columns)}")

    def __len__(self) -> int:
        return len(self.step)

    def __contains__(self, name: str) -> bool:
        return name == "step" or name in self.columns

    def as_dict(self) -> dict[str, list]:
        return {"step": list(self.step), **{k: list(v) for k, v in self.columns.items()}}

    def last(self) -> dict[str, float]:
        """The last row as a dict."""
        return {"step": self.step[-1], **{k: v[-1] for k, v in self.columns.items()}}

    def plot(self, title: str = "GAN training", references: dict[str, tuple[float, str]] | None = None):
        """Panels of what was recorded: losses, D outputs, gradient norms, then any other terms
        (at most three panels per row, each 2.3 in wide, so that a figure fits a book column
        at its natural size).

        ``references`` maps a column to ``(value, label)``: a dashed line drawn in that
        column's panel, e.g. ``{"d_loss": (math.log(4), "log 4: D = 1/2")}``, the value of
        D's cross-entropy at the equilibrium. The panel of D's outputs always marks 1/2.
        """
        import matplotlib.pyplot as plt

        references = {} if references is None else dict(references)
        for key, ref in references.items():
            if key not in self.columns:
                raise ValueError(f"references: no column {key!r} in this history (columns: {sorted(self.columns)})")
            if not (isinstance(ref, tuple) and len(ref) == 2 and isinstance(ref[1], str)):
                raise ValueError(f"references[{key!r}] must be (value, label), got {ref!r}")
        names = list(self.columns)
        losses = [n for n in names if n.endswith("_loss")]
        outputs = [n for n in ("d_real", "d_fake") if n in self.columns]
        norms = [n for n in names if n.startswith("grad_norm_")]
        other = [n for n in names if n not in losses + outputs + norms and not n.startswith("logit_")]
        panels = [("Losses", "loss (nats)", losses), ("Discriminator outputs", "mean D(x)", outputs),
                  ("Gradient norms", "global L2 norm", norms), ("Other terms", "value", other)]
        panels = [p for p in panels if p[2]]
        cols = min(3, len(panels))
        rows = math.ceil(len(panels) / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(2.3 * cols, 2.6 * rows), constrained_layout=True,
                                 squeeze=False)
        labels = {"d_real": "D(x_real)", "d_fake": "D(G(z))"}
        for ax, (name, ylabel, series) in zip(axes.flat, panels):
            for key in series:
                line, = ax.plot(self.step, self.columns[key], label=labels.get(key, key))
                if key in references:
                    value, label = references[key]
                    ax.axhline(value, color=line.get_color(), lw=1, ls="--", label=label)
            ax.set(title=name, xlabel="iteration", ylabel=ylabel)
            if name == "Discriminator outputs":
                ax.axhline(0.5, color="grey", lw=0.8, ls="--", label="1/2")  # the equilibrium value, eq. (15)
            ax.legend()
            if name == "Gradient norms":
                ax.set_yscale("log")
        for ax in list(axes.flat)[len(panels):]:
            ax.set_visible(False)
        fig.suptitle(title)
        return fig
