"""``python -m hipdrop.cli``: the same command line as ``hipdrop``."""

import sys

from hipdrop.cli import main

sys.exit(main())
