r"""Sample-quality metrics: mode coverage on known mixtures, FID, precision and recall.

**Mode coverage** (:func:`mode_coverage`): the metrics of VEEGAN (Srivastava
et al. 2017, §5.1) and PacGAN (Lin et al. 2018, §5). With 2,500 generated samples,

* a sample is **high quality** (HQ) if it lies within ``threshold`` standard
  deviations (3 in both papers) of its nearest mixture mean;
* a mode is **captured** if it is the nearest mean of at least one HQ sample;
* the **reverse KL** :math:`\mathrm{KL}(q\,\|\,w) = \sum_k q_k \log(q_k / w_k)`
  compares the histogram :math:`q` of all samples over their nearest means
  with the mixture weights :math:`w` (PacGAN, Table 1). Modes that receive no
  samples contribute 0; the KL is 0 exactly when the histogram equals the weights.

**Fréchet distance** (:func:`frechet_distance`, :func:`gaussian_statistics`,
:func:`fid_from_features`). The squared 2-Wasserstein distance between two
Gaussians (Dowson & Landau 1982),

.. math::

    d^2 = \lVert \mu_1 - \mu_2 \rVert^2
          + \operatorname{Tr}\bigl(\Sigma_1 + \Sigma_2 - 2 (\Sigma_1 \Sigma_2)^{1/2}\bigr),

which the FID (Heusel et al. 2017) evaluates on the means and covariances of
feature vectors of real and generated images (Inception-v3 pool features in the
paper; any feature extractor here, so the numbers are comparable only within one).

**Precision and recall** (:func:`precision_recall`), of Kynkäänniemi et al. 2019,
"Improved Precision and Recall Metric for Assessing Generative Models": each
point gets a ball reaching its k-th nearest neighbour in its own set; precision
is the fraction of generated points inside some ball of a real point (quality),
recall the fraction of real points inside some ball of a generated point (coverage).

**Sliced Wasserstein-1** (:func:`sliced_wasserstein`): the exact 1D W1 between the
empirical distributions of projections, averaged over random directions; a distance
between distributions, where mode coverage only counts modes;
:func:`sliced_wasserstein_over_floor` reports it in units of its floor (real against real,
:func:`sliced_wasserstein_floor`).

**Code matching** (:func:`match_codes`): an unsupervised code's accuracy as a classifier, after
the one-to-one matching of its values to classes that counts best (Hungarian algorithm).

**Ink statistics** (:func:`ink_statistics`): total ink, horizontal centre, width and slant of
grey images, so that what a latent traversal changes can be measured rather than named.

One module per idea: :mod:`.modes`, :mod:`.fid`, :mod:`.precision_recall`, :mod:`.sliced`,
:mod:`.matching`, :mod:`.ink`.
"""

from .ink import INK_STATISTICS, ink_statistics
from .matching import CodeMatching, match_codes
from .fid import fid_from_features, frechet_distance, gaussian_statistics
from .modes import ModeCoverage, mode_coverage, mode_spread, nearest_mode
from .precision_recall import PrecisionRecall, precision_recall
from .sliced import (sliced_wasserstein, sliced_wasserstein_floor, sliced_wasserstein_over_floor,
                     wasserstein_1d_empirical)

__all__ = [
    "ModeCoverage", "mode_coverage", "mode_spread", "nearest_mode",
    "frechet_distance", "gaussian_statistics", "fid_from_features",
    "PrecisionRecall", "precision_recall",
    "sliced_wasserstein", "sliced_wasserstein_floor", "sliced_wasserstein_over_floor", "wasserstein_1d_empirical",
    "CodeMatching", "match_codes",
    "INK_STATISTICS", "ink_statistics",
]
