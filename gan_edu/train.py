r"""The one GAN trainer: the source's algorithm (Goodfellow et al. 2014, Algorithm 1), for any game.

.. code-block:: text

    repeat steps times:
        k times:  sample z ~ p_z, x_real ~ p_r;  update D by ascending eq. (3)
        sample z ~ p_z;  update G by descending the generator loss, eq. (4) or (5)

The maths of a variant lives in its **game** (:mod:`gan_edu.games`): the players,
their networks and the loss each one minimises. The order of the updates is the
**schedule** (:mod:`gan_edu.schedules`: the source's alternating updates, or
simultaneous ones). This module keeps what is not maths, the same for every game:
the seeded generator that every draw comes from (saved in checkpoints, so a
resumed run is bit-identical to an uninterrupted one on a CPU), devices, bf16 /
channels_last / ``torch.compile``, the optimisers and their learning-rate
schedule, an EMA of every generator, the divergence guard and the collapse
check, the :class:`~gan_edu.history.History`, progress and checkpoints.
"""

from __future__ import annotations

import copy
import os
from typing import Callable, Protocol, Sequence

import torch
from torch import Tensor, nn

from . import checkpoint
from .config import _CUDA_GRAPH_MODES, COMPILE_MODES, OPTIMIZERS, TrainConfig
from .device import (autocast, eager, evaluating, place_data, resolve_device, standard_layout_where_asked,
                     to_device)
from .games import Batch, Game
from .guards import CollapseError, DivergenceError, check_collapse, check_game, check_loss
from .history import History
from .priors import as_inputs
from .schedules import get_schedule
from .validation import integer

__all__ = ["TrainConfig", "Trainer", "DataSource", "DivergenceError", "CollapseError", "History", "OPTIMIZERS",
           "COMPILE_MODES"]


class DataSource(Protocol):
    """p_r as the trainer sees it: ``sample(n, generator)`` -> a tensor ``(n, ...)`` or a
    tuple of them (``(x, y)`` with labels; ``(a, b)`` for two unpaired domains).
    :class:`gan_edu.distributions.GaussianMixture` and :class:`gan_edu.data.ImageDataset`
    satisfy it."""

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor | tuple[Tensor, ...]: ...


class Trainer:
    """Trains the players of ``game`` on ``data`` with :class:`TrainConfig` ``config``.

    ``game`` is a :class:`~gan_edu.games.Game`, e.g. ``GAN(G, D, loss="ns",
    penalty=R1Penalty(0.1))``. Build its networks under your own seed: the trainer
    does not re-initialise them. When it is built, the trainer runs one dry forward
    pass on a tiny batch, so that networks that do not fit each other or the data
    fail here, with both shapes named, not deep inside :meth:`fit`; before that it
    checks the parts the game took on trust (each network an ``nn.Module``, penalties
    and constraints callable, a prior that samples) and after it that every player has
    parameters for its optimiser.
    """

    def __init__(self, game: Game, data: DataSource, config: TrainConfig) -> None:
        if not isinstance(game, Game):
            raise TypeError(f"game must be a gan_edu.games.Game (e.g. GAN(G, D)), got {type(game).__name__}")
        if not callable(getattr(data, "sample", None)):
            raise TypeError(f"data must have sample(n, generator), got {type(data).__name__}")
        if not isinstance(config, TrainConfig):
            raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
        check_game(game)
        self.config = config
        self.device = resolve_device(config.device)
        self.game = game
        self.data = data
        self.schedule = get_schedule(config.schedule, config.k)
        # channels_last (NHWC) is the layout the convolution kernels of cuDNN's tensor cores
        # and of oneDNN on CPUs prefer; it changes the weights' strides, not their values.
        self.memory_format = torch.channels_last if config.channels_last else torch.preserve_format
        game.to(self.device, memory_format=self.memory_format)
        if config.channels_last and config.compile:
            standard_layout_where_asked(game)
        self._data = place_data(data, self.device)
        self._check_parts()
        nets = game.networks()
        self.ema: dict[str, nn.Module] = (
            {name: copy.deepcopy(nets[name]).requires_grad_(False) for name in game.generators}
            if config.ema > 0 else {})
        if config.compile:  # in place: the networks keep their names, parameters and state dicts
            for net in nets.values():
                net.compile(mode=config.compile_mode)
        # With CUDA graphs, each iteration is one new step of their replays.
        self._graph_steps = config.compile and config.compile_mode in _CUDA_GRAPH_MODES
        self.params = {p: game.parameters_of(p) for p in game.players}
        for player, params in self.params.items():
            if not params:  # frozen weights are fine (fit(d_only=True)); none at all leave nothing to train
                raise ValueError(f"player {player} has no parameters for its optimiser in "
                                 f"{', '.join(game.roles[player])}")
        self.optimizers = {p: OPTIMIZERS[config.optimizer](self.params[p], self._base_lr(p), config.betas)
                           for p in game.players}
        self._ema_pairs = {p: [(self.ema[n], nets[n]) for n in game.roles[p] if n in self.ema]
                           for p in game.players}
        # One CPU generator for every draw (z, x_real, penalty noise): saved in checkpoints.
        self.generator = torch.Generator().manual_seed(config.seed)
        game.attach(self.generator)
        self.step = 0  # completed iterations
        self.history = History()
        self._stats: dict[str, Tensor] = {}
        self._last_real = None

    # -- the classic names, for the two-player games ------------------------------------------
    @property
    def G(self) -> nn.Module:
        return self.game.G

    @property
    def D(self) -> nn.Module:
        return self.game.D

    @property
    def G_ema(self) -> nn.Module | None:
        return self.ema.get("G")

    @property
    def opt_d(self) -> torch.optim.Optimizer:
        return self.optimizers[self.game.players[0]]

    @property
    def opt_g(self) -> torch.optim.Optimizer:
        return self.optimizers[self.game.players[-1]]

    def _base_lr(self, player: str) -> float:
        return self.config.lr_d if player == self.game.players[0] else self.config.lr_g

    def _check_parts(self) -> None:
        """One dry forward pass (eval mode, no gradients, its own generator) on 2 samples."""
        g = torch.Generator().manual_seed(self.config.seed + 7919)
        with evaluating(self.game.modules()), torch.no_grad():
            self.game.check(self._real(2, g), self._prior(2, g))

    # -- sampling -----------------------------------------------------------------------
    def _real(self, n: int, generator: torch.Generator) -> Tensor | tuple[Tensor, ...]:
        draw = self._data.sample(n, generator)
        if isinstance(draw, tuple):
            return tuple(self._on_device(x) for x in draw)
        return self._on_device(draw)

    def _on_device(self, x: Tensor) -> Tensor:
        x = to_device(x, self.device)
        if self.config.channels_last and x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)  # (n, C, H, W) with NHWC strides
        return x

    def _prior(self, n: int, generator: torch.Generator) -> tuple[Tensor, ...]:
        return tuple(to_device(x, self.device) for x in as_inputs(self.game.prior.sample(n, generator)))

    def sample_real(self, n: int) -> Tensor | tuple[Tensor, ...]:
        """x_real: ``n`` draws of p_r, on the trainer's device (channels_last when switched on).

        Every draw uses the trainer's CPU generator, on any device, so a run is reproducible
        and resumable. On CUDA a batch sampled on the CPU is pinned and copied
        asynchronously; an in-memory ``ImageDataset`` that fits in a quarter of the GPU's
        memory is copied to the GPU once, in the constructor, and gathered there.
        """
        self._last_real = self._real(integer("n", n, minimum=0), self.generator)
        return self._last_real

    def sample_inputs(self, n: int) -> tuple[Tensor, ...]:
        """The generator's inputs: ``n`` draws of the game's prior (a tuple), on the device."""
        return self._prior(integer("n", n, minimum=0), self.generator)

    def sample_z(self, n: int) -> Tensor:
        """z ~ p_z ``(n, latent_dim)`` for a game whose prior draws z alone."""
        (z,) = self.sample_inputs(n)
        return z

    @torch.no_grad()
    def sample(self, n: int, ema: bool = True, inputs: Tensor | tuple[Tensor, ...] | None = None,
               z: Tensor | None = None) -> Tensor:
        """n samples of p_g (from the EMAs of the generators when ``ema`` and they exist), on the device.

        ``inputs`` (or, for a prior of z alone, ``z`` ``(n, latent_dim)``) fixes G's inputs
        (e.g. a fixed batch for sample grids); by default they are drawn from the trainer's
        generator. Sampling runs in eval mode and, when compiled, eagerly.
        """
        n = integer("n", n, minimum=0)
        if not isinstance(ema, bool):
            raise ValueError(f"ema must be a bool, got {ema!r}")
        if z is not None and inputs is not None:
            raise ValueError("give inputs or z, not both")
        for name, value in (("inputs", inputs), ("z", z)):
            if value is not None and not (isinstance(value, Tensor) or (
                    isinstance(value, tuple) and all(isinstance(v, Tensor) for v in value))):
                raise ValueError(f"{name} must be a tensor or a tuple of tensors, got {type(value).__name__}")
        if z is not None:
            inputs = z
        inputs = self.sample_inputs(n) if inputs is None else tuple(x.to(self.device) for x in as_inputs(inputs))
        nets = self.ema if ema else {}
        modules = list(self.game.modules()) + [m for net in nets.values() for m in net.modules()]
        with evaluating(modules), eager(self.config.compile):
            return self.game.generate(inputs, **nets)

    # -- one update -----------------------------------------------------------------------
    def _check(self, player: str, loss: Tensor) -> float:
        """The divergence guard (:func:`gan_edu.guards.check_loss`), between the forward pass
        and ``backward()``: a bad loss never reaches the weights or the optimiser's moments.
        Each loss is checked before its own update: with alternating updates G's loss is
        computed with the D that D's update has just produced."""
        return check_loss(player, loss, self.step + 1, self._last_real)

    def update(self, players: Sequence[str]) -> dict[str, float]:
        """One gradient step of each of ``players``, all from the current parameters.

        Each player's loss is computed (and checked) first; then each takes its step. For
        one player this is the classic update; for several, the simultaneous one.
        """
        batch = Batch(self.sample_real, self.sample_inputs, self.config.batch_size, self.step, self.generator)
        losses, values = {}, {}
        with autocast(self.device, self.config.precision):
            for player in players:
                loss, stats = self.game.loss(player, batch)
                losses[player] = loss
                self._stats.update(stats)
        for player, loss in losses.items():
            values[player] = self._check(player, loss)
        for player, loss in losses.items():
            self.optimizers[player].zero_grad(set_to_none=True)
            loss.backward(inputs=self.params[player])  # only this player's weights get gradients
        for player, loss in losses.items():
            self.optimizers[player].step()
            self.game.after_update(player)
            self._stats[f"{player.lower()}_loss"] = loss.detach()
            if self._ema_pairs[player]:
                # (3) G_ema <- ema * G_ema + (1 - ema) * G: a smoothed G for sampling.
                for net_ema, net in self._ema_pairs[player]:
                    torch._foreach_lerp_(list(net_ema.parameters()), list(net.parameters()), 1.0 - self.config.ema)
                    for b_ema, b in zip(net_ema.buffers(), net.buffers()):
                        b_ema.copy_(b)
        return values

    def step_d(self) -> float:
        """One update of the first player (D); returns its loss. Call it alone to train D for a fixed G."""
        player = self.game.players[0]
        return self.update([player])[player]

    def step_g(self) -> float:
        """One update of the last player (G); returns its loss."""
        player = self.game.players[-1]
        return self.update([player])[player]

    def _set_lr(self) -> None:
        scale = self.config.lr_scale(self.step)
        for player, opt in self.optimizers.items():
            for group in opt.param_groups:
                group["lr"] = self._base_lr(player) * scale

    def iteration(self, d_only: bool = False) -> None:
        """One iteration of the schedule (alternating: k D steps, then one G step; none when ``d_only``)."""
        if not isinstance(d_only, bool):
            raise ValueError(f"d_only must be a bool, got {d_only!r}")
        self._set_lr()
        if self._graph_steps:
            torch.compiler.cudagraph_mark_step_begin()
        self.schedule.iteration(self.game.players, self.update, d_only=d_only)
        self.step += 1

    # -- the loop -------------------------------------------------------------------------
    def fit(self, steps: int | None = None, *, progress: bool = False, d_only: bool = False,
            callback: Callable[["Trainer"], None] | None = None) -> History:
        """Run ``steps`` more iterations (default: until ``config.steps``) and return the history.

        Every ``log_every`` iterations the history gets a row and ``callback(trainer)``
        is called; every ``checkpoint_every`` iterations a checkpoint is written
        atomically to ``checkpoint_path``. With ``d_only`` the generators are frozen and
        only the k D steps run: the inner loop of the source's algorithm, used to
        train D towards D* for a fixed G. A non-finite loss raises
        :class:`DivergenceError` naming the step and the player, before the bad update
        and without touching the last checkpoint; a collapsed run (see
        :meth:`check_collapse`, not checked with ``d_only``) raises :class:`CollapseError`
        after its log row and callback, before that step's checkpoint.
        """
        cfg = self.config
        if steps is not None:
            steps = integer("steps", steps, minimum=0)
        for name, value in (("progress", progress), ("d_only", d_only)):
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be a bool, got {value!r}")
        if callback is not None and not callable(callback):
            raise ValueError(f"callback must be callable (trainer -> None) or None, got {callback!r}")
        end = cfg.steps if steps is None else self.step + steps
        bar = None
        if progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=end, initial=self.step, desc="GAN", dynamic_ncols=True)
        try:
            while self.step < end:
                self.iteration(d_only)
                if self.step % cfg.log_every == 0 or self.step == end:
                    row = self._log()
                    if bar is not None:
                        bar.set_postfix({k: f"{v:.3f}" for k, v in row.items() if k in _PROGRESS})
                    if callback is not None:
                        callback(self)
                    if not d_only:
                        self.check_collapse()
                if bar is not None:
                    bar.update(1)
                if cfg.checkpoint_every and self.step % cfg.checkpoint_every == 0:
                    self.save_checkpoint(cfg.checkpoint_path)
        finally:
            if bar is not None:
                bar.close()
        return self.history

    def check_collapse(self) -> None:
        """Raise :class:`CollapseError` if the last ``collapse_patience`` log rows show a collapse
        (:func:`gan_edu.guards.check_collapse`: one player's loss and gradient pinned at 0
        while another's are not). :meth:`fit` calls it after each log row, but not with
        ``d_only``: a D trained alone against a G far from the data is meant to win."""
        check_collapse(self.history, self.game.players, self.config.collapse_patience,
                       advice=f"lower the learning rates (lr_d = {self.config.lr_d:g}, lr_g = {self.config.lr_g:g}), "
                              f"or set collapse_patience=0 to train on")

    def _log(self) -> dict[str, float]:
        nan = torch.full((), float("nan"))
        stats = {f"{p.lower()}_loss": self._stats.get(f"{p.lower()}_loss", nan) for p in self.game.players}
        stats.update((k, v) for k, v in self._stats.items() if k not in stats)
        for player in self.game.players:
            grads = [p.grad for p in self.params[player] if p.grad is not None]
            stats[f"grad_norm_{player.lower()}"] = _total_norm(grads, nan)
        # 0-dim means, still on the device, read in one copy
        values = torch.stack([v.detach().float().mean().to(nan.device) for v in stats.values()]).tolist()
        row = {"step": self.step, **dict(zip(stats, values))}
        self.history.append(row)
        return row

    # -- checkpoints ----------------------------------------------------------------------
    def state_dict(self) -> dict:
        return checkpoint.trainer_state(self)

    def save_checkpoint(self, path: str | os.PathLike) -> None:
        """Write the full training state to ``path`` atomically (temporary file, then rename)."""
        checkpoint.save(self, path)

    def load_checkpoint(self, path: str | os.PathLike) -> None:
        """Restore the state saved by :meth:`save_checkpoint`. A corrupt file, or one from another
        configuration, game, loss, penalty or constraint raises ``ValueError`` and changes nothing."""
        checkpoint.load(self, path)


_PROGRESS = ("d_loss", "g_loss", "d_real", "d_fake")


def _total_norm(grads: list[Tensor], empty: Tensor) -> Tensor:
    """Global L2 norm of ``grads`` (a 0-dim tensor); ``empty`` when there are none."""
    if not grads:
        return empty
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))
