"""The `unload` path through `dag.test()`: stage, promote by the manifest, always clean staging.

moto answers the UNLOAD statement (queued result naming the manifest) but cannot run it, so each test
first writes, through real S3 calls, what Timestream's UNLOAD leaves in the attempt's staging prefix:
data files, a manifest and a metadata file. The DAG then does everything else for real.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.dags import export_support as support
from tests.dags.unload_support import first_attempt_staging, parquet_bytes, stage_unload_output, unload_answer
from timestream_pipeline import names
from timestream_pipeline.unload import unload_statement

EXPORT = "cep_events"


@pytest.fixture
def cep_dag(dag_bag: Any) -> Any:
    """The cep_events export in the plain Parquet format (promoted files; Iceberg: test_export_iceberg)."""
    return support.plain_export_dag(EXPORT, "parquet")


@pytest.fixture
def lake(aws_default_conn: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    support.set_settings(monkeypatch)
    return support.create_bucket(aws_default_conn)


@pytest.fixture
def no_retries(cep_dag: Any) -> Any:
    saved = {task.task_id: task.retries for task in cep_dag.tasks}
    for task in cep_dag.tasks:
        task.retries = 0
    yield cep_dag
    for task in cep_dag.tasks:
        task.retries = saved[task.task_id]


def test_unload_promotes_the_manifest_files_and_removes_staging(
    lake: Any, aws_default_conn: str, cep_dag: Any
) -> None:
    """Staged files become part-0000N in the partition, the marker counts their rows, staging is gone."""
    # GIVEN Timestream's UNLOAD output for the hour in the attempt's staging prefix, plus a stray file
    staging = first_attempt_staging()
    files = {"b_part.parquet": parquet_bytes(2), "a_part.parquet": parquet_bytes(2)}
    manifest_uri = stage_unload_output(lake, staging, files)
    lake.put_object(Bucket=support.BUCKET, Key=staging + "results/partial_not_in_manifest", Body=b"x")
    statement = unload_statement(support.expected_sql(EXPORT), support.BUCKET, staging, "parquet")
    support.queue_query_results(aws_default_conn, {statement: unload_answer(manifest_uri)})
    # WHEN the hour is exported
    run = support.run_hour(cep_dag)
    # THEN the UNLOAD was sent to that staging prefix with the hour's SQL
    assert run.state == "success"
    assert support.unanswered_queries() == {}
    assert statement.startswith("UNLOAD (SELECT") and f"TO 's3://{support.BUCKET}/{staging}'" in statement
    # AND the manifest's files were promoted in URL order under fixed names, and nothing else
    prefix = support.partition_prefix(EXPORT)
    stored = support.objects(lake, prefix)
    assert sorted(stored) == [
        prefix + "_SUCCESS",
        prefix + "part-00000.parquet",
        prefix + "part-00001.parquet",
    ]
    assert stored[prefix + "part-00000.parquet"]["body"] == files["a_part.parquet"]
    assert support.marker(lake, prefix)["rows"] == 4
    # AND the staging area is empty
    assert support.objects(lake, f"{support.SETTINGS.export_prefix}/{names.STAGING_PREFIX}/") == {}


def test_a_failed_unload_cleans_staging_and_leaves_no_marker(
    lake: Any, aws_default_conn: str, no_retries: Any
) -> None:
    """An UNLOAD without a manifest is a failure: partial files are deleted and the hour is not marked."""
    # GIVEN partial UNLOAD output and an answer that names no manifest
    staging = first_attempt_staging()
    lake.put_object(Bucket=support.BUCKET, Key=staging + "results/partial.parquet", Body=b"partial")
    statement = unload_statement(support.expected_sql(EXPORT), support.BUCKET, staging, "parquet")
    support.queue_query_results(aws_default_conn, {statement: unload_answer(None)})
    # WHEN the hour is exported
    run = support.run_hour(no_retries)
    # THEN the run failed, staging is empty and there is no marker
    assert run.state == "failed"
    assert support.objects(lake, f"{support.SETTINGS.export_prefix}/") == {}
