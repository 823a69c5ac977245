r"""Sampling helpers of the later image GANs: BigGAN's truncation trick (Brock et al. 2019).

A generator trained on :math:`z \sim N(0, I)` is sampled at test time from the same
normal *truncated* to :math:`[-t, t]`: values beyond the threshold are drawn again until
they fall inside. Small thresholds keep :math:`z` near the centre of the prior, where the
generator has seen the most training signal: fidelity (precision) rises, variety (recall)
falls. Resampling keeps the normal's shape inside the interval, with density
:math:`\varphi(z) / (\Phi(t) - \Phi(-t))`; *rescaling* (multiplying :math:`z` by a factor
below 1) is a different distribution, a narrower normal with unbounded support.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .validation import integer, number, random_generator

__all__ = ["truncated_normal"]


def truncated_normal(shape, threshold: float, generator: torch.Generator | None = None) -> Tensor:
    """Samples of N(0, 1) truncated to [-threshold, threshold], of ``shape``, by resampling.

    Every value outside the interval is drawn again (from ``generator``, or torch's global
    generator) until it lies inside; ``threshold = inf`` is the untruncated normal. Raises
    ``ValueError`` for a threshold that is not a number > 0 (NaN included) or a bad shape.
    """
    threshold = number("threshold", threshold, minimum=0, strict_minimum=True, finite=False)
    if isinstance(shape, int):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)):  # a torch.Size is a tuple
        raise ValueError(f"shape must be a tuple of integers >= 0, got {shape!r}")
    shape = tuple(integer("shape", n, minimum=0) for n in shape)
    random_generator("generator", generator)
    z = torch.randn(shape, generator=generator)
    if math.isinf(threshold):
        return z
    outside = z.abs() > threshold
    while outside.any():  # each pass keeps a fraction 1 - P(|z| > t) of the rest: few passes unless t is tiny
        z[outside] = torch.randn(int(outside.sum()), generator=generator)
        outside = z.abs() > threshold
    return z
