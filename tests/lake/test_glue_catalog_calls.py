"""The MWAA policy's Iceberg statements grant exactly the Glue calls pyiceberg's Glue catalog makes when
the export DAG creates a table, commits hours and expires snapshots (recorded against moto's Glue)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from lake_support import SPEC, Lake, readings

from infra.mwaa_access import ICEBERG_DATABASE_ACTIONS, ICEBERG_TABLE_ACTIONS
from local.lake_catalog import file_properties
from timestream_pipeline import names
from timestream_pipeline.iceberg_catalog import open_catalog
from timestream_pipeline.iceberg_export import write_hour
from timestream_pipeline.iceberg_maintenance import expire_snapshots, s3_deleter
from timestream_pipeline.iceberg_table import ensure_table


def test_the_granted_glue_actions_are_exactly_the_calls_of_an_export_and_its_maintenance(
    lake: Lake, moto_s3: str, monkeypatch: Any
) -> None:
    """Create, two commits of an hour, expiry: the operations seen are the granted actions, no more."""
    # GIVEN the lake database in (moto's) Glue (the fixture's), and the DAG's catalog as MWAA opens it
    for key in [k for k in os.environ if k.startswith("PYICEBERG_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{names.DEFAULT_AWS_CONN_ID.upper()}",
        _connection(moto_s3),
    )
    catalog = open_catalog(names.DEFAULT_AWS_CONN_ID)
    calls: list[str] = []
    catalog.glue.meta.events.register("before-call.glue", lambda model, **_: calls.append(model.name))
    # WHEN the export creates its table, commits an hour twice and expires the old snapshots
    location = names.export_table_location(Lake.BUCKET, Lake.PREFIX, SPEC.name)
    table = ensure_table(catalog, Lake.NAMESPACE, SPEC, location)
    hour = datetime(2026, 11, 22, 9, tzinfo=UTC)
    for version in (1.0, 2.0):
        batches = iter(readings(5, version))
        write_hour(table, lake.s3, lake.partition(), batches, spec=SPEC, hour_start=hour, summary={})
    expiry = expire_snapshots(table, s3_deleter(lake.s3), now=datetime.now(UTC) + timedelta(days=2))
    # THEN it worked through Glue, and its calls are exactly the policy's Iceberg actions
    assert type(catalog).__name__ == "GlueCatalog" and expiry.expired_snapshots >= 1
    granted = {action.removeprefix("glue:") for action in ICEBERG_DATABASE_ACTIONS + ICEBERG_TABLE_ACTIONS}
    assert set(calls) == granted


def _connection(endpoint: str) -> str:
    """An `aws` connection routing S3 and Glue to moto, with the local stack's fake keys."""
    properties = file_properties(endpoint)
    extra = {
        "region_name": properties["s3.region"],
        "service_config": {"s3": {"endpoint_url": endpoint}, "glue": {"endpoint_url": endpoint}},
    }
    return json.dumps(
        {
            "conn_type": "aws",
            "login": properties["s3.access-key-id"],
            "password": properties["s3.secret-access-key"],
            "extra": extra,
        }
    )
