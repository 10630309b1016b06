"""The local mappings run the deployed configuration: what the synthesized template declares, nothing else."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.deployed_config import (
    DeployedFunction,
    deployed_functions,
    extract_functions,
    inputs_key,
    synthesize,
)
from local.ingest import function_environment, open_mappings
from local.stack import InProcessStack
from local.template_refs import TemplateResolver
from pipeline_config import names
from pipeline_config.local_state import LocalStackState
from pipeline_config.settings import REPO_ROOT, load_settings
from timestream_ingest import names as ingest_names


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    """A fresh synth of the app, as `cdk deploy` would build it for the local account and region."""
    return synthesize({})


@pytest.fixture(scope="module")
def functions() -> dict[str, DeployedFunction]:
    """What the local mappings use (from the cache, or synthesized when the inputs changed)."""
    return deployed_functions()


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStackState]:
    with InProcessStack(load_settings()) as state:
        yield state


def _by_role(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    """Each mapping's (or function's) properties, keyed by role: the stream an ingest function reads
    (raw, cep), or cep-stage for the CEP stage's function (it reads the raw stream too)."""
    resources = template["Resources"]
    resolve = TemplateResolver(resources, names.LOCAL_ACCOUNT, names.LOCAL_REGION)
    found = {}
    for mapping in (
        r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"
    ):
        function = resources[mapping["FunctionName"]["Ref"]]["Properties"]
        role = resolve.name_of(mapping["EventSourceArn"]).rsplit("-", 1)[-1]
        if function["Handler"].startswith("timestream_cep."):
            role = "cep-stage"
        found[role] = mapping if resource_type == "AWS::Lambda::EventSourceMapping" else function
    return found


def test_the_local_mappings_use_every_setting_the_template_declares(
    template: dict[str, Any], functions: dict[str, DeployedFunction], stack: LocalStackState, tmp_path: Path
) -> None:
    """Batch size, bisect, retries, record age, partial responses, destination, filters: as deployed."""
    # GIVEN the template's mappings, read here independently of the local code
    declared = _by_role(template, "AWS::Lambda::EventSourceMapping")
    kept_bucket = load_settings().kept_records_bucket_name(names.LOCAL_ACCOUNT, names.LOCAL_REGION)
    # WHEN the local mappings are opened on a local stack
    with open_mappings(stack, tmp_path, functions=functions) as mappings:
        configs = {role: mapping.config for role, mapping in mappings.items()}
    # THEN each local setting is the template's
    assert set(configs) == set(declared) == {"raw", "cep", "cep-stage"}
    for role, config in configs.items():
        mapping = declared[role]
        assert (config.batch_size, config.bisect_batch_on_error) == (
            mapping["BatchSize"],
            mapping["BisectBatchOnFunctionError"],
        )
        assert (config.retry_attempts, config.max_record_age_seconds) == (
            mapping["MaximumRetryAttempts"],
            mapping["MaximumRecordAgeInSeconds"],
        )
        assert config.report_batch_item_failures == (
            "ReportBatchItemFailures" in mapping.get("FunctionResponseTypes", [])
        )
        assert (config.starting_position, config.parallelization_factor, config.batching_window_seconds) == (
            mapping["StartingPosition"],
            mapping["ParallelizationFactor"],
            mapping["MaximumBatchingWindowInSeconds"],
        )
        assert config.on_failure_bucket == kept_bucket == stack.kept_bucket
        # the filters Lambda applies before invoking (the CEP stage's: sensor readings only)
        filters = mapping.get("FilterCriteria", {}).get("Filters", [])
        assert config.filter_patterns == tuple(f["Pattern"] for f in filters)
        assert bool(filters) is (role == "cep-stage")
        assert mapping["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][1] == "Arn"


def test_the_local_functions_run_the_deployed_entry_point_timeout_and_environment(
    template: dict[str, Any], functions: dict[str, DeployedFunction], stack: LocalStackState
) -> None:
    """The handler path, timeout and every environment variable come from the template."""
    declared = _by_role(template, "AWS::Lambda::Function")
    resolve = TemplateResolver(template["Resources"], names.LOCAL_ACCOUNT, names.LOCAL_REGION)
    for role, function in functions.items():
        properties = declared[role]
        environment = function_environment(function, stack)
        package = "timestream_cep" if role == "cep-stage" else "timestream_ingest"
        assert function.handler == properties["Handler"] == f"{package}.handler.handler"
        assert function.mapping.timeout_seconds == properties["Timeout"]
        for key, value in properties["Environment"]["Variables"].items():
            assert environment[key] == resolve(value)
        # only the local endpoints and what the Lambda runtime sets itself are added
        assert environment[ingest_names.ENV_AWS_ENDPOINT_URL_TIMESTREAM_WRITE] == stack.timestream_endpoint
        if role != "cep-stage":
            assert environment[ingest_names.ENV_TIMESTREAM_TABLE] == (
                stack.raw_table if role == "raw" else stack.cep_table
            )


def test_the_cache_holds_what_a_fresh_synth_says(
    template: dict[str, Any], functions: dict[str, DeployedFunction]
) -> None:
    """The cached settings equal the ones extracted from a synth made now."""
    assert extract_functions(template, {}) == functions


def test_any_change_of_an_input_changes_the_cache_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A different setting, context override or source file can never read a stale cache."""
    # GIVEN the key of the current inputs
    before = inputs_key({})
    # WHEN a context override is given, or the settings file says something else
    with_override = inputs_key({"lambda_timeout_seconds": 30})
    edited = json.loads((REPO_ROOT / "cdk.json").read_text())
    edited["context"]["lambda_batch_size"] = 100
    (tmp_path / "cdk.json").write_text(json.dumps(edited))
    monkeypatch.setenv(names.ENV_PIPELINE_CDK_JSON, str(tmp_path / "cdk.json"))
    with_other_settings = inputs_key({})
    # THEN each gets its own key
    assert len({before, with_override, with_other_settings}) == 3
