"""Where the deployable bundles live in the repository, and how repository code imports them.

Each bundle is a folder deployed as it is: `dags/` (copied to the MWAA bucket, where Airflow puts
it on sys.path) and `lambda/ingest/` (the Lambda asset, whose root the runtime puts on sys.path).
Repository code (the CDK app, the local stack, the generators, the benchmarks) imports the bundles'
packages exactly as their runtimes do: with the bundle folder on sys.path. Appended, not inserted,
so nothing in a bundle can shadow the standard library or an installed package.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DAGS_DIR = REPO_ROOT / "dags"
INGEST_LAMBDA_DIR = REPO_ROOT / "lambda" / "ingest"
BUNDLE_DIRS = (DAGS_DIR, INGEST_LAMBDA_DIR)


def put_bundles_on_path() -> None:
    """Make `timestream_pipeline` (DAGs) and `timestream_ingest` (Lambda) importable."""
    for folder in BUNDLE_DIRS:
        if str(folder) not in sys.path:
            sys.path.append(str(folder))
