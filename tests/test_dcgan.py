"""DCGAN networks: shapes, parameter counts from the layer formulas, the pytorch/examples
architecture, the N(0, 0.02) initialisation, config validation, channels_last, and the
options that break the paper's architecture rules one at a time (for their ablation)."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from torch import nn

from gan_edu.models.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator, ScaledSigmoid, init_dcgan_weights
from gan_edu.recipes import DCGANRecipe, build_dcgan_trainer

RESOLUTIONS = (8, 16, 32, 64)


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def conv(c_in: int, c_out: int, k: int = 4) -> int:
    """Parameters of a bias-free (transposed) convolution: c_in * c_out * k * k."""
    return c_in * c_out * k * k


def bn(c: int) -> int:
    """Parameters of a BatchNorm2d: a scale and a shift per channel."""
    return 2 * c


@pytest.mark.parametrize("resolution", RESOLUTIONS)
@pytest.mark.parametrize("channels", (1, 3))
def test_generator_maps_latent_batch_to_images_of_the_configured_size(resolution, channels):
    config = DCGANConfig(resolution=resolution, channels=channels, latent_dim=16, ngf=8, ndf=8)
    G = DCGANGenerator(config)
    x_fake = G(torch.randn(5, 16))
    assert x_fake.shape == (5, channels, resolution, resolution)


@pytest.mark.parametrize("resolution", RESOLUTIONS)
@pytest.mark.parametrize("channels", (1, 3))
def test_discriminator_returns_one_logit_per_image(resolution, channels):
    torch.manual_seed(0)
    config = DCGANConfig(resolution=resolution, channels=channels, latent_dim=16, ngf=8, ndf=8)
    D = DCGANDiscriminator(config)
    logits = D(torch.randn(5, channels, resolution, resolution))
    assert logits.shape == (5,)
    # Raw logits, not probabilities: with the last conv scaled up they leave [0, 1]
    # (which side depends on the draw: batch norm can give every image the same sign).
    with torch.no_grad():
        D.main[-1].weight.mul_(1e3)
    big = D(torch.randn(64, channels, resolution, resolution))
    assert ((big < 0) | (big > 1)).any() and big.abs().max() > 1


def test_discriminator_handles_a_batch_of_one():
    D = DCGANDiscriminator(DCGANConfig(resolution=16, ngf=8, ndf=8)).eval()
    assert D(torch.randn(1, 3, 16, 16)).shape == (1,)


def test_generator_output_lies_in_minus_one_one_even_when_saturated():
    torch.manual_seed(0)
    G = DCGANGenerator(DCGANConfig(resolution=32, latent_dim=8, ngf=8))
    with torch.no_grad():
        G.main[-2].weight.mul_(1e3)  # pre-activations of order 100: tanh saturates
    x_fake = G(torch.randn(32, 8))
    assert x_fake.abs().max().item() <= 1.0
    assert x_fake.min().item() < -0.99 and x_fake.max().item() > 0.99


def test_64px_generator_has_the_3_576_704_parameters_of_pytorch_examples():
    # ConvT(100, 512) + BN(512), ConvT(512, 256) + BN, ConvT(256, 128) + BN, ConvT(128, 64) + BN, ConvT(64, 3)
    expected = (conv(100, 512) + bn(512) + conv(512, 256) + bn(256) + conv(256, 128) + bn(128)
                + conv(128, 64) + bn(64) + conv(64, 3))
    assert expected == 819_200 + 1_024 + 2_097_152 + 512 + 524_288 + 256 + 131_072 + 128 + 3_072 == 3_576_704
    assert n_params(DCGANGenerator(DCGANConfig())) == expected


def test_64px_discriminator_has_the_2_765_568_parameters_of_pytorch_examples():
    # Conv(3, 64), Conv(64, 128) + BN, Conv(128, 256) + BN, Conv(256, 512) + BN, Conv(512, 1)
    expected = (conv(3, 64) + conv(64, 128) + bn(128) + conv(128, 256) + bn(256)
                + conv(256, 512) + bn(512) + conv(512, 1))
    assert expected == 3_072 + 131_072 + 256 + 524_288 + 512 + 2_097_152 + 1_024 + 8_192 == 2_765_568
    assert n_params(DCGANDiscriminator(DCGANConfig())) == expected


def test_8px_nets_have_one_stride_2_layer_and_no_batch_norm_in_D():
    config = DCGANConfig(resolution=8, channels=1, latent_dim=10, ngf=4, ndf=6)
    # G: ConvT(10, 4) to 4x4 + BN(4), ConvT(4, 1) to 8x8.  D: Conv(1, 6) to 4x4, Conv(6, 1) to 1x1.
    assert n_params(DCGANGenerator(config)) == 10 * 4 * 16 + 2 * 4 + 4 * 1 * 16 == 712
    assert n_params(DCGANDiscriminator(config)) == 1 * 6 * 16 + 6 * 1 * 16 == 192
    D = DCGANDiscriminator(config)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in D.modules())


@pytest.mark.parametrize("resolution", RESOLUTIONS)
def test_parameter_counts_follow_the_width_doubling_rule(resolution):
    c = DCGANConfig(resolution=resolution, channels=3, latent_dim=7, ngf=5, ndf=3)
    L = {8: 1, 16: 2, 32: 3, 64: 4}[resolution]
    g_widths = [5 * 2 ** (L - 1 - i) for i in range(L)]  # ngf * 2^(L-1), ..., ngf
    d_widths = [3 * 2 ** i for i in range(L)]  # ndf, ..., ndf * 2^(L-1)
    expected_g = (conv(7, g_widths[0]) + bn(g_widths[0])
                  + sum(conv(a, b) + bn(b) for a, b in zip(g_widths, g_widths[1:])) + conv(g_widths[-1], 3))
    expected_d = (conv(3, d_widths[0])
                  + sum(conv(a, b) + bn(b) for a, b in zip(d_widths, d_widths[1:])) + conv(d_widths[-1], 1))
    assert n_params(DCGANGenerator(c)) == expected_g
    assert n_params(DCGANDiscriminator(c)) == expected_d


def test_networks_follow_the_dcgan_rules_no_pooling_no_linear_batch_norm_placement():
    G, D = DCGANGenerator(), DCGANDiscriminator()
    forbidden = (nn.Linear, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)
    assert not any(isinstance(m, forbidden) for net in (G, D) for m in net.modules())
    g_layers, d_layers = list(G.main), list(D.main)
    # G: every transposed conv but the last is followed by batch norm + ReLU; the last by tanh.
    assert [type(m) for m in g_layers[-2:]] == [nn.ConvTranspose2d, nn.Tanh]
    assert sum(isinstance(m, nn.BatchNorm2d) for m in g_layers) == 4
    assert sum(isinstance(m, nn.ReLU) for m in g_layers) == 4
    # D: the input conv goes straight to LeakyReLU(0.2); 3 batch norms; the last conv has one output.
    assert [type(m) for m in d_layers[:2]] == [nn.Conv2d, nn.LeakyReLU]
    assert all(m.negative_slope == 0.2 for m in d_layers if isinstance(m, nn.LeakyReLU))
    assert sum(isinstance(m, nn.BatchNorm2d) for m in d_layers) == 3
    assert isinstance(d_layers[-1], nn.Conv2d) and d_layers[-1].out_channels == 1
    strides = [m.stride for m in d_layers if isinstance(m, nn.Conv2d)]
    assert strides == [(2, 2)] * 4 + [(1, 1)]


def pytorch_examples_nets(nz: int = 100, ngf: int = 64, ndf: int = 64, nc: int = 3):
    """The Generator and Discriminator of pytorch/examples dcgan/main.py, written out."""
    G = nn.Sequential(
        nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
        nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh(),
    )
    D = nn.Sequential(
        nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Sigmoid(),
    )
    return G, D


def test_64px_nets_are_the_pytorch_examples_nets_with_D_returning_logits():
    torch.manual_seed(0)
    config = DCGANConfig(ngf=8, ndf=8)  # same layer pattern as ngf = ndf = 64, cheaper to run
    G, D = DCGANGenerator(config).eval(), DCGANDiscriminator(config).eval()
    ref_G, ref_D = pytorch_examples_nets(ngf=8, ndf=8)
    ref_G.load_state_dict(G.main.state_dict())  # strict: same modules, same shapes, same order
    ref_D.load_state_dict(D.main.state_dict())
    ref_G.eval(), ref_D.eval()
    z = torch.randn(4, 100)
    x = torch.randn(4, 3, 64, 64)
    torch.testing.assert_close(G(z), ref_G(z.view(4, 100, 1, 1)), rtol=0, atol=0)
    torch.testing.assert_close(torch.sigmoid(D(x)), ref_D(x).view(4), rtol=1e-6, atol=1e-7)


def test_init_draws_conv_weights_from_normal_0_002_and_bn_scales_from_normal_1_002():
    torch.manual_seed(0)
    G = DCGANGenerator()
    w = G.main[3].weight  # ConvTranspose2d(512, 256, 4, 4): 2,097,152 draws
    assert w.numel() == 2_097_152
    assert w.std().item() == pytest.approx(0.02, rel=0.01)  # sampling error of the std ~ 0.05 %
    assert abs(w.mean().item()) < 1e-4  # standard error 0.02 / sqrt(2e6) = 1.4e-5
    scales = torch.cat([m.weight for m in G.modules() if isinstance(m, nn.BatchNorm2d)])  # 960 draws
    assert scales.mean().item() == pytest.approx(1.0, abs=0.005)  # standard error 6.5e-4
    assert scales.std().item() == pytest.approx(0.02, rel=0.15)  # standard error ~ 2.3 %
    shifts = [m.bias for m in G.modules() if isinstance(m, nn.BatchNorm2d)]
    assert all((b == 0).all() for b in shifts)


def test_init_dcgan_weights_zeroes_conv_biases_and_ignores_other_modules():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(64, 64, 3), nn.Linear(4, 4))
    linear_before = net[1].weight.clone()
    assert init_dcgan_weights(net) is net
    assert (net[0].bias == 0).all()
    assert net[0].weight.std().item() == pytest.approx(0.02, rel=0.03)  # 36,864 draws
    assert torch.equal(net[1].weight, linear_before)


@pytest.mark.parametrize("field, value", [
    ("resolution", 48), ("resolution", 128), ("resolution", 64.0), ("channels", 2), ("channels", True),
    ("latent_dim", 0), ("ngf", 0), ("ndf", -8), ("ndf", "64"),
    ("resample", "max"), ("resample", None), ("fc_hidden", -1), ("fc_hidden", 1.5), ("fc_hidden", True),
    ("g_output", "relu"), ("g_output", "Tanh"), ("d_activation", "elu"), ("init", "xavier"), ("init", 0),
])
def test_bad_config_raises_value_error_naming_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        DCGANConfig(**{field: value})


def test_config_is_frozen_and_changed_with_replace():
    config = DCGANConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.resolution = 32
    assert dataclasses.replace(config, resolution=32).resolution == 32
    with pytest.raises(ValueError, match="resolution"):
        dataclasses.replace(config, resolution=33)


def test_channels_last_gives_the_same_output_as_contiguous():
    torch.manual_seed(0)
    config = DCGANConfig(resolution=32, channels=3, latent_dim=16, ngf=16, ndf=16)
    G, D = DCGANGenerator(config), DCGANDiscriminator(config)
    z = torch.randn(6, 16)
    x = torch.randn(6, 3, 32, 32)
    for mode in ("train", "eval"):  # batch statistics and running statistics
        G.train(mode == "train"), D.train(mode == "train")
        x_fake, logits = G(z), D(x)
        G_cl = DCGANGenerator(config).to(memory_format=torch.channels_last)
        D_cl = DCGANDiscriminator(config).to(memory_format=torch.channels_last)
        G_cl.load_state_dict(G.state_dict()), D_cl.load_state_dict(D.state_dict())
        G_cl.train(mode == "train"), D_cl.train(mode == "train")
        x_fake_cl = G_cl(z)
        logits_cl = D_cl(x.contiguous(memory_format=torch.channels_last))
        assert x_fake_cl.is_contiguous(memory_format=torch.channels_last)
        torch.testing.assert_close(x_fake_cl, x_fake, rtol=0, atol=1e-5)
        torch.testing.assert_close(logits_cl, logits, rtol=0, atol=1e-5)


# ------------------------------------------------------------------------------------------
# The options that break one rule of the paper each; their defaults keep the networks above
# ------------------------------------------------------------------------------------------

SMALL = dict(resolution=16, channels=1, latent_dim=10, ngf=4, ndf=6)


def bn_keys(prefix: str, c: int) -> dict[str, tuple[int, ...]]:
    """The state_dict entries of a BatchNorm2d(c) at ``prefix``."""
    return {f"{prefix}.weight": (c,), f"{prefix}.bias": (c,), f"{prefix}.running_mean": (c,),
            f"{prefix}.running_var": (c,), f"{prefix}.num_batches_tracked": ()}


def shapes(module: nn.Module) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


def test_default_options_keep_the_state_dict_keys_and_shapes_of_the_paper_nets():
    # R = 16: L = 2 stride-2 layers. G widths 10 -> 8 (4x4) -> 4 (8x8) -> 1 (16x16), ConvT weights (in, out, 4, 4);
    # G.main = [ConvT, BN, ReLU, ConvT, BN, ReLU, ConvT, Tanh].
    expected_g = {"main.0.weight": (10, 8, 4, 4), **bn_keys("main.1", 8),
                  "main.3.weight": (8, 4, 4, 4), **bn_keys("main.4", 4), "main.6.weight": (4, 1, 4, 4)}
    # D widths 1 -> 6 (8x8) -> 12 (4x4) -> 1, Conv weights (out, in, 4, 4);
    # D.main = [Conv, LReLU, Conv, BN, LReLU, Conv].
    expected_d = {"main.0.weight": (6, 1, 4, 4), "main.2.weight": (12, 6, 4, 4), **bn_keys("main.3", 12),
                  "main.5.weight": (1, 12, 4, 4)}
    explicit = DCGANConfig(**SMALL, resample="strided", fc_hidden=0, g_output="tanh", d_activation="leaky_relu",
                           init="dcgan")
    assert explicit == DCGANConfig(**SMALL)
    for config in (DCGANConfig(**SMALL), explicit):
        G, D = DCGANGenerator(config), DCGANDiscriminator(config)
        assert shapes(G) == expected_g and list(G.state_dict()) == list(expected_g)  # same keys, same order
        assert shapes(D) == expected_d and list(D.state_dict()) == list(expected_d)
        assert G.fc is None
        assert [type(m) for m in G.main] == [nn.ConvTranspose2d, nn.BatchNorm2d, nn.ReLU] * 2 + [nn.ConvTranspose2d,
                                                                                              nn.Tanh]
        assert [type(m) for m in D.main] == [nn.Conv2d, nn.LeakyReLU, nn.Conv2d, nn.BatchNorm2d, nn.LeakyReLU,
                                             nn.Conv2d]


@pytest.mark.parametrize("resolution", (8, 16, 32))
def test_pool_replaces_strided_convolutions_by_3x3_convolutions_with_pooling_and_upsampling(resolution):
    L = {8: 1, 16: 2, 32: 3}[resolution]
    config = DCGANConfig(resolution=resolution, channels=3, latent_dim=10, ngf=4, ndf=6, resample="pool")
    G, D = DCGANGenerator(config), DCGANDiscriminator(config)
    # D: L times (3x3 stride-1 conv, AvgPool2d(2)), then the 4x4 conv to one logit; no stride-2 conv left.
    d_convs = [m for m in D.modules() if isinstance(m, nn.Conv2d)]
    assert [(m.kernel_size, m.stride, m.padding) for m in d_convs] == [((3, 3), (1, 1), (1, 1))] * L + [
        ((4, 4), (1, 1), (0, 0))]
    pools = [m for m in D.modules() if isinstance(m, nn.AvgPool2d)]
    assert len(pools) == L and all(m.kernel_size == 2 and m.stride == 2 for m in pools)
    assert [m.out_channels for m in d_convs] == [6 * 2 ** i for i in range(L)] + [1]
    # G: the 1x1 -> 4x4 transposed conv stays; then L times (Upsample x2 nearest, 3x3 stride-1 conv).
    g_convt = [m for m in G.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert len(g_convt) == 1 and g_convt[0].stride == (1, 1) and g_convt[0] is G.main[0]
    ups = [m for m in G.modules() if isinstance(m, nn.Upsample)]
    assert len(ups) == L and all(m.scale_factor == 2 and m.mode == "nearest" for m in ups)
    g_convs = [m for m in G.modules() if isinstance(m, nn.Conv2d)]
    assert [(m.kernel_size, m.stride, m.padding) for m in g_convs] == [((3, 3), (1, 1), (1, 1))] * L
    assert [m.out_channels for m in g_convs] == [4 * 2 ** (L - 2 - i) for i in range(L - 1)] + [3]
    # Norms and activations in the same places: L batch norms in G, L - 1 in D (none on D's input).
    assert sum(isinstance(m, nn.BatchNorm2d) for m in G.modules()) == L
    assert sum(isinstance(m, nn.BatchNorm2d) for m in D.modules()) == L - 1
    assert isinstance(G.main[-1], nn.Tanh) and isinstance(G.main[-3], nn.Upsample)
    assert G(torch.randn(3, 10)).shape == (3, 3, resolution, resolution)
    assert D(torch.randn(3, 3, resolution, resolution)).shape == (3,)


def test_pool_layer_order_and_parameter_counts_at_16px():
    config = DCGANConfig(**SMALL, resample="pool")
    G, D = DCGANGenerator(config), DCGANDiscriminator(config)
    assert [type(m) for m in G.main] == [nn.ConvTranspose2d, nn.BatchNorm2d, nn.ReLU, nn.Upsample, nn.Conv2d,
                                         nn.BatchNorm2d, nn.ReLU, nn.Upsample, nn.Conv2d, nn.Tanh]
    assert [type(m) for m in D.main] == [nn.Conv2d, nn.AvgPool2d, nn.LeakyReLU, nn.Conv2d, nn.AvgPool2d,
                                         nn.BatchNorm2d, nn.LeakyReLU, nn.Conv2d]
    assert n_params(G) == conv(10, 8) + bn(8) + conv(8, 4, k=3) + bn(4) + conv(4, 1, k=3)
    assert n_params(D) == conv(1, 6, k=3) + conv(6, 12, k=3) + bn(12) + conv(12, 1)


@pytest.mark.parametrize("resolution", (8, 16, 32))
def test_fc_hidden_adds_a_fully_connected_layer_in_each_net(resolution):
    L = {8: 1, 16: 2, 32: 3}[resolution]
    config = DCGANConfig(resolution=resolution, channels=3, latent_dim=10, ngf=4, ndf=6, fc_hidden=24)
    G, D = DCGANGenerator(config), DCGANDiscriminator(config)
    g_linear = [m for m in G.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in g_linear] == [(10, 24)]
    assert [type(m) for m in G.fc] == [nn.Linear, nn.ReLU]
    assert G.main[0].in_channels == 24 and G.main[0].out_channels == 4 * 2 ** (L - 1)
    c = 6 * 2 ** (L - 1)  # D's last hidden width, on a 4x4 map
    d_linear = [m for m in D.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in d_linear] == [(c * 16, 24), (24, 1)]
    assert [type(m) for m in D.main[-4:]] == [nn.Flatten, nn.Linear, nn.LeakyReLU, nn.Linear]
    assert D.main[-2].negative_slope == 0.2
    assert not any(isinstance(m, nn.Conv2d) and m.out_channels == 1 for m in D.modules())  # the 4x4 conv is gone
    assert G(torch.randn(5, 10)).shape == (5, 3, resolution, resolution)
    assert D(torch.randn(5, 3, resolution, resolution)).shape == (5,)
    # Parameters: G gains Linear(10, 24) and its first ConvT sees 24 channels; D swaps the 4x4 conv for the two Linears.
    base = DCGANConfig(resolution=resolution, channels=3, latent_dim=10, ngf=4, ndf=6)
    w0 = 4 * 2 ** (L - 1)
    assert n_params(G) - n_params(DCGANGenerator(base)) == 10 * 24 + 24 + conv(24, w0) - conv(10, w0)
    assert n_params(D) - n_params(DCGANDiscriminator(base)) == c * 16 * 24 + 24 + 24 + 1 - conv(c, 1)


def test_fc_hidden_layers_are_drawn_from_normal_0_002_under_dcgan_init_and_left_alone_otherwise():
    torch.manual_seed(0)
    config = DCGANConfig(resolution=32, channels=1, latent_dim=64, ngf=16, ndf=16, fc_hidden=512)
    G, D = DCGANGenerator(config), DCGANDiscriminator(config)
    w = D.main[-3].weight  # Linear(64 * 16, 512): 524,288 draws
    assert w.shape == (512, 1024)
    assert w.std().item() == pytest.approx(0.02, rel=0.01) and abs(w.mean().item()) < 1e-4
    assert (D.main[-3].bias == 0).all() and (G.fc[0].bias == 0).all()
    assert G.fc[0].weight.std().item() == pytest.approx(0.02, rel=0.02)  # 32,768 draws
    D_default = DCGANDiscriminator(dataclasses.replace(config, init="default"))
    w = D_default.main[-3].weight
    assert w.std().item() == pytest.approx(1 / math.sqrt(3 * 1024), rel=0.01)  # kaiming-uniform(a = sqrt 5)
    assert w.abs().max().item() <= 1 / math.sqrt(1024)


def test_sigmoid_output_is_tanh_of_half_the_pre_activation_and_tanh_is_tanh_of_it():
    config = DCGANConfig(resolution=16, channels=3, latent_dim=8, ngf=8)
    outputs = {}
    for kind in ("tanh", "sigmoid", "linear"):
        torch.manual_seed(0)  # the output layer has no parameters: the same weights for each kind
        G = DCGANGenerator(dataclasses.replace(config, g_output=kind))
        outputs[kind] = G(torch.randn(6, 8)).detach()
        assert len(G.main) == len(DCGANGenerator(config).main)  # the same layers but the output one
        if kind == "sigmoid":
            assert isinstance(G.main[-1], ScaledSigmoid) and "ScaledSigmoid" in repr(G)
    a = outputs["linear"]
    assert a.abs().max() > 0.05  # not so small that every output looks alike
    torch.testing.assert_close(outputs["sigmoid"], torch.tanh(a / 2), rtol=0, atol=1e-6)
    torch.testing.assert_close(outputs["tanh"], torch.tanh(a), rtol=0, atol=1e-6)
    assert not torch.allclose(outputs["sigmoid"], outputs["tanh"], atol=1e-3)  # half the slope: another output


def test_scaled_sigmoid_maps_to_minus_one_one_with_slope_one_half_at_zero():
    a = torch.tensor([-50.0, -1.0, 0.0, 1.0, 50.0], requires_grad=True)
    y = ScaledSigmoid()(a)
    torch.testing.assert_close(y, 2 / (1 + torch.exp(-a)) - 1)
    assert y[0].item() == pytest.approx(-1.0) and y[2].item() == 0.0 and y[-1].item() == pytest.approx(1.0)
    y[2].backward()
    assert a.grad[2].item() == pytest.approx(0.5)  # 2 sigmoid'(0) = 2 / 4; tanh'(0) = 1


def test_linear_output_is_unbounded():
    torch.manual_seed(0)
    G = DCGANGenerator(DCGANConfig(resolution=16, latent_dim=8, ngf=8, g_output="linear"))
    assert isinstance(G.main[-1], nn.Identity)
    with torch.no_grad():
        G.main[-2].weight.mul_(1e3)  # pre-activations of order 100: tanh would saturate at 1
    x_fake = G(torch.randn(16, 8))
    assert x_fake.abs().max().item() > 10


@pytest.mark.parametrize("fc_hidden", (0, 8))
def test_relu_discriminator_has_no_leaky_relu(fc_hidden):
    config = DCGANConfig(**SMALL, d_activation="relu", fc_hidden=fc_hidden)
    D = DCGANDiscriminator(config)
    assert not any(isinstance(m, nn.LeakyReLU) for m in D.modules())
    # One ReLU after each of the L = 2 hidden convs, one more after the fully connected layer.
    assert sum(isinstance(m, nn.ReLU) for m in D.modules()) == 2 + (fc_hidden > 0)
    assert [type(m) for m in D.main[:2]] == [nn.Conv2d, nn.ReLU]
    x = torch.randn(4, 1, 16, 16)
    assert D(x).shape == (4,)
    # G keeps its ReLUs and D's option does not touch it.
    assert shapes(DCGANGenerator(config)) == shapes(DCGANGenerator(DCGANConfig(**SMALL, fc_hidden=fc_hidden)))


def test_default_init_is_pytorchs_kaiming_uniform_not_normal_0_002():
    # kaiming_uniform_(a = sqrt 5): gain sqrt(2 / (1 + 5)), bound gain * sqrt(3 / fan_in) = 1 / sqrt(fan_in),
    # so weights ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), std 1 / sqrt(3 fan_in). fan_in = weight.size(1) * k * k:
    # in_channels * 16 for a Conv2d, out_channels * 16 for a ConvTranspose2d (weight (in, out, k, k)).
    torch.manual_seed(0)
    config = DCGANConfig(resolution=32, channels=3, latent_dim=16, ngf=16, ndf=16, init="default")
    G, D = DCGANGenerator(config), DCGANDiscriminator(config)
    w = D.main[2].weight  # Conv2d(16, 32, 4): fan_in 256, 8,192 draws
    assert w.shape == (32, 16, 4, 4)
    assert w.std().item() == pytest.approx(1 / math.sqrt(3 * 256), rel=0.03)  # 0.036, not 0.02
    assert w.abs().max().item() <= 1 / math.sqrt(256)
    w = G.main[3].weight  # ConvTranspose2d(64, 32, 4): fan_in 32 * 16 = 512, 32,768 draws
    assert w.shape == (64, 32, 4, 4)
    assert w.std().item() == pytest.approx(1 / math.sqrt(3 * 512), rel=0.02)
    assert w.abs().max().item() <= 1 / math.sqrt(512)
    # Batch norms keep PyTorch's scale 1 and shift 0 (the DCGAN init draws the scales from N(1, 0.02)).
    norms = [m for net in (G, D) for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    assert norms and all((m.weight == 1).all() and (m.bias == 0).all() for m in norms)
    torch.manual_seed(0)
    w_dcgan = DCGANDiscriminator(dataclasses.replace(config, init="dcgan")).main[2].weight
    assert w_dcgan.std().item() == pytest.approx(0.02, rel=0.05)


VARIANTS = [dict(resample="pool"), dict(fc_hidden=16), dict(g_output="sigmoid"), dict(g_output="linear"),
            dict(d_activation="relu"), dict(init="default"),
            dict(resample="pool", fc_hidden=16, g_output="linear", d_activation="relu", init="default", g_norm="layer",
                 d_norm="none")]


@pytest.mark.parametrize("options", VARIANTS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
def test_every_variant_trains_forward_and_backward(options):
    torch.manual_seed(0)
    config = DCGANConfig(resolution=16, channels=3, latent_dim=8, ngf=8, ndf=8, **options)
    G, D = DCGANGenerator(config), DCGANDiscriminator(config)
    x_fake = G(torch.randn(4, 8))
    assert x_fake.shape == (4, 3, 16, 16)
    logits = D(x_fake)
    assert logits.shape == (4,)
    nn.functional.softplus(-logits).mean().backward()  # G's non-saturating loss: gradients through D into G
    for net in (G, D):
        grads = [p.grad for p in net.parameters()]
        assert all(g is not None and torch.isfinite(g).all() for g in grads)
        assert any(g.abs().sum() > 0 for g in grads)
    first = G.fc[0] if config.fc_hidden else G.main[0]
    assert first.weight.grad.abs().sum() > 0  # the gradient reaches G's first layer


def test_recipe_forwards_the_options_to_the_nets_and_checks_them_when_built():
    recipe = DCGANRecipe(resolution=8, latent_dim=8, ngf=4, ndf=4, steps=1, resample="pool", fc_hidden=12,
                         g_output="sigmoid", d_activation="relu", init="default")
    trainer = build_dcgan_trainer("digits", device="cpu", recipe=recipe)
    G, D = trainer.game.G, trainer.game.D
    for net in (G, D):
        assert (net.config.resample, net.config.fc_hidden, net.config.g_output, net.config.d_activation,
                net.config.init) == ("pool", 12, "sigmoid", "relu", "default")
    assert any(isinstance(m, nn.AvgPool2d) for m in D.modules()) and isinstance(G.main[-1], ScaledSigmoid)
    assert [m.out_features for m in D.modules() if isinstance(m, nn.Linear)] == [12, 1]
    defaults = DCGANRecipe()
    assert (defaults.resample, defaults.fc_hidden, defaults.g_output, defaults.d_activation, defaults.init) == (
        "strided", 0, "tanh", "leaky_relu", "dcgan")
    for field, value in (("resample", "pooling"), ("fc_hidden", -2), ("g_output", "softsign"),
                         ("d_activation", "gelu"), ("init", "orthogonal")):
        with pytest.raises(ValueError, match=rf"{field} must be .*{value}"):
            DCGANRecipe(**{field: value})


# --- spectral normalisation (Miyato et al. 2018; SAGAN puts it in both nets) ----------------------

def _largest_singular_value(weight: torch.Tensor, transposed: bool) -> float:
    """sigma_max of the weight as spectral normalisation sees it: output channels by the rest
    (dim 1 of a transposed convolution's weight, dim 0 otherwise), by a full SVD."""
    matrix = weight.transpose(0, 1) if transposed else weight
    return torch.linalg.svdvals(matrix.reshape(matrix.shape[0], -1).double())[0].item()


@pytest.mark.parametrize("where, in_g, in_d", [("none", False, False), ("d", False, True), ("gd", True, True)])
def test_spectral_norm_puts_every_layer_of_the_chosen_nets_at_singular_value_one(where, in_g, in_d):
    from torch.nn.utils import parametrize

    torch.manual_seed(0)
    config = DCGANConfig(resolution=16, channels=1, latent_dim=8, ngf=8, ndf=8, spectral_norm=where, d_norm="none")
    G, D = DCGANGenerator(config), DCGANDiscriminator(config)
    for net, on in ((G, in_g), (D, in_d)):
        layers = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))]
        assert all(parametrize.is_parametrized(m, "weight") == on for m in layers)
        if not on:
            continue
        net.train()
        for _ in range(30):  # the power iteration runs once per forward pass in train mode
            net(torch.randn(4, 8) if net is G else torch.randn(4, 1, 16, 16))
        for m in layers:
            sigma = _largest_singular_value(m.weight.detach(), isinstance(m, nn.ConvTranspose2d))
            assert sigma == pytest.approx(1.0, abs=0.02), m
        # The raw weight is not normalised (its singular value is N(0, 0.02)-sized, far from 1).
        raw = layers[1].parametrizations.weight.original.detach()
        assert _largest_singular_value(raw, isinstance(layers[1], nn.ConvTranspose2d)) < 0.8


def test_spectral_norm_recipe_field_reaches_the_nets_and_a_bad_value_is_refused(tmp_path):
    from torch.nn.utils import parametrize

    recipe = DCGANRecipe(resolution=8, latent_dim=8, ngf=8, ndf=8, steps=2, spectral_norm="d", d_norm="none", ema=0.9)
    trainer = build_dcgan_trainer("digits", device="cpu", recipe=recipe)
    assert parametrize.is_parametrized(trainer.game.D.main[0], "weight")
    assert not parametrize.is_parametrized(trainer.game.G.main[0], "weight")
    assert trainer.config.ema == 0.9 and trainer.G_ema is not None
    trainer.fit()
    assert torch.isfinite(trainer.sample(4)).all()
    trainer.save_checkpoint(tmp_path / "run.pt")  # the power iteration's u, v travel with the weights
    again = build_dcgan_trainer("digits", device="cpu", recipe=recipe)  # untrained
    z = torch.randn(4, 8)
    assert not torch.equal(trainer.sample(4, inputs=z), again.sample(4, inputs=z))
    again.load_checkpoint(tmp_path / "run.pt")
    assert torch.equal(trainer.sample(4, inputs=z), again.sample(4, inputs=z))
    assert torch.equal(trainer.game.D.main[0].parametrizations.weight[0]._u,
                       again.game.D.main[0].parametrizations.weight[0]._u)
    with pytest.raises(ValueError, match="spectral_norm"):
        DCGANRecipe(spectral_norm="both")
    with pytest.raises(ValueError, match="spectral_norm"):
        DCGANConfig(spectral_norm=True)
    with pytest.raises(ValueError, match="ema"):
        DCGANRecipe(ema=1.5)
