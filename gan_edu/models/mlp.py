"""Fully connected generator and discriminator for low-dimensional data.

The networks of the toy experiments (Goodfellow et al. 2014 used MLPs too): a
stack of ``depth`` hidden layers of ``width`` units, each Linear -> [norm] ->
activation. ``D`` returns one raw logit per sample (shape ``(n,)``), never a
probability: the losses in :mod:`gan_edu.losses` apply the sigmoid themselves,
in a numerically stable form.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ..validation import choice, integer, number
from .packing import pack_samples, unpack_logits

__all__ = ["MLP", "Generator", "Discriminator", "ACTIVATIONS", "NORMS"]

ACTIVATIONS = {
    "relu": lambda: nn.ReLU(),
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "elu": lambda: nn.ELU(),
    "gelu": lambda: nn.GELU(),
    "silu": lambda: nn.SiLU(),
    "tanh": lambda: nn.Tanh(),
}
NORMS = {
    "none": lambda width: nn.Identity(),
    "batch": lambda width: nn.BatchNorm1d(width),
    "layer": lambda width: nn.LayerNorm(width),
}


class MLP(nn.Sequential):
    """``in_dim -> [Linear -> norm -> activation] x depth -> Linear -> out_dim``.

    ``init="kaiming"`` draws hidden weights with He et al.'s (2015) variance for the
    activation, so a signal keeps its scale through the depth; ``"default"`` keeps
    PyTorch's ``nn.Linear`` initialisation, which shrinks it layer by layer.
    """

    def __init__(self, in_dim: int, out_dim: int, width: int = 256, depth: int = 3,
                 activation: str = "leaky_relu", norm: str = "none", init: str = "default") -> None:
        in_dim, out_dim, width = (integer(name, value) for name, value in
                                  (("in_dim", in_dim), ("out_dim", out_dim), ("width", width)))
        depth = integer("depth", depth, minimum=0)
        activation = choice("activation", activation, sorted(ACTIVATIONS))
        norm = choice("norm", norm, sorted(NORMS))
        init = choice("init", init, ("default", "kaiming"))
        layers: list[nn.Module] = []
        dims = [in_dim] + [width] * depth
        for d_in, d_out in zip(dims[:-1], dims[1:]):
            layers += [nn.Linear(d_in, d_out), NORMS[norm](d_out), ACTIVATIONS[activation]()]
        layers.append(nn.Linear(dims[-1], out_dim))
        # norm="none" adds nn.Identity layers; they are dropped so that print(model) stays short.
        super().__init__(*[m for m in layers if not isinstance(m, nn.Identity)])
        if init == "kaiming":
            slope = 0.2 if activation == "leaky_relu" else 0.0
            linears = [m for m in self if isinstance(m, nn.Linear)]
            for layer in linears[:-1]:
                nn.init.kaiming_normal_(layer.weight, a=slope, nonlinearity="leaky_relu")
                nn.init.zeros_(layer.bias)


class Generator(nn.Module):
    r"""G: z of shape ``(n, latent_dim)`` -> x_fake of shape ``(n, data_dim)``.

    With ``categories = K > 0`` the first coordinate of z becomes a discrete code:
    :math:`c = \lfloor K\,\Phi(z_0) \rfloor` (:math:`\Phi` the standard normal CDF, so
    each of the K values has probability 1/K), given to the MLP one-hot, beside the
    other ``latent_dim - 1`` coordinates multiplied by ``noise_scale``. The trainer
    still draws z ~ N(0, I); what G sees is a prior that is a mixture of K separate
    Gaussians, as in DeLiGAN (Gurumurthy et al. 2017) or InfoGAN's categorical code
    (Chen et al. 2016, without the information term). Why it matters: a continuous G
    maps a connected latent space onto a connected set, so with Gaussian z it must put
    samples on "bridges" between separate modes; with a discrete code it need not.

    The K values are equiprobable until :meth:`set_code_weights` gives them other
    probabilities (a buffer, ``code_weights``, saved with the state dict): then
    :math:`\Phi(z_0)` is read through their cumulative sum, so z ~ N(0, I) still
    goes in and c comes out with those probabilities.
    :func:`gan_edu.recipes.reweight_codes` sets them from D, by eq. (10).
    """

    def __init__(self, latent_dim: int, data_dim: int, width: int = 256, depth: int = 3,
                 activation: str = "leaky_relu", norm: str = "none", init: str = "default",
                 categories: int = 0, noise_scale: float = 1.0) -> None:
        super().__init__()
        latent_dim, data_dim = integer("latent_dim", latent_dim), integer("data_dim", data_dim)
        categories = integer("categories", categories, minimum=0)
        if categories > 0 and latent_dim < 2:
            raise ValueError(f"latent_dim must be >= 2 with categories > 0 (one coordinate is the code), "
                             f"got {latent_dim!r}")
        self.latent_dim = latent_dim
        self.data_dim = data_dim
        self.categories = categories
        self.noise_scale = number("noise_scale", noise_scale, minimum=0, strict_minimum=True)
        in_dim = latent_dim if categories == 0 else categories + latent_dim - 1
        self.net = MLP(in_dim, data_dim, width, depth, activation, norm, init)
        if categories > 0:
            self.register_buffer("code_weights", torch.full((categories,), 1.0 / categories))

    @property
    def weighted(self) -> bool:
        """Whether the code's values have unequal probabilities (False: c = floor(K Phi(z_0)) exactly)."""
        w = self.code_weights
        return not bool(torch.all(w == w[0]))

    def set_code_weights(self, weights: Tensor | None) -> None:
        """Draw the code's K values with probabilities proportional to ``weights`` ``(K,)``
        (finite, >= 0, not all 0); ``None`` restores equiprobable values."""
        if self.categories == 0:
            raise ValueError("set_code_weights needs a generator with categories > 0, this one has none")
        if weights is None:
            self.code_weights.fill_(1.0 / self.categories)
            return
        if not isinstance(weights, Tensor) or weights.shape != (self.categories,):
            shape = tuple(weights.shape) if isinstance(weights, Tensor) else type(weights).__name__
            raise ValueError(f"weights must be a tensor of shape ({self.categories},), got {shape}")
        w = weights.detach().double().cpu()
        if not torch.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise ValueError(f"weights must be finite, >= 0 and not all 0, got {weights.tolist()!r}")
        self.code_weights.copy_(w / w.sum())

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        key = prefix + "code_weights"
        if self.categories > 0 and key not in state_dict:  # saved before code weights existed: equiprobable
            state_dict[key] = torch.full((self.categories,), 1.0 / self.categories)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def code(self, z: Tensor) -> Tensor:
        """The discrete code c in {0, ..., K-1} of each z, shape ``(n,)`` (K = ``categories`` > 0)."""
        u = 0.5 * (1.0 + torch.erf(z[:, 0] / math.sqrt(2.0)))  # Phi(z_0): uniform on (0, 1)
        if not self.weighted:
            return (u * self.categories).long().clamp_(0, self.categories - 1)
        cumulative = torch.cumsum(self.code_weights, 0).to(u.dtype)  # (K,), ends at 1
        return torch.searchsorted(cumulative, u.contiguous(), right=True).clamp_(0, self.categories - 1)

    def forward(self, z: Tensor) -> Tensor:
        if self.categories == 0:
            return self.net(z)  # (n, data_dim)
        one_hot = nn.functional.one_hot(self.code(z), self.categories).to(z.dtype)  # (n, K)
        return self.net(torch.cat([one_hot, self.noise_scale * z[:, 1:]], dim=1))  # (n, data_dim)


class Discriminator(nn.Module):
    """D: x of shape ``(n, data_dim)`` -> logits of shape ``(n,)``; D(x) = sigmoid(logit).

    ``samplewise`` says whether each logit depends on its own sample only (true unless
    ``norm="batch"``, ``pack > 1`` or ``minibatch_std``); the trainer then scores the real
    and the fake batch in one pass. Two options let D see more than one sample at a time,
    the mitigations of mode collapse that the book measures:

    * ``pack = m > 1`` -- PacGAN (Lin et al. 2018): D judges *packs* of m samples,
      concatenated into one input of ``m * data_dim`` numbers, so it can tell a batch of
      near-copies from a varied one (:mod:`gan_edu.models.packing`: pack j is samples
      ``m*j .. m*j + m - 1``, each sample gets its pack's logit).
    * ``minibatch_std`` -- minibatch standard deviation (Karras et al. 2018, §3): before
      D's last layer, the standard deviation over the batch of each hidden feature,
      averaged over features, is appended to every sample's features as one more input.
    """

    def __init__(self, data_dim: int, width: int = 256, depth: int = 3,
                 activation: str = "leaky_relu", norm: str = "none", init: str = "default",
                 pack: int = 1, minibatch_std: bool = False) -> None:
        super().__init__()
        self.data_dim = data_dim = integer("data_dim", data_dim)
        self.pack = integer("pack", pack)
        if not isinstance(minibatch_std, bool):
            raise ValueError(f"minibatch_std must be a bool, got {minibatch_std!r}")
        self.minibatch_std = minibatch_std
        self.net = MLP(data_dim * self.pack, 1, width, depth, activation, norm, init)
        if minibatch_std:  # the last layer reads one more feature: the batch's spread
            last = self.net[-1]
            self.net[-1] = nn.Linear(last.in_features + 1, 1)
        self.samplewise = norm != "batch" and self.pack == 1 and not minibatch_std

    def forward(self, x: Tensor) -> Tensor:
        n = x.shape[0]
        if self.pack > 1:  # (n, d) -> (ceil(n / m), m * d)
            x = pack_samples(x, self.pack)
        if not self.minibatch_std:
            logits = self.net(x).squeeze(-1)  # (packs, 1) -> (packs,)
        else:
            h = x
            for layer in list(self.net)[:-1]:
                h = layer(h)  # (packs, width) after the last hidden layer
            spread = h.std(dim=0, unbiased=False).mean() if len(h) > 1 else h.new_zeros(())
            logits = self.net[-1](torch.cat([h, spread.expand(len(h), 1)], dim=1)).squeeze(-1)
        if self.pack > 1:
            logits = unpack_logits(logits, self.pack, n)  # each sample: its pack's logit
        return logits  # (n,)
