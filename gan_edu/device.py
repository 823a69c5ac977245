"""Where tensors live, how they get there and in which precision: ``"auto"`` picks CUDA,
then MPS, then CPU; :func:`to_device` copies host batches to a GPU without waiting for it.

Nothing here runs at import time, and nothing in the library needs a GPU; the
GPU paths (bf16 autocast, channels_last, torch.compile) are switches of
:class:`gan_edu.train.TrainConfig`.
"""

from __future__ import annotations

import contextlib

import torch

__all__ = ["resolve_device", "autocast", "to_device", "place_data", "eager", "evaluating", "standard_layout_where_asked"]


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
    if not isinstance(device, torch.device):
        raise ValueError(f"device must be a torch.device (see resolve_device), got {device!r}")
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


class _DeviceImages:
    """An in-memory :class:`~gan_edu.data.ImageDataset` copied to a CUDA device once.

    Each batch is then gathered on the device: per step only the ``n`` indices cross
    the bus (pinned, asynchronously) instead of ``n`` images. The indices are drawn as
    ``ImageDataset.sample`` draws them (``torch.randint`` on the CPU generator), so the
    batches, and the generator's state in checkpoints, are those of a CPU run.
    """

    def __init__(self, data, device: torch.device) -> None:
        self.images = data.images.to(device)  # (N, C, H, W), once
        self.device = device

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        index = torch.randint(len(self.images), (n,), generator=generator)  # (n,), on the CPU
        return self.images[to_device(index, self.device)]  # (n, C, H, W)


# An ImageDataset larger than this share of the GPU's memory stays on the CPU.
_MAX_DEVICE_DATA_FRACTION = 0.25


def place_data(data, device: torch.device):
    """The data as the trainer samples them: an ``ImageDataset`` that fits moves to the GPU once."""
    from .data import ImageDataset

    if (device.type == "cuda" and isinstance(data, ImageDataset)
            and type(data).sample is ImageDataset.sample):  # a subclass's own sampling is kept
        size = data.images.numel() * data.images.element_size()
        if size <= _MAX_DEVICE_DATA_FRACTION * torch.cuda.get_device_properties(device).total_memory:
            return _DeviceImages(data, device)
    return data


@contextlib.contextmanager
def eager(active: bool):
    """Run compiled modules eagerly inside the block (sampling: eval mode, other shapes)."""
    if active and hasattr(torch.compiler, "set_stance"):
        with torch.compiler.set_stance("force_eager"):
            yield
    else:
        yield


@contextlib.contextmanager
def evaluating(modules):
    """Put ``modules`` in eval mode inside the block, and each back in its own mode after it."""
    modes = [(m, m.training) for m in modules]
    for module, _ in modes:
        module.training = False
    try:
        yield
    finally:
        for module, mode in modes:
            module.training = mode


def standard_layout_where_asked(model: torch.nn.Module) -> None:
    """Put back in the standard layout the parameters of layers marked ``standard_layout = True``.

    A layer whose input is 1x1 (the first layer of a DCGAN generator) gains nothing from
    channels_last, and compiling it with a channels_last weight failed on CUDA: inductor
    expected channels_last strides for the weight's gradient, cuDNN returned standard ones.
    """
    for module in model.modules():
        if getattr(module, "standard_layout", False):
            for p in module.parameters(recurse=False):
                p.data = p.data.contiguous()
