r"""A digit classifier as the feature extractor of FID, precision/recall and mode counts on digits.

The FID of Heusel et al. (2017) compares Gaussians fitted to Inception-v3 pool
features. Inception's weights cannot be downloaded offline, and an ImageNet
network is a poor judge of 16-pixel digits anyway, so on MNIST-like data the
usual substitute is a small classifier trained on the domain itself (e.g. the
MNIST classifiers behind the "FID" of many GAN papers, and the Stacked MNIST
mode counts of VEEGAN, Srivastava et al. 2017, and PacGAN, Lin et al. 2018).
One module per idea:

* :mod:`~gan_edu.features.classifier` -- :class:`DigitClassifier`, a three-convolution
  CNN on ``(B, 1, 16, 16)`` images in [-1, 1] (other sizes are resized to 16); its
  penultimate layer (``feature_dim = 64``, after a ReLU) is the feature space.
* :mod:`~gan_edu.features.training` -- :func:`train_digit_classifier` and the command
  ``python -m gan_edu.features --seed 0 --out gan_edu/assets/digit_classifier.pt``,
  which wrote the packaged weights and their card ``digit_classifier.json``.
* :mod:`~gan_edu.features.weights` -- :func:`load_digit_classifier`: the packaged
  weights in ``gan_edu/assets/``, validated and cached.
* :mod:`~gan_edu.features.scores` -- :func:`digit_features`, :func:`digit_fid`,
  :func:`fid_noise_floor`, :func:`real_halves`, :func:`digit_precision_recall`
  (Kynkäänniemi et al. 2019) and :func:`stacked_mode_coverage` (modes hit and
  reverse KL on Stacked digits).

Every name is importable from ``gan_edu.features`` itself
(``from gan_edu import features; features.digit_fid(...)``).
"""

from .classifier import INPUT_SIZE, N_CLASSES, DigitClassifier, resize_to_input
from .scores import (
    StackedModes, digit_features, digit_fid, digit_precision_recall, fid_noise_floor, real_halves,
    stacked_mode_coverage,
)
from .training import (
    DEFAULT_EPOCHS, ClassifierTrainConfig, build_parser, classifier_accuracy, main, random_affine,
    train_digit_classifier,
)
from .weights import ASSETS, DEFAULT_CARD, DEFAULT_WEIGHTS, TRAIN_COMMAND, load_digit_classifier

__all__ = [
    "DigitClassifier", "ClassifierTrainConfig", "train_digit_classifier", "classifier_accuracy",
    "load_digit_classifier", "digit_features", "digit_fid", "fid_noise_floor", "real_halves", "digit_precision_recall",
    "StackedModes", "stacked_mode_coverage", "main", "DEFAULT_WEIGHTS", "DEFAULT_CARD", "INPUT_SIZE",
    "N_CLASSES", "TRAIN_COMMAND", "random_affine", "resize_to_input", "build_parser", "ASSETS", "DEFAULT_EPOCHS",
]
