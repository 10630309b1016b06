"""`python -m local up|down|status|demo|query|esm|replay`: the local stack's command line."""

import sys

from local.cli import main

sys.exit(main(sys.argv[1:]))
