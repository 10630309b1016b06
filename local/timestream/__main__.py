"""`python -m local.timestream serve|query ...`."""

from local.timestream.cli import main

raise SystemExit(main())
