"""Helpers for the book's notebooks: numbers handed to the chapter pages.

:func:`glue` stores a value computed by a notebook under a name, so that a chapter page
quotes it with ``{glue:text}`name:.1f``` instead of a copied digit: page and notebook
cannot disagree. It is ``myst_nb.glue`` where myst-nb is installed (the book build);
elsewhere (e.g. Colab, where only ``gan_edu`` is installed) it does nothing, since the
cell prints the same value anyway.
"""

from __future__ import annotations

__all__ = ["glue"]


def glue(name: str, value, display: bool = False) -> None:
    """``myst_nb.glue(name, value, display)`` when myst-nb is importable, else nothing."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"name must be a non-empty str, got {name!r}")
    if not isinstance(display, bool):
        raise ValueError(f"display must be a bool, got {display!r}")
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        value = value.item()  # a NumPy or torch scalar: its repr would be np.float64(...), not a number
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # a reader's environment without the book's tools
        return
    myst_glue(name, value, display)
