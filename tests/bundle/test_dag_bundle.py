"""The DAG bundle as deployed: built by the CDK app and by `make deploy-dags`, run by Airflow alone.

Each bundle is parsed by Airflow's real DAG processor in a clean subprocess (no PYTHONPATH, a neutral
working directory), then the backfill DAG and one export run from it through dag.test() against the
local stack. Nothing of the repository is importable there, which one test proves by failing a DAG
that reaches for it.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from local import airflow_env, lake
from local.resources import client
from pipeline_config.local_state import LocalStackState
from pipeline_config.settings import REPO_ROOT, load_settings
from tests.bundle.airflow_sandbox import AirflowSandbox
from tests.bundle.built_artifacts import SynthesizedApp, deploy_staged_dags, upload_with_deploy_dags
from tests.dags.backfill_support import RecordingApi, api_connection_json, recording_api
from tests.dags.timestream_records import reading
from timestream_pipeline import names
from timestream_pipeline.exports import load_exports

pytestmark = pytest.mark.slow
DECLARED = sorted(spec.dag_id for spec in load_exports())
API_CONN_ID = "bundle_api"
EXPORT_DAG_ID = names.export_dag_id("sensor_readings")
HOUR = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)


@pytest.fixture(scope="module")
def cdk_bundle(synthesized: SynthesizedApp, local_stack: LocalStackState, tmp_path_factory: Any) -> Path:
    """dags/ as the CDK DagDeployment puts it in the MWAA bucket, for a stack whose lake is the local one."""
    bucket_id = synthesized.logical_id("AWS::S3::Bucket", "DataLakeBucket")
    return deploy_staged_dags(synthesized, tmp_path_factory.mktemp("cdk"), {bucket_id: local_stack.bucket})


@pytest.fixture(scope="module")
def uploaded_bundle(local_stack: LocalStackState, tmp_path_factory: Any) -> Path:
    """dags/ as `make deploy-dags` uploads it (to the local S3), downloaded back."""
    s3 = client("s3", local_stack.moto_endpoint)
    target = tmp_path_factory.mktemp("deploy-dags")
    return upload_with_deploy_dags(s3, local_stack.moto_endpoint, local_stack.bucket, target)


@pytest.fixture(scope="module")
def sandbox(
    cdk_bundle: Path, airflow_python: Path, local_stack: LocalStackState, tmp_path_factory: Any
) -> AirflowSandbox:
    """An Airflow over the CDK-built bundle, its `aws_default` on the local stack, parsed once."""
    aws = {
        f"AIRFLOW_CONN_{names.DEFAULT_AWS_CONN_ID.upper()}": airflow_env.connection_json(local_stack),
    }
    airflow = AirflowSandbox(airflow_python, tmp_path_factory.mktemp("airflow"), cdk_bundle, aws)
    airflow.parse_with_the_dag_processor()
    return airflow


@pytest.fixture
def api(sandbox: AirflowSandbox) -> Iterator[RecordingApi]:
    """A stand-in for Airflow's API that the backfill DAG in the sandbox sends its requests to."""
    with recording_api() as running:
        running.backfill = {**running.backfill, "completed_at": datetime.now(UTC).isoformat()}
        yield running


def backfill_env(api: RecordingApi) -> dict[str, str]:
    settings = {"database": "db", "raw_table": "raw", "cep_table": "cep", "bucket": "lake"}
    settings |= {"airflow_api_conn_id": API_CONN_ID, "backfill_poll_seconds": 10}
    return {
        f"AIRFLOW_VAR_{names.RUNTIME_SETTINGS_VARIABLE.upper()}": json.dumps(settings),
        f"AIRFLOW_CONN_{API_CONN_ID.upper()}": api_connection_json(api.url, token="t"),
    }


def conf_file(folder: Path, name: str, conf: dict[str, Any]) -> str:
    path = folder / f"{name}.json"
    path.write_text(json.dumps(conf), encoding="utf-8")
    return str(path)


def test_both_deployments_ship_the_same_bundle(
    cdk_bundle: Path, uploaded_bundle: Path, local_stack: LocalStackState
) -> None:
    """CDK and `make deploy-dags` write the same files, byte for byte, apart from their own settings."""
    # GIVEN both built bundles WHEN their files are compared
    listing = {path.relative_to(cdk_bundle).as_posix() for path in cdk_bundle.rglob("*") if path.is_file()}
    uploaded = {p.relative_to(uploaded_bundle).as_posix() for p in uploaded_bundle.rglob("*") if p.is_file()}
    # THEN they list the same files, every one identical except the generated settings
    assert listing == uploaded
    assert {"timestream_exports.py", "exports.toml", names.RUNTIME_SETTINGS_FILE} <= listing
    different = [
        p for p in sorted(listing) if (cdk_bundle / p).read_bytes() != (uploaded_bundle / p).read_bytes()
    ]
    assert different in ([], [names.RUNTIME_SETTINGS_FILE])
    for folder in (cdk_bundle, uploaded_bundle):
        settings = json.loads((folder / names.RUNTIME_SETTINGS_FILE).read_text(encoding="utf-8"))
        assert (settings["database"], settings["bucket"]) == (local_stack.database, local_stack.bucket)


def test_the_dag_processor_parses_the_bundle_with_no_import_error(sandbox: AirflowSandbox) -> None:
    """Airflow's own DAG processor, with only the bundle: no import error, one DAG per declared export."""
    # GIVEN the processor's record of the CDK-built bundle
    report = sandbox.report
    # THEN nothing failed to import and the DAGs are the backfill and every declared export
    assert report["import_errors"] == {}
    assert report["dag_ids"] == sorted([names.BACKFILL_DAG_ID, *DECLARED])
    # AND neither the repository nor its bundle folders were importable by the probe itself
    forbidden = {str(REPO_ROOT), str(REPO_ROOT / "dags"), str(REPO_ROOT / "lambda" / "ingest"), ""}
    assert forbidden.isdisjoint(report["sys_path"])


def test_the_uploaded_bundle_parses_with_no_import_error(
    uploaded_bundle: Path, airflow_python: Path, tmp_path: Path
) -> None:
    """The bundle `make deploy-dags` uploads parses in its own Airflow, just as the CDK one."""
    # GIVEN the uploaded bundle in an Airflow of its own WHEN the DAG processor parses it
    report = AirflowSandbox(airflow_python, tmp_path, uploaded_bundle).parse_with_the_dag_processor()
    # THEN no import error and every DAG
    assert report["import_errors"] == {}
    assert report["dag_ids"] == sorted([names.BACKFILL_DAG_ID, *DECLARED])


def test_a_dag_importing_repository_code_fails_to_parse(cdk_bundle: Path, tmp_path: Path) -> None:
    """The check can fail: a DAG file importing the repository-only `pipeline_config` is an import error."""
    # GIVEN the bundle plus a DAG file that imports a package living outside dags/
    bundle = tmp_path / "dags"
    shutil.copytree(cdk_bundle, bundle)
    (bundle / "reaches_outside.py").write_text(
        "from airflow.sdk import dag\nimport pipeline_config\n\n@dag(schedule=None)\ndef reaches_outside():\n"
        "    pass\n\nreaches_outside()\n",
        encoding="utf-8",
    )
    # WHEN the DAG processor parses it in a clean environment
    report = AirflowSandbox(Path(sys.executable), tmp_path, bundle).parse_with_the_dag_processor()
    # THEN that file, and only that one, has an import error naming the missing package
    (failed,) = report["import_errors"]
    assert failed.endswith("reaches_outside.py")
    assert "No module named 'pipeline_config'" in report["import_errors"][failed]


def test_the_backfill_dag_accepts_every_declared_export_and_refuses_others(
    sandbox: AirflowSandbox, api: RecordingApi
) -> None:
    """From the built bundle: a dry run per declared export goes through, a wait completes, an unknown
    DAG id is refused by the params before any run exists."""
    # GIVEN one conf per declared export, one waiting conf and one naming an undeclared DAG
    base = {"from_date": "2026-11-01T00:00:00Z", "to_date": "2026-11-01T02:00:00Z"}
    confs = [
        conf_file(sandbox.root, dag_id, {**base, "dag_id": dag_id, "dry_run": True}) for dag_id in DECLARED
    ]
    confs.append(
        conf_file(sandbox.root, "wait", {**base, "dag_id": DECLARED[0], "wait_for_completion": True})
    )
    confs.append(conf_file(sandbox.root, "unknown", {**base, "dag_id": names.export_dag_id("unknown")}))
    # WHEN the backfill DAG is triggered with each, from the bundle
    outcomes = sandbox.probe("backfill", *confs, **backfill_env(api))["outcomes"]
    # THEN every declared export's dry run and the wait succeeded, the unknown DAG was refused
    *accepted, refused = outcomes
    assert [set(outcome["states"].values()) for outcome in accepted] == [{"success"}] * (len(DECLARED) + 1)
    assert "timestream_export_unknown" in refused["refused"]
    # AND the API saw one dry run per export, then one backfill and its progress checks
    posted = [(r.path, r.body["dag_id"]) for r in api.api_requests if r.method == "POST"]
    assert posted == [("/api/v2/backfills/dry_run", d) for d in DECLARED] + [
        ("/api/v2/backfills", DECLARED[0])
    ]
    assert ("GET", "/api/v2/backfills/7") in [(r.method, r.path) for r in api.api_requests]


def test_an_export_runs_from_the_built_bundle_against_the_local_stack(
    sandbox: AirflowSandbox, local_stack: LocalStackState
) -> None:
    """The bundle's own settings file (no Variable) and aws_default on the local stack export one hour."""
    # GIVEN readings in the local Timestream: two minutes of the hour, and one on the next hour
    write = client("timestream-write", local_stack.timestream_endpoint)
    records = [
        reading("sensor-01", "OK", 20.0, HOUR),
        reading("sensor-01", "ERROR", 170.0, HOUR + timedelta(seconds=30)),
        reading("sensor-02", "OK", 21.0, HOUR + timedelta(minutes=5)),
        reading("sensor-01", "OK", 99.0, HOUR + timedelta(hours=1)),
    ]
    write.write_records(DatabaseName=local_stack.database, TableName=local_stack.raw_table, Records=records)
    # WHEN the sensor export runs for that hour from the bundle
    outcome = sandbox.probe("export", EXPORT_DAG_ID, (HOUR + timedelta(hours=1)).isoformat())
    # THEN it succeeded and the hour is committed to the export's Iceberg table: two rows (the two
    # sensors' minutes), the next hour's reading left out
    assert outcome["state"] == "success", outcome
    s3 = client("s3", local_stack.moto_endpoint)
    spec = next(spec for spec in load_exports() if spec.dag_id == EXPORT_DAG_ID)
    commit = lake.exported_hour(s3, local_stack, load_settings().export_prefix, spec, HOUR)
    rows = lake.hour_rows(s3, local_stack, load_settings().export_prefix, spec, HOUR)
    assert commit is not None and commit["rows"] == 2
    assert sorted((row["sensor_id"], row["error_count"]) for row in rows) == [
        ("sensor-01", 1),
        ("sensor-02", 0),
    ]
