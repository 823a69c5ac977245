r"""InfoGAN (Chen et al. 2016): a GAN whose generator input carries codes it must keep readable.

G(z, c) is fed noise z and codes c (:class:`gan_edu.priors.WithCodes`). The mutual
information :math:`I(c; G(z, c))` cannot be computed, but a network Q(c | x) gives
a variational lower bound,

.. math:: L_I(G, Q) = \mathbb E_{c \sim p(c),\, x \sim G(z, c)}[\log Q(c \mid x)] + H(c) \;\le\; I(c; G(z, c)),

and InfoGAN solves :math:`\min_{G, Q} \max_D V(D, G) - \lambda L_I(G, Q)`. Q shares D's
body (``D.features``) and has its own head; it is updated with G (player ``"G"``
owns G and Q), D's body only by D. The categorical code is scored by
cross-entropy (on logits: no softmax before it), each continuous code by a
unit-variance Gaussian log-likelihood, weighted by ``continuous_weight``.
With ``info_weight = 0`` Q is still trained on D's (detached) features, but no
information gradient reaches G: the control of the InfoGAN chapter.
"""

from __future__ import annotations

import math

import torch.nn.functional as F
from torch import Tensor, nn

from ..priors import WithCodes
from ..validation import number
from .base import Batch, check_network, full_precision
from .gan import GAN

__all__ = ["InfoGAN"]


class InfoGAN(GAN):
    """G(z, c) against D, with Q(c | x) = ``Q(D.features(x))`` ``(n, K + C)``: K logits, C means.

    ``D`` must have ``features(x) -> h`` and ``head(h) -> logits (n,)``.
    """

    roles = {"D": ("D",), "G": ("G", "Q")}

    def __init__(self, G: nn.Module, D: nn.Module, Q: nn.Module, *, prior: WithCodes,
                 info_weight: float = 1.0, continuous_weight: float = 0.1, **kwargs) -> None:
        if not isinstance(prior, WithCodes):
            raise ValueError(f"prior must be a gan_edu.priors.WithCodes, got {prior!r}")
        check_network("Q", Q)
        for name in ("features", "head"):
            if not callable(getattr(D, name, None)):
                raise ValueError(f"D must have a {name}() method (Q shares D's body), {type(D).__name__} has none")
        super().__init__(G, D, prior=prior, **kwargs)
        self.Q = check_network("Q", Q)
        self.info_weight = number("info_weight", info_weight, minimum=0)
        self.continuous_weight = number("continuous_weight", continuous_weight, minimum=0)

    def information(self, q: Tensor, c: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        """The lower bound L_I (nats, one sample mean) of Q's output ``q`` ``(n, K + C)`` for codes ``c``."""
        prior: WithCodes = self.prior
        index, continuous = prior.split(c)
        bound = q.new_zeros(())
        stats = {}
        if prior.categories:
            # log Q(k | x) = -cross-entropy on the logits (no softmax first);
            # H(c) = ln K for K equiprobable values.
            logits = q[:, :prior.categories]
            categorical = math.log(prior.categories) - F.cross_entropy(logits, index)
            bound = bound + categorical
            stats["mi_categorical"] = categorical.detach()
        if prior.continuous:
            # Unit-variance Gaussian Q: log Q = -(c - mu)^2 / 2 - ln(2 pi) / 2;
            # H(U[-1, 1]) = ln 2 per code.
            mu = q[:, prior.categories:]
            log_q = -0.5 * (continuous - mu).pow(2) - 0.5 * math.log(2 * math.pi)
            per_code = log_q.mean(0) + math.log(2.0)  # (C,)
            bound = bound + self.continuous_weight * per_code.sum()
            stats["mi_continuous"] = per_code.sum().detach()
        return bound, stats

    def g_loss(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        # (2) G and Q: minimise the generator loss - lambda L_I(G, Q)
        z, c = batch.prior()
        h = self.D.features(self.G(z, c))
        loss = self.loss_fn.g_loss(full_precision(self.D.head(h)))
        if self.info_weight > 0:
            bound, stats = self.information(full_precision(self.Q(h)), c)
            loss = loss - self.info_weight * bound
        else:  # the control: Q learns to read the codes, G gets no information gradient
            bound, stats = self.information(full_precision(self.Q(h.detach())), c)
            loss = loss - bound
        return loss, stats

    def signature(self) -> dict[str, str | None]:
        return {**super().signature(), "info": f"{self.info_weight!r}, continuous {self.continuous_weight!r}"}
