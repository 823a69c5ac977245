r"""Source equations (6) and (10)-(15): the optimal discriminator, the value function, KL and JS.

Every integral is computed by :mod:`.quadrature`; :mod:`.monte_carlo` has the sampled estimates.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, log_expit

from ..distributions import as_points
from .pointwise import _real_array
from .quadrature import LOG2, Discriminator, Distribution, _check_pair, _integrate, _xlogy_terms

__all__ = [
    "optimal_discriminator", "optimal_logit", "value", "value_at_optimum", "value_from_js", "js_from_value",
    "kl_divergence", "js_divergence", "js_divergence_expanded", "discriminator_gap",
]


# --- Equation (10): the optimal discriminator ---------------------------------------------


def optimal_discriminator(p_r: Distribution, p_g: Distribution, x) -> np.ndarray:
    r"""Source eq. (10): :math:`D^*(x) = \dfrac{p_r(x)}{p_r(x) + p_g(x)}`.

    Computed as :math:`\sigma(\log p_r(x) - \log p_g(x))`, so it is exact even
    where both densities underflow to 0 in floating point. Where both are
    exactly zero (possible only for :class:`Categorical`), :math:`D^*` is
    undefined and ``nan`` is returned. Book: ``eq-optimal-d``.
    """
    dim = _check_pair(p_r, p_g)
    x = as_points(x, dim, "x")
    log_r, log_g = p_r.log_prob(x), p_g.log_prob(x)
    with np.errstate(invalid="ignore"):
        d_star = expit(log_r - log_g)
    return np.where(np.isneginf(log_r) & np.isneginf(log_g), np.nan, d_star)


def optimal_logit(p_r: Distribution, p_g: Distribution, x) -> np.ndarray:
    r"""The logit of :math:`D^*`: :math:`\log p_r(x) - \log p_g(x)`, so that :math:`D^* = \sigma(\cdot)`.

    Pass this, with ``logits=True``, to :func:`value` when the supports barely
    overlap: :math:`D^*` itself rounds to exactly 0 or 1 in float64 there, and
    :math:`p\log(1 - D^*)` would become :math:`-\infty` instead of a tiny number.
    """
    dim = _check_pair(p_r, p_g)
    x = as_points(x, dim, "x")
    return p_r.log_prob(x) - p_g.log_prob(x)


# --- Equations (6) and (14): the value function ------------------------------------------------


def _check_d(D: Discriminator, logits: bool) -> None:
    if not callable(D):
        raise ValueError(f"D must be callable (points (n, d) -> values (n,)), got {D!r}")
    if not isinstance(logits, bool):
        raise ValueError(f"logits must be a bool, got {logits!r}")


def _log_d(D: Discriminator, x: np.ndarray, logits: bool) -> tuple[np.ndarray, np.ndarray]:
    out = np.asarray(D(x), dtype=np.float64).reshape(-1)
    if out.shape != (len(x),):
        raise ValueError(f"D must return one value per point, shape ({len(x)},), got {out.shape}")
    if logits:
        return log_expit(out), log_expit(-out)
    if np.any((out < 0) | (out > 1)):
        raise ValueError("D must return probabilities in [0, 1] (pass logits=True for logits)")
    with np.errstate(divide="ignore"):
        return np.log(out), np.log1p(-out)


def value(p_r: Distribution, p_g: Distribution, D: Discriminator, *, logits: bool = False) -> float:
    r"""Source eq. (6): :math:`L(G, D) = \int p_r(x)\log D(x) + p_g(x)\log(1 - D(x))\,dx`.

    ``D`` maps points ``(n, d)`` to probabilities ``(n,)``, or to logits when
    ``logits=True`` (then the logs are computed stably as
    :math:`\log\sigma(l)` and :math:`\log\sigma(-l)`). Book: ``eq-value``.
    """
    _check_pair(p_r, p_g)
    _check_d(D, logits)

    def integrand(x):
        log_d, log_1md = _log_d(D, x, logits)
        return _xlogy_terms(p_r.log_prob(x), log_d) + _xlogy_terms(p_g.log_prob(x), log_1md)

    return _integrate(integrand, p_r, p_g)


def value_at_optimum(p_r: Distribution, p_g: Distribution) -> float:
    r"""The generator's criterion :math:`C(G) = L(G, D^*)`, left side of source eq. (14).

    Computed from eq. (6) with :math:`\log D^* = \log p_r - \log(p_r + p_g)`
    in log space. Its minimum over :math:`p_g` is :math:`-2\log 2`, reached at
    :math:`p_g = p_r` (eq. 15). Book: ``eq-value-js``.
    """
    _check_pair(p_r, p_g)

    def integrand(x):
        log_r, log_g = p_r.log_prob(x), p_g.log_prob(x)
        log_sum = np.logaddexp(log_r, log_g)
        return _xlogy_terms(log_r, log_r - log_sum) + _xlogy_terms(log_g, log_g - log_sum)

    return _integrate(integrand, p_r, p_g)


def value_from_js(js) -> np.ndarray:
    r"""Right side of source eq. (14): :math:`2\,\mathrm{JS} - 2\log 2`. Book: ``eq-value-js``."""
    return 2.0 * _real_array("js", js) - 2.0 * LOG2


def js_from_value(value_) -> np.ndarray:
    r"""Eq. (14) solved for JS: :math:`\mathrm{JS} = (L(G, D^*) + 2\log 2) / 2`.

    Applied to a *trained* discriminator this gives a lower bound on JS, since
    :math:`L(G, D) \le L(G, D^*)` for every :math:`D`.
    """
    return (_real_array("value", value_) + 2.0 * LOG2) / 2.0


# --- Equations (11)-(13): KL and JS ---------------------------------------------------------------


def kl_divergence(p: Distribution, q: Distribution) -> float:
    r"""Source eq. (11): :math:`\mathrm{KL}(p \| q) = \int p(x) \log \frac{p(x)}{q(x)}\,dx`, in nats.

    Non-negative, zero iff :math:`p = q`, not symmetric, and infinite when
    :math:`p` puts mass where :math:`q` has none. Book: ``eq-kl``.
    """
    _check_pair(p, q)
    return _integrate(lambda x: _xlogy_terms(p.log_prob(x), p.log_prob(x) - q.log_prob(x)), p, q)


def js_divergence(p: Distribution, q: Distribution) -> float:
    r"""Source eq. (12): :math:`\mathrm{JS}(p\|q) = \tfrac12\mathrm{KL}(p\|m) + \tfrac12\mathrm{KL}(q\|m)`,
    :math:`m = \tfrac12(p + q)`.

    Symmetric and bounded: :math:`0 \le \mathrm{JS} \le \log 2`, with
    :math:`\log 2` for disjoint supports. It is not a metric; its square root is
    (Endres & Schindelin 2003). Book: ``eq-js``.
    """
    _check_pair(p, q)

    def integrand(x):
        log_p, log_q = p.log_prob(x), q.log_prob(x)
        log_m = np.logaddexp(log_p, log_q) - LOG2
        with np.errstate(invalid="ignore"):  # -inf - (-inf) where a point has no mass: dropped by _xlogy_terms
            return 0.5 * _xlogy_terms(log_p, log_p - log_m) + 0.5 * _xlogy_terms(log_q, log_q - log_m)

    return _integrate(integrand, p, q)


def js_divergence_expanded(p_r: Distribution, p_g: Distribution) -> float:
    r"""Source eq. (13): JS written out,
    :math:`\log 2 + \tfrac12\left(\int p_r \log\frac{p_r}{p_r + p_g} + \int p_g \log\frac{p_g}{p_r + p_g}\right)`.

    (The source's last integrand has a typo, :math:`g_g(x)` for :math:`p_g(x)`.)
    Book: ``eq-js-expanded``.
    """
    return LOG2 + 0.5 * value_at_optimum(p_r, p_g)


def discriminator_gap(p_r: Distribution, p_g: Distribution, D: Discriminator, *, logits: bool = False) -> float:
    r"""Density-weighted mean :math:`\int \tfrac12(p_r + p_g)\,|D(x) - D^*(x)|\,dx`.

    How far a (trained) discriminator is from eq. (10), measured where the data
    lives. ``D`` as in :func:`value`.
    """
    _check_pair(p_r, p_g)
    _check_d(D, logits)

    def integrand(x):
        out = np.asarray(D(x), dtype=np.float64).reshape(-1)
        prob = expit(out) if logits else out
        weight = 0.5 * (p_r.pdf(x) + p_g.pdf(x))
        return weight * np.abs(prob - optimal_discriminator(p_r, p_g, x))

    return _integrate(integrand, p_r, p_g)
