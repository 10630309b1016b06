"""The ingest Lambdas: runtime, environment, logs, event source mappings, kept records, role, asset."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

from aws_cdk import assertions
from cdk_helpers import (
    ACCOUNT,
    REGION,
    SynthesizedStack,
    logical_id,
    policy_statements_by_action,
    resources,
    role_policy,
)

from infra.ingest_function import POWERTOOLS_LAYER_PARAMETER, POWERTOOLS_VERSION
from infra.kept_records import NONCURRENT_VERSION_DAYS, kept_records_days
from pipeline_config import names
from pipeline_config.settings import REPO_ROOT, Settings
from timestream_ingest import names as ingest_names

DEFAULTS = Settings()
ROLES = {"Raw": DEFAULTS.raw_table_name, "Cep": DEFAULTS.cep_table_name}


def _ingest_mappings(tpl: dict) -> list[dict]:
    """The ingest functions' mappings (the CEP stage has its own: tests/infra/test_cdk_cep_stage.py)."""
    ingest = {logical_id(tpl, "AWS::Lambda::Function", f"{role}Ingest") for role in ROLES}
    mappings = resources(tpl, "AWS::Lambda::EventSourceMapping").values()
    return [m for m in mappings if m["Properties"]["FunctionName"]["Ref"] in ingest]


def _function(tpl: dict, role: str) -> dict:
    return tpl["Resources"][logical_id(tpl, "AWS::Lambda::Function", f"{role}IngestFunction")]["Properties"]


def test_one_function_per_stream_on_latest_python_arm64(template: assertions.Template) -> None:
    """Each stream has its own function on python3.14/arm64 with the handler entry point."""
    # GIVEN the default stack
    tpl = template.to_json()
    # WHEN the functions are read
    functions = [_function(tpl, role) for role in ROLES]
    # THEN both use the newest runtime, arm64 and timestream_ingest.handler.handler, with the configured size
    for function in functions:
        assert function["Runtime"] == "python3.14"
        assert function["Architectures"] == ["arm64"]
        assert function["Handler"] == "timestream_ingest.handler.handler"
        assert (function["MemorySize"], function["Timeout"]) == (
            DEFAULTS.lambda_memory_mb,
            DEFAULTS.lambda_timeout_seconds,
        )


def test_environment_names_the_database_table_and_quarantine(template: assertions.Template) -> None:
    """Each function is told its own table; the variable names come from pipeline_config.names."""
    # GIVEN the default stack
    tpl = template.to_json()
    bucket = {"Ref": logical_id(tpl, "AWS::S3::Bucket", "DataLakeBucket")}
    kept_bucket = {"Ref": logical_id(tpl, "AWS::S3::Bucket", "KeptRecordsBucket")}
    for role, table in ROLES.items():
        # WHEN the function's environment is read
        variables = _function(tpl, role)["Environment"]["Variables"]
        # THEN it names exactly its table, the database and the quarantine location
        assert variables == {
            ingest_names.ENV_TIMESTREAM_DATABASE: DEFAULTS.database_name,
            ingest_names.ENV_TIMESTREAM_TABLE: table,
            ingest_names.ENV_QUARANTINE_BUCKET: bucket,
            ingest_names.ENV_QUARANTINE_PREFIX: DEFAULTS.quarantine_prefix,
            ingest_names.ENV_KEPT_RECORDS_BUCKET: kept_bucket,
            ingest_names.ENV_POWERTOOLS_SERVICE_NAME: ingest_names.SERVICE_NAME,
            ingest_names.ENV_POWERTOOLS_METRICS_NAMESPACE: ingest_names.METRICS_NAMESPACE,
        }


def test_each_function_logs_to_a_group_with_retention(template: assertions.Template) -> None:
    """Logs go to a log group of the stack with log_retention_days, not to a never-expiring default."""
    # GIVEN the default stack
    tpl = template.to_json()
    for role in ROLES:
        # WHEN the function's logging config is followed to its group
        group_id = _function(tpl, role)["LoggingConfig"]["LogGroup"]["Ref"]
        # THEN the group expires logs after the configured days
        assert tpl["Resources"][group_id]["Properties"]["RetentionInDays"] == DEFAULTS.log_retention_days


def test_event_source_mappings_fail_safely(template: assertions.Template) -> None:
    """Partial batch responses, bisect, retries for as long as the stream keeps a record, kept in S3."""
    # GIVEN the default stack (24 h retention, 60 s timeout)
    tpl = template.to_json()
    bucket_id = logical_id(tpl, "AWS::S3::Bucket", "KeptRecordsBucket")
    mappings = _ingest_mappings(tpl)
    # WHEN / THEN both mappings carry every setting
    assert len(mappings) == 2
    for mapping in mappings:
        properties = dict(mapping["Properties"])
        for key in ("EventSourceArn", "FunctionName", "Tags"):
            properties.pop(key)
        assert properties == {
            "BatchSize": DEFAULTS.lambda_batch_size,
            "MaximumBatchingWindowInSeconds": DEFAULTS.lambda_batching_window_seconds,
            "ParallelizationFactor": DEFAULTS.lambda_parallelization_factor,
            "MaximumRetryAttempts": 1380,  # 23 h of 60-second attempts
            "MaximumRecordAgeInSeconds": 23 * 3600,  # an hour before Kinesis trims the record
            "BisectBatchOnFunctionError": True,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "StartingPosition": "TRIM_HORIZON",
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [bucket_id, "Arn"]}}},
            "MetricsConfig": {"Metrics": ["EventCount"]},
        }


def test_each_mapping_reads_its_own_stream_into_its_own_function(template: assertions.Template) -> None:
    """The raw stream feeds the raw function and the CEP stream the CEP function."""
    # GIVEN the default stack
    tpl = template.to_json()
    wiring = {
        (m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0], m["Properties"]["FunctionName"]["Ref"])
        for m in _ingest_mappings(tpl)
    }
    # WHEN / THEN each stream pairs with the function of the same role
    expected = {
        (
            logical_id(tpl, "AWS::Kinesis::Stream", f"Streams{role}"),
            logical_id(tpl, "AWS::Lambda::Function", f"{role}Ingest"),
        )
        for role in ROLES
    }
    assert wiring == expected


def test_kept_records_bucket_is_encrypted_private_logged_and_outlives_the_stream(
    template: assertions.Template,
) -> None:
    """Batches given up on are kept encrypted, private, TLS-only, far longer than the stream keeps them."""
    # GIVEN the default stack
    tpl = template.to_json()
    bucket_id = logical_id(tpl, "AWS::S3::Bucket", "KeptRecordsBucket")
    bucket = tpl["Resources"][bucket_id]["Properties"]
    # WHEN its policy is read
    statements = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in resources(tpl, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    # THEN it is named, SSE-S3, versioned, private, logged, and expires well after the retention
    assert bucket["BucketName"] == DEFAULTS.kept_records_bucket_name(ACCOUNT, REGION)
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0] == {
        "ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}
    }
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert bucket["LoggingConfiguration"]["LogFilePrefix"] == "kept-records/"
    (rule,) = bucket["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == kept_records_days(DEFAULTS) == 90
    assert rule["ExpirationInDays"] * 24 > DEFAULTS.kinesis_retention_hours
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": NONCURRENT_VERSION_DAYS}
    (policy,) = statements
    assert [(s["Effect"], s["Condition"]) for s in policy] == [
        ("Deny", {"Bool": {"aws:SecureTransport": "false"}})
    ]


def test_kept_records_last_beyond_a_long_retention() -> None:
    """A stream keeping records for a year keeps what it gives up on for a year and a month."""
    assert kept_records_days(Settings(kinesis_retention_hours=8760)) == 365 + 30


def test_role_writes_only_its_table_and_quarantine_and_reads_only_its_stream(
    template: assertions.Template,
) -> None:
    """Each role's actions and resources are exactly the ones its function needs."""
    # GIVEN the default stack
    tpl = template.to_json()
    bucket_arn = {"Fn::GetAtt": [logical_id(tpl, "AWS::S3::Bucket", "DataLakeBucket"), "Arn"]}
    kept_arn = {"Fn::GetAtt": [logical_id(tpl, "AWS::S3::Bucket", "KeptRecordsBucket"), "Arn"]}
    for role, table in ROLES.items():
        # WHEN the role's policy is read action by action
        actions = policy_statements_by_action(role_policy(tpl, f"{role}IngestRole"))
        stream_arn = {"Fn::GetAtt": [logical_id(tpl, "AWS::Kinesis::Stream", f"Streams{role}"), "Arn"]}
        log_group_arn = {"Fn::GetAtt": [logical_id(tpl, "AWS::Logs::LogGroup", f"{role}IngestLogs"), "Arn"]}
        table_arn = (
            f"arn:aws:timestream:eu-west-1:123456789012:database/{DEFAULTS.database_name}/table/{table}"
        )
        # THEN each action is on its own resource only
        kinesis_read = {
            a: [stream_arn]
            for a in (
                "kinesis:DescribeStream",
                "kinesis:DescribeStreamConsumer",
                "kinesis:DescribeStreamSummary",
                "kinesis:GetRecords",
                "kinesis:GetShardIterator",
                "kinesis:ListShards",
                "kinesis:ListStreams",
                "kinesis:SubscribeToShard",
            )
        }
        assert actions == {
            "logs:CreateLogStream": [log_group_arn],
            "logs:PutLogEvents": [log_group_arn],
            "timestream:WriteRecords": [table_arn],
            "timestream:DescribeEndpoints": ["*"],
            # the handler: quarantine objects and its ledger; Lambda's delivery of kept batches
            "s3:PutObject": [
                {"Fn::Join": ["", [bucket_arn, f"/{DEFAULTS.quarantine_prefix}/*"]]},
                {"Fn::Join": ["", [kept_arn, f"/{names.KEPT_RECORDS_PREFIX}*"]]},
                {"Fn::Join": ["", [kept_arn, f"/{ingest_names.LEDGER_PREFIX}/*"]]},
            ],
            "s3:ListBucket": [kept_arn],
            **kinesis_read,
        }


def test_powertools_layer_comes_from_the_public_parameter_of_the_pinned_version(
    template: assertions.Template,
) -> None:
    """The layer is the official one for python3.14/arm64, at the version the tests run with."""
    # GIVEN the default stack
    tpl = template.to_json()
    # WHEN the functions' layer is followed to its template parameter
    layers = {dumps_ref(_function(tpl, role)["Layers"]) for role in ROLES}
    parameter = tpl["Parameters"][next(iter(layers))]
    # THEN it is the SSM public parameter of the pinned version, equal to the installed package
    assert len(layers) == 1
    assert parameter == {"Type": "AWS::SSM::Parameter::Value<String>", "Default": POWERTOOLS_LAYER_PARAMETER}
    assert (
        POWERTOOLS_LAYER_PARAMETER == f"/aws/service/powertools/python/arm64/python3.14/{POWERTOOLS_VERSION}"
    )
    assert importlib.metadata.version("aws-lambda-powertools") == POWERTOOLS_VERSION


def dumps_ref(layers: list[dict]) -> str:
    assert len(layers) == 1
    return layers[0]["Ref"]


def test_asset_is_the_handler_package_without_caches(
    default_stack: SynthesizedStack,
) -> None:
    """The zip Lambda runs holds the timestream_ingest package of lambda/ingest/, nothing else."""
    # GIVEN the synthesized assembly
    tpl = default_stack.json
    code = _function(tpl, "Raw")["Code"]
    asset_dir = default_stack.outdir / ("asset." + code["S3Key"].removesuffix(".zip"))
    # WHEN the staged asset is listed
    staged = sorted(p.relative_to(asset_dir).as_posix() for p in asset_dir.rglob("*") if p.is_file())
    # THEN it is exactly the package's .py files (no tests, no caches)
    ingest = REPO_ROOT / "lambda" / "ingest"
    expected = sorted(_rel(p, ingest) for p in ingest.rglob("*.py") if not _ignored(p, ingest))
    assert "timestream_ingest/handler.py" in staged
    assert staged == expected


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _ignored(path: Path, root: Path) -> bool:
    return bool({"__pycache__", "tests"} & set(path.relative_to(root).parts))
