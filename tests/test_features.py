"""gan_edu.features: the packaged digit classifier and the FID, precision/recall and mode counts in its space.

Nothing here trains. The references are independent of the code under test: accuracy as a
plain arg-max count, the card's SHA-256 with hashlib, the FID from ``np.mean`` / ``np.cov``
and ``scipy.linalg.sqrtm``, and the Stacked-digit KL from hand-written fractions of
images whose channels are chosen by hand.
"""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import Tensor

from gan_edu import features
from gan_edu.data import Digits
from gan_edu.features import (
    DEFAULT_CARD, DEFAULT_WEIGHTS, ClassifierTrainConfig, DigitClassifier, StackedModes, classifier_accuracy,
    digit_features, digit_fid, digit_precision_recall, fid_noise_floor, load_digit_classifier, main,
    random_affine, stacked_mode_coverage,
)
from gan_edu.metrics import frechet_distance

ROOT = Path(__file__).resolve().parents[1]
CARD = json.loads(DEFAULT_CARD.read_text(encoding="utf-8"))
# The first held-out image of each digit (Digits(size=16, split="test") positions), by hand
# from the test set's labels; test_exemplars_are_classified_as_their_digit checks them.
EXEMPLAR = {0: 3, 1: 0, 2: 1, 3: 4, 4: 14, 5: 7, 6: 2, 7: 12, 8: 10, 9: 8}


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    # A net this small runs several times faster on one thread than on two busy cores.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def model() -> DigitClassifier:
    return load_digit_classifier()


@pytest.fixture(scope="module")
def test_digits() -> Digits:
    return Digits(size=16, split="test")


@pytest.fixture(scope="module")
def all_digits() -> Tensor:
    return Digits(size=16, split="all").images



def arg_max_accuracy(model: DigitClassifier, digits: Digits) -> float:
    with torch.no_grad():
        predicted = model(digits.images).argmax(1).numpy()
    return float(np.mean(predicted == digits.labels.numpy()))


def stack(digits: Digits, triples: list[tuple[int, int, int]]) -> Tensor:
    """Stacked images (n, 3, S, S) whose channels are the exemplars of the given digits."""
    rows = [torch.cat([digits.images[EXEMPLAR[d]] for d in triple]) for triple in triples]  # each (3, S, S)
    return torch.stack(rows)


# ------------------------------------------------------------------------ the packaged weights


def test_packaged_classifier_is_at_least_97_percent_accurate_on_held_out_digits(model, test_digits):
    accuracy = arg_max_accuracy(model, test_digits)
    assert len(test_digits) == 359 == CARD["held_out_images"]
    assert accuracy >= 0.97
    assert accuracy == pytest.approx(CARD["held_out_accuracy"], abs=1e-9)
    assert classifier_accuracy(model, test_digits) == pytest.approx(accuracy, abs=1e-12)


def test_card_sha256_and_size_describe_the_weights_file():
    data = DEFAULT_WEIGHTS.read_bytes()
    assert hashlib.sha256(data).hexdigest() == CARD["sha256"]
    assert len(data) == CARD["file_bytes"] < 1_000_000


def test_card_records_the_training_command_seed_and_parameter_count(model):
    assert CARD["command"] == features.TRAIN_COMMAND
    assert f"--seed {CARD['seed']}" in CARD["command"]
    expected = sum(t.numel() for t in torch.load(DEFAULT_WEIGHTS, weights_only=True).values())
    assert CARD["parameters"] == expected == sum(p.numel() for p in model.parameters())
    assert CARD["epochs"] >= 1 and CARD["torch_version"]


def test_weights_are_installed_as_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["gan_edu"]
    relative = [p.relative_to(ROOT / "gan_edu").as_posix() for p in (DEFAULT_WEIGHTS, DEFAULT_CARD)]
    assert all(any(Path(name).match(pattern) for pattern in patterns) for name in relative)


def test_loaded_classifier_is_frozen_in_eval_mode_and_cached(model):
    assert not model.training
    assert not any(p.requires_grad for p in model.parameters())
    assert load_digit_classifier() is model  # the default is loaded once


def test_exemplars_are_classified_as_their_digit(model, test_digits):
    index = list(EXEMPLAR.values())
    assert test_digits.labels[index].tolist() == list(EXEMPLAR)
    assert model(test_digits.images[index]).argmax(1).tolist() == list(EXEMPLAR)


# ------------------------------------------------------------------------ the network


def test_features_are_the_nonnegative_penultimate_layer_that_the_head_maps_to_logits(model, test_digits):
    x = test_digits.images[:50]
    phi = digit_features(x)
    assert phi.shape == (50, model.feature_dim) == (50, 64)
    assert phi.min() >= 0  # after the ReLU
    logits = phi @ model.head.weight.double().numpy().T + model.head.bias.double().numpy()
    np.testing.assert_allclose(model(x).double().numpy(), logits, atol=1e-5)


@pytest.mark.parametrize("size", [8, 32])
def test_digits_at_other_sizes_are_resized_and_still_classified(model, size):
    digits = Digits(size=size, split="test")
    assert digits.images.shape[-1] == size
    assert arg_max_accuracy(model, digits) >= 0.90


def test_an_8_pixel_digit_is_upsampled_exactly_as_digits_of_size_16(model):
    # Digits(16) is the bilinear upsampling of Digits(8) (clamping to [-1, 1] changes nothing).
    small, large = Digits(size=8, split="test").images[:40], Digits(size=16, split="test").images[:40]
    np.testing.assert_allclose(digit_features(small), digit_features(large), atol=1e-5)


def test_augmentation_with_zero_ranges_is_the_identity(test_digits):
    config = ClassifierTrainConfig(max_shift=0.0, max_degrees=0.0, max_scale=0.0)
    x = test_digits.images[:16]
    moved = random_affine(x, config, torch.Generator().manual_seed(0))
    np.testing.assert_allclose(moved.numpy(), x.numpy(), atol=1e-5)


def test_augmentation_keeps_the_background_at_minus_one(test_digits):
    blank = -torch.ones(8, 1, 16, 16)
    moved = random_affine(blank, ClassifierTrainConfig(max_shift=2.0), torch.Generator().manual_seed(0))
    np.testing.assert_allclose(moved.numpy(), -1.0, atol=1e-6)


def test_training_config_rejects_bad_values_naming_the_field():
    with pytest.raises(ValueError, match="batch_size"):
        ClassifierTrainConfig(batch_size=0)
    with pytest.raises(ValueError, match="max_scale"):
        ClassifierTrainConfig(max_scale=1.0)


# ------------------------------------------------------------------------ FID and precision/recall


def test_fid_of_a_set_with_itself_is_zero(test_digits):
    assert digit_fid(test_digits.images, test_digits.images) == pytest.approx(0.0, abs=1e-6)


def test_digit_fid_is_the_frechet_distance_of_numpy_feature_statistics(all_digits):
    real, fake = all_digits[:600], all_digits[600:1200].flip(-1)  # mirrored digits: a real distance
    a, b = digit_features(real), digit_features(fake)
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    fid = digit_fid(real, fake)
    assert fid == pytest.approx(frechet_distance(mu_a, cov_a, mu_b, cov_b), rel=1e-12)
    # and with no matrix square root: cov_a = A^T A and cov_b = B^T B for the centred, scaled
    # features A, B, so Tr (cov_a cov_b)^(1/2) is the nuclear norm of A B^T. Exact even though
    # the covariances are singular (the classifier has dead ReLU units).
    A, B = (a - mu_a) / math.sqrt(len(a) - 1), (b - mu_b) / math.sqrt(len(b) - 1)
    tr_sqrt = np.linalg.svd(A @ B.T, compute_uv=False).sum()
    by_hand = np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * tr_sqrt
    # rel 1e-6, not 1e-12: on the null directions of the covariances the eigen-route takes roots of
    # round-off-sized eigenvalues (sqrt(1e-16) = 1e-8 each), which the SVD route does not.
    assert fid == pytest.approx(by_hand, rel=1e-6)
    assert fid > 1.0


def test_noise_floor_is_the_fid_of_two_disjoint_random_halves(all_digits):
    order = torch.randperm(1797, generator=torch.Generator().manual_seed(3))
    halves = all_digits[order[:898]], all_digits[order[898:1796]]
    assert fid_noise_floor(seed=3) == pytest.approx(digit_fid(*halves), rel=1e-12)


def test_noise_floor_is_positive_and_below_the_fid_of_degraded_digits(all_digits):
    floor = fid_noise_floor()
    x_real = all_digits
    noise = torch.rand(x_real.shape, generator=torch.Generator().manual_seed(0)) * 2 - 1
    blurred = F.avg_pool2d(F.pad(x_real, (1, 1, 1, 1), value=-1.0), 3, stride=1)  # 3x3 box blur
    shifted = torch.roll(x_real, shifts=(3, 3), dims=(2, 3))
    fid_blur, fid_shift, fid_noise = (digit_fid(x_real, x) for x in (blurred, shifted, noise))
    assert 0 < floor < fid_blur < fid_shift < fid_noise
    assert fid_blur > 3 * floor


def test_precision_and_recall_are_high_between_real_halves_and_zero_for_noise(all_digits):
    real_a, real_b = all_digits[:800], all_digits[800:1600]
    noise = torch.rand(800, 1, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1
    assert min(digit_precision_recall(real_a, real_b)) > 0.5
    assert tuple(digit_precision_recall(real_a, noise)) == (0.0, 0.0)


# ------------------------------------------------------------------------ Stacked digits


def test_stacked_images_of_one_mode_hit_one_mode_with_kl_log_1000(test_digits):
    result = stacked_mode_coverage(stack(test_digits, [(3, 1, 4)] * 20))
    assert isinstance(result, StackedModes)
    assert result.modes == 1
    assert result.reverse_kl == pytest.approx(math.log(1000), rel=1e-12)
    assert result.counts.shape == (1000,) and result.counts[314] == 20 and result.counts.sum() == 20


def test_stacked_kl_of_two_modes_is_the_hand_computed_sum(test_digits):
    result = stacked_mode_coverage(stack(test_digits, [(3, 1, 4)] * 30 + [(0, 7, 2)] * 10))
    assert result.modes == 2
    assert (result.counts[314], result.counts[72]) == (30, 10)
    expected = 0.75 * math.log(0.75 * 1000) + 0.25 * math.log(0.25 * 1000)
    assert result.reverse_kl == pytest.approx(expected, rel=1e-12)


def test_every_mode_once_gives_1000_modes_and_zero_kl(test_digits):
    triples = [(m // 100, m // 10 % 10, m % 10) for m in range(1000)]
    result = stacked_mode_coverage(stack(test_digits, triples))
    assert result.modes == 1000
    assert result.reverse_kl == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_array_equal(result.counts, np.ones(1000))


# ------------------------------------------------------------------------ errors


def test_corrupt_weights_file_raises_value_error_naming_the_path(tmp_path):
    path = tmp_path / "garbage.pt"
    path.write_bytes(b"not a torch file \x00\x01\x02" * 10)
    with pytest.raises(ValueError, match="garbage.pt.*corrupt.*python -m gan_edu.features"):
        load_digit_classifier(path)


def test_missing_weights_file_raises_file_not_found_naming_the_command(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.pt.*python -m gan_edu.features"):
        load_digit_classifier(tmp_path / "missing.pt")


def test_weights_of_another_network_raise_value_error(tmp_path):
    path = tmp_path / "other.pt"
    torch.save(DigitClassifier(feature_dim=32).state_dict(), path)
    with pytest.raises(ValueError, match="other.pt.*do not match"):
        load_digit_classifier(path)


def test_weights_at_another_path_load_to_the_same_predictions(tmp_path, model, test_digits):
    path = tmp_path / "copy.pt"
    path.write_bytes(DEFAULT_WEIGHTS.read_bytes())
    copy = load_digit_classifier(path)
    assert copy is not model
    assert torch.equal(copy(test_digits.images), model(test_digits.images))


@pytest.mark.parametrize("images", [
    torch.zeros(4, 3, 16, 16),  # three channels
    torch.zeros(16, 16),  # no batch or channel axis
    torch.zeros(0, 1, 16, 16),  # empty
    torch.zeros(4, 1, 16, 16, dtype=torch.int64),  # not floating point
    torch.full((4, 1, 16, 16), float("nan")),  # not finite
])
def test_wrong_images_raise_value_error_naming_images(images):
    with pytest.raises(ValueError, match="images"):
        digit_features(images)


def test_stacked_coverage_rejects_single_channel_images():
    with pytest.raises(ValueError, match=r"images must have shape \(N, 3, H, W\)"):
        stacked_mode_coverage(torch.zeros(4, 1, 16, 16))


def test_command_refuses_to_overwrite_existing_weights_without_force(tmp_path, capsys):
    out = tmp_path / "weights.pt"
    out.write_bytes(b"keep me")
    with pytest.raises(SystemExit) as exit_info:
        main(["--seed", "0", "--out", str(out)])  # refused before any training
    assert exit_info.value.code == 2
    assert "--force" in capsys.readouterr().err
    assert out.read_bytes() == b"keep me"


def test_command_runs_as_python_dash_m_gan_edu_features():
    result = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-m", "gan_edu.features", "--help"],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "python -m gan_edu.features" in result.stdout and "--seed" in result.stdout and "--force" in result.stdout


def test_every_public_name_is_importable_from_the_package():
    for name in features.__all__:
        assert getattr(features, name) is not None
    assert features.DEFAULT_WEIGHTS == ROOT / "gan_edu" / "assets" / "digit_classifier.pt"
