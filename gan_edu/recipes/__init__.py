"""Recipes: tested default settings for the book's experiments, each a frozen dataclass.

* :mod:`~gan_edu.recipes.toy` -- the 1D and 2D toy targets (:func:`train_toy`);
* :mod:`~gan_edu.recipes.images` -- DCGAN on digits and downloadable data sets (:func:`train_dcgan`).

Each ``train_*`` builds a game (:mod:`gan_edu.games`) and runs the one trainer on it.
"""

from .images import (DCGAN_RECIPES, IMAGE_DATASETS, DCGANRecipe, ImageResult, build_dcgan_trainer, generate,
                     image_channels, load_image_dataset, train_dcgan)
from .toy import GRID25, RING8, SMALL, TOY_RECIPES, Scaled, ToyRecipe, ToyResult, build_toy_trainer, rejection_sample, train_toy

__all__ = ["ToyRecipe", "TOY_RECIPES", "RING8", "GRID25", "SMALL", "ToyResult", "Scaled", "train_toy",
           "build_toy_trainer", "rejection_sample", "DCGANRecipe", "DCGAN_RECIPES", "IMAGE_DATASETS", "ImageResult",
           "load_image_dataset", "image_channels", "build_dcgan_trainer", "train_dcgan", "generate"]
