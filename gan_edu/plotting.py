"""The book's figure style: legible at the size a page displays it, sharp on a 2x screen.

A chapter's text column is about 672 CSS pixels wide on a desktop (7.0 in at 96 px/in).
A figure drawn :data:`MAX_WIDTH` inches wide or less is shown at about its natural size,
so a font of 9.5 pt in the figure is at least 9 pt on the page; at ``figure.dpi`` 144 its
PNG has 1.5 pixels per CSS pixel, sharp on most high-density screens at a moderate file
size.
Wider figures shrink in the column and their text with them: put at most three panels in
a row and make a second row instead.
"""

from __future__ import annotations

import matplotlib

__all__ = ["BOOK_STYLE", "MAX_WIDTH", "use_book_style"]

MAX_WIDTH = 7.0  # inches: the text column at 96 px/in
BOOK_STYLE = {
    "figure.dpi": 144,
    "savefig.dpi": 144,
    "figure.figsize": (6.4, 3.4),
    "font.size": 10.5,
    "axes.titlesize": 10.5,
    "axes.labelsize": 10.5,
    "legend.fontsize": 9.5,
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 9.5,
    "figure.titlesize": 11,
    "legend.framealpha": 0.85,
}


def use_book_style() -> None:
    """Set :data:`BOOK_STYLE` in matplotlib's rcParams (every notebook calls this once)."""
    matplotlib.rcParams.update(BOOK_STYLE)
