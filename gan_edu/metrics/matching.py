r"""Matching unsupervised codes to classes: the accuracy of a code that was never told the labels.

An InfoGAN's categorical code takes K values in whatever order training gave them: code 3
need not draw a 3. To score it as a classifier (Chen et al. 2016, §7.1, on MNIST) each
code value is matched to one class, one to one, so that the matched counts are as large as
possible -- a linear assignment problem (the Hungarian algorithm,
``scipy.optimize.linear_sum_assignment``) on the table ``counts[code, class]`` -- and the
accuracy is the matched share of all samples. The same matching scores clusterings
(the "unsupervised clustering accuracy").
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.optimize import linear_sum_assignment

from .arrays import ArrayLike, as_float64

__all__ = ["CodeMatching", "match_codes"]


class CodeMatching(NamedTuple):
    """``accuracy`` (matched share of all samples), ``classes`` (``classes[k]``: the class matched
    to code value k) and ``counts`` (the table ``(K, K)`` it was computed from)."""

    accuracy: float
    classes: np.ndarray
    counts: np.ndarray


def match_codes(counts: ArrayLike) -> CodeMatching:
    """The one-to-one matching of code values (rows) to classes (columns) of ``counts`` ``(K, K)``
    -- how often samples of code k were labelled class j -- that maximises the matched counts."""
    table = as_float64(counts, "counts")
    if table.ndim != 2 or table.shape[0] != table.shape[1] or table.shape[0] < 2:
        raise ValueError(f"counts must be a square table (K, K) with K >= 2, got shape {table.shape}")
    if (table < 0).any() or table.sum() == 0:
        raise ValueError("counts must be non-negative with a positive total")
    rows, cols = linear_sum_assignment(table, maximize=True)
    classes = np.empty(len(table), dtype=np.int64)
    classes[rows] = cols
    return CodeMatching(float(table[rows, cols].sum() / table.sum()), classes, table)
