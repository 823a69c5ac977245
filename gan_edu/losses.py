r"""GAN losses, penalties and constraints: the pieces the one trainer plugs in.

Follows the source's equations (1)-(5) (Goodfellow et al. 2014, §3) and the
common variants: Wasserstein (Arjovsky et al. 2017), WGAN-GP (Gulrajani et al.
2017), hinge (Lim & Ye 2017; Miyato et al. 2018), least squares (Mao et al.
2017) and the R1 penalty (Mescheder et al. 2018).

Sign convention, for every loss here: **both players minimise**. ``d_loss``
is what D minimises (for the cross-entropy family, the negative of the value
(3) that D ascends); ``g_loss`` is what G minimises. D always returns raw
*logits* (no sigmoid), and the cross-entropy forms use ``softplus`` so that
logits of +-100 stay finite:

.. math:: -\log\sigma(l) = \mathrm{softplus}(-l), \qquad -\log(1-\sigma(l)) = \mathrm{softplus}(l).

A loss object has ``d_loss(logits_real, logits_fake)`` and
``g_loss(logits_fake)``; a penalty object is called as
``penalty(D, x_real, x_fake, logits_real)`` and adds to ``d_loss``; a
constraint is called as ``constraint(D)`` after each D update; a penalty on G
(:class:`OrthogonalRegularization`) as ``g_penalty(G)``. New variants
are new objects; the trainer does not change.
"""

from __future__ import annotations

from typing import Callable, Protocol

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .validation import choice, integer, number, random_generator

__all__ = [
    "GANLoss", "Penalty", "d_cross_entropy", "g_nonsaturating", "g_minimax",
    "NonSaturatingLoss", "MinimaxLoss", "WassersteinLoss", "HingeLoss", "LeastSquaresLoss",
    "GradientPenalty", "gradient_penalty", "R1Penalty", "WeightClipping", "OrthogonalRegularization", "LOSSES", "get_loss",
]


# ---------------------------------------------------------------------------
# The source's equations, as functions of D's logits
# ---------------------------------------------------------------------------

def d_cross_entropy(logits_real: Tensor, logits_fake: Tensor) -> Tensor:
    """Source eq. (2) over the batch: -mean log D(x_real) - mean log(1 - D(x_fake)).

    The cross-entropy of eq. (1) with labels 1 (real) and 0 (fake), from D's logits l:
    -log sigmoid(l) = softplus(-l) and -log(1 - sigmoid(l)) = softplus(l), finite for
    every l. D minimises it, which is ascending eq. (3). Book: eq-d-cross-entropy.
    """
    return F.softplus(-logits_real).mean() + F.softplus(logits_fake).mean()


def g_nonsaturating(logits_fake: Tensor) -> Tensor:
    """Source eq. (4): -mean log D(G(z)) = mean softplus(-l). Book: eq-g-nonsaturating.

    G minimises it. Its gradient with respect to a logit is -(1 - sigmoid(l)), which
    tends to -1, not 0, when D confidently rejects the fakes.
    """
    return F.softplus(-logits_fake).mean()


def g_minimax(logits_fake: Tensor) -> Tensor:
    """Source eq. (5): mean log(1 - D(G(z))) = -mean softplus(l). Book: eq-g-minimax.

    G minimises it. Its gradient with respect to a logit is -sigmoid(l), which vanishes
    when D confidently rejects the fakes (l -> -inf): the saturation that eq. (4)
    avoids. Eq. (5) is *not* a rewriting of (4).
    """
    return -F.softplus(logits_fake).mean()


# ---------------------------------------------------------------------------
# Loss objects
# ---------------------------------------------------------------------------

class GANLoss(Protocol):
    """What the trainer needs from a loss. ``probabilities`` says whether
    ``sigmoid(logits)`` is a meaningful D(x) (False for critics)."""

    name: str
    probabilities: bool

    def d_loss(self, logits_real: Tensor, logits_fake: Tensor) -> Tensor: ...

    def g_loss(self, logits_fake: Tensor) -> Tensor: ...


class NonSaturatingLoss:
    """D: cross-entropy, eqs. (1)-(3); G: non-saturating, eq. (4). The default in practice."""

    name = "ns"
    probabilities = True

    def d_loss(self, logits_real: Tensor, logits_fake: Tensor) -> Tensor:
        return d_cross_entropy(logits_real, logits_fake)

    def g_loss(self, logits_fake: Tensor) -> Tensor:
        return g_nonsaturating(logits_fake)


class MinimaxLoss(NonSaturatingLoss):
    """D: cross-entropy, eqs. (1)-(3); G: minimax, eq. (5), as in the source's algorithm box."""

    name = "minimax"

    def g_loss(self, logits_fake: Tensor) -> Tensor:
        return g_minimax(logits_fake)


class WassersteinLoss:
    r"""Wasserstein critic loss (Arjovsky et al. 2017).

    .. math:: \mathcal L_D = \mathbb E[f(x_f)] - \mathbb E[f(x_r)], \qquad \mathcal L_G = -\mathbb E[f(x_f)],

    with :math:`f` the critic (D's raw output). D minimises :math:`\mathcal L_D`, i.e.
    maximises the Kantorovich-Rubinstein estimate :math:`\mathbb E f(x_r) - \mathbb E f(x_f)`
    of :math:`W_1(p_r, p_g)`, which needs :math:`f` 1-Lipschitz: pair it with
    :class:`WeightClipping` (WGAN) or :class:`GradientPenalty` (WGAN-GP).
    """

    name = "wgan"
    probabilities = False

    def d_loss(self, logits_real: Tensor, logits_fake: Tensor) -> Tensor:
        return logits_fake.mean() - logits_real.mean()

    def g_loss(self, logits_fake: Tensor) -> Tensor:
        return -logits_fake.mean()


class HingeLoss:
    r"""Hinge loss (Lim & Ye 2017; Miyato et al. 2018).

    .. math:: \mathcal L_D = \mathbb E[\max(0, 1 - f(x_r))] + \mathbb E[\max(0, 1 + f(x_f))], \qquad \mathcal L_G = -\mathbb E[f(x_f)].
    """

    name = "hinge"
    probabilities = False

    def d_loss(self, logits_real: Tensor, logits_fake: Tensor) -> Tensor:
        return F.relu(1 - logits_real).mean() + F.relu(1 + logits_fake).mean()

    def g_loss(self, logits_fake: Tensor) -> Tensor:
        return -logits_fake.mean()


class LeastSquaresLoss:
    r"""Least-squares GAN (Mao et al. 2017), targets a = 0 (fake), b = 1 (real), c = 1.

    .. math:: \mathcal L_D = \tfrac12\mathbb E[(f(x_r) - 1)^2] + \tfrac12\mathbb E[f(x_f)^2], \qquad \mathcal L_G = \tfrac12\mathbb E[(f(x_f) - 1)^2].

    ``f`` is D's raw output, regressed onto the labels (not passed through a sigmoid).
    """

    name = "lsgan"
    probabilities = False

    def d_loss(self, logits_real: Tensor, logits_fake: Tensor) -> Tensor:
        return 0.5 * (logits_real - 1).pow(2).mean() + 0.5 * logits_fake.pow(2).mean()

    def g_loss(self, logits_fake: Tensor) -> Tensor:
        return 0.5 * (logits_fake - 1).pow(2).mean()


LOSSES: dict[str, type] = {
    cls.name: cls for cls in (NonSaturatingLoss, MinimaxLoss, WassersteinLoss, HingeLoss, LeastSquaresLoss)
}


def get_loss(name: str) -> GANLoss:
    """A fresh loss object by name: one of ``"ns"``, ``"minimax"``, ``"wgan"``, ``"hinge"``, ``"lsgan"``."""
    return LOSSES[choice("loss", name, sorted(LOSSES))]()


# ---------------------------------------------------------------------------
# Penalties (added to d_loss) and constraints (applied to D after its step)
# ---------------------------------------------------------------------------

class Penalty(Protocol):
    """A regulariser of D, added to ``d_loss``. If ``needs_real_grad`` the trainer
    builds ``logits_real`` from an ``x_real`` that requires grad. An ``every`` attribute
    (default 1) makes the trainer add it in every ``every``-th iteration only."""

    needs_real_grad: bool

    def __call__(self, D: nn.Module, x_real: Tensor, x_fake: Tensor, logits_real: Tensor) -> Tensor: ...


def _grad_sq_norm(outputs: Tensor, inputs: Tensor) -> Tensor:
    """Per-sample squared norm of d outputs.sum() / d inputs, kept in the graph."""
    (grad,) = torch.autograd.grad(outputs.sum(), inputs, create_graph=True)
    return grad.pow(2).flatten(1).sum(1)  # (n,)


def gradient_penalty(critic: Callable[[Tensor], Tensor], x_real: Tensor, x_fake: Tensor,
                     weight: float = 10.0, generator: torch.Generator | None = None) -> Tensor:
    r"""The WGAN-GP penalty (Gulrajani et al. 2017, eq. (3)) as a scalar tensor.

    .. math:: \lambda\,\mathbb E_{\hat x}\bigl[(\lVert\nabla_{\hat x} f(\hat x)\rVert_2 - 1)^2\bigr],
        \quad \hat x = \epsilon x_r + (1-\epsilon) x_f,\ \epsilon\sim U[0,1],

    one :math:`\epsilon` per sample (drawn from ``generator`` on the CPU, then moved), the
    norm taken over all non-batch dimensions. ``critic`` maps ``(n, ...)`` to ``(n,)`` (or
    ``(n, 1)``); ``x_real`` and ``x_fake`` must have the same shape, ``(n, ...)`` with n >= 1.
    Differentiable in the critic's parameters (``create_graph``), not in ``x_real`` or ``x_fake``.
    """
    weight = number("weight", weight, minimum=0)
    for name, x in (("x_real", x_real), ("x_fake", x_fake)):
        if not isinstance(x, Tensor) or x.dim() < 1 or len(x) == 0 or not x.is_floating_point():
            raise ValueError(f"{name} must be a floating-point tensor of shape (n, ...) with n >= 1, "
                             f"got {type(x).__name__} {tuple(getattr(x, 'shape', ()))}")
    if x_real.shape != x_fake.shape:
        raise ValueError(f"x_real and x_fake must have the same shape, got {tuple(x_real.shape)} "
                         f"and {tuple(x_fake.shape)}")
    random_generator("generator", generator)
    shape = (x_real.shape[0],) + (1,) * (x_real.dim() - 1)
    eps = torch.rand(shape, generator=generator, dtype=x_real.dtype).to(x_real.device)
    x_hat = (eps * x_real.detach() + (1 - eps) * x_fake.detach()).requires_grad_(True)
    grad_norm = _grad_sq_norm(critic(x_hat), x_hat).add(1e-12).sqrt()  # (n,)
    return weight * (grad_norm - 1).pow(2).mean()


class GradientPenalty:
    r"""WGAN-GP two-sided penalty (Gulrajani et al. 2017, eq. (3)): :func:`gradient_penalty`
    as an object the games take (``GAN(G, D, loss="wgan", penalty=GradientPenalty(10))``).

    ``generator`` makes the interpolation weights reproducible (the trainer hands over its own).
    """

    needs_real_grad = False

    def __init__(self, weight: float = 10.0, generator: torch.Generator | None = None) -> None:
        self.weight = number("weight", weight, minimum=0)
        self.generator = generator

    def __call__(self, D: nn.Module, x_real: Tensor, x_fake: Tensor, logits_real: Tensor) -> Tensor:
        return gradient_penalty(D, x_real, x_fake, self.weight, self.generator)


class R1Penalty:
    r"""R1 zero-centred gradient penalty on real data (Mescheder et al. 2018, eq. (9)).

    .. math:: \frac{\gamma}{2}\,\mathbb E_{x\sim p_r}\bigl[\lVert\nabla_x D(x)\rVert^2\bigr]

    (gradient of the logit). It makes the Dirac-GAN converge and keeps D smooth
    on the data, so G is pulled towards the modes rather than past them.

    ``every = N`` makes it lazy (Karras et al. 2020, app. B): the trainer applies it
    in every N-th iteration only, with N times the weight. R1's double backward pass
    is about a quarter of a toy iteration; the other N - 1 iterations skip it.
    """

    needs_real_grad = True

    def __init__(self, gamma: float = 1.0, every: int = 1) -> None:
        self.gamma = number("gamma", gamma, minimum=0)
        self.every = integer("every", every)

    def __call__(self, D: nn.Module, x_real: Tensor, x_fake: Tensor, logits_real: Tensor) -> Tensor:
        return self.every * 0.5 * self.gamma * _grad_sq_norm(logits_real, x_real).mean()


class WeightClipping:
    """Original WGAN's Lipschitz constraint (Arjovsky et al. 2017, Alg. 1): clip
    every parameter of D to ``[-c, c]`` after each D update."""

    def __init__(self, c: float = 0.01) -> None:
        self.c = number("c", c, minimum=0, strict_minimum=True)

    @torch.no_grad()
    def __call__(self, D: nn.Module) -> None:
        for p in D.parameters():
            p.clamp_(-self.c, self.c)


class OrthogonalRegularization:
    r"""BigGAN's orthogonal regularisation of G's weights (Brock et al. 2019, eq. (3)), a penalty on G.

    .. math:: R_\beta(W) = \beta\,\bigl\lVert W W^\top \odot (\mathbf 1 - I) \bigr\rVert_F^2

    for every weight matrix W of G (a convolution's filters flattened to the rows of
    W): it pushes different filters towards orthogonality without constraining their
    norms, unlike :math:`\lVert W W^\top - I\rVert_F^2`. Biases, norm gains and other
    1-D parameters are left alone. Pass it to the game as ``g_penalty``.
    """

    def __init__(self, beta: float = 1e-4) -> None:
        self.beta = number("beta", beta, minimum=0)

    def __call__(self, G: nn.Module) -> Tensor:
        total = None
        for p in G.parameters():
            if p.dim() < 2:
                continue
            W = p.flatten(1)  # (out, in * kh * kw): one row per filter
            gram = W @ W.t()  # (out, out)
            off_diagonal = gram - torch.diag_embed(torch.diagonal(gram))
            term = off_diagonal.pow(2).sum()
            total = term if total is None else total + term
        if total is None:
            raise ValueError(f"{type(G).__name__} has no weight matrix to regularise")
        return self.beta * total
