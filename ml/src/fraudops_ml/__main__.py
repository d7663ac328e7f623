"""Entry point for ``python -m fraudops_ml``."""

import sys

from fraudops_ml.cli import main

if __name__ == "__main__":
    sys.exit(main())
