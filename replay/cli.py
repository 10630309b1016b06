"""Put the records Lambda kept for replay back on their streams (a dry run unless --apply).

Against AWS it uses your credentials (profile, environment or role) and finds the kept-records
bucket in the stack's outputs; `--local` (or `python -m local replay`) uses the running local stack.
Needs s3:ListBucket and s3:GetObject on the bucket, s3:PutObject on its `replayed/` prefix, and
kinesis:PutRecords on the streams.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from pipeline_config import SettingsError, names
from pipeline_config.local_state import DEFAULT_STATE_PATH
from pipeline_config.settings import load_settings
from replay.kept import KeptRecordsBucket
from replay.run import apply_replay, describe, plan_replay


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m replay", description=__doc__.splitlines()[0])
    parser.add_argument("--apply", action="store_true", help="put the records back (default: only report)")
    parser.add_argument("--local", action="store_true", help="replay on the running local stack, not AWS")
    parser.add_argument(
        "--state-file", type=Path, default=DEFAULT_STATE_PATH, help="the local stack's state (with --local)"
    )
    parser.add_argument(
        "--bucket", help="the kept-records bucket (default: from the deployed stack's outputs)"
    )
    parser.add_argument("--region", help="AWS region (default: your AWS configuration's)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        s3, kinesis, bucket_name = _local_clients(args.state_file) if args.local else _aws_clients(args)
        bucket = KeptRecordsBucket(s3, bucket_name)
        plan = plan_replay(bucket)
        result = apply_replay(plan, bucket, kinesis) if args.apply else None
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ClientError as error:
        detail = error.response.get("Error", {})
        print(f"error: {detail.get('Code', 'error')}: {detail.get('Message', error)}", file=sys.stderr)
        return 1
    except (NoCredentialsError, BotoCoreError) as error:
        print(f"error: {error} (configure AWS credentials, e.g. AWS_PROFILE, and --region)", file=sys.stderr)
        return 1
    print(describe(plan, result))
    return 1 if result is not None and result.failed else 0


def _local_clients(state_path: Path) -> tuple[Any, Any, str]:
    from local.resources import client
    from local.stack import running_state

    state = running_state(state_path)
    if state is None:
        raise SettingsError("the local stack is not running: start it with `make local-up`")
    return client("s3", state.moto_endpoint), client("kinesis", state.moto_endpoint), state.kept_bucket


def _aws_clients(args: argparse.Namespace) -> tuple[Any, Any, str]:
    session = boto3.session.Session(region_name=args.region)
    bucket = args.bucket or _bucket_from_stack(session, load_settings().stack_name)
    return session.client("s3"), session.client("kinesis"), bucket


def _bucket_from_stack(session: boto3.session.Session, stack_name: str) -> str:
    hint = "deploy the stack (make deploy) or pass --bucket"
    try:
        (stack,) = session.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        raise SettingsError(f"cannot read stack {stack_name!r} ({error}); {hint}") from error
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    if names.OUTPUT_KEPT_BUCKET not in outputs:
        raise SettingsError(f"stack {stack_name!r} has no output {names.OUTPUT_KEPT_BUCKET}; {hint}")
    return outputs[names.OUTPUT_KEPT_BUCKET]
