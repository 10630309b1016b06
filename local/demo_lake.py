"""The demo's last stage: the seed's join (readings per customer and minute) over the lake it just filled."""

from __future__ import annotations

from typing import Any

from lake.queries import readings_per_customer_minute
from local.lake_catalog import lake_database
from local.lake_query import run
from local.table import render
from pipeline_config.local_state import LocalStackState
from pipeline_config.settings import Settings

SHOWN_ROWS = 10


def seed_join(settings: Settings, state: LocalStackState, progress: Any) -> str:
    """Run the saved query on the local lake (DuckDB over the Iceberg export and the reference CSVs)."""
    query = readings_per_customer_minute(lake_database(state))
    progress(f"lake: {query.name} (Athena SQL, run by DuckDB over the local lake) ...")
    columns, rows = run(state, settings.export_prefix, query.sql)
    progress(f"  {len(rows)} rows")
    title = (
        f"7. {query.description}: `make lake` (or `.venv/bin/python -m local lake`) over the lake\n"
        f"   (the last {min(SHOWN_ROWS, len(rows))} of {len(rows)} rows; the SQL is the Athena named query)"
    )
    return render(columns, rows[-SHOWN_ROWS:], title)
