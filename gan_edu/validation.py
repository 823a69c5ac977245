"""Argument checks shared by the whole library: one wording, one notion of "an integer".

Every config and constructor of ``gan_edu`` checks its arguments with these functions,
so a bad value always raises ``ValueError`` with the same kind of message, naming the
parameter and the value (``width must be an integer >= 1, got 0``; STYLE.md, guideline 4).
``ValueError`` is raised for wrong types too (not ``TypeError``): for a reader, a width
of ``"64"`` and a width of ``0`` are the same mistake.

What counts as a number follows :mod:`numbers`: an integer is any
:class:`numbers.Integral` (``int``, ``numpy.int64``, ...), a real number any
:class:`numbers.Real` (also ``numpy.float32``). ``bool`` is an ``int`` subclass in
Python, so ``width=True`` would silently mean a width of 1; it is rejected everywhere.
Each check returns the value converted to a plain ``int`` or ``float``.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Iterable, TypeVar

__all__ = ["integer", "number", "choice", "random_generator"]

T = TypeVar("T")


def integer(name: str, value: Any, minimum: int | None = 1) -> int:
    """``value`` as an ``int``, if it is an integer (not a bool) and ``>= minimum``.

    ``minimum=None`` accepts every integer (a seed, say). Otherwise raises
    ``ValueError("NAME must be an integer >= MINIMUM, got VALUE")``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or (
            minimum is not None and value < minimum):
        bound = "" if minimum is None else f" >= {minimum}"
        raise ValueError(f"{name} must be an integer{bound}, got {value!r}")
    return int(value)


def _describe(minimum: float | None, maximum: float | None, strict_minimum: bool, strict_maximum: bool) -> str:
    """The range in words: ``" > 0"``, ``" <= 1"``, ``" in [0, 1)"`` or ``""``."""
    if minimum is not None and maximum is not None:
        return f" in {'(' if strict_minimum else '['}{minimum:g}, {maximum:g}{')' if strict_maximum else ']'}"
    if minimum is not None:
        return f" {'>' if strict_minimum else '>='} {minimum:g}"
    if maximum is not None:
        return f" {'<' if strict_maximum else '<='} {maximum:g}"
    return ""


def number(name: str, value: Any, *, minimum: float | None = None, maximum: float | None = None,
           strict_minimum: bool = False, strict_maximum: bool = False, finite: bool = True) -> float:
    """``value`` as a ``float``, if it is a real number (not a bool) in the given range.

    ``minimum`` / ``maximum`` bound it, inclusively unless ``strict_minimum`` /
    ``strict_maximum``. NaN is always rejected; ``finite=True`` (the default) rejects
    ``inf`` too. Otherwise raises ``ValueError`` like ``"lr must be a finite number > 0,
    got 0.0"`` or ``"dropout must be a finite number in [0, 1), got 1.0"``.
    """
    ok = not isinstance(value, bool) and isinstance(value, numbers.Real) and not math.isnan(value)
    if ok and finite:
        ok = math.isfinite(value)
    if ok and minimum is not None:
        ok = value > minimum if strict_minimum else value >= minimum
    if ok and maximum is not None:
        ok = value < maximum if strict_maximum else value <= maximum
    if not ok:
        kind = "a finite number" if finite else "a number"
        raise ValueError(f"{name} must be {kind}{_describe(minimum, maximum, strict_minimum, strict_maximum)}, "
                         f"got {value!r}")
    return float(value)


def _kind(value: Any) -> type:
    """What a value is, for :func:`choice`: a bool, an integer, another real number, or anything else."""
    for kind in (bool, numbers.Integral, numbers.Real):
        if isinstance(value, kind):
            return kind
    return object


def choice(name: str, value: Any, options: Iterable[T]) -> T:
    """The option equal to ``value``; ``ValueError("NAME must be one of OPTIONS, got VALUE")`` if none is.

    Equal means ``==`` between values of one kind: ``True`` does not pick the option
    ``1`` and ``16.0`` does not pick ``16``, while ``numpy.int64(16)`` does (and the
    plain ``16`` is returned).
    """
    options = tuple(options)
    for option in options:
        if _kind(value) is _kind(option):
            try:
                if bool(value == option):
                    return option
            except (TypeError, ValueError):  # an array, say: == is not one truth value
                continue
    raise ValueError(f"{name} must be one of {options}, got {value!r}")


def random_generator(name: str, value: Any):
    """``value`` if it is a ``torch.Generator`` or None (draw from torch's global generator);
    ``ValueError("NAME must be a torch.Generator or None, got VALUE")`` otherwise."""
    import torch  # here, so that the checks above stay importable without torch

    if value is not None and not isinstance(value, torch.Generator):
        raise ValueError(f"{name} must be a torch.Generator or None, got {value!r}")
    return value
