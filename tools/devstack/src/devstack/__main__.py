"""`python -m devstack`, the same as the `devstack` command."""

import sys

from devstack.cli import main

sys.exit(main())
