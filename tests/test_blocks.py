"""SAGAN's self-attention block and BigGAN's truncated normal, against hand-written references
and scipy."""

import math

import numpy as np
import pytest
import scipy.stats
import torch

from gan_edu.models.blocks import SelfAttention
from gan_edu.sampling import truncated_normal


def reference_attention(block: SelfAttention, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The block written out with einsum over explicit weight matrices: (weights (B, N, N), y)."""
    B, C, H, W = x.shape
    flat = x.reshape(B, C, H * W)  # (B, C, N)
    Wq, Wk, Wv, Wo = (m.weight[:, :, 0, 0] for m in (block.query, block.key, block.value, block.out))
    q, k, v = (torch.einsum("oc,bcn->bon", w, flat) for w in (Wq, Wk, Wv))  # (B, c, N)
    logits = torch.einsum("bci,bcj->bij", q, k)  # q_i . k_j, no 1/sqrt(d)
    beta = torch.exp(logits - logits.amax(-1, keepdim=True))
    beta = beta / beta.sum(-1, keepdim=True)
    read = torch.einsum("bij,bcj->bci", beta, v)  # (B, C/2, N)
    o = torch.einsum("oc,bcn->bon", Wo, read).reshape(B, C, H, W)
    return beta, x + block.gamma * o


def test_a_new_block_is_the_identity():
    torch.manual_seed(0)
    block = SelfAttention(16)
    x = torch.randn(2, 16, 5, 4)
    assert block.gamma.item() == 0.0
    assert torch.equal(block(x), x)


def test_self_attention_matches_the_written_out_formula():
    torch.manual_seed(1)
    block = SelfAttention(32)
    with torch.no_grad():
        block.gamma.fill_(0.7)
    x = torch.randn(3, 32, 4, 6, dtype=torch.float64)
    block = block.double()
    beta, expected = reference_attention(block, x)
    assert (block.query.out_channels, block.value.out_channels, block.out.in_channels) == (4, 16, 16)
    assert torch.allclose(block.attention(x), beta, atol=1e-12)
    assert torch.allclose(block.attention(x).sum(-1), torch.ones(3, 24, dtype=torch.float64), atol=1e-12)
    assert torch.allclose(block(x), expected, atol=1e-10)


def test_the_gate_and_every_projection_get_gradients():
    torch.manual_seed(2)
    block = SelfAttention(8)
    with torch.no_grad():
        block.gamma.fill_(0.5)
    block(torch.randn(2, 8, 3, 3)).square().sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in block.parameters())


@pytest.mark.parametrize("make, name", [
    (lambda: SelfAttention(12), "channels"),
    (lambda: SelfAttention(0), "channels"),
    (lambda: SelfAttention(8.0), "channels"),
    (lambda: SelfAttention(8)(torch.zeros(2, 16, 3, 3)), "x"),
    (lambda: SelfAttention(8)(torch.zeros(8, 3, 3)), "x"),
    (lambda: SelfAttention(8).attention("image"), "x"),
])
def test_bad_self_attention_input_names_the_parameter(make, name):
    with pytest.raises(ValueError, match=name):
        make()


@pytest.mark.parametrize("t", [0.25, 1.0, 2.0])
def test_truncated_normal_is_the_normal_conditioned_on_the_interval(t):
    z = truncated_normal((20_000,), t, torch.Generator().manual_seed(3))
    assert z.shape == (20_000,) and z.abs().max() <= t
    # resampling, not rescaling: the truncated normal's law (scipy), by a Kolmogorov-Smirnov test
    assert scipy.stats.kstest(z.numpy(), scipy.stats.truncnorm(-t, t).cdf).pvalue > 1e-3
    expected_var = scipy.stats.truncnorm(-t, t).var()
    assert z.var().item() == pytest.approx(expected_var, rel=0.05)


def test_rescaling_is_another_distribution():
    # z * c has the same variance as the truncated normal for some c, but unbounded support:
    # the KS test tells them apart where the variances agree.
    t = 1.0
    z = truncated_normal((20_000,), t, torch.Generator().manual_seed(4))
    scaled = torch.randn(20_000, generator=torch.Generator().manual_seed(5)) * math.sqrt(scipy.stats.truncnorm(-t, t).var())
    assert scaled.abs().max() > t
    assert scipy.stats.kstest(scaled.numpy(), scipy.stats.truncnorm(-t, t).cdf).pvalue < 1e-6
    assert scipy.stats.kstest(z.numpy(), scipy.stats.truncnorm(-t, t).cdf).pvalue > 1e-3


def test_truncated_normal_is_reproducible_and_inf_is_the_plain_normal():
    a = truncated_normal((4, 5), 0.5, torch.Generator().manual_seed(6))
    b = truncated_normal((4, 5), 0.5, torch.Generator().manual_seed(6))
    assert a.shape == (4, 5) and torch.equal(a, b)
    plain = truncated_normal((7,), math.inf, torch.Generator().manual_seed(7))
    assert torch.equal(plain, torch.randn(7, generator=torch.Generator().manual_seed(7)))
    assert truncated_normal(3, 1.0).shape == (3,)
    assert np.all(np.abs(truncated_normal((0, 2), 1.0).numpy()) <= 1.0)


@pytest.mark.parametrize("make, name", [
    (lambda: truncated_normal((3,), 0.0), "threshold"),
    (lambda: truncated_normal((3,), -1.0), "threshold"),
    (lambda: truncated_normal((3,), float("nan")), "threshold"),
    (lambda: truncated_normal((3,), "2"), "threshold"),
    (lambda: truncated_normal((3, -1), 1.0), "shape"),
    (lambda: truncated_normal("3", 1.0), "shape"),
    (lambda: truncated_normal((3,), 1.0, generator=3), "generator"),
])
def test_bad_truncation_input_names_the_parameter(make, name):
    with pytest.raises(ValueError, match=name):
        make()
