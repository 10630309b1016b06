"""Deploying the DAG bundle: what goes to the MWAA bucket and where (CDK deployment and bundle definition)."""

from __future__ import annotations

import json
from pathlib import Path

from aws_cdk import assertions
from cdk_helpers import (
    EXPORTS_FIXTURE,
    VARIANT_SETTINGS,
    SynthesizedStack,
    as_list,
    logical_id,
    resources,
    statements,
    synthesize,
)

from infra.dag_bundle import MWAA_REQUIREMENTS_FILE, dag_bundle_files
from pipeline_config.settings import REPO_ROOT, Settings
from timestream_pipeline import names as dag_names
from timestream_pipeline.exports import load_exports

MWAA_BUCKET = "analytics-mwaa-source"  # the variant stack's mwaa_source_bucket


def _deployments(tpl: dict) -> dict[str, dict]:
    """The bucket deployments into the MWAA bucket (the lake's reference data has its own, tested apart)."""
    found = resources(tpl, "Custom::CDKBucketDeployment")
    return {
        v["Properties"].get("DestinationBucketKeyPrefix", ""): v["Properties"]
        for v in found.values()
        if v["Properties"]["DestinationBucketName"] == MWAA_BUCKET
    }


def _staged(outdir: Path, asset_hash: str) -> Path:
    return outdir / f"asset.{asset_hash.removesuffix('.zip')}"


def test_no_deployment_without_an_mwaa_bucket(template: assertions.Template) -> None:
    """Without mwaa_source_bucket nothing is copied anywhere."""
    # GIVEN the default stack / WHEN / THEN there is no bucket deployment into an MWAA bucket
    assert _deployments(template.to_json()) == {}


def test_only_dags_go_to_the_mwaa_bucket_without_pruning(variant_template: assertions.Template) -> None:
    """dags/ lands in the given bucket; other objects there (other teams' DAGs) are never deleted, and
    the shared requirements.txt is left alone unless mwaa_replace_requirements asks."""
    # GIVEN the variant with mwaa_source_bucket set (and mwaa_replace_requirements off)
    deployments = _deployments(variant_template.to_json())
    # WHEN / THEN one deployment targets dags/, without prune and keeping its objects on delete
    assert sorted(deployments) == ["dags/"]
    assert deployments["dags/"]["DestinationBucketName"] == MWAA_BUCKET
    assert deployments["dags/"]["Prune"] is False
    assert deployments["dags/"].get("RetainOnDelete", True) is True


def test_requirements_are_replaced_only_when_asked(tmp_path: Path) -> None:
    """With mwaa_replace_requirements the bucket-root requirements.txt is deployed too, and the copy
    function may put that one key beside dags/."""
    # GIVEN the variant settings plus mwaa_replace_requirements
    settings = Settings(**{**VARIANT_SETTINGS, "mwaa_replace_requirements": True})  # type: ignore[arg-type]
    # WHEN the stack is synthesized
    tpl = synthesize(settings, load_exports(EXPORTS_FIXTURE), tmp_path).json
    # THEN a second deployment writes mwaa/requirements.txt, unchanged, to the bucket root
    root = _deployments(tpl)[""]
    assert root["Prune"] is False
    (asset_key,) = root["SourceObjectKeys"]
    staged = _staged(tmp_path, asset_key) / "requirements.txt"
    assert staged.read_text(encoding="utf-8") == MWAA_REQUIREMENTS_FILE.read_text(encoding="utf-8")
    # AND the copy function may put that one key beside dags/
    policy = resources(tpl, "AWS::IAM::Policy")[logical_id(tpl, "AWS::IAM::Policy", "DagDeploymentCopyRole")]
    puts = [s for s in statements(policy["Properties"]) if s["Action"] == "s3:PutObject"]
    writes = sorted(r for s in puts for r in as_list(s["Resource"]))
    assert writes == [
        "arn:aws:s3:::analytics-mwaa-source/dags/*",
        "arn:aws:s3:::analytics-mwaa-source/requirements.txt",
    ]


def test_dag_asset_holds_the_bundle_and_the_runtime_settings(variant_stack: SynthesizedStack) -> None:
    """The dags/ deployment uploads the bundle files plus a pipeline_settings.json for this stack."""
    # GIVEN the variant's assembly
    dags = _deployments(variant_stack.json)["dags/"]
    bundle_dir, settings_dir = (_staged(variant_stack.outdir, key) for key in dags["SourceObjectKeys"])
    # WHEN the staged assets are listed
    bundle = sorted(p.relative_to(bundle_dir).as_posix() for p in bundle_dir.rglob("*") if p.is_file())
    settings_file = settings_dir / dag_names.RUNTIME_SETTINGS_FILE
    # THEN the bundle is exactly dag_bundle_files() and the settings name the stack's resources
    assert bundle == sorted(key.removeprefix("dags/") for key in dag_bundle_files())
    assert "timestream_pipeline/names.py" in bundle and "exports.toml" in bundle
    document = json.loads(settings_file.read_text(encoding="utf-8"))
    assert (document["database"], document["region"]) == ("timeseries_pipeline", "eu-west-1")
    assert document["mwaa_environment_name"] == "analytics-env"
    # The bucket name is a deploy-time value: a marker that the deployment replaces with the Ref.
    marker = document["bucket"]
    bucket_id = logical_id(variant_stack.json, "AWS::S3::Bucket", "DataLakeBucket")
    assert {marker: {"Ref": bucket_id}} in dags["SourceMarkers"]


def _pins(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return dict(line.split("==") for line in lines if line and line[0] != "#" and "==" in line)


def test_mwaa_requirements_name_the_bundles_constraints_and_the_dags_packages() -> None:
    """MWAA needs a --constraint line: it names the bundle's own file, at its path on the workers, and
    that file pins every package the requirements add to what `make test-airflow30` runs on 3.0.6."""
    # GIVEN the MWAA requirements file, the bundle's constraint file and the Airflow 3.0.6 test pins
    lines = [
        line
        for line in MWAA_REQUIREMENTS_FILE.read_text(encoding="utf-8").splitlines()
        if line and line[0] != "#"
    ]
    constraints = _pins(REPO_ROOT / "dags" / "mwaa_constraints.txt")
    tested_on_airflow30 = _pins(REPO_ROOT / "constraints-airflow30.txt")
    dev_pins = _pins(REPO_ROOT / "requirements-dev.txt")
    # WHEN / THEN the constraint line comes first and names the file as MWAA's workers see the bundle
    assert lines[0] == '--constraint "/usr/local/airflow/dags/mwaa_constraints.txt"'
    assert "mwaa_constraints.txt" in {Path(path).name for path in dag_bundle_files().values()}
    # AND the DAGs' packages follow, each pinned there, every pin the version tested on Airflow 3.0.6
    assert lines[1:] == ["pyarrow", "pyiceberg[glue,pyarrow]"]
    assert {"pyarrow", "pyiceberg"} <= constraints.keys()
    assert {name: tested_on_airflow30.get(name) for name in constraints} == constraints
    # AND pyiceberg is the version the dev pin tests too
    assert constraints["pyiceberg"] == dev_pins["pyiceberg[glue,pyarrow]"]


def test_bundle_excludes_tests_caches_and_local_settings(tmp_path: Path) -> None:
    """dags/ ships as it is, without tests, caches or a local pipeline_settings.json."""
    # GIVEN a repository tree with DAGs, SQL, caches, tests and a repository-only package beside dags/
    files = {
        "dags/export.py": "x",
        "dags/.airflowignore": "timestream_pipeline/",
        "dags/sql/q.sql": "SELECT 1",
        "dags/timestream_pipeline/lib.py": "x",
        "dags/timestream_pipeline/__pycache__/lib.cpython-311.pyc": "x",
        "dags/tests/test_x.py": "x",
        "dags/pipeline_settings.json": "{}",
        "pipeline_config/names.py": "x",
    }
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    # WHEN the bundle is listed
    bundle = dag_bundle_files(tmp_path / "dags")
    # THEN it has the DAG files, the SQL, .airflowignore and the package, and nothing from outside dags/
    assert sorted(bundle) == [
        "dags/.airflowignore",
        "dags/export.py",
        "dags/sql/q.sql",
        "dags/timestream_pipeline/lib.py",
    ]
