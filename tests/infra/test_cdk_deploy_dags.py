"""`python -m infra.deploy_dags`: the same bundle as the CDK deployment, uploaded with boto3 (moto)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from infra.dag_bundle import MWAA_REQUIREMENTS_FILE, REQUIREMENTS_KEY, SETTINGS_KEY, dag_bundle_files
from infra.deploy_dags import keys_to_upload, main
from pipeline_config import names
from pipeline_config.settings import Settings

REGION = "us-east-1"
MWAA_BUCKET = "my-mwaa-source"
LAKE = "ts-pipeline-datalake-123456789012-us-east-1"


@pytest.fixture
def s3() -> Iterator[object]:
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=MWAA_BUCKET)
        client.put_bucket_versioning(Bucket=MWAA_BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield client


def _keys(client: object) -> set[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=MWAA_BUCKET)  # type: ignore[attr-defined]
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def test_uploads_the_bundle_and_settings_under_dags_only(
    s3: object, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bundle and the runtime settings land under dags/; the shared requirements.txt is untouched."""
    # GIVEN an MWAA bucket whose requirements.txt belongs to the environment
    s3.put_object(Bucket=MWAA_BUCKET, Key=REQUIREMENTS_KEY, Body=b"other-teams-package==1.0\n")  # type: ignore[attr-defined]
    # WHEN the DAGs are deployed
    code = main(["--bucket", MWAA_BUCKET, "--data-lake-bucket", LAKE, "--region", REGION])
    # THEN exactly the bundle plus settings were written, all under dags/, and the user is told
    assert code == 0
    assert _keys(s3) == {*dag_bundle_files(), SETTINGS_KEY, REQUIREMENTS_KEY}
    assert all(key.startswith("dags/") for key in keys_to_upload(replace_requirements=False))
    requirements = s3.get_object(Bucket=MWAA_BUCKET, Key=REQUIREMENTS_KEY)["Body"].read()  # type: ignore[attr-defined]
    assert requirements == b"other-teams-package==1.0\n"
    assert f"{REQUIREMENTS_KEY} left as it is" in capsys.readouterr().out


def test_requirements_are_replaced_only_when_asked(s3: object, capsys: pytest.CaptureFixture[str]) -> None:
    """--replace-requirements puts mwaa/requirements.txt at the bucket root and prints its version."""
    # GIVEN an MWAA bucket
    # WHEN the DAGs are deployed with --replace-requirements
    code = main(
        ["--bucket", MWAA_BUCKET, "--data-lake-bucket", LAKE, "--region", REGION, "--replace-requirements"]
    )
    # THEN requirements.txt is the repository's, and its version is printed
    assert code == 0
    requirements = s3.get_object(Bucket=MWAA_BUCKET, Key=REQUIREMENTS_KEY)["Body"].read()  # type: ignore[attr-defined]
    assert requirements == MWAA_REQUIREMENTS_FILE.read_bytes()
    assert f"{REQUIREMENTS_KEY} version " in capsys.readouterr().out


def test_the_setting_asks_for_the_requirements_too(s3: object) -> None:
    """-c mwaa_replace_requirements=true (or cdk.json) does what --replace-requirements does."""
    # GIVEN / WHEN the DAGs are deployed with the setting on
    where = ["--bucket", MWAA_BUCKET, "--data-lake-bucket", LAKE, "--region", REGION]
    code = main([*where, "-c", "mwaa_replace_requirements=true"])
    # THEN requirements.txt was written
    assert code == 0
    assert REQUIREMENTS_KEY in _keys(s3)


def test_runtime_settings_name_the_lake_and_honour_overrides(s3: object) -> None:
    """pipeline_settings.json carries the data lake bucket, the region and `-c` overrides."""
    # GIVEN a context override of the database name
    # WHEN the DAGs are deployed
    main(
        [
            "--bucket",
            MWAA_BUCKET,
            "--data-lake-bucket",
            LAKE,
            "--region",
            REGION,
            "-c",
            "database_name=other_db",
        ]
    )
    # THEN the settings file the DAGs read names them
    body = s3.get_object(Bucket=MWAA_BUCKET, Key=SETTINGS_KEY)["Body"].read()  # type: ignore[attr-defined]
    document = json.loads(body)
    assert (document["bucket"], document["region"], document["database"]) == (LAKE, REGION, "other_db")
    assert document["raw_table"] == Settings().raw_table_name


def test_data_lake_bucket_is_read_from_the_stack_outputs(s3: object) -> None:
    """Without --data-lake-bucket the deployed stack's DataLakeBucketName output is used."""
    # GIVEN a deployed stack whose outputs name the data lake bucket
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {names.OUTPUT_BUCKET: {"Value": "lake-from-stack"}},
    }
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName=Settings().stack_name, TemplateBody=json.dumps(template)
    )
    # WHEN the DAGs are deployed without naming the bucket
    code = main(["--bucket", MWAA_BUCKET, "--region", REGION])
    # THEN the settings name the bucket from the output
    body = s3.get_object(Bucket=MWAA_BUCKET, Key=SETTINGS_KEY)["Body"].read()  # type: ignore[attr-defined]
    assert code == 0
    assert json.loads(body)["bucket"] == "lake-from-stack"


def test_missing_stack_is_a_clear_error(s3: object, capsys: pytest.CaptureFixture[str]) -> None:
    """No stack and no --data-lake-bucket: exit 2 with a message saying what to do, nothing uploaded."""
    # GIVEN no deployed stack
    # WHEN the DAGs are deployed without naming the data lake bucket
    code = main(["--bucket", MWAA_BUCKET, "--region", REGION])
    # THEN the error names the stack and the fix, and the bucket stays empty
    err = capsys.readouterr().err
    assert code == 2
    assert f"cannot read stack {Settings().stack_name!r}" in err and "--data-lake-bucket" in err
    assert _keys(s3) == set()


def test_missing_mwaa_bucket_is_a_clear_error(s3: object, capsys: pytest.CaptureFixture[str]) -> None:
    """A bucket that does not exist ends in one line naming it and S3's error code."""
    # GIVEN a bucket name that does not exist
    # WHEN the DAGs are deployed there
    code = main(["--bucket", "no-such-bucket", "--data-lake-bucket", LAKE, "--region", REGION])
    # THEN the command fails with S3's reason
    err = capsys.readouterr().err
    assert code == 1
    assert "s3://no-such-bucket" in err and "NoSuchBucket" in err


def test_bad_override_is_rejected_before_any_upload(s3: object, capsys: pytest.CaptureFixture[str]) -> None:
    """`-c` values are validated like cdk.json's: a bad one stops the command with the setting's message."""
    # GIVEN an out-of-range override
    # WHEN the DAGs are deployed
    code = main(["--bucket", MWAA_BUCKET, "--data-lake-bucket", LAKE, "-c", "backfill_max_span_days=0"])
    # THEN nothing is uploaded and the message names the key and the range
    assert code == 2
    assert "backfill_max_span_days=0" in capsys.readouterr().err
    assert _keys(s3) == set()


def test_malformed_bucket_name_is_refused_before_any_call(
    s3: object, capsys: pytest.CaptureFixture[str]
) -> None:
    """A typo in a bucket name is a usage error naming the value, not an S3 error after the fact."""
    # GIVEN a name S3 could never have
    # WHEN the DAGs are deployed there
    with pytest.raises(SystemExit) as exit_info:
        main(["--bucket", "Bad_Bucket", "--data-lake-bucket", LAKE])
    # THEN argparse stops with exit 2 and says why, and nothing was uploaded
    assert exit_info.value.code == 2
    assert "'Bad_Bucket' is not an S3 bucket name" in capsys.readouterr().err
    assert _keys(s3) == set()
