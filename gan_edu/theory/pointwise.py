r"""Source equations (7)-(9): the pointwise maximisation behind D*.

At each x the value function (6) is :math:`A \log D + B \log(1 - D)` with :math:`A = p_r(x)`, :math:`B = p_g(x)`;
its maximiser :math:`A / (A + B)` is the optimal discriminator.
"""

from __future__ import annotations

import math

import numpy as np

from ..validation import number

__all__ = ["binary_objective", "binary_objective_derivative", "binary_argmax"]


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
