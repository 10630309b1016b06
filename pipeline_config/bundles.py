"""Where the deployable bundles live in the repository, and how repository code imports them.

Each bundle is a folder deployed as it is: `dags/` (copied to the MWAA bucket, where Airflow puts
it on sys.path), `lambda/ingest/` and `lambda/cep/` (Lambda assets, whose root the runtime puts on
sys.path).
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
CEP_LAMBDA_DIR = REPO_ROOT / "lambda" / "cep"
BUNDLE_DIRS = (DAGS_DIR, INGEST_LAMBDA_DIR, CEP_LAMBDA_DIR)


def put_bundles_on_path() -> None:
    """Make `timestream_pipeline` (DAGs), `timestream_ingest` and `timestream_cep` (Lambdas) importable."""
    for folder in BUNDLE_DIRS:
        if str(folder) not in sys.path:
            sys.path.append(str(folder))
