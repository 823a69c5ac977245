"""InfoGAN's networks, recipe and code matching (short runs; the figures are benchmarks/infogan_codes.py)."""

import dataclasses
import itertools
import math

import numpy as np
import pytest
import torch
from torch import nn

from gan_edu.games import InfoGAN
from gan_edu.metrics import match_codes
from gan_edu.models import DCGANConfig, DCGANDiscriminator, DCGANGenerator
from gan_edu.models.info import InfoDiscriminator, InfoGenerator, info_config, q_head
from gan_edu.recipes import INFOGAN_DIGITS, InfoGANRecipe, build_infogan_trainer, train_infogan

CONFIG = DCGANConfig(resolution=8, channels=1, latent_dim=16, ngf=8, ndf=8)


# -- networks ------------------------------------------------------------------------------------

def test_info_generator_is_the_dcgan_generator_of_noise_and_codes_concatenated():
    torch.manual_seed(0)
    G = InfoGenerator(info_config(CONFIG, 12), 12).eval()
    plain = DCGANGenerator(dataclasses.replace(CONFIG, latent_dim=28)).eval()
    plain.load_state_dict(G.state_dict())  # the same layers, the same keys
    z, c = torch.randn(5, 16), torch.randn(5, 12)
    assert torch.equal(G(z, c), plain(torch.cat([z, c], 1)))
    assert G(z, c).shape == (5, 1, 8, 8)


def test_info_discriminator_splits_the_dcgan_discriminator_into_body_and_head():
    torch.manual_seed(0)
    D = InfoDiscriminator(CONFIG)
    plain = DCGANDiscriminator(CONFIG)
    plain.load_state_dict(D.state_dict())
    x = torch.randn(6, 1, 8, 8)
    h = D.features(x)
    assert h.shape == (6, 8, 4, 4) and D.feature_dim == h[0].numel() == 128
    assert torch.equal(D.head(h), plain(x)) and torch.equal(D(x), plain(x))
    assert D(x).shape == (6,)


def test_q_head_maps_features_to_logits_and_means():
    Q = q_head(128, 12, hidden=32)
    assert Q(torch.randn(7, 8, 4, 4)).shape == (7, 12)
    assert [type(m) for m in Q] == [nn.Flatten, nn.Linear, nn.BatchNorm1d, nn.LeakyReLU, nn.Linear]


@pytest.mark.parametrize("make, name", [
    (lambda: InfoGenerator(CONFIG, 16), "latent_dim"),  # no room for noise beside 16 codes
    (lambda: InfoGenerator(CONFIG, 0), "code_dim"),
    (lambda: InfoDiscriminator(dataclasses.replace(CONFIG, pack=2)), "pack"),
    (lambda: q_head(0, 12), "feature_dim"),
    (lambda: info_config(CONFIG, -1), "code_dim"),
])
def test_info_networks_reject_bad_sizes(make, name):
    with pytest.raises(ValueError, match=name):
        make()


# -- code matching -------------------------------------------------------------------------------

def brute_force_accuracy(counts: np.ndarray) -> float:
    k = len(counts)
    return max(sum(counts[i, p[i]] for i in range(k)) for p in itertools.permutations(range(k))) / counts.sum()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_match_codes_finds_the_best_one_to_one_matching(seed):
    counts = np.random.default_rng(seed).integers(0, 50, size=(5, 5))
    matching = match_codes(counts)
    assert matching.accuracy == pytest.approx(brute_force_accuracy(counts), abs=1e-12)
    assert sorted(matching.classes) == list(range(5))  # one to one
    assert matching.accuracy == pytest.approx(counts[np.arange(5), matching.classes].sum() / counts.sum())


def test_match_codes_undoes_a_permutation_and_scores_a_uniform_table_one_kth():
    perm = np.array([3, 0, 4, 1, 2])
    table = np.eye(5)[perm] * 100
    matching = match_codes(table)
    assert matching.accuracy == 1.0 and list(matching.classes) == list(perm)
    assert match_codes(np.ones((4, 4))).accuracy == pytest.approx(0.25)


@pytest.mark.parametrize("counts", [np.ones((3, 4)), np.ones(3), [[1.0]], [[1, -1], [0, 2]], np.zeros((2, 2)),
                                    [[1, np.nan], [0, 1]]])
def test_match_codes_rejects_bad_tables(counts):
    with pytest.raises(ValueError, match="counts"):
        match_codes(counts)


# -- the recipe ----------------------------------------------------------------------------------

def test_infogan_trainer_holds_the_papers_codes_and_learning_rates():
    trainer = build_infogan_trainer(seed=0, device="cpu")
    game = trainer.game
    assert isinstance(game, InfoGAN) and game.info_weight == 1.0
    assert (game.prior.categories, game.prior.continuous) == (10, 2)
    assert game.roles["G"] == ("G", "Q")  # Q is updated with G
    lrs = {player: opt.param_groups[0]["lr"] for player, opt in trainer.optimizers.items()}
    assert lrs == {"D": 2e-4, "G": 1e-3}
    # G and Q share one optimiser; D's body is not in it
    g_params = {id(p) for group in trainer.optimizers["G"].param_groups for p in group["params"]}
    assert g_params == {id(p) for p in [*game.G.parameters(), *game.Q.parameters()]}


@pytest.fixture(scope="module")
def short_run():
    return train_infogan(seed=0, steps=30, device="cpu")


def test_train_infogan_is_reproducible_and_logs_the_information(short_run):
    again = train_infogan(seed=0, steps=30, device="cpu")
    assert short_run.history.mi_categorical == again.history.mi_categorical
    assert short_run.history.step[-1] == 30 and short_run.resolution == 8
    # the logged bound is E log Q(c|x) + ln 10 <= ln 10 (a cross-entropy is >= 0)
    assert all(v <= math.log(10) + 1e-6 for v in short_run.history.mi_categorical)


def test_sample_fixes_the_codes_it_is_given(short_run):
    prior, G = short_run.prior, short_run.trainer.G
    continuous = torch.linspace(-1, 1, 8).reshape(4, 2)
    x = short_run.sample(4, category=7, continuous=continuous, generator=torch.Generator().manual_seed(5))
    z, _ = prior.sample(4, torch.Generator().manual_seed(5))  # the same noise, codes written out by hand
    c = torch.cat([torch.nn.functional.one_hot(torch.full((4,), 7), 10).float(), continuous], 1)
    G.eval()
    with torch.no_grad():
        expected = G(z, c)
    assert x.shape == (4, 1, 8, 8) and x.device.type == "cpu"
    torch.testing.assert_close(x, expected)
    assert x.abs().max() <= 1
    drawn = short_run.sample(6)
    assert drawn.shape == (6, 1, 8, 8)


@pytest.mark.parametrize("kwargs, name", [
    (dict(category=10), "category"), (dict(category=-1), "category"), (dict(category=True), "category"),
    (dict(category="3"), "category"), (dict(continuous=torch.zeros(3, 2)), "continuous"),
    (dict(continuous=torch.zeros(4, 3)), "continuous"), (dict(continuous=[[0, 0]] * 4), "continuous"),
    (dict(continuous=torch.full((4, 2), float("nan"))), "continuous"),
])
def test_sample_rejects_bad_codes(short_run, kwargs, name):
    with pytest.raises(ValueError, match=name):
        short_run.sample(4, **kwargs)


def test_code_counts_label_every_sample_once(short_run):
    counts = short_run.code_counts(per_code=20, generator=torch.Generator().manual_seed(0))
    assert counts.shape == (10, 10) and counts.sum(1).tolist() == [20] * 10
    matching = short_run.code_accuracy(per_code=20, generator=torch.Generator().manual_seed(0))
    assert torch.equal(torch.as_tensor(matching.counts, dtype=torch.long), counts)  # same draws, same table
    table = counts.numpy()
    assert matching.accuracy == pytest.approx(table[np.arange(10), matching.classes].sum() / 200)
    # no one-to-one matching does better than each code's most common label, none worse than 1/10
    assert 0.1 <= matching.accuracy <= table.max(1).sum() / 200


@pytest.mark.parametrize("field, value", [("info_weight", -1.0), ("continuous_weight", float("nan")),
                                          ("categories", 1), ("resolution", 12), ("lr_g", 0.0), ("steps", 0),
                                          ("channels_last", 1)])
def test_infogan_recipe_rejects_bad_fields(field, value):
    with pytest.raises(ValueError, match=field if field != "categories" else "categories"):
        dataclasses.replace(INFOGAN_DIGITS, **{field: value})


def test_build_infogan_trainer_rejects_a_wrong_recipe_and_seed():
    with pytest.raises(ValueError, match="recipe"):
        build_infogan_trainer(recipe="digits")
    with pytest.raises(ValueError, match="seed"):
        build_infogan_trainer(seed=-1)
    assert isinstance(INFOGAN_DIGITS, InfoGANRecipe)


class _Bar:
    """A stand-in trainer whose 'generator' draws a vertical bar at column 3.5 + 3 c_1 (split over two
    columns, so the centre of the ink is exactly that) with ink level 0.75 + 0.25 c_2; z is ignored."""

    def __init__(self):
        from types import SimpleNamespace

        from gan_edu.priors import WithCodes
        self.game = SimpleNamespace(prior=WithCodes(4, 10, 2))

    def sample(self, n, inputs):
        z, c = inputs
        position, level = 3.5 + 3 * c[:, 10], 0.75 + 0.25 * c[:, 11]
        left = position.floor().long()
        frac = position - left
        ink = torch.zeros(n, 8, 8)
        rows = torch.arange(n)
        ink[rows, :, left] = ((1 - frac) * level)[:, None]
        ink[rows, :, (left + 1).clamp(max=7)] += (frac * level)[:, None]
        return (2 * ink - 1)[:, None]


def _right_half_classifier(x):
    """Label 1 when the ink's centre is right of the middle, else 0 (as 10 logits)."""
    from gan_edu.metrics import ink_statistics
    right = ink_statistics(x)["centre"] > 3.5
    return torch.nn.functional.one_hot(right.long(), 10).float()


def test_code_effects_measure_what_each_code_moves():
    from gan_edu.recipes import InfoGANResult
    result = InfoGANResult(_Bar(), history=None)
    effects = result.code_effects(400, generator=torch.Generator().manual_seed(0), classifier=_right_half_classifier)
    # c_1 at -1 puts the bar at column 0.5, at +1 at 6.5: every label flips; c_2 and z never move it.
    assert effects.label_change == (1.0, 0.0) and effects.label_change_noise == 0.0
    rho = effects.ink_correlation
    assert rho.shape == (2, 4)
    assert rho[0, 1].item() == pytest.approx(1.0)   # c_1 and the centre: the same order
    assert rho[1, 0].item() == pytest.approx(1.0)   # c_2 and the total ink
    assert math.isnan(rho[1, 1].item())             # with c_1 = 0 the centre never moves: undefined
    with pytest.raises(ValueError, match="n must be"):
        result.code_effects(1)
