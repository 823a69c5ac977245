"""One recipe, another game: the settings that turn a GAN recipe into a WGAN or a WGAN-GP.

A recipe (:class:`~gan_edu.recipes.ToyRecipe`, :class:`~gan_edu.recipes.DCGANRecipe`)
names its loss and how its critic is kept Lipschitz (``gp_weight``, ``clip``);
:func:`as_variant` replaces those fields by the published settings of each game, the rest
of the recipe (networks, batch, steps) unchanged:

* ``"ns"``: the recipe as it is (the non-saturating GAN);
* ``"wgan"``: Arjovsky et al. 2017, Algorithm 1: weight clipping at c = 0.01, RMSProp with
  lr 5e-5 (momentum-based optimisers made their critic unstable), 5 critic steps per G step;
* ``"wgan-gp"``: Gulrajani et al. 2017, Algorithm 1: the gradient penalty with lambda = 10,
  Adam with lr 1e-4 and betas (0.5, 0.9), 5 critic steps, and no batch norm in the critic
  (layer norm instead where the recipe has a norm: the penalty is per sample, and batch
  norm makes each sample's score depend on the rest of the batch).
"""

from __future__ import annotations

import dataclasses

from ..losses import GradientPenalty, WeightClipping
from ..validation import choice, number

__all__ = ["VARIANTS", "MITIGATIONS", "as_variant", "with_mitigation", "check_lipschitz", "lipschitz_objects"]

VARIANTS: dict[str, dict] = {
    "ns": {},
    "wgan": dict(loss="wgan", clip=0.01, gp_weight=0.0, optimizer="rmsprop", lr_d=5e-5, lr_g=5e-5,
                 betas=(0.0, 0.99), k=5),  # RMSProp's alpha is betas[1]: torch's default 0.99
    "wgan-gp": dict(loss="wgan", gp_weight=10.0, clip=0.0, optimizer="adam", lr_d=1e-4, lr_g=1e-4,
                    betas=(0.5, 0.9), k=5),
}


def as_variant(recipe, name: str, **overrides):
    """``recipe`` with the settings of the game ``name`` of :data:`VARIANTS`, then ``overrides``."""
    if not dataclasses.is_dataclass(recipe) or not hasattr(recipe, "gp_weight"):
        raise ValueError(f"recipe must be a ToyRecipe or a DCGANRecipe, got {type(recipe).__name__}")
    fields = dict(VARIANTS[choice("name", name, tuple(VARIANTS))])
    if name != "ns" and getattr(recipe, "r1_gamma", 0) > 0:
        fields["r1_gamma"] = 0.0  # the WGANs bring their own constraint
    if name == "wgan-gp" and getattr(recipe, "d_norm", "none") == "batch":
        fields["d_norm"] = "layer"
    return dataclasses.replace(recipe, **(fields | overrides))


# The mitigations of mode collapse that the Training difficulties chapter measures, as fields
# of a ToyRecipe: D that sees more than one sample (PacGAN, minibatch std), G that looks ahead
# at D's reaction (unrolled GAN), or the source's own fix, a WGAN-GP (through VARIANTS).
MITIGATIONS: dict[str, dict] = {
    "none": {},
    "wgan-gp": VARIANTS["wgan-gp"],
    "minibatch-std": dict(minibatch_std=True),  # Karras et al. 2018, section 3
    "unrolled-5": dict(unroll=5),  # Metz et al. 2017: 5 look-ahead steps of D
    "pacgan-2": dict(pack=2),  # Lin et al. 2018: D judges pairs
    "pacgan-4": dict(pack=4),
}


def with_mitigation(recipe, name: str, **overrides):
    """``recipe`` (a :class:`~gan_edu.recipes.ToyRecipe`) with the mitigation ``name`` of
    :data:`MITIGATIONS` switched on, then ``overrides``."""
    if not dataclasses.is_dataclass(recipe) or not all(hasattr(recipe, f) for f in ("pack", "minibatch_std", "unroll")):
        raise ValueError(f"recipe must be a ToyRecipe, got {type(recipe).__name__}")
    if choice("name", name, tuple(MITIGATIONS)) == "wgan-gp":
        return as_variant(recipe, "wgan-gp", **overrides)
    return dataclasses.replace(recipe, **(MITIGATIONS[name] | overrides))


def check_lipschitz(recipe) -> None:
    """ValueError unless ``gp_weight`` and ``clip`` are numbers >= 0, at most one of them > 0."""
    gp = number("gp_weight", recipe.gp_weight, minimum=0)
    clip = number("clip", recipe.clip, minimum=0)
    object.__setattr__(recipe, "gp_weight", gp)
    object.__setattr__(recipe, "clip", clip)
    if gp > 0 and clip > 0:
        raise ValueError(f"gp_weight and clip are two Lipschitz constraints; set one to 0, "
                         f"got gp_weight={gp!r} and clip={clip!r}")


def lipschitz_objects(recipe) -> tuple[GradientPenalty | None, WeightClipping | None]:
    """The (penalty, constraint) objects a game takes for the recipe's ``gp_weight`` and ``clip``."""
    penalty = GradientPenalty(recipe.gp_weight) if recipe.gp_weight > 0 else None
    constraint = WeightClipping(recipe.clip) if recipe.clip > 0 else None
    return penalty, constraint
