"""``python -m fastnn.bench [options]``; see ``--help``."""
import sys

from .cli import main

sys.exit(main())
