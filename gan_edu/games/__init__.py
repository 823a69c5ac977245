"""Games: each GAN variant as the players it trains and the losses they minimise.

* :mod:`~gan_edu.games.base` -- :class:`Game` (what the trainer needs), :class:`Batch`;
* :mod:`~gan_edu.games.gan` -- the source's :class:`GAN`, :class:`ConditionalGAN`, :class:`UnrolledGAN`;
* :mod:`~gan_edu.games.infogan` -- :class:`InfoGAN` (an auxiliary network Q updated with G);
* :mod:`~gan_edu.games.cyclegan` -- :class:`CycleGAN` (two generators, two discriminators, an image pool).

The one trainer (:mod:`gan_edu.train`) trains any of them.
"""

from .base import Batch, Game, describe
from .cyclegan import CycleGAN, ImagePool
from .gan import GAN, ConditionalGAN, UnrolledGAN
from .infogan import InfoGAN

__all__ = ["Game", "Batch", "describe", "GAN", "ConditionalGAN", "UnrolledGAN", "InfoGAN", "CycleGAN", "ImagePool"]
