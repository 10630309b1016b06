"""Run generators/flink/cep.sql on a local Apache Flink over readings from a JSON-lines file.

    .venv-flink/bin/python generators/flink/local_run.py readings.jsonl   # one match per output line

The statements are cep.sql's own; only what ties them to Kinesis changes, mechanically:
- each table's WITH (...) options: the source reads the file (filesystem connector, JSON format,
  as the Kinesis source reads JSON), the sink is a blackhole used to validate the INSERT's types;
- PARTITIONED BY is dropped (it picks the Kinesis partition key; a file and a blackhole have none).
The MATCH_RECOGNIZE query (the INSERT's SELECT) runs unchanged and its rows are printed.
The job runs in streaming mode with parallelism 1 and a watermark after every row
(`pipeline.auto-watermark-interval` 0): a file read in order is then one Kinesis shard, and which
readings are late is decided by the data alone, as in the CEP Lambda.

Runs in the Flink virtualenv (`make flink-test` builds it); needs only the standard library and pyflink.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

CEP_SQL = Path(__file__).resolve().parent / "cep.sql"
_WITH_CLAUSE = re.compile(r"\bWITH\s*\((?:[^()']|'[^']*')*\)\s*$", re.IGNORECASE)
_PARTITIONED_BY = re.compile(r"\bPARTITIONED\s+BY\s*\([^)]*\)\s*", re.IGNORECASE)
_INSERT_INTO = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)\s+", re.IGNORECASE)
_CREATE_TABLE = re.compile(r"^\s*CREATE\s+TABLE\s+(\w+)", re.IGNORECASE)


@dataclass(frozen=True)
class LocalStatements:
    """cep.sql retargeted at a file: the two CREATE TABLEs, the INSERT, and the INSERT's SELECT."""

    source_ddl: str
    sink_ddl: str
    insert: str
    select: str


def statements(sql: str) -> list[str]:
    """The file's statements, comments removed."""
    without_comments = re.sub(r"--[^\n]*", "", sql)
    return [part.strip() for part in without_comments.split(";") if part.strip()]


def local_statements(sql: str, source_path: Path) -> LocalStatements:
    """cep.sql's statements with the Kinesis options swapped for a file source and a blackhole sink."""
    parts = statements(sql)
    inserts = [s for s in parts if _INSERT_INTO.match(s)]
    if len(inserts) != 1:
        raise ValueError(f"cep.sql must hold exactly one INSERT INTO, found {len(inserts)}")
    insert = inserts[0]
    sink_name = _INSERT_INTO.match(insert).group(1)  # type: ignore[union-attr]
    tables = {_CREATE_TABLE.match(s).group(1): s for s in parts if _CREATE_TABLE.match(s)}  # type: ignore[union-attr]
    sources = [ddl for name, ddl in tables.items() if name != sink_name]
    if sink_name not in tables or len(sources) != 1:
        raise ValueError(f"cep.sql must create the sink {sink_name} and exactly one source table")
    file_options = f"'connector' = 'filesystem', 'path' = '{source_path}', 'format' = 'json'"
    return LocalStatements(
        source_ddl=_with_options(_PARTITIONED_BY.sub("", sources[0]), file_options),
        sink_ddl=_with_options(_PARTITIONED_BY.sub("", tables[sink_name]), "'connector' = 'blackhole'"),
        insert=insert,
        select=_INSERT_INTO.sub("", insert, count=1),
    )


def _with_options(ddl: str, options: str) -> str:
    replaced, count = _WITH_CLAUSE.subn(f"WITH ({options})", ddl)
    if count != 1:
        raise ValueError(f"no WITH (...) clause at the end of: {ddl[:60]}...")
    return replaced


def run(readings_path: Path) -> list[dict[str, object]]:
    """The matches Flink finds in the file's readings, in the order Flink emits them."""
    from pyflink.table import EnvironmentSettings, TableEnvironment

    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("parallelism.default", "1")
    env.get_config().set("pipeline.auto-watermark-interval", "0")
    local = local_statements(CEP_SQL.read_text(encoding="utf-8"), readings_path)
    env.execute_sql(local.source_ddl)
    env.execute_sql(local.sink_ddl)
    env.explain_sql(local.insert)  # plans the INSERT as shipped: its columns and types fit the sink
    result = env.execute_sql(local.select)
    columns = result.get_table_schema().get_field_names()
    with result.collect() as rows:
        return [dict(zip(columns, row, strict=True)) for row in rows]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: local_run.py READINGS.jsonl", file=sys.stderr)
        return 2
    path = Path(argv[0]).resolve()
    if not path.is_file():
        print(f"error: {path} is not a file of JSON readings, one per line", file=sys.stderr)
        return 2
    for match in run(path):
        print(json.dumps(match, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
