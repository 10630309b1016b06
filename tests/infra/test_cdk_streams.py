"""Kinesis: names shared with the generators, encryption, capacity mode and retention."""

from __future__ import annotations

from aws_cdk import assertions
from cdk_helpers import resources

from pipeline_config import names
from pipeline_config.settings import Settings

DEFAULTS = Settings()


def test_raw_and_cep_streams_are_encrypted_on_demand_with_retention(template: assertions.Template) -> None:
    """Both streams use the AWS-managed Kinesis key, on-demand capacity and the configured retention."""
    # GIVEN the default stack
    streams = resources(template.to_json(), "AWS::Kinesis::Stream").values()
    # WHEN the streams are indexed by name
    by_name = {s["Properties"]["Name"]: s["Properties"] for s in streams}
    # THEN there is one per role, named as the generators expect, configured identically
    assert sorted(by_name) == sorted(names.stream_name(DEFAULTS.stack_name, r) for r in ("raw", "cep"))
    for properties in by_name.values():
        assert properties["StreamEncryption"] == {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"}
        assert properties["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
        assert properties["RetentionPeriodHours"] == DEFAULTS.kinesis_retention_hours
        assert "ShardCount" not in properties


def test_provisioned_streams_get_the_shard_count(variant_template: assertions.Template) -> None:
    """kinesis_stream_mode=PROVISIONED gives each stream kinesis_shard_count shards."""
    # GIVEN the variant with provisioned streams of 3 shards
    # WHEN / THEN both streams are provisioned with 3 shards
    variant_template.resource_count_is("AWS::Kinesis::Stream", 2)
    variant_template.all_resources_properties(
        "AWS::Kinesis::Stream", {"StreamModeDetails": {"StreamMode": "PROVISIONED"}, "ShardCount": 3}
    )
