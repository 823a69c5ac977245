"""gan_edu: the library of the gan-edu book.

Modules, one idea each:

* :mod:`gan_edu.distributions` -- toy targets with exact densities;
* :mod:`gan_edu.data` -- image data sets: offline digits, stacked digits, MNIST/CIFAR loaders;
* :mod:`gan_edu.theory` -- the analytic theory: D*, the value function, KL, JS (source eqs. 6-15);
* :mod:`gan_edu.losses` -- the GAN losses on logits (source eqs. 1-5) and their variants;
* :mod:`gan_edu.models` -- generator and discriminator networks (MLP, DCGAN) and blocks (self-attention);
* :mod:`gan_edu.games` -- each GAN variant as players and their losses (GAN, InfoGAN, CycleGAN, ...);
* :mod:`gan_edu.priors` -- what generators are fed: z, z with labels, z with codes;
* :mod:`gan_edu.schedules` -- the order of the updates: alternating (the source's) or simultaneous;
* :mod:`gan_edu.train` -- the one trainer: the source's algorithm, for any game
  (:mod:`gan_edu.config` its configuration, :mod:`gan_edu.history` what it records,
  :mod:`gan_edu.checkpoint` its checkpoints);
* :mod:`gan_edu.metrics` -- mode coverage, Frechet distance, precision and recall;
* :mod:`gan_edu.features` -- the digit classifier whose features the image FIDs use;
* :mod:`gan_edu.images` -- image grids;
* :mod:`gan_edu.sampling` -- sampling z at test time: BigGAN's truncated normal;
* :mod:`gan_edu.notebook` -- `glue`: numbers a notebook hands to the chapter pages;
* :mod:`gan_edu.files`, :mod:`gan_edu.validation` -- atomic writes; argument checks;
* :mod:`gan_edu.recipes` -- tested default settings for the book's experiments.

Nothing here touches a GPU at import time; ``device="auto"`` picks one when asked.
"""

__version__ = "0.1.0"

from gan_edu.distributions import Categorical, GaussianMixture, toy
from gan_edu.games import GAN, ConditionalGAN, CycleGAN, Game, InfoGAN, UnrolledGAN
from gan_edu.losses import get_loss
from gan_edu.metrics import frechet_distance, mode_coverage, precision_recall
from gan_edu.models import DCGANConfig, DCGANDiscriminator, DCGANGenerator, Discriminator, Generator
from gan_edu.recipes import train_dcgan, train_toy
from gan_edu.train import CollapseError, DivergenceError, History, TrainConfig, Trainer

__all__ = [
    "Categorical", "GaussianMixture", "toy", "get_loss", "mode_coverage", "frechet_distance", "precision_recall",
    "Discriminator", "Generator", "DCGANConfig", "DCGANGenerator", "DCGANDiscriminator",
    "train_toy", "train_dcgan", "DivergenceError", "CollapseError", "History", "TrainConfig", "Trainer",
    "Game", "GAN", "ConditionalGAN", "UnrolledGAN", "InfoGAN", "CycleGAN",
]
