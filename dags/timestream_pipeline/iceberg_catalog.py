"""Which Iceberg catalog the export DAGs use, reached with the Airflow AWS connection's settings.

- By default: the Glue Data Catalog (the CDK app creates the database; the DAG creates the tables). The
  local stack's is moto's Glue, reached through the connection's Glue endpoint: the same code path.
- If pyiceberg's own configuration names a `timestream-pipeline` catalog (`PYICEBERG_CATALOG__
  TIMESTREAM_PIPELINE__TYPE=...` or a `.pyiceberg.yaml`), that one: a REST or other catalog of your own.

Region, endpoints and credentials come from the Airflow connection (`aws_conn_id`), as for every
other AWS call of the DAG: `service_config.s3.endpoint_url` / `service_config.glue.endpoint_url`
route the table files and the Glue catalog. Without keys or a role in the connection, nothing is
passed and pyarrow and boto3 use their default credential chains (the MWAA execution role), which
refresh themselves during a long export.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from timestream_pipeline import names

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.table import Table

_SERVICES = {"s3": "s3", "glue": "glue"}  # pyiceberg property prefix -> boto3 service name


def connection_properties(aws_conn_id: str, region: str = "") -> dict[str, str]:
    """pyiceberg's `s3.*` (table files) and `glue.*` (catalog) properties from the Airflow connection."""
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    hook = AwsBaseHook(aws_conn_id=aws_conn_id, client_type="s3", region_name=region or None)
    config = hook.conn_config
    properties: dict[str, str] = {}
    resolved_region = hook.region_name or region
    for prefix, service in _SERVICES.items():
        if resolved_region:
            properties[f"{prefix}.region"] = resolved_region
        endpoint = config.get_service_endpoint_url(service)
        if endpoint:
            properties[f"{prefix}.endpoint"] = endpoint
    if config.aws_access_key_id or config.role_arn:
        credentials = hook.get_credentials()
        for prefix in _SERVICES:
            properties[f"{prefix}.access-key-id"] = credentials.access_key
            properties[f"{prefix}.secret-access-key"] = credentials.secret_key
            if credentials.token:
                properties[f"{prefix}.session-token"] = credentials.token
    return properties


def configured_catalog() -> dict[str, Any] | None:
    """pyiceberg's configuration for `timestream-pipeline` (environment, .pyiceberg.yaml), read now."""
    from pyiceberg.utils.config import Config

    return Config().get_catalog_config(names.ICEBERG_CATALOG_NAME)


def open_catalog(aws_conn_id: str, region: str = "") -> Catalog:
    """The configured catalog if there is one, else Glue; file access through the connection."""
    from pyiceberg.catalog import load_catalog

    properties: dict[str, Any] = connection_properties(aws_conn_id, region)
    configured = configured_catalog()
    properties.update(configured if configured else {"type": "glue"})
    return load_catalog(names.ICEBERG_CATALOG_NAME, **properties)


def load_export_table(catalog: Catalog, namespace: str, export: str) -> Table:
    """An existing export table; a clear error when the catalog has none yet."""
    from pyiceberg.exceptions import NoSuchTableError

    try:
        return catalog.load_table((namespace, names.glue_table_name(export)))
    except NoSuchTableError as error:
        raise LookupError(
            f"no Iceberg table {namespace}.{export} in the catalog yet: the export DAG creates it on its "
            f"first run"
        ) from error
