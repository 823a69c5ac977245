r"""The analytic theory of the GAN game: source equations (6)-(15).

The source notes (section "Nash equilibrium") follow Goodfellow et al. (2014),
section 4: for a fixed generator the best discriminator is
:math:`D^* = p_r / (p_r + p_g)`, and plugging it into the value function gives
:math:`L(G, D^*) = 2\,\mathrm{JS}(p_r \| p_g) - 2\log 2`, minimal exactly when
:math:`p_g = p_r`. Every function here computes one of those objects.

Integrals over :math:`x` are computed by deterministic quadrature (composite
Gauss-Legendre, panels placed around every mixture component; a tensor product
in 2D) or, for :class:`~gan_edu.distributions.Categorical`, by exact finite
sums. Monte Carlo estimators with standard errors are given beside them so the
book can compare the two. All logarithms are natural (nats): the base only
rescales, see :func:`binary_objective_derivative`.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch
from scipy.special import expit, log_expit

from gan_edu.distributions import Categorical, GaussianMixture, as_points
from gan_edu.validation import integer, number

__all__ = [
    "LOG2",
    "binary_objective",
    "binary_objective_derivative",
    "binary_argmax",
    "optimal_discriminator",
    "optimal_logit",
    "integration_rule",
    "value",
    "value_at_optimum",
    "kl_divergence",
    "js_divergence",
    "js_divergence_expanded",
    "value_from_js",
    "js_from_value",
    "discriminator_gap",
    "kl_divergence_mc",
    "js_divergence_mc",
    "value_mc",
]

LOG2 = math.log(2.0)
Distribution = GaussianMixture | Categorical
Discriminator = Callable[[np.ndarray], np.ndarray]

# Quadrature settings: panels of half a standard deviation (1D) or one (2D)
# out to 14 (1D) or 10 (2D) standard deviations around every component, with a
# Gauss-Legendre rule of the given order on each panel. Beyond 10 sigma a
# Gaussian density is below 1e-22 of its peak.
_RULES = {1: dict(half_width=14.0, panel=0.5, order=20), 2: dict(half_width=10.0, panel=1.0, order=10)}
_CHUNK = 200_000


# --- Equations (7)-(9): the pointwise maximisation behind D* -----------------------------


def _real_array(name: str, value) -> np.ndarray:
    """``value`` as a float64 array; ValueError naming ``name`` for bools, non-numbers and NaN."""
    try:
        raw = np.asarray(value)
        array = raw.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number or array, got {value!r}") from None
    if raw.dtype.kind in "bcUS":  # True or "1" would silently mean 1.0; a complex number loses its imaginary part
        raise ValueError(f"{name} must be a real number or array, got {value!r}")
    if np.isnan(array).any():
        raise ValueError(f"{name} must not be NaN, got {value!r}")
    return array


def _first(array: np.ndarray, bad: np.ndarray) -> float:
    """The first entry of ``array`` where ``bad`` holds, as a float (for messages)."""
    return float(np.broadcast_to(array, bad.shape)[bad].flat[0])


def _check_ab(A, B) -> tuple[np.ndarray, np.ndarray]:
    A, B = _real_array("A", A), _real_array("B", B)
    for name, array in (("A", A), ("B", B)):
        bad = ~np.isfinite(array) | (array < 0)
        if bad.any():
            raise ValueError(f"{name} must be finite and non-negative, got {_first(array, bad)!r}")
    total = A + B
    if np.any(total <= 0):
        raise ValueError(f"A + B must be positive, got {_first(total, total <= 0)!r}")
    return A, B


def _in_unit_interval(x) -> np.ndarray:
    x = _real_array("x", x)
    bad = ~((x > 0) & (x < 1))
    if bad.any():
        raise ValueError(f"x must lie in the open interval (0, 1), got {_first(x, bad)!r}")
    return x


def binary_objective(x, A, B) -> np.ndarray:
    r"""Source eq. (7): :math:`f(x) = A \log x + B \log(1 - x)` on :math:`0 < x < 1`.

    Pointwise, the value function (6) is this with :math:`A = p_r(x)`,
    :math:`B = p_g(x)` and :math:`x = D(x)`. Book: ``eq-binary-objective``.
    """
    A, B = _check_ab(A, B)
    x = _in_unit_interval(x)
    return A * np.log(x) + B * np.log1p(-x)


def binary_objective_derivative(x, A, B, base: float = math.e) -> np.ndarray:
    r"""Source eq. (8): :math:`f'(x) = \frac{1}{\ln b}\,\frac{A - (A + B)x}{x(1 - x)}`.

    With ``base=10`` this is the source's formula (logarithms base 10); with the
    natural log (the default, used everywhere else in the book) the factor
    :math:`1/\ln b` is 1. The base only rescales :math:`f'`; its zero, eq. (9),
    is the same. Book: ``eq-binary-derivative``.
    """
    A, B = _check_ab(A, B)
    base = number("base", base, minimum=0, strict_minimum=True)
    if base == 1:
        raise ValueError(f"base must be positive, finite and not 1, got {base!r}")
    x = _in_unit_interval(x)
    return (A - (A + B) * x) / (x * (1 - x)) / math.log(base)


def binary_argmax(A, B) -> np.ndarray:
    r"""Source eq. (9): the maximiser :math:`x^* = A / (A + B)` of eq. (7).

    Valid for :math:`A, B \ge 0` with :math:`A + B > 0`: there
    :math:`f''(x) = -A/x^2 - B/(1-x)^2 < 0`, so the stationary point is the
    unique maximum (at :math:`A = 0` or :math:`B = 0` the supremum sits on the
    boundary, 0 or 1). Book: ``eq-binary-argmax``.
    """
    A, B = _check_ab(A, B)
    return A / (A + B)


# --- Equation (10): the optimal discriminator ---------------------------------------------


def _check_pair(p_r: Distribution, p_g: Distribution) -> int:
    for name, dist in (("p_r", p_r), ("p_g", p_g)):
        if not isinstance(dist, (GaussianMixture, Categorical)):
            raise ValueError(f"{name} must be a GaussianMixture or Categorical, got {type(dist).__name__}")
    if type(p_r) is not type(p_g):
        raise ValueError("p_r and p_g must be of the same kind (both mixtures or both categorical)")
    if p_r.dim != p_g.dim:
        raise ValueError(f"p_r and p_g must have the same dimension, got {p_r.dim} and {p_g.dim}")
    if isinstance(p_r, Categorical) and len(p_r.probs) != len(p_g.probs):
        raise ValueError("p_r and p_g must have the same number of categories")
    return p_r.dim


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


# --- Quadrature ------------------------------------------------------------------------------


def _axis_nodes(centres: np.ndarray, scales: np.ndarray, half_width: float, panel: float, order: int):
    """Composite Gauss-Legendre nodes and weights on one axis."""
    steps = np.arange(-half_width, half_width + 1e-12, panel)
    breaks = np.unique(np.concatenate([c + s * steps for c, s in zip(centres, scales)]))
    # Merge breakpoints closer than 1e-6 of the smallest scale: zero-width panels add nothing.
    breaks = breaks[np.concatenate([[True], np.diff(breaks) > 1e-6 * scales.min()])]
    t, w = np.polynomial.legendre.leggauss(order)
    a, b = breaks[:-1, None], breaks[1:, None]
    nodes = (0.5 * (b - a) * t + 0.5 * (a + b)).ravel()
    weights = (0.5 * (b - a) * w).ravel()
    return nodes, weights


def integration_rule(*distributions: Distribution) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``(n, d)`` and weights ``(n,)`` integrating functions that live on these densities.

    For :class:`Categorical` the rule is the support with unit weights (sums are
    exact). For mixtures in 1D and 2D it is composite Gauss-Legendre with panels
    around every component of every distribution; for more dimensions use the
    Monte Carlo estimators (:func:`kl_divergence_mc`, ...).
    """
    if not distributions:
        raise ValueError("distributions must hold at least one GaussianMixture or Categorical, got none")
    for i, dist in enumerate(distributions):
        if not isinstance(dist, type(distributions[0])) or not isinstance(dist, (GaussianMixture, Categorical)):
            raise ValueError(f"distributions must all be GaussianMixtures or all Categoricals, "
                             f"got {type(dist).__name__} at position {i}")
        if dist.dim != distributions[0].dim:
            raise ValueError(f"distributions must share one dimension, got {distributions[0].dim} and {dist.dim}")
    if isinstance(distributions[0], Categorical):
        return distributions[0].support, np.ones(len(distributions[0].probs))
    dim = distributions[0].dim
    if dim > 2:
        raise ValueError(f"quadrature supports dimension 1 or 2, got {dim}; use the *_mc estimators")
    settings = _RULES[dim]
    means = np.concatenate([d.means for d in distributions])  # (K, d)
    stds = np.concatenate([d.stds for d in distributions])  # (K,)
    axes = [_axis_nodes(means[:, i], stds, **settings) for i in range(dim)]
    if dim == 1:
        return axes[0][0][:, None], axes[0][1]
    (x0, w0), (x1, w1) = axes
    grid = np.stack(np.meshgrid(x0, x1, indexing="ij"), -1).reshape(-1, 2)
    return grid, np.outer(w0, w1).ravel()


def _integrate(integrand: Callable[[np.ndarray], np.ndarray], *distributions: Distribution) -> float:
    """:math:`\\int g(x)\\,dx` with the rule of :func:`integration_rule`, in chunks."""
    nodes, weights = integration_rule(*distributions)
    total = 0.0
    for start in range(0, len(weights), _CHUNK):
        values = integrand(nodes[start : start + _CHUNK])
        total += float(np.dot(values, weights[start : start + _CHUNK]))
    return total


def _xlogy_terms(log_p: np.ndarray, log_ratio: np.ndarray) -> np.ndarray:
    """:math:`p \\cdot r` with the convention :math:`0 \\cdot (\\pm\\infty) = 0`."""
    p = np.exp(log_p)
    with np.errstate(invalid="ignore"):
        return np.where(p > 0, p * log_ratio, 0.0)


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


# --- Monte Carlo estimators (any dimension), with standard errors -------------------------------


def _mc_samples(dist: Distribution, n: int, generator) -> np.ndarray:
    n = integer("n", n, minimum=2)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise ValueError(f"generator must be a torch.Generator or None, got {generator!r}")
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

