"""gan_edu.data: the offline digits, Stacked digits, and the IDX / CIFAR readers and downloads.

Nothing here touches the network: downloads are tested with a stand-in for urlopen
and the parsers with small files the tests write themselves.
"""

import gzip
import hashlib
import io
import pickle
import struct
import tarfile
import urllib.error
import urllib.request

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from gan_edu import data
from gan_edu.data import Digits, ImageDataset, StackedDigits, read_cifar_batches, read_idx, stacked_modes

DIGITS = load_digits()  # the independent reference: images (1797, 8, 8) in 0..16, target (1797,)


def bilinear_matrix(size: int, source: int = 8) -> np.ndarray:
    """Rows of weights of 1D bilinear resampling with half-pixel centres (align_corners=False)."""
    position = np.clip((np.arange(size) + 0.5) * source / size - 0.5, 0, source - 1)
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, source - 1)
    weights = np.zeros((size, source))
    np.add.at(weights, (np.arange(size), low), 1 - (position - low))
    np.add.at(weights, (np.arange(size), high), position - low)
    return weights


# ------------------------------------------------------------------------------ Digits

@pytest.mark.parametrize("size", [8, 16, 32])
def test_digits_shapes_and_range_are_exactly_minus_one_to_one(size):
    digits = Digits(size=size, split="all")
    assert digits.images.shape == (1797, 1, size, size) and digits.images.dtype == torch.float32
    assert digits.labels.shape == (1797,) and digits.labels.dtype == torch.int64
    assert digits.images.min().item() == -1.0 and digits.images.max().item() == 1.0
    assert len(digits) == 1797


def test_pixels_equal_load_digits_scaled_by_hand():
    expected = DIGITS.images / 16 * 2 - 1  # (1797, 8, 8)
    np.testing.assert_array_equal(Digits(split="all").images[:, 0].numpy(), expected.astype(np.float32))
    train = Digits(split="train")
    np.testing.assert_array_equal(train.images[:, 0].numpy(), expected[train.indices.numpy()].astype(np.float32))
    np.testing.assert_array_equal(train.labels.numpy(), DIGITS.target[train.indices.numpy()])


def test_train_and_test_partition_all_1797_images():
    train, test = Digits(split="train").indices.numpy(), Digits(split="test").indices.numpy()
    assert len(np.intersect1d(train, test)) == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(1797))


def test_test_split_holds_a_fifth_of_each_digit():
    counts = np.bincount(DIGITS.target, minlength=10)
    test = Digits(split="test", test_fraction=0.2)
    np.testing.assert_array_equal(np.bincount(test.labels.numpy(), minlength=10), np.round(0.2 * counts))
    assert len(test) == 359  # sum of round(0.2 * n_c) over the ten digits


def test_same_seed_gives_same_split_and_another_seed_another():
    assert torch.equal(Digits(split="test", seed=5).indices, Digits(split="test", seed=5).indices)
    assert not torch.equal(Digits(split="test", seed=5).indices, Digits(split="test", seed=6).indices)


@pytest.mark.parametrize("size", [16, 32])
def test_upsampling_is_bilinear_and_keeps_the_mean(size):
    small, big = Digits(size=8, split="all"), Digits(size=size, split="all")
    np.testing.assert_allclose(big.images.mean((1, 2, 3)), small.images.mean((1, 2, 3)), atol=1e-5)
    A = bilinear_matrix(size)
    by_hand = A @ (DIGITS.images[:50] / 8 - 1) @ A.T  # (50, size, size)
    np.testing.assert_allclose(big.images[:50, 0].numpy(), by_hand, atol=1e-6)


def test_getitem_returns_image_and_label():
    digits = Digits(split="all")
    image, label = digits[10]
    assert image.shape == (1, 8, 8) and label == DIGITS.target[10]


@pytest.mark.parametrize("kwargs, name", [
    ({"size": 12}, "size"), ({"size": 16.0}, "size"), ({"split": "val"}, "split"),
    ({"test_fraction": 0.0}, "test_fraction"), ({"test_fraction": 1.0}, "test_fraction"),
    ({"test_fraction": 1.5}, "test_fraction"), ({"seed": "a"}, "seed"),
])
def test_bad_digits_arguments_raise_naming_the_parameter(kwargs, name):
    value = next(iter(kwargs.values()))
    with pytest.raises(ValueError, match=rf"{name}.*{value!r}"):
        Digits(**kwargs)


def test_sample_draws_with_randint_and_is_reproducible():
    digits = Digits(size=16)
    x = digits.sample(64, torch.Generator().manual_seed(3))
    index = torch.randint(len(digits), (64,), generator=torch.Generator().manual_seed(3))
    assert x.shape == (64, 1, 16, 16)
    assert torch.equal(x, digits.images[index])
    assert torch.equal(x, digits.sample(64, torch.Generator().manual_seed(3)))
    assert not torch.equal(x, digits.sample(64, torch.Generator().manual_seed(4)))
    with pytest.raises(ValueError, match="n must be"):
        digits.sample(-1)


def test_image_dataset_rejects_bad_shapes():
    with pytest.raises(ValueError, match="images"):
        ImageDataset(torch.zeros(3, 8, 8), torch.zeros(3))
    with pytest.raises(ValueError, match=r"labels must have shape \(3,\)"):
        ImageDataset(torch.zeros(3, 1, 8, 8), torch.zeros(4))


@pytest.mark.parametrize("bad, found", [(float("nan"), "1 NaN or infinite"), (float("inf"), "1 NaN or infinite"),
                                        (-float("inf"), "1 NaN or infinite")])
def test_image_dataset_rejects_non_finite_images_saying_how_many(bad, found):
    images = torch.zeros(3, 1, 4, 4)
    images[1, 0, 2, 3] = bad
    with pytest.raises(ValueError, match=rf"images must be finite, got {found}"):
        ImageDataset(images, torch.zeros(3))


def test_image_dataset_rejects_pixels_outside_minus_one_one_naming_the_range_found():
    pixels = torch.arange(2 * 16, dtype=torch.float32).view(2, 1, 4, 4) * 8  # 0..248: unscaled 8-bit data
    with pytest.raises(ValueError, match=r"images must lie in \[-1, 1\].*got values in \[0, 248\]"):
        ImageDataset(pixels, torch.zeros(2))
    with pytest.raises(ValueError, match=r"got values in \[-1.5, 0\]"):
        ImageDataset(torch.tensor([-1.5, 0.0]).view(2, 1, 1, 1))
    edge = ImageDataset(torch.tensor([-1.0, 1.0]).view(2, 1, 1, 1))  # the ends of the range are in it
    assert edge.images.flatten().tolist() == [-1.0, 1.0]


def test_sample_labelled_draws_the_images_sample_draws_with_their_labels():
    digits = Digits(size=8, split="test")
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    x, y = digits.sample_labelled(100, g1)
    assert torch.equal(x, digits.sample(100, g2))
    assert torch.equal(g1.get_state(), g2.get_state())  # one draw each: the generators stay in step
    index = torch.randint(len(digits), (100,), generator=torch.Generator().manual_seed(5))
    assert torch.equal(y, digits.labels[index]) and y.dtype == torch.int64
    assert all(torch.equal(x[i], digits[int(j)][0]) and int(y[i]) == digits[int(j)][1]
               for i, j in enumerate(index[:10]))


def test_a_dataset_without_labels_samples_images_but_refuses_sample_labelled():
    unlabelled = ImageDataset(torch.zeros(4, 1, 2, 2))
    assert unlabelled.labels is None and unlabelled.sample(3).shape == (3, 1, 2, 2)
    assert unlabelled[0].shape == (1, 2, 2)
    with pytest.raises(ValueError, match="sample_labelled needs labels"):
        unlabelled.sample_labelled(3)


# ------------------------------------------------------------------------ StackedDigits

def test_stacked_modes_is_100_d0_plus_10_d1_plus_d2():
    labels = torch.tensor([[1, 2, 3], [0, 0, 0], [9, 9, 9], [0, 5, 0]])
    assert stacked_modes(labels).tolist() == [123, 0, 999, 50]
    with pytest.raises(ValueError, match="shape"):
        stacked_modes(torch.tensor([[1, 2]]))
    with pytest.raises(ValueError, match="0..9"):
        stacked_modes(torch.tensor([[1, 2, 10]]))


def test_stacked_sample_channels_are_digits_whose_labels_give_the_mode():
    stacked = StackedDigits(split="train")
    images, modes = stacked.sample_with_modes(40, torch.Generator().manual_seed(0))
    assert images.shape == (40, 3, 8, 8) and modes.shape == (40,)
    # Find each channel among the training images by exact equality and read its label by hand.
    pool = stacked.digits.images.flatten(1)  # (N, 64)
    same = (images.reshape(120, 1, 64) == pool[None]).all(-1)  # (40 * 3, N)
    for image_index, mode in enumerate(modes.tolist()):
        digits = []
        for channel in range(3):
            found = set(stacked.digits.labels[same[3 * image_index + channel]].tolist())
            assert len(found) == 1  # the channel is one training image (or identical copies of one digit)
            digits.append(found.pop())
        assert mode == 100 * digits[0] + 10 * digits[1] + digits[2]


def test_stacked_sample_is_reproducible_and_in_range():
    stacked = StackedDigits(size=16)
    x = stacked.sample(8, torch.Generator().manual_seed(1))
    assert x.shape == (8, 3, 16, 16) and x.min() >= -1 and x.max() <= 1
    assert torch.equal(x, stacked.sample(8, torch.Generator().manual_seed(1)))


def test_stacked_covers_the_1000_modes_at_the_product_frequencies():
    stacked = StackedDigits()
    _, modes = stacked.sample_with_modes(20_000, torch.Generator().manual_seed(0))
    counts = np.bincount(modes.numpy(), minlength=1000)
    assert (counts > 0).sum() > 990
    # Channels are independent: p(mode) = p(d0) p(d1) p(d2) with p the digit frequencies.
    p = np.bincount(stacked.digits.labels.numpy(), minlength=10) / len(stacked.digits)
    expected = 20_000 * np.einsum("i,j,k->ijk", p, p, p).ravel()
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 999 + 5 * np.sqrt(2 * 999)  # 999 degrees of freedom, 5 standard deviations


def test_stacked_uses_given_digits_and_refuses_both():
    digits = Digits(size=16, split="test")
    assert StackedDigits(digits).digits is digits
    assert StackedDigits(size=32).sample(2).shape == (2, 3, 32, 32)
    with pytest.raises(ValueError, match="size"):
        StackedDigits(digits, size=8)


# --------------------------------------------------------------- IDX and CIFAR readers

def idx_bytes(array: np.ndarray, magic: int) -> bytes:
    return struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


IMAGES = np.arange(3 * 4 * 5, dtype=np.uint8).reshape(3, 4, 5)
LABELS = np.array([7, 0, 9], dtype=np.uint8)


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_reads_images_and_labels_gz_or_raw(tmp_path, compress):
    for name, array, magic in [("images", IMAGES, 0x803), ("labels", LABELS, 0x801)]:
        raw = idx_bytes(array, magic)
        path = tmp_path / (name + (".gz" if compress else ""))
        path.write_bytes(gzip.compress(raw) if compress else raw)
        np.testing.assert_array_equal(read_idx(path, magic), array)


def test_read_idx_rejects_a_wrong_magic_number(tmp_path):
    path = tmp_path / "labels-idx1"
    path.write_bytes(idx_bytes(LABELS, 0x801))
    with pytest.raises(ValueError, match=r"labels-idx1.*magic.*0x00000801.*0x00000803"):
        read_idx(path, 0x803)


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_rejects_a_truncated_file(tmp_path, compress):
    raw = idx_bytes(IMAGES, 0x803)
    path = tmp_path / "cut-images"
    path.write_bytes(gzip.compress(raw)[:-12] if compress else raw[:-7])
    with pytest.raises(ValueError, match="cut-images"):
        read_idx(path, 0x803)


def cifar_archive(path, batches: dict[str, tuple[np.ndarray, list[int]]]) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, (pixels, labels) in batches.items():
            payload = pickle.dumps({b"data": pixels, b"labels": labels}, protocol=2)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))


def random_batch(n: int, seed: int) -> tuple[np.ndarray, list[int]]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 3072), dtype=np.uint8), rng.integers(0, 10, n).tolist()


def test_read_cifar_batches_splits_rows_into_rgb_planes(tmp_path):
    batches = {"data_batch_1": random_batch(2, 0), "data_batch_2": random_batch(3, 1)}
    cifar_archive(tmp_path / "c.tar.gz", batches)
    images, labels = read_cifar_batches(tmp_path / "c.tar.gz", ["data_batch_1", "data_batch_2"])
    assert images.shape == (5, 3, 32, 32) and images.dtype == np.uint8
    assert labels.tolist() == batches["data_batch_1"][1] + batches["data_batch_2"][1]
    row = batches["data_batch_2"][0][1]
    np.testing.assert_array_equal(images[3, 1], row[1024:2048].reshape(32, 32))  # green plane


def test_read_cifar_batches_rejects_truncated_missing_or_hostile_files(tmp_path):
    cifar_archive(tmp_path / "c.tar.gz", {"test_batch": random_batch(40, 0)})
    (tmp_path / "cut.tar.gz").write_bytes((tmp_path / "c.tar.gz").read_bytes()[:5000])
    with pytest.raises(ValueError, match="cut.tar.gz"):
        read_cifar_batches(tmp_path / "cut.tar.gz", ["test_batch"])
    with pytest.raises(ValueError, match="c.tar.gz"):
        read_cifar_batches(tmp_path / "c.tar.gz", ["data_batch_1"])
    with tarfile.open(tmp_path / "evil.tar.gz", "w:gz") as tar:  # a pickle that would call os.system
        payload = b"cos\nsystem\n(S'echo owned'\ntR."
        info = tarfile.TarInfo("cifar-10-batches-py/test_batch")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    with pytest.raises(ValueError, match="evil.tar.gz"):
        read_cifar_batches(tmp_path / "evil.tar.gz", ["test_batch"])


# -------------------------------------------------------------- checksums and downloads

def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def test_loaders_read_verified_files_from_the_cache(tmp_path, monkeypatch):
    (tmp_path / "mnist").mkdir()
    files = {"t10k-images-idx3-ubyte.gz": gzip.compress(idx_bytes(IMAGES, 0x803)),
             "t10k-labels-idx1-ubyte.gz": gzip.compress(idx_bytes(LABELS, 0x801))}
    for name, content in files.items():
        (tmp_path / "mnist" / name).write_bytes(content)
        monkeypatch.setitem(data.CHECKSUMS, f"mnist/{name}", ("sha256", sha256(content)))
    mnist = data.load_mnist(tmp_path, split="test", download=False)
    assert mnist.images.shape == (3, 1, 4, 5)
    np.testing.assert_allclose(mnist.images[:, 0].numpy(), IMAGES / 255 * 2 - 1, atol=1e-6)
    assert mnist.labels.tolist() == [7, 0, 9]

    (tmp_path / "cifar10").mkdir()
    archive = tmp_path / "cifar10" / "cifar-10-python.tar.gz"
    cifar_archive(archive, {"test_batch": random_batch(4, 2)})
    monkeypatch.setitem(data.CHECKSUMS, "cifar10/cifar-10-python.tar.gz", ("sha256", sha256(archive.read_bytes())))
    cifar = data.load_cifar10(tmp_path, split="test", download=False)
    pixels, labels = random_batch(4, 2)
    assert cifar.images.shape == (4, 3, 32, 32) and cifar.labels.tolist() == labels
    np.testing.assert_allclose(cifar.images.flatten(1).numpy(), pixels / 255 * 2 - 1, atol=1e-6)
    with pytest.raises(ValueError, match="split"):
        data.load_fashion_mnist(tmp_path, split="val", download=False)


def test_checksum_mismatch_refuses_the_file_and_keeps_it(tmp_path, monkeypatch):
    path = tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz"
    path.parent.mkdir()
    path.write_bytes(b"not the published file")
    monkeypatch.setitem(data.CHECKSUMS, "mnist/t10k-labels-idx1-ubyte.gz", ("sha256", sha256(b"published")))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte.gz.*sha256"):
        data.fetch("mnist/t10k-labels-idx1-ubyte.gz", tmp_path, download=False)
    assert path.read_bytes() == b"not the published file"


def test_verify_file_follows_the_algorithm_of_the_entry(tmp_path, monkeypatch):
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    monkeypatch.setitem(data.CHECKSUMS, "x/f", ("md5", "900150983cd24fb0d6963f7d28e17f72"))  # RFC 1321
    data.verify_file(path, "x/f")
    abc_sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # FIPS 180-2 test vector
    monkeypatch.setitem(data.CHECKSUMS, "x/f", ("sha256", abc_sha256))
    data.verify_file(path, "x/f")
    monkeypatch.setitem(data.CHECKSUMS, "x/f", ("md5", "0" * 32))
    with pytest.raises(ValueError, match="md5"):
        data.verify_file(path, "x/f")


def test_download_is_verified_before_it_enters_the_cache(tmp_path, monkeypatch):
    content = gzip.compress(idx_bytes(LABELS, 0x801))
    requested = []
    def urlopen(url, timeout):
        requested.append(url)
        return io.BytesIO(content)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    monkeypatch.setitem(data.CHECKSUMS, "fashion_mnist/t10k-labels-idx1-ubyte.gz", ("sha256", sha256(content)))
    path = data.fetch("fashion_mnist/t10k-labels-idx1-ubyte.gz", tmp_path)
    assert requested == ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-labels-idx1-ubyte.gz"]
    assert path.read_bytes() == content and sorted(p.name for p in path.parent.iterdir()) == [path.name]

    monkeypatch.setitem(data.CHECKSUMS, "fashion_mnist/t10k-images-idx3-ubyte.gz", ("sha256", "0" * 64))
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte"):
        data.fetch("fashion_mnist/t10k-images-idx3-ubyte.gz", tmp_path)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no partial file left


def test_offline_download_explains_itself_and_writes_nothing(tmp_path, monkeypatch):
    def offline(url, timeout):
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    root = tmp_path / "cache"
    with pytest.raises(RuntimeError) as error:
        data.load_mnist(root)
    message = str(error.value)
    for part in ["failed", "internet", "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz",
                 "Digits", "by hand"]:
        assert part in message
    assert not root.exists()
    with pytest.raises(FileNotFoundError, match="cifar-10-python.tar.gz"):
        data.load_cifar10(root, download=False)


def test_a_download_cut_off_midway_leaves_no_file(tmp_path, monkeypatch):
    class Dropped(io.BytesIO):
        def read(self, size=-1):
            raise ConnectionResetError("connection reset by peer")

    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: Dropped())
    with pytest.raises(RuntimeError, match=r"cifar-10-python.tar.gz failed.*connection reset.*internet"):
        data.fetch("cifar10/cifar-10-python.tar.gz", tmp_path)
    assert list((tmp_path / "cifar10").iterdir()) == []
    with pytest.raises(ValueError, match="name must be one of"):
        data.fetch("mnist/unknown.gz", tmp_path)


def test_checksum_table_holds_a_sha256_for_every_file():
    assert len(data.CHECKSUMS) == 9
    for algorithm, digest in data.CHECKSUMS.values():
        assert algorithm == "sha256" and len(digest) == 64 and int(digest, 16) >= 0
