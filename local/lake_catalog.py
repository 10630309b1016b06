"""The local stack's lake: a pyiceberg SQL catalog on SQLite over the local S3, and the reference data.

On AWS the catalog is Glue (the CDK app creates the database, the export DAG the tables). Here a SQLite
file plays Glue, one per moto server (keyed by its port), and the export DAGs find it through pyiceberg's
own configuration (`PYICEBERG_CATALOG__TIMESTREAM_PIPELINE__*`, set by `local.airflow_env`). The table
files live in the local S3 exactly where they live in the lake bucket on AWS.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from lake.reference import TABLES
from pipeline_config import names
from pipeline_config.local_state import LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY, LocalStackState
from timestream_pipeline import names as dag_names

if TYPE_CHECKING:
    from pyiceberg.catalog.sql import SqlCatalog

CATALOG_DIR = Path(tempfile.gettempdir()) / "timestream-pipeline-lake"
_ENV_PREFIX = "PYICEBERG_CATALOG__" + dag_names.ICEBERG_CATALOG_NAME.upper().replace("-", "_") + "__"


def catalog_path(moto_endpoint: str) -> Path:
    """The SQLite file of the catalog that goes with this moto server."""
    endpoint = urlparse(moto_endpoint)
    return CATALOG_DIR / f"catalog-{endpoint.hostname}-{endpoint.port}.db"


def catalog_environment(moto_endpoint: str) -> dict[str, str]:
    """pyiceberg's environment configuration naming the local SQL catalog (files: the Airflow connection)."""
    return {_ENV_PREFIX + "TYPE": "sql", _ENV_PREFIX + "URI": f"sqlite:///{catalog_path(moto_endpoint)}"}


def file_properties(moto_endpoint: str) -> dict[str, str]:
    """pyiceberg's S3 properties for the local S3 (fake credentials, like every local client)."""
    return {
        "s3.endpoint": moto_endpoint,
        "s3.region": names.LOCAL_REGION,
        "s3.access-key-id": LOCAL_ACCESS_KEY_ID,
        "s3.secret-access-key": LOCAL_SECRET_ACCESS_KEY,
    }


def open_catalog(moto_endpoint: str) -> SqlCatalog:
    """The local catalog, as the export DAG opens it."""
    from pyiceberg.catalog.sql import SqlCatalog

    path = catalog_path(moto_endpoint)
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqlCatalog(
        dag_names.ICEBERG_CATALOG_NAME, uri=f"sqlite:///{path}", **file_properties(moto_endpoint)
    )


def lake_database(state: LocalStackState) -> str:
    return dag_names.lake_database_name(state.database)


def provision_lake(s3: Any, *, moto_endpoint: str, bucket: str, timestream_database: str) -> None:
    """What the CDK app deploys for the lake: the database (namespace) and the reference files.

    Idempotent. A catalog entry whose metadata is gone from the local S3 (a previous moto server on the
    same port) is dropped, so a fresh local S3 always starts with a catalog that agrees with it.
    """
    for table in TABLES:
        s3.upload_file(str(table.file), bucket, table.key_prefix + table.file.name)
    catalog = open_catalog(moto_endpoint)
    namespace = dag_names.lake_database_name(timestream_database)
    catalog.create_namespace_if_not_exists(namespace)
    for identifier in catalog.list_tables(namespace):
        try:
            catalog.load_table(identifier)
        except (FileNotFoundError, OSError):
            catalog.drop_table(identifier)
