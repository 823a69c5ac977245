r"""Scores of generated digits in the digit classifier's feature space: FID, its floor, precision/recall, Stacked modes.

* :func:`digit_features` -- the penultimate-layer features of
  :class:`~gan_edu.features.classifier.DigitClassifier`;
* :func:`digit_fid` -- the FID of Heusel et al. (2017) in that space, and
  :func:`fid_noise_floor`, the FID between the two halves of :func:`real_halves`;
* :func:`digit_precision_recall` -- improved precision and recall (Kynkäänniemi et al. 2019);
* :func:`stacked_mode_coverage` -- modes hit and reverse KL on Stacked digits, the
  metrics of VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018).

FID values computed here are comparable with each other only: another feature
extractor (Inception on MNIST, say) gives other numbers. Every FID of a GAN is
read beside :func:`fid_noise_floor`, the FID between two halves of the real data,
which is what "as good as the data itself" scores with this many samples.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

from ..data import Digits, ImageDataset, stacked_modes
from ..metrics import PrecisionRecall, fid_from_features, precision_recall
from ..validation import integer
from .classifier import INPUT_SIZE, DigitClassifier
from .weights import load_digit_classifier

__all__ = ["digit_features", "digit_fid", "fid_noise_floor", "real_halves", "digit_precision_recall",
           "StackedModes", "stacked_mode_coverage"]


_RANGE_SLACK = 1e-6  # round-off of a resize or of bf16 around the [-1, 1] of a tanh


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
    low, high = torch.aminmax(images.detach())
    if low < -1 - _RANGE_SLACK or high > 1 + _RANGE_SLACK:  # pixels in 0..255, say
        raise ValueError(f"{name} must hold values in [-1, 1] (map pixels p in 0..255 to p / 127.5 - 1), "
                         f"got values in [{low.item():g}, {high.item():g}]")
    return images.detach().float().cpu()


@torch.no_grad()
def _check_model(model) -> DigitClassifier:
    if not isinstance(model, DigitClassifier):
        raise ValueError(f"model must be a DigitClassifier or None, got {type(model).__name__}")
    return model


def _predict(images: Tensor, model: DigitClassifier, batch_size: int) -> Tensor:
    device = next(model.parameters()).device
    return torch.cat([model(images[s:s + batch_size].to(device)).argmax(1).cpu()
                      for s in range(0, len(images), batch_size)])  # (N,)


@torch.no_grad()
def digit_features(images: Tensor, batch_size: int = 512, model: DigitClassifier | None = None) -> np.ndarray:
    """Penultimate-layer features ``(N, feature_dim)`` (float64 numpy) of images ``(N, 1, H, W)`` in [-1, 1].

    ``model`` defaults to the packaged classifier (:func:`~gan_edu.features.load_digit_classifier`).
    Wrong shapes and non-finite values raise ``ValueError`` naming ``images``.
    """
    images = _check_images(images, "images")
    batch_size = integer("batch_size", batch_size)
    model = load_digit_classifier() if model is None else _check_model(model)
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
    seed = integer("seed", seed, minimum=None)
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
    batch_size = integer("batch_size", batch_size)
    model = load_digit_classifier() if model is None else _check_model(model)
    N, _, H, W = images.shape
    digits = _predict(images.reshape(N * 3, 1, H, W), model, batch_size).view(N, 3)  # (N, 3): d0, d1, d2
    counts = np.bincount(stacked_modes(digits).numpy(), minlength=1000)  # (1000,)
    q = counts / N
    hit = q > 0
    return StackedModes(int(hit.sum()), float(np.sum(q[hit] * np.log(q[hit] * 1000))), counts)
