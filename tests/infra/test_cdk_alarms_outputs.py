"""Alarms on what fails silently, and the outputs users and generators read."""

from __future__ import annotations

from aws_cdk import assertions
from cdk_helpers import logical_id, resources

from infra.alarms import DROPPED_METRIC, KEPT_METRIC, MAPPING_DIMENSION, iterator_age_threshold_ms
from pipeline_config import names
from pipeline_config.settings import Settings

DEFAULTS = Settings()


def _alarms_by_metric(tpl: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for alarm in resources(tpl, "AWS::CloudWatch::Alarm").values():
        found.setdefault(alarm["Properties"]["MetricName"], []).append(alarm["Properties"])
    return found


def test_iterator_age_alarm_per_stream(template: assertions.Template) -> None:
    """Each stream alarms when its consumer falls behind, before records reach their maximum age."""
    # GIVEN the default stack
    tpl = template.to_json()
    # WHEN the iterator-age alarms are read
    alarms = _alarms_by_metric(tpl)["GetRecords.IteratorAgeMilliseconds"]
    # THEN there is one per stream with the derived threshold on the Maximum statistic
    streams = {a["Dimensions"][0]["Value"]["Ref"] for a in alarms}
    assert streams == {logical_id(tpl, "AWS::Kinesis::Stream", f"Streams{r}") for r in ("Raw", "Cep")}
    for alarm in alarms:
        assert (alarm["Namespace"], alarm["Statistic"]) == ("AWS/Kinesis", "Maximum")
        assert alarm["Threshold"] == iterator_age_threshold_ms(DEFAULTS) == 300_000
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"


def test_kept_and_dropped_records_alarm_per_mapping_on_the_first_record(
    template: assertions.Template,
) -> None:
    """Each mapping alarms when it keeps records for replay, and when it could not even keep them."""
    # GIVEN the default stack
    tpl = template.to_json()
    mappings = set(resources(tpl, "AWS::Lambda::EventSourceMapping"))
    alarms = _alarms_by_metric(tpl)
    for metric in (KEPT_METRIC, DROPPED_METRIC):
        # WHEN the alarms on the mappings' EventCount metric are read
        found = alarms[metric]
        # THEN there is one per mapping, on its UUID, firing on a sum above zero
        assert {a["Dimensions"][0]["Value"]["Ref"] for a in found} == mappings
        for alarm in found:
            assert alarm["Dimensions"][0]["Name"] == MAPPING_DIMENSION
            assert (alarm["Namespace"], alarm["Statistic"], alarm["Threshold"]) == ("AWS/Lambda", "Sum", 0)
            assert alarm["ComparisonOperator"] == "GreaterThanThreshold"


def test_lambda_errors_alarm_per_function(template: assertions.Template) -> None:
    """Each ingest function and the CEP stage alarm on their first error."""
    # GIVEN the default stack
    tpl = template.to_json()
    # WHEN the error alarms are read
    alarms = _alarms_by_metric(tpl)["Errors"]
    # THEN there is one per function, Sum > 0
    functions = {a["Dimensions"][0]["Value"]["Ref"] for a in alarms}
    prefixes = ("RawIngest", "CepIngest", "CepStage")
    assert functions == {logical_id(tpl, "AWS::Lambda::Function", prefix) for prefix in prefixes}
    assert {(a["Namespace"], a["Statistic"], a["Threshold"]) for a in alarms} == {("AWS/Lambda", "Sum", 0)}


def test_iterator_age_threshold_follows_a_short_record_age() -> None:
    """With a short maximum record age the alarm fires at half of it, not at 5 minutes."""
    # GIVEN a 2-minute maximum record age
    settings = Settings(lambda_max_record_age_seconds=120)
    assert settings.mapping_max_record_age_seconds == 120
    # WHEN / THEN the threshold is one minute
    assert iterator_age_threshold_ms(settings) == 60_000


def test_outputs_name_every_resource_a_user_needs(template: assertions.Template) -> None:
    """Outputs use the keys in pipeline_config.names and point at the stack's resources."""
    # GIVEN the default stack
    tpl = template.to_json()
    # WHEN the outputs are read
    outputs = {key: value["Value"] for key, value in tpl["Outputs"].items()}
    # THEN every named output is there with its resource
    assert outputs == {
        names.OUTPUT_RAW_STREAM: {"Ref": logical_id(tpl, "AWS::Kinesis::Stream", "StreamsRaw")},
        names.OUTPUT_CEP_STREAM: {"Ref": logical_id(tpl, "AWS::Kinesis::Stream", "StreamsCep")},
        names.OUTPUT_DATABASE: {"Ref": logical_id(tpl, "AWS::Timestream::Database", "Timeseries")},
        names.OUTPUT_RAW_TABLE: {
            "Fn::GetAtt": [logical_id(tpl, "AWS::Timestream::Table", "TimeseriesRaw"), "Name"]
        },
        names.OUTPUT_CEP_TABLE: {
            "Fn::GetAtt": [logical_id(tpl, "AWS::Timestream::Table", "TimeseriesCep"), "Name"]
        },
        names.OUTPUT_BUCKET: {"Ref": logical_id(tpl, "AWS::S3::Bucket", "DataLakeBucket")},
        names.OUTPUT_MWAA_POLICY: {"Ref": logical_id(tpl, "AWS::IAM::ManagedPolicy", "MwaaAccess")},
        names.OUTPUT_GLUE_DATABASE: {"Ref": logical_id(tpl, "AWS::Glue::Database", "Catalog")},
        names.OUTPUT_ATHENA_WORKGROUP: {"Ref": logical_id(tpl, "AWS::Athena::WorkGroup", "Athena")},
        names.OUTPUT_KEPT_BUCKET: {"Ref": logical_id(tpl, "AWS::S3::Bucket", "KeptRecordsBucket")},
    }
