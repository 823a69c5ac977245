"""Parsers of the published files of MNIST-like and CIFAR data sets, standard library only.

* :func:`read_idx` -- the IDX format of MNIST (LeCun et al. 1998) and Fashion-MNIST
  (Xiao et al. 2017), gzipped or raw.
* :func:`read_cifar_batches` -- the pickled batches of CIFAR-10 (Krizhevsky 2009)
  in its python ``tar.gz``, unpickled with an allow-list (a pickle can run any code).

No torchvision: the formats are simple enough to read here, and a truncated or
foreign file raises ``ValueError`` naming the file instead of returning garbage.
"""

from __future__ import annotations

import gzip
import io
import os
import pickle
import struct
import tarfile
import zlib

import numpy as np

from ..validation import integer

__all__ = ["read_idx", "read_cifar_batches"]


def read_idx(path: str | os.PathLike, magic: int | None = None) -> np.ndarray:
    """The uint8 array in an IDX file (LeCun's MNIST format), gzipped or raw.

    Header: magic ``0x0000 08 nd`` (type 0x08 = unsigned byte, ``nd`` dimensions:
    0x00000803 for images, 0x00000801 for labels), then ``nd`` big-endian uint32
    sizes, then the data. A wrong ``magic`` or a truncated file raises ``ValueError``.
    """
    if magic is not None:
        magic = integer("magic", magic, minimum=0)
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
        if raw[:2] == b"\x1f\x8b":  # the gzip signature
            raw = gzip.decompress(raw)
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise ValueError(f"{path}: corrupt gzip data ({error})") from error
    if len(raw) < 4:
        raise ValueError(f"{path}: truncated IDX file, {len(raw)} bytes")
    (found,) = struct.unpack(">I", raw[:4])
    if (magic is not None and found != magic) or found >> 8 != 0x08:
        wanted = f"0x{magic:08x}" if magic is not None else "0x000008nn"
        raise ValueError(f"{path}: IDX magic number is 0x{found:08x}, expected {wanted}")
    ndim = found & 0xFF
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    if len(raw) - header != int(np.prod(shape)):
        raise ValueError(f"{path}: truncated IDX file, {len(raw) - header} data bytes for shape {shape}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


class _BatchUnpickler(pickle.Unpickler):
    # A pickle can run any code; a CIFAR batch needs only numpy's array reconstruction.
    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}

    def find_class(self, module: str, name: str):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return super().find_class(module, name)


def read_cifar_batches(archive: str | os.PathLike, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(N, 3, 32, 32)`` uint8 and labels ``(N,)`` from the pickled batches ``names``
    (``data_batch_1`` ... ``data_batch_5``, ``test_batch``) of a CIFAR-10 python tar.gz.
    Each batch is a dict with ``b"data"`` ``(n, 3072)`` uint8 (R, G, B planes) and ``b"labels"``."""
    if isinstance(names, str) or not all(isinstance(n, str) for n in names) or not names:
        raise ValueError(f"names must be a non-empty list of batch names like ['data_batch_1'], got {names!r}")
    images, labels = [], []
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for name in names:
                member = tar.extractfile(f"cifar-10-batches-py/{name}")
                batch = _BatchUnpickler(io.BytesIO(member.read()), encoding="bytes").load()
                data = np.asarray(batch[b"data"])
                if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072 \
                        or len(batch[b"labels"]) != len(data):
                    raise ValueError(f"{archive}: batch {name} has data {data.dtype} {data.shape} "
                                     f"and {len(batch[b'labels'])} labels")
                images.append(data.reshape(-1, 3, 32, 32))
                labels.append(np.asarray(batch[b"labels"], dtype=np.int64))
    except (tarfile.TarError, EOFError, zlib.error, KeyError, pickle.UnpicklingError, TypeError) as error:
        raise ValueError(f"{archive}: corrupt or truncated CIFAR archive ({error!r})") from error
    return np.concatenate(images), np.concatenate(labels)
