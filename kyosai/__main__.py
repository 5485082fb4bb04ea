"""Entry point of `python -m kyosai`."""

import sys

from kyosai.cli import main

# Guarded: the reader workers start by spawn, which imports this module again.
if __name__ == "__main__":
    sys.exit(main())
