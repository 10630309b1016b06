"""The local stack's lake: the Iceberg catalog in moto's Glue over the local S3, and the reference data.

The catalog is Glue, as on AWS: the export DAGs open it exactly as on MWAA (no pyiceberg configuration,
Glue reached through the Airflow connection's `service_config.glue.endpoint_url`), so the local stack runs
the deployed catalog code and works on every Airflow the DAGs support. moto's recording keeps the Glue
entries with the table files, so a restarted stack finds its tables again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lake.reference import TABLES
from pipeline_config import names
from pipeline_config.local_state import LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY, LocalStackState
from timestream_pipeline import names as dag_names

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog


def file_properties(moto_endpoint: str) -> dict[str, str]:
    """pyiceberg's S3 properties for the local S3 (fake credentials, like every local client)."""
    return {
        "s3.endpoint": moto_endpoint,
        "s3.region": names.LOCAL_REGION,
        "s3.access-key-id": LOCAL_ACCESS_KEY_ID,
        "s3.secret-access-key": LOCAL_SECRET_ACCESS_KEY,
    }


def catalog_properties(moto_endpoint: str) -> dict[str, str]:
    """pyiceberg's Glue and S3 properties for the local stack's moto server."""
    files = file_properties(moto_endpoint)
    glue = {key.replace("s3.", "glue.", 1): value for key, value in files.items()}
    return {"type": "glue", **files, **glue}


def open_catalog(moto_endpoint: str) -> Catalog:
    """The local catalog (moto's Glue), as the export DAG opens it."""
    from pyiceberg.catalog import load_catalog

    return load_catalog(dag_names.ICEBERG_CATALOG_NAME, **catalog_properties(moto_endpoint))


def lake_database(state: LocalStackState) -> str:
    return dag_names.lake_database_name(state.database)


def provision_lake(s3: Any, *, moto_endpoint: str, bucket: str, timestream_database: str) -> None:
    """What the CDK app deploys for the lake: the database (namespace) and the reference files.

    Idempotent. A catalog entry whose metadata is gone from the local S3 is dropped, so the catalog always
    agrees with the files.
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
