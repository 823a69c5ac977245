r"""The CycleGAN recipe (Zhu et al. 2017) on the 8 x 8 digits: unpaired translation whose answer is known.

Domain A is one half of the digits' training split (the images at even positions), domain
B the *other* half turned a quarter counter-clockwise, :func:`rotate` (``torch.rot90(x, 1,
dims=(-2, -1))``). No image of B is the rotation of an image of A, so the data are unpaired;
yet the right translation is known, G_ab = rot90 and G_ba = rot90^-1, and so is each digit's
label. That turns what CycleGAN papers judge by eye into numbers on the held-out split
(:meth:`CycleGANResult.cycle_error`, :meth:`~CycleGANResult.translation_error`,
:meth:`~CycleGANResult.label_preservation`, :meth:`~CycleGANResult.hidden_information`).

:func:`train_cyclegan` trains :class:`gan_edu.games.CycleGAN` with the one trainer: the
generators are :class:`gan_edu.models.Translator` (an encoder-decoder with a fully connected
bottleneck), the discriminators :class:`gan_edu.models.DomainDiscriminator` (one logit per
image); the paper's least-squares loss, cycle weight lambda = 10, a pool of 50 past fakes, Adam
with lr 2e-4 and betas (0.5, 0.999). The identity loss is off (``identity_weight`` 0): the
paper's 0.5 lambda asks G_ab(b) = b, that a B image is its own translation, which a rotation
contradicts. ``ema`` > 0 keeps an EMA of each generator (the trainer's), used by ``translate``.

The caveat of Chu et al. (2017), "CycleGAN, a master of steganography": the cycle loss ties
F(G(a)) to a, not G(a) to a; G can hide a in an output that shows another digit, and F read it
back. :meth:`CycleGANResult.hidden_information` counts the held-out digits where that happens.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from torch import Tensor

from ..games import CycleGAN
from ..history import History
from ..losses import LOSSES
from ..models.translation import DomainDiscriminator, SymmetryTranslator, Translator
from ..train import TrainConfig, Trainer
from ..validation import choice, integer, number
from .common import chosen_recipe

__all__ = ["CycleGANRecipe", "CYCLEGAN_DIGITS", "CYCLEGAN_SYMMETRY", "CycleGANResult", "PerDirection", "HiddenInformation",
           "build_cyclegan_trainer", "train_cyclegan", "rotate", "digit_domains", "held_out_digits"]

DIRECTIONS = ("a2b", "b2a")
GENERATORS = ("translator", "symmetry")


def rotate(x: Tensor, turns: int = 1) -> Tensor:
    """``x`` ``(..., H, W)`` turned ``turns`` quarters counter-clockwise: the A -> B map of the recipe."""
    return torch.rot90(x, turns, dims=(-2, -1))


@dataclass(frozen=True)
class CycleGANRecipe:
    """Networks, losses and schedule of a CycleGAN run; the defaults are the digits recipe."""

    resolution: int = 8
    generator: str = "translator"  # or "symmetry": a mixture of the square's 8 symmetries (see below)
    ngf: int = 16
    ndf: int = 16
    hidden: int = 256  # the generators' fully connected bottleneck
    blocks: int = 0  # residual blocks in each generator
    steps: int = 1000
    batch_size: int = 64
    lr_d: float = 2e-4  # the paper's: Adam, lr 2e-4, betas (0.5, 0.999)
    lr_g: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    lr_decay_start: float = 1.0  # the paper decays linearly over the second half: 0.5
    loss: str = "lsgan"
    cycle_weight: float = 10.0  # lambda
    identity_weight: float = 0.0  # the paper's 0.5 lambda assumes G_ab(b) = b: wrong for a rotation
    pool_size: int = 50
    ema: float = 0.0

    def __post_init__(self) -> None:
        for name in ("resolution", "ngf", "ndf", "hidden", "steps", "batch_size"):
            object.__setattr__(self, name, integer(name, getattr(self, name)))
        for name in ("blocks", "pool_size"):
            object.__setattr__(self, name, integer(name, getattr(self, name), minimum=0))
        choice("resolution", self.resolution, (8, 16, 32))  # the sizes of gan_edu.data.Digits
        choice("generator", self.generator, GENERATORS)
        for name in ("lr_d", "lr_g"):
            object.__setattr__(self, name, number(name, getattr(self, name), minimum=0, strict_minimum=True))
        for name in ("cycle_weight", "identity_weight"):
            object.__setattr__(self, name, number(name, getattr(self, name), minimum=0))
        object.__setattr__(self, "loss", choice("loss", self.loss, sorted(LOSSES)))
        self.config()  # ValueError naming a bad betas, ema or lr_decay_start

    def config(self, **overrides) -> TrainConfig:
        fields = dict(steps=self.steps, batch_size=self.batch_size, lr_d=self.lr_d, lr_g=self.lr_g, betas=self.betas,
                      lr_decay_start=self.lr_decay_start, ema=self.ema, log_every=25)
        return TrainConfig(**(fields | overrides))


CYCLEGAN_DIGITS = CycleGANRecipe()
# The same game with generators that can only move pixels (gan_edu.models.SymmetryTranslator):
# eight logits each, so a larger step (1e-2) and fewer steps.
CYCLEGAN_SYMMETRY = CycleGANRecipe(generator="symmetry", lr_g=1e-2, steps=300)


def digit_domains(resolution: int = 8):
    """The training data: :class:`gan_edu.data.Unpaired` of A = the training split's digits at even
    positions and B = those at odd positions, rotated (:func:`rotate`); both keep their labels."""
    from ..data import Digits, ImageDataset, Unpaired

    train = Digits(size=resolution, split="train")
    a = ImageDataset(train.images[0::2], train.labels[0::2])
    b = ImageDataset(rotate(train.images[1::2]), train.labels[1::2])
    return Unpaired(a, b)


def held_out_digits(resolution: int = 8) -> tuple[Tensor, Tensor]:
    """The held-out split (``Digits(split="test")``, 359 images, none in A or B): images ``(n, 1, R, R)``
    and labels ``(n,)``; its B side is :func:`rotate` of the images."""
    from ..data import Digits

    test = Digits(size=resolution, split="test")
    return test.images, test.labels


@dataclass(frozen=True)
class PerDirection:
    """One number per direction: ``a2b`` (G_ab, from A) and ``b2a`` (G_ba, from B)."""

    a2b: float
    b2a: float


@dataclass(frozen=True)
class HiddenInformation:
    """What :meth:`CycleGANResult.hidden_information` counts, of ``n`` held-out digits: ``wrong``,
    whose G_ab(a) shows another digit; ``count``, of those, the ones that F(G(a)) still brings back
    within ``threshold`` (mean absolute error per pixel, [-1, 1] units) of a."""

    count: int
    wrong: int
    n: int
    threshold: float


@dataclass
class CycleGANResult:
    """What :func:`train_cyclegan` returns: the ``trainer``, the ``history``, the wall time.

    The metrics are measured on ``images`` ``(n, 1, R, R)`` of domain A with their ``labels``
    (default: :func:`held_out_digits`); their B side is ``rotate(images)``. Errors are mean
    absolute errors per pixel in the images' [-1, 1] units.
    """

    trainer: Trainer
    history: History
    seconds: float = float("nan")

    @property
    def game(self) -> CycleGAN:
        return self.trainer.game

    @property
    def resolution(self) -> int:
        """The images' size R, as G_ab (a :class:`~gan_edu.models.Translator`) holds it."""
        return self.game.G_ab.resolution

    def _check(self, name: str, x) -> Tensor:
        R = self.resolution
        if not isinstance(x, Tensor) or x.ndim != 4 or tuple(x.shape[1:]) != (1, R, R) or not x.is_floating_point():
            shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"{name} must be a float tensor of shape (n, 1, {R}, {R}), got {shape}")
        if not torch.isfinite(x).all():
            raise ValueError(f"{name} must be finite")
        return x

    @torch.no_grad()
    def translate(self, x: Tensor, direction: str) -> Tensor:
        """``x`` ``(n, 1, R, R)`` in [-1, 1] translated ``"a2b"`` (G_ab) or ``"b2a"`` (G_ba): the same
        shape, on the CPU; by the generators' EMA when the run kept one. Eval mode, no gradients."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be 'a2b' or 'b2a', got {direction!r}")
        x = self._check("x", x)
        from ..device import evaluating

        nets = self.trainer.ema
        modules = list(self.game.modules()) + [m for net in nets.values() for m in net.modules()]
        with evaluating(modules):
            return self.game.translate(x.to(self.trainer.device), direction, **nets).float().cpu()

    def _data(self, images, labels=None) -> tuple[Tensor, Tensor | None]:
        if images is None:
            images, held_labels = held_out_digits(self.resolution)
            return images, held_labels if labels is None else labels
        images = self._check("images", images)
        if labels is not None and (not isinstance(labels, Tensor) or labels.shape != (len(images),)
                                   or labels.is_floating_point()):
            shape = tuple(labels.shape) if isinstance(labels, Tensor) else type(labels).__name__
            raise ValueError(f"labels must be an integer tensor of shape ({len(images)},), got {shape}")
        return images, labels

    def cycle_error(self, images: Tensor | None = None) -> PerDirection:
        r"""``a2b``: :math:`\mathrm{mean}\,|G_{ba}(G_{ab}(a)) - a|`; ``b2a``:
        :math:`\mathrm{mean}\,|G_{ab}(G_{ba}(b)) - b|` with b = rotate(a). What the cycle loss trains."""
        a, _ = self._data(images)
        b = rotate(a)
        return PerDirection((self.translate(self.translate(a, "a2b"), "b2a") - a).abs().mean().item(),
                            (self.translate(self.translate(b, "b2a"), "a2b") - b).abs().mean().item())

    def translation_error(self, images: Tensor | None = None) -> PerDirection:
        r"""``a2b``: :math:`\mathrm{mean}\,|G_{ab}(a) - \mathrm{rot90}(a)|`; ``b2a``:
        :math:`\mathrm{mean}\,|G_{ba}(\mathrm{rot90}(a)) - a|`: the distance to the right answer."""
        a, _ = self._data(images)
        return PerDirection((self.translate(a, "a2b") - rotate(a)).abs().mean().item(),
                            (self.translate(rotate(a), "b2a") - a).abs().mean().item())

    @torch.no_grad()
    def _labels_a2b(self, a: Tensor, classifier) -> Tensor:
        """The classifier's labels of rot90^-1(G_ab(a)): G_ab's output turned back upright."""
        return classifier(rotate(self.translate(a, "a2b"), -1)).argmax(1)

    def label_preservation(self, images: Tensor | None = None, labels: Tensor | None = None,
                           classifier=None) -> PerDirection:
        """The share of digits whose label survives translation, by the digit classifier (default: the
        committed one, :func:`gan_edu.features.load_digit_classifier`). ``a2b``: the label of
        rot90^-1(G_ab(a)) equals a's; ``b2a``: the label of G_ba(rot90(a)) equals a's. The right
        translation scores the classifier's own accuracy on ``images``."""
        from ..features import load_digit_classifier

        a, y = self._data(images, labels)
        if y is None:
            raise ValueError("labels must be given with images (the labels of the digits of domain A)")
        model = load_digit_classifier() if classifier is None else classifier
        with torch.no_grad():
            back = model(self.translate(rotate(a), "b2a")).argmax(1)
            return PerDirection((self._labels_a2b(a, model) == y).double().mean().item(),
                                (back == y).double().mean().item())

    def hidden_information(self, threshold: float = 0.1, images: Tensor | None = None,
                           labels: Tensor | None = None, classifier=None) -> HiddenInformation:
        """Chu et al. (2017): the digits whose translation G_ab(a) shows another digit (its label, turned
        upright, is not a's) while the cycle still brings a back, mean |F(G(a)) - a| < ``threshold``
        per image: the information about a is hidden in G_ab(a) where no label shows it."""
        from ..features import load_digit_classifier

        threshold = number("threshold", threshold, minimum=0, strict_minimum=True)
        a, y = self._data(images, labels)
        if y is None:
            raise ValueError("labels must be given with images (the labels of the digits of domain A)")
        model = load_digit_classifier() if classifier is None else classifier
        wrong = self._labels_a2b(a, model) != y
        error = (self.translate(self.translate(a, "a2b"), "b2a") - a).abs().mean((1, 2, 3))  # (n,)
        return HiddenInformation(int((wrong & (error < threshold)).sum()), int(wrong.sum()), len(a), threshold)


def build_cyclegan_trainer(*, seed: int = 0, steps: int | None = None, device: str = "auto",
                           recipe: CycleGANRecipe | None = None, data=None, **config) -> Trainer:
    """A :class:`Trainer` of :class:`gan_edu.games.CycleGAN` with ``recipe`` (default
    :data:`CYCLEGAN_DIGITS`) on :func:`digit_domains` (or ``data``), not yet trained."""
    recipe = chosen_recipe(recipe, CycleGANRecipe, CYCLEGAN_DIGITS, steps)
    seed = integer("seed", seed, minimum=0)
    if data is None:
        data = digit_domains(recipe.resolution)
    R = recipe.resolution
    with torch.random.fork_rng(devices=[]):  # initial weights from the seed, the caller's RNG untouched
        torch.manual_seed(seed)
        if recipe.generator == "symmetry":
            G_ab, G_ba = SymmetryTranslator(R), SymmetryTranslator(R)
        else:
            G_ab, G_ba = (Translator(R, 1, recipe.ngf, recipe.hidden, recipe.blocks) for _ in range(2))
        D_a, D_b = (DomainDiscriminator(R, 1, recipe.ndf) for _ in range(2))
    game = CycleGAN(G_ab, G_ba, D_a, D_b, loss=recipe.loss, cycle_weight=recipe.cycle_weight,
                    identity_weight=recipe.identity_weight, pool_size=recipe.pool_size)
    return Trainer(game, data, recipe.config(seed=seed, device=device, **config))


def train_cyclegan(*, seed: int = 0, steps: int | None = None, device: str = "auto", progress: bool = False,
                   recipe: CycleGANRecipe | None = None) -> CycleGANResult:
    """Train the CycleGAN digits recipe; returns a :class:`CycleGANResult` with ``translate(x, direction)``.
    Same arguments, same CPU: the same result."""
    trainer = build_cyclegan_trainer(seed=seed, steps=steps, device=device, recipe=recipe)
    start = time.perf_counter()
    history = trainer.fit(progress=progress)
    return CycleGANResult(trainer, history, time.perf_counter() - start)
