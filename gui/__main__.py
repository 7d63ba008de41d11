"""``python -m fastnn_gui`` starts the desktop playground."""
import sys

from .app import main

sys.exit(main())
