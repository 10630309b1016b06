"""cdk-nag passes with reasoned acknowledgments only and fails on a new finding; cfn-lint is clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App, Stack, assertions
from aws_cdk import aws_s3 as s3
from cdk_helpers import ACCOUNT, REGION, SynthesizedStack, logical_id
from cfnlint.api import ManualArgs, lint_file

from infra.nag import check_with_cdk_nag


def _report(outdir: Path) -> dict[str, dict]:
    document = json.loads((outdir / "validation-report.json").read_text(encoding="utf-8"))
    return {r["pluginName"]: r for r in document["pluginReports"]}


@pytest.mark.parametrize("stack_fixture", ["default_stack", "variant_stack"])
def test_cdk_nag_ran_and_found_nothing_unacknowledged(
    stack_fixture: str, request: pytest.FixtureRequest
) -> None:
    """AwsSolutions ran on the synth, reported no violation, and every acknowledgment has a reason."""
    # GIVEN a synthesized stack (synth itself fails on an unacknowledged finding)
    stack: SynthesizedStack = request.getfixturevalue(stack_fixture)
    # WHEN the validation report is read
    report = _report(stack.outdir)["AwsSolutions"]
    # THEN it succeeded and each acknowledgment names its rule and gives a specific reason
    assert (report["conclusion"], report.get("violations", [])) == ("success", [])
    for finding in report["suppressedViolations"]:
        assert finding["acknowledgedId"] == f"AwsSolutions::{finding['ruleName']}"
        assert len(finding["reason"]) > 40


def test_default_stack_acknowledges_only_the_justified_findings(default_stack: SynthesizedStack) -> None:
    """The default stack's acknowledgments are exactly the justified wildcards and CDK's own deployment
    copy function (on our scoped role)."""
    # GIVEN the default stack's validation report
    report = _report(default_stack.outdir)["AwsSolutions"]
    # WHEN the acknowledged rules are collected
    acknowledged = {finding["ruleName"] for finding in report["suppressedViolations"]}
    # THEN they are exactly the expected ones
    bucket = logical_id(default_stack.json, "AWS::S3::Bucket", "DataLakeBucket")
    # CDK's BucketDeployment copy function (it uploads the reference tables) runs on our scoped role:
    # its runtime, the basic execution policy, the assets bucket and the reference/ prefix only.
    deployment_handler = {
        "AwsSolutions-L1",
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        f"AwsSolutions-IAM5[Resource::arn:aws:s3:::cdk-hnb659fds-assets-{ACCOUNT}-{REGION}/*]",
        f"AwsSolutions-IAM5[Resource::<{bucket}.Arn>/reference/*]",
    }
    kept = logical_id(default_stack.json, "AWS::S3::Bucket", "KeptRecordsBucket")
    assert acknowledged == {
        "AwsSolutions-IAM5[Resource::*]",
        f"AwsSolutions-IAM5[Resource::<{bucket}.Arn>/quarantine/*]",
        f"AwsSolutions-IAM5[Resource::<{bucket}.Arn>/exports/*]",
        *deployment_handler,
        f"AwsSolutions-IAM5[Resource::<{kept}.Arn>/aws/lambda/*]",
        f"AwsSolutions-IAM5[Resource::<{kept}.Arn>/ingest-ledger/*]",
    }


def test_timestream_maintenance_warning_is_acknowledged(default_stack: SynthesizedStack) -> None:
    """CloudFormation's W3697 (Timestream in maintenance mode) is acknowledged with a reason, not hidden."""
    # GIVEN the default stack's validation report
    report = _report(default_stack.outdir)["CloudFormation Validate"]
    # WHEN / THEN only W3697 was acknowledged, on the Timestream resources
    assert report["conclusion"] == "success"
    assert {f["ruleName"] for f in report["suppressedViolations"]} == {"W3697"}
    assert {f["acknowledgedId"] for f in report["suppressedViolations"]} == {"CloudFormation-Validate::W3697"}


def test_an_unacknowledged_violation_fails_synth() -> None:
    """A bucket without access logs or TLS enforcement stops the synth, naming the rules."""
    # GIVEN a stack checked like PipelineStack, holding a non-compliant bucket
    stack = Stack(App(), "Throwaway")
    check_with_cdk_nag(stack)
    s3.Bucket(stack, "Careless")
    # WHEN it is synthesized
    with pytest.raises(RuntimeError, match="ValidationFailed") as failure:
        assertions.Template.from_stack(stack)
    # THEN the failure names both AwsSolutions rules
    assert "AwsSolutions::AwsSolutions-S1'" in str(failure.value)
    assert "AwsSolutions::AwsSolutions-S10'" in str(failure.value)


@pytest.mark.parametrize("stack_fixture", ["default_stack", "variant_stack"])
def test_cfn_lint_reports_no_errors(stack_fixture: str, request: pytest.FixtureRequest) -> None:
    """cfn-lint finds no error in the synthesized template (warnings such as W3697 are allowed)."""
    # GIVEN a synthesized template file
    stack: SynthesizedStack = request.getfixturevalue(stack_fixture)
    # WHEN cfn-lint checks it for the stack's region
    matches = lint_file(stack.template_file, config=ManualArgs(regions=["eu-west-1"]))
    # THEN no match is an error
    errors = [str(m) for m in matches if m.rule.severity == "error"]
    assert errors == []
    assert stack.template_file.stat().st_size > 10_000
