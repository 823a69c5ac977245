r"""What a game is: players, their networks, and the loss each player minimises.

A **game** owns the networks of a GAN variant and computes, from a batch, the loss
of each **player** (a set of networks updated together by one optimiser). The
trainer (:mod:`gan_edu.train`) does the rest -- seeding, devices, the update
schedule, EMA, the divergence guard, logging, checkpoints -- the same way for
every game. So the plain GAN, a conditional GAN, InfoGAN or CycleGAN differ only
in their game object, never in a copied loop.

A game declares

* ``players``: the players in the order of one iteration of the source's
  algorithm; the first (the discriminator side, ``"D"``) takes k steps;
* ``roles``: which networks (named submodules) each player updates;
* ``generators``: the networks that produce samples (an EMA copy is kept of each);
* ``prior``: what the generators are fed (:mod:`gan_edu.priors`);

and implements ``loss(player, batch) -> (loss, stats)``: the scalar the player
minimises, and tensors to log (their means go into the trainer's
:class:`~gan_edu.train.History`). A :class:`Batch` draws x_real and the prior's
inputs from the trainer's seeded generator, as the loss asks for them.
"""

from __future__ import annotations

import numbers
from typing import Callable

import torch
from torch import Tensor, nn

from ..losses import get_loss

__all__ = ["Game", "Batch", "describe", "full_precision"]


class Batch:
    """The draws of one update: ``real()`` (x_real, or a tuple such as (x, y)) and
    ``prior()`` (G's inputs, a tuple), each on the trainer's device, ``batch_size`` rows
    by default; ``step`` (completed iterations) and ``generator`` (the trainer's CPU
    ``torch.Generator``, for any other noise a game needs)."""

    def __init__(self, real: Callable[[int], object], prior: Callable[[int], tuple[Tensor, ...]],
                 batch_size: int, step: int, generator: torch.Generator) -> None:
        self._real, self._prior = real, prior
        self.batch_size, self.step, self.generator = batch_size, step, generator

    def real(self, n: int | None = None):
        return self._real(self.batch_size if n is None else n)

    def prior(self, n: int | None = None) -> tuple[Tensor, ...]:
        return self._prior(self.batch_size if n is None else n)


def full_precision(x: Tensor) -> Tensor:
    """``x`` in at least float32: logits computed under bf16 autocast are upcast before a loss
    (float64 stays float64, so a game can be checked by finite differences in double)."""
    return x if x.dtype in (torch.float32, torch.float64) else x.float()


def check_network(name: str, value) -> nn.Module:
    """``value`` if it is an ``nn.Module``; ``ValueError`` naming the argument otherwise."""
    if not isinstance(value, nn.Module):
        raise ValueError(f"{name} must be a torch.nn.Module, got {type(value).__name__} {value!r}")
    return value


def check_loss_fn(loss):
    """A loss object from a name of :data:`gan_edu.losses.LOSSES`, or ``loss`` itself if it has
    ``d_loss`` and ``g_loss``; ``ValueError`` naming ``loss`` otherwise."""
    if isinstance(loss, str):
        return get_loss(loss)
    if not (callable(getattr(loss, "d_loss", None)) and callable(getattr(loss, "g_loss", None))):
        raise ValueError(f"loss must be a name of gan_edu.losses.LOSSES or an object with d_loss and g_loss, "
                         f"got {loss!r}")
    return loss


def check_optional_callable(name: str, value, example: str):
    """``value`` if it is callable or None; ``ValueError`` naming the argument, with an example."""
    if value is not None and not callable(value):
        raise ValueError(f"{name} must be callable or None (e.g. {example}), got {value!r}")
    return value


def check_prior(prior):
    """``prior`` if it has ``sample(n, generator)``; ``ValueError`` otherwise."""
    if not callable(getattr(prior, "sample", None)):
        raise ValueError(f"prior must have sample(n, generator) (e.g. gan_edu.priors.Normal(latent_dim)), "
                         f"got {prior!r}")
    return prior


def describe(obj) -> str | None:
    """A stable description of a loss, penalty, constraint or prior, for checkpoints:
    its class and its numeric, string and boolean settings (never a memory address)."""
    if obj is None:
        return None
    if type(obj).__repr__ is not object.__repr__:
        return repr(obj)
    settings = {k: v for k, v in sorted(vars(obj).items()) if not k.startswith("_")
                and isinstance(v, (numbers.Number, str, bool, tuple)) and not isinstance(v, torch.Generator)}
    return f"{type(obj).__name__}({', '.join(f'{k}={v!r}' for k, v in settings.items())})"


class Game(nn.Module):
    """Base class of the games: an ``nn.Module`` whose direct submodules are the networks."""

    players: tuple[str, ...] = ("D", "G")
    roles: dict[str, tuple[str, ...]] = {"D": ("D",), "G": ("G",)}
    generators: tuple[str, ...] = ("G",)
    prior = None

    def networks(self) -> dict[str, nn.Module]:
        """Every network of the game by name (what checkpoints save)."""
        return dict(self.named_children())

    def parameters_of(self, player: str) -> list[nn.Parameter]:
        """The parameters that ``player``'s optimiser updates."""
        if player not in self.roles:
            raise ValueError(f"player must be one of {list(self.roles)}, got {player!r}")
        nets = self.networks()
        return [p for name in self.roles[player] for p in nets[name].parameters()]

    def loss(self, player: str, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        raise NotImplementedError

    def after_update(self, player: str) -> None:
        """Called after ``player``'s optimiser step (e.g. weight clipping of D)."""

    def attach(self, generator: torch.Generator) -> None:
        """Hand the trainer's generator to the parts that draw noise of their own."""

    def check(self, real, inputs: tuple[Tensor, ...]) -> None:
        """A dry forward pass on a tiny batch: raise ``ValueError`` naming both sides of a mismatch."""

    def generate(self, inputs: tuple[Tensor, ...], **networks: nn.Module) -> Tensor:
        """Samples from the prior's ``inputs``; ``networks`` replace the game's (e.g. EMA copies)."""
        raise NotImplementedError(f"{type(self).__name__} has no generate()")

    def signature(self) -> dict[str, str | None]:
        """What a checkpoint must agree with to be resumed by this game."""
        return {"game": type(self).__name__, "prior": describe(self.prior)}

    def extra_state(self) -> dict:
        """Game state that is not a network (e.g. an image pool): saved in checkpoints."""
        return {}

    def load_extra_state(self, state: dict) -> None:
        if state:
            raise ValueError(f"{type(self).__name__} keeps no extra state, the checkpoint has {sorted(state)}")
