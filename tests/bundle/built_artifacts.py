"""The deployed artifacts, built the way the deployments build them, laid out in a folder.

- `synthesize_app`: a real synth of the CDK app (cdk-nag included), as `cdk synth` stages the assets.
- `deploy_staged_dags`: what the DagDeployment's BucketDeployment writes under `dags/`: the staged
  bundle asset plus the staged settings document, with CDK's deploy-time markers replaced by values.
- `upload_with_deploy_dags`: what `make deploy-dags` uploads (`infra.deploy_dags.main`, against an S3
  endpoint), downloaded back from the bucket.
- `lambda_asset` / `lambda_environment`: the ingest function's staged asset and its environment.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from aws_cdk import App, Environment

from infra.pipeline_stack import PipelineStack
from local.template_refs import TemplateResolver
from pipeline_config import names
from pipeline_config.settings import Settings, load_settings, read_cdk_json_context
from timestream_pipeline.exports import load_exports

MWAA_SOURCE_BUCKET = "bundle-test-mwaa-source"
STACK_ID = "PipelineStack"


@dataclass(frozen=True)
class SynthesizedApp:
    outdir: Path
    template: dict[str, Any]
    settings: Settings

    def resources(self, type_: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.template["Resources"].items() if v["Type"] == type_}

    def staged(self, asset_key: str) -> Path:
        """The staged folder of an asset named by its S3 key in the template."""
        return self.outdir / f"asset.{asset_key.removesuffix('.zip')}"

    def logical_id(self, type_: str, prefix: str) -> str:
        (logical_id,) = [k for k in self.resources(type_) if k.startswith(prefix)]
        return logical_id


def synthesize_app(outdir: Path) -> SynthesizedApp:
    """cdk.json's settings with an MWAA source bucket (so the DAGs deploy), in the local region."""
    settings = replace(load_settings(), mwaa_source_bucket=MWAA_SOURCE_BUCKET)
    app = App(outdir=str(outdir), context=read_cdk_json_context())
    PipelineStack(
        app,
        STACK_ID,
        settings=settings,
        exports=load_exports(),
        env=Environment(account=names.LOCAL_ACCOUNT, region=names.LOCAL_REGION),
    )
    app.synth()
    template = json.loads((outdir / f"{STACK_ID}.template.json").read_text(encoding="utf-8"))
    return SynthesizedApp(outdir, template, settings)


def _resolve(value: Any, refs: dict[str, str]) -> str:
    """A template value with `{"Ref": logical id}` replaced as CloudFormation would (`refs`: id -> value)."""
    if isinstance(value, dict):
        return refs[value["Ref"]]
    return str(value)


def deploy_staged_dags(app: SynthesizedApp, target: Path, refs: dict[str, str]) -> Path:
    """Lay out `dags/` as the BucketDeployment to the MWAA bucket would; returns the folder."""
    (deployment,) = [
        resource["Properties"]
        for resource in app.resources("Custom::CDKBucketDeployment").values()
        if resource["Properties"].get("DestinationBucketKeyPrefix") == "dags/"
    ]
    dags = target / "dags"
    for key, markers in zip(deployment["SourceObjectKeys"], deployment["SourceMarkers"], strict=True):
        for source in sorted(app.staged(key).rglob("*")):
            if not source.is_file():
                continue
            destination = dags / source.relative_to(app.staged(key))
            destination.parent.mkdir(parents=True, exist_ok=True)
            if markers:
                text = source.read_text(encoding="utf-8")
                for marker, value in markers.items():
                    text = text.replace(marker, _resolve(value, refs))
                destination.write_text(text, encoding="utf-8")
            else:
                shutil.copyfile(source, destination)
    return dags


def upload_with_deploy_dags(s3: Any, s3_endpoint: str, lake_bucket: str, target: Path) -> Path:
    """Run `python -m infra.deploy_dags` against the S3 endpoint, then download what it uploaded."""
    import os
    from unittest import mock

    from infra.deploy_dags import main

    s3.create_bucket(Bucket=MWAA_SOURCE_BUCKET)
    with mock.patch.dict(os.environ, {"AWS_ENDPOINT_URL_S3": s3_endpoint}):
        code = main(
            ["--bucket", MWAA_SOURCE_BUCKET, "--data-lake-bucket", lake_bucket, "--region", "us-east-1"]
        )
    assert code == 0, "make deploy-dags failed"
    listing = s3.list_objects_v2(Bucket=MWAA_SOURCE_BUCKET, Prefix="dags/")["Contents"]
    for item in listing:
        destination = target / item["Key"]
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(s3.get_object(Bucket=MWAA_SOURCE_BUCKET, Key=item["Key"])["Body"].read())
    return target / "dags"


def ingest_function(app: SynthesizedApp, role: str) -> dict[str, Any]:
    (function,) = [
        resource["Properties"]
        for logical_id, resource in app.resources("AWS::Lambda::Function").items()
        if logical_id.startswith(f"{role.capitalize()}Ingest")
    ]
    return function


def lambda_asset(app: SynthesizedApp, role: str) -> Path:
    """The staged asset folder of one ingest function (what Lambda unpacks into /var/task)."""
    return app.staged(ingest_function(app, role)["Code"]["S3Key"])


def lambda_environment(app: SynthesizedApp, role: str) -> dict[str, str]:
    """The function's environment variables as the template sets them, references resolved to the
    resources' explicit names (the names the local stack creates), as the local mappings resolve them."""
    resolve = TemplateResolver(app.template["Resources"], names.LOCAL_ACCOUNT, names.LOCAL_REGION)
    variables = ingest_function(app, role)["Environment"]["Variables"]
    return {name: str(resolve(value)) for name, value in variables.items()}
