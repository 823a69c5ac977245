"""gan_edu.validation, and the library's constructors that use it: bools, NaN and wrong types are refused.

``True`` is an ``int`` in Python, so before these checks ``R1Penalty(every=True)``-style
arguments could slip through as 1; every case below names the parameter and the value.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gan_edu import features
from gan_edu.data import Digits, ImageDataset, StackedDigits
from gan_edu.distributions import Categorical, GaussianMixture, toy
from gan_edu.images import image_grid
from gan_edu.losses import GradientPenalty, R1Penalty, WeightClipping, get_loss
from gan_edu.metrics import mode_coverage, precision_recall
from gan_edu.models import MLP, DCGANConfig, Discriminator, Generator
from gan_edu.validation import choice, integer, number

# ------------------------------------------------------------------------ the helpers


@pytest.mark.parametrize("value", [True, False, 2.0, "3", None])
def test_integer_rejects_bools_and_non_integers_naming_parameter_and_value(value):
    with pytest.raises(ValueError, match=rf"^width must be an integer >= 1, got {value!r}$"):
        integer("width", value)


def test_integer_accepts_numpy_integers_and_returns_a_plain_int():
    result = integer("n", np.int64(7), minimum=0)
    assert result == 7 and type(result) is int
    assert integer("seed", -5, minimum=None) == -5
    with pytest.raises(ValueError, match=r"^depth must be an integer >= 0, got -1$"):
        integer("depth", -1, minimum=0)
    with pytest.raises(ValueError, match=r"^seed must be an integer, got 1.5$"):
        integer("seed", 1.5, minimum=None)


@pytest.mark.parametrize("value", [True, float("nan"), float("inf"), -float("inf"), "0.1", None, 1j])
def test_number_rejects_bools_nan_inf_and_non_numbers(value):
    with pytest.raises(ValueError, match=r"^lr must be a finite number > 0, got "):
        number("lr", value, minimum=0, strict_minimum=True)


def test_number_accepts_numpy_floats_and_integers_and_returns_a_float():
    assert number("gamma", np.float32(0.5)) == 0.5 and type(number("gamma", np.float32(0.5))) is float
    assert number("gamma", 3, minimum=0) == 3.0
    assert number("c", float("inf"), minimum=0, finite=False) == math.inf
    with pytest.raises(ValueError, match="must be a number >= 0, got nan"):
        number("c", float("nan"), minimum=0, finite=False)  # NaN is refused even when inf is allowed


@pytest.mark.parametrize("value, bounds, message", [
    (0.0, dict(minimum=0, strict_minimum=True), "x must be a finite number > 0, got 0.0"),
    (-0.1, dict(minimum=0), "x must be a finite number >= 0, got -0.1"),
    (1.0, dict(minimum=0, maximum=1, strict_maximum=True), "x must be a finite number in [0, 1), got 1.0"),
    (0.0, dict(minimum=0, maximum=1, strict_minimum=True), "x must be a finite number in (0, 1], got 0.0"),
    (2.5, dict(maximum=2), "x must be a finite number <= 2, got 2.5"),
])
def test_number_message_states_the_range(value, bounds, message):
    with pytest.raises(ValueError) as error:
        number("x", value, **bounds)
    assert str(error.value) == message


def test_number_bounds_are_inclusive_unless_strict():
    assert number("x", 0, minimum=0) == 0.0 and number("x", 1, maximum=1) == 1.0


def test_choice_returns_the_option_and_compares_within_one_kind():
    assert choice("split", "test", ("train", "test")) == "test"
    picked = choice("size", np.int64(16), (8, 16, 32))
    assert picked == 16 and type(picked) is int
    for value in (16.0, True, "16"):
        with pytest.raises(ValueError, match=rf"^size must be one of \(8, 16, 32\), got {value!r}$"):
            choice("size", value, (8, 16, 32))
    with pytest.raises(ValueError, match="norm must be one of.*got array"):
        choice("norm", np.array([1, 2]), ("batch", "layer"))


# ------------------------------------------------------------------------ the library


@pytest.mark.parametrize("build, name", [
    (lambda: R1Penalty(every=True), "every"),
    (lambda: R1Penalty(gamma=True), "gamma"),
    (lambda: R1Penalty(gamma=float("nan")), "gamma"),
    (lambda: GradientPenalty(weight=True), "weight"),
    (lambda: GradientPenalty(weight=float("inf")), "weight"),
    (lambda: WeightClipping(c=True), "c"),
    (lambda: WeightClipping(c=float("nan")), "c"),
    (lambda: MLP(2, 1, width=True), "width"),
    (lambda: MLP(2, 1, depth=False), "depth"),
    (lambda: MLP(True, 1), "in_dim"),
    (lambda: Generator(latent_dim=True, data_dim=2), "latent_dim"),
    (lambda: Generator(latent_dim=2, data_dim=2.0), "data_dim"),
    (lambda: Generator(latent_dim=2, data_dim=2, noise_scale=True), "noise_scale"),
    (lambda: Discriminator(data_dim=True), "data_dim"),
    (lambda: DCGANConfig(latent_dim=True), "latent_dim"),
    (lambda: GaussianMixture([0.0, 1.0], stds=True), "stds"),
    (lambda: GaussianMixture([True, False], stds=1.0), "means"),
    (lambda: GaussianMixture([0.0, 1.0], stds=1.0, weights=[True, False]), "weights"),
    (lambda: GaussianMixture([0.0], 1.0).sample(True), "n"),
    (lambda: Categorical([0.5, 0.5]).sample(-1), "n"),
    (lambda: Categorical([True, False]), "probs"),
    (lambda: Digits(size=True), "size"),
    (lambda: Digits(test_fraction=True), "test_fraction"),
    (lambda: Digits(seed=True), "seed"),
    (lambda: StackedDigits(size=8).sample(True), "n"),
    (lambda: image_grid(torch.zeros(2, 1, 4, 4), nrow=True), "nrow"),
    (lambda: image_grid(torch.zeros(2, 1, 4, 4), padding=True), "padding"),
    (lambda: image_grid(torch.zeros(2, 1, 4, 4), pad_value=2.0), "pad_value"),
    (lambda: precision_recall(np.zeros((5, 2)), np.zeros((5, 2)), k=True), "k"),
    (lambda: mode_coverage(np.zeros((5, 2)), toy("ring8"), threshold=True), "threshold"),
    (lambda: features.DigitClassifier(feature_dim=True), "feature_dim"),
    (lambda: features.DigitClassifier(dropout=float("nan")), "dropout"),
    (lambda: features.ClassifierTrainConfig(batch_size=True), "batch_size"),
    (lambda: features.ClassifierTrainConfig(lr=float("nan")), "lr"),
    (lambda: features.real_halves(torch.zeros(8, 1, 4, 4), seed=True), "seed"),
    (lambda: get_loss(True), "loss"),
])
def test_bools_nan_and_wrong_types_are_refused_naming_the_parameter(build, name):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        build()


def test_numpy_integers_are_accepted_where_integers_are():
    net = MLP(np.int64(2), np.int32(1), width=np.int64(8), depth=np.int64(1))
    assert net[0].in_features == 2 and net[0].out_features == 8
    config = DCGANConfig(resolution=np.int64(16))
    assert config.resolution == 16 and type(config.resolution) is int and config.n_layers == 2
    assert R1Penalty(every=np.int64(4)).every == 4
    assert Digits(size=np.int64(16), split="test").images.shape[-1] == 16
    assert ImageDataset(torch.zeros(3, 1, 2, 2)).sample(np.int64(5)).shape == (5, 1, 2, 2)


def test_random_generator_accepts_a_generator_or_none_and_names_anything_else():
    import torch

    from gan_edu.validation import random_generator

    gen = torch.Generator()
    assert random_generator("generator", gen) is gen and random_generator("generator", None) is None
    with pytest.raises(ValueError, match=r"noise must be a torch.Generator or None, got 42"):
        random_generator("noise", 42)
