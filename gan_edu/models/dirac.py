r"""The Dirac-GAN's two players (Mescheder et al. 2018, §2.2): one parameter each.

G is a point mass at :math:`\theta` (it ignores z), D is linear, :math:`D_\psi(x) = \psi x`,
and the data are :math:`\delta_0`. The whole game has two parameters, so the dynamics of
gradient-based training can be computed in closed form and plotted in the plane.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..validation import integer

__all__ = ["PointMass", "LinearCritic"]


def _vector(name: str, value: float | Tensor) -> Tensor:
    """``value`` (a number, a sequence or a tensor) as a fresh float32 vector ``(dim,)``;
    ValueError naming ``name`` if it is a bool, not numeric, empty or not finite."""
    if isinstance(value, (bool, str)) or (isinstance(value, Tensor) and value.dtype == torch.bool):
        raise ValueError(f"{name} must be a number or a tensor, got {value!r}")
    try:
        vector = torch.as_tensor(value, dtype=torch.float32).reshape(-1).clone()
    except (TypeError, ValueError, RuntimeError):
        raise ValueError(f"{name} must be a number or a tensor, got {value!r}") from None
    if vector.numel() == 0 or not torch.isfinite(vector).all():
        raise ValueError(f"{name} must be finite and non-empty, got {value!r}")
    return vector


class PointMass(nn.Module):
    """G(z) = theta for every z: a generator whose p_g is a Dirac at ``theta`` ``(dim,)``."""

    def __init__(self, theta: float | Tensor = 1.0, latent_dim: int = 1) -> None:
        super().__init__()
        self.theta = nn.Parameter(_vector("theta", theta))
        self.latent_dim = integer("latent_dim", latent_dim)

    def forward(self, z: Tensor) -> Tensor:
        return self.theta.expand(len(z), -1)  # (n, dim): the same point for every z


class LinearCritic(nn.Module):
    """D(x) = psi . x: a logit linear in x, with no bias."""

    def __init__(self, psi: float | Tensor = 1.0) -> None:
        super().__init__()
        self.psi = nn.Parameter(_vector("psi", psi))
        self.samplewise = True

    def forward(self, x: Tensor) -> Tensor:
        return x @ self.psi  # (n, dim) -> (n,)
