"""``python -m gan_edu``: see :mod:`gan_edu.cli`."""

import sys

from .cli import main

sys.exit(main())
