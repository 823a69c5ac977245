"""``python -m gan_edu.cli``: the same as ``python -m gan_edu``."""

import sys

from . import main

sys.exit(main())
