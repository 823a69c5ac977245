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

from dataclasses import asdict
from typing import TYPE_CHECKING

import torch
from torch import Tensor

from .files import atomic_write

if TYPE_CHECKING:
    from .train import Trainer

__all__ = ["trainer_state", "save", "load", "CheckpointError"]

# Fields that change how a run is logged or executed, not what it computes.
_RUN_ONLY_FIELDS = {"log_every", "checkpoint_every", "checkpoint_path", "device", "compile", "compile_mode"}
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


def save(t: Trainer, path: str) -> None:
    """Write :func:`trainer_state` to ``path`` atomically (temporary file, then rename)."""
    state = trainer_state(t)
    with atomic_write(path) as f:
        torch.save(state, f)


def _same_shapes(name: str, saved, current: dict) -> None:
    if not isinstance(saved, dict) or saved.keys() != current.keys():
        raise CheckpointError(f"checkpoint's {name} has different parameters from this trainer's {name}")
    for key, value in current.items():
        if not isinstance(saved[key], Tensor) or saved[key].shape != value.shape:
            raise CheckpointError(f"checkpoint's {name}.{key} does not match: "
                                  f"{tuple(getattr(saved[key], 'shape', ()))} vs {tuple(value.shape)}")


def read(path: str) -> dict:
    """The state stored at ``path``, or :class:`CheckpointError` saying what is wrong with the file."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"checkpoint {path!r} does not exist") from None
    except Exception as error:  # truncated, empty, not a torch file, an unsafe pickle, ...
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CheckpointError(f"checkpoint {path!r} is corrupt or not a gan_edu checkpoint ({first[:200]})") from None
    if not isinstance(state, dict) or state.get("format") != _FORMAT:
        raise CheckpointError(f"checkpoint {path!r} is not a {_FORMAT} checkpoint")
    missing = {"step", "config", "game", "networks", "ema", "optimizers", "game_state", "generator",
               "history"} - set(state)
    if missing:
        raise CheckpointError(f"checkpoint {path!r} lacks {sorted(missing)}")
    return state


def load(t: Trainer, path: str) -> None:
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
        _same_shapes(name, state["networks"][name], net.state_dict())
    if set(state["ema"]) != set(t.ema):
        raise CheckpointError(f"checkpoint {path!r} and this trainer disagree on the EMA copies: "
                              f"{sorted(state['ema'])} vs {sorted(t.ema)}")
    if set(state["optimizers"]) != set(t.optimizers):
        raise CheckpointError(f"checkpoint {path!r} has optimisers for {sorted(state['optimizers'])}, "
                              f"this game's players are {sorted(t.optimizers)}")
    for player, opt in t.optimizers.items():
        groups = state["optimizers"][player].get("param_groups", [])
        if [len(g["params"]) for g in groups] != [len(g["params"]) for g in opt.param_groups]:
            raise CheckpointError(f"checkpoint's optimiser of player {player} does not match this trainer's")
    t.game.load_extra_state(state["game_state"])  # validates its own state before it changes anything
    for name, net in nets.items():
        net.load_state_dict(state["networks"][name])
    for name, net in t.ema.items():
        net.load_state_dict(state["ema"][name])
    for player, opt in t.optimizers.items():
        opt.load_state_dict(state["optimizers"][player])
    t.generator.set_state(state["generator"])
    t.step = int(state["step"])
    t.history = type(t.history)(**state["history"])
