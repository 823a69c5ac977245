"""Recipes: tested default settings for the book's experiments, each a frozen dataclass.

* :mod:`~gan_edu.recipes.toy` -- the 1D and 2D toy targets (:func:`train_toy`);
* :mod:`~gan_edu.recipes.images` -- DCGAN on digits and downloadable data sets (:func:`train_dcgan`);
* :mod:`~gan_edu.recipes.infogan` -- InfoGAN's interpretable codes on the digits (:func:`train_infogan`);
* :mod:`~gan_edu.recipes.cyclegan` -- CycleGAN: digits to rotated digits, unpaired (:func:`train_cyclegan`);
* :mod:`~gan_edu.recipes.variants` -- :func:`as_variant` turns either into a WGAN or a WGAN-GP.

Each ``train_*`` builds a game (:mod:`gan_edu.games`) and runs the one trainer on it.
"""

from .variants import MITIGATIONS, VARIANTS, as_variant, with_mitigation
from .images import (DCGAN_RECIPES, DIGITS8, DIGITS_SN, RULE_BREAKS, RULES16, break_rule, IMAGE_DATASETS, DCGANRecipe, ImageResult, build_dcgan_trainer, generate,
                     image_channels, load_image_dataset, train_dcgan)
from .cyclegan import (CYCLEGAN_DIGITS, CYCLEGAN_SYMMETRY, CycleGANRecipe, CycleGANResult, HiddenInformation, PerDirection,
                       build_cyclegan_trainer, train_cyclegan)
from .infogan import INFOGAN_DIGITS, CodeEffects, InfoGANRecipe, InfoGANResult, build_infogan_trainer, train_infogan
from .toy import (GRID25, PLAIN, RING8, SMALL, TOY_RECIPES, Scaled, ToyRecipe, ToyResult, build_toy_trainer,
                  code_weights_from_discriminator, rejection_sample, reweight_codes, train_toy)

__all__ = ["VARIANTS", "as_variant", "MITIGATIONS", "with_mitigation", "ToyRecipe", "TOY_RECIPES", "PLAIN", "RING8", "GRID25", "SMALL", "ToyResult", "Scaled", "train_toy",
           "build_toy_trainer", "rejection_sample", "reweight_codes", "code_weights_from_discriminator", "DCGANRecipe", "DCGAN_RECIPES", "DIGITS8", "DIGITS_SN", "RULES16", "RULE_BREAKS", "break_rule", "IMAGE_DATASETS", "ImageResult",
           "load_image_dataset", "image_channels", "build_dcgan_trainer", "train_dcgan", "generate",
           "InfoGANRecipe", "INFOGAN_DIGITS", "InfoGANResult", "CodeEffects", "build_infogan_trainer", "train_infogan",
           "CycleGANRecipe", "CYCLEGAN_DIGITS", "CYCLEGAN_SYMMETRY", "CycleGANResult", "PerDirection", "HiddenInformation",
           "build_cyclegan_trainer", "train_cyclegan"]
