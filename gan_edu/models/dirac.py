r"""The Dirac-GAN's two players (Mescheder et al. 2018, §2.2): one parameter each.

G is a point mass at :math:`\theta` (it ignores z), D is linear, :math:`D_\psi(x) = \psi x`,
and the data are :math:`\delta_0`. The whole game has two parameters, so the dynamics of
gradient-based training can be computed in closed form and plotted in the plane.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["PointMass", "LinearCritic"]


class PointMass(nn.Module):
    """G(z) = theta for every z: a generator whose p_g is a Dirac at ``theta`` ``(dim,)``."""

    def __init__(self, theta: float | Tensor = 1.0, latent_dim: int = 1) -> None:
        super().__init__()
        self.theta = nn.Parameter(torch.as_tensor(theta, dtype=torch.float32).reshape(-1).clone())
        self.latent_dim = latent_dim

    def forward(self, z: Tensor) -> Tensor:
        return self.theta.expand(len(z), -1)  # (n, dim): the same point for every z


class LinearCritic(nn.Module):
    """D(x) = psi . x: a logit linear in x, with no bias."""

    def __init__(self, psi: float | Tensor = 1.0) -> None:
        super().__init__()
        self.psi = nn.Parameter(torch.as_tensor(psi, dtype=torch.float32).reshape(-1).clone())
        self.samplewise = True

    def forward(self, x: Tensor) -> Tensor:
        return x @ self.psi  # (n, dim) -> (n,)
