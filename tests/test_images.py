"""Image grids and the DCGAN recipes: shapes and values against hand computation, bad input."""

import numpy as np
import pytest
import torch

from gan_edu.images import image_grid, save_image_grid
from gan_edu.recipes import DCGAN_RECIPES, DCGANRecipe, build_dcgan_trainer, generate, load_image_dataset


def test_grid_shape_and_placement_match_a_hand_layout():
    images = torch.full((5, 1, 2, 3), -1.0)  # five black 2x3 images
    images[4, 0, 1, 2] = 1.0  # one white pixel in the last image
    grid = image_grid(images, nrow=3, padding=1)
    # 2 rows of 3 slots: height 2 * (2 + 1) + 1 = 7, width 3 * (3 + 1) + 1 = 13
    assert grid.shape == (7, 13, 1)
    # image 4 is row 1, column 1: top = 1 + 1 * 3 = 4, left = 1 + 1 * 4 = 5; its pixel (1, 2)
    assert grid[4 + 1, 5 + 2, 0] == 1.0
    assert grid[4, 5, 0] == 0.0  # black maps to 0
    assert grid[0, :, 0].tolist() == [1.0] * 13  # padding is white
    assert grid[4:6, 9:12, 0].tolist() == [[1.0] * 3] * 2  # the empty sixth slot stays padding


def test_grid_maps_minus_one_to_one_onto_zero_to_one_and_clips():
    images = torch.tensor([-1.0, 0.0, 1.0, 3.0]).reshape(1, 1, 2, 2)
    grid = image_grid(images, padding=0)
    assert np.allclose(grid[..., 0], [[0.0, 0.5], [1.0, 1.0]])


def test_rgb_grid_keeps_channels_last():
    images = torch.zeros(4, 3, 2, 2)
    images[:, 0] = 1.0  # red
    grid = image_grid(images, padding=0)
    assert grid.shape == (4, 4, 3) and np.allclose(grid[..., 0], 1.0) and np.allclose(grid[..., 1:], 0.5)


@pytest.mark.parametrize("bad, match", [(torch.zeros(2, 2, 4, 4), "images"), (torch.zeros(4, 4), "images"),
                                        (torch.zeros(0, 1, 4, 4), "at least one")])
def test_grid_rejects_bad_images(bad, match):
    with pytest.raises(ValueError, match=match):
        image_grid(bad)


def test_grid_rejects_bad_nrow():
    with pytest.raises(ValueError, match="nrow"):
        image_grid(torch.zeros(2, 1, 4, 4), nrow=0)


def test_saved_grid_is_a_png_of_the_grid_size(tmp_path):
    import matplotlib.image

    path = tmp_path / "grid.png"
    save_image_grid(path, torch.zeros(4, 1, 3, 3), nrow=2, scale=2)
    picture = matplotlib.image.imread(path)
    assert picture.shape[:2] == (2 * (2 * 4 + 1), 2 * (2 * 4 + 1))
    assert not list(tmp_path.glob("*.tmp.png"))


def test_recipe_rejects_bad_sizes():
    with pytest.raises(ValueError, match="latent_dim"):
        DCGANRecipe(latent_dim=0)


def test_unknown_image_dataset_is_an_error_naming_it():
    with pytest.raises(ValueError, match="dataset"):
        load_image_dataset("imagenet", resolution=16)
    with pytest.raises(ValueError, match="dataset"):
        build_dcgan_trainer("imagenet")


@pytest.mark.parametrize("dataset, channels", [("digits", 1), ("stacked-digits", 3)])
def test_dcgan_trainer_matches_its_data(dataset, channels):
    recipe = DCGAN_RECIPES[dataset]
    trainer = build_dcgan_trainer(dataset, steps=2, device="cpu")
    trainer.fit()
    x = generate(trainer, torch.randn(3, recipe.latent_dim))
    assert x.shape == (3, channels, recipe.resolution, recipe.resolution)
    assert x.abs().max() <= 1.0 and torch.isfinite(x).all()


def test_dcgan_trainer_is_reproducible_from_its_seed():
    a = build_dcgan_trainer("digits", steps=3, seed=5, device="cpu")
    b = build_dcgan_trainer("digits", steps=3, seed=5, device="cpu")
    a.fit(), b.fit()
    for p, q in zip(a.G.parameters(), b.G.parameters()):
        assert torch.equal(p, q)
