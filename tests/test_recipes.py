"""train_toy: the public recipe entry point (short runs; the quality figures are benchmarks)."""

import dataclasses

import pytest
import torch

from gan_edu.distributions import GaussianMixture
from gan_edu.models.dcgan import DCGANConfig
from gan_edu.recipes import PLAIN, TOY_RECIPES, DCGANRecipe, ToyRecipe, as_variant, build_toy_trainer, train_toy


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


# -- the WGAN variants of a recipe (gan_edu.recipes.variants) -------------------------------------

def test_as_variant_builds_the_published_wgan_and_wgan_gp_settings():
    import dataclasses

    from gan_edu.losses import GradientPenalty, WeightClipping

    small = dataclasses.replace(PLAIN, width=16, steps=3, batch_size=32)
    gp = build_toy_trainer("grid25", recipe=as_variant(small, "wgan-gp"), device="cpu")
    assert isinstance(gp.game.penalty, GradientPenalty) and gp.game.penalty.weight == 10.0
    assert gp.config.k == 5 and gp.config.lr_d == 1e-4 and gp.config.betas == (0.5, 0.9)
    assert isinstance(gp.opt_d, torch.optim.Adam)
    clip = build_toy_trainer("grid25", recipe=as_variant(small, "wgan"), device="cpu")
    assert isinstance(clip.game.constraint, WeightClipping) and clip.game.constraint.c == 0.01
    assert isinstance(clip.opt_d, torch.optim.RMSprop) and clip.opt_d.defaults["lr"] == 5e-5
    assert clip.opt_d.defaults["alpha"] == 0.99  # torch's RMSProp default, as in the WGAN code
    clip.fit()
    assert max(p.abs().max().item() for p in clip.D.parameters()) <= 0.01 + 1e-12
    ns = as_variant(small, "ns")
    assert ns == small


def test_wgan_gp_critic_scores_each_image_alone():
    # Batch norm makes a sample's score depend on the rest of the batch, which a per-sample
    # penalty cannot allow; the WGAN-GP recipe replaces it by layer norm (GroupNorm(1, C)).
    from gan_edu.models.dcgan import DCGANDiscriminator

    recipe = as_variant(DCGANRecipe(), "wgan-gp")
    assert recipe.d_norm == "layer" and recipe.g_norm == "batch"
    x = torch.randn(8, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    for norm, alone in (("layer", True), ("batch", False)):
        torch.manual_seed(0)
        D = DCGANDiscriminator(DCGANConfig(resolution=16, channels=1, ndf=8, d_norm=norm)).train()
        kinds = {type(m).__name__ for m in D.modules()}
        assert ("BatchNorm2d" in kinds) == (norm == "batch")
        with torch.no_grad():
            together, first_with_other = D(x)[:2], D(torch.cat([x[:1], x[5:8]]))[0]
        assert torch.allclose(together[0], first_with_other, atol=1e-6) == alone


def test_dcgan_without_norm_has_biases_and_no_norm_layers():
    from gan_edu.models.dcgan import DCGANGenerator

    G = DCGANGenerator(DCGANConfig(resolution=16, channels=1, latent_dim=8, ngf=8, g_norm="none"))
    convs = [m for m in G.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
    assert all(m.bias is not None for m in convs[:-1]) and convs[-1].bias is None
    assert not any(isinstance(m, (torch.nn.BatchNorm2d, torch.nn.GroupNorm)) for m in G.modules())


@pytest.mark.parametrize("make, name", [
    (lambda: ToyRecipe(gp_weight=-1.0, r1_gamma=0.0), "gp_weight"),
    (lambda: ToyRecipe(gp_weight=1.0, clip=0.1, r1_gamma=0.0), "clip"),
    (lambda: ToyRecipe(gp_weight=1.0, r1_gamma=0.1), "r1_gamma"),
    (lambda: ToyRecipe(loss="wasserstein"), "loss"),
    (lambda: DCGANRecipe(d_norm="group"), "d_norm"),
    (lambda: DCGANRecipe(optimizer="sgd2"), "optimizer"),
    (lambda: DCGANRecipe(k=0), "k"),
    (lambda: DCGANConfig(g_norm="instance"), "g_norm"),
    (lambda: as_variant(PLAIN, "wgan-lp"), "name"),
    (lambda: as_variant({"loss": "ns"}, "wgan"), "recipe"),
])
def test_variant_bad_input_names_the_parameter(make, name):
    with pytest.raises(ValueError, match=name):
        make()


class _Identity(torch.nn.Module):
    """D's logit = x (1-D data): e^logit is then a log-normal's mean under G's Gaussian noise."""

    def forward(self, x):
        return x[:, 0]


def test_code_weights_from_discriminator_match_the_closed_form():
    from gan_edu.models import Generator
    from gan_edu.recipes import code_weights_from_discriminator

    G = Generator(2, 1, width=8, depth=1, categories=2)
    G.net = torch.nn.Linear(3, 1, bias=False)  # x = 2 (code 0) or -2 (code 1), + 0.5 n with n ~ N(0, 1)
    with torch.no_grad():
        G.net.weight.copy_(torch.tensor([[2.0, -2.0, 0.5]]))
    G.set_code_weights(torch.tensor([0.2, 0.8]))
    w = code_weights_from_discriminator(G, _Identity(), per_code=20_000, generator=torch.Generator().manual_seed(0))
    # pi_c E[e^x | c] = pi_c exp(+-2 + 0.5^2 / 2): the noise term is the same for both codes and cancels.
    import math
    a, b = 0.2 * math.exp(2.0), 0.8 * math.exp(-2.0)
    torch.testing.assert_close(w, torch.tensor([a / (a + b), b / (a + b)], dtype=torch.float64), rtol=2e-2, atol=0)
    assert torch.allclose(G.code_weights, torch.tensor([0.2, 0.8]))  # G's own weights are left as they were
    # A D that cannot tell the codes apart (constant logit) leaves the weights as they are.
    flat = code_weights_from_discriminator(G, type("Flat", (torch.nn.Module,), {"forward": lambda s, x: 0 * x[:, 0] + 3.0})(),
                                           per_code=10)
    torch.testing.assert_close(flat, torch.tensor([0.2, 0.8], dtype=torch.float64))


def test_reweight_codes_sets_the_sampling_generators_weights_only():
    from gan_edu.recipes import reweight_codes

    trainer = build_toy_trainer("ring8", steps=10, device="cpu")
    trainer.fit()
    w = reweight_codes(trainer, per_code=50)
    assert w.shape == (50,) and abs(float(w.sum()) - 1) < 1e-12 and (w > 0).all()
    torch.testing.assert_close(trainer.G_ema.code_weights, w.float())
    assert torch.equal(trainer.G.code_weights, torch.full((50,), 1 / 50))  # D's opponent is unchanged
    with pytest.raises(ValueError, match="trainer must be"):
        reweight_codes("trainer")
    with pytest.raises(ValueError, match="reweight must be a bool"):
        ToyRecipe(categories=4, reweight="yes")
    with pytest.raises(ValueError, match="categories > 0"):
        ToyRecipe(reweight=True)


def test_digits_sn_is_the_digits_recipe_with_the_later_gans_training_choices():
    """SNGAN / SAGAN / BigGAN's choices on the DCGAN digits nets: spectral norm in D (and no batch
    norm there), hinge loss, D's learning rate twice G's, Adam betas (0, 0.9), an EMA of G."""
    import dataclasses as dc

    from gan_edu.recipes import DCGAN_RECIPES, DIGITS_SN

    digits = DCGAN_RECIPES["digits"]
    changed = {f.name for f in dc.fields(digits) if getattr(digits, f.name) != getattr(DIGITS_SN, f.name)}
    assert changed == {"spectral_norm", "d_norm", "loss", "lr_d", "lr_g", "betas", "ema", "steps"}
    assert (DIGITS_SN.spectral_norm, DIGITS_SN.d_norm, DIGITS_SN.loss, DIGITS_SN.betas) == ("d", "none", "hinge", (0.0, 0.9))
    assert DIGITS_SN.lr_d == 2 * DIGITS_SN.lr_g and 0 < DIGITS_SN.ema < 1
    assert DIGITS_SN.config().ema == DIGITS_SN.ema and digits.config().ema == 0.0
