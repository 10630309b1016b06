"""generators/flink/cep.sql states the same pattern as the Python stage, and the local run derives from it.

The differential run on Apache Flink is `make flink-test` (tests/flink); these checks need no Flink.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generators.flink.local_run import CEP_SQL, local_statements, statements
from timestream_cep import pattern
from timestream_cep.stage import OUT_OF_ORDERNESS_MS

SQL = CEP_SQL.read_text(encoding="utf-8")


def test_the_sql_pattern_window_and_watermark_are_the_stages_constants() -> None:
    """B{1,5}, WITHIN 1 minute and the 5-second watermark delay are the numbers the Lambda uses."""
    # GIVEN cep.sql / WHEN its pattern, window and watermark are read
    low, high = map(int, re.search(r"PATTERN \(A B\{(\d+),(\d+)\} C\)", SQL).groups())  # type: ignore[union-attr]
    minutes = int(re.search(r"WITHIN INTERVAL '(\d+)' MINUTE", SQL).group(1))  # type: ignore[union-attr]
    delay = int(re.search(r"ts - INTERVAL '(\d+)' SECOND", SQL).group(1))  # type: ignore[union-attr]
    # THEN they are the stage's
    assert (low, high) == (pattern.MIN_NON_ERRORS, pattern.MAX_NON_ERRORS)
    assert minutes * 60_000 == pattern.WITHIN_MS
    assert delay * 1000 == OUT_OF_ORDERNESS_MS
    assert "ORDER BY ts" in SQL and "AFTER MATCH SKIP PAST LAST ROW" in SQL


def test_the_sink_columns_are_the_fields_of_a_match_record() -> None:
    """cep_data's columns, in order, are what the stage puts on the CEP stream."""
    # GIVEN the sink's CREATE TABLE
    sink = next(s for s in statements(SQL) if s.startswith("CREATE TABLE cep_data"))
    # WHEN its column names are read
    columns = re.findall(r"^\s+(\w+)\s+[A-Z]", sink.split("WITH")[0], flags=re.MULTILINE)
    # THEN they are the match record's fields
    assert tuple(columns) == pattern.CEP_FIELDS


def test_the_local_run_changes_only_connector_options(tmp_path: Path) -> None:
    """The statements run on Flink are cep.sql's: only WITH options and the partitioning clause differ."""
    # GIVEN the statements derived for a file of readings
    local = local_statements(SQL, tmp_path / "readings.jsonl")
    shipped = statements(SQL)
    # THEN the INSERT is shipped verbatim and the DDL differs only in its WITH options / PARTITIONED BY
    assert local.insert in shipped and local.select in local.insert and "MATCH_RECOGNIZE" in local.select
    assert f"'path' = '{tmp_path / 'readings.jsonl'}'" in local.source_ddl
    assert "'connector' = 'kinesis'" not in local.source_ddl + local.sink_ddl
    source = next(s for s in shipped if s.startswith("CREATE TABLE sensor_data"))
    sink = next(s for s in shipped if s.startswith("CREATE TABLE cep_data"))
    assert local.source_ddl.split("WITH")[0].split() == source.split("WITH")[0].split()
    assert local.sink_ddl.split("WITH")[0].split() == sink.split("PARTITIONED BY")[0].split()


def test_a_sql_file_without_one_insert_is_refused_with_a_reason(tmp_path: Path) -> None:
    """A broken cep.sql is named, not run."""
    # GIVEN cep.sql without its INSERT / WHEN derived / THEN the error says what is missing
    without_insert = ";".join(s for s in statements(SQL) if not s.startswith("INSERT"))
    with pytest.raises(ValueError, match="exactly one INSERT INTO"):
        local_statements(without_insert, tmp_path / "r.jsonl")
