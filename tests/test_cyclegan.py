"""CycleGAN's networks, digits recipe and metrics (short runs; the figures are benchmarks/cyclegan_translation.py)."""

import dataclasses

import pytest
import torch
from torch import nn

from gan_edu.data import Digits
from gan_edu.features import load_digit_classifier
from gan_edu.models import DomainDiscriminator, Translator
from gan_edu.recipes import (CYCLEGAN_DIGITS, CycleGANRecipe, CycleGANResult, build_cyclegan_trainer,
                             train_cyclegan)
from gan_edu.recipes.cyclegan import digit_domains, held_out_digits, rotate


class Turn(nn.Module):
    """A hand-built "generator": ``turns`` exact quarter turns counter-clockwise (0: the identity)."""

    def __init__(self, turns: int) -> None:
        super().__init__()
        self.turns = turns
        self.resolution = 8
        self.unused = nn.Parameter(torch.zeros(()))

    def forward(self, x):
        return torch.rot90(x, self.turns, dims=(-2, -1))


def _result(G_ab: nn.Module | None = None, G_ba: nn.Module | None = None) -> CycleGANResult:
    trainer = build_cyclegan_trainer(steps=1, device="cpu")
    if G_ab is not None:
        trainer.game.G_ab, trainer.game.G_ba = G_ab, G_ba
    return CycleGANResult(trainer, trainer.history)


# -- the domains -----------------------------------------------------------------------------------

def test_rotate_is_a_counter_clockwise_quarter_turn_by_index():
    x = torch.arange(2 * 3 * 4.0).view(2, 3, 4)
    turned = torch.empty(2, 4, 3)
    for i in range(4):
        for j in range(3):
            turned[:, i, j] = x[:, j, 3 - i]  # the top row of the result is the right column of x
    assert torch.equal(rotate(x), turned)
    assert torch.equal(rotate(rotate(x), -1), x)


def test_domains_are_the_two_halves_of_the_training_split_and_b_is_rotated():
    train = Digits(split="train")
    domains = digit_domains()
    assert torch.equal(domains.a.images, train.images[0::2])
    assert torch.equal(domains.b.images, torch.rot90(train.images[1::2], 1, dims=(-2, -1)))
    assert len(domains.a) + len(domains.b) == len(train) == 1438
    images, labels = held_out_digits()
    test = Digits(split="test")
    assert torch.equal(images, test.images) and torch.equal(labels, test.labels) and len(images) == 359
    assert not set(test.indices.tolist()) & set(train.indices.tolist())  # held out: in neither domain


# -- networks --------------------------------------------------------------------------------------

@pytest.mark.parametrize("blocks", [0, 2])
def test_translator_maps_images_to_images_in_the_tanh_range_and_d_returns_one_logit_each(blocks):
    torch.manual_seed(0)
    x = torch.randn(5, 1, 8, 8)
    y = Translator(8, 1, ngf=8, hidden=32, blocks=blocks)(x)
    assert y.shape == (5, 1, 8, 8) and y.abs().max() < 1
    assert DomainDiscriminator(8, 1, ndf=8)(x).shape == (5,)


@pytest.mark.parametrize("make, name", [
    (lambda: Translator(resolution=6), "resolution"),
    (lambda: Translator(blocks=-1), "blocks"),
    (lambda: DomainDiscriminator(ndf=0), "ndf"),
])
def test_translation_networks_reject_bad_sizes(make, name):
    with pytest.raises(ValueError, match=name):
        make()


# -- translate and the metrics against hand-built generators ----------------------------------------

def test_translate_is_the_generators_output_on_the_cpu():
    torch.manual_seed(1)
    G_ab, G_ba = nn.Conv2d(1, 1, 3, padding=1), nn.Conv2d(1, 1, 1)
    G_ab.resolution = 8  # what the result reads as its resolution
    result = _result(G_ab, G_ba)
    x = torch.rand(4, 1, 8, 8) * 2 - 1
    with torch.no_grad():
        assert torch.equal(result.translate(x, "a2b"), G_ab(x))
        assert torch.equal(result.translate(x, "b2a"), G_ba(x))
    assert result.resolution == 8 and result.translate(x, "a2b").device.type == "cpu"


@pytest.mark.parametrize("x, direction, name", [
    (torch.zeros(2, 1, 8, 8), "ab", "direction"),
    (torch.zeros(2, 1, 8, 8), "B2A", "direction"),
    (torch.zeros(2, 1, 16, 16), "a2b", "x"),
    (torch.zeros(2, 8, 8), "a2b", "x"),
    (torch.zeros(2, 3, 8, 8), "a2b", "x"),
    ([[0.0]], "a2b", "x"),
    (torch.full((2, 1, 8, 8), float("nan")), "a2b", "x"),
])
def test_translate_rejects_a_bad_direction_or_images(x, direction, name):
    with pytest.raises(ValueError, match=name):
        _result().translate(x, direction)


def test_the_exact_rotation_preserves_labels_as_often_as_the_classifier_is_right():
    images, labels = held_out_digits()
    classifier = load_digit_classifier()
    with torch.no_grad():
        correct = classifier(images).argmax(1) == labels  # (359,)
    accuracy = correct.double().mean().item()
    oracle = _result(Turn(1), Turn(-1))
    preserved = oracle.label_preservation()
    assert preserved.a2b == pytest.approx(accuracy, abs=1e-12) and preserved.b2a == pytest.approx(accuracy, abs=1e-12)
    assert 0.97 < accuracy < 1
    assert oracle.translation_error().a2b == 0 and oracle.translation_error().b2a == 0
    assert oracle.cycle_error().a2b == 0 and oracle.cycle_error().b2a == 0
    # Every label it gets wrong is the classifier's mistake, and the cycle is exact: all "hidden".
    hidden = oracle.hidden_information()
    assert hidden.wrong == hidden.count == int((~correct).sum()) and hidden.n == 359


def test_the_identity_map_scores_the_classifier_on_turned_digits():
    images, labels = held_out_digits()
    classifier = load_digit_classifier()
    with torch.no_grad():
        a2b = (classifier(torch.rot90(images, -1, dims=(-2, -1))).argmax(1) == labels).double().mean().item()
        b2a = (classifier(torch.rot90(images, 1, dims=(-2, -1))).argmax(1) == labels).double().mean().item()
    identity = _result(Turn(0), Turn(0))
    preserved = identity.label_preservation()
    assert preserved.a2b == pytest.approx(a2b, abs=1e-12) and preserved.b2a == pytest.approx(b2a, abs=1e-12)
    assert max(a2b, b2a) < 0.5  # a turned digit is seldom read as itself
    error = (images - torch.rot90(images, 1, dims=(-2, -1))).abs().mean().item()
    assert identity.translation_error().a2b == pytest.approx(error, rel=1e-6)
    assert identity.cycle_error().a2b == 0
    hidden = identity.hidden_information()
    assert hidden.count == hidden.wrong == round((1 - a2b) * 359)  # wrong labels, exact cycles


class _Add(nn.Module):
    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def forward(self, x):
        return x + self.value


def test_hidden_information_counts_wrong_labels_only_where_the_cycle_comes_back():
    exact = _result(Turn(0), Turn(0)).hidden_information(threshold=1e-9)
    assert exact.count == exact.wrong > 0  # F(G(a)) = a exactly: every wrong label is "hidden"
    far = _result(Turn(0), _Add(0.5))  # F(G(a)) = a + 0.5: a cycle error of exactly 0.5 on every image
    assert far.hidden_information(threshold=0.4).count == 0
    within = far.hidden_information(threshold=0.6)
    assert within.count == within.wrong == exact.wrong and within.threshold == 0.6


@pytest.mark.parametrize("call, name", [
    (lambda r: r.label_preservation(torch.zeros(3, 1, 8, 8)), "labels"),
    (lambda r: r.label_preservation(torch.zeros(3, 1, 8, 8), torch.zeros(2, dtype=torch.long)), "labels"),
    (lambda r: r.cycle_error(torch.zeros(3, 8, 8)), "images"),
    (lambda r: r.hidden_information(threshold=0), "threshold"),
])
def test_metrics_reject_bad_arguments(call, name):
    with pytest.raises(ValueError, match=name):
        call(_result(Turn(1), Turn(-1)))


# -- the recipe --------------------------------------------------------------------------------------

def test_recipe_is_the_papers_settings_without_the_identity_loss():
    r = CYCLEGAN_DIGITS
    assert (r.loss, r.cycle_weight, r.identity_weight, r.pool_size) == ("lsgan", 10.0, 0.0, 50)
    assert (r.lr_d, r.lr_g, r.betas) == (2e-4, 2e-4, (0.5, 0.999))
    game = build_cyclegan_trainer(steps=1, device="cpu").game
    assert game.cycle_weight == 10.0 and game.identity_weight == 0.0 and game.pool_a.size == 50
    assert game.loss_fn.name == "lsgan"


@pytest.mark.parametrize("make, name", [
    (lambda: CycleGANRecipe(steps=0), "steps"),
    (lambda: CycleGANRecipe(cycle_weight=-1), "cycle_weight"),
    (lambda: CycleGANRecipe(identity_weight=float("nan")), "identity_weight"),
    (lambda: CycleGANRecipe(resolution=12), "resolution"),
    (lambda: CycleGANRecipe(loss="hinge2"), "loss"),
    (lambda: CycleGANRecipe(ema=1.0), "ema"),
    (lambda: train_cyclegan(steps=0, device="cpu"), "steps"),
    (lambda: train_cyclegan(seed=-1, steps=1, device="cpu"), "seed"),
    (lambda: train_cyclegan(recipe={"steps": 1}), "recipe"),
])
def test_recipe_rejects_bad_values_naming_them(make, name):
    with pytest.raises(ValueError, match=name):
        make()


def test_an_unknown_recipe_field_is_refused():
    with pytest.raises(TypeError, match="bogus"):
        dataclasses.replace(CYCLEGAN_DIGITS, bogus=1)


def test_a_short_run_is_determined_by_its_seed_and_leaves_the_callers_rng_alone():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    first = train_cyclegan(seed=0, steps=3, device="cpu")
    assert torch.equal(torch.rand(1), before)
    second = train_cyclegan(seed=0, steps=3, device="cpu")
    other = train_cyclegan(seed=1, steps=3, device="cpu")
    for name in ("G_ab", "G_ba", "D_a", "D_b"):
        a, b = first.game.networks()[name].state_dict(), second.game.networks()[name].state_dict()
        assert all(torch.equal(a[k], b[k]) for k in a), name
    assert not torch.equal(first.game.G_ab.state_dict()["decode.3.weight"], other.game.G_ab.state_dict()["decode.3.weight"])
    assert first.trainer.step == 3
    assert first.cycle_error() == second.cycle_error()


# --- the symmetry generator (gan_edu.models.SymmetryTranslator) ---------------------------------

def _by_index(x, k, transpose):
    """T_k by explicit indices: transpose (out[i, j] = x[j, i]), then k quarter turns counter-
    clockwise, one turn being out[i, j] = x[j, W - 1 - i]."""
    y = x.clone()
    if transpose:
        y = torch.stack([torch.stack([y[..., j, i] for j in range(y.shape[-2])], -1)
                         for i in range(y.shape[-1])], -2)
    for _ in range(k):
        W = y.shape[-1]
        y = torch.stack([torch.stack([y[..., j, W - 1 - i] for j in range(W)], -1) for i in range(W)], -2)
    return y


def test_symmetries_are_the_eight_maps_of_the_square_in_the_named_order():
    from gan_edu.models import SYMMETRIES, symmetries

    x = torch.randn(2, 1, 5, 5)
    out = symmetries(x)
    assert out.shape == (8, 2, 1, 5, 5) and len(SYMMETRIES) == 8
    for index, name in enumerate(SYMMETRIES):
        k = 0 if name in ("identity", "transpose") else int(name.split("rot")[1]) // 90
        assert torch.equal(out[index], _by_index(x, k, name.startswith("transpose"))), name
    flat = out.flatten(1)
    assert len({tuple(row.tolist()) for row in flat}) == 8  # all distinct on a generic image
    with pytest.raises(ValueError, match=r"x must have shape \(B, C, H, H\)"):
        symmetries(torch.zeros(1, 1, 4, 5))


def test_symmetry_translator_mixes_the_eight_maps_by_the_softmax_of_its_logits():
    from gan_edu.models import SymmetryTranslator

    x = torch.rand(3, 1, 8, 8) * 2 - 1
    G = SymmetryTranslator(8)
    with torch.no_grad():
        G.logits.zero_()
    uniform = sum(_by_index(x, k, t) for t in (False, True) for k in range(4)) / 8
    torch.testing.assert_close(G(x), uniform)
    with torch.no_grad():
        G.logits.copy_(torch.tensor([0.0, 50, 0, 0, 0, 0, 0, 0]))  # all weight on rot90
    torch.testing.assert_close(G(x), _by_index(x, 1, False))
    logits = torch.tensor([0.3, -1.0, 2.0, 0.0, 0.5, -0.2, 1.1, 0.7])
    with torch.no_grad():
        G.logits.copy_(logits)
    weights = logits.exp() / logits.exp().sum()
    torch.testing.assert_close(G.weights, weights)
    expected = sum(weights[4 * t + k] * _by_index(x, k, bool(t)) for t in (0, 1) for k in range(4))
    torch.testing.assert_close(G(x), expected)
    assert G(x).min() >= x.min() - 1e-6 and G(x).max() <= x.max() + 1e-6  # a convex mixture of x's pixels


@pytest.mark.parametrize("make, name", [
    (lambda: __import__("gan_edu.models", fromlist=["x"]).SymmetryTranslator(6), "resolution"),
    (lambda: __import__("gan_edu.models", fromlist=["x"]).SymmetryTranslator(8, init_std=-1), "init_std"),
    (lambda: __import__("gan_edu.models", fromlist=["x"]).SymmetryTranslator(8)(torch.zeros(2, 1, 4, 4)), "x"),
    (lambda: CycleGANRecipe(generator="unet"), "generator"),
])
def test_symmetry_generator_rejects_bad_values_naming_them(make, name):
    with pytest.raises(ValueError, match=name):
        make()


def test_the_symmetry_recipe_picks_the_rotation_and_the_identity_loss_picks_the_identity():
    """The losses alone choose among the eight maps: rot90 for G_ab and its inverse rot270 for G_ba;
    with the identity loss (which asks G_ab(b) = b) both generators settle on the identity instead."""
    from gan_edu.models import SYMMETRIES
    from gan_edu.recipes import CYCLEGAN_SYMMETRY

    images, labels = held_out_digits()
    result = train_cyclegan(seed=0, device="cpu", recipe=CYCLEGAN_SYMMETRY)
    assert SYMMETRIES[int(result.game.G_ab.weights.argmax())] == "rot90"
    assert SYMMETRIES[int(result.game.G_ba.weights.argmax())] == "rot270"
    assert result.game.G_ab.weights.max() > 0.8
    exact = (load_digit_classifier()(images).argmax(1) == labels).double().mean().item()
    assert result.label_preservation(images, labels).a2b >= exact - 0.02  # the exact rotation's score
    identity = train_cyclegan(seed=0, device="cpu",
                              recipe=dataclasses.replace(CYCLEGAN_SYMMETRY, identity_weight=5.0))
    assert SYMMETRIES[int(identity.game.G_ab.weights.argmax())] == "identity"
    assert identity.label_preservation(images, labels).a2b < 0.3
    hidden = identity.hidden_information(images=images, labels=labels)
    assert hidden.count == hidden.wrong > 0.7 * hidden.n  # a perfect cycle, a wrong map
