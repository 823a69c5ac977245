"""train_toy: the public recipe entry point (short runs; the quality figures are benchmarks)."""

import dataclasses

import pytest
import torch

from gan_edu.distributions import GaussianMixture
from gan_edu.recipes import TOY_RECIPES, ToyRecipe, build_toy_trainer, train_toy


def test_train_toy_returns_samples_data_and_history():
    result = train_toy("ring8", steps=20, device="cpu")
    x = result.sample(100)
    assert x.shape == (100, 2) and x.dtype == torch.float32 and x.device.type == "cpu"
    assert isinstance(result.data, GaussianMixture) and len(result.data.weights) == 8
    assert result.history.step[-1] == 20 and result.trainer.step == 20


def test_train_toy_is_reproducible_and_leaves_global_rng_alone():
    torch.manual_seed(7)
    before = torch.rand(1)
    torch.manual_seed(7)
    a = train_toy("gauss1d", seed=3, steps=15, device="cpu")
    after = torch.rand(1)
    b = train_toy("gauss1d", seed=3, steps=15, device="cpu")
    assert torch.equal(before, after)
    assert a.history.d_loss == b.history.d_loss
    assert all(torch.equal(p, q) for p, q in zip(a.trainer.G.parameters(), b.trainer.G.parameters()))


def test_train_toy_bad_arguments_raise_value_error():
    with pytest.raises(ValueError, match="name"):
        train_toy("ring9", steps=1)
    with pytest.raises(ValueError, match="loss"):
        train_toy("ring8", loss="nope", steps=1)


def test_recipes_are_frozen_and_validated():
    with pytest.raises(dataclasses.FrozenInstanceError):
        TOY_RECIPES["ring8"].steps = 1
    with pytest.raises(ValueError, match="width"):
        ToyRecipe(width=0)
    with pytest.raises(ValueError, match="categories"):
        ToyRecipe(categories=-2)
    with pytest.raises(ValueError, match="noise_scale"):
        ToyRecipe(noise_scale=0.0)
    for bad in (0, 2.0, True):
        with pytest.raises(ValueError, match=rf"r1_every.*{bad!r}"):
            ToyRecipe(r1_every=bad)
    lazy = dataclasses.replace(TOY_RECIPES["ring8"], r1_gamma=0.5, r1_every=3)
    penalty = build_toy_trainer("ring8", steps=1, device="cpu", recipe=lazy).game.penalty
    assert (penalty.gamma, penalty.every) == (0.5, 3)
    assert TOY_RECIPES["ring8"].config(seed=4).seed == 4
