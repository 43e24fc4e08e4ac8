"""``python -m micc_tui`` runs the ``micc`` command."""

import sys

from micc_tui.cli.main import main

sys.exit(main())
