"""Checkpoints of a :class:`~gan_edu.train.Trainer`, for any game: atomic writes, safe loads.

A checkpoint holds every network of the game, the EMA copies of its generators,
each player's optimiser, the game's own state (e.g. an image pool), the trainer's
random generator, the step and the history, so a resumed run ends bit-identical
to an uninterrupted one on a CPU. It also records the configuration and the
game's signature (its class, loss, penalty, constraint and prior): resuming with
anything else is refused. Files are written to a temporary file and renamed
(:func:`gan_edu.files.atomic_write`: readers never see half a file) and read with
``torch.load(weights_only=True)`` (no arbitrary pickles). Everything is validated
before anything is changed, and a failed load leaves the trainer and the file as
they were.
"""

from __future__ import annotations

import os
import pickle
import warnings
from dataclasses import asdict
from typing import TYPE_CHECKING

import torch
from torch import Tensor

from .files import atomic_write

if TYPE_CHECKING:
    from .train import Trainer

__all__ = ["trainer_state", "save", "load", "read", "checkpoint_path", "CheckpointError"]

# Fields that change how a run is logged, watched or executed, not what it computes.
_RUN_ONLY_FIELDS = {"log_every", "checkpoint_every", "checkpoint_path", "device", "compile", "compile_mode",
                    "collapse_patience"}
_FORMAT = "gan_edu.train/2"


class CheckpointError(ValueError):
    """A checkpoint that cannot be resumed by this trainer: corrupt, foreign, or from another run."""


def trainer_state(t: Trainer) -> dict:
    """Everything needed to resume ``t`` bit-identically."""
    return {
        "format": _FORMAT, "step": t.step, "config": asdict(t.config), "game": t.game.signature(),
        "networks": {name: net.state_dict() for name, net in t.game.networks().items()},
        "ema": {name: net.state_dict() for name, net in t.ema.items()},
        "optimizers": {player: opt.state_dict() for player, opt in t.optimizers.items()},
        "game_state": t.game.extra_state(),
        "generator": t.generator.get_state(), "history": t.history.as_dict(),
    }


def checkpoint_path(path) -> str:
    """``path`` as a ``str``, if it is a non-empty ``str`` or ``os.PathLike``; else ``ValueError`` naming it."""
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if not isinstance(path, str) or not path.strip():
        raise ValueError(f"path must be a non-empty str or os.PathLike, got {path!r}")
    return path


def save(t: Trainer, path: str | os.PathLike) -> None:
    """Write :func:`trainer_state` to ``path`` atomically (temporary file, then rename)."""
    path = checkpoint_path(path)
    state = trainer_state(t)
    with atomic_write(path) as f:
        torch.save(state, f)


def _same_shapes(path: str, name: str, saved, current: dict) -> None:
    if not isinstance(saved, dict) or saved.keys() != current.keys():
        raise CheckpointError(f"checkpoint {path!r}: its {name} has different parameters from this trainer's {name}")
    for key, value in current.items():
        if not isinstance(saved[key], Tensor) or saved[key].shape != value.shape:
            raise CheckpointError(f"checkpoint {path!r}: its {name}.{key} does not match this trainer's: "
                                  f"{tuple(getattr(saved[key], 'shape', ()))} vs {tuple(value.shape)}")


def _unreadable(path: str, error: BaseException) -> str:
    """Why ``torch.load`` failed on ``path``, in words (never torch's advice to load unsafely)."""
    if isinstance(error, IsADirectoryError):
        return "it is a directory, not a file"
    if isinstance(error, PermissionError):
        return "it cannot be read (permission denied)"
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
    except OSError:
        head = b""
    if not head:
        return "the file is empty"
    if head == b"PK\x03\x04":  # a zip archive: the format of torch.save
        if isinstance(error, pickle.UnpicklingError):
            return ("it holds Python objects other than tensors and plain containers, which a safe load "
                    "(weights_only=True) refuses to run")
        if isinstance(error, (RuntimeError, EOFError)):
            return "the file is truncated (its zip archive is incomplete)"
        return f"its contents do not load ({type(error).__name__})"
    if head[:1] == b"\x80":  # a pickle's protocol opcode
        return "it is a plain pickle, not a torch file, and a safe load (weights_only=True) refuses to run pickles"
    return "it is not a torch file"


_PARTS = {"step": int, "config": dict, "game": dict, "networks": dict, "ema": dict, "optimizers": dict,
          "game_state": dict, "generator": Tensor, "history": dict}


def read(path: str | os.PathLike) -> dict:
    """The state stored at ``path``, or :class:`CheckpointError` saying what is wrong with the file."""
    path = checkpoint_path(path)
    try:
        with warnings.catch_warnings():  # e.g. a plain pickle's protocol warning: the error below says it all
            warnings.simplefilter("ignore")
            state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"checkpoint {path!r} does not exist") from None
    except Exception as error:  # truncated, empty, not a torch file, an unsafe pickle, ...
        raise CheckpointError(f"checkpoint {path!r} is corrupt or not a gan_edu checkpoint: "
                              f"{_unreadable(path, error)}") from None
    if not isinstance(state, dict) or state.get("format") != _FORMAT:
        raise CheckpointError(f"checkpoint {path!r} is not a {_FORMAT} checkpoint (a torch file, but not one "
                              f"written by gan_edu's Trainer.save_checkpoint)")
    missing = set(_PARTS) - set(state)
    if missing:
        raise CheckpointError(f"checkpoint {path!r} is corrupt: it lacks {sorted(missing)}")
    for key, kind in _PARTS.items():
        if not isinstance(state[key], kind) or (kind is int and (isinstance(state[key], bool) or state[key] < 0)):
            raise CheckpointError(f"checkpoint {path!r} is corrupt: its {key} has type {type(state[key]).__name__}, "
                                  f"expected {kind.__name__}")
    return state


def load(t: Trainer, path: str | os.PathLike) -> None:
    """Restore ``t`` from ``path``; a corrupt or mismatched file raises :class:`CheckpointError`
    (a ``ValueError``) and changes nothing."""
    state = read(path)
    # Validate everything before changing anything: a failed load leaves the trainer as it was.
    saved, current = state["config"], asdict(t.config)
    diff = [f"{k}: {saved.get(k)!r} != {v!r}" for k, v in current.items()
            if k not in _RUN_ONLY_FIELDS and saved.get(k) != v]
    game = t.game.signature()
    diff += [f"{k}: {state['game'].get(k)!r} != {v!r}" for k, v in game.items() if state["game"].get(k) != v]
    diff += [f"{k}: {v!r} != None" for k, v in state["game"].items() if k not in game]
    if diff:
        raise CheckpointError(f"checkpoint {path!r} was made with another configuration or game: {'; '.join(diff)}")
    nets = t.game.networks()
    if set(state["networks"]) != set(nets):
        raise CheckpointError(f"checkpoint {path!r} holds networks {sorted(state['networks'])}, "
                              f"this game has {sorted(nets)}")
    for name, net in nets.items():
        _same_shapes(path, name, state["networks"][name], net.state_dict())
    if set(state["ema"]) != set(t.ema):
        raise CheckpointError(f"checkpoint {path!r} and this trainer disagree on the EMA copies: "
                              f"{sorted(state['ema'])} vs {sorted(t.ema)}")
    for name, net in t.ema.items():
        _same_shapes(path, f"EMA of {name}", state["ema"][name], net.state_dict())
    generator_state = t.generator.get_state()
    if state["generator"].dtype != generator_state.dtype or state["generator"].shape != generator_state.shape:
        raise CheckpointError(f"checkpoint {path!r} is corrupt: its random generator state is not a CPU generator's")
    try:
        history = type(t.history)(**state["history"])
    except (TypeError, ValueError) as error:
        raise CheckpointError(f"checkpoint {path!r} is corrupt: its history does not load ({error})") from None
    if set(state["optimizers"]) != set(t.optimizers):
        raise CheckpointError(f"checkpoint {path!r} has optimisers for {sorted(state['optimizers'])}, "
                              f"this game's players are {sorted(t.optimizers)}")
    for player, opt in t.optimizers.items():
        groups = state["optimizers"][player].get("param_groups", [])
        if [len(g["params"]) for g in groups] != [len(g["params"]) for g in opt.param_groups]:
            raise CheckpointError(f"checkpoint {path!r}: its optimiser of player {player} does not match "
                                  f"this trainer's")
    t.game.load_extra_state(state["game_state"])  # validates its own state before it changes anything
    for name, net in nets.items():
        net.load_state_dict(state["networks"][name])
    for name, net in t.ema.items():
        net.load_state_dict(state["ema"][name])
    for player, opt in t.optimizers.items():
        opt.load_state_dict(state["optimizers"][player])
    t.generator.set_state(state["generator"])
    t.step = int(state["step"])
    t.history = history
