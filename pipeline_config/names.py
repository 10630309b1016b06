"""Names of the deployment as a whole (stack, streams, queues, outputs, local stack): repository only.

What a deployed bundle needs at run time lives in that bundle and is imported from there:
`timestream_pipeline.names` (the DAG folder) and `timestream_ingest.names` (the ingest Lambda).
"""

from __future__ import annotations

# Where the settings come from when not the default cdk.json beside app.py.
ENV_PIPELINE_CDK_JSON = "PIPELINE_CDK_JSON"


def data_lake_bucket_name(bucket_prefix: str, account: str, region: str) -> str:
    """The data lake bucket's name: globally unique through account and region."""
    return f"{bucket_prefix}-datalake-{account}-{region}"


# --- Kinesis streams (explicit physical names, shared by CDK and the local stack).
def stream_name(stack_name: str, role: str) -> str:
    """`<stack>-raw` / `<stack>-cep`: the Kinesis stream feeding one table role."""
    return f"{stack_name}-{role}"


def cep_state_table_name(stack_name: str) -> str:
    """The CEP stage's DynamoDB state table (named, so the local stack creates the same one)."""
    return f"{stack_name}-cep-state"


# --- The kept-records bucket: the ingest mappings' S3 on-failure destination.
def kept_records_bucket_name(bucket_prefix: str, account: str, region: str) -> str:
    """Where Lambda keeps whole the batches it gave up on (and `replay` finds them)."""
    return f"{bucket_prefix}-kept-{account}-{region}"


# Lambda names each on-failure object `aws/lambda/<mapping UUID>/<shard>/YYYY/MM/DD/<time>-<uuid>`.
KEPT_RECORDS_PREFIX = "aws/lambda/"
# `replay` marks what it put back on the stream: `replayed/<kept object key>.json`.
REPLAYED_PREFIX = "replayed/"


# --- CloudFormation output keys (generators and users read these).
OUTPUT_RAW_STREAM = "RawStreamName"
OUTPUT_CEP_STREAM = "CepStreamName"
OUTPUT_DATABASE = "TimestreamDatabaseName"
OUTPUT_RAW_TABLE = "RawTableName"
OUTPUT_CEP_TABLE = "CepTableName"
OUTPUT_BUCKET = "DataLakeBucketName"
OUTPUT_MWAA_POLICY = "MwaaPolicyArn"
OUTPUT_GLUE_DATABASE = "GlueDatabaseName"
OUTPUT_ATHENA_WORKGROUP = "AthenaWorkGroupName"
OUTPUT_KEPT_BUCKET = "KeptRecordsBucketName"

# --- The local stack.
LOCAL_STATE_DIR = ".local"
LOCAL_STATE_FILE = "stack.json"
LOCAL_ACCOUNT = "123456789012"  # moto's default account
LOCAL_REGION = "us-east-1"
LOCAL_TIMESTREAM_HOST = "127.0.0.1"
LOCAL_TIMESTREAM_PORT = 8766
