"""THE definition of what goes to the MWAA source bucket; used by the CDK deployment and `deploy_dags`.

The bucket gets `dags/` exactly as it is in the repository (without caches and tests): the folder is
self-contained, so a user who copies it by hand gets the same working DAGs. Each deployment adds its
own generated `dags/pipeline_settings.json`, and the workers' `requirements.txt` goes to the bucket
root (where the environment's RequirementsS3Path points).
"""

from __future__ import annotations

from pathlib import Path

from infra.file_tree import collect_tree
from pipeline_config.bundles import DAGS_DIR, REPO_ROOT
from timestream_pipeline import names

DAGS_PREFIX = "dags"
REQUIREMENTS_KEY = "requirements.txt"
MWAA_REQUIREMENTS_FILE = REPO_ROOT / "mwaa" / "requirements.txt"
SETTINGS_KEY = f"{DAGS_PREFIX}/{names.RUNTIME_SETTINGS_FILE}"


def dag_bundle_files(dags_dir: Path = DAGS_DIR) -> dict[str, Path]:
    """`{key under the bucket: local file}` for the DAG folder.

    A locally generated `pipeline_settings.json` is left out: each deployment writes its own.
    """
    return collect_tree(dags_dir, DAGS_PREFIX, skip=(names.RUNTIME_SETTINGS_FILE,))


def relative_to_prefix(files: dict[str, Path], prefix: str) -> dict[str, Path]:
    """The same files keyed relative to `prefix/` (what a deployment to that prefix uploads)."""
    start = len(prefix.rstrip("/")) + 1
    return {key[start:]: path for key, path in files.items() if key.startswith(prefix.rstrip("/") + "/")}
