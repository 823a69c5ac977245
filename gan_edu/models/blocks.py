r"""Building blocks of the later image GANs: self-attention (SAGAN, Zhang et al. 2019).

A convolution sees a 3x3 neighbourhood; a generator drawing a digit needs its two ends to
agree, which takes many layers to connect. Self-attention lets every position read every
other in one layer. For a feature map :math:`x` of shape ``(B, C, H, W)`` and its
:math:`N = HW` positions, three 1x1 convolutions give queries :math:`q_i` and keys
:math:`k_j` of :math:`C/8` channels and values :math:`v_j` of :math:`C/2`; position
:math:`i` attends to position :math:`j` with weight

.. math:: \beta_{ij} = \frac{\exp(q_i^\top k_j)}{\sum_{j'} \exp(q_i^\top k_{j'})},

reads :math:`\sum_j \beta_{ij} v_j`, and a fourth 1x1 convolution maps that back to
:math:`C` channels, :math:`o_i`. The output is :math:`y = x + \gamma\, o` with a learnt
scalar gate :math:`\gamma` initialised at 0: the block starts as the identity and the
network learns how much non-local evidence to use. The channel sizes (C/8 for queries and
keys, C/2 for values, an output projection) follow the authors' code; like the paper, the
logits :math:`q_i^\top k_j` are not divided by :math:`\sqrt{C/8}` (the transformer's
scaling), and keys and values are not pooled.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from ..validation import integer

__all__ = ["SelfAttention"]


class SelfAttention(nn.Module):
    """SAGAN's self-attention block: ``(B, C, H, W) -> (B, C, H, W)``, ``x + gamma * o``.

    ``channels`` C must be a multiple of 8. ``gamma`` (a parameter, 0 at the start) gates
    the attention output, so a new block is exactly the identity. :meth:`attention` returns
    the weights :math:`\\beta` ``(B, N, N)`` (row i: where position i looks), for drawing
    attention maps. The forward pass uses ``torch.nn.functional.scaled_dot_product_attention``
    (a fused kernel where the device has one) with ``scale=1``.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        channels = integer("channels", channels)
        if channels % 8:
            raise ValueError(f"channels must be a multiple of 8 (queries and keys have channels / 8), got {channels}")
        self.channels = channels
        self.query = nn.Conv2d(channels, channels // 8, 1, bias=False)
        self.key = nn.Conv2d(channels, channels // 8, 1, bias=False)
        self.value = nn.Conv2d(channels, channels // 2, 1, bias=False)
        self.out = nn.Conv2d(channels // 2, channels, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(()))

    def _check(self, x: Tensor) -> None:
        if not isinstance(x, Tensor) or x.ndim != 4 or x.shape[1] != self.channels:
            shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"x must be a tensor of shape (B, {self.channels}, H, W), got {shape}")

    def _qkv(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        B, _, H, W = x.shape
        flat = lambda t: t.reshape(B, t.shape[1], H * W).transpose(1, 2)  # (B, c, H, W) -> (B, N, c)  # noqa: E731
        return flat(self.query(x)), flat(self.key(x)), flat(self.value(x))

    def attention(self, x: Tensor) -> Tensor:
        """The attention weights ``(B, N, N)``, N = H * W positions in row-major order; rows sum to 1."""
        self._check(x)
        q, k, _ = self._qkv(x)
        return torch.softmax(q @ k.transpose(1, 2), dim=-1)

    def forward(self, x: Tensor) -> Tensor:
        self._check(x)
        B, _, H, W = x.shape
        q, k, v = self._qkv(x)
        read = F.scaled_dot_product_attention(q.unsqueeze(1), k.unsqueeze(1), v.unsqueeze(1), scale=1.0)
        read = read.squeeze(1).transpose(1, 2).reshape(B, self.channels // 2, H, W)  # (B, N, C/2) -> (B, C/2, H, W)
        return x + self.gamma * self.out(read)
