"""`python -m replay`: see replay/cli.py."""

from replay.cli import main

raise SystemExit(main())
