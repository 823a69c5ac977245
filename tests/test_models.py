"""The MLP generator's discrete latent code (gan_edu.models.Generator with categories > 0)."""

import math
import re

import pytest
import torch
from scipy.stats import norm

from gan_edu.models import Generator


def test_code_is_k_equiprobable_values_cut_at_normal_quantiles():
    K = 5
    G = Generator(3, 2, width=8, depth=1, categories=K)
    # Hand-computed: c = j exactly when z_0 lies between the j/K and (j+1)/K quantiles of N(0, 1).
    edges = norm.ppf([j / K for j in range(1, K)])  # -0.8416, -0.2533, 0.2533, 0.8416
    z0 = torch.tensor([-3.0, edges[0] - 1e-3, edges[0] + 1e-3, 0.0, edges[3] + 1e-3, 5.0], dtype=torch.float64)
    z = torch.stack([z0, torch.zeros_like(z0), torch.zeros_like(z0)], 1)
    assert G.code(z).tolist() == [0, 0, 1, 2, 4, 4]
    # Frequencies of the code under z ~ N(0, I): 1/K each, within 4 binomial standard errors.
    n = 200_000
    counts = torch.bincount(G.code(torch.randn(n, 3, generator=torch.Generator().manual_seed(0))), minlength=K)
    assert (counts.double() / n - 1 / K).abs().max() < 4 * math.sqrt((1 / K) * (1 - 1 / K) / n)


def test_forward_feeds_one_hot_code_and_scaled_noise_to_the_mlp():
    torch.manual_seed(0)
    G = Generator(3, 2, width=8, depth=2, categories=4, noise_scale=0.3)
    z = torch.randn(16, 3)
    by_hand = torch.cat([torch.nn.functional.one_hot(G.code(z), 4).float(), 0.3 * z[:, 1:]], 1)
    assert G.net[0].in_features == 4 + 2
    torch.testing.assert_close(G(z), G.net(by_hand), rtol=0, atol=0)
    # Within one code the output moves only with the scaled noise: same code, same noise -> same x.
    z2 = z.clone()
    z2[:, 0] = z[:, 0] + 1e-4 * torch.sign(z[:, 0])  # nudged away from 0: the code may not change ...
    same = G.code(z2) == G.code(z)
    torch.testing.assert_close(G(z2)[same], G(z)[same])  # ... and where it did not, nothing moved


@pytest.mark.parametrize("kwargs, field", [
    (dict(categories=-1), "categories"), (dict(categories=2.5), "categories"),
    (dict(categories=3, latent_dim=1), "latent_dim"), (dict(noise_scale=0.0), "noise_scale"),
    (dict(noise_scale=float("inf")), "noise_scale"),
])
def test_bad_code_settings_raise_value_error_naming_the_field(kwargs, field):
    args = dict(latent_dim=3, data_dim=2) | kwargs
    with pytest.raises(ValueError, match=field):
        Generator(**args)


def test_without_categories_the_generator_is_the_plain_mlp():
    torch.manual_seed(0)
    G = Generator(4, 2, width=8, depth=1)
    z = torch.randn(5, 4)
    torch.testing.assert_close(G(z), G.net(z), rtol=0, atol=0)
    assert G.net[0].in_features == 4


def test_the_teaching_mlp_of_the_gan_network_page_is_the_library_s_generator_and_discriminator():
    """The plain-PyTorch players shown in book/gan-network.md compute what the library's do."""
    import re
    from pathlib import Path

    from gan_edu.models.mlp import Discriminator, Generator

    page = (Path(__file__).resolve().parents[1] / "book" / "gan-network.md").read_text()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", page, flags=re.S) if "def mlp(" in b]
    assert len(blocks) == 1, "the page shows the teaching mlp() once"
    namespace = {"latent_dim": 3, "data_dim": 2}
    exec(blocks[0], namespace)
    G_page, D_page = namespace["G"], namespace["D"]
    torch.manual_seed(0)
    G_lib, D_lib = Generator(3, 2), Discriminator(2)
    G_lib.net.load_state_dict(G_page.state_dict())  # same layers, same names: strict loading
    D_lib.net.load_state_dict(D_page.state_dict())
    z, x = torch.randn(16, 3), torch.randn(16, 2)
    assert torch.equal(G_lib(z), G_page(z))
    assert torch.equal(D_lib(x), D_page(x)[:, 0])


def test_scale_weights_multiplies_matrices_and_kernels_only():
    from torch import nn

    from gan_edu.models import scale_weights

    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(4, 2))
    before = {k: v.clone() for k, v in net.state_dict().items()}
    assert scale_weights(net, 3.0) is net
    after = net.state_dict()
    for key in before:
        expected = before[key] * 3.0 if key in ("0.weight", "3.weight") else before[key]  # biases, BN untouched
        torch.testing.assert_close(after[key], expected, rtol=0, atol=0)
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="factor"):
            scale_weights(net, bad)
    with pytest.raises(ValueError, match="module"):
        scale_weights("net", 2.0)


@pytest.mark.parametrize("kind", ["toy", "dcgan"])
def test_recipe_init_scale_scales_the_seeded_initial_weights(kind):
    import dataclasses

    from gan_edu.recipes import DIGITS8, PLAIN, build_dcgan_trainer, build_toy_trainer

    if kind == "toy":
        build = lambda s: build_toy_trainer("ring8", recipe=dataclasses.replace(PLAIN, width=16, init_scale=s), device="cpu")
    else:
        build = lambda s: build_dcgan_trainer("digits", recipe=dataclasses.replace(DIGITS8, init_scale=s), device="cpu")
    one, four = build(1.0), build(4.0)
    for net in ("G", "D"):
        a = dict(getattr(one, net).named_parameters())
        b = dict(getattr(four, net).named_parameters())
        assert a.keys() == b.keys()
        for name in a:
            factor = 4.0 if name.endswith("weight") and a[name].dim() >= 2 else 1.0
            torch.testing.assert_close(b[name], a[name] * factor, rtol=1e-6, atol=0)


def test_code_weights_draw_the_values_with_those_probabilities_and_survive_the_state_dict():
    K, n = 4, 200_000
    G = Generator(3, 2, width=8, depth=1, categories=K)
    G.set_code_weights(torch.tensor([3.0, 1.0, 0.0, 4.0]))  # normalised: 3/8, 1/8, 0, 1/2
    z = torch.randn(n, 3, generator=torch.Generator().manual_seed(1))
    freq = torch.bincount(G.code(z), minlength=K).double() / n
    expected = torch.tensor([3 / 8, 1 / 8, 0.0, 1 / 2], dtype=torch.float64)
    assert (freq - expected).abs().max() < 4 * math.sqrt(0.25 / n)
    assert freq[2] == 0  # a value of probability 0 is never drawn
    # Hand-computed edges: c = 0 below the 3/8 quantile of N(0, 1), c = 3 above the 1/2 quantile.
    z0 = torch.tensor([norm.ppf(3 / 8) - 1e-3, norm.ppf(3 / 8) + 1e-3, 1e-3])
    assert G.code(torch.stack([z0, 0 * z0, 0 * z0], 1)).tolist() == [0, 1, 3]
    # The weights are a buffer: a fresh G loaded from the state dict draws the same codes ...
    H = Generator(3, 2, width=8, depth=1, categories=K)
    H.load_state_dict(G.state_dict())
    assert torch.equal(H.code(z), G.code(z))
    # ... a state dict saved before the weights existed loads as equiprobable ...
    old = {k: v for k, v in G.state_dict().items() if k != "code_weights"}
    H.load_state_dict(old)
    assert torch.equal(H.code(z), Generator(3, 2, width=8, depth=1, categories=K).code(z))
    # ... and None restores floor(K Phi(z_0)) exactly.
    G.set_code_weights(None)
    u = torch.special.ndtr(z[:, 0])
    assert torch.equal(G.code(z), (u * K).long().clamp(0, K - 1))


@pytest.mark.parametrize("weights, shows", [
    (torch.ones(3), "(4,)"), (torch.tensor([1.0, -1.0, 1.0, 1.0]), "-1.0"),
    (torch.tensor([1.0, float("nan"), 1.0, 1.0]), "nan"), (torch.zeros(4), "0.0"), ([1, 1, 1, 1], "list"),
])
def test_bad_code_weights_raise_value_error_naming_weights(weights, shows):
    G = Generator(3, 2, width=8, depth=1, categories=4)
    with pytest.raises(ValueError, match=rf"(?s)weights.*{re.escape(shows)}"):
        G.set_code_weights(weights)
    assert torch.equal(G.code_weights, torch.full((4,), 0.25))  # nothing changed
    with pytest.raises(ValueError, match="categories > 0"):
        Generator(3, 2, width=8, depth=1).set_code_weights(torch.ones(4))
