"""Entry point of `python -m kyosai`."""

import sys

from kyosai.cli import main

sys.exit(main())
