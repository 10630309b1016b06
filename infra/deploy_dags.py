"""`python -m infra.deploy_dags --bucket B`: put the DAG bundle in an MWAA source bucket.

For users whose MWAA environment is managed elsewhere (or who did not set `mwaa_source_bucket`):
uploads exactly what the CDK DagDeployment would (see `infra.dag_bundle`): objects under `dags/` only,
with a `dags/pipeline_settings.json` built from the settings and the data lake bucket (given with
`--data-lake-bucket` or read from the deployed stack's outputs). The bucket-root `requirements.txt` is
shared by every DAG of the environment: it is replaced only when asked (`--replace-requirements` or
the setting `mwaa_replace_requirements`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from infra.dag_bundle import (
    MWAA_REQUIREMENTS_FILE,
    REQUIREMENTS_KEY,
    SETTINGS_KEY,
    dag_bundle_files,
)
from pipeline_config import names
from pipeline_config.command_line import OneLineParser, missing_credentials
from pipeline_config.settings import Settings, SettingsError, is_bucket_name, load_settings, runtime_settings


def bucket_name(value: str) -> str:
    """argparse type: refuse a malformed bucket name before any AWS call."""
    if not is_bucket_name(value):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an S3 bucket name (3-63 lowercase letters, digits, dots or hyphens)"
        )
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m infra.deploy_dags", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--bucket", required=True, type=bucket_name, help="the MWAA environment's source bucket (S3 name)"
    )
    parser.add_argument(
        "--data-lake-bucket",
        type=bucket_name,
        help="the pipeline's data lake bucket; default: the stack output "
        f"{names.OUTPUT_BUCKET} of the deployed stack",
    )
    parser.add_argument(
        "--region", help="AWS region (default: AWS_REGION or your profile's region); make: REGION=..."
    )
    parser.add_argument(
        "-c",
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a cdk.json setting, as with `cdk -c` (repeatable)",
    )
    parser.add_argument(
        "--replace-requirements",
        action="store_true",
        help="also replace the bucket's shared requirements.txt with mwaa/requirements.txt "
        "(as -c mwaa_replace_requirements=true)",
    )
    parser.add_argument("--dry-run", action="store_true", help="list what would be uploaded and stop")
    return parser


def parse_overrides(pairs: Sequence[str]) -> dict[str, str]:
    """`["key=value", ...]` -> `{key: value}`; a pair without `=` is a user error."""
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SettingsError(f"-c {pair!r}: expected KEY=VALUE, e.g. -c stack_name=MyPipeline")
        overrides[key] = value
    return overrides


def data_lake_bucket_from_stack(session: boto3.session.Session, stack_name: str) -> str:
    """The data lake bucket from the stack's outputs; errors say how to pass it instead."""
    hint = "deploy the stack first (make deploy) or pass --data-lake-bucket"
    try:
        stacks = session.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        raise SettingsError(f"cannot read stack {stack_name!r}: {_reason(error)}; {hint}") from error
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    if names.OUTPUT_BUCKET not in outputs:
        raise SettingsError(f"stack {stack_name!r} has no output {names.OUTPUT_BUCKET}; {hint}")
    return outputs[names.OUTPUT_BUCKET]


def runtime_settings_json(settings: Settings, data_lake_bucket: str, region: str) -> str:
    return runtime_settings(settings, bucket=data_lake_bucket, region=region).to_json() + "\n"


def keys_to_upload(replace_requirements: bool) -> list[str]:
    """Every key this deployment writes: under `dags/`, plus the root requirements.txt when asked."""
    return [*dag_bundle_files(), SETTINGS_KEY, *([REQUIREMENTS_KEY] if replace_requirements else [])]


def upload(
    session: boto3.session.Session, bucket: str, settings_json: str, *, replace_requirements: bool
) -> dict[str, str]:
    """Upload bundle, settings and (when asked) requirements; returns `{key: version id or ""}`."""
    s3 = session.client("s3")
    versions: dict[str, str] = {}
    for key, path in dag_bundle_files().items():
        versions[key] = s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes()).get("VersionId", "")
    versions[SETTINGS_KEY] = s3.put_object(
        Bucket=bucket, Key=SETTINGS_KEY, Body=settings_json.encode(), ContentType="application/json"
    ).get("VersionId", "")
    if replace_requirements:
        versions[REQUIREMENTS_KEY] = s3.put_object(
            Bucket=bucket, Key=REQUIREMENTS_KEY, Body=MWAA_REQUIREMENTS_FILE.read_bytes()
        ).get("VersionId", "")
    return versions


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(parse_overrides(args.context))
        replace_requirements = args.replace_requirements or settings.mwaa_replace_requirements
        if args.dry_run:
            for key in keys_to_upload(replace_requirements):
                print(f"s3://{args.bucket}/{key}")
            return 0
        session = boto3.session.Session(region_name=args.region)
        region = session.region_name
        if not region:
            raise SettingsError(
                "no AWS region: pass --region (make deploy-dags ... REGION=eu-west-1) or set AWS_REGION"
            )
        lake = args.data_lake_bucket or data_lake_bucket_from_stack(session, settings.stack_name)
        settings_json = runtime_settings_json(settings, lake, region)
        versions = upload(session, args.bucket, settings_json, replace_requirements=replace_requirements)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ClientError as error:
        print(f"error: upload to s3://{args.bucket} failed: {_reason(error)}", file=sys.stderr)
        return 1
    except NoCredentialsError:
        print(f"error: {missing_credentials(f'upload to s3://{args.bucket}')}", file=sys.stderr)
        return 1
    except (NoRegionError, BotoCoreError) as error:
        print(f"error: {error} (pass --region; check your AWS configuration)", file=sys.stderr)
        return 1
    print(f"uploaded {len(versions)} objects to s3://{args.bucket}/ (data lake bucket: {lake})")
    if REQUIREMENTS_KEY in versions:
        requirements_version = versions[REQUIREMENTS_KEY] or "(bucket not versioned)"
        print(
            f"{REQUIREMENTS_KEY} version {requirements_version}: update the environment to this version "
            "for MWAA to install it"
        )
    else:
        print(
            f"{REQUIREMENTS_KEY} left as it is: the DAGs need the lines of {MWAA_REQUIREMENTS_FILE.name} "
            "(mwaa/) in it; --replace-requirements replaces it with that file"
        )
    return 0


def _reason(error: ClientError) -> str:
    detail = error.response.get("Error", {})
    return f"{detail.get('Code', 'error')}: {detail.get('Message', str(error))}"


if __name__ == "__main__":
    raise SystemExit(main())
