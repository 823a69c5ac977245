r"""CycleGAN (Zhu et al. 2017): two generators and two discriminators for unpaired translation.

G_ab: A -> B and G_ba: B -> A are each trained against a discriminator of their
target domain (least squares by default, as in the paper), and tied to their input by
the cycle-consistency loss

.. math:: \mathcal L_{cyc} = \mathbb E_a \lVert G_{ba}(G_{ab}(a)) - a \rVert_1
          + \mathbb E_b \lVert G_{ab}(G_{ba}(b)) - b \rVert_1,

weighted by ``cycle_weight`` (lambda = 10), plus optionally the identity loss
:math:`\mathbb E_b\lVert G_{ab}(b) - b\rVert_1 + \mathbb E_a\lVert G_{ba}(a) - a\rVert_1`
(``identity_weight``; the paper uses 0.5 lambda for photo-painting, and it assumes
that a target-domain image is already its own translation). The data yield
``(a, b)``: two unpaired batches. The discriminators see fakes through an
:class:`ImagePool` of 50 past generated images (Shrivastava et al. 2017).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..losses import GANLoss
from ..priors import NoPrior
from ..validation import integer, number
from .base import Batch, Game, check_loss_fn, check_network, full_precision

__all__ = ["ImagePool", "CycleGAN"]


class ImagePool:
    """A buffer of ``size`` past fakes. Each new image is stored while the pool fills;
    after that, with probability 1/2 it is returned as is, otherwise a random stored
    image is returned in its place and the new one takes its slot."""

    def __init__(self, size: int = 50) -> None:
        self.size = integer("size", size, minimum=0)
        self.images: list[Tensor] = []

    def query(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        if self.size == 0:
            return x
        out = []
        for image in x.detach():
            if len(self.images) < self.size:
                self.images.append(image.clone())
                out.append(image)
            elif torch.rand((), generator=generator).item() < 0.5:
                i = int(torch.randint(self.size, (), generator=generator))
                out.append(self.images[i])
                self.images[i] = image.clone()
            else:
                out.append(image)
        return torch.stack(out)

    def state_dict(self) -> dict:
        return {"images": torch.stack(self.images).cpu() if self.images else torch.empty(0)}

    def load_state_dict(self, state: dict, device: torch.device) -> None:
        images = state["images"]
        if len(images) > self.size:
            raise ValueError(f"image pool: the checkpoint holds {len(images)} images, the pool's size is {self.size}")
        self.images = [image.to(device) for image in images]


def l1(x: Tensor, target: Tensor) -> Tensor:
    """The mean absolute error per pixel, the L1 distance of the paper's cycle and identity losses."""
    return (x - target).abs().mean()


class CycleGAN(Game):
    """G_ab, G_ba against D_b, D_a on unpaired batches ``(a, b)``."""

    players = ("D", "G")
    roles = {"D": ("D_a", "D_b"), "G": ("G_ab", "G_ba")}
    generators = ("G_ab", "G_ba")

    def __init__(self, G_ab: nn.Module, G_ba: nn.Module, D_a: nn.Module, D_b: nn.Module, *,
                 loss: str | GANLoss = "lsgan", cycle_weight: float = 10.0, identity_weight: float = 0.0,
                 pool_size: int = 50) -> None:
        super().__init__()
        self.G_ab, self.G_ba = check_network("G_ab", G_ab), check_network("G_ba", G_ba)
        self.D_a, self.D_b = check_network("D_a", D_a), check_network("D_b", D_b)
        self.loss_fn = check_loss_fn(loss)
        self.cycle_weight = number("cycle_weight", cycle_weight, minimum=0)
        self.identity_weight = number("identity_weight", identity_weight, minimum=0)
        self.pool_a, self.pool_b = ImagePool(pool_size), ImagePool(pool_size)
        self.prior = NoPrior()

    @staticmethod
    def domains(real) -> tuple[Tensor, Tensor]:
        if not (isinstance(real, tuple) and len(real) == 2):
            raise ValueError("CycleGAN needs data that yield two unpaired batches (a, b), e.g. gan_edu.data.Unpaired")
        return real

    def loss(self, player: str, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        a, b = self.domains(batch.real())
        if player == "D":
            # (1) D_a, D_b: tell each domain's real images from (pooled) translations into it
            with torch.no_grad():
                fake_b, fake_a = self.G_ab(a), self.G_ba(b)
            fake_b = self.pool_b.query(fake_b, batch.generator)
            fake_a = self.pool_a.query(fake_a, batch.generator)
            logits_b, logits_fb = self.D_b(b), self.D_b(fake_b)
            logits_a, logits_fa = self.D_a(a), self.D_a(fake_a)
            loss = (self.loss_fn.d_loss(full_precision(logits_b), full_precision(logits_fb))
                    + self.loss_fn.d_loss(full_precision(logits_a), full_precision(logits_fa)))
            return loss, {"logit_real": torch.cat([logits_a, logits_b]).detach(),
                          "logit_fake": torch.cat([logits_fa, logits_fb]).detach()}
        if player == "G":
            # (2) G_ab, G_ba: fool both discriminators, and come back to the input (cycle)
            fake_b, fake_a = self.G_ab(a), self.G_ba(b)
            g_loss = self.loss_fn.g_loss
            adversarial = (g_loss(full_precision(self.D_b(fake_b)))
                           + g_loss(full_precision(self.D_a(fake_a))))
            cycle = l1(self.G_ba(fake_b), a) + l1(self.G_ab(fake_a), b)  # eq-cyclegan-cycle
            loss = adversarial + self.cycle_weight * cycle
            stats = {"cycle": cycle.detach()}
            if self.identity_weight > 0:  # asks G_ab(b) = b and G_ba(a) = a
                identity = l1(self.G_ab(b), b) + l1(self.G_ba(a), a)
                loss = loss + self.identity_weight * identity
                stats["identity"] = identity.detach()
            return loss, stats
        raise ValueError(f"player must be 'D' or 'G', got {player!r}")

    def translate(self, x: Tensor, direction: str, **networks: nn.Module) -> Tensor:
        """``x`` translated ``"a2b"`` (by G_ab) or ``"b2a"`` (by G_ba); ``networks`` replace the game's."""
        if direction not in ("a2b", "b2a"):
            raise ValueError(f"direction must be 'a2b' or 'b2a', got {direction!r}")
        name = "G_ab" if direction == "a2b" else "G_ba"
        return networks.get(name, getattr(self, name))(x)

    def check(self, real, inputs) -> None:
        a, b = self.domains(real)
        for name, G, x, target in (("G_ab", self.G_ab, a, b), ("G_ba", self.G_ba, b, a)):
            out = G(x)
            if tuple(out.shape[1:]) != tuple(target.shape[1:]):
                raise ValueError(f"{name} makes {tuple(out.shape[1:])} from {tuple(x.shape[1:])}, "
                                 f"but the other domain's images are {tuple(target.shape[1:])}")
        for name, D, x in (("D_a", self.D_a, a), ("D_b", self.D_b, b)):
            if tuple(D(x).shape) != (len(x),):
                raise ValueError(f"{name} must return one logit per sample, shape ({len(x)},)")

    def signature(self) -> dict[str, str | None]:
        return {**super().signature(), "loss": getattr(self.loss_fn, "name", None),
                "weights": f"cycle {self.cycle_weight!r}, identity {self.identity_weight!r}",
                "pool": str(self.pool_a.size)}

    def extra_state(self) -> dict:
        return {"pool_a": self.pool_a.state_dict(), "pool_b": self.pool_b.state_dict()}

    def load_extra_state(self, state: dict) -> None:
        if set(state) != {"pool_a", "pool_b"}:
            raise ValueError(f"CycleGAN expects image pools pool_a and pool_b in the checkpoint, got {sorted(state)}")
        device = next(self.parameters()).device
        self.pool_a.load_state_dict(state["pool_a"], device)
        self.pool_b.load_state_dict(state["pool_b"], device)
