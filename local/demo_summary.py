"""The demo's closing summary: one table per stage, then the first rows of one exported file."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from local import lake
from local.demo_stages import BackfillResult, ExportedHour, Generated
from local.esm import MappingStats
from local.query import query_rows
from local.resources import client
from local.table import render
from pipeline_config.local_state import LocalStackState
from pipeline_config.settings import Settings
from timestream_pipeline import names

# In the demo a host reports once a minute (one sample per 15 s bin); sensors report several times
# a minute, so their file shows distinct min/avg/max. The end-to-end test checks the percentiles.
PREVIEW_EXPORT = "sensor_readings"


def summary(
    settings: Settings,
    state: LocalStackState,
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
        role: query_rows(state.timestream_endpoint, f'SELECT count(*) FROM "{state.database}"."{table}"')[1][
            0
        ][0]
        for role, table in (("raw", state.raw_table), ("cep", state.cep_table))
    }
    by_reason = lake.reasons(quarantine)
    parts.append(
        render(
            ("mapping", "delivered", "invocations", "kept for replay", "Timestream rows"),
            [
                (role, s.records_succeeded, s.invocations, s.records_kept, int(counts[role]))
                for role, s in ingested.items()
            ],
            "2. Ingested (local event source mapping -> ingest Lambda -> local Timestream)",
        )
    )
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
                    e.run_state,
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
            ("DAG", "hour (UTC)", "runs planned by Airflow", "objects", "unchanged"),
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


def _preview(s3: Any, settings: Settings, state: LocalStackState, hour: datetime) -> str:
    prefix = names.export_partition_prefix(settings.export_prefix, PREVIEW_EXPORT, hour)
    files = lake.data_files(s3, state.bucket, prefix)
    if not files:
        return f"6. No data file under s3://{state.bucket}/{prefix}"
    table = lake.read_parquet(s3, state.bucket, files[0])
    rows = [list(row.values()) for row in table.slice(0, 5).to_pylist()]
    title = f"6. s3://{state.bucket}/{files[0]}\n   (the first 5 of {table.num_rows} rows)"
    return render(table.column_names, rows, title)
