r"""The analytic theory of the GAN game: source equations (6)-(15).

The source notes (section "Nash equilibrium") follow Goodfellow et al. (2014),
section 4: for a fixed generator the best discriminator is
:math:`D^* = p_r / (p_r + p_g)`, and plugging it into the value function gives
:math:`L(G, D^*) = 2\,\mathrm{JS}(p_r \| p_g) - 2\log 2`, minimal exactly when
:math:`p_g = p_r`. Every function here computes one of those objects.

Integrals over :math:`x` are computed by deterministic quadrature (composite
Gauss-Legendre, panels placed around every mixture component; a tensor product
in 2D) or, for :class:`~gan_edu.distributions.Categorical`, by exact finite
sums. Monte Carlo estimators with standard errors are given beside them so the
book can compare the two. All logarithms are natural (nats): the base only
rescales, see :func:`binary_objective_derivative`.

One module per idea: :mod:`.pointwise` (eqs. 7-9), :mod:`.divergences` (eqs. 6, 10-15),
:mod:`.quadrature` (the integration rule), :mod:`.monte_carlo` (sampled estimates),
:mod:`.wasserstein` (the exact W1 on the line, for WGAN), :mod:`.collapse` (G's
objectives against a fixed and the optimal D: why modes get dropped), :mod:`.information`
(InfoGAN's variational bound on the mutual information, on a discrete table).
"""

from .divergences import (discriminator_gap, js_divergence, js_divergence_expanded, js_from_value, kl_divergence,
                          optimal_discriminator, optimal_logit, value, value_at_optimum, value_from_js)
from .collapse import best_response, generator_loss, ns_divergence
from .information import information_bound, mutual_information, posterior
from .monte_carlo import js_divergence_mc, kl_divergence_mc, value_mc
from .pointwise import binary_argmax, binary_objective, binary_objective_derivative
from .quadrature import LOG2, integration_rule
from .wasserstein import cdf_1d, optimal_critic_1d, wasserstein_1d

__all__ = [
    "LOG2",
    "binary_objective",
    "binary_objective_derivative",
    "binary_argmax",
    "optimal_discriminator",
    "optimal_logit",
    "integration_rule",
    "value",
    "value_at_optimum",
    "kl_divergence",
    "js_divergence",
    "js_divergence_expanded",
    "value_from_js",
    "js_from_value",
    "discriminator_gap",
    "kl_divergence_mc",
    "js_divergence_mc",
    "value_mc",
    "wasserstein_1d", "optimal_critic_1d",
    "cdf_1d",
    "generator_loss", "ns_divergence", "best_response",
    "mutual_information", "information_bound", "posterior",
]
