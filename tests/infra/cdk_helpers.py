"""Helpers for the infra tests: synthesize a PipelineStack and read what the template says."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import App, Environment, assertions

from infra.pipeline_stack import PipelineStack
from pipeline_config.settings import Settings, read_cdk_json_context
from timestream_pipeline.exports import ExportSpec

ACCOUNT = "123456789012"
REGION = "eu-west-1"
EXPORTS_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "exports.toml"
IAM_POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
# Every optional branch at once: an MWAA environment, provisioned streams, AWS-managed key, destroy.
VARIANT_SETTINGS = {
    "mwaa_environment_name": "analytics-env",
    "mwaa_execution_role_name": "analytics-env-execution",
    "mwaa_source_bucket": "analytics-mwaa-source",
    "kinesis_stream_mode": "PROVISIONED",
    "kinesis_shard_count": 3,
    "customer_managed_key": False,
    "removal_policy": "destroy",
}


@dataclass(frozen=True)
class SynthesizedStack:
    template: assertions.Template
    outdir: Path

    @property
    def json(self) -> dict[str, Any]:
        return self.template.to_json()

    @property
    def template_file(self) -> Path:
        return self.outdir / "PipelineStack.template.json"


def cdk_app(outdir: Path) -> App:
    """An App with cdk.json's context (feature flags included), as `cdk synth` would build it."""
    return App(outdir=str(outdir), context=read_cdk_json_context())


def synthesize(settings: Settings, exports: tuple[ExportSpec, ...], outdir: Path) -> SynthesizedStack:
    app = cdk_app(outdir)
    stack = PipelineStack(
        app,
        "PipelineStack",
        settings=settings,
        exports=exports,
        env=Environment(account=ACCOUNT, region=REGION),
    )
    template = assertions.Template.from_stack(stack)
    app.synth()
    return SynthesizedStack(template, outdir)


def resources(template_json: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template_json["Resources"].items() if v["Type"] == type_}


def only(template_json: dict[str, Any], type_: str) -> dict[str, Any]:
    """The properties of the single resource of `type_` (fails when there are several)."""
    found = resources(template_json, type_)
    assert len(found) == 1, f"expected one {type_}, found {sorted(found)}"
    return next(iter(found.values()))["Properties"]


def logical_id(template_json: dict[str, Any], type_: str, prefix: str) -> str:
    """The logical id of the resource of `type_` whose id starts with `prefix` (construct path)."""
    matches = [k for k in resources(template_json, type_) if k.startswith(prefix)]
    assert len(matches) == 1, f"expected one {type_} starting with {prefix}, found {matches}"
    return matches[0]


def statements(policy_properties: dict[str, Any]) -> list[dict[str, Any]]:
    return policy_properties["PolicyDocument"]["Statement"]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_statements_by_action(policy_properties: dict[str, Any]) -> dict[str, list[Any]]:
    """`{action: resources}` for the Allow statements of one policy."""
    found: dict[str, list[Any]] = {}
    for statement in statements(policy_properties):
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            found.setdefault(action, []).extend(as_list(statement["Resource"]))
    return found


def role_policy(template_json: dict[str, Any], role_prefix: str) -> dict[str, Any]:
    """The inline (default) policy attached to the role whose logical id starts with `role_prefix`."""
    role_id = logical_id(template_json, "AWS::IAM::Role", role_prefix)
    attached = [
        p["Properties"]
        for p in resources(template_json, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    assert len(attached) == 1, f"expected one policy on {role_id}, found {len(attached)}"
    return attached[0]


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
