"""Image data sets for the image chapters: p_r as something the trainer can sample.

* :class:`Digits` -- the offline default: the 1,797 8x8 handwritten digits that
  scikit-learn ships (the UCI optical digits of Alpaydin & Kaynak 1998), scaled
  to [-1, 1], optionally upsampled to 16 or 32 pixels, with a seeded held-out split.
* :class:`StackedDigits` -- three digits as the three colour channels, 1,000
  modes: the Stacked MNIST benchmark of mode collapse (Metz et al. 2017; VEEGAN,
  Srivastava et al. 2017; PacGAN, Lin et al. 2018) built from :class:`Digits`.
* :func:`load_mnist`, :func:`load_fashion_mnist`, :func:`load_cifar10` -- MNIST
  (LeCun et al. 1998), Fashion-MNIST (Xiao et al. 2017) and CIFAR-10
  (Krizhevsky 2009) for readers with internet, as an :class:`ImageDataset`.

Every data set here satisfies the trainer's ``DataSource`` protocol:
``sample(n, generator)`` draws ``n`` images with replacement with
``torch.randint`` and the given ``torch.Generator``, so a run stays reproducible.
Images are float32 ``(N, C, H, W)`` in [-1, 1], the range of a tanh generator.

Downloads need nothing but the standard library: IDX files and CIFAR pickle
batches are parsed here, without torchvision.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import struct
import tarfile
import tempfile
import urllib.request
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import Dataset

__all__ = [
    "Digits", "StackedDigits", "stacked_modes", "ImageDataset", "load_mnist", "load_fashion_mnist",
    "load_cifar10", "read_idx", "read_cifar_batches", "verify_file", "fetch", "CHECKSUMS", "DEFAULT_ROOT",
]

DEFAULT_ROOT = Path("~/.cache/gan_edu")
DIGIT_SIZES = (8, 16, 32)
SPLITS = ("train", "test", "all")


def _check_n(n) -> int:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    return int(n)


def _draw(images: Tensor, n: int, generator: torch.Generator | None) -> Tensor:
    n = _check_n(n)
    if len(images) == 0:
        raise ValueError("cannot sample from an empty data set")
    index = torch.randint(len(images), (n,), generator=generator)
    return images[index]


@lru_cache(maxsize=1)
def _sklearn_digits() -> tuple[Tensor, Tensor]:
    from sklearn.datasets import load_digits  # bundled with scikit-learn: no download

    bunch = load_digits()
    pixels = torch.as_tensor(bunch.data, dtype=torch.float32).view(-1, 1, 8, 8)  # (1797, 1, 8, 8), 0..16
    return pixels / 16 * 2 - 1, torch.as_tensor(bunch.target, dtype=torch.int64)


def _split_indices(labels: Tensor, split: str, test_fraction: float, seed: int) -> Tensor:
    """Stratified: of each digit's n_c images, round(test_fraction * n_c) go to the test set."""
    if split == "all":
        return torch.arange(len(labels))
    generator = torch.Generator().manual_seed(seed)
    test = []
    for digit in range(10):
        members = torch.nonzero(labels == digit).flatten()
        chosen = members[torch.randperm(len(members), generator=generator)]
        test.append(chosen[: round(test_fraction * len(members))])
    is_test = torch.zeros(len(labels), dtype=torch.bool)
    is_test[torch.cat(test)] = True
    # Sorted, so the split is a subset of load_digits' order and easy to check by hand.
    return torch.nonzero(is_test if split == "test" else ~is_test).flatten()


class ImageDataset(Dataset):
    """Images ``(N, C, H, W)`` float32 in [-1, 1] with integer labels ``(N,)``.

    A ``torch.utils.data.Dataset`` (``dataset[i]`` is ``(image, label)``) and a
    ``DataSource``: :meth:`sample` draws with replacement.
    """

    def __init__(self, images: Tensor, labels: Tensor) -> None:
        if not isinstance(images, Tensor) or images.ndim != 4 or not images.is_floating_point():
            shape = tuple(images.shape) if isinstance(images, Tensor) else type(images).__name__
            raise ValueError(f"images must be a float tensor of shape (N, C, H, W), got {shape}")
        labels = torch.as_tensor(labels, dtype=torch.int64)
        if labels.shape != (len(images),):
            raise ValueError(f"labels must have shape ({len(images)},), got {tuple(labels.shape)}")
        self.images = images.float()
        self.labels = labels

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple[Tensor, int]:
        return self.images[index], int(self.labels[index])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(N={len(self)}, shape={tuple(self.images.shape[1:])})"

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``n`` images drawn uniformly with replacement: a tensor ``(n, C, H, W)``."""
        return _draw(self.images, n, generator)


class Digits(ImageDataset):
    """scikit-learn's 8x8 handwritten digits (values 0..16) as images in [-1, 1].

    Parameters
    ----------
    size:
        8, 16 or 32 pixels; 16 and 32 are bilinear upsamplings of the 8x8 originals
        (``align_corners=False``, clamped to [-1, 1]), for convolutional models.
    split:
        ``"train"``, ``"test"`` (held out, e.g. for a classifier that scores
        samples) or ``"all"`` (all 1,797 images).
    test_fraction:
        In (0, 1). The split is stratified: ``round(test_fraction * n_c)`` of the
        ``n_c`` images of each digit ``c`` are held out, chosen by a permutation
        seeded with ``seed``, so train and test are disjoint and cover every image.

    ``.indices`` holds the positions of the images in ``load_digits()`` order.
    """

    def __init__(self, size: int = 8, split: str = "train", test_fraction: float = 0.2, seed: int = 0) -> None:
        if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size not in DIGIT_SIZES:
            raise ValueError(f"size must be one of {DIGIT_SIZES}, got {size!r}")
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        if isinstance(test_fraction, bool) or not isinstance(test_fraction, (int, float)) \
                or not 0 < test_fraction < 1:
            raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise ValueError(f"seed must be an integer, got {seed!r}")
        pixels, labels = _sklearn_digits()
        self.indices = _split_indices(labels, split, float(test_fraction), int(seed))
        images = pixels[self.indices]  # (N, 1, 8, 8)
        if size != 8:
            images = F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False)
            images = images.clamp(-1.0, 1.0)  # (N, 1, size, size)
        super().__init__(images, labels[self.indices])
        self.size, self.split = size, split


def stacked_modes(digit_labels: Tensor) -> Tensor:
    """The Stacked MNIST mode of each sample: ``100 * d0 + 10 * d1 + d2``, shape ``(n,)``,
    for per-channel digits ``digit_labels`` of shape ``(n, 3)`` with values in 0..9."""
    digit_labels = torch.as_tensor(digit_labels)
    if digit_labels.ndim != 2 or digit_labels.shape[1] != 3 or digit_labels.is_floating_point():
        raise ValueError("digit_labels must be an integer tensor of shape (n, 3), "
                         f"got {digit_labels.dtype} {tuple(digit_labels.shape)}")
    if len(digit_labels) and (digit_labels.min() < 0 or digit_labels.max() > 9):
        raise ValueError("digit_labels must hold digits in 0..9")
    return (digit_labels.long() * torch.tensor([100, 10, 1])).sum(1)


class StackedDigits:
    """Three independent random digits stacked as R, G, B: 10^3 = 1,000 modes, nearly equally
    likely (each digit is close to a tenth of the images).

    The Stacked MNIST construction of VEEGAN and PacGAN, on :class:`Digits`
    and sampled on the fly rather than fixed in advance. A generator that
    collapses shows it as modes it never produces (see ``metrics.mode_coverage``).
    ``digits`` is used when given; otherwise one is built from ``size``,
    ``split``, ``test_fraction`` and ``seed`` (defaults those of :class:`Digits`).
    """

    n_modes = 1000

    def __init__(self, digits: Digits | None = None, *, size: int | None = None, split: str | None = None,
                 test_fraction: float | None = None, seed: int | None = None) -> None:
        options = {"size": size, "split": split, "test_fraction": test_fraction, "seed": seed}
        options = {name: value for name, value in options.items() if value is not None}
        if digits is not None and options:
            raise ValueError(f"give digits or its options, not both; got digits and {sorted(options)}")
        self.digits = digits if digits is not None else Digits(**options)

    def __repr__(self) -> str:
        return f"StackedDigits(N={len(self.digits)}, size={self.digits.size}, split={self.digits.split!r})"

    def sample_with_modes(self, n: int, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        """``n`` images ``(n, 3, S, S)`` and their modes ``(n,)`` in 0..999."""
        n = _check_n(n)
        index = torch.randint(len(self.digits), (n, 3), generator=generator)  # one image per channel
        images = self.digits.images[index][:, :, 0]  # (n, 3, 1, S, S) -> (n, 3, S, S)
        return images, stacked_modes(self.digits.labels[index])

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``n`` stacked images ``(n, 3, S, S)``: the ``DataSource`` protocol."""
        return self.sample_with_modes(n, generator)[0]


# --------------------------------------------------------------------------- downloads

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


def verify_file(path: str | os.PathLike, name: str) -> None:
    """Check ``path`` against ``CHECKSUMS[name]``, the published digest of the file (SHA-256;
    MD5 where only an MD5 is published). A mismatch raises ``ValueError`` naming the file."""
    algorithm, expected = CHECKSUMS[name]
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != expected.lower():
        raise ValueError(f"{path}: {algorithm} is {digest.hexdigest()}, expected {expected} for {name}; "
                         "the file is corrupt or not the published one")


def fetch(name: str, root: str | os.PathLike = DEFAULT_ROOT, download: bool = True) -> Path:
    """The verified file ``root/name``, downloaded from its source first if it is missing.

    A download goes to a temporary file beside the target and is renamed only once
    its checksum matches, so a failed or refused download leaves the cache as it
    was; a file already in the cache that does not match is refused, not deleted.
    Without a network the ``RuntimeError`` says so and names the URL.
    """
    if name not in CHECKSUMS:
        raise ValueError(f"name must be one of {sorted(CHECKSUMS)}, got {name!r}")
    path = Path(root).expanduser() / name
    dataset, filename = name.split("/")
    url = _URLS[dataset] + filename

    def offline(error: OSError) -> RuntimeError:
        return RuntimeError(f"downloading {url} failed ({error}). This data set needs an internet connection; "
                            f"gan_edu.data.Digits works offline, or put {filename} into {path.parent} by hand.")

    if not path.exists():
        if not download:
            raise FileNotFoundError(f"{path} is missing; download it from {url} or pass download=True")
        try:
            response = urllib.request.urlopen(url, timeout=60)
        except OSError as error:  # urllib.error.URLError is an OSError
            raise offline(error) from error
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=path.parent, prefix=filename, suffix=".part")
        try:
            with response, os.fdopen(handle, "wb") as out:
                for chunk in iter(lambda: response.read(1 << 20), b""):
                    out.write(chunk)
            verify_file(partial, name)
            os.replace(partial, path)
        except OSError as error:  # the connection dropped mid-way
            raise offline(error) from error
        finally:
            if os.path.exists(partial):
                os.remove(partial)
        return path
    verify_file(path, name)
    return path


def read_idx(path: str | os.PathLike, magic: int | None = None) -> np.ndarray:
    """The uint8 array in an IDX file (LeCun's MNIST format), gzipped or raw.

    Header: magic ``0x0000 08 nd`` (type 0x08 = unsigned byte, ``nd`` dimensions:
    0x00000803 for images, 0x00000801 for labels), then ``nd`` big-endian uint32
    sizes, then the data. A wrong ``magic`` or a truncated file raises ``ValueError``.
    """
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


def _to_dataset(images: np.ndarray, labels: np.ndarray) -> ImageDataset:
    pixels = torch.from_numpy(images.astype(np.float32))
    return ImageDataset(pixels / 255 * 2 - 1, torch.from_numpy(labels.astype(np.int64)))


def _load_idx(dataset: str, root, split: str, download: bool) -> ImageDataset:
    if split not in _IDX_FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
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
    if split not in _IDX_FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    archive = fetch("cifar10/cifar-10-python.tar.gz", root, download)
    names = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
    return _to_dataset(*read_cifar_batches(archive, names))
