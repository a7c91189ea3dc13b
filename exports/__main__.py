"""``python -m exports``: see `exports.cli`."""

import sys

from exports.cli import main

sys.exit(main())
