r"""Update schedules: in which order the players of a game take their gradient steps.

The trainer has one primitive, ``update(players)``: compute the loss of each listed
player at the *current* parameters, then apply all their updates. A schedule is one
iteration written with it:

* :class:`Alternating` -- the source's algorithm (Goodfellow et al. 2014,
  Algorithm 1): the first player (D) takes k steps, then each other player one,
  each seeing the parameters the previous steps produced. The source and this book
  call the number of D steps k; WGAN papers call it ``n_critic``.
* :class:`Simultaneous` -- every player steps at once from the same parameters
  (gradient descent on the joint vector field; Mescheder et al. 2017, 2018): the
  dynamics that the Dirac-GAN shows to spiral away from the equilibrium.

Nothing else in the trainer differs between schedules.
"""

from __future__ import annotations

from typing import Callable, Sequence

from .validation import integer

__all__ = ["Alternating", "Simultaneous", "SCHEDULES", "get_schedule"]

Update = Callable[[Sequence[str]], None]


class Alternating:
    """k steps of the first player (D), then one step of each other player, in order."""

    name = "alternating"

    def __init__(self, k: int = 1) -> None:
        self.k = integer("k", k)

    def iteration(self, players: Sequence[str], update: Update, *, d_only: bool = False) -> None:
        first, *others = players
        for _ in range(self.k):  # (1) k updates of D on fresh batches
            update([first])
        if not d_only:
            for player in others:  # (2) one update of G (and any other player)
                update([player])

    def __repr__(self) -> str:
        return f"Alternating(k={self.k})"


class Simultaneous:
    """All players update at once, each from the parameters all had before the step."""

    name = "simultaneous"

    def __init__(self, k: int = 1) -> None:
        if integer("k", k) != 1:
            raise ValueError(f"k must be 1 for simultaneous updates (every player steps once), got {k!r}")
        self.k = 1

    def iteration(self, players: Sequence[str], update: Update, *, d_only: bool = False) -> None:
        update(list(players[:1]) if d_only else list(players))

    def __repr__(self) -> str:
        return "Simultaneous()"


SCHEDULES: dict[str, type] = {"alternating": Alternating, "simultaneous": Simultaneous}


def get_schedule(name: str, k: int = 1):
    """The schedule ``name`` (``"alternating"`` or ``"simultaneous"``) with k D steps."""
    if name not in SCHEDULES:
        raise ValueError(f"schedule must be one of {sorted(SCHEDULES)}, got {name!r}")
    return SCHEDULES[name](k)
