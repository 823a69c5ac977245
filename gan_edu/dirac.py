r"""The Dirac-GAN (Mescheder, Geiger & Nowozin 2018, "Which training methods for GANs do
actually converge?", §2.2): the smallest game in which GAN training fails to converge.

G is a point mass at :math:`\theta` (:class:`~gan_edu.models.PointMass`), D has the logit
:math:`D_\psi(x) = \psi x` (:class:`~gan_edu.models.LinearCritic`), the data are
:math:`\delta_0`, and the equilibrium is :math:`(\theta, \psi) = (0, 0)`. In this
library's convention (both players *minimise*, D's logit is high on real data;
:mod:`gan_edu.losses`) the value that D ascends is

.. math:: V(\theta, \psi) = f(\psi \cdot 0) + f(-\psi\theta), \qquad
    f(t) = -\log(1 + e^{-t}) \ (\text{"ns", "minimax"}), \qquad f(t) = t \ (\text{"wgan"}),

so ``d_loss`` :math:`= -V + \tfrac\gamma2\psi^2` (R1: :math:`\nabla_x(\psi x) = \psi`), and
``g_loss`` is :math:`V` for "minimax" (source eq. (5)) and "wgan", :math:`-f(\psi\theta) =
\mathrm{softplus}(-\psi\theta)` for "ns". Mescheder et al. write :math:`L = f(\psi\theta) + f(0)`:
their D scores the *fakes* high, i.e. their :math:`\psi` is our :math:`-\psi`. With
:math:`f'(0) = \tfrac12` (GAN) or 1 (WGAN), :math:`f'(-\psi\theta) = \mathrm{sigmoid}(\psi\theta)`, the
gradient vector field :math:`v = (-\partial_\theta\mathcal L_G, -\partial_\psi\mathcal L_D)` is

.. math:: v(\theta, \psi) = \bigl(\psi\, f'(\mp\psi\theta),\; -\theta f'(-\psi\theta) - \gamma\psi\bigr)
    \quad (- \text{ minimax}, + \text{ ns}), \qquad
    v'(0, 0) = \begin{pmatrix} 0 & f'(0) \\ -f'(0) & -\gamma + 2 f''(0)\sigma^2 \end{pmatrix},

with :math:`\sigma` the instance noise (below) and :math:`f''(0) = -\tfrac14` (GAN) or 0 (WGAN).
Its eigenvalues are :math:`\pm i f'(0)` unregularised (the flow circles the equilibrium: for
"minimax" and "wgan" it conserves :math:`\theta^2 + \psi^2` exactly),
:math:`-\tfrac\gamma2 \pm \sqrt{\gamma^2/4 - f'(0)^2}` with R1 and
:math:`f''(0)\sigma^2 \pm \sqrt{f''(0)^2\sigma^4 - f'(0)^2}` with instance noise (§3).
Unregularised simultaneous gradient steps spiral out: a step multiplies the radius by exactly
:math:`\sqrt{1 + h^2}` for "wgan", :math:`\sqrt{1 + h^2\,\mathrm{sigmoid}(\psi\theta)^2}` for "minimax",
and by :math:`\sqrt{1 + h^2/4}` only near (0, 0) for "ns". The "ns" field is not a rotation:
along it :math:`\tfrac{d}{dt}(\theta^2 + \psi^2) = -2u\tanh(u/2) \le 0`, :math:`u = \psi\theta`,
so its flow and alternating steps creep inwards (radius ~ :math:`t^{-1/2}`) and its
simultaneous steps settle on a cycle of radius ~ :math:`\sqrt{2h}` instead of diverging.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.integrate import solve_ivp
from scipy.special import expit
from torch import Tensor

from .config import TrainConfig
from .games import GAN
from .losses import R1Penalty, WeightClipping
from .models.dirac import LinearCritic, PointMass
from .train import Trainer
from .validation import choice, integer, number

__all__ = ["trajectory", "jacobian_eigenvalues", "vector_field", "METHODS", "DIRAC_LOSSES"]

METHODS = ("simultaneous", "alternating", "flow")
DIRAC_LOSSES = ("minimax", "ns", "wgan")
_F1 = {"minimax": 0.5, "ns": 0.5, "wgan": 1.0}  # f'(0)
_F2 = {"minimax": -0.25, "ns": -0.25, "wgan": 0.0}  # f''(0)
_PANELS = 128  # quadrature panels of the noise average (8 nodes each)
_NOISY_BATCH = 64  # 32 antithetic pairs per batch with instance noise


def _check_game(loss, gamma, instance_noise) -> tuple[str, float, float]:
    return (choice("loss", loss, DIRAC_LOSSES), number("gamma", gamma, minimum=0),
            number("instance_noise", instance_noise, minimum=0))


def _noise(sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of E over eps ~ N(0, sigma^2), symmetric about 0: composite 8-point
    Gauss-Legendre on 128 panels over [-8.5 sigma, 8.5 sigma]; one node at 0 for sigma = 0."""
    if sigma == 0:
        return np.zeros(1), np.ones(1)
    x, w = np.polynomial.legendre.leggauss(8)
    edges = np.linspace(-8.5, 8.5, _PANELS + 1)
    half = (edges[1] - edges[0]) / 2
    e = ((edges[:-1] + edges[1:])[:, None] / 2 + half * x).ravel()  # (_PANELS * 8,)
    weights = half * np.tile(w, _PANELS) * np.exp(-e * e / 2)
    return sigma * e, weights / weights.sum()


def _field(theta: float, psi: float, loss: str, gamma: float, eps: np.ndarray, w: np.ndarray) -> np.ndarray:
    x_real, x_fake = eps, theta + eps  # (nodes,): the noisy data and fakes
    if loss == "wgan":
        d_grad = w @ x_fake - w @ x_real  # d/dpsi E[psi x_fake - psi x_real]
        g_grad = -psi  # d/dtheta (-psi E x_fake)
    else:
        d_grad = -w @ (x_real * expit(-psi * x_real)) + w @ (x_fake * expit(psi * x_fake))
        g_grad = -psi * (w @ expit((-1 if loss == "ns" else 1) * psi * x_fake))
    return np.array([-g_grad, -(d_grad + gamma * psi)])


def vector_field(theta: float, psi: float, *, gamma: float = 0.0, loss: str = "ns",
                 instance_noise: float = 0.0) -> np.ndarray:
    r"""The gradient vector field, shape (2,):
    :math:`v(\theta, \psi) = (-\partial_\theta\mathcal L_G, -\partial_\psi\mathcal L_D)` (module docstring).

    With ``instance_noise`` :math:`\sigma > 0` the losses are expectations over
    :math:`x_{real} \sim \mathcal N(0, \sigma^2)`, :math:`x_{fake} \sim \mathcal N(\theta, \sigma^2)`,
    computed by composite Gauss-Legendre quadrature on 1024 nodes: exact for the WGAN, within
    ~1e-12 of adaptive quadrature for the GAN while :math:`|\psi|\sigma \le 10` (1e-6 at 90).
    """
    loss, gamma, sigma = _check_game(loss, gamma, instance_noise)
    return _field(number("theta", theta), number("psi", psi), loss, gamma, *_noise(sigma))


def jacobian_eigenvalues(gamma: float = 0.0, loss: str = "ns", *, instance_noise: float = 0.0) -> np.ndarray:
    r"""Eigenvalues of :math:`v'(0, 0)` (module docstring), complex, shape (2,): ``[a + r, a - r]`` with

    .. math:: a = -\tfrac\gamma2 + f''(0)\sigma^2, \qquad r = \sqrt{a^2 - f'(0)^2},

    i.e. :math:`\pm i f'(0)` for :math:`\gamma = \sigma = 0` and
    :math:`-\tfrac\gamma2 \pm \sqrt{\gamma^2/4 - f'(0)^2}` with R1 alone.
    """
    loss, gamma, sigma = _check_game(loss, gamma, instance_noise)
    a = -gamma / 2 + _F2[loss] * sigma**2
    r = np.sqrt(complex(a * a - _F1[loss] ** 2))
    return np.array([a + r, a - r], dtype=complex)


class _Antithetic:
    """N(0, sigma^2) draws ``(n, 1)`` (float64) as antithetic pairs (e, -e), so that every batch has
    mean exactly 0 and (0, 0) stays a fixed point of every noisy update; zeros (delta_0) for sigma = 0."""

    def __init__(self, sigma: float) -> None:
        self.sigma = sigma

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        if self.sigma == 0:
            return torch.zeros(n, 1, dtype=torch.float64)
        e = self.sigma * torch.randn((n + 1) // 2, 1, generator=generator, dtype=torch.float64)
        return torch.cat([e, -e])[:n]  # (n, 1)

    def __repr__(self) -> str:
        return f"Antithetic(sigma={self.sigma!r})"


class _NoisyPointMass(PointMass):
    """G(z) = theta + sigma z: the point mass seen through instance noise, p_g = N(theta, sigma^2)."""

    def __init__(self, theta: float, sigma: float) -> None:
        super().__init__(theta)
        self.sigma = sigma

    def forward(self, z: Tensor) -> Tensor:
        return self.theta + self.sigma * z  # (n, 1)


def _train(method: str, steps: int, h: float, theta: float, psi: float, loss: str, gamma: float,
           sigma: float, n_critic: int, clip: float | None, seed: int) -> np.ndarray:
    G = (PointMass(theta) if sigma == 0 else _NoisyPointMass(theta, sigma)).double()
    D = LinearCritic(psi).double()
    with torch.no_grad():  # the models store float32: set the start in float64
        G.theta.fill_(theta)
        D.psi.fill_(psi)
    game = GAN(G, D, loss=loss, penalty=R1Penalty(gamma) if gamma > 0 else None,
               constraint=None if clip is None else WeightClipping(clip),
               prior=_Antithetic(1.0) if sigma > 0 else None)
    config = TrainConfig(steps=steps, batch_size=_NOISY_BATCH if sigma > 0 else 1, k=n_critic, schedule=method,
                         optimizer="sgd", lr_d=h, lr_g=h, seed=seed, device="cpu", log_every=steps)
    trainer = Trainer(game, _Antithetic(sigma), config)
    out = np.empty((steps + 1, 2))
    out[0] = theta, psi
    for k in range(1, steps + 1):
        trainer.iteration()
        out[k] = G.theta.item(), D.psi.item()
    return out


def _flow(steps: int, h: float, theta: float, psi: float, loss: str, gamma: float, sigma: float) -> np.ndarray:
    eps, w = _noise(sigma)
    times = h * np.arange(steps + 1)  # the discrete methods' time axis: iteration k at t = k h
    sol = solve_ivp(lambda t, y: _field(y[0], y[1], loss, gamma, eps, w), (0.0, times[-1]), [theta, psi],
                    method="DOP853", t_eval=times, rtol=1e-10, atol=1e-12)
    if not sol.success:
        raise RuntimeError(f"the Dirac-GAN flow could not be integrated: {sol.message}")
    return sol.y.T.copy()  # (steps + 1, 2)


def trajectory(method: str, *, steps: int = 500, h: float = 0.2, theta: float = 1.0, psi: float = 1.0,
               gamma: float = 0.0, loss: str = "ns", n_critic: int = 1, instance_noise: float = 0.0,
               clip: float | None = None, seed: int = 0) -> np.ndarray:
    r"""The iterates :math:`(\theta_k, \psi_k)`, k = 0..steps, of the Dirac-GAN: a float64 array (steps + 1, 2).

    * ``"simultaneous"`` / ``"alternating"``: the library's :class:`~gan_edu.train.Trainer`
      with that schedule and plain SGD (step ``h`` for both players), in float64, on
      ``GAN(PointMass(theta), LinearCritic(psi), loss=loss)`` with data :math:`\delta_0`.
      Simultaneous: :math:`(\theta, \psi) \leftarrow (\theta, \psi) + h\,v(\theta, \psi)`;
      alternating: ``n_critic`` steps :math:`\psi \leftarrow \psi - h\,\partial_\psi\mathcal L_D`,
      then :math:`\theta \leftarrow \theta - h\,\partial_\theta\mathcal L_G` at the new
      :math:`\psi`. Row k is the state after iteration k.
    * ``"flow"``: :math:`\dot{(\theta, \psi)} = v` (module docstring), integrated by
      ``solve_ivp`` (DOP853, rtol 1e-10, atol 1e-12) and read at t = k h.

    ``gamma``: the R1 weight (:class:`~gan_edu.losses.R1Penalty`, adding
    :math:`\tfrac\gamma2\psi^2` to D's loss). ``clip``: :class:`~gan_edu.losses.WeightClipping`,
    :math:`\psi \leftarrow \mathrm{clip}(\psi, -c, c)` after each D step (discrete methods only).
    ``instance_noise`` :math:`\sigma`: D sees :math:`x_{real} = \sigma\epsilon`,
    :math:`x_{fake} = \theta + \sigma\epsilon'`. The discrete methods draw :math:`\epsilon, \epsilon'`
    from the trainer's generator (``seed``), 64 per batch in antithetic pairs
    :math:`(\epsilon, -\epsilon)`: each step follows the gradient for that batch, and (0, 0)
    stays a fixed point. The flow uses the expectation over the noise (:func:`vector_field`).
    """
    method = choice("method", method, METHODS)
    steps = integer("steps", steps)
    h = number("h", h, minimum=0, strict_minimum=True)
    theta, psi = number("theta", theta), number("psi", psi)
    loss, gamma, sigma = _check_game(loss, gamma, instance_noise)
    n_critic = integer("n_critic", n_critic)
    if n_critic > 1 and method != "alternating":
        raise ValueError(f"n_critic must be 1 unless method='alternating' (n_critic D steps, then one G step), "
                         f"got {n_critic!r} with method={method!r}")
    if clip is not None:
        clip = number("clip", clip, minimum=0, strict_minimum=True)
        if method == "flow":
            raise ValueError(f"clip acts after each discrete D step: it needs method 'simultaneous' or "
                             f"'alternating', got clip={clip!r} with method='flow'")
    seed = integer("seed", seed, minimum=0)
    if method == "flow":
        return _flow(steps, h, theta, psi, loss, gamma, sigma)
    return _train(method, steps, h, theta, psi, loss, gamma, sigma, n_critic, clip, seed)
