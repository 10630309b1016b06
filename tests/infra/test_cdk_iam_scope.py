"""Every IAM policy the stack writes: no action wildcards, and `*` only for timestream:DescribeEndpoints."""

from __future__ import annotations

from typing import Any

import pytest
from cdk_helpers import IAM_POLICY_TYPES, SynthesizedStack, as_list, resources


def _bucket_deployment_roles(tpl: dict[str, Any]) -> set[str]:
    """Roles of CDK's own BucketDeployment handler (its grants are CDK's, acknowledged in cdk-nag)."""
    handlers = [
        r["Properties"]["Role"]["Fn::GetAtt"][0]
        for key, r in resources(tpl, "AWS::Lambda::Function").items()
        if key.startswith("CustomCDKBucketDeployment")
    ]
    return set(handlers)


def _project_statements(tpl: dict[str, Any]) -> list[dict[str, Any]]:
    exempt = _bucket_deployment_roles(tpl)
    found = []
    for type_ in IAM_POLICY_TYPES:
        for policy in resources(tpl, type_).values():
            roles = {r["Ref"] for r in policy["Properties"].get("Roles", []) if isinstance(r, dict)}
            if roles and roles <= exempt:
                continue
            found.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    for role in resources(tpl, "AWS::IAM::Role").values():
        for policy in role["Properties"].get("Policies", []):
            found.extend(policy["PolicyDocument"]["Statement"])
    return found


@pytest.mark.parametrize("stack_fixture", ["default_stack", "variant_stack"])
def test_no_action_wildcards(stack_fixture: str, request: pytest.FixtureRequest) -> None:
    """No statement grants `service:*` or `service:Get*`-style action families."""
    # GIVEN a synthesized stack
    stack: SynthesizedStack = request.getfixturevalue(stack_fixture)
    # WHEN every action of every project policy is collected
    statements = _project_statements(stack.json)
    actions = [a for s in statements for a in as_list(s["Action"])]
    # THEN none holds a wildcard
    assert statements, "no IAM statements found: the scan would prove nothing"
    assert [a for a in actions if "*" in a] == []


@pytest.mark.parametrize("stack_fixture", ["default_stack", "variant_stack"])
def test_star_resource_only_for_describe_endpoints(
    stack_fixture: str, request: pytest.FixtureRequest
) -> None:
    """Resource `*` appears only with timestream:DescribeEndpoints, which supports nothing narrower."""
    # GIVEN a synthesized stack
    stack: SynthesizedStack = request.getfixturevalue(stack_fixture)
    # WHEN the statements with a `*` resource are collected
    star = [s for s in _project_statements(stack.json) if "*" in as_list(s["Resource"])]
    # THEN each of them allows exactly DescribeEndpoints (one per ingest role, one in the MWAA policy)
    assert [as_list(s["Action"]) for s in star] == [["timestream:DescribeEndpoints"]] * 3


def test_only_cdk_bucket_deployment_policies_are_exempt(variant_stack: SynthesizedStack) -> None:
    """The scan skips exactly one policy: the BucketDeployment handler's, which only the variant has."""
    # GIVEN the variant (with a DAG deployment)
    tpl = variant_stack.json
    # WHEN the exempt roles are listed
    exempt = _bucket_deployment_roles(tpl)
    skipped = [
        key
        for key, p in resources(tpl, "AWS::IAM::Policy").items()
        if {r["Ref"] for r in p["Properties"]["Roles"]} <= exempt
    ]
    # THEN there is one handler role and one policy attached to it
    assert len(exempt) == 1
    assert len(skipped) == 1 and skipped[0].startswith("CustomCDKBucketDeployment")
