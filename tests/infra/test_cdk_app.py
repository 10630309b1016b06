"""app.py end to end: a bad setting stops synth with one line; the pinned CDK CLI reads the assembly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline_config.settings import REPO_ROOT

CDK_CLI = REPO_ROOT / "node_modules" / ".bin" / "cdk"


def _run_app(context: dict[str, str], outdir: Path) -> subprocess.CompletedProcess[str]:
    """`python app.py` as the CDK CLI runs it: `-c` values arrive as strings in CDK_CONTEXT_JSON."""
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps(context), "CDK_OUTDIR": str(outdir)}
    return subprocess.run(
        [sys.executable, "app.py"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("memory_retention_hours", "0", "must be a whole number from 1 to 8766"),
        ("lambda_batch_size", "lots", "must be a whole number from 1 to 10000"),
    ],
)
def test_bad_setting_stops_synth_with_one_line(key: str, value: str, allowed: str, tmp_path: Path) -> None:
    """A value out of range exits 1 with a single line naming the key, the value and what is allowed."""
    # GIVEN a `-c key=value` override the pipeline cannot use
    # WHEN the app is synthesized
    result = _run_app({key: value}, tmp_path)
    # THEN it exits 1, prints one line (no traceback) and writes no template
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: setting {key}=")
    assert repr(int(value) if value.isdigit() else value) in lines[0]
    assert allowed in lines[0]
    assert not (tmp_path / "PipelineStack.template.json").exists()


def test_a_misspelt_setting_stops_synth_with_the_closest_key(tmp_path: Path) -> None:
    """`-c lambda_batchsize=10` is no setting: one line suggesting lambda_batch_size, no template."""
    # GIVEN a `-c` key with a typo
    # WHEN the app is synthesized
    result = _run_app({"lambda_batchsize": "10"}, tmp_path)
    # THEN it exits 1 with one line naming the key and the closest setting
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: unknown setting 'lambda_batchsize': did you mean lambda_batch_size? (the settings are the "
        'keys of cdk.json "context", listed in README.md "Configuration")'
    ]
    assert not (tmp_path / "PipelineStack.template.json").exists()


def test_cdk_json_runs_the_app_in_the_venv_or_says_how_to_make_it(tmp_path: Path) -> None:
    """cdk.json's app command uses .venv/bin/python; without .venv it says to run make bootstrap."""
    # GIVEN cdk.json's app command and a folder without .venv
    app = json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))["app"]
    # WHEN the CDK CLI would run it there (through a shell)
    result = subprocess.run(["sh", "-c", app], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    # THEN it names the project's interpreter and says what to do, in one line
    assert app.endswith(".venv/bin/python app.py")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: .venv/bin/python is missing: run make bootstrap first"


@pytest.mark.slow
def test_pinned_cdk_cli_synthesizes_the_app(tmp_path: Path) -> None:
    """`cdk synth` with the pinned CLI reads the app's cloud assembly, applying a `-c` override."""
    # GIVEN the pinned CLI and a context override
    assert CDK_CLI.exists(), "run `make bootstrap` to install the pinned CDK CLI"
    env = {key: value for key, value in os.environ.items() if not key.startswith("CDK_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    # WHEN it synthesizes into a temporary folder
    result = subprocess.run(
        [str(CDK_CLI), "synth", "--quiet", "-o", str(tmp_path), "-c", "memory_retention_hours=48"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # THEN it succeeds and the template carries the override
    assert result.returncode == 0, result.stderr[-3000:]
    template = json.loads((tmp_path / "PipelineStack.template.json").read_text(encoding="utf-8"))
    tables = [r for r in template["Resources"].values() if r["Type"] == "AWS::Timestream::Table"]
    assert {t["Properties"]["RetentionProperties"]["MemoryStoreRetentionPeriodInHours"] for t in tables} == {
        "48"
    }
