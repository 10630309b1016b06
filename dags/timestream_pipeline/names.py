"""Names the DAG bundle needs at run time: DAG ids, the data lake's layout, where settings come from.

The CDK app, the local stack and the tests import these names from here (the bundle is the source),
so what is deployed and what configures it cannot disagree.
"""

from __future__ import annotations

from datetime import datetime

# --- Airflow.
EXPORT_DAG_ID_PREFIX = "timestream_export_"
BACKFILL_DAG_ID = "timestream_backfill"
RUNTIME_SETTINGS_FILE = "pipeline_settings.json"
RUNTIME_SETTINGS_VARIABLE = "timestream_pipeline_settings"
EXPORTS_FILE = "exports.toml"
DEFAULT_AWS_CONN_ID = "aws_default"

# --- Measure names the export SQL reads. The ingest Lambda (another bundle) writes them; they are
# repeated here because each bundle is deployed alone, and a test keeps both equal.
SENSOR_TEMPERATURE_MEASURE = "temperature"
CEP_MEASURE = "cep_match"

# --- Data lake layout.
SUCCESS_MARKER = "_SUCCESS"
STAGING_PREFIX = "_staging"
# Every export table is partitioned by the UTC hour it holds: `dt` (YYYY-MM-DD) and `hour` (HH), as
# Hive partition keys (parquet, csv) or as identity-partitioned columns (iceberg).
PARTITION_COLUMNS = ("dt", "hour")
# The pyiceberg catalog the export DAGs write through: the Glue Data Catalog unless pyiceberg's own
# configuration (PYICEBERG_CATALOG__TIMESTREAM_PIPELINE__*, .pyiceberg.yaml) names another one.
ICEBERG_CATALOG_NAME = "timestream-pipeline"


def export_dag_id(export_name: str) -> str:
    """`timestream_export_<name>`: the DAG id of one declared export."""
    return f"{EXPORT_DAG_ID_PREFIX}{export_name}"


def lake_database_name(timestream_database: str) -> str:
    """The Glue/Athena database (Iceberg namespace) of the exports and reference tables.

    Derived from the Timestream database name, which the DAGs already know at run time and which is
    unique per account and region: `timeseries_pipeline` -> `timeseries_pipeline_lake`.
    """
    return "".join(c if c.isalnum() else "_" for c in timestream_database.lower()) + "_lake"


def hour_partition_values(hour_start: datetime) -> dict[str, str]:
    """`{"dt": "YYYY-MM-DD", "hour": "HH"}`: the partition values of one exported hour (UTC)."""
    return {"dt": f"{hour_start:%Y-%m-%d}", "hour": f"{hour_start:%H}"}


def glue_table_name(export_name: str) -> str:
    """The Athena/Glue table holding one export."""
    return export_name


def export_partition_prefix(export_prefix: str, export_name: str, hour_start: datetime) -> str:
    """`exports/<export>/dt=YYYY-MM-DD/hour=HH/`: the Hive partition of one exported hour (UTC)."""
    path = "/".join(f"{key}={value}" for key, value in hour_partition_values(hour_start).items())
    return f"{export_prefix}/{export_name}/{path}/"


def export_table_prefix(export_prefix: str, export_name: str) -> str:
    """`exports/<export>/`: where all partitions of one export live (the Glue table location)."""
    return f"{export_prefix}/{export_name}/"


def export_table_location(bucket: str, export_prefix: str, export_name: str) -> str:
    """`s3://<bucket>/exports/<export>`: an Iceberg table's location (its `metadata/` lives below)."""
    return f"s3://{bucket}/{export_prefix}/{export_name}"
