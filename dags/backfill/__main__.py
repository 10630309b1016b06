"""Entry point of `python -m dags.backfill`; puts the DAG folder on sys.path as the scheduler does."""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from timestream_pipeline.backfill_cli import main

    raise SystemExit(main(sys.argv[1:]))
