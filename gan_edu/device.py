"""Where tensors live, how they get there and in which precision: ``"auto"`` picks CUDA,
then MPS, then CPU; :func:`to_device` copies host batches to a GPU without waiting for it.

Nothing here runs at import time, and nothing in the library needs a GPU; the
GPU paths (bf16 autocast, channels_last, torch.compile) are switches of
:class:`gan_edu.train.TrainConfig`.
"""

from __future__ import annotations

import contextlib

import torch

__all__ = ["resolve_device", "autocast", "to_device"]


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` -> the first available of CUDA, MPS, CPU; anything else as ``torch.device``."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'mps', got {device!r}") from error
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} requested but CUDA is not available")
    return resolved


def to_device(x: torch.Tensor, device: torch.device) -> torch.Tensor:
    """``x`` on ``device``; a CPU tensor bound for CUDA goes through pinned memory, asynchronously.

    A copy from ordinary (pageable) host memory makes the host wait until the GPU has
    finished all the work queued before it. Pinned (page-locked) memory lets the copy be
    queued like a kernel (``non_blocking=True``) and the host go on; PyTorch's pinned-memory
    cache keeps the source alive until the copy has run.
    """
    if device.type == "cuda" and x.device.type == "cpu":
        return x.pin_memory().to(device, non_blocking=True)
    return x.to(device)


def autocast(device: torch.device, precision: str = "fp32"):
    """A context manager: bf16 autocast for ``precision="bf16"``, a no-op for ``"fp32"``.

    Losses are still computed in fp32 where autocast's policy says so; the
    optimiser's master weights stay fp32 (autocast does not touch them).
    """
    if precision == "fp32":
        return contextlib.nullcontext()
    if precision == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    raise ValueError(f"precision must be 'fp32' or 'bf16', got {precision!r}")
