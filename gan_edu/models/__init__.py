"""Generator and discriminator networks.

* ``mlp``: fully connected nets for low-dimensional data (the toy chapters);
* ``dcgan``: the convolutional nets of Radford et al. (2016) for images;
* ``dirac``: the Dirac-GAN's one-parameter players (Mescheder et al. 2018);
* ``init``: :func:`scale_weights`, the initialisation scale of a sensitivity sweep;
* ``blocks``: :class:`SelfAttention`, SAGAN's self-attention over feature-map positions;
* ``packing``: PacGAN's packs of samples, for both discriminators;
* ``info``: InfoGAN's G(z, c), a D whose body Q shares, and Q's head;
* ``translation``: CycleGAN's image-to-image generators (an encoder-decoder; a mixture of the
  square's eight symmetries) and a domain's discriminator.
"""

from .blocks import SelfAttention
from .dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator
from .dirac import LinearCritic, PointMass
from .info import InfoDiscriminator, InfoGenerator, info_config, q_head
from .init import scale_weights
from .mlp import MLP, Discriminator, Generator
from .translation import SYMMETRIES, DomainDiscriminator, ResidualBlock, SymmetryTranslator, Translator, symmetries

__all__ = ["MLP", "Generator", "Discriminator", "DCGANConfig", "DCGANGenerator", "DCGANDiscriminator", "PointMass", "LinearCritic", "scale_weights",
           "SelfAttention",
           "InfoGenerator", "InfoDiscriminator", "q_head", "info_config", "Translator", "SymmetryTranslator", "SYMMETRIES", "symmetries",
           "DomainDiscriminator", "ResidualBlock"]
