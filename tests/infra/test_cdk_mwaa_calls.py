"""Least privilege against the code: every AWS call in dags/ has a statement in the MWAA policy, and
every statement of the policy has a call in dags/ that needs it.

The DAG code is read as text (ast), so a new client call, paginator or UNLOAD shows up here before it
fails on MWAA with AccessDenied.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

import botocore.session
import pytest
from aws_cdk import assertions
from botocore import xform_name
from cdk_helpers import as_list, only, statements

from infra.mwaa_access import ICEBERG_DATABASE_ACTIONS, ICEBERG_TABLE_ACTIONS
from pipeline_config.bundles import DAGS_DIR

# The services the DAGs reach through boto3 (hooks' get_conn() included) and s3transfer's methods.
SERVICES = ("s3", "timestream-query", "mwaa")
S3_TRANSFER_METHODS = {"upload_file", "upload_fileobj", "download_file", "download_fileobj", "copy"}
# The IAM actions each call needs. Timestream clients discover their endpoint first; a query of a
# database encrypted with a customer-managed key decrypts through Timestream. Transfers larger than
# 8 MB go multipart and abort the upload when they fail.
CALL_ACTIONS: dict[str, set[str]] = {
    "query": {"timestream:Select", "timestream:DescribeEndpoints", "kms:Decrypt"},
    "get_object": {"s3:GetObject"},
    "put_object": {"s3:PutObject"},
    "delete_object": {"s3:DeleteObject"},
    "delete_objects": {"s3:DeleteObject"},
    "list_objects_v2": {"s3:ListBucket"},
    "upload_file": {"s3:PutObject", "s3:AbortMultipartUpload"},
    "download_file": {"s3:GetObject"},
    "copy": {"s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"},
    "invoke_rest_api": {"airflow:InvokeRestApi"},
}
# `UNLOAD (...) TO 's3://...'` is sent through `query`; the caller then needs what the developer guide's
# UNLOAD prerequisites list, on the destination (the export prefix's staging area).
UNLOAD_ACTIONS = {
    "timestream:Unload",
    "s3:GetBucketAcl",
    "s3:PutObject",
    "s3:GetObject",
    "s3:AbortMultipartUpload",
}


def _aws_operations() -> set[str]:
    session = botocore.session.get_session()
    operations = {
        xform_name(name)
        for service in SERVICES
        for name in session.get_service_model(service).operation_names
    }
    return operations | S3_TRANSFER_METHODS


def _calls(tree: ast.AST, operations: set[str]) -> Iterator[str]:
    """AWS calls in one module: `x.op(...)`, and `x.get_paginator("op")`."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        name = node.func.attr
        if name == "get_paginator" and node.args and isinstance(node.args[0], ast.Constant):
            yield str(node.args[0].value)
        elif name in operations:
            yield name


def dag_calls() -> dict[str, set[str]]:
    """`{call: {files making it}}` over every Python file of the DAG bundle."""
    operations = _aws_operations()
    found: dict[str, set[str]] = {}
    for path in sorted(DAGS_DIR.rglob("*.py")):
        for call in _calls(ast.parse(path.read_text(encoding="utf-8")), operations):
            found.setdefault(call, set()).add(path.relative_to(DAGS_DIR).as_posix())
    return found


def sends_unload() -> bool:
    return any("UNLOAD (" in path.read_text(encoding="utf-8") for path in DAGS_DIR.rglob("*.py"))


def uses_glue_catalog() -> bool:
    """The Iceberg exports commit through pyiceberg's Glue catalog: its calls are made inside pyiceberg,
    so they are recorded against moto by tests/lake/test_glue_catalog_calls.py, not read from dags/."""
    return any('{"type": "glue"}' in path.read_text(encoding="utf-8") for path in DAGS_DIR.rglob("*.py"))


def needed_actions() -> set[str]:
    actions = set().union(*(CALL_ACTIONS[call] for call in dag_calls() if call in CALL_ACTIONS))
    if uses_glue_catalog():
        actions |= set(ICEBERG_DATABASE_ACTIONS) | set(ICEBERG_TABLE_ACTIONS)
    return actions | (UNLOAD_ACTIONS if sends_unload() else set())


def _policy_statements(*templates: assertions.Template) -> list[dict]:
    return [s for t in templates for s in statements(only(t.to_json(), "AWS::IAM::ManagedPolicy"))]


def test_the_scan_finds_the_calls_the_export_and_backfill_dags_make() -> None:
    """The scanner sees the calls it must (else the tests below would prove nothing)."""
    # GIVEN / WHEN the DAG bundle is scanned
    calls = dag_calls()
    # THEN the query, S3 and REST API calls are all found, and UNLOAD is sent
    assert {"query", "put_object", "list_objects_v2", "copy", "invoke_rest_api"} <= set(calls)
    assert sends_unload()


def test_every_aws_call_of_the_dags_has_its_iam_actions() -> None:
    """A new client call in dags/ fails here until it is mapped to its IAM actions (and granted)."""
    # GIVEN every AWS call of the DAG bundle
    calls = dag_calls()
    # WHEN the calls without an IAM mapping are listed
    unmapped = {call: files for call, files in calls.items() if call not in CALL_ACTIONS}
    # THEN there are none
    assert unmapped == {}


@pytest.mark.parametrize("stack_fixture", ["template", "variant_template"])
def test_every_needed_action_is_granted(stack_fixture: str, request: pytest.FixtureRequest) -> None:
    """What the calls need is in the policy (kms only with the customer-managed key, the REST API
    only with a named environment)."""
    # GIVEN a synthesized stack's MWAA policy
    template: assertions.Template = request.getfixturevalue(stack_fixture)
    granted = {a for s in _policy_statements(template) for a in as_list(s["Action"])}
    # WHEN the needed actions are compared with it
    optional = {"kms:Decrypt", "airflow:InvokeRestApi"}
    missing = needed_actions() - granted - optional
    # THEN nothing needed is missing
    assert missing == set()


def test_every_statement_is_needed_by_a_call(
    template: assertions.Template, variant_template: assertions.Template
) -> None:
    """No statement grants an action that no DAG call needs (Glue reads and DescribeTable are gone)."""
    # GIVEN every statement of the policy, in both stacks (so every optional statement is present)
    found = _policy_statements(template, variant_template)
    # WHEN each statement's actions are checked against what the calls need
    needed = needed_actions()
    unneeded = {s["Sid"]: sorted(set(as_list(s["Action"])) - needed) for s in found}
    # THEN every action of every statement is needed, and the optional ones did appear
    assert {sid: actions for sid, actions in unneeded.items() if actions} == {}
    granted = {a for s in found for a in as_list(s["Action"])}
    assert granted == needed
