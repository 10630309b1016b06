"""The CEP function's contract: the environment it reads, the state it keeps, the metrics it emits.

The CDK app and the local stack import these names from here, so the deployed function and what
configures it agree by construction.
"""

from __future__ import annotations

# --- Environment variables the CDK app sets on the function.
ENV_STATE_TABLE = "CEP_STATE_TABLE"
ENV_CEP_STREAM = "CEP_STREAM_NAME"
ENV_POWERTOOLS_SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"
ENV_POWERTOOLS_METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE"

# --- The state table: one item per shard of the raw stream.
STATE_KEY = "shard"  # partition key: "<stream ARN>|<shard id>"
STATE_SEQUENCE = "sequence"  # the last sequence number applied to the state
STATE_BODY = "state"  # zlib-compressed JSON of CepStage.to_state()
STATE_EXPIRES = "expires_at"  # DynamoDB TTL: a closed shard's item goes a while after its last write
STATE_TTL_DAYS = 8  # longer than the longest stream retention a child shard may wait behind (7 d)

# --- Observability (the pipeline's service name and namespace, as the ingest Lambda uses them).
SERVICE_NAME = "timestream-pipeline"
METRICS_NAMESPACE = "TimestreamPipeline"
METRIC_DIMENSION_STAGE = "stage"
STAGE_NAME = "cep"
METRIC_RECORDS_RECEIVED = "CepRecordsReceived"
METRIC_RECORDS_ALREADY_APPLIED = "CepRecordsAlreadyApplied"
METRIC_READINGS = "CepReadings"
METRIC_READINGS_LATE = "CepReadingsLate"
METRIC_READINGS_INVALID = "CepReadingsInvalid"
METRIC_MATCHES = "CepMatches"
