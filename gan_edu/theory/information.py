r"""InfoGAN's variational bound, exactly, on a discrete joint distribution of a code and an output.

For a code c with K values and an output x with M values, a table ``joint[k, m]`` =
:math:`p(c = k, x = m)` holds everything: the mutual information

.. math:: I(c; x) = \sum_{k, m} p(k, m) \log \frac{p(k, m)}{p(k)\, p(m)} ,

and, for any conditional table ``q[k, m]`` = :math:`Q(c = k \mid x = m)` (each column sums
to 1), InfoGAN's lower bound (Chen et al. 2016, Lemma 5.1)

.. math:: L_I = \mathbb E_{p(c, x)} \log Q(c \mid x) + H(c)
          = I(c; x) - \mathbb E_{x} \mathrm{KL}\bigl(p(c \mid x) \,\|\, Q(c \mid x)\bigr) \le I(c; x),

with equality exactly when Q is the posterior p(c | x). A GAN's x is an image, so neither
side can be summed; on a table both can, which is how the InfoGAN chapter checks the bound.
"""

from __future__ import annotations

import numpy as np
from scipy.special import xlogy

__all__ = ["mutual_information", "information_bound", "posterior"]


def _table(name: str, value) -> np.ndarray:
    try:
        table = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 2-D array of probabilities, got {value!r}") from None
    if table.ndim != 2 or 0 in table.shape:
        raise ValueError(f"{name} must be a non-empty 2-D array (codes x outputs), got shape {table.shape}")
    if not np.isfinite(table).all() or (table < 0).any():
        raise ValueError(f"{name} must hold finite probabilities >= 0")
    return table


def _joint(joint) -> np.ndarray:
    joint = _table("joint", joint)
    if abs(joint.sum() - 1.0) > 1e-9:
        raise ValueError(f"joint must sum to 1, sums to {joint.sum()!r}")
    return joint


def posterior(joint) -> np.ndarray:
    """The true posterior p(c | x), ``(K, M)``: each column of ``joint`` divided by its sum
    (a column of an output that never occurs is left uniform)."""
    joint = _joint(joint)
    p_x = joint.sum(0, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(p_x > 0, joint / p_x, 1.0 / joint.shape[0])


def mutual_information(joint) -> float:
    """:math:`I(c; x)` in nats of the table ``joint[k, m] = p(c = k, x = m)`` (sums to 1)."""
    joint = _joint(joint)
    independent = joint.sum(1, keepdims=True) * joint.sum(0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(joint > 0, joint / np.where(independent > 0, independent, 1.0), 1.0)
    return float(xlogy(joint, ratio).sum())


def information_bound(joint, q) -> float:
    r"""InfoGAN's :math:`L_I = \mathbb E \log Q(c \mid x) + H(c)` in nats, for the table ``joint``
    and the conditional ``q[k, m] = Q(c = k | x = m)`` (same shape, columns sum to 1).

    It is at most :func:`mutual_information` of ``joint``, equal for ``q = posterior(joint)``;
    ``-inf`` if Q gives probability 0 to a pair that occurs.
    """
    joint = _joint(joint)
    q = _table("q", q)
    if q.shape != joint.shape:
        raise ValueError(f"q must have the shape of joint, {joint.shape}, got {q.shape}")
    sums = q.sum(0)
    if np.abs(sums - 1.0).max() > 1e-9:
        raise ValueError(f"each column of q must sum to 1 (Q(. | x) is a distribution), column sums {sums}")
    p_c = joint.sum(1)
    entropy = -float(xlogy(p_c, p_c).sum())
    with np.errstate(divide="ignore"):
        expected_log_q = float(xlogy(joint, q).sum()) if (q[joint > 0] > 0).all() else -np.inf
    return expected_log_q + entropy
