"""The digit classifier: a small CNN whose penultimate layer is the feature space of the digit metrics.

The FID of Heusel et al. (2017) compares Gaussians fitted to Inception-v3 pool
features; on 16-pixel digits the usual substitute is a classifier trained on the
domain itself (the MNIST classifiers behind the "FID" of many GAN papers, and the
Stacked MNIST mode counts of VEEGAN, Srivastava et al. 2017, and PacGAN, Lin et
al. 2018). :class:`DigitClassifier` is that network; :func:`resize_to_input` brings
digits of other sizes to its 16x16 input.
"""

from __future__ import annotations

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from ..validation import integer, number

__all__ = ["DigitClassifier", "resize_to_input", "INPUT_SIZE", "N_CLASSES"]

INPUT_SIZE = 16  # the classifier's native resolution, that of Digits(size=16)
N_CLASSES = 10


def resize_to_input(x: Tensor) -> Tensor:
    """``(B, 1, H, W)`` -> ``(B, 1, 16, 16)`` by bilinear interpolation (``align_corners=False``).

    Antialiased when a side shrinks, so a 32- or 64-pixel digit is averaged down
    rather than sampled at every other pixel; an 8-pixel digit becomes exactly
    the bilinear upsampling that ``Digits(size=16)`` is made of.
    """
    if not isinstance(x, Tensor) or x.ndim != 4 or not x.is_floating_point():
        shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"x must be a float tensor of shape (B, 1, H, W), got {shape}")
    if x.shape[-2:] == (INPUT_SIZE, INPUT_SIZE):
        return x
    shrinks = x.shape[-2] > INPUT_SIZE or x.shape[-1] > INPUT_SIZE
    return F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False,
                         antialias=shrinks)


class DigitClassifier(nn.Module):
    """A small CNN for 1-channel digits in [-1, 1]: three convolutions, a 64-unit feature layer, 10 logits.

    ``features(x)`` is the penultimate layer after its ReLU, ``(B, feature_dim)``:
    the space in which :func:`~gan_edu.features.digit_fid` and
    :func:`~gan_edu.features.digit_precision_recall` measure distances.
    ``forward(x)`` returns the class logits ``(B, 10)``.
    Inputs of any size are resized to 16x16 first (:func:`resize_to_input`).
    122k parameters, under 0.5 MB as a float32 state dict.

    Of the packaged model's 64 feature units, 20 are never active on the real digits
    (dead ReLUs), so the covariance of real features has rank 44; the Fréchet distance
    of :mod:`gan_edu.metrics` takes no inverse and is exact for singular covariances.
    """

    def __init__(self, feature_dim: int = 64, dropout: float = 0.25) -> None:
        super().__init__()
        feature_dim = integer("feature_dim", feature_dim)
        dropout = number("dropout", dropout, minimum=0, maximum=1, strict_maximum=True)
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
