"""gan_edu: the library of the gan-edu book.

Modules, one idea each:

* :mod:`gan_edu.distributions` -- toy targets with exact densities;
* :mod:`gan_edu.theory` -- the analytic theory: D*, the value function, KL, JS (source eqs. 6-15);
* :mod:`gan_edu.losses` -- the GAN losses on logits (source eqs. 1-5) and their variants;
* :mod:`gan_edu.models` -- generator and discriminator networks;
* :mod:`gan_edu.train` -- the one trainer: the source's algorithm;
* :mod:`gan_edu.metrics` -- mode coverage and sample-quality metrics;
* :mod:`gan_edu.recipes` -- tested default settings for the book's experiments.

Nothing here touches a GPU at import time; ``device="auto"`` picks one when asked.
"""

__version__ = "0.1.0"

from gan_edu.distributions import Categorical, GaussianMixture, toy
from gan_edu.losses import get_loss
from gan_edu.metrics import mode_coverage
from gan_edu.models import Discriminator, Generator
from gan_edu.recipes import train_toy
from gan_edu.train import DivergenceError, History, TrainConfig, Trainer

__all__ = [
    "Categorical", "GaussianMixture", "toy", "get_loss", "mode_coverage", "Discriminator", "Generator",
    "train_toy", "DivergenceError", "History", "TrainConfig", "Trainer",
]
