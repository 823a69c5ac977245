r"""The source's game and its direct variants: G against D on one data set.

* :class:`GAN` -- Goodfellow et al. (2014): D ascends eq. (3), G descends eq. (4)
  or (5), or any other loss of :mod:`gan_edu.losses` (Wasserstein, hinge, least
  squares) with an optional penalty on D (R1, gradient penalty), a constraint on D
  (weight clipping) and a penalty on G (orthogonal regularisation).
* :class:`ConditionalGAN` -- Mirza & Osindero (2014): G(z, y) and D(x, y), with the
  labels y of the real batch from the data and those of the fakes from the prior.
* :class:`UnrolledGAN` -- Metz et al. (2017): G's loss is taken against the D that
  ``unroll`` look-ahead steps of gradient descent on D's loss would produce, and
  differentiated *through* those steps (true second-order gradients, ``torch.func``).
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor, nn
from torch.func import functional_call

from ..losses import GANLoss, Penalty
from ..priors import Normal
from ..validation import integer, number
from .base import (Batch, Game, check_loss_fn, check_network, check_optional_callable, check_prior, describe,
                   full_precision)

__all__ = ["GAN", "ConditionalGAN", "UnrolledGAN"]


class GAN(Game):
    """G against D. ``loss``: a name of :data:`gan_edu.losses.LOSSES` or a loss object.

    ``penalty(D, x_real, x_fake, logits_real)`` is added to D's loss (lazily, in every
    ``penalty.every``-th iteration, when it has that attribute); ``constraint(D)`` runs
    after each D update; ``g_penalty(G)`` is added to G's loss. ``prior`` defaults to
    N(0, I) of ``G.latent_dim`` dimensions.
    """

    def __init__(self, G: nn.Module, D: nn.Module, *, loss: str | GANLoss = "ns",
                 penalty: Penalty | None = None, constraint: Callable[[nn.Module], None] | None = None,
                 g_penalty: Callable[[nn.Module], Tensor] | None = None, prior=None) -> None:
        super().__init__()
        self.G, self.D = check_network("G", G), check_network("D", D)
        self.loss_fn = check_loss_fn(loss)
        self.penalty = check_optional_callable("penalty", penalty, "gan_edu.losses.R1Penalty(gamma=1.0)")
        self.constraint = check_optional_callable("constraint", constraint, "gan_edu.losses.WeightClipping(0.01)")
        self.g_penalty = check_optional_callable("g_penalty", g_penalty,
                                                 "gan_edu.losses.OrthogonalRegularization(1e-4)")
        if prior is None:
            if not hasattr(G, "latent_dim"):
                raise ValueError(f"prior: {type(G).__name__} has no latent_dim; pass prior=Normal(latent_dim)")
            prior = Normal(G.latent_dim)
        self.prior = check_prior(prior)
        # A D that scores each sample on its own (no batch norm) gets real and fake in one pass.
        self.samplewise = getattr(D, "samplewise", False) is True

    # -- what D sees ----------------------------------------------------------------------
    def real_batch(self, real) -> tuple[Tensor, tuple[Tensor, ...]]:
        """x_real and what D is conditioned on for it (nothing, for the plain GAN)."""
        return real, ()

    def fake_condition(self, inputs: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        """What D is conditioned on for G(*inputs) (nothing, for the plain GAN)."""
        return ()

    def score(self, x_real: Tensor, cond_real: tuple, x_fake: Tensor, cond_fake: tuple) -> tuple[Tensor, Tensor]:
        """D's logits on the real and the fake batch; one pass for a samplewise D (the same
        logits up to rounding, from half as many, twice as tall, matrix products)."""
        if self.samplewise:
            both = self.D(torch.cat([x_real, x_fake]), *[torch.cat(c) for c in zip(cond_real, cond_fake)])
            return both.split([len(x_real), len(x_fake)])
        return self.D(x_real, *cond_real), self.D(x_fake, *cond_fake)

    # -- the two losses -------------------------------------------------------------------
    def loss(self, player: str, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        if player == "D":
            return self.d_loss(batch)
        if player == "G":
            return self.g_loss(batch)
        raise ValueError(f"player must be 'D' or 'G', got {player!r}")

    def d_loss(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        # (1) D: ascend E log D(x_real) + E log(1 - D(G(z))), eq. (3): minimise eq. (2)
        inputs = batch.prior()
        x_real, cond_real = self.real_batch(batch.real())
        penalise = self.penalises(batch.step)
        if penalise and self.penalty.needs_real_grad:
            x_real.requires_grad_(True)
        with torch.no_grad():  # D's step must not move G: no graph through G
            x_fake = self.G(*inputs)
        logits = self.score(x_real, cond_real, x_fake, self.fake_condition(inputs))
        logits_real, logits_fake = (full_precision(logit) for logit in logits)
        loss = self.loss_fn.d_loss(logits_real, logits_fake)
        if penalise:
            loss = loss + self.penalty(self.D, x_real, x_fake, logits_real)
        return loss, self.d_stats(logits_real.detach(), logits_fake.detach())

    def penalises(self, step: int) -> bool:
        """Whether D's loss gets the penalty in iteration ``step``: always, or for a lazy
        penalty (one with ``every`` > 1, e.g. lazy R1) in every ``every``-th iteration only."""
        return self.penalty is not None and step % getattr(self.penalty, "every", 1) == 0

    @staticmethod
    def d_stats(logits_real: Tensor, logits_fake: Tensor) -> dict[str, Tensor]:
        """D(x) = sigmoid(logit) on both batches (for critics, read the raw logits)."""
        return {"d_real": torch.sigmoid(logits_real), "d_fake": torch.sigmoid(logits_fake),
                "logit_real": logits_real, "logit_fake": logits_fake}

    def g_loss(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        # (2) G: minimise its loss on fresh z   [eq. (4) "ns", eq. (5) "minimax"]
        inputs = batch.prior()
        logits_fake = self.D(self.G(*inputs), *self.fake_condition(inputs))
        loss = self.loss_fn.g_loss(full_precision(logits_fake))
        if self.g_penalty is not None:
            loss = loss + self.g_penalty(self.G)
        return loss, {}

    def after_update(self, player: str) -> None:
        if player == "D" and self.constraint is not None:
            self.constraint(self.D)

    def attach(self, generator: torch.Generator) -> None:
        if self.penalty is not None and getattr(self.penalty, "generator", False) is None:
            self.penalty.generator = generator  # e.g. the gradient penalty's interpolation weights

    def generate(self, inputs: tuple[Tensor, ...], *, G: nn.Module | None = None) -> Tensor:
        return (self.G if G is None else G)(*inputs)

    def check(self, real, inputs: tuple[Tensor, ...]) -> None:
        x_real, cond_real = self.real_batch(real)
        try:
            x_fake = self.G(*inputs)
        except Exception as error:  # shapes or dtypes that do not fit
            raise ValueError(f"G does not accept the prior's draws {_shapes(inputs)} ({self.prior!r}): "
                             f"{error}") from error
        if tuple(x_fake.shape[1:]) != tuple(x_real.shape[1:]):
            raise ValueError(f"G makes {_shapes((x_fake,))[1:-1]} but the data are {_shapes((x_real,))[1:-1]}")
        for name, x, cond in (("x_real", x_real, cond_real), ("G's output", x_fake, self.fake_condition(inputs))):
            try:
                logits = self.D(x, *cond)
            except Exception as error:
                raise ValueError(f"D does not accept {name} of shape {tuple(x.shape)}: {error}") from error
            if tuple(logits.shape) != (len(x),):
                raise ValueError(f"D must return one logit per sample, shape ({len(x)},), "
                                 f"got {tuple(logits.shape)} for {name}")

    def signature(self) -> dict[str, str | None]:
        return {**super().signature(), "loss": getattr(self.loss_fn, "name", describe(self.loss_fn)),
                "penalty": describe(self.penalty), "constraint": describe(self.constraint),
                "g_penalty": describe(self.g_penalty)}


def _shapes(tensors) -> str:
    return "(" + ", ".join("(n, " + ", ".join(str(s) for s in t.shape[1:]) + ")" if t.dim() > 1 else "(n,)"
                           for t in tensors) + ")"


class ConditionalGAN(GAN):
    """G(z, y) against D(x, y): the data yield ``(x, y)``, the prior ``(z, y)``
    (e.g. :class:`gan_edu.priors.WithLabels`); D judges each image with its label."""

    def __init__(self, G: nn.Module, D: nn.Module, *, prior, **kwargs) -> None:
        super().__init__(G, D, prior=prior, **kwargs)

    def real_batch(self, real) -> tuple[Tensor, tuple[Tensor, ...]]:
        if not (isinstance(real, tuple) and len(real) == 2):
            raise ValueError("ConditionalGAN needs data that yield (x, y), e.g. gan_edu.data.Labelled(dataset)")
        x, y = real
        return x, (y,)

    def fake_condition(self, inputs: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        return (inputs[-1],)  # the labels the prior drew for G


class UnrolledGAN(GAN):
    r"""Unrolled GAN (Metz et al. 2017): G descends :math:`f_K(\theta) = \mathcal L_G(\theta, \psi_K(\theta))`.

    .. math:: \psi_0 = \psi, \qquad \psi_{k+1} = \psi_k - \eta\,\nabla_\psi \mathcal L_D(\theta, \psi_k),

    and the gradient of :math:`f_K` flows through every :math:`\psi_k(\theta)`: the
    look-ahead steps are taken with ``create_graph=True`` on D's parameters as plain
    tensors (``torch.func.functional_call``), so G sees how D would react to it. D's own
    update is the ordinary one. ``unroll`` = K look-ahead steps of size ``unroll_lr`` = eta
    (plain gradient descent); a D with batch norm is evaluated with its current statistics.
    """

    def __init__(self, G: nn.Module, D: nn.Module, *, unroll: int = 5, unroll_lr: float = 1e-2, **kwargs) -> None:
        super().__init__(G, D, **kwargs)
        self.unroll = integer("unroll", unroll, minimum=0)
        self.unroll_lr = number("unroll_lr", unroll_lr, minimum=0, strict_minimum=True)

    def unrolled_parameters(self, batch: Batch) -> dict[str, Tensor]:
        """psi_K(theta): D's parameters after ``unroll`` differentiable look-ahead steps."""
        params = dict(self.D.named_parameters())
        buffers = dict(self.D.named_buffers())
        for _ in range(self.unroll):
            inputs = batch.prior()
            x_real, cond_real = self.real_batch(batch.real())
            x_fake = self.G(*inputs)  # kept in the graph: psi_k depends on theta through it
            logits_real = functional_call(self.D, (params, buffers), (x_real, *cond_real))
            logits_fake = functional_call(self.D, (params, buffers), (x_fake, *self.fake_condition(inputs)))
            d_loss = self.loss_fn.d_loss(full_precision(logits_real), full_precision(logits_fake))
            grads = torch.autograd.grad(d_loss, list(params.values()), create_graph=True)
            params = {name: p - self.unroll_lr * g for (name, p), g in zip(params.items(), grads)}
        return params

    def g_loss(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        params = self.unrolled_parameters(batch)
        inputs = batch.prior()
        logits_fake = functional_call(self.D, (params, dict(self.D.named_buffers())),
                                      (self.G(*inputs), *self.fake_condition(inputs)))
        loss = self.loss_fn.g_loss(full_precision(logits_fake))
        if self.g_penalty is not None:
            loss = loss + self.g_penalty(self.G)
        return loss, {}

    def signature(self) -> dict[str, str | None]:
        return {**super().signature(), "unroll": f"{self.unroll} x {self.unroll_lr!r}"}
