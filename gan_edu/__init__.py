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
