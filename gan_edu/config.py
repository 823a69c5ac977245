"""The configuration of a training run: everything that is not the game.

:class:`TrainConfig` is frozen and validated on construction (a bad value raises
``ValueError`` naming the field and the value); change it with
``dataclasses.replace``. It names the optimiser (:data:`OPTIMIZERS`), the update
schedule (:mod:`gan_edu.schedules`), the precision and compilation switches
(:data:`COMPILE_MODES`), EMA, the learning-rate decay, logging and checkpoints.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor

from .schedules import SCHEDULES, get_schedule
from .validation import choice, integer, number

__all__ = ["TrainConfig", "OPTIMIZERS", "COMPILE_MODES"]


def _kernel(params: list[Tensor]) -> dict[str, bool]:
    """``fused=True`` where PyTorch has a fused kernel for the weights' device (CPU, CUDA):
    one pass over the weights per update instead of one per arithmetic step; else foreach."""
    if params and all(p.device.type in ("cpu", "cuda") for p in params):
        return {"fused": True}
    return {"foreach": True}


# Adam is the default of practice (Kingma & Ba 2015; betas as in DCGAN). Plain gradient
# descent is the source's algorithm box taken literally; unlike Adam it does not rescale
# small gradients, which is what makes the saturation of the minimax loss visible.
# RMSProp is what the original WGAN used (Arjovsky et al. 2017: momentum made the clipped
# critic unstable); ``betas[1]`` is its smoothing constant alpha there.
OPTIMIZERS: dict[str, Callable[..., torch.optim.Optimizer]] = {
    "adam": lambda params, lr, betas: torch.optim.Adam(params, lr=lr, betas=betas, **_kernel(params)),
    "sgd": lambda params, lr, betas: torch.optim.SGD(params, lr=lr, **_kernel(params)),
    "rmsprop": lambda params, lr, betas: torch.optim.RMSprop(params, lr=lr, alpha=betas[1], foreach=True),
}


# torch.compile's modes. "reduce-overhead" (CUDA graphs) removes most of the host's work per
# iteration, which is what a small GAN on a fast GPU waits for; compiling takes longer.
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")
_CUDA_GRAPH_MODES = ("reduce-overhead", "max-autotune")  # the modes that replay CUDA graphs


@dataclass(frozen=True)
class TrainConfig:
    """Everything about a run that is not the game. Frozen: change with ``dataclasses.replace``.

    ``steps`` counts iterations (one G step each, after ``k`` D steps; the source's k,
    WGAN's n_critic). ``schedule``: ``"alternating"`` (the source's algorithm) or
    ``"simultaneous"``. ``lr_d`` is the learning rate of the first player (the
    discriminator side), ``lr_g`` of the others. ``ema`` is the decay of an exponential
    moving average of each generator's weights used for sampling (0 = off). Learning
    rates decay linearly to 0 over the iterations after ``lr_decay_start * steps``
    (1.0 = constant). ``checkpoint_every`` = 0 turns checkpoints off. ``compile_mode``
    is passed to ``torch.compile`` when ``compile`` is on; ``"reduce-overhead"`` replays
    CUDA graphs. ``device`` is a string (``"auto"``, ``"cpu"``, ``"cuda:1"``, ...) or a
    ``torch.device``, stored as its string; ``checkpoint_path`` a path (``str`` or
    ``os.PathLike``, stored as ``str``) or None.

    ``collapse_patience`` (in log rows; 0 = off) stops a run that has collapsed without
    a NaN: when, in that many consecutive rows of the history, one player's loss and
    gradient norm are both pinned at 0 while another player's are not, ``fit`` raises
    :class:`gan_edu.train.CollapseError` (see :meth:`gan_edu.train.Trainer.check_collapse`).
    """

    steps: int = 5000
    batch_size: int = 256
    k: int = 1
    schedule: str = "alternating"
    lr_d: float = 2e-4
    lr_g: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    optimizer: str = "adam"
    seed: int = 0
    device: str = "auto"
    precision: str = "fp32"
    channels_last: bool = False
    compile: bool = False
    compile_mode: str = "default"
    ema: float = 0.0
    lr_decay_start: float = 1.0
    log_every: int = 10
    checkpoint_every: int = 0
    checkpoint_path: str | None = None
    collapse_patience: int = 10

    def __post_init__(self) -> None:
        def bad(name: str, why: str) -> ValueError:
            return ValueError(f"{name} must be {why}, got {getattr(self, name)!r}")

        for name in ("steps", "batch_size", "k", "log_every"):
            object.__setattr__(self, name, integer(name, getattr(self, name)))
        for name in ("seed", "checkpoint_every", "collapse_patience"):
            object.__setattr__(self, name, integer(name, getattr(self, name), minimum=0))
        for name in ("lr_d", "lr_g"):
            object.__setattr__(self, name, number(name, getattr(self, name), minimum=0, strict_minimum=True))
        betas = self.betas
        if (not isinstance(betas, (tuple, list)) or len(betas) != 2
                or not all(_is_fraction(b) for b in betas)):
            raise bad("betas", "a tuple of two numbers in [0, 1)")
        object.__setattr__(self, "betas", (float(betas[0]), float(betas[1])))
        object.__setattr__(self, "schedule", choice("schedule", self.schedule, sorted(SCHEDULES)))
        get_schedule(self.schedule, self.k)  # e.g. k > 1 with simultaneous updates
        object.__setattr__(self, "optimizer", choice("optimizer", self.optimizer, sorted(OPTIMIZERS)))
        if isinstance(self.device, torch.device):
            object.__setattr__(self, "device", str(self.device))
        if not isinstance(self.device, str) or not _valid_device(self.device):
            raise bad("device", "'auto', 'cpu', 'mps', 'cuda' or 'cuda:N'")
        object.__setattr__(self, "precision", choice("precision", self.precision, ("fp32", "bf16")))
        for name in ("channels_last", "compile"):
            if not isinstance(getattr(self, name), bool):
                raise bad(name, "a bool")
        object.__setattr__(self, "compile_mode", choice("compile_mode", self.compile_mode, COMPILE_MODES))
        object.__setattr__(self, "ema", number("ema", self.ema, minimum=0, maximum=1, strict_maximum=True))
        object.__setattr__(self, "lr_decay_start", number("lr_decay_start", self.lr_decay_start,
                                                          minimum=0, maximum=1))
        if isinstance(self.checkpoint_path, os.PathLike):
            object.__setattr__(self, "checkpoint_path", os.fspath(self.checkpoint_path))
        if self.checkpoint_path is not None and (not isinstance(self.checkpoint_path, str)
                                                 or not self.checkpoint_path.strip()):
            raise bad("checkpoint_path", "a non-empty path (str or os.PathLike) or None")
        if self.checkpoint_every > 0 and not self.checkpoint_path:
            raise bad("checkpoint_path", "set when checkpoint_every > 0")

    def lr_scale(self, step: int) -> float:
        """Learning-rate multiplier for iteration ``step`` (0-based): 1, then linear to 0."""
        start = self.lr_decay_start * self.steps
        if step < start:
            return 1.0
        return max(0.0, (self.steps - step) / max(self.steps - start, 1.0))


def _is_fraction(value) -> bool:
    """Whether ``value`` is a real number (not a bool) in [0, 1): a beta of Adam."""
    try:
        number("beta", value, minimum=0, maximum=1, strict_maximum=True)
    except ValueError:
        return False
    return True


def _valid_device(device: str) -> bool:
    kind, colon, index = device.partition(":")
    if kind in ("auto", "cpu", "mps"):
        return not colon
    return kind == "cuda" and (not colon or (index.isascii() and index.isdigit()))
