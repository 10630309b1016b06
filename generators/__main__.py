"""`python -m generators <workload> [options]`."""

from generators.cli import main

raise SystemExit(main())
