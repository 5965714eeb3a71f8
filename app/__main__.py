"""`python -m app` is the `ic` command."""

import sys

from app.cli import main

sys.exit(main())
