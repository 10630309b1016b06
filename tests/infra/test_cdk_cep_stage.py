"""The CEP stage: state table, function, mapping on the raw stream, least-privilege role, asset, alarms."""

from __future__ import annotations

import json

from aws_cdk import assertions
from cdk_helpers import (
    SynthesizedStack,
    logical_id,
    only,
    policy_statements_by_action,
    resources,
    role_policy,
)

from infra.cep_stage import HANDLER
from pipeline_config.settings import REPO_ROOT, Settings
from timestream_cep import names as cep_names
from timestream_cep.readings import SENSOR_FIELDS

DEFAULTS = Settings()


def _arn(tpl: dict, type_: str, prefix: str) -> dict:
    return {"Fn::GetAtt": [logical_id(tpl, type_, prefix), "Arn"]}


def _function(tpl: dict) -> dict:
    return tpl["Resources"][logical_id(tpl, "AWS::Lambda::Function", "CepStageFunction")]["Properties"]


def _mapping(tpl: dict) -> dict:
    function_id = logical_id(tpl, "AWS::Lambda::Function", "CepStageFunction")
    found = [
        m["Properties"]
        for m in resources(tpl, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"]["Ref"] == function_id
    ]
    assert len(found) == 1
    return found[0]


def test_state_table_is_keyed_by_shard_encrypted_recoverable_and_expiring(
    template: assertions.Template,
) -> None:
    """One item per shard, on demand, KMS-encrypted, point-in-time recovery on, closed shards expire."""
    # GIVEN the default stack / WHEN the only DynamoDB table is read
    table = only(template.to_json(), "AWS::DynamoDB::Table")
    # THEN it is the state table the handler expects
    assert table["KeySchema"] == [{"AttributeName": cep_names.STATE_KEY, "KeyType": "HASH"}]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["SSESpecification"] == {"SSEEnabled": True}
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["TimeToLiveSpecification"] == {"AttributeName": cep_names.STATE_EXPIRES, "Enabled": True}


def test_function_runs_the_cep_handler_with_its_table_and_output_stream(
    template: assertions.Template,
) -> None:
    """python3.14/arm64, the package's handler, told its state table and the CEP stream's name."""
    # GIVEN the default stack
    tpl = template.to_json()
    function = _function(tpl)
    # THEN runtime, handler and environment are the CEP stage's
    assert (function["Runtime"], function["Architectures"], function["Handler"]) == (
        "python3.14",
        ["arm64"],
        HANDLER,
    )
    assert function["Environment"]["Variables"] == {
        cep_names.ENV_STATE_TABLE: {"Ref": logical_id(tpl, "AWS::DynamoDB::Table", "CepStageState")},
        cep_names.ENV_CEP_STREAM: {"Ref": logical_id(tpl, "AWS::Kinesis::Stream", "StreamsCep")},
        cep_names.ENV_POWERTOOLS_SERVICE_NAME: cep_names.SERVICE_NAME,
        cep_names.ENV_POWERTOOLS_METRICS_NAMESPACE: cep_names.METRICS_NAMESPACE,
    }


def test_mapping_reads_the_raw_stream_in_order_and_fails_like_ingest(template: assertions.Template) -> None:
    """One batch per shard at a time, ingest's retry limits, bisect, and the ingest failure destination."""
    # GIVEN the default stack
    tpl = template.to_json()
    mapping = dict(_mapping(tpl))
    function_id = mapping.pop("FunctionName")["Ref"]
    mapping.pop("Tags")
    mapping.pop("FilterCriteria")  # test_mapping_passes_only_sensor_readings
    # THEN it reads the raw stream with the shared settings, parallelization 1, whole-batch retries
    assert function_id.startswith("CepStageFunction")
    assert mapping == {
        "EventSourceArn": _arn(tpl, "AWS::Kinesis::Stream", "StreamsRaw"),
        "BatchSize": DEFAULTS.lambda_batch_size,
        "MaximumBatchingWindowInSeconds": DEFAULTS.lambda_batching_window_seconds,
        "ParallelizationFactor": 1,
        "MaximumRetryAttempts": DEFAULTS.mapping_retry_attempts,
        "MaximumRecordAgeInSeconds": DEFAULTS.mapping_max_record_age_seconds,
        "BisectBatchOnFunctionError": True,
        "StartingPosition": "TRIM_HORIZON",
        "DestinationConfig": {
            "OnFailure": {"Destination": _arn(tpl, "AWS::S3::Bucket", "KeptRecordsBucket")}
        },
        "MetricsConfig": {"Metrics": ["EventCount"]},
    }


def test_mapping_passes_only_sensor_readings(template: assertions.Template) -> None:
    """The CEP stage's mapping filters on every sensor field (exists); the ingest mappings take everything."""
    # GIVEN the default stack
    tpl = template.to_json()
    # WHEN the filters of every mapping are read
    filters = {
        m["Properties"]["FunctionName"]["Ref"]: m["Properties"].get("FilterCriteria")
        for m in resources(tpl, "AWS::Lambda::EventSourceMapping").values()
    }
    cep_function = logical_id(tpl, "AWS::Lambda::Function", "CepStageFunction")
    # THEN the CEP stage's one pattern asks for exactly the fields `sensor_reading` reads
    [cep_filter] = filters.pop(cep_function)["Filters"]
    assert json.loads(cep_filter["Pattern"]) == {
        "data": {field: [{"exists": True}] for field in SENSOR_FIELDS}
    }
    # AND the two ingest mappings have no filter
    assert list(filters.values()) == [None, None]


def test_role_holds_exactly_the_calls_the_handler_makes(template: assertions.Template) -> None:
    """State get/put on its table, PutRecords on the CEP stream, raw stream reads, logs, kept records."""
    # GIVEN the default stack
    tpl = template.to_json()
    # WHEN the role's policy is read action by action
    actions = policy_statements_by_action(role_policy(tpl, "CepStageRole"))
    raw = _arn(tpl, "AWS::Kinesis::Stream", "StreamsRaw")
    kept = _arn(tpl, "AWS::S3::Bucket", "KeptRecordsBucket")
    logs = _arn(tpl, "AWS::Logs::LogGroup", "CepStageLogs")
    table = _arn(tpl, "AWS::DynamoDB::Table", "CepStageState")
    # THEN each action is on its one resource, and nothing else is granted
    raw_read = (
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamConsumer",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetRecords",
        "kinesis:GetShardIterator",
        "kinesis:ListShards",
        "kinesis:ListStreams",
        "kinesis:SubscribeToShard",
    )
    assert actions == {
        "logs:CreateLogStream": [logs],
        "logs:PutLogEvents": [logs],
        "dynamodb:GetItem": [table],
        "dynamodb:PutItem": [table],
        "kinesis:PutRecords": [_arn(tpl, "AWS::Kinesis::Stream", "StreamsCep")],
        # the on-failure destination: Lambda keeps a given-up batch under aws/lambda/ of the kept bucket
        "s3:PutObject": [{"Fn::Join": ["", [kept, "/aws/lambda/*"]]}],
        "s3:ListBucket": [kept],
        **{action: [raw] for action in raw_read},
    }


def test_errors_and_falling_behind_raise_alarms(template: assertions.Template) -> None:
    """A failed batch and an iterator age past the threshold each have an alarm on the CEP function."""
    # GIVEN the default stack
    tpl = template.to_json()
    function_id = logical_id(tpl, "AWS::Lambda::Function", "CepStageFunction")
    # WHEN the alarms on the function are read
    alarms = {
        a["Properties"]["MetricName"]: a["Properties"]
        for a in resources(tpl, "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("Dimensions", [{}])[0].get("Value") == {"Ref": function_id}
    }
    # THEN there is one on errors (> 0) and one on iterator age
    assert sorted(alarms) == ["Errors", "IteratorAge"]
    assert (alarms["Errors"]["Statistic"], alarms["Errors"]["Threshold"]) == ("Sum", 0)


def test_asset_is_the_cep_package_only(default_stack: SynthesizedStack) -> None:
    """The zip holds lambda/cep/'s timestream_cep package and nothing from outside that folder."""
    # GIVEN the synthesized assembly
    code = _function(default_stack.json)["Code"]
    asset_dir = default_stack.outdir / ("asset." + code["S3Key"].removesuffix(".zip"))
    # WHEN the staged asset is listed
    staged = sorted(p.relative_to(asset_dir).as_posix() for p in asset_dir.rglob("*") if p.is_file())
    # THEN it is exactly the package's modules
    package = REPO_ROOT / "lambda" / "cep"
    expected = sorted(
        p.relative_to(package).as_posix() for p in package.rglob("*.py") if "__pycache__" not in p.parts
    )
    assert "timestream_cep/handler.py" in staged and staged == expected
