"""Raw Query responses conform to botocore's timestream-query model, member by member.

botocore's parser silently drops keys the model does not know, so a parsed response cannot show a
misspelt or misplaced member: these tests walk the emulator's raw JSON against the model itself.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.model import ListShape, Shape, StructureShape
from emulator_support import double_record, now_ms

from local.timestream.wire import dumps

SHAPES = {
    "scalars": "SELECT 1 AS i, BIGINT '2' AS b, 1.5E0 AS d, 'x' AS v, true AS t, NULL AS n, "
    "TIMESTAMP '2024-01-01 00:00:00' AS ts, DATE '2024-01-01' AS dt, TIME '01:02:03' AS tm",
    "intervals": "SELECT interval '1' day AS ds, interval '2' year AS ym",
    "arrays and rows": "SELECT ARRAY[1, NULL] AS a, ARRAY[ARRAY['p']] AS nested, "
    "CAST(ROW(1, 'x') AS ROW(id BIGINT, tag VARCHAR)) AS r, zip(ARRAY[1], ARRAY['a']) AS zipped",
    "time series": "SELECT CREATE_TIME_SERIES(t, v) AS doubles, CREATE_TIME_SERIES(t, s) AS strings "
    "FROM (VALUES (TIMESTAMP '2024-01-01 00:00:00', 1.5E0, 'OK')) AS x(t, v, s)",
}


def conforms(shape: Shape, value: Any, where: str = "response") -> None:
    """Assert that `value` has only the members, types and required members the model gives `shape`."""
    if isinstance(shape, StructureShape):
        assert isinstance(value, dict), f"{where}: expected an object, got {value!r}"
        unknown = set(value) - set(shape.members)
        assert not unknown, f"{where}: members {sorted(unknown)} are not in the model's {shape.name}"
        missing = set(shape.required_members) - set(value)
        assert not missing, f"{where}: required members {sorted(missing)} of {shape.name} are missing"
        for name, item in value.items():
            conforms(shape.members[name], item, f"{where}.{name}")
    elif isinstance(shape, ListShape):
        assert isinstance(value, list), f"{where}: expected a list, got {value!r}"
        for index, item in enumerate(value):
            conforms(shape.member, item, f"{where}[{index}]")
    else:
        expected = {"string": str, "boolean": bool, "double": (int, float), "long": int, "integer": int}
        assert isinstance(value, expected[shape.type_name]), f"{where}: {value!r} is not a {shape.type_name}"


def wire_response(server: Any, sql: str) -> dict[str, Any]:
    """The first page's body exactly as the server sends it, decoded as a client would."""
    return json.loads(dumps(server.service.query(sql)))


@pytest.fixture(scope="module")
def output_shape(query_client: Any) -> Shape:
    return query_client.meta.service_model.operation_model("Query").output_shape


@pytest.mark.parametrize("sql", SHAPES.values(), ids=SHAPES.keys())
def test_result_shapes_conform_to_the_model(server: Any, output_shape: Shape, sql: str) -> None:
    """Scalars of every type, intervals, arrays, rows and time series: only modelled members."""
    conforms(output_shape, wire_response(server, sql))


def test_catalog_statement_shapes_conform_to_the_model(
    server: Any, write_client: Any, output_shape: Shape, database: str, table: str
) -> None:
    """SHOW DATABASES / TABLES / MEASURES and DESCRIBE answers have the model's shapes too."""
    write_client.write_records(
        DatabaseName=database, TableName=table, Records=[double_record("h", 1, now_ms())]
    )
    for sql in (
        "SHOW DATABASES",
        f"SHOW TABLES FROM {database}",
        f"SHOW MEASURES FROM {database}.{table}",
        f"DESCRIBE {database}.{table}",
    ):
        conforms(output_shape, wire_response(server, sql), sql)


def test_time_series_column_and_points_have_the_services_types(server: Any) -> None:
    """The timeseries column is TimeSeriesMeasureValueColumnInfo of the value type; points are Time/Value."""
    response = wire_response(server, SHAPES["time series"])
    assert [c["Type"] for c in response["ColumnInfo"]] == [
        {"TimeSeriesMeasureValueColumnInfo": {"Type": {"ScalarType": "DOUBLE"}}},
        {"TimeSeriesMeasureValueColumnInfo": {"Type": {"ScalarType": "VARCHAR"}}},
    ]
    assert response["Rows"][0]["Data"] == [
        {"TimeSeriesValue": [{"Time": "2024-01-01 00:00:00.000000000", "Value": {"ScalarValue": "1.5"}}]},
        {"TimeSeriesValue": [{"Time": "2024-01-01 00:00:00.000000000", "Value": {"ScalarValue": "OK"}}]},
    ]
