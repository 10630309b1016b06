"""Every bench/ script still runs end to end and prints its figures (quick mode; timings never asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from pipeline_config.settings import REPO_ROOT

# script -> what its output must show: each figure next to its comparison, with the ratio and the load.
EXPECTED = {
    "ingest": [
        "devops_single",
        "handler:",
        "vs minimal handler",
        "vs decode floor",
        "WriteRecords calls per 1,000",
    ],
    "export": ["export path:", "vs awswrangler", "peak RSS", "DAG parse time"],
    "emulator": [
        "through the wire protocol",
        "vs DuckDB bulk insert",
        "through the server",
        "vs DuckDB directly",
    ],
    "load_generators": ["generated in memory", "records to moto", "PutRecords calls"],
    "backfill_dag_parse": ["DagBag import", "validate + build one request"],
    "end_to_end": ["records: up", "generator + PutRecords", "mapping + handler + Timestream", "a day"],
    "cep": ["CPU per invocation", "one item per sensor", "Managed Flink minimum"],
    "lake_export": ["parquet", "iceberg / parquet time"],
}
# Not figure scripts: the shared harness, the CPU-per-process sampler end_to_end uses, and the README's
# durations (it times make targets in a fresh clone for minutes; `make readme-figures`).
NOT_FIGURES = {"harness", "process_cpu", "readme_figures"}


def test_every_script_in_bench_has_its_expectations() -> None:
    """A new bench/ script is smoke-tested too (the shared harness is not a script)."""
    scripts = {path.stem for path in (REPO_ROOT / "bench").glob("*.py")} - NOT_FIGURES
    assert scripts == set(EXPECTED)


@pytest.fixture(scope="module")
def outputs() -> Iterator[dict[str, subprocess.CompletedProcess[str]]]:
    """All scripts at once in quick mode (they are independent processes); their exit and output."""
    environment = {**os.environ, "BENCH_QUICK": "1"}
    running = {
        name: subprocess.Popen(
            [sys.executable, str(REPO_ROOT / "bench" / f"{name}.py")],
            cwd=REPO_ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in EXPECTED
    }
    results = {}
    for name, process in running.items():
        stdout, stderr = process.communicate(timeout=300)
        results[name] = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    yield results


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_the_script_runs_and_prints_each_figure_with_its_comparison(
    script: str, outputs: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    """The quick run exits 0, says it is a smoke run, and prints every figure, ratio and load it promises."""
    result = outputs[script]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "QUICK MODE" in result.stdout
    missing = [text for text in EXPECTED[script] if text not in result.stdout]
    assert not missing, f"{script} no longer prints {missing}:\n{result.stdout}"
    assert "[load " in result.stdout
