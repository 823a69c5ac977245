"""Scaling a network's initial weights: the initialisation-scale axis of a sensitivity sweep.

Every initialisation scheme of the library draws weights with a fixed standard deviation
(N(0, 0.02) for the DCGAN, He's or PyTorch's default for the MLPs). :func:`scale_weights`
multiplies them by one factor, so that a sweep can ask how far from its scheme a recipe
still trains. Biases and normalisation scales (one-dimensional parameters) are left alone:
only the weight matrices and convolution kernels set the scale of the signal.
"""

from __future__ import annotations

import torch
from torch import nn

from ..validation import number

__all__ = ["scale_weights"]


def scale_weights(module: nn.Module, factor: float) -> nn.Module:
    """Multiply, in place, every weight of ``module`` with two or more dimensions (linear
    matrices, convolution kernels) by ``factor`` > 0; returns ``module``. ``factor`` 1 changes
    nothing (the weights are not even touched)."""
    if not isinstance(module, nn.Module):
        raise ValueError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    factor = number("factor", factor, minimum=0, strict_minimum=True)
    if factor == 1.0:
        return module
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.rsplit(".", 1)[-1] == "weight" and p.dim() >= 2:
                p.mul_(factor)
    return module
