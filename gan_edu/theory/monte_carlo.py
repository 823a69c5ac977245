r"""Monte Carlo estimators of the theory's integrals (any dimension), with standard errors,
to set beside the quadrature."""

from __future__ import annotations

import math

import numpy as np

from ..validation import integer, random_generator
from .divergences import _check_d, _log_d
from .quadrature import LOG2, Discriminator, Distribution, _check_pair

__all__ = ["kl_divergence_mc", "js_divergence_mc", "value_mc"]


def _mc_samples(dist: Distribution, n: int, generator) -> np.ndarray:
    n = integer("n", n, minimum=2)
    random_generator("generator", generator)
    return dist.sample(n, generator).double().numpy()


def kl_divergence_mc(p: Distribution, q: Distribution, n: int, generator=None) -> tuple[float, float]:
    r"""Monte Carlo :math:`\mathrm{KL}(p\|q) \approx \frac1n\sum_i \log\frac{p(x_i)}{q(x_i)}`, :math:`x_i \sim p`.

    Returns ``(estimate, standard_error)``.
    """
    _check_pair(p, q)
    x = _mc_samples(p, n, generator)
    terms = p.log_prob(x) - q.log_prob(x)
    return float(terms.mean()), float(terms.std(ddof=1) / math.sqrt(n))


def js_divergence_mc(p: Distribution, q: Distribution, n: int, generator=None) -> tuple[float, float]:
    """Monte Carlo JS from ``n`` samples of each of ``p`` and ``q``: ``(estimate, standard_error)``."""
    _check_pair(p, q)
    parts = []
    for a in (p, q):
        x = _mc_samples(a, n, generator)
        log_p, log_q = p.log_prob(x), q.log_prob(x)
        log_m = np.logaddexp(log_p, log_q) - LOG2
        parts.append(a.log_prob(x) - log_m)
    estimate = 0.5 * (parts[0].mean() + parts[1].mean())
    stderr = 0.5 * math.sqrt(parts[0].var(ddof=1) / n + parts[1].var(ddof=1) / n)
    return float(estimate), float(stderr)


def value_mc(p_r: Distribution, p_g: Distribution, D: Discriminator, n: int, generator=None,
             *, logits: bool = False) -> tuple[float, float]:
    """Monte Carlo eq. (6): ``E_{p_r} log D + E_{p_g} log(1 - D)`` from ``n`` samples of each."""
    _check_pair(p_r, p_g)
    _check_d(D, logits)
    x_real, x_fake = _mc_samples(p_r, n, generator), _mc_samples(p_g, n, generator)
    log_d, _ = _log_d(D, x_real, logits)
    _, log_1md = _log_d(D, x_fake, logits)
    estimate = log_d.mean() + log_1md.mean()
    stderr = math.sqrt(log_d.var(ddof=1) / n + log_1md.var(ddof=1) / n)
    return float(estimate), float(stderr)
