"""THE definition of what goes to the MWAA source bucket; used by the CDK deployment and `deploy_dags`.

The bucket gets `dags/` (the repository's DAG folder without tests or caches), the stdlib-only
`pipeline_config/` package copied INTO `dags/pipeline_config/` (MWAA puts `dags/` on `sys.path`, so
the DAGs import it as in the repository), a generated `dags/pipeline_settings.json`, and the workers'
`requirements.txt` at the bucket root (where the environment's RequirementsS3Path points).
"""

from __future__ import annotations

from pathlib import Path

from infra.file_tree import collect_tree
from pipeline_config import names
from pipeline_config.settings import REPO_ROOT

DAGS_PREFIX = "dags"
REQUIREMENTS_KEY = "requirements.txt"
MWAA_REQUIREMENTS_FILE = REPO_ROOT / "mwaa" / "requirements.txt"
SETTINGS_KEY = f"{DAGS_PREFIX}/{names.RUNTIME_SETTINGS_FILE}"
_CONFIG_PACKAGE = "pipeline_config"


def dag_bundle_files(repo_root: Path = REPO_ROOT) -> dict[str, Path]:
    """`{key under the bucket: local file}` for the DAG folder plus the pipeline_config package.

    A locally generated `pipeline_settings.json` is left out: each deployment writes its own.
    """
    files = collect_tree(
        repo_root / DAGS_PREFIX,
        DAGS_PREFIX,
        skip=(names.RUNTIME_SETTINGS_FILE, _CONFIG_PACKAGE),
    )
    files.update(
        collect_tree(repo_root / _CONFIG_PACKAGE, f"{DAGS_PREFIX}/{_CONFIG_PACKAGE}", suffixes=(".py",))
    )
    return dict(sorted(files.items()))


def relative_to_prefix(files: dict[str, Path], prefix: str) -> dict[str, Path]:
    """The same files keyed relative to `prefix/` (what a deployment to that prefix uploads)."""
    start = len(prefix.rstrip("/")) + 1
    return {key[start:]: path for key, path in files.items() if key.startswith(prefix.rstrip("/") + "/")}
