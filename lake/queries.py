"""The lake's saved queries (Athena / Trino SQL): Athena named queries on AWS, `python -m local lake` locally.

Each takes the lake database's name, so the same text runs in the deployed workgroup and on the local
stack (which translates it to DuckDB with sqlglot).
"""

from __future__ import annotations

from dataclasses import dataclass

from lake.reference import CUSTOMER_DATA, SENSOR_MAPPING
from timestream_pipeline.exports import ExportSpec

SEED_JOIN_EXPORT = "sensor_readings"


@dataclass(frozen=True)
class SavedQuery:
    name: str
    description: str
    sql: str


def readings_per_customer_minute(database: str) -> SavedQuery:
    """The seed's join: the sensor export with the sensor-to-customer mapping and the customers."""
    readings = "(r.ok_count + r.warning_count + r.error_count)"
    sql = f"""SELECT
    c.customer_id,
    c.company_name,
    r.minute,
    count(DISTINCT r.sensor_id) AS sensors,
    sum({readings}) AS readings,
    sum(r.error_count) AS errors,
    round(sum(r.avg_temperature * {readings}) / sum({readings}), 2) AS avg_temperature,
    max(r.max_temperature) AS max_temperature
FROM "{database}"."{SEED_JOIN_EXPORT}" AS r
JOIN "{database}"."{SENSOR_MAPPING.name}" AS m ON m.sensor_id = r.sensor_id
JOIN "{database}"."{CUSTOMER_DATA.name}" AS c ON c.customer_id = m.customer_id
GROUP BY c.customer_id, c.company_name, r.minute
ORDER BY r.minute, c.customer_id"""
    return SavedQuery(
        name="readings_per_customer_minute",
        description="Readings, errors and temperature per customer and minute (the seed's join)",
        sql=sql,
    )


def hours_of_export(database: str, spec: ExportSpec) -> SavedQuery:
    """Rows per exported hour, newest first: which hours an export holds, and how full they are."""
    sql = f"""SELECT dt, hour, count(*) AS row_count
FROM "{database}"."{spec.name}"
GROUP BY dt, hour
ORDER BY dt DESC, hour DESC
LIMIT 48"""
    return SavedQuery(
        name=f"{spec.name}_hours",
        description=f"Rows per exported hour of {spec.name}, newest first",
        sql=sql,
    )


def saved_queries(database: str, exports: tuple[ExportSpec, ...]) -> list[SavedQuery]:
    """The seed's join (when its export is declared), then one query per export."""
    queries = [hours_of_export(database, spec) for spec in exports]
    if any(spec.name == SEED_JOIN_EXPORT for spec in exports):
        queries.insert(0, readings_per_customer_minute(database))
    return queries
