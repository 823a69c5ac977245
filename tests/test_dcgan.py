"""DCGAN networks: shapes, parameter counts from the layer formulas, the pytorch/examples
architecture, the N(0, 0.02) initialisation, config validation and channels_last."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from torch import nn

from gan_edu.models.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator, init_dcgan_weights

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
