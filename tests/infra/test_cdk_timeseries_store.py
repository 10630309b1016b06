"""Timestream: database key, table retention, magnetic-store writes and their rejected-data reports."""

from __future__ import annotations

from aws_cdk import assertions
from cdk_helpers import logical_id, only, resources

from pipeline_config.settings import Settings

DEFAULTS = Settings()


def test_database_is_encrypted_with_its_own_rotating_key(template: assertions.Template) -> None:
    """By default the database uses a customer-managed KMS key with yearly rotation."""
    # GIVEN the default stack
    tpl = template.to_json()
    # WHEN the key and database are read
    key_id = logical_id(tpl, "AWS::KMS::Key", "TimeseriesKey")
    database = only(tpl, "AWS::Timestream::Database")
    # THEN the key rotates and the database names it
    assert tpl["Resources"][key_id]["Properties"]["EnableKeyRotation"] is True
    assert database["DatabaseName"] == DEFAULTS.database_name
    assert database["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_aws_managed_key_when_customer_key_is_turned_off(variant_template: assertions.Template) -> None:
    """customer_managed_key=false leaves out the key (Timestream uses alias/aws/timestream)."""
    # GIVEN the variant with customer_managed_key=false
    tpl = variant_template.to_json()
    # WHEN keys are listed
    keys = resources(tpl, "AWS::KMS::Key")
    # THEN there is none and the database names no key
    assert keys == {}
    assert "KmsKeyId" not in only(tpl, "AWS::Timestream::Database")


def test_both_tables_have_the_configured_retention_as_strings(template: assertions.Template) -> None:
    """Retention periods are CloudFormation strings taken from the settings."""
    # GIVEN the default stack
    tables = resources(template.to_json(), "AWS::Timestream::Table").values()
    # WHEN their names and retention are read
    retention = {t["Properties"]["TableName"]: t["Properties"]["RetentionProperties"] for t in tables}
    # THEN raw and cep have the configured memory and magnetic retention
    expected = {
        "MemoryStoreRetentionPeriodInHours": str(DEFAULTS.memory_retention_hours),
        "MagneticStoreRetentionPeriodInDays": str(DEFAULTS.magnetic_retention_days),
    }
    assert retention == {DEFAULTS.raw_table_name: expected, DEFAULTS.cep_table_name: expected}


def test_magnetic_writes_report_rejects_to_the_data_lake_prefix(template: assertions.Template) -> None:
    """Late records are accepted; rejected ones are reported under rejected_data_prefix/<table>/."""
    # GIVEN the default stack
    tpl = template.to_json()
    bucket_id = logical_id(tpl, "AWS::S3::Bucket", "DataLakeBucket")
    # WHEN each table's magnetic store settings are read
    for table in resources(tpl, "AWS::Timestream::Table").values():
        properties = table["Properties"]
        # THEN writes are on and rejects go to the data lake bucket under their own prefix
        assert properties["MagneticStoreWriteProperties"] == {
            "EnableMagneticStoreWrites": True,
            "MagneticStoreRejectedDataLocation": {
                "S3Configuration": {
                    "BucketName": {"Ref": bucket_id},
                    "EncryptionOption": "SSE_S3",
                    "ObjectKeyPrefix": f"{DEFAULTS.rejected_data_prefix}/{properties['TableName']}/",
                }
            },
        }


def test_tables_are_kept_when_the_stack_is_deleted(template: assertions.Template) -> None:
    """removal_policy=retain (default) keeps the time series data when the stack is deleted."""
    # GIVEN the default stack
    # WHEN the Timestream resources' deletion policies are read
    # THEN they are all Retain
    template.all_resources(
        "AWS::Timestream::Table", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
    )
    template.all_resources("AWS::Timestream::Database", {"DeletionPolicy": "Retain"})
