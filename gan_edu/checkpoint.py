"""Checkpoints of a :class:`~gan_edu.train.Trainer`: atomic writes, safe loads.

A checkpoint holds the weights of G, D and the EMA of G, both optimisers, the
trainer's random generator, the step and the history, so a resumed run ends
bit-identical to an uninterrupted one on a CPU. Files are written to a
temporary file and renamed (readers never see half a file) and read with
``torch.load(weights_only=True)`` (no arbitrary pickles). Everything is
validated before anything is changed.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import asdict
from typing import TYPE_CHECKING

import torch
from torch import Tensor

if TYPE_CHECKING:
    from .train import Trainer

__all__ = ["trainer_state", "save", "load"]

# Fields that change how a run is logged or executed, not what it computes.
_RUN_ONLY_FIELDS = {"log_every", "checkpoint_every", "checkpoint_path", "device", "compile", "compile_mode"}
_FORMAT = "gan_edu.train/1"


def trainer_state(t: Trainer) -> dict:
    """Everything needed to resume ``t`` bit-identically: weights, optimisers, RNG, step, history."""
    return {
        "format": _FORMAT, "step": t.step, "config": asdict(t.config), "loss": t.loss.name,
        "G": t.G.state_dict(), "D": t.D.state_dict(),
        "G_ema": t.G_ema.state_dict() if t.G_ema is not None else None,
        "opt_d": t.opt_d.state_dict(), "opt_g": t.opt_g.state_dict(),
        "generator": t.generator.get_state(), "history": t.history.as_dict(),
    }


def save(t: Trainer, path: str) -> None:
    """Write :func:`trainer_state` to ``path`` atomically (temporary file, then rename)."""
    state = trainer_state(t)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".ckpt-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)  # atomic: readers see the old file or the new one, never half
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _same_shapes(name: str, saved: dict, current: dict) -> None:
    if not isinstance(saved, dict) or saved.keys() != current.keys():
        raise ValueError(f"checkpoint's {name} has different parameters from this trainer's {name}")
    for key, value in current.items():
        if not isinstance(saved[key], Tensor) or saved[key].shape != value.shape:
            raise ValueError(f"checkpoint's {name}.{key} does not match: "
                             f"{getattr(saved[key], 'shape', None)} vs {tuple(value.shape)}")


def load(t: Trainer, path: str) -> None:
    """Restore ``t`` from ``path``; a corrupt or mismatched file raises ``ValueError`` and changes nothing."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # truncated, not a torch file, unsafe pickle, ...
        raise ValueError(f"checkpoint {path!r} is corrupt or unreadable: {error}") from error
    if not isinstance(state, dict) or state.get("format") != _FORMAT:
        raise ValueError(f"checkpoint {path!r} is not a {_FORMAT} checkpoint")
    # Validate everything before changing anything: a failed load leaves the trainer as it was.
    saved, current = state["config"], asdict(t.config)
    diff = [f"{k}: {saved.get(k)!r} != {v!r}" for k, v in current.items()
            if k not in _RUN_ONLY_FIELDS and saved.get(k) != v]
    if state["loss"] != t.loss.name:
        diff.append(f"loss object: {state['loss']!r} != {t.loss.name!r}")
    if diff:
        raise ValueError(f"checkpoint {path!r} was made with another configuration: {'; '.join(diff)}")
    _same_shapes("G", state["G"], t.G.state_dict())
    _same_shapes("D", state["D"], t.D.state_dict())
    if (state["G_ema"] is None) != (t.G_ema is None):
        raise ValueError(f"checkpoint {path!r} and this trainer disagree on the EMA of G")
    for name, opt in (("opt_d", t.opt_d), ("opt_g", t.opt_g)):
        groups = state[name]["param_groups"]
        if [len(g["params"]) for g in groups] != [len(g["params"]) for g in opt.param_groups]:
            raise ValueError(f"checkpoint's {name} does not match this trainer's optimiser")
    t.G.load_state_dict(state["G"])
    t.D.load_state_dict(state["D"])
    if t.G_ema is not None:
        t.G_ema.load_state_dict(state["G_ema"])
    t.opt_d.load_state_dict(state["opt_d"])
    t.opt_g.load_state_dict(state["opt_g"])
    t.generator.set_state(state["generator"])
    t.step = int(state["step"])
    t.history = type(t.history)(**state["history"])
