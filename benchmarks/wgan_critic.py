"""How well does a WGAN critic estimate W1? Weight clipping against the gradient penalty, over seeds.

The experiment of the training lab (notebooks/training.ipynb, "Variant losses are
objects"), repeated over seeds: for the fixed generator N(0.5, 1.5^2) against the 1D mixture
``toy("bimodal1d")``, a critic f (an MLP, 3 x 64) is trained alone for 1,500 steps (Adam
1e-3, betas (0.5, 0.9), batch 512) with the loss ``"wgan"`` and either
``WeightClipping(0.01)`` (WGAN, Arjovsky et al. 2017) or ``GradientPenalty(10)`` (WGAN-GP,
Gulrajani et al. 2017). Printed per seed: the critic's largest slope K over [-4, 5] (its
Lipschitz constant there), its raw estimate E f(x_r) - E f(x_f) (200,000 samples each) as a
fraction of the exact W1 (``gan_edu.theory.wasserstein_1d``), and value / K, a lower bound of W1 for
any critic by Kantorovich-Rubinstein duality.

    .venv/bin/python benchmarks/wgan_critic.py --seeds 0 1 2 3 4 5 6 7
"""

from __future__ import annotations

import argparse
import time

import torch

from gan_edu import theory
from gan_edu.distributions import GaussianMixture, toy
from gan_edu.games import GAN
from gan_edu.losses import GradientPenalty, WeightClipping
from gan_edu.models import Discriminator
from gan_edu.priors import Normal
from gan_edu.train import TrainConfig, Trainer

P_DATA, G_MEAN, G_STD = toy("bimodal1d"), 0.5, 1.5


def exact_w1() -> float:
    """W1 = integral of |F_r - F_g| in 1D, by quadrature (:func:`gan_edu.theory.wasserstein_1d`)."""
    return theory.wasserstein_1d(P_DATA, GaussianMixture([G_MEAN], G_STD))


def fixed_generator() -> torch.nn.Module:
    G = torch.nn.Linear(1, 1)  # G(z) = 0.5 + 1.5 z: N(0.5, 1.5^2), frozen
    with torch.no_grad():
        G.weight.fill_(G_STD)
        G.bias.fill_(G_MEAN)
    return G.requires_grad_(False)


def train_critic(seed: int, **mechanism) -> tuple[float, float, float, float]:
    """(K, value, at the bounds, gradient norm) of a critic trained alone with ``mechanism``.

    "At the bounds": the fraction of the critic's weights within 5 % of +-c (Arjovsky et
    al.'s clipping piles them up there; measured for any critic with c = 0.01). "Gradient
    norm": the mean of ||grad_x f|| at 10,000 random interpolates of real and fake samples,
    where WGAN-GP's penalty asks for 1.
    """
    torch.manual_seed(seed)
    config = TrainConfig(steps=1500, batch_size=512, lr_d=1e-3, betas=(0.5, 0.9), seed=seed, device="cpu",
                         log_every=100)
    game = GAN(fixed_generator(), Discriminator(1, 64, 3), loss="wgan", prior=Normal(1), **mechanism)
    trainer = Trainer(game, P_DATA, config)
    trainer.fit(d_only=True)
    f = trainer.D.eval()
    gen = torch.Generator().manual_seed(seed + 7)
    x_real, x_fake = P_DATA.sample(200_000, gen), G_MEAN + G_STD * torch.randn(200_000, 1, generator=gen)
    with torch.no_grad():
        value = (f(x_real).mean() - f(x_fake).mean()).item()
    grid = torch.linspace(-4, 5, 1801)[:, None].requires_grad_(True)
    (slope,) = torch.autograd.grad(f(grid).sum(), grid)
    weights = torch.cat([m.weight.detach().flatten() for m in f.modules() if isinstance(m, torch.nn.Linear)])
    at_bounds = ((weights.abs() >= 0.95 * 0.01) & (weights.abs() <= 0.01 + 1e-9)).double().mean().item()
    eps = torch.rand(10_000, 1, generator=gen)
    x_hat = (eps * x_real[:10_000] + (1 - eps) * x_fake[:10_000]).requires_grad_(True)
    (grad,) = torch.autograd.grad(f(x_hat).sum(), x_hat)
    return slope.abs().max().item(), value, at_bounds, grad.norm(dim=1).mean().item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    args = parser.parse_args()
    w1 = exact_w1()
    print(f"exact W1 = {w1:.4f}; torch {torch.__version__}, {torch.get_num_threads()} thread(s)\n")
    print("| seed | clipping: K | value / K | weights at +-c | grad norm | GP: K | value / W1 | value / K "
          "| grad norm | wall (s) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for seed in args.seeds:
        start = time.perf_counter()
        k_clip, v_clip, bounds_clip, grad_clip = train_critic(seed, constraint=WeightClipping(0.01))
        k_gp, v_gp, _, grad_gp = train_critic(seed, penalty=GradientPenalty(10.0))
        print(f"| {seed} | {k_clip:.2e} | {v_clip / k_clip:.3f} | {bounds_clip:.0%} | {grad_clip:.1e} | {k_gp:.3f} "
              f"| {v_gp / w1:.3f} | {v_gp / k_gp:.3f} | {grad_gp:.3f} | {time.perf_counter() - start:.0f} |",
              flush=True)


if __name__ == "__main__":
    main()
