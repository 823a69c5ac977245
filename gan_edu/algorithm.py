"""The source's algorithm in twenty lines: what :class:`gan_edu.train.Trainer` does, plainly.

Goodfellow et al. (2014), Algorithm 1, with Adam and the non-saturating generator loss,
eq. (4), written top to bottom for reading. The book shows it once; everything else in
the book trains with the :class:`~gan_edu.train.Trainer` (which adds games, schedules,
devices, EMA, checkpoints, the divergence guard). ``tests/test_algorithm.py`` checks that
both give the same weights from the same seed, so the two cannot drift apart.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["train"]


def train(G, D, data, *, steps, k=1, batch_size=64, lr=2e-4, betas=(0.5, 0.999),
          seed=0):
    """Train ``G`` against ``D`` on ``data`` (``data.sample(n, generator)``)."""
    gen = torch.Generator().manual_seed(seed)  # every draw of z and x_real: from it
    opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=betas, fused=True)
    opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=betas, fused=True)
    for _ in range(steps):
        for _ in range(k):
            # (1) D: ascend E log D(x_real) + E log(1 - D(G(z)))   [eq. (3)]
            z = torch.randn(batch_size, G.latent_dim, generator=gen)
            x_real = data.sample(batch_size, gen)
            with torch.no_grad():
                x_fake = G(z)  # no graph into G: this step cannot move G
            # eq. (2), from logits: -log D = softplus(-l), -log(1 - D) = softplus(l)
            d_loss = F.softplus(-D(x_real)).mean() + F.softplus(D(x_fake)).mean()
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
        # (2) G: descend -E log D(G(z)) on fresh noise   [eq. (4)]
        z = torch.randn(batch_size, G.latent_dim, generator=gen)
        g_loss = F.softplus(-D(G(z))).mean()
        opt_g.zero_grad()
        g_loss.backward()  # D's gradients from this pass are cleared in (1)
        opt_g.step()
    return G, D
