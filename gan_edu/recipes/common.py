"""What the recipe modules share: the recipe a ``build_*_trainer`` call trains."""

from __future__ import annotations

import dataclasses

__all__ = ["chosen_recipe"]


def chosen_recipe(recipe, cls: type, default, steps: int | None):
    """``recipe`` (an instance of the dataclass ``cls``; ``None``: ``default``) with ``steps``
    iterations when ``steps`` is given; ``ValueError`` naming ``recipe`` or ``steps`` otherwise."""
    if recipe is not None and not isinstance(recipe, cls):
        article = "an" if cls.__name__[0] in "AEIOU" else "a"
        raise ValueError(f"recipe must be {article} {cls.__name__} or None, got {type(recipe).__name__}")
    recipe = default if recipe is None else recipe
    return recipe if steps is None else dataclasses.replace(recipe, steps=steps)
