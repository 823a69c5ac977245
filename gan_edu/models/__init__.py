"""Generator and discriminator networks. ``mlp``: fully connected nets for low-dimensional data."""

from .mlp import MLP, Discriminator, Generator

__all__ = ["MLP", "Generator", "Discriminator"]
