"""Names shared by every part of the pipeline; no name is typed twice anywhere else."""

from __future__ import annotations

from datetime import datetime

# --- Environment variables the CDK app sets on the ingest Lambda (the issue fixes these keys).
ENV_TIMESTREAM_DATABASE = "TIMESTREAM_DATABASE"
ENV_TIMESTREAM_TABLE = "TIMESTREAM_TABLE"
ENV_QUARANTINE_BUCKET = "QUARANTINE_BUCKET"
ENV_QUARANTINE_PREFIX = "QUARANTINE_PREFIX"
ENV_AWS_ENDPOINT_URL = "AWS_ENDPOINT_URL"
ENV_POWERTOOLS_SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"
ENV_POWERTOOLS_METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE"
# Where the settings come from when not the default cdk.json beside app.py.
ENV_PIPELINE_CDK_JSON = "PIPELINE_CDK_JSON"

# --- Observability.
SERVICE_NAME = "timestream-pipeline"
METRICS_NAMESPACE = "TimestreamPipeline"

# --- Timestream measure names written by the ingest Lambda and the generators.
DEVOPS_METRICS_RECORD = "metrics_record"
DEVOPS_EVENTS_RECORD = "events_record"
SENSOR_TEMPERATURE_MEASURE = "temperature"
ALARM_MEASURE = "Alarm"
WAVE_MEASURE = "Temperature"
CEP_MEASURE = "cep_match"
# The dimensions that together identify one DevOps host (instance names repeat across silos).
DEVOPS_HOST_DIMENSIONS = (
    "region",
    "cell",
    "silo",
    "availability_zone",
    "microservice_name",
    "instance_type",
    "os_version",
    "instance_name",
)

# --- Data lake layout.
SUCCESS_MARKER = "_SUCCESS"
STAGING_PREFIX = "_staging"


def data_lake_bucket_name(bucket_prefix: str, account: str, region: str) -> str:
    """The data lake bucket's name: globally unique through account and region."""
    return f"{bucket_prefix}-datalake-{account}-{region}"


def export_partition_prefix(export_prefix: str, export_name: str, hour_start: datetime) -> str:
    """`exports/<export>/dt=YYYY-MM-DD/hour=HH/`: the Hive partition of one exported hour (UTC)."""
    return f"{export_prefix}/{export_name}/dt={hour_start:%Y-%m-%d}/hour={hour_start:%H}/"


def export_table_prefix(export_prefix: str, export_name: str) -> str:
    """`exports/<export>/`: where all partitions of one export live (the Glue table location)."""
    return f"{export_prefix}/{export_name}/"


# --- Airflow.
EXPORT_DAG_ID_PREFIX = "timestream_export_"
BACKFILL_DAG_ID = "timestream_backfill"
RUNTIME_SETTINGS_FILE = "pipeline_settings.json"
RUNTIME_SETTINGS_VARIABLE = "timestream_pipeline_settings"
EXPORTS_FILE = "exports.toml"
DEFAULT_AWS_CONN_ID = "aws_default"


def export_dag_id(export_name: str) -> str:
    """`timestream_export_<name>`: the DAG id of one declared export."""
    return f"{EXPORT_DAG_ID_PREFIX}{export_name}"


def glue_table_name(export_name: str) -> str:
    """The Athena/Glue table holding one export."""
    return export_name


# --- Kinesis streams and queues (explicit physical names, shared by CDK and the local stack).
def stream_name(stack_name: str, role: str) -> str:
    """`<stack>-raw` / `<stack>-cep`: the Kinesis stream feeding one table role."""
    return f"{stack_name}-{role}"


def ingest_dlq_name(stack_name: str) -> str:
    """The on-failure queue that receives metadata of batches the ingest mapping gave up on."""
    return f"{stack_name}-ingest-failures"


# --- CloudFormation output keys (generators and users read these).
OUTPUT_RAW_STREAM = "RawStreamName"
OUTPUT_CEP_STREAM = "CepStreamName"
OUTPUT_DATABASE = "TimestreamDatabaseName"
OUTPUT_RAW_TABLE = "RawTableName"
OUTPUT_CEP_TABLE = "CepTableName"
OUTPUT_BUCKET = "DataLakeBucketName"
OUTPUT_MWAA_POLICY = "MwaaPolicyArn"
OUTPUT_GLUE_DATABASE = "GlueDatabaseName"
OUTPUT_DLQ = "IngestFailureQueueUrl"

# --- The local stack.
LOCAL_STATE_DIR = ".local"
LOCAL_STATE_FILE = "stack.json"
LOCAL_ACCOUNT = "123456789012"  # moto's default account
LOCAL_REGION = "us-east-1"


# --- CDK app (infra/)
def glue_database_name(stack_name: str) -> str:
    """The Glue/Athena database holding one table per export: `timestreampipeline_exports`."""
    return "".join(c if c.isalnum() else "_" for c in stack_name.lower()) + "_exports"


# --- ingest Lambda (issue 3)
# Optional endpoint overrides (the AWS SDKs' own variable names); the service-specific one wins.
ENV_AWS_ENDPOINT_URL_TIMESTREAM_WRITE = "AWS_ENDPOINT_URL_TIMESTREAM_WRITE"
ENV_AWS_ENDPOINT_URL_S3 = "AWS_ENDPOINT_URL_S3"
# How many WriteRecords calls one invocation may run at once (default 4).
ENV_INGEST_WRITE_CONCURRENCY = "INGEST_WRITE_CONCURRENCY"
# MeasureName of a generic-form record with several measures and no `measure_name`.
GENERIC_MULTI_MEASURE = "metrics"
# CloudWatch embedded metrics the ingest Lambda emits per invocation.
METRIC_RECORDS_RECEIVED = "RecordsReceived"
METRIC_RECORDS_WRITTEN = "RecordsWritten"
METRIC_RECORDS_QUARANTINED = "RecordsQuarantined"
METRIC_RECORDS_RETRIED = "RecordsRetried"
METRIC_WRITE_RECORDS_CALLS = "WriteRecordsCalls"
METRIC_DIMENSION_TABLE = "table"
METRIC_DIMENSION_REASON = "reason"


def quarantine_object_key(prefix: str, stream_name: str, shard_id: str, first_sequence_number: str) -> str:
    """`<prefix>/<stream>/<shard>/<first sequence number>.jsonl`: redelivery overwrites it."""
    parts = (prefix.strip("/"), stream_name, shard_id, f"{first_sequence_number}.jsonl")
    return "/".join(part for part in parts if part)


# --- local Timestream (local/timestream)
LOCAL_TIMESTREAM_HOST = "127.0.0.1"
LOCAL_TIMESTREAM_PORT = 8766
