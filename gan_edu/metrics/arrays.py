"""Input checking shared by the metrics: anything array-like as a float64 numpy array."""

from __future__ import annotations

from typing import Sequence, Union

import numpy as np
import torch
from torch import Tensor

ArrayLike = Union[np.ndarray, Tensor, Sequence]  # what the metrics accept


def as_float64(value: ArrayLike, name: str, finite: bool = True) -> np.ndarray:
    """A tensor, array or sequence as a float64 numpy array; ValueError naming ``name`` if not numeric.

    With ``finite`` (the default) a NaN or infinite entry is an error too.
    """
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().double().numpy()
    try:
        raw = np.asarray(value)
        x = raw.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a numeric array, got {type(value).__name__}") from None
    if raw.dtype.kind in "bUS":
        raise ValueError(f"{name} must be numeric, got dtype {raw.dtype}")
    if finite:
        bad = ~np.isfinite(x)
        if bad.any():
            raise ValueError(f"{name} must be finite, got {int(bad.sum())} non-finite entries, "
                             f"e.g. {float(x[bad][0])!r}")
    return x
