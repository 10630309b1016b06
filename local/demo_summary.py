"""The demo's closing summary: one table per stage, then the first rows of one exported file."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from generators.records import epoch_ms
from local import lake
from local.cep import ROLE as CEP_STAGE
from local.demo_data import Window
from local.demo_stages import BackfillResult, ExportedHour, Generated
from local.esm import MappingStats
from local.query import query_rows
from local.resources import client
from local.table import render
from pipeline_config.local_state import LocalStackState
from pipeline_config.settings import Settings
from timestream_pipeline import names
from timestream_pipeline.exports import load_exports

# In the demo a host reports once a minute (one sample per 15 s bin); sensors report several times
# a minute, so their file shows distinct min/avg/max. The end-to-end test checks the percentiles.
PREVIEW_EXPORT = "sensor_readings"


def summary(
    settings: Settings,
    state: LocalStackState,
    window: Window,
    generated: list[Generated],
    ingested: dict[str, MappingStats],
    quarantine: list[lake.QuarantinedRecord],
    exports: list[ExportedHour],
    backfill: BackfillResult,
) -> str:
    s3 = client("s3", state.moto_endpoint)
    parts = [
        render(
            ("workload", "stream", "records"),
            [(g.workload, g.stream, g.records) for g in generated],
            "1. Generated and sent to Kinesis",
        )
    ]
    counts = {
        role: _rows_in_window(state, table, window)
        for role, table in (("raw", state.raw_table), ("cep", state.cep_table))
    }
    counts[CEP_STAGE] = "-> CEP stream"
    by_reason = lake.reasons(quarantine)
    parts.append(
        render(
            (
                "mapping",
                "delivered",
                "filtered out",
                "invocations",
                "kept for replay",
                "Timestream rows in the window",
            ),
            [
                (role, s.records_succeeded, s.records_filtered, s.invocations, s.records_kept, counts[role])
                for role, s in ingested.items()
            ],
            "2. Ingested (local event source mappings -> ingest Lambda / CEP stage -> local Timestream)",
        )
    )
    parts.append(_cep_rows(state))
    examples = {q.reason: q.detail for q in quarantine}
    parts.append(
        render(
            ("reason", "records", "example"),
            [(reason, n, examples[reason][:90]) for reason, n in sorted(by_reason.items())],
            f"3. Quarantined (s3://{state.bucket}/{settings.quarantine_prefix}/...)",
        )
    )
    parts.append(
        render(
            ("export", "hour (UTC)", "run", "rows", "files"),
            [
                (
                    e.export,
                    f"{e.hour:%Y-%m-%d %H:00}",
                    "FAILED" if e.failed else e.run_state,
                    (e.marker or {}).get("rows", "-"),
                    len((e.marker or {}).get("files", [])),
                )
                for e in exports
            ],
            f"4. Exported (s3://{state.bucket}/{settings.export_prefix}/<export>/dt=.../hour=.../)",
        )
    )
    parts.append(
        render(
            ("DAG", "hour (UTC)", "runs planned by Airflow", "rows/objects", "unchanged"),
            [
                (
                    backfill.dag_id,
                    f"{backfill.hour:%Y-%m-%d %H:00}",
                    ", ".join(backfill.planned),
                    backfill.objects,
                    "yes" if backfill.unchanged else "NO",
                )
            ],
            "5. Backfill (conf validated by the backfill DAG's rules, runs planned by Airflow, re-exported)",
        )
        + f"\n   a malicious conf is refused before anything runs: {backfill.refused_example}"
    )
    parts.append(_preview(s3, settings, state, backfill.hour))
    return "\n\n".join(parts)


def _cep_rows(state: LocalStackState) -> str:
    """The first CEP matches the CEP stage found in the sensor readings, as the CEP table holds them."""
    sql = (
        "SELECT sensor_id, time, non_errors, history, min_temperature, avg_temperature, max_temperature, "
        f'elapsed FROM "{state.database}"."{state.cep_table}" ORDER BY time, sensor_id LIMIT 5'
    )
    columns, rows = query_rows(state.timestream_endpoint, sql)
    title = "2b. CEP rows the CEP stage derived from the sensor readings (first 5, from the CEP table)"
    return render(columns, rows, title)


def _rows_in_window(state: LocalStackState, table: str, window: Window) -> int:
    """Rows of the demo's hours only: the stack keeps the data of earlier runs."""
    sql = (
        f'SELECT count(*) FROM "{state.database}"."{table}" '
        f"WHERE time >= from_milliseconds({epoch_ms(window.start)}) "
        f"AND time < from_milliseconds({epoch_ms(window.end)})"
    )
    return int(query_rows(state.timestream_endpoint, sql)[1][0][0])


def _preview(s3: Any, settings: Settings, state: LocalStackState, hour: datetime) -> str:
    spec = next(spec for spec in load_exports() if spec.name == PREVIEW_EXPORT)
    rows = lake.hour_rows(s3, state, settings.export_prefix, spec, hour)
    prefix = names.export_partition_prefix(settings.export_prefix, PREVIEW_EXPORT, hour)
    where = f"s3://{state.bucket}/{prefix}"
    if spec.is_iceberg:
        where = f"Iceberg table {names.lake_database_name(state.database)}.{spec.name}, hour {prefix}"
    if not rows:
        return f"6. No rows exported in {where}"
    title = f"6. {where}\n   (the first 5 of {len(rows)} rows)"
    return render(list(rows[0]), [list(row.values()) for row in rows[:5]], title)
