"""Every IAM policy the stack writes: no action wildcards, and `*` only for timestream:DescribeEndpoints."""

from __future__ import annotations

from typing import Any

import pytest
from cdk_helpers import IAM_POLICY_TYPES, SynthesizedStack, as_list, resources


def _project_statements(tpl: dict[str, Any]) -> list[dict[str, Any]]:
    """Every statement of every policy, the DAG deployment's copy function included (its role is ours)."""
    found = []
    for type_ in IAM_POLICY_TYPES:
        for policy in resources(tpl, type_).values():
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


def _copy_function_roles(tpl: dict) -> list[str]:
    """The role of every copy function CDK's BucketDeployments run on."""
    return sorted(
        r["Properties"]["Role"]["Fn::GetAtt"][0]
        for key, r in resources(tpl, "AWS::Lambda::Function").items()
        if key.startswith("CustomCDKBucket")
    )


def _attached(tpl: dict, role: str) -> list[dict]:
    return [
        s
        for p in resources(tpl, "AWS::IAM::Policy").values()
        if {"Ref": role} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_every_copy_function_runs_on_its_own_scoped_role(variant_stack: SynthesizedStack) -> None:
    """CDK shares one copy function between BucketDeployments of equal memory: each of ours has its own
    function and role (DAGs to the MWAA bucket, reference data to the lake), none with CDK's grants."""
    # GIVEN the variant (DAG deployment and reference data)
    tpl = variant_stack.json
    # WHEN the copy functions' roles are read / THEN there are two, and both are ours
    roles = _copy_function_roles(tpl)
    assert len(roles) == 2
    assert all(role.startswith(("DagDeploymentCopyRole", "ReferenceDataCopyRole")) for role in roles)
    # AND no statement of theirs has an action wildcard (CDK's grant is s3:GetObject*, s3:DeleteObject*, ...)
    actions = [a for role in roles for s in _attached(tpl, role) for a in as_list(s["Action"])]
    assert not [a for a in actions if "*" in a]


def test_dag_copy_function_writes_only_under_dags(variant_stack: SynthesizedStack) -> None:
    """CDK's BucketDeployment function runs with our role: no delete, no object lock, no bucket-wide write."""
    # GIVEN the variant (with a DAG deployment)
    tpl = variant_stack.json
    [role] = [r for r in _copy_function_roles(tpl) if r.startswith("DagDeploymentCopyRole")]
    # WHEN the statements of the policies on that role are read
    attached = _attached(tpl, role)
    writes = {r for s in attached if "s3:PutObject" in as_list(s["Action"]) for r in as_list(s["Resource"])}
    # THEN it may read assets, list dags/ and put objects under dags/ only
    assert sorted(a for s in attached for a in as_list(s["Action"])) == [
        "s3:GetObject",
        "s3:ListBucket",
        "s3:PutObject",
    ]
    assert writes == {"arn:aws:s3:::analytics-mwaa-source/dags/*"}
