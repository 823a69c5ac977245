"""Overhead of the library trainer against a bare hand-written PyTorch loop.

Both run the same work: the same MLP G and D (gan_edu.models), the same batch,
Adam with the same settings, k D steps per G step, the non-saturating loss,
x_real from the same mixture and z from a seeded generator, and D scores the
real and the fake batch in one pass. Repeats are
interleaved (trainer, bare, trainer, bare, ...) so that a change in machine
load hits both; the ratio of median steps/s is printed. Target: >= 0.9.

    python benchmarks/trainer_overhead.py [--width 96] [--batch 256] [--k 1] [--steps 300] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from gan_edu.distributions import toy
from gan_edu.games import GAN
from gan_edu.models import Discriminator, Generator
from gan_edu.train import TrainConfig, Trainer


def bare_loop(G, D, data, steps: int, batch: int, k: int, latent_dim: int, lr: float, betas) -> None:
    """The loop as one would write it by hand (pytorch/examples style)."""
    opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=betas, foreach=True)
    opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=betas, foreach=True)
    gen = torch.Generator().manual_seed(0)
    for _ in range(steps):
        for _ in range(k):
            z = torch.randn(batch, latent_dim, generator=gen)
            x_real = data.sample(batch, gen)
            x_fake = G(z).detach()
            # One pass over both batches, as the trainer does for a D without batch norm.
            logits_real, logits_fake = D(torch.cat([x_real, x_fake])).split(batch)
            d_loss = F.softplus(-logits_real).mean() + F.softplus(logits_fake).mean()
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
        z = torch.randn(batch, latent_dim, generator=gen)
        g_loss = F.softplus(-D(G(z))).mean()
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward(inputs=list(G.parameters()))
        opt_g.step()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # Defaults: the nets and batch of the ring8 recipe (gan_edu.recipes.RING8).
    parser.add_argument("--width", type=int, default=96)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--k", type=int, default=1)
    parser.add_argument("--steps", type=int, default=300, help="iterations per timed repeat")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    data, latent_dim = toy("ring8"), 4
    cfg = TrainConfig(steps=10**9, batch_size=args.batch, k=args.k, device="cpu")
    torch.manual_seed(0)
    nets = lambda: (Generator(latent_dim, 2, args.width, args.depth), Discriminator(2, args.width, args.depth))  # noqa: E731
    trainer = Trainer(GAN(*nets()), data, cfg)
    G, D = nets()
    trainer.fit(20)  # warm-up both
    bare_loop(G, D, data, 20, args.batch, args.k, latent_dim, cfg.lr_d, cfg.betas)

    rates = {"trainer": [], "bare loop": []}
    for _ in range(args.repeats):
        start = time.perf_counter()
        trainer.fit(args.steps)
        rates["trainer"].append(args.steps / (time.perf_counter() - start))
        start = time.perf_counter()
        bare_loop(G, D, data, args.steps, args.batch, args.k, latent_dim, cfg.lr_d, cfg.betas)
        rates["bare loop"].append(args.steps / (time.perf_counter() - start))

    print(f"MLP {args.depth}x{args.width}, batch {args.batch}, k {args.k}, {args.steps} iterations x "
          f"{args.repeats} interleaved repeats, {args.threads} thread(s), torch {torch.__version__}")
    print(f"{'loop':<10} {'median it/s':>12}  repeats")
    for name, values in rates.items():
        print(f"{name:<10} {statistics.median(values):>12.1f}  {', '.join(f'{v:.1f}' for v in values)}")
    ratio = statistics.median(rates["trainer"]) / statistics.median(rates["bare loop"])
    paired = [t / b for t, b in zip(rates["trainer"], rates["bare loop"])]
    print(f"ratio trainer / bare = {ratio:.3f} (median of paired ratios {statistics.median(paired):.3f}; target >= 0.9)")


if __name__ == "__main__":
    main()
