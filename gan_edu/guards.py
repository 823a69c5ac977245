"""What stops a training run that has gone wrong: the divergence guard and the collapse check.

* :func:`check_loss` runs between a player's forward pass and its ``backward()``: a loss
  that is NaN or infinite raises :class:`DivergenceError` before it reaches the weights or
  the optimiser's moments, naming the step and the player (and the data, when the batch
  of x_real itself holds NaNs).
* :func:`check_collapse` reads the log: a run that has collapsed with finite losses (one
  player's loss and gradient pinned at 0 while another's are not) raises :class:`CollapseError`.
* :func:`check_game` checks the parts that a game's constructor took on trust.

:class:`gan_edu.train.Trainer` calls all three; they are functions of what they read, so
they can be tested, and reused, without a trainer.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor

from .history import History

__all__ = ["DivergenceError", "CollapseError", "check_loss", "check_collapse", "check_game", "PINNED"]


class DivergenceError(FloatingPointError):
    """Training diverged: a loss became NaN or infinite (raised before the bad update is
    applied), or, as :class:`CollapseError`, the run collapsed with finite losses."""


class CollapseError(DivergenceError):
    """A run that collapsed without a NaN: one player's loss and gradient pinned at 0 for
    ``collapse_patience`` log rows while another player's are not (:func:`check_collapse`)."""


# A logged loss or gradient norm at most this is "pinned at 0". A D whose cross-entropy is
# 1e-8 gives its logits margins of about 18 (D(x_real) > 1 - 1e-8): it has won outright.
PINNED = 1e-8


def check_loss(player: str, loss: Tensor, step: int, x_real=None) -> float:
    """``loss`` as a float, or :class:`DivergenceError` if it is not finite.

    ``step`` is the iteration being computed (1-based, as the log counts); ``x_real`` the
    last batch of real data (a tensor or a tuple of them), so that NaNs in the data are
    reported as bad data rather than as a diverged model. Reading the value is the one
    host-device synchronisation of an update (free on a CPU; on a GPU the host waits for
    the forward pass).
    """
    value = loss.item()
    if not math.isfinite(value):
        where = f"at step {step} (player {player})"
        if x_real is not None and not _all_finite(x_real):
            raise DivergenceError(f"bad data {where}: the batch of x_real holds NaN or infinite values; "
                                  f"{player.lower()}_loss = {value}")
        raise DivergenceError(f"non-finite {player.lower()}_loss = {value} {where}")
    return value


def check_collapse(history: History, players: Sequence[str], patience: int, advice: str = "") -> None:
    """Raise :class:`CollapseError` if the last ``patience`` rows of ``history`` show a collapse.

    What a practitioner sees in the log of a run that has collapsed without a NaN (a
    DCGAN at a learning rate of 1e6, say): one player's loss and its gradient norm both
    pinned at 0 (at most :data:`PINNED`) in every one of those rows, while in each row
    some other player's are not, i.e. one side has won outright and gets no gradient, so
    training has stopped making progress. The second condition spares a game resting at
    an equilibrium where every loss and gradient is 0. Only the logged columns
    ``{player}_loss`` and ``grad_norm_{player}`` are read; ``patience = 0`` turns the
    check off. ``advice`` ends the message (the trainer names its learning rates).
    """
    n = patience
    if n == 0 or len(history) < n or len(players) < 2:
        return
    columns = history.columns
    names = {p: (f"{p.lower()}_loss", f"grad_norm_{p.lower()}") for p in players}
    if not all(loss in columns and grad in columns for loss, grad in names.values()):
        return
    rows = range(len(history) - n, len(history))

    def pinned(player: str, i: int) -> bool:
        loss, grad = names[player]
        return abs(columns[loss][i]) <= PINNED and columns[grad][i] <= PINNED

    for player in players:
        others = [q for q in players if q != player]
        if all(pinned(player, i) and not all(pinned(q, i) for q in others) for i in rows):
            loss, grad = names[player]
            other_loss = names[others[0]][0]
            steps = history.step
            raise CollapseError(
                f"collapse at step {steps[rows[-1]]} (player {player}): in the last {n} log rows (steps "
                f"{steps[rows[0]]}-{steps[rows[-1]]}) {loss} and {grad} stayed at 0 (at most "
                f"{max(abs(columns[loss][i]) for i in rows):.3g} and {max(columns[grad][i] for i in rows):.3g}) "
                f"while {other_loss} was {columns[other_loss][rows[-1]]:.3g}: {player} has won outright and gets "
                f"no gradient, so training has stopped making progress" + (f"; {advice}" if advice else ""))


def check_game(game) -> None:
    """The parts of ``game`` that its constructor took on trust: every network of every
    player an ``nn.Module``, callable penalties and constraints, a prior that samples.
    ``ValueError`` naming the part and what it got."""
    nets = game.networks()
    for player, names in game.roles.items():
        for name in names:
            if name not in nets:
                raise ValueError(f"the game's {name} (a network of player {player}) must be a torch.nn.Module, "
                                 f"got {type(getattr(game, name, None)).__name__}")
    for part in ("penalty", "constraint", "g_penalty"):
        value = getattr(game, part, None)
        if value is not None and not callable(value):
            raise ValueError(f"the game's {part} must be callable or None, got {value!r}")
    if not callable(getattr(game.prior, "sample", None)):
        raise ValueError(f"the game's prior must have sample(n, generator), got {game.prior!r}")


def _all_finite(x) -> bool:
    tensors = x if isinstance(x, tuple) else (x,)
    return all(bool(torch.isfinite(t).all()) for t in tensors if t.is_floating_point())
