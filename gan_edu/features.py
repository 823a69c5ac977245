r"""A digit classifier as the feature extractor of FID, precision/recall and mode counts on digits.

The FID of Heusel et al. (2017) compares Gaussians fitted to Inception-v3 pool
features. Inception's weights cannot be downloaded offline, and an ImageNet
network is a poor judge of 16-pixel digits anyway, so on MNIST-like data the
usual substitute is a small classifier trained on the domain itself (e.g. the
MNIST classifiers behind the "FID" of many GAN papers, and the Stacked MNIST
mode counts of VEEGAN, Srivastava et al. 2017, and PacGAN, Lin et al. 2018).
This module holds that classifier and the metrics computed in its feature space:

* :class:`DigitClassifier` -- a three-convolution CNN on ``(B, 1, 16, 16)`` images
  in [-1, 1]; other sizes are resized to 16 inside :meth:`~DigitClassifier.forward`.
  Its penultimate layer (``feature_dim = 64``, after a ReLU) is the feature space.
* :func:`train_digit_classifier` and the command
  ``python -m gan_edu.features --seed 0 --out gan_edu/assets/digit_classifier.pt``,
  which wrote the packaged weights and their card ``digit_classifier.json``
  (command, seed, torch version, held-out accuracy, SHA-256 of the file).
* :func:`load_digit_classifier` -- the packaged weights, validated and cached.
* :func:`digit_features`, :func:`digit_fid`, :func:`fid_noise_floor`,
  :func:`digit_precision_recall` (Kynkäänniemi et al. 2019) and
  :func:`stacked_mode_coverage` (modes hit and reverse KL on Stacked digits).

FID values computed here are comparable with each other only: another feature
extractor (Inception on MNIST, say) gives other numbers. Every FID of a GAN is
read beside :func:`fid_noise_floor`, the FID between two halves of the real data,
which is what "as good as the data itself" scores with this many samples.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import shlex
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from .data import Digits, ImageDataset, stacked_modes
from .device import resolve_device
from .metrics import PrecisionRecall, fid_from_features, precision_recall

__all__ = [
    "DigitClassifier", "ClassifierTrainConfig", "train_digit_classifier", "classifier_accuracy",
    "load_digit_classifier", "digit_features", "digit_fid", "fid_noise_floor", "real_halves", "digit_precision_recall",
    "StackedModes", "stacked_mode_coverage", "main", "DEFAULT_WEIGHTS", "DEFAULT_CARD", "INPUT_SIZE",
    "N_CLASSES", "TRAIN_COMMAND", "random_affine", "resize_to_input",
]

INPUT_SIZE = 16  # the classifier's native resolution, that of Digits(size=16)
N_CLASSES = 10
ASSETS = Path(__file__).resolve().parent / "assets"
DEFAULT_WEIGHTS = ASSETS / "digit_classifier.pt"
DEFAULT_CARD = ASSETS / "digit_classifier.json"
TRAIN_COMMAND = "python -m gan_edu.features --seed 0 --out gan_edu/assets/digit_classifier.pt"
DEFAULT_EPOCHS = 20  # 98.6-98.9% held out for seeds 0-2; ~20-30 s on one CPU thread


# --------------------------------------------------------------------------------------
# The network
# --------------------------------------------------------------------------------------


def resize_to_input(x: Tensor) -> Tensor:
    """``(B, 1, H, W)`` -> ``(B, 1, 16, 16)`` by bilinear interpolation (``align_corners=False``).

    Antialiased when a side shrinks, so a 32- or 64-pixel digit is averaged down
    rather than sampled at every other pixel; an 8-pixel digit becomes exactly
    the bilinear upsampling that ``Digits(size=16)`` is made of.
    """
    if x.shape[-2:] == (INPUT_SIZE, INPUT_SIZE):
        return x
    shrinks = x.shape[-2] > INPUT_SIZE or x.shape[-1] > INPUT_SIZE
    return F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False,
                         antialias=shrinks)


class DigitClassifier(nn.Module):
    """A small CNN for 1-channel digits in [-1, 1]: three convolutions, a 64-unit feature layer, 10 logits.

    ``features(x)`` is the penultimate layer after its ReLU, ``(B, feature_dim)``:
    the space in which :func:`digit_fid` and :func:`digit_precision_recall`
    measure distances. ``forward(x)`` returns the class logits ``(B, 10)``.
    Inputs of any size are resized to 16x16 first (:func:`resize_to_input`).
    122k parameters, under 0.5 MB as a float32 state dict.

    Of the packaged model's 64 feature units, 20 are never active on the real digits
    (dead ReLUs), so the covariance of real features has rank 44; the Fréchet distance
    of :mod:`gan_edu.metrics` takes no inverse and is exact for singular covariances.
    """

    def __init__(self, feature_dim: int = 64, dropout: float = 0.25) -> None:
        super().__init__()
        if not isinstance(feature_dim, int) or isinstance(feature_dim, bool) or feature_dim < 1:
            raise ValueError(f"feature_dim must be an integer >= 1, got {feature_dim!r}")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.feature_dim = feature_dim
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)  # (B, 1, 16, 16) -> (B, 32, 16, 16)
        self.conv2 = nn.Conv2d(32, 64, 3, stride=2, padding=1)  # -> (B, 64, 8, 8)
        self.conv3 = nn.Conv2d(64, 64, 3, stride=2, padding=1)  # -> (B, 64, 4, 4)
        self.dropout = nn.Dropout(dropout)  # on the flattened maps, training only
        self.fc = nn.Linear(64 * 4 * 4, feature_dim)  # (B, 1024) -> (B, feature_dim)
        self.head = nn.Linear(feature_dim, N_CLASSES)  # (B, feature_dim) -> (B, 10)

    def features(self, x: Tensor) -> Tensor:
        """The penultimate activations ``(B, feature_dim)`` of images ``(B, 1, H, W)`` in [-1, 1]."""
        if x.ndim != 4 or x.shape[1] != 1:
            raise ValueError(f"x must have shape (B, 1, H, W), got {tuple(x.shape)}")
        h = resize_to_input(x)  # (B, 1, 16, 16)
        h = F.relu(self.conv1(h))  # (B, 32, 16, 16)
        h = F.relu(self.conv2(h))  # (B, 64, 8, 8)
        h = F.relu(self.conv3(h))  # (B, 64, 4, 4)
        h = self.dropout(h.flatten(1))  # (B, 1024)
        return F.relu(self.fc(h))  # (B, feature_dim)

    def forward(self, x: Tensor) -> Tensor:
        """Class logits ``(B, 10)``."""
        return self.head(self.features(x))  # (B, 10)


# --------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassifierTrainConfig:
    """Optimiser and augmentation of :func:`train_digit_classifier` (the number of epochs is its argument).

    Each training batch is moved by a random affine map per image: a shift of up
    to ``max_shift`` pixels along each axis, a rotation of up to ``max_degrees``
    and a scaling by a factor in ``[1 - max_scale, 1 + max_scale]``, with the
    background (-1) filled in where the image moves away from an edge.
    """

    batch_size: int = 64
    lr: float = 2e-3  # Adam; decayed to 0 along a cosine over the run
    weight_decay: float = 1e-4  # AdamW-style, decoupled
    max_shift: float = 2.0  # pixels at 16x16
    max_degrees: float = 10.0
    max_scale: float = 0.1

    def __post_init__(self) -> None:
        if not isinstance(self.batch_size, int) or isinstance(self.batch_size, bool) or self.batch_size < 1:
            raise ValueError(f"batch_size must be an integer >= 1, got {self.batch_size!r}")
        if not (isinstance(self.lr, (int, float)) and math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a finite number > 0, got {self.lr!r}")
        for name in ("weight_decay", "max_shift", "max_degrees"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        if not (isinstance(self.max_scale, (int, float)) and 0 <= self.max_scale < 1):
            raise ValueError(f"max_scale must be in [0, 1), got {self.max_scale!r}")


def random_affine(x: Tensor, config: ClassifierTrainConfig, generator: torch.Generator) -> Tensor:
    """``x`` ``(B, 1, S, S)`` in [-1, 1], each image shifted, rotated and scaled at random; same shape.

    One ``affine_grid`` / ``grid_sample`` (bilinear) per batch. ``grid_sample`` pads
    with zeros, so the images are sampled as ``x + 1`` (background 0) and moved back.
    """
    B, _, S, _ = x.shape
    u = torch.rand(B, 4, generator=generator) * 2 - 1  # (B, 4) uniform in [-1, 1]
    angle = u[:, 0] * math.radians(config.max_degrees)  # (B,)
    scale = 1 + u[:, 1] * config.max_scale  # (B,) > 1 zooms out: theta maps output to input coordinates
    shift = u[:, 2:] * config.max_shift * 2 / S  # (B, 2) in normalised units: a pixel is 2 / S
    cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1),
                         torch.stack([sin, cos, shift[:, 1]], 1)], 1)  # (B, 2, 3)
    grid = F.affine_grid(theta.to(x), list(x.shape), align_corners=False)  # (B, S, S, 2)
    moved = F.grid_sample(x + 1, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return moved - 1  # (B, 1, S, S)


@torch.no_grad()
def classifier_accuracy(model: nn.Module, dataset: ImageDataset, batch_size: int = 512) -> float:
    """Fraction of ``dataset.images`` whose arg-max logit is ``dataset.labels``; ``model`` in eval mode.

    The model's training flag is restored afterwards.
    """
    if len(dataset) == 0:
        raise ValueError("dataset must hold at least one image")
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        correct = 0
        for start in range(0, len(dataset), batch_size):
            logits = model(dataset.images[start:start + batch_size].to(device))  # (b, 10)
            correct += int((logits.argmax(1).cpu() == dataset.labels[start:start + batch_size]).sum())
    finally:
        model.train(was_training)
    return correct / len(dataset)


def train_digit_classifier(seed: int = 0, epochs: int = DEFAULT_EPOCHS, device: str | torch.device = "cpu",
                           config: ClassifierTrainConfig = ClassifierTrainConfig(),
                           ) -> tuple[DigitClassifier, float]:
    """Train a :class:`DigitClassifier` on ``Digits(size=16, split="train")``; return it (eval mode)
    and its accuracy on the 359 held-out images of ``Digits(size=16, split="test")``.

    Cross-entropy with Adam (decoupled weight decay) and a cosine learning-rate decay,
    on batches augmented by :func:`random_affine`. Deterministic under ``seed`` on one
    machine: ``torch.manual_seed`` fixes the initial weights and a ``torch.Generator``
    seeded with ``seed`` draws the shuffles and the augmentation.
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    device = resolve_device(device)
    train, test = Digits(size=INPUT_SIZE, split="train"), Digits(size=INPUT_SIZE, split="test")
    torch.manual_seed(seed)
    model = DigitClassifier().to(device)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    steps_per_epoch = math.ceil(len(train) / config.batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * steps_per_epoch)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(train), generator=generator)
        for start in range(0, len(train), config.batch_size):
            index = order[start:start + config.batch_size]
            x_real = random_affine(train.images[index], config, generator).to(device)  # (b, 1, 16, 16)
            loss = F.cross_entropy(model(x_real), train.labels[index].to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
    model.eval()
    return model, classifier_accuracy(model, test)


# --------------------------------------------------------------------------------------
# Loading the packaged weights
# --------------------------------------------------------------------------------------


def _regenerate_hint(path: Path) -> str:
    return (f"regenerate it with `python -m gan_edu.features --seed 0 --out {path} --force` "
            f"(the packaged file comes from `{TRAIN_COMMAND}`)")


def _load(path: Path, device: torch.device) -> DigitClassifier:
    if not path.is_file():
        raise FileNotFoundError(f"digit classifier weights {str(path)!r} not found; {_regenerate_hint(path)}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # truncated, not a torch file, an unsafe pickle, ...
        reason = f"{type(error).__name__}: {str(error).strip().splitlines()[0][:200]}"  # the full text is chained
        raise ValueError(f"digit classifier weights {str(path)!r} are corrupt or unreadable ({reason}); "
                         f"{_regenerate_hint(path)}") from error
    model = DigitClassifier()
    expected = model.state_dict()
    if not isinstance(state, dict) or state.keys() != expected.keys() or any(
            not isinstance(state[k], Tensor) or state[k].shape != v.shape for k, v in expected.items()):
        raise ValueError(f"digit classifier weights {str(path)!r} do not match DigitClassifier's parameters; "
                         f"{_regenerate_hint(path)}")
    if not all(torch.isfinite(v).all() for v in state.values()):
        raise ValueError(f"digit classifier weights {str(path)!r} hold non-finite values; {_regenerate_hint(path)}")
    model.load_state_dict(state)
    model.requires_grad_(False)
    return model.to(device).eval()


@lru_cache(maxsize=4)
def _load_default(device: torch.device) -> DigitClassifier:
    return _load(DEFAULT_WEIGHTS, device)


def load_digit_classifier(path: str | os.PathLike | None = None,
                          device: str | torch.device = "cpu") -> DigitClassifier:
    """The :class:`DigitClassifier` stored at ``path`` (default: the packaged weights), in eval mode
    with ``requires_grad`` off, read with ``torch.load(weights_only=True)``.

    The default model is loaded once per device and shared: do not train it in place.
    A missing file raises ``FileNotFoundError``; a corrupt file or one whose tensors
    do not fit the network raises ``ValueError``. Both name the path and the command
    that regenerates it.
    """
    device = resolve_device(device)
    if path is None:
        return _load_default(device)
    return _load(Path(path), device)


# --------------------------------------------------------------------------------------
# Metrics in the classifier's feature space
# --------------------------------------------------------------------------------------


def _check_images(images, name: str, channels: int = 1) -> Tensor:
    """``images`` as a float32 CPU tensor ``(N, channels, H, W)``, N >= 1; ValueError naming ``name`` if not."""
    if isinstance(images, np.ndarray):
        images = torch.from_numpy(images)
    if not isinstance(images, Tensor):
        raise ValueError(f"{name} must be a tensor of shape (N, {channels}, H, W), got {type(images).__name__}")
    if images.ndim != 4 or images.shape[1] != channels or len(images) == 0 or min(images.shape[2:]) < 1:
        raise ValueError(f"{name} must have shape (N, {channels}, H, W) with N >= 1, got {tuple(images.shape)}")
    if not (images.is_floating_point()):
        raise ValueError(f"{name} must be a float tensor with values in [-1, 1], got {images.dtype}")
    if not torch.isfinite(images).all():
        raise ValueError(f"{name} must be finite, got non-finite entries")
    return images.detach().float().cpu()


@torch.no_grad()
def _predict(images: Tensor, model: DigitClassifier, batch_size: int) -> Tensor:
    device = next(model.parameters()).device
    return torch.cat([model(images[s:s + batch_size].to(device)).argmax(1).cpu()
                      for s in range(0, len(images), batch_size)])  # (N,)


@torch.no_grad()
def digit_features(images: Tensor, batch_size: int = 512, model: DigitClassifier | None = None) -> np.ndarray:
    """Penultimate-layer features ``(N, feature_dim)`` (float64 numpy) of images ``(N, 1, H, W)`` in [-1, 1].

    ``model`` defaults to the packaged classifier (:func:`load_digit_classifier`).
    Wrong shapes and non-finite values raise ``ValueError`` naming ``images``.
    """
    images = _check_images(images, "images")
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    model = load_digit_classifier() if model is None else model
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        out = [model.features(images[s:s + batch_size].to(device)).cpu()
               for s in range(0, len(images), batch_size)]  # each (b, feature_dim)
    finally:
        model.train(was_training)
    return torch.cat(out).double().numpy()


def digit_fid(real_images: Tensor, fake_images: Tensor, model: DigitClassifier | None = None) -> float:
    r"""The FID of Heusel et al. (2017) in the digit classifier's feature space.

    .. math::

        \mathrm{FID} = \lVert \mu_r - \mu_g \rVert^2
            + \operatorname{Tr}\bigl(\Sigma_r + \Sigma_g - 2 (\Sigma_r \Sigma_g)^{1/2}\bigr)

    with :math:`(\mu, \Sigma)` the mean and unbiased covariance of :func:`digit_features`
    (:func:`gan_edu.metrics.fid_from_features`). Both sets need at least 2 images; the
    estimate is biased upwards for small sets, so compare FIDs computed with equal
    numbers of images, and read them beside :func:`fid_noise_floor`.
    """
    real_images = _check_images(real_images, "real_images")
    fake_images = _check_images(fake_images, "fake_images")
    for name, images in (("real_images", real_images), ("fake_images", fake_images)):
        if len(images) < 2:
            raise ValueError(f"{name} must hold at least 2 images for a covariance, got {len(images)}")
    return fid_from_features(digit_features(real_images, model=model), digit_features(fake_images, model=model))


def real_halves(dataset: ImageDataset | Tensor | None = None, seed: int = 0) -> tuple[Tensor, Tensor]:
    """Two disjoint random halves of real images, ``N // 2`` each: the FID's reference and its floor.

    ``dataset`` (default ``Digits(size=16, split="all")``, 1,797 images) is permuted with a
    ``torch.Generator`` seeded with ``seed`` (one image is left out when N is odd). Compare a
    GAN with the first half using as many generated images as the second half holds, so that
    its FID and the floor :func:`fid_noise_floor` share the sample size (FID is biased upwards
    at small sample sizes, so only equal sizes compare).
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    images = Digits(size=INPUT_SIZE, split="all").images if dataset is None else getattr(dataset, "images", dataset)
    images = _check_images(images, "dataset")
    half = len(images) // 2
    if half < 2:
        raise ValueError(f"dataset must hold at least 4 images, got {len(images)}")
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
    return images[order[:half]], images[order[half:2 * half]]


def fid_noise_floor(dataset: ImageDataset | Tensor | None = None, seed: int = 0,
                    model: DigitClassifier | None = None) -> float:
    """:func:`digit_fid` between the two halves of :func:`real_halves`: the floor of the FID.

    A GAN whose samples were indistinguishable from the data would score about this with
    the same number of images, not 0.
    """
    reference, held_out = real_halves(dataset, seed)
    return digit_fid(reference, held_out, model=model)


def digit_precision_recall(real_images: Tensor, fake_images: Tensor, k: int = 3,
                           model: DigitClassifier | None = None) -> PrecisionRecall:
    """Improved precision and recall (Kynkäänniemi et al. 2019) of :func:`digit_features`, k-NN balls.

    See :func:`gan_edu.metrics.precision_recall`: precision is the fraction of fakes
    inside the real manifold estimate, recall the fraction of reals inside the fake one.
    """
    return precision_recall(digit_features(_check_images(real_images, "real_images"), model=model),
                            digit_features(_check_images(fake_images, "fake_images"), model=model), k=k)


class StackedModes(NamedTuple):
    """Result of :func:`stacked_mode_coverage`; unpacks as ``modes, reverse_kl, counts``."""

    modes: int  # distinct modes hit by at least one image, out of 1,000
    reverse_kl: float  # KL(histogram of modes || uniform over 1,000), nats
    counts: np.ndarray  # images per mode 100 * d0 + 10 * d1 + d2, shape (1000,)


def stacked_mode_coverage(images: Tensor, batch_size: int = 512,
                          model: DigitClassifier | None = None) -> StackedModes:
    r"""Modes hit and reverse KL of Stacked-digit images ``(N, 3, H, W)``: the Stacked MNIST metrics.

    Each channel is classified by the digit classifier; the image's mode is
    :math:`100 d_0 + 10 d_1 + d_2` (:func:`gan_edu.data.stacked_modes`). With
    :math:`q_m` the fraction of the N images in mode m, as in VEEGAN (Srivastava
    et al. 2017, §5.2) and PacGAN (Lin et al. 2018, Table 2),

    .. math::

        \mathrm{modes} = \#\{m : q_m > 0\}, \qquad
        \mathrm{KL}(q \,\|\, u) = \sum_{m:\, q_m > 0} q_m \log \frac{q_m}{1/1000},

    which is 0 for a perfectly uniform histogram and :math:`\log 1000` when every
    image lands in one mode.
    """
    images = _check_images(images, "images", channels=3)
    model = load_digit_classifier() if model is None else model
    N, _, H, W = images.shape
    digits = _predict(images.reshape(N * 3, 1, H, W), model, batch_size).view(N, 3)  # (N, 3): d0, d1, d2
    counts = np.bincount(stacked_modes(digits).numpy(), minlength=1000)  # (1000,)
    q = counts / N
    hit = q > 0
    return StackedModes(int(hit.sum()), float(np.sum(q[hit] * np.log(q[hit] * 1000))), counts)


# --------------------------------------------------------------------------------------
# The command that writes the packaged weights
# --------------------------------------------------------------------------------------


def _write_atomic(path: Path, write) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it onto ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the file is package data, readable by all
        os.replace(tmp, path)  # readers see the old file or the new one, never half of one
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m gan_edu.features",
        description="Train the digit classifier behind digit_fid and write its weights and card (JSON).")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS, help=f"default: {DEFAULT_EPOCHS}")
    parser.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda", "mps"])
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (default: 1; a net this small loses time to a second, busy core)")
    parser.add_argument("--out", required=True, help="weights file (.pt); the card goes beside it as .json")
    parser.add_argument("--force", action="store_true", help="overwrite existing weights and card")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Train, then write the weights (a float32 state dict) and the card ``<out>.json``, both atomically."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    if args.threads < 1:
        parser.error(f"--threads must be >= 1, got {args.threads}")
    out = Path(args.out)
    card_path = out.with_suffix(".json")
    for path in (out, card_path):
        if path.exists() and not args.force:
            parser.error(f"{path} exists; pass --force to overwrite it")
    torch.set_num_threads(args.threads)  # the results depend on it slightly (order of float sums)
    started = time.perf_counter()
    model, accuracy = train_digit_classifier(seed=args.seed, epochs=args.epochs, device=args.device)
    seconds = time.perf_counter() - started
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    _write_atomic(out, lambda handle: torch.save(state, handle))
    reloaded = load_digit_classifier(out)  # the card describes the file, as read back
    test = Digits(size=INPUT_SIZE, split="test")
    card = {
        "model": "gan_edu.features.DigitClassifier",
        "command": "python -m gan_edu.features " + shlex.join(argv),
        "seed": args.seed,
        "epochs": args.epochs,
        "training": asdict(ClassifierTrainConfig()),
        "training_data": f"Digits(size={INPUT_SIZE}, split='train'), {len(Digits(size=INPUT_SIZE, split='train'))} images",
        "torch_version": torch.__version__,
        "device": str(resolve_device(args.device)),
        "threads": args.threads,
        "training_seconds": round(seconds, 1),
        "held_out_accuracy": classifier_accuracy(reloaded, test),
        "held_out_images": len(test),
        "accuracy_after_training": accuracy,
        "feature_dim": reloaded.feature_dim,
        "parameters": sum(p.numel() for p in reloaded.parameters()),
        "file_bytes": out.stat().st_size,
        "sha256": _sha256(out),
    }
    _write_atomic(card_path, lambda handle: handle.write((json.dumps(card, indent=2) + "\n").encode()))
    print(json.dumps(card, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
