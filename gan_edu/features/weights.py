"""The packaged weights of the digit classifier: where they live, how they are loaded and checked.

The weights ``gan_edu/assets/digit_classifier.pt`` and their card
``digit_classifier.json`` (command, seed, torch version, held-out accuracy, SHA-256)
are package data, installed with ``gan_edu`` (``pyproject.toml``), written by
:data:`TRAIN_COMMAND` (:mod:`gan_edu.features.training`). :func:`load_digit_classifier`
reads them with ``torch.load(weights_only=True)``, checks every tensor against
:class:`~gan_edu.features.classifier.DigitClassifier`, and caches the default model.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import torch
from torch import Tensor

from ..device import resolve_device
from .classifier import DigitClassifier

__all__ = ["load_digit_classifier", "ASSETS", "DEFAULT_WEIGHTS", "DEFAULT_CARD", "TRAIN_COMMAND"]

ASSETS = Path(__file__).resolve().parents[1] / "assets"  # gan_edu/assets
DEFAULT_WEIGHTS = ASSETS / "digit_classifier.pt"
DEFAULT_CARD = ASSETS / "digit_classifier.json"
TRAIN_COMMAND = "python -m gan_edu.features --seed 0 --out gan_edu/assets/digit_classifier.pt"


def _regenerate_hint(path: Path) -> str:
    return (f"regenerate it with `python -m gan_edu.features --seed 0 --out {path} --force` "
            f"(the packaged file comes from `{TRAIN_COMMAND}`)")


def _load(path: Path, device: torch.device) -> DigitClassifier:
    if not path.is_file():
        raise FileNotFoundError(f"digit classifier weights {str(path)!r} not found; {_regenerate_hint(path)}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # truncated, not a torch file, an unsafe pickle, ...
        reason = f"{type(error).__name__}: {str(error).strip().splitlines()[0][:200]}"  # the full text is chained
        raise ValueError(f"digit classifier weights {str(path)!r} are corrupt or unreadable ({reason}); "
                         f"{_regenerate_hint(path)}") from error
    model = DigitClassifier()
    expected = model.state_dict()
    if not isinstance(state, dict) or state.keys() != expected.keys() or any(
            not isinstance(state[k], Tensor) or state[k].shape != v.shape for k, v in expected.items()):
        raise ValueError(f"digit classifier weights {str(path)!r} do not match DigitClassifier's parameters; "
                         f"{_regenerate_hint(path)}")
    if not all(torch.isfinite(v).all() for v in state.values()):
        raise ValueError(f"digit classifier weights {str(path)!r} hold non-finite values; {_regenerate_hint(path)}")
    model.load_state_dict(state)
    model.requires_grad_(False)
    return model.to(device).eval()


@lru_cache(maxsize=4)
def _load_default(device: torch.device) -> DigitClassifier:
    return _load(DEFAULT_WEIGHTS, device)


def load_digit_classifier(path: str | os.PathLike | None = None,
                          device: str | torch.device = "cpu") -> DigitClassifier:
    """The :class:`DigitClassifier` stored at ``path`` (default: the packaged weights), in eval mode
    with ``requires_grad`` off, read with ``torch.load(weights_only=True)``.

    The default model is loaded once per device and shared: do not train it in place.
    A missing file raises ``FileNotFoundError``; a corrupt file or one whose tensors
    do not fit the network raises ``ValueError``. Both name the path and the command
    that regenerates it.
    """
    if path is not None and (not isinstance(path, (str, os.PathLike)) or not os.fspath(path)):
        raise ValueError(f"path must be a file path (str or os.PathLike) or None, got {path!r}")
    device = resolve_device(device)
    if path is None:
        return _load_default(device)
    return _load(Path(path), device)
