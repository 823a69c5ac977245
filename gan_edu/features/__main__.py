"""``python -m gan_edu.features``: train the digit classifier and write its weights and card.

The packaged weights came from
``python -m gan_edu.features --seed 0 --out gan_edu/assets/digit_classifier.pt``;
see :func:`gan_edu.features.training.main` and ``--help``.
"""

import sys

from .training import main

if __name__ == "__main__":
    sys.exit(main())
