"""Acknowledge a cdk-nag (AwsSolutions) finding on one construct, with the reason beside it.

cdk-nag 3 acknowledges each finding by its exact id, e.g. `AwsSolutions-IAM5[Resource::<Bucket.Arn>/x/*]`;
`finding_text` renders a deploy-time value the way cdk-nag prints it, so no id is typed by hand.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, DefaultStackSynthesizer, Stack, Stage, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

NAG_PACK = "AwsSolutions"


def check_with_cdk_nag(stack: Stack) -> None:
    """Run AwsSolutionsChecks on every synth of the stack's app; a new finding fails the synth."""
    Validations.of(Stage.of(stack)).add_plugins(AwsSolutionsChecks(stack))  # type: ignore[arg-type]


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge `rule` (e.g. `AwsSolutions-S1` or `AwsSolutions-IAM5[Resource::*]`) on `scope`."""
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{NAG_PACK}::{rule}", reason=reason))


def finding_text(scope: IConstruct, value: str) -> str:
    """`value` (possibly holding tokens) as cdk-nag writes it: `<Logical.Arn>`, `<AWS::Region>`..."""
    return _render(Stack.of(scope).resolve(value))


def file_assets_bucket_objects(scope: IConstruct) -> str:
    """The CDK bootstrap assets bucket's objects ARN (what BucketDeployment's handler reads)."""
    stack = Stack.of(scope)
    bucket = f"cdk-{DefaultStackSynthesizer.DEFAULT_QUALIFIER}-assets-{stack.account}-{stack.region}"
    return f"arn:{stack.partition}:s3:::{bucket}/*"


def _render(value: Any) -> str:
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return f"<{value['Ref']}>"
    if "Fn::GetAtt" in value:
        return "<" + ".".join(value["Fn::GetAtt"]) + ">"
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(_render(part) for part in parts)
    raise ValueError(f"cannot render {value!r} as a cdk-nag finding")
