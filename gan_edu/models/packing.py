"""PacGAN's packing (Lin et al. 2018), shared by the MLP and the DCGAN discriminators.

D judges *packs* of m samples: samples ``m*j .. m*j + m - 1`` of a batch of n form pack j,
concatenated along the feature (MLP) or channel (DCGAN) axis into one input; a last,
incomplete pack is filled up with the first samples of the batch. Each sample then gets
the logit of its pack, so the mean of a loss over samples is its mean over packs.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["pack_samples", "unpack_logits"]


def pack_samples(x: Tensor, m: int) -> Tensor:
    """``(n, C, ...)`` -> ``(ceil(n / m), m * C, ...)``: pack j holds samples m*j .. m*j + m - 1."""
    n = x.shape[0]
    packs = -(-n // m)
    index = torch.arange(packs * m, device=x.device) % n  # the last pack wraps round to the first samples
    return x[index].reshape(packs, m * x.shape[1], *x.shape[2:])


def unpack_logits(logits: Tensor, m: int, n: int) -> Tensor:
    """One logit per pack ``(ceil(n / m),)`` -> one per sample ``(n,)``: each sample gets its pack's."""
    return logits.repeat_interleave(m)[:n]
