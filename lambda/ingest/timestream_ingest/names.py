"""The ingest Lambda's contract: the environment it reads, the metrics it emits, the records it writes.

The CDK app, the generators and the local stack import these names from here, so the deployed
function and everything that configures or feeds it agree by construction.
"""

from __future__ import annotations

# --- Environment variables the CDK app sets on the function.
ENV_TIMESTREAM_DATABASE = "TIMESTREAM_DATABASE"
ENV_TIMESTREAM_TABLE = "TIMESTREAM_TABLE"
ENV_QUARANTINE_BUCKET = "QUARANTINE_BUCKET"
ENV_QUARANTINE_PREFIX = "QUARANTINE_PREFIX"
ENV_POWERTOOLS_SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"
ENV_POWERTOOLS_METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE"
# The event source mappings' on-failure bucket: the handler writes its handled ledger there.
ENV_KEPT_RECORDS_BUCKET = "KEPT_RECORDS_BUCKET"
# How many WriteRecords calls one invocation may run at once (default 4).
ENV_INGEST_WRITE_CONCURRENCY = "INGEST_WRITE_CONCURRENCY"
# Optional endpoint overrides (the AWS SDKs' own variable names); the service-specific one wins.
ENV_AWS_ENDPOINT_URL = "AWS_ENDPOINT_URL"
ENV_AWS_ENDPOINT_URL_TIMESTREAM_WRITE = "AWS_ENDPOINT_URL_TIMESTREAM_WRITE"
ENV_AWS_ENDPOINT_URL_S3 = "AWS_ENDPOINT_URL_S3"

# --- Observability.
SERVICE_NAME = "timestream-pipeline"
METRICS_NAMESPACE = "TimestreamPipeline"
# CloudWatch embedded metrics the function emits per invocation.
METRIC_RECORDS_RECEIVED = "RecordsReceived"
METRIC_RECORDS_WRITTEN = "RecordsWritten"
METRIC_RECORDS_QUARANTINED = "RecordsQuarantined"
METRIC_RECORDS_RETRIED = "RecordsRetried"
METRIC_WRITE_RECORDS_CALLS = "WriteRecordsCalls"
METRIC_DIMENSION_TABLE = "table"
METRIC_DIMENSION_REASON = "reason"

# --- Timestream measure names the decoders write (the DAGs' SQL reads some of them).
DEVOPS_METRICS_RECORD = "metrics_record"
DEVOPS_EVENTS_RECORD = "events_record"
SENSOR_TEMPERATURE_MEASURE = "temperature"
ALARM_MEASURE = "Alarm"
WAVE_MEASURE = "Temperature"
CEP_MEASURE = "cep_match"
# MeasureName of a generic-form record with several measures and no `measure_name`.
GENERIC_MULTI_MEASURE = "metrics"
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


def quarantine_object_key(prefix: str, stream_name: str, shard_id: str, first_sequence_number: str) -> str:
    """`<prefix>/<stream>/<shard>/<first sequence number>.jsonl`: redelivery overwrites it."""
    parts = (prefix.strip("/"), stream_name, shard_id, f"{first_sequence_number}.jsonl")
    return "/".join(part for part in parts if part)


# --- The kept-records bucket (the mappings' S3 on-failure destination).
# Where the handler notes which records of a partly failed invocation it wrote anyway (ledger.py).
LEDGER_PREFIX = "ingest-ledger"


def ledger_object_key(stream_name: str, shard_id: str, first_retried_sequence: str, token: str) -> str:
    """`ingest-ledger/<stream>/<shard>/<first retried sequence number>-<token>.json`, one per invocation."""
    return f"{LEDGER_PREFIX}/{stream_name}/{shard_id}/{first_retried_sequence}-{token}.json"
