"""`python -m dags.backfill`: create a backfill from outside Airflow, with the DAG's own validation.

MWAA (`--environment`) is called through InvokeRestApi with the caller's boto3 credentials (they need
`airflow:InvokeRestApi`); any other Airflow 3 through its API server (`--airflow-url`, a token).
Exit codes: 0 done, 1 Airflow refused or a run failed, 2 invalid arguments (nothing was sent).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from timestream_pipeline import backfill_request as br
from timestream_pipeline.backfill_client import backfill_progress, start_backfill
from timestream_pipeline.backfill_transport import BackfillApiError, HttpTransport, MwaaTransport, Transport

TOKEN_ENV = "AIRFLOW_API_TOKEN"  # noqa: S105 - the variable name, not a token
EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def _parser(default_environment: str, default_span: int) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dags.backfill",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--dag-id", required=True, help="the export DAG to backfill (timestream_export_<name>)"
    )
    parser.add_argument("--from-date", required=True, help="first logical date, UTC: 2026-11-01T00:00:00Z")
    parser.add_argument("--to-date", required=True, help="last logical date (inclusive), UTC")
    parser.add_argument(
        "--reprocess-behavior",
        default=br.DEFAULT_REPROCESS_BEHAVIOR,
        help=f"which existing runs to re-run: {' | '.join(br.REPROCESS_BEHAVIORS)} "
        f"(default {br.DEFAULT_REPROCESS_BEHAVIOR})",
    )
    parser.add_argument(
        "--max-active-runs",
        default=str(br.DEFAULT_MAX_ACTIVE_RUNS),
        help=f"runs at the same time, {br.MIN_ACTIVE_RUNS}..{br.MAX_ACTIVE_RUNS} "
        f"(default {br.DEFAULT_MAX_ACTIVE_RUNS})",
    )
    parser.add_argument("--dry-run", action="store_true", help="only list the runs it would create")
    parser.add_argument(
        "--wait", action="store_true", help="wait until the backfill completes; exit 1 if a run failed"
    )
    parser.add_argument("--poll-seconds", type=int, default=60, help="how often --wait checks (default 60)")
    target = parser.add_mutually_exclusive_group()
    target.add_argument(
        "--environment",
        default=default_environment,
        help="MWAA environment name (default: mwaa_environment_name from cdk.json)",
    )
    target.add_argument("--airflow-url", help="Airflow 3 API server URL, e.g. http://localhost:8080")
    parser.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV, ""),
        help=f"bearer token for --airflow-url (default: ${TOKEN_ENV})",
    )
    parser.add_argument("--region", default=None, help="AWS region of the MWAA environment")
    parser.add_argument(
        "--max-span-days",
        type=int,
        default=default_span,
        help=f"longest range allowed (default {default_span}, backfill_max_span_days)",
    )
    parser.add_argument(
        "--exports-file", type=Path, default=None, help="exports.toml (default dags/exports.toml)"
    )
    return parser


def _deployment_defaults() -> tuple[str, int]:
    """MWAA environment and span limit: from the deployed settings file beside the DAGs, else (in a
    clone of the repository) from cdk.json; with neither, no environment and the default span."""
    from timestream_pipeline.errors import SettingsError
    from timestream_pipeline.runtime_settings import SETTINGS_FILE, RuntimeSettings

    try:
        if SETTINGS_FILE.is_file():
            deployed = RuntimeSettings.from_json(
                SETTINGS_FILE.read_text(encoding="utf-8"), str(SETTINGS_FILE)
            )
            return deployed.mwaa_environment_name, deployed.backfill_max_span_days
        from pipeline_config import load_settings  # only a clone has it; a copied bundle does not
    except (ImportError, SettingsError, OSError):
        return "", RuntimeSettings.backfill_max_span_days
    try:
        settings = load_settings()
    except (SettingsError, OSError):
        return "", RuntimeSettings.backfill_max_span_days
    return settings.mwaa_environment_name, settings.backfill_max_span_days


def _as_int(text: str) -> int | str:
    """An int when the text is one; otherwise the text, so the validator reports it in its words."""
    try:
        return int(text, 10)
    except ValueError:
        return text


def _transport(args: argparse.Namespace) -> Transport:
    """The target named on the command line; ValueError when there is none or it is incomplete."""
    if args.airflow_url:
        if not args.token:
            raise ValueError(f"--airflow-url needs a bearer token: pass --token or set ${TOKEN_ENV}")
        return HttpTransport(args.airflow_url, token=args.token)
    if not args.environment:
        raise ValueError("no target: pass --environment <MWAA environment> or --airflow-url <API server URL>")
    import boto3
    from botocore.exceptions import NoRegionError

    from timestream_pipeline.backfill_cli_errors import NO_REGION

    try:
        client = boto3.client("mwaa", region_name=args.region)
    except NoRegionError:
        raise ValueError(NO_REGION) from None
    return MwaaTransport.from_boto3_client(client, args.environment)


def _wait(transport: Transport, request: br.BackfillRequest, backfill_id: int, poll: int) -> int:
    while not (progress := backfill_progress(transport, request, backfill_id)).completed:
        time.sleep(max(poll, 1))
    failed = [str(run.get("logical_date")) for run in progress.failed_runs]
    print(f"backfill {backfill_id} completed: {len(progress.runs)} run(s), {len(failed)} failed")
    for date in failed:
        print(f"  failed: {date}")
    return EXIT_FAILED if failed else EXIT_OK


def run(args: argparse.Namespace, transport_factory: Any = _transport) -> int:
    """Validate, send, report; `transport_factory(args)` is where the requests go."""
    from timestream_pipeline import names
    from timestream_pipeline.errors import SettingsError
    from timestream_pipeline.exports import load_exports

    try:
        allowed = [names.export_dag_id(spec.name) for spec in load_exports(args.exports_file)]
    except SettingsError as error:
        print(f"error: cannot read the declared exports: {error}", file=sys.stderr)
        return EXIT_INVALID
    conf = {
        "dag_id": args.dag_id,
        "from_date": args.from_date,
        "to_date": args.to_date,
        "reprocess_behavior": args.reprocess_behavior,
        "max_active_runs": _as_int(args.max_active_runs),
        "dry_run": args.dry_run,
        "wait_for_completion": args.wait,
    }
    try:
        request = br.validate_backfill_conf(conf, allowed_dag_ids=allowed, max_span_days=args.max_span_days)
    except br.BackfillConfError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    try:
        transport = transport_factory(args)
    except ValueError as error:  # no target, no token, not an http(s) URL
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    try:
        outcome = start_backfill(transport, request)
        print(outcome.describe(request))
        for date in outcome.logical_dates:
            print(f"  {date}")
        if request.wait_for_completion and outcome.backfill_id is not None:
            return _wait(transport, request, outcome.backfill_id, args.poll_seconds)
    except BackfillApiError as error:
        print(f"error: {_explained(error, transport)}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _explained(error: BackfillApiError, transport: Transport) -> str:
    from timestream_pipeline.backfill_cli_errors import explain

    return explain(
        error,
        environment=getattr(transport, "environment_name", ""),
        region=getattr(transport, "region", ""),
        url=getattr(transport, "base_url", ""),
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The arguments, with defaults from the deploy-time settings (cdk.json) when readable."""
    environment, span = _deployment_defaults()
    return _parser(environment, span).parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    return run(parse_args(argv))
