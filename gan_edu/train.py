r"""The one GAN trainer: the source's algorithm (Goodfellow et al. 2014, Algorithm 1).

.. code-block:: text

    repeat steps times:
        k times:  sample z ~ p_z, x_real ~ p_r;  update D by ascending eq. (3)
        sample z ~ p_z;  update G by descending the generator loss, eq. (4) or (5)

Variants are objects passed in, never copies of this loop: a loss
(:mod:`gan_edu.losses`: ns, minimax, wgan, hinge, lsgan), an optional penalty
on D (R1, gradient penalty) and an optional constraint on D (weight clipping).
The configuration is a frozen :class:`TrainConfig`; every draw of z and x_real
comes from the trainer's own seeded ``torch.Generator``, which is saved in the
checkpoint, so a resumed run is bit-identical to an uninterrupted one on CPU.
The per-step :class:`History` (losses, D outputs, gradient norms) is returned
by :meth:`Trainer.fit` and plotted by :meth:`History.plot`.

The same loop runs on a CPU or a GPU (``device="auto"``); bf16 autocast,
channels_last and ``torch.compile`` are switches of :class:`TrainConfig` that
change how fast it runs, not what it computes. How the data reach the device,
and where the loop waits for it, is written down at :meth:`Trainer.sample_real`
and :meth:`Trainer._check`.
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass, field
from typing import Callable, Protocol

import torch
from torch import Tensor, nn

from . import checkpoint
from .data import ImageDataset
from .device import autocast, resolve_device, to_device
from .losses import LOSSES, GANLoss, Penalty, get_loss

__all__ = ["TrainConfig", "Trainer", "DataSource", "DivergenceError", "History"]


class DataSource(Protocol):
    """p_r as the trainer sees it: ``sample(n, generator)`` -> tensor ``(n, ...)``.
    :class:`gan_edu.distributions.GaussianMixture` satisfies it."""

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor: ...


class DivergenceError(FloatingPointError):
    """A loss became NaN or infinite; raised before the bad update is applied."""


@dataclass
class History:
    """What the trainer recorded every ``log_every`` iterations, one list per quantity.

    ``d_real``/``d_fake`` are batch means of D(x) = sigmoid(logit) on x_real and
    on x_fake = G(z), read in the last D step; for critics (wgan, hinge, lsgan)
    the sigmoid is not a probability, read the raw means ``logit_real``/``logit_fake``.
    ``grad_norm_d``/``grad_norm_g``: global L2 norm of the last gradients of D and G.
    """

    step: list[int] = field(default_factory=list)
    d_loss: list[float] = field(default_factory=list)
    g_loss: list[float] = field(default_factory=list)
    d_real: list[float] = field(default_factory=list)
    d_fake: list[float] = field(default_factory=list)
    logit_real: list[float] = field(default_factory=list)
    logit_fake: list[float] = field(default_factory=list)
    grad_norm_d: list[float] = field(default_factory=list)
    grad_norm_g: list[float] = field(default_factory=list)

    def append(self, row: dict[str, float]) -> None:
        for name, values in asdict(self).items():
            getattr(self, name).append(row[name])

    def __len__(self) -> int:
        return len(self.step)

    def as_dict(self) -> dict[str, list]:
        return asdict(self)

    def plot(self, title: str = "GAN training"):
        """A figure of three panels: losses, D outputs, gradient norms against the iteration."""
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), constrained_layout=True)
        panels = [
            ("Losses", "loss (nats)", [("d_loss", "D loss"), ("g_loss", "G loss")]),
            ("Discriminator outputs", "mean D(x)", [("d_real", "D(x_real)"), ("d_fake", "D(G(z))")]),
            ("Gradient norms", "global L2 norm", [("grad_norm_d", "D"), ("grad_norm_g", "G")]),
        ]
        for ax, (name, ylabel, series) in zip(axes, panels):
            for key, label in series:
                ax.plot(self.step, getattr(self, key), label=label)
            ax.set(title=name, xlabel="iteration (G steps)", ylabel=ylabel)
            ax.legend()
        axes[1].axhline(0.5, color="grey", lw=0.8, ls="--")  # the equilibrium value, eq. (15)
        axes[2].set_yscale("log")
        fig.suptitle(title)
        return fig


def _kernel(params: list[Tensor]) -> dict[str, bool]:
    """``fused=True`` where PyTorch has a fused kernel for the weights' device (CPU, CUDA):
    one pass over the weights per update instead of one per arithmetic step; else foreach."""
    if params and all(p.device.type in ("cpu", "cuda") for p in params):
        return {"fused": True}
    return {"foreach": True}


# Adam is the default of practice (Kingma & Ba 2015; betas as in DCGAN). Plain gradient
# descent is the source's algorithm box taken literally; unlike Adam it does not rescale
# small gradients, which is what makes the saturation of the minimax loss visible.
OPTIMIZERS: dict[str, Callable[..., torch.optim.Optimizer]] = {
    "adam": lambda params, lr, betas: torch.optim.Adam(params, lr=lr, betas=betas, **_kernel(params)),
    "sgd": lambda params, lr, betas: torch.optim.SGD(params, lr=lr, **_kernel(params)),
}


class _DeviceImages:
    """An in-memory :class:`~gan_edu.data.ImageDataset` copied to a CUDA device once.

    Each batch is then gathered on the device: per step only the ``n`` indices cross
    the bus (pinned, asynchronously) instead of ``n`` images. The indices are drawn as
    ``ImageDataset.sample`` draws them (``torch.randint`` on the CPU generator), so the
    batches, and the generator's state in checkpoints, are those of a CPU run.
    """

    def __init__(self, data: ImageDataset, device: torch.device) -> None:
        self.images = data.images.to(device)  # (N, C, H, W), once
        self.device = device

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        index = torch.randint(len(self.images), (n,), generator=generator)  # (n,), on the CPU
        return self.images[to_device(index, self.device)]  # (n, C, H, W)


# torch.compile's modes. "reduce-overhead" (CUDA graphs) removes most of the host's work per
# iteration, which is what a small GAN on a fast GPU waits for; compiling takes longer.
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")
_CUDA_GRAPH_MODES = ("reduce-overhead", "max-autotune")  # the modes that replay CUDA graphs

# An ImageDataset larger than this share of the GPU's memory stays on the CPU.
_MAX_DEVICE_DATA_FRACTION = 0.25


def _place_data(data: DataSource, device: torch.device) -> DataSource:
    """The data as the trainer samples them: an ``ImageDataset`` that fits moves to the GPU once."""
    if (device.type == "cuda" and isinstance(data, ImageDataset)
            and type(data).sample is ImageDataset.sample):  # a subclass's own sampling is kept
        size = data.images.numel() * data.images.element_size()
        if size <= _MAX_DEVICE_DATA_FRACTION * torch.cuda.get_device_properties(device).total_memory:
            return _DeviceImages(data, device)
    return data


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a run. Frozen: change with ``dataclasses.replace``.

    ``steps`` counts iterations (one G step each, after ``k`` D steps).
    ``ema`` is the decay of an exponential moving average of G's weights used
    for sampling (0 = off). Learning rates decay linearly to 0 over the
    iterations after ``lr_decay_start * steps`` (1.0 = constant).
    ``checkpoint_every`` = 0 turns checkpoints off. ``compile_mode`` is passed to
    ``torch.compile`` when ``compile`` is on; ``"reduce-overhead"`` replays CUDA graphs.
    """

    steps: int = 5000
    batch_size: int = 256
    k: int = 1
    latent_dim: int = 2
    lr_d: float = 2e-4
    lr_g: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    optimizer: str = "adam"
    loss: str = "ns"
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

    def __post_init__(self) -> None:
        def bad(name: str, why: str) -> ValueError:
            return ValueError(f"{name} must be {why}, got {getattr(self, name)!r}")

        for name in ("steps", "batch_size", "k", "latent_dim", "log_every"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise bad(name, "an integer >= 1")
        for name in ("seed", "checkpoint_every"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise bad(name, "an integer >= 0")
        for name in ("lr_d", "lr_g"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise bad(name, "a finite number > 0")
        if (not isinstance(self.betas, tuple) or len(self.betas) != 2
                or not all(isinstance(b, (int, float)) and 0 <= b < 1 for b in self.betas)):
            raise bad("betas", "a tuple of two numbers in [0, 1)")
        if self.optimizer not in OPTIMIZERS:
            raise bad("optimizer", f"one of {sorted(OPTIMIZERS)}")
        if self.loss not in LOSSES:
            raise bad("loss", f"one of {sorted(LOSSES)}")
        if self.device != "auto" and self.device.split(":")[0] not in ("cpu", "cuda", "mps"):
            raise bad("device", "'auto', 'cpu', 'cuda' or 'mps'")
        if self.precision not in ("fp32", "bf16"):
            raise bad("precision", "'fp32' or 'bf16'")
        for name in ("channels_last", "compile"):
            if not isinstance(getattr(self, name), bool):
                raise bad(name, "a bool")
        if self.compile_mode not in COMPILE_MODES:
            raise bad("compile_mode", f"one of {COMPILE_MODES}")
        if not isinstance(self.ema, (int, float)) or not 0 <= self.ema < 1:
            raise bad("ema", "a number in [0, 1)")
        if not isinstance(self.lr_decay_start, (int, float)) or not 0 <= self.lr_decay_start <= 1:
            raise bad("lr_decay_start", "a number in [0, 1]")
        if self.checkpoint_every > 0 and not self.checkpoint_path:
            raise bad("checkpoint_path", "set when checkpoint_every > 0")

    def lr_scale(self, step: int) -> float:
        """Learning-rate multiplier for iteration ``step`` (0-based): 1, then linear to 0."""
        start = self.lr_decay_start * self.steps
        if step < start:
            return 1.0
        return max(0.0, (self.steps - step) / max(self.steps - start, 1.0))


class Trainer:
    """Trains ``G`` against ``D`` on ``data`` with :class:`TrainConfig` ``config``.

    ``loss`` defaults to ``get_loss(config.loss)``; ``penalty`` (e.g.
    :class:`~gan_edu.losses.R1Penalty`) is added to D's loss; ``constraint``
    (e.g. :class:`~gan_edu.losses.WeightClipping`) is applied to D after each
    D update. Build G and D under your own seed: the trainer does not
    re-initialise them.
    """

    def __init__(self, G: nn.Module, D: nn.Module, data: DataSource, config: TrainConfig, *,
                 loss: GANLoss | None = None, penalty: Penalty | None = None,
                 constraint: Callable[[nn.Module], None] | None = None) -> None:
        self.config = config
        self.device = resolve_device(config.device)
        self.data = data
        self.loss = loss if loss is not None else get_loss(config.loss)
        self.penalty = penalty
        self.constraint = constraint
        # channels_last (NHWC) is the layout the convolution kernels of cuDNN's tensor cores
        # and of oneDNN on CPUs prefer; it changes the weights' strides, not their values.
        self.memory_format = torch.channels_last if config.channels_last else torch.preserve_format
        self.G = G.to(self.device, memory_format=self.memory_format)
        self.D = D.to(self.device, memory_format=self.memory_format)
        if config.channels_last and config.compile:
            _standard_layout_where_asked(self.G, self.D)
        self.G_ema = copy.deepcopy(self.G).requires_grad_(False) if config.ema > 0 else None
        self._G = torch.compile(self.G, mode=config.compile_mode) if config.compile else self.G
        self._D = torch.compile(self.D, mode=config.compile_mode) if config.compile else self.D
        # With CUDA graphs, each iteration is one new step of their replays.
        self._graph_steps = config.compile and config.compile_mode in _CUDA_GRAPH_MODES
        self._samplewise = getattr(D, "samplewise", False) is True  # see _score
        self._params_g = list(self.G.parameters())
        self.opt_d = OPTIMIZERS[config.optimizer](list(self.D.parameters()), config.lr_d, config.betas)
        self.opt_g = OPTIMIZERS[config.optimizer](self._params_g, config.lr_g, config.betas)
        self._data = _place_data(data, self.device)
        # One CPU generator for every draw (z, x_real, penalty noise): saved in checkpoints.
        self.generator = torch.Generator().manual_seed(config.seed)
        if penalty is not None and getattr(penalty, "generator", False) is None:
            penalty.generator = self.generator
        self.step = 0  # completed iterations (G steps)
        self.history = History()
        self._stats: dict[str, Tensor] = {}

    # -- sampling -----------------------------------------------------------------------
    def sample_z(self, n: int) -> Tensor:
        """z ~ N(0, I) of shape ``(n, latent_dim)``, from the trainer's generator."""
        return to_device(torch.randn(n, self.config.latent_dim, generator=self.generator), self.device)

    def sample_real(self, n: int) -> Tensor:
        """x_real: ``n`` draws of p_r, on the trainer's device (channels_last when switched on).

        Every draw uses the trainer's CPU generator, on any device, so a run is reproducible
        and resumable. On CUDA a batch sampled on the CPU is pinned and copied
        asynchronously; an in-memory ``ImageDataset`` that fits in a quarter of the GPU's
        memory is copied to the GPU once, in the constructor, and gathered there.
        """
        x = to_device(self._data.sample(n, self.generator), self.device)
        if self.config.channels_last and x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)  # (n, C, H, W) with NHWC strides
        return x

    @torch.no_grad()
    def sample(self, n: int, ema: bool = True, z: Tensor | None = None) -> Tensor:
        """n samples of p_g (from the EMA of G when ``ema`` and it exists), on the trainer's device.

        ``z`` ``(n, latent_dim)`` fixes the noise (e.g. a fixed batch for sample grids);
        by default it is drawn from the trainer's generator.
        """
        G = self.G_ema if (ema and self.G_ema is not None) else self.G
        was_training = G.training
        G.eval()
        x = G(self.sample_z(n) if z is None else z.to(self.device))
        G.train(was_training)
        return x

    # -- the two updates ----------------------------------------------------------------
    def _check(self, name: str, loss: Tensor) -> float:
        """The divergence guard: ``loss`` as a float, or :class:`DivergenceError` if it is not finite.

        It runs between the forward pass and ``backward()``, so a bad loss never reaches the
        weights or Adam's moments. Reading the value is the one host-device synchronisation of
        an update (free on a CPU; on a GPU the host waits for the forward pass). It cannot be
        one fused check per iteration: G's loss is computed with the D that D's update has just
        produced, so each loss is checked before its own update. The float read here is what
        :meth:`step_d`/:meth:`step_g` return, so nothing waits for the update itself.
        """
        value = loss.item()
        if not math.isfinite(value):
            raise DivergenceError(f"non-finite {name} = {value} at step {self.step + 1}")
        return value

    def step_d(self) -> float:
        """One D update; returns D's loss. Call it alone to train D for a fixed G."""
        cfg = self.config
        # (1) Update D: maximise E log D(x_real) + E log(1 - D(G(z)))   [source eq. (3)]
        #     i.e. minimise self.loss.d_loss (cross-entropy, eq. (2), for "ns"/"minimax").
        z = self.sample_z(cfg.batch_size)
        x_real = self.sample_real(cfg.batch_size)
        # A lazy penalty (``every`` > 1) is added in every ``every``-th iteration only.
        penalise = self.penalty is not None and self.step % getattr(self.penalty, "every", 1) == 0
        if penalise and self.penalty.needs_real_grad:
            x_real.requires_grad_(True)
        with autocast(self.device, cfg.precision):
            with torch.no_grad():  # D's step must not move G: no graph through G is built
                x_fake = self._G(z)
            logits_real, logits_fake = self._score(x_real, x_fake)
            d_loss = self.loss.d_loss(logits_real.float(), logits_fake.float())
            if penalise:
                d_loss = d_loss + self.penalty(self.D, x_real, x_fake, logits_real.float())
        value = self._check("d_loss", d_loss)
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_d.step()
        if self.constraint is not None:
            self.constraint(self.D)
        self._stats.update(d_loss=d_loss.detach(), logits_real=logits_real.detach(),
                           logits_fake=logits_fake.detach())
        return value

    def _score(self, x_real: Tensor, x_fake: Tensor) -> tuple[Tensor, Tensor]:
        """D's logits on the real and on the fake batch.

        A D that scores each sample on its own (``D.samplewise = True``: an MLP without
        batch norm) gets both batches in one pass: the same logits up to rounding, from
        half as many matrix products, each twice as tall (a few per cent less time per toy
        iteration on a 2-core CPU; more where kernel launches dominate, as on a GPU). A D
        with batch norm must see them apart: its statistics are per batch.
        """
        if self._samplewise:
            return self._D(torch.cat([x_real, x_fake])).split([len(x_real), len(x_fake)])
        return self._D(x_real), self._D(x_fake)

    def step_g(self) -> float:
        """One G update; returns G's loss."""
        cfg = self.config
        # (2) Update G: minimise the generator loss on fresh z   [eq. (4) "ns" / eq. (5) "minimax"]
        z = self.sample_z(cfg.batch_size)
        with autocast(self.device, cfg.precision):
            logits_fake = self._D(self._G(z))
            g_loss = self.loss.g_loss(logits_fake.float())
        value = self._check("g_loss", g_loss)
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward(inputs=self._params_g)  # no gradients into D's weights
        self.opt_g.step()
        if self.G_ema is not None:
            # (3) G_ema <- ema * G_ema + (1 - ema) * G: a smoothed G for sampling.
            ema_params = list(self.G_ema.parameters())
            torch._foreach_lerp_(ema_params, self._params_g, 1.0 - cfg.ema)
            for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers()):
                b_ema.copy_(b)
        self._stats["g_loss"] = g_loss.detach()
        return value

    def _set_lr(self) -> None:
        scale = self.config.lr_scale(self.step)
        for opt, lr in ((self.opt_d, self.config.lr_d), (self.opt_g, self.config.lr_g)):
            for group in opt.param_groups:
                group["lr"] = lr * scale

    def iteration(self, d_only: bool = False) -> None:
        """One iteration of the algorithm: k D steps, then one G step (none when ``d_only``)."""
        self._set_lr()
        if self._graph_steps:
            torch.compiler.cudagraph_mark_step_begin()
        for _ in range(self.config.k):
            self.step_d()
        if not d_only:
            self.step_g()
        self.step += 1

    # -- the loop -------------------------------------------------------------------------
    def fit(self, steps: int | None = None, *, progress: bool = False, d_only: bool = False,
            callback: Callable[["Trainer"], None] | None = None) -> History:
        """Run ``steps`` more iterations (default: until ``config.steps``) and return the history.

        Every ``log_every`` iterations the history gets a row and ``callback(trainer)``
        is called; every ``checkpoint_every`` iterations a checkpoint is written
        atomically to ``checkpoint_path``. With ``d_only`` the generator is frozen and
        only the k D steps run: the inner loop of the source's algorithm, used to
        train D towards D* for a fixed G. A non-finite loss raises
        :class:`DivergenceError` naming the step, before the bad update and
        without touching the last checkpoint.
        """
        cfg = self.config
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
                        bar.set_postfix(d_loss=f"{row['d_loss']:.3f}", g_loss=f"{row['g_loss']:.3f}",
                                        D_real=f"{row['d_real']:.3f}", D_fake=f"{row['d_fake']:.3f}")
                    if callback is not None:
                        callback(self)
                if bar is not None:
                    bar.update(1)
                if cfg.checkpoint_every and self.step % cfg.checkpoint_every == 0:
                    self.save_checkpoint(cfg.checkpoint_path)
        finally:
            if bar is not None:
                bar.close()
        return self.history

    def _log(self) -> dict[str, float]:
        s = self._stats
        nan = torch.full((), float("nan"), device=s["d_loss"].device)
        grads_d = [p.grad for p in self.D.parameters() if p.grad is not None]
        grads_g = [p.grad for p in self.G.parameters() if p.grad is not None]
        stats = dict(  # 0-dim tensors, still on the device ...
            d_loss=s["d_loss"], g_loss=s.get("g_loss", nan),
            d_real=torch.sigmoid(s["logits_real"]).mean(), d_fake=torch.sigmoid(s["logits_fake"]).mean(),
            logit_real=s["logits_real"].mean(), logit_fake=s["logits_fake"].mean(),
            grad_norm_d=_total_norm(grads_d, nan), grad_norm_g=_total_norm(grads_g, nan),
        )
        values = torch.stack([v.float() for v in stats.values()]).tolist()  # ... read in one copy
        row = {"step": self.step, **dict(zip(stats, values))}
        self.history.append(row)
        return row

    # -- checkpoints ----------------------------------------------------------------------
    def state_dict(self) -> dict:
        return checkpoint.trainer_state(self)

    def save_checkpoint(self, path: str) -> None:
        """Write the full training state to ``path`` atomically (temporary file, then rename)."""
        checkpoint.save(self, path)

    def load_checkpoint(self, path: str) -> None:
        """Restore the state saved by :meth:`save_checkpoint`. A corrupt file or one from a
        different configuration or model raises ``ValueError`` and changes nothing."""
        checkpoint.load(self, path)


def _standard_layout_where_asked(*models: nn.Module) -> None:
    """Put back in the standard layout the parameters of layers marked ``standard_layout = True``.

    A layer whose input is 1x1 (the first layer of a DCGAN generator) gains nothing from
    channels_last, and compiling it with a channels_last weight failed on CUDA: inductor
    expected channels_last strides for the weight's gradient, cuDNN returned standard ones.
    """
    for model in models:
        for module in model.modules():
            if getattr(module, "standard_layout", False):
                for p in module.parameters(recurse=False):
                    p.data = p.data.contiguous()


def _total_norm(grads: list[Tensor], empty: Tensor) -> Tensor:
    """Global L2 norm of ``grads`` (a 0-dim tensor); ``empty`` when there are none."""
    if not grads:
        return empty
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))
