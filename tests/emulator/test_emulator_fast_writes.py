"""WriteRecords' fast path (new_points.py) answers and stores exactly what the rules alone (writes.py) do.

Every request goes, as raw HTTP, to two emulators on one fixed clock: one as it ships (the usual call
takes the fast path) and one with `fast_writes=False` (every call through RecordWriter). Each answer
(status and body), every stored row (internal columns included) and the tables' schemas must be equal.
The requests cover the calls the fast path takes and each reason it hands a call to the rules.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from http.client import HTTPConnection
from typing import Any

import pytest

from local.timestream import TimestreamServer
from local.timestream.storage import data_table

NOW_NS = 1_780_000_000_123_456_789  # the clock of both emulators
NOW_MS = NOW_NS // 1_000_000
DB = "fast_db"
TABLES = ("fast_table", "magnetic_table")
HEADERS = {"X-Amz-Target": "Timestream_20181101.WriteRecords", "Content-Type": "application/x-amz-json-1.0"}


def _post(server: TimestreamServer, target: str, body: bytes) -> tuple[int, Any]:
    host, port = server.url.removeprefix("http://").split(":")
    connection = HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("POST", "/", body, {**HEADERS, "X-Amz-Target": target})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[TimestreamServer, TimestreamServer]]:
    servers = (
        TimestreamServer(clock_ns=lambda: NOW_NS),
        TimestreamServer(clock_ns=lambda: NOW_NS, fast_writes=False),
    )
    for server in servers:
        server.start()
        _post(server, "Timestream_20181101.CreateDatabase", json.dumps({"DatabaseName": DB}).encode())
        for name, magnetic in zip(TABLES, (False, True), strict=True):
            table = {
                "DatabaseName": DB,
                "TableName": name,
                "RetentionProperties": {
                    "MemoryStoreRetentionPeriodInHours": 24,
                    "MagneticStoreRetentionPeriodInDays": 30,
                },
                "MagneticStoreWriteProperties": {"EnableMagneticStoreWrites": magnetic},
            }
            _post(server, "Timestream_20181101.CreateTable", json.dumps(table).encode())
    yield servers
    for server in servers:
        server.stop()


def record(host: str, measure: str = "cpu", value: str = "1.5", ago_ms: int = 60_000, **fields: Any) -> dict:
    return {
        "Dimensions": [{"Name": "host", "Value": host}, {"Name": "region", "Value": "eu-west-1"}],
        "MeasureName": measure,
        "MeasureValue": value,
        "MeasureValueType": "DOUBLE",
        "Time": str(NOW_MS - ago_ms),
        **fields,
    }


def call(records: Any, table: str = TABLES[0], **request: Any) -> bytes:
    return json.dumps({"DatabaseName": DB, "TableName": table, "Records": records, **request}).encode()


def fleet(ago_ms: int, hosts: int = 5, measures: int = 20, value: str = "1.5") -> list[dict]:
    return [record(f"h{h}", f"m{m}", value, ago_ms) for h in range(hosts) for m in range(measures)]


def _dims(*names: str) -> list[dict[str, str]]:
    return [{"Name": name, "Value": "v"} for name in names]


def _cases() -> list[tuple[str, bytes]]:
    """(what, body): in order, since later calls meet what earlier ones stored."""
    typed = [
        record("t1", "count", "42", MeasureValueType="BIGINT"),
        record("t1", "state", "running", MeasureValueType="VARCHAR"),
        record("t1", "up", "true", MeasureValueType="BOOLEAN"),
        record("t1", "seen", str(NOW_MS - 5), MeasureValueType="TIMESTAMP"),
    ]
    common = {"Dimensions": [{"Name": "region", "Value": "eu-west-1"}], "Time": str(NOW_MS - 50_000)}
    own_host = [{"Name": "host", "Value": "c1"}]
    cases = [
        ("first call: new columns", call(fleet(90_000))),
        ("a fleet's next points", call(fleet(80_000))),
        (
            "CommonAttributes",
            call(
                [{"Dimensions": own_host, "MeasureName": f"m{m}", "MeasureValue": "2"} for m in range(20)],
                CommonAttributes=common,
            ),
        ),
        (
            "null overrides CommonAttributes",
            call(
                [{**record("n1"), "MeasureValueType": None}], CommonAttributes={"MeasureValueType": "BIGINT"}
            ),
        ),
        ("CommonAttributes null", call([record("n2")], CommonAttributes=None)),
        (
            "every field from CommonAttributes",
            call(
                [{"Dimensions": [{"Name": "host", "Value": f"a{n}"}]} for n in range(5)],
                CommonAttributes={
                    **record("unused", "m1", "3.25", 45_000),
                    "Dimensions": _dims("region"),
                    "Version": 2,
                    "TimeUnit": "MILLISECONDS",
                },
            ),
        ),
        (
            "default type",
            call([{k: v for k, v in record(f"dt{n}").items() if k != "MeasureValueType"} for n in range(3)]),
        ),
        ("CommonAttributes []", call([record("n3")], CommonAttributes=[])),
        ("scalar types, new measures", call(typed)),
        ("scalar types again", call([{**r, "Time": str(NOW_MS - 30_000)} for r in typed])),
        (
            "time units",
            call(
                [
                    record("u1", Time=str(NOW_MS // 1000 - 10), TimeUnit="SECONDS"),
                    record("u1", Time=str((NOW_MS - 20_000) * 1000), TimeUnit="MICROSECONDS"),
                    record("u1", Time=str((NOW_MS - 30_000) * 10**6), TimeUnit="NANOSECONDS"),
                ]
            ),
        ),
        (
            "time units again",
            call(
                [
                    record("u1", Time=str(NOW_MS // 1000 - 5), TimeUnit="SECONDS"),
                    record("u2", Time=str((NOW_MS - 2_000) * 1000), TimeUnit="MICROSECONDS"),
                ]
            ),
        ),
        ("identical re-send", call(fleet(80_000))),
        ("different value re-sent", call(fleet(80_000, value="9.5"))),
        ("version 2 upsert", call([{**r, "Version": 2} for r in fleet(80_000, value="9.5", hosts=2)])),
        ("versions 3", call([{**r, "Version": 3} for r in fleet(70_000, hosts=2)])),
        ("duplicate in a call, same value", call([record("d1"), record("d1")])),
        ("duplicate in a call, other value", call([record("d2"), record("d2", value="2.5")])),
        ("out of order in a series", call([record("o1", ago_ms=10_000), record("o1", ago_ms=20_000)])),
        ("older point of a known series", call([record("h0", "m0", ago_ms=85_000)])),
        ("measure of another type", call([record("h9", "m0", "7", MeasureValueType="BIGINT")])),
        ("new measure name, known columns", call([record("h9", "brand_new")])),
        ("dimension differing in case", call([{**record("k1"), "Dimensions": _dims("HOST")}])),
        (
            "new dimension",
            call([{**record("k2"), "Dimensions": [*_dims("rack"), *record("k2")["Dimensions"]]}]),
        ),
        ("magnetic table, old and new", call([record("g1", ago_ms=2 * 86_400_000), record("g1")], TABLES[1])),
        ("magnetic table again", call([record("g1", ago_ms=2 * 86_400_000 - 5), record("g2")], TABLES[1])),
        (
            "late points of new series",
            call([record(f"g{n}", ago_ms=n * 86_400_000) for n in range(3, 6)], TABLES[1]),
        ),
        (
            "non-ASCII dimension",
            call([{**record("x"), "Dimensions": [{"Name": "host", "Value": "hôte-😀"}]}]),
        ),
        ("unknown fields", call([{**record("uf"), "Extra": {"a": [1]}}], Unknown=1)),
        (
            "MULTI",
            call(
                [
                    {
                        **record("mm"),
                        "MeasureValueType": "MULTI",
                        "MeasureValue": None,
                        "MeasureValues": [{"Name": "a", "Value": "1", "Type": "DOUBLE"}],
                    }
                ]
            ),
        ),
        ("0 records", call([])),
        ("101 records", call(fleet(1000, hosts=6, measures=17)[:101])),
        ("records not a list", call({"a": 1})),
        ("record not an object", call(["x"])),
        (
            "overlapping CommonAttributes",
            call([record("ov")], CommonAttributes={"Dimensions": _dims("host")}),
        ),
        ("unknown MeasureValueType", call([record("bt", MeasureValueType="FLOAT")])),
        ("unknown TimeUnit", call([record("bu", TimeUnit="DAYS")])),
        ("missing DatabaseName", json.dumps({"TableName": TABLES[0], "Records": [record("md")]}).encode()),
        ("unknown table", call([record("ut")], table="no_such_table")),
        ("not JSON", b'{"DatabaseName": '),
        ("a JSON array", b"[1, 2]"),
        ("UTF-8 BOM", b"\xef\xbb\xbf" + call([record("bom")])),
        ("Infinity literal", call([record("inf")])[:-1] + b', "Version": Infinity}'),
        ("repeated key", call([record("rk")])[:-1] + b', "TableName": "magnetic_table"}'),
        ("lone surrogate", call([record("ls")]).replace(b'"ls"', b'"l\\ud800"')),
        ("empty body", b""),
    ]
    bad_fields: list[dict[str, Any]] = [
        {"MeasureValue": "-0.0"},
        {"MeasureValue": "NaN"},
        {"MeasureValue": "abc"},
        {"MeasureValue": "1e400"},
        {"MeasureValue": None},
        {"MeasureValue": 1.5},
        {"MeasureValue": " 1_0 "},
        {"MeasureValues": [{"Name": "a", "Value": "1", "Type": "DOUBLE"}]},
        {"Version": 0},
        {"Version": True},
        {"Version": "2"},
        {"Version": 2**63},
        {"Version": 1.0},
        {"Time": int(NOW_MS)},
        {"Time": "1.5"},
        {"Time": None},
        {"Time": str(NOW_MS - 30 * 86_400_000)},
        {"Time": str(NOW_MS + 3_600_000)},
        {"Time": f" {NOW_MS - 5} "},
        {"MeasureName": ""},
        {"MeasureName": None},
        {"MeasureName": "time"},
        {"MeasureName": "x" * 300},
        {"MeasureName": ["m"]},
        {"Dimensions": _dims("time")},
        {"Dimensions": _dims("measure_value::x")},
        {"Dimensions": _dims("host", "host")},
        {"Dimensions": [{"Name": "host", "Value": 5}]},
        {"Dimensions": [{"Value": "v"}]},
        {"Dimensions": [{"Name": "host", "Value": "v", "DimensionValueType": "BIGINT"}]},
        {"Dimensions": [{"Name": "host", "Value": "v", "DimensionValueType": "VARCHAR"}]},
        {"Dimensions": [{"Name": "host", "Value": "v" * 2049}]},
        {"Dimensions": _dims(*[f"d{i}" for i in range(129)])},
        {"Dimensions": None},
        {"Dimensions": {"Name": "host"}},
        {"MeasureValueType": None},
        {"TimeUnit": None},
    ]
    for number, fields in enumerate(bad_fields):
        good = [record(f"b{number}-{i}", ago_ms=40_000) for i in range(3)]
        cases.append(
            (f"one bad record {fields}"[:80], call([good[0], record(f"b{number}", **fields), *good[1:]]))
        )
    return cases + _random_calls(random.Random(16))


def _random_calls(rng: random.Random) -> list[tuple[str, bytes]]:
    """Varied calls, mostly of newer points: re-sends, other values and versions, mixed types, a bad field."""
    calls: list[tuple[str, bytes]] = []
    for number in range(60):
        if calls and rng.random() < 0.15:  # a re-send, at times with other values
            body = rng.choice(calls)[1]
            calls.append(
                (f"random re-send {number}", body.replace(b'"1', b'"2') if rng.random() < 0.5 else body)
            )
            continue
        records = []
        for _ in range(rng.randint(1, 100)):
            kind = rng.choice(["DOUBLE", "DOUBLE", "BIGINT", "VARCHAR"])
            value = {
                "DOUBLE": f"{rng.uniform(-5, 5):.3f}",
                "BIGINT": str(rng.randint(-9, 9)),
                "VARCHAR": "s",
            }[kind]
            fields: dict[str, Any] = {"MeasureValueType": kind}
            if rng.random() < 0.1:
                fields["Version"] = rng.randint(1, 3)
            if rng.random() < 0.03:
                fields.update(rng.choice([{"MeasureValue": "NaN"}, {"Time": "x"}, {"MeasureName": "time"}]))
            name = f"r{kind.lower()}{rng.randint(0, 4)}"
            ago_ms = 1000 * (100 - number) + rng.randint(0, 999)
            records.append(record(f"rh{rng.randint(0, 30)}", name, value, ago_ms, **fields))
        common = {"Dimensions": _dims("rack")} if rng.random() < 0.3 else None
        calls.append((f"random call {number}", call(records, CommonAttributes=common)))
    return calls


def _stored(server: TimestreamServer) -> dict[str, Any]:
    catalog = server.service.catalog
    stored: dict[str, Any] = {}
    for name in TABLES:
        table = catalog.table(DB, name)
        _, _, rows = server.service.storage.run_query(f"SELECT * FROM {data_table(table.storage_id)}")
        schema = (list(table.columns.items()), list(table.measure_types.items()))
        stored[name] = (schema, sorted(map(repr, rows.to_pylist())))
    return stored


def test_every_call_is_answered_and_stored_as_the_rules_alone_do(
    pair: tuple[TimestreamServer, TimestreamServer],
) -> None:
    # GIVEN an emulator as it ships and one with the rules alone, on the same clock
    shipped, rules = pair
    for what, body in _cases():
        # WHEN each call is posted to both
        answers = [_post(server, HEADERS["X-Amz-Target"], body) for server in pair]
        # THEN both answer the same, and hold the same rows after it
        assert answers[0] == answers[1], what
    assert _stored(shipped) == _stored(rules)
    # AND the fast path stored the usual calls (the first with new columns went through the rules)
    assert shipped.new_points is not None and rules.new_points is None
    assert shipped.new_points.stored_calls >= 30
