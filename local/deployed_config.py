"""The stream functions (ingest and the CEP stage) as the CDK app deploys them, read from the template.

The local event source mapping runs what `cdk deploy` creates: each function's handler, timeout and
environment, and its mapping's settings (batch size, bisect on error, retry attempts, maximum record
age, report batch item failures, on-failure destination, filter criteria...), are read from the template that
`python app.py` synthesizes for the local account and region, not restated here.

A synth takes seconds (7.5 s measured on an idle 2-core machine, up to 25 s under load), so the
extracted settings are cached in `.local/deployed/<key>.json`. The key hashes everything the template
is built from: app.py, the settings file, infra/, pipeline_config/, both bundles, this module, the
aws-cdk-lib and cdk-nag versions and any context override. Any change makes a new key, so a stale
cache is never read; `make clean` removes old ones.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from local.esm import MappingConfig
from local.template_refs import TemplateResolver
from pipeline_config import names
from pipeline_config.bundles import REPO_ROOT
from pipeline_config.settings import DEFAULT_CDK_JSON, load_settings

STACK_ID = "PipelineStack"  # app.py's construct id: the template is `<id>.template.json`
CACHE_DIR = REPO_ROOT / names.LOCAL_STATE_DIR / "deployed"
SYNTH_TIMEOUT_SECONDS = 300
_INPUT_FOLDERS = ("infra", "pipeline_config", "lambda/ingest", "lambda/cep", "dags", "lake")
_INPUT_SUFFIXES = (".py", ".toml", ".sql", ".json")
_PACKAGES = ("aws-cdk-lib", "cdk-nag", "constructs")
CEP_STAGE = "cep-stage"  # the role of the CEP stage's function; the ingest functions' are raw and cep
# Each handler's package is the root of its asset folder (the folder the Lambda runtime unpacks).
ASSET_DIRS = {"timestream_ingest": "lambda/ingest", "timestream_cep": "lambda/cep"}


@dataclass(frozen=True)
class DeployedFunction:
    """One function and its event source mapping, as deployed."""

    role: str
    stream_name: str
    handler: str
    asset_dir: str  # relative to the repository
    timeout_seconds: int
    memory_mb: int
    environment: dict[str, str]
    mapping: MappingConfig


def deployed_functions(
    overrides: Mapping[str, Any] | None = None, cache_dir: Path = CACHE_DIR
) -> dict[str, DeployedFunction]:
    """{role: function} from the cache, or from a synth when the inputs changed."""
    overrides = dict(overrides or {})
    cached = cache_dir / f"{inputs_key(overrides)}.json"
    if cached.is_file():
        return _from_json(json.loads(cached.read_text(encoding="utf-8")))
    functions = extract_functions(synthesize(overrides), overrides)
    cache_dir.mkdir(parents=True, exist_ok=True)
    # A file of its own, then an atomic rename: two processes synthesizing at once never mix their writes.
    with tempfile.NamedTemporaryFile(
        "w", dir=cache_dir, suffix=".tmp", delete=False, encoding="utf-8"
    ) as out:
        json.dump({role: asdict(function) for role, function in functions.items()}, out, indent=1)
    os.replace(out.name, cached)
    return functions


def inputs_key(overrides: Mapping[str, Any]) -> str:
    """A hash of every input of the template; equal keys mean equal templates."""
    digest = hashlib.sha256()
    files = [REPO_ROOT / "app.py", settings_file(), Path(__file__)]
    for folder in _INPUT_FOLDERS:
        files.extend(
            path
            for path in sorted((REPO_ROOT / folder).rglob("*"))
            if path.suffix in _INPUT_SUFFIXES and "__pycache__" not in path.parts and path.is_file()
        )
    for path in files:
        digest.update(str(path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path).encode())
        digest.update(path.read_bytes())
    for package in _PACKAGES:
        digest.update(f"{package}=={importlib.metadata.version(package)}".encode())
    digest.update(json.dumps(dict(overrides), sort_keys=True).encode())
    return digest.hexdigest()[:24]


def settings_file() -> Path:
    return Path(os.environ.get(names.ENV_PIPELINE_CDK_JSON, DEFAULT_CDK_JSON))


def synthesize(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """`python app.py` for the local account and region; `overrides` as CDK context (like `-c`)."""
    environment = {
        **os.environ,
        "CDK_DEFAULT_ACCOUNT": names.LOCAL_ACCOUNT,
        "CDK_DEFAULT_REGION": names.LOCAL_REGION,
        "CDK_CONTEXT_JSON": json.dumps(dict(overrides)),
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    with tempfile.TemporaryDirectory(prefix="cdk-local-") as outdir:
        environment["CDK_OUTDIR"] = outdir
        finished = subprocess.run(
            [sys.executable, "app.py"],
            cwd=REPO_ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=SYNTH_TIMEOUT_SECONDS,
            check=False,
        )
        if finished.returncode != 0:
            tail = "\n".join((finished.stderr or finished.stdout).strip().splitlines()[-15:])
            raise SystemExit(f"error: synthesizing the CDK app for the local stack failed:\n{tail}")
        return json.loads(Path(outdir, f"{STACK_ID}.template.json").read_text(encoding="utf-8"))


def extract_functions(
    template: Mapping[str, Any], overrides: Mapping[str, Any]
) -> dict[str, DeployedFunction]:
    """{role: function} for every Kinesis mapping of the template, its references resolved.

    An ingest function's role is its stream's (raw, cep); the CEP stage's is `cep-stage`.
    """
    settings = load_settings(dict(overrides))
    resources = template["Resources"]
    resolve = TemplateResolver(resources, names.LOCAL_ACCOUNT, names.LOCAL_REGION)
    roles = {names.stream_name(settings.stack_name, role): role for role in ("raw", "cep")}
    functions = {}
    for mapping in (
        r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"
    ):
        stream_name = resolve.name_of(mapping["EventSourceArn"])
        function = resources[mapping["FunctionName"]["Ref"]]["Properties"]
        package = function["Handler"].split(".")[0]
        role = CEP_STAGE if package == "timestream_cep" else roles[stream_name]
        function_name = (
            f"{settings.stack_name}-{CEP_STAGE}"
            if role == CEP_STAGE
            else f"{settings.stack_name}-ingest-{role}"
        )
        destination = mapping.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        functions[role] = DeployedFunction(
            role=role,
            stream_name=stream_name,
            handler=function["Handler"],
            asset_dir=ASSET_DIRS[package],
            timeout_seconds=int(function["Timeout"]),
            memory_mb=int(function["MemorySize"]),
            environment={k: str(resolve(v)) for k, v in function["Environment"]["Variables"].items()},
            mapping=MappingConfig(
                function_name=function_name,
                batch_size=int(mapping["BatchSize"]),
                retry_attempts=int(mapping.get("MaximumRetryAttempts", -1)),
                max_record_age_seconds=int(mapping.get("MaximumRecordAgeInSeconds", -1)),
                bisect_batch_on_error=bool(mapping.get("BisectBatchOnFunctionError", False)),
                report_batch_item_failures="ReportBatchItemFailures"
                in mapping.get("FunctionResponseTypes", []),
                on_failure_bucket=resolve.name_of(destination) if destination else None,
                timeout_seconds=int(function["Timeout"]),
                starting_position=mapping["StartingPosition"],
                parallelization_factor=int(mapping.get("ParallelizationFactor", 1)),
                batching_window_seconds=int(mapping.get("MaximumBatchingWindowInSeconds", 0)),
                filter_patterns=tuple(
                    str(item.get("Pattern", ""))
                    for item in mapping.get("FilterCriteria", {}).get("Filters", [])
                ),
            ),
        )
    return functions


def _from_json(document: Mapping[str, Any]) -> dict[str, DeployedFunction]:
    return {
        role: DeployedFunction(**{**function, "mapping": _mapping_from_json(function["mapping"])})
        for role, function in document.items()
    }


def _mapping_from_json(mapping: Mapping[str, Any]) -> MappingConfig:
    """JSON has no tuples: the patterns come back as a list."""
    return MappingConfig(**{**mapping, "filter_patterns": tuple(mapping.get("filter_patterns", ()))})
