"""MNIST, Fashion-MNIST and CIFAR-10 for readers with internet: downloads checked against published digests.

* :data:`CHECKSUMS` -- the published digest of every file; :func:`verify_file` checks one.
* :func:`fetch` -- a verified file from the cache (default ``~/.cache/gan_edu``),
  downloaded first if it is missing. A download enters the cache only once its digest
  matches (written with :func:`gan_edu.files.atomic_write`), so a failed, cut or
  forged download leaves the cache as it was.
* :func:`load_mnist` (LeCun et al. 1998), :func:`load_fashion_mnist` (Xiao et al. 2017)
  and :func:`load_cifar10` (Krizhevsky 2009) -- the parsed files
  (:mod:`gan_edu.data.formats`) as an :class:`~gan_edu.data.ImageDataset` in [-1, 1].

Only the standard library touches the network (``urllib``). The offline default of
the book is :class:`gan_edu.data.Digits`.
"""

from __future__ import annotations

import hashlib
import os
import urllib.request
from pathlib import Path
from typing import Iterator

import numpy as np
import torch

from ..files import atomic_write
from ..validation import choice
from .dataset import ImageDataset
from .formats import read_cifar_batches, read_idx

__all__ = ["CHECKSUMS", "DEFAULT_ROOT", "verify_file", "fetch", "load_mnist", "load_fashion_mnist", "load_cifar10"]

DEFAULT_ROOT = Path("~/.cache/gan_edu")
SPLITS = ("train", "test")

# The published digest of each file, keyed by its path under ``root``: (hashlib algorithm, hex).
# The SHA-256s are those other loaders check (Keras and torchvision's prototype datasets for
# CIFAR-10 and Fashion-MNIST, many MNIST readers); not recomputed here. torchvision's stable
# loaders check MD5s of the same files (MNIST train images f68b3c2d..., Fashion-MNIST
# 8d4fb7e6..., CIFAR-10 c58f3010...). A file published with an MD5 only would be entered
# as ("md5", digest).
CHECKSUMS: dict[str, tuple[str, str]] = {name: ("sha256", digest) for name, digest in {
    "mnist/train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "mnist/train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "mnist/t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "mnist/t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    "fashion_mnist/train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "fashion_mnist/train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "fashion_mnist/t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "fashion_mnist/t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    "cifar10/cifar-10-python.tar.gz": "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
}.items()}
_URLS = {
    "mnist": "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "fashion_mnist": "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "cifar10": "https://www.cs.toronto.edu/~kriz/",
}
_IDX_FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
              "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}
_CHUNK = 1 << 20


def _check_digest(digest, name: str, source) -> None:
    """ValueError naming ``source`` and ``name`` unless ``digest`` is the published one of ``name``."""
    algorithm, expected = CHECKSUMS[name]
    if digest.hexdigest() != expected.lower():
        raise ValueError(f"{source}: {algorithm} is {digest.hexdigest()}, expected {expected} for {name}; "
                         "the file is corrupt or not the published one")


def verify_file(path: str | os.PathLike, name: str) -> None:
    """Check ``path`` against ``CHECKSUMS[name]``, the published digest of the file (SHA-256;
    MD5 where only an MD5 is published). A mismatch raises ``ValueError`` naming the file."""
    name = choice("name", name, sorted(CHECKSUMS))
    digest = hashlib.new(CHECKSUMS[name][0])
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    _check_digest(digest, name, path)


def _root(root: str | os.PathLike) -> Path:
    """The cache directory ``root`` as a Path; ValueError naming it unless it is a non-empty path."""
    if not isinstance(root, (str, os.PathLike)) or not os.fspath(root):
        raise ValueError(f"root must be a directory path (str or os.PathLike), got {root!r}")
    return Path(root).expanduser()


def _flag(name: str, value: bool) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be a bool, got {value!r}")
    return value


def fetch(name: str, root: str | os.PathLike = DEFAULT_ROOT, download: bool = True) -> Path:
    """The verified file ``root/name``, downloaded from its source first if it is missing.

    A download is hashed as it is written to a temporary file beside the target and
    renamed onto it only once its digest matches, so a failed or refused download
    leaves the cache as it was; a file already in the cache that does not match is
    refused, not deleted. Without a network the ``RuntimeError`` says so and names the URL.
    """
    name = choice("name", name, sorted(CHECKSUMS))
    path = _root(root) / name
    _flag("download", download)
    dataset, filename = name.split("/")
    url = _URLS[dataset] + filename

    def offline(error: OSError) -> RuntimeError:
        return RuntimeError(f"downloading {url} failed ({error}). This data set needs an internet connection; "
                            f"gan_edu.data.Digits works offline, or put {filename} into {path.parent} by hand.")

    if path.exists():
        verify_file(path, name)
        return path
    if not download:
        raise FileNotFoundError(f"{path} is missing; download it from {url} or pass download=True")
    try:
        response = urllib.request.urlopen(url, timeout=60)
    except OSError as error:  # urllib.error.URLError is an OSError
        raise offline(error) from error

    def chunks() -> Iterator[bytes]:
        while True:
            try:
                chunk = response.read(_CHUNK)
            except OSError as error:  # the connection dropped mid-way
                raise offline(error) from error
            if not chunk:
                return
            yield chunk

    digest = hashlib.new(CHECKSUMS[name][0])
    with response, atomic_write(path) as out:
        for chunk in chunks():
            out.write(chunk)
            digest.update(chunk)
        _check_digest(digest, name, url)  # raising here removes the download: nothing enters the cache
    return path


def _to_dataset(images: np.ndarray, labels: np.ndarray) -> ImageDataset:
    pixels = torch.from_numpy(images.astype(np.float32))
    return ImageDataset(pixels / 255 * 2 - 1, torch.from_numpy(labels.astype(np.int64)))


def _load_idx(dataset: str, root, split: str, download: bool) -> ImageDataset:
    split = choice("split", split, SPLITS)
    _root(root), _flag("download", download)
    image_file, label_file = (fetch(f"{dataset}/{name}", root, download) for name in _IDX_FILES[split])
    images, labels = read_idx(image_file, 0x00000803), read_idx(label_file, 0x00000801)
    if len(images) != len(labels):
        raise ValueError(f"{image_file}: {len(images)} images but {label_file} has {len(labels)} labels")
    return _to_dataset(images[:, None], labels)  # (N, 1, 28, 28)


def load_mnist(root: str | os.PathLike = DEFAULT_ROOT, split: str = "train",
               download: bool = True) -> ImageDataset:
    """MNIST (LeCun et al. 1998): 60,000 train / 10,000 test images ``(N, 1, 28, 28)`` in [-1, 1]."""
    return _load_idx("mnist", root, split, download)


def load_fashion_mnist(root: str | os.PathLike = DEFAULT_ROOT, split: str = "train",
                       download: bool = True) -> ImageDataset:
    """Fashion-MNIST (Xiao et al. 2017): MNIST's format with ten kinds of clothing."""
    return _load_idx("fashion_mnist", root, split, download)


def load_cifar10(root: str | os.PathLike = DEFAULT_ROOT, split: str = "train",
                 download: bool = True) -> ImageDataset:
    """CIFAR-10 (Krizhevsky 2009): 50,000 train / 10,000 test images ``(N, 3, 32, 32)`` in [-1, 1]."""
    split = choice("split", split, SPLITS)
    _root(root), _flag("download", download)
    archive = fetch("cifar10/cifar-10-python.tar.gz", root, download)
    names = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
    return _to_dataset(*read_cifar_batches(archive, names))
