"""The ingest Lambda's asset as the synth stages it: its handler runs from that folder alone.

A subprocess gets the staged asset as its only code (on sys.path as Lambda's /var/task is), the
environment variables the template sets (references resolved to the local stack), and a Kinesis
event; the records must all be in the local Timestream or quarantined.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from local import lake
from local.demo_data import Window, bad_records, workload_records
from local.kinesis_event import payload_event
from local.query import query_rows
from local.resources import client
from pipeline_config.local_state import LocalStackState
from tests.bundle.airflow_sandbox import FAKE_AWS
from tests.bundle.built_artifacts import SynthesizedApp, lambda_asset, lambda_environment

pytestmark = pytest.mark.slow
HANDLER = "timestream_ingest.handler.handler"
INVOKE = """
import importlib, json, sys
module, name = sys.argv[1].rsplit(".", 1)
handler = getattr(importlib.import_module(module), name)
response = handler(json.load(sys.stdin), None)
print(json.dumps({"response": response, "file": sys.modules[module].__file__}))
"""


def invoke_from_asset(asset: Path, environment: dict[str, str], event: dict, cwd: Path) -> dict:
    """Import the handler from the asset folder alone and call it once, as the Lambda runtime would."""
    result = subprocess.run(
        [sys.executable, "-P", "-c", INVOKE, HANDLER],
        input=json.dumps(event),
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(asset), **FAKE_AWS, **environment},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_staged_asset_is_the_handler_package_and_nothing_else(synthesized: SynthesizedApp) -> None:
    """The template's handler path resolves inside the asset, whose only top-level entry is the package."""
    # GIVEN the raw function's staged asset
    asset = lambda_asset(synthesized, "raw")
    # THEN it holds one top-level package whose names cannot collide with other modules
    assert sorted(path.name for path in asset.iterdir()) == ["timestream_ingest"]
    assert (asset / "timestream_ingest" / "handler.py").is_file()


def test_the_handler_from_the_asset_alone_ingests_an_event_into_the_local_stack(
    synthesized: SynthesizedApp, local_stack: LocalStackState, tmp_path: Path
) -> None:
    """Every record of a Kinesis event ends up stored or quarantined; nothing is reported failed."""
    # GIVEN the raw function's asset and environment, pointed at the local stack
    environment = lambda_environment(synthesized, "raw")
    environment |= {
        "AWS_ENDPOINT_URL_TIMESTREAM_WRITE": local_stack.timestream_endpoint,
        "AWS_ENDPOINT_URL_S3": local_stack.moto_endpoint,
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    # AND an event of fresh sensor readings plus the deliberately bad records
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    window = Window(now - timedelta(minutes=10), now)
    good = workload_records("sensors", window, seed=17)
    sent = [*good, *bad_records(window)]
    stream_arn = f"arn:aws:kinesis:{local_stack.region}:{local_stack.account}:stream/{local_stack.raw_stream}"
    event = payload_event([record.data for record in sent], stream_arn=stream_arn)
    # WHEN the handler runs from the asset
    outcome = invoke_from_asset(lambda_asset(synthesized, "raw"), environment, event, tmp_path)
    # THEN it came from the asset, no record is left for a retry, and stored + quarantined = sent
    assert Path(outcome["file"]).is_relative_to(lambda_asset(synthesized, "raw"))
    assert outcome["response"] == {"batchItemFailures": []}
    table = f'"{local_stack.database}"."{local_stack.raw_table}"'
    (stored,) = query_rows(local_stack.timestream_endpoint, f"SELECT count(*) FROM {table}")[1][0]
    s3 = client("s3", local_stack.moto_endpoint)
    quarantined = lake.quarantined(s3, local_stack.bucket, environment["QUARANTINE_PREFIX"])
    assert (int(stored), len(quarantined)) == (len(good), len(bad_records(window)))
