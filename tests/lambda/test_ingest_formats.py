"""Every seed format, through the real handler into moto's Timestream: table, dimensions, measures, types."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ingest_support import CEP_TABLE, Event, dimensions, load_event, measures, stored

from timestream_ingest import names

Invoke = Callable[[Event], dict[str, Any]]
NO_FAILURES: dict[str, list[Any]] = {"batchItemFailures": []}


def test_devops_single_measure_records_keep_their_dimensions_type_and_seconds(invoke: Invoke) -> None:
    """kinesis_ingestor's one-JSON-per-measure records: single-measure, every other key a dimension."""
    # GIVEN 20 metric and 5 event measures of two hosts, as kinesis_ingestor sends them
    event = load_event("devops_single")
    # WHEN the handler processes them
    response = invoke(event)
    # THEN all 25 are written with their 8 dimensions, declared types and the producer's time
    assert response == NO_FAILURES
    records = {(r["MeasureName"], dimensions(r)["instance_name"]): r for r in stored()}
    assert len(records) == 25
    cpu_user = records[("cpu_user", "i-zaZswmJk-apollo-0000.amazonaws.com")]
    assert set(dimensions(cpu_user)) == {
        "region", "cell", "silo", "availability_zone",
        "microservice_name", "instance_type", "os_version", "instance_name",
    }  # fmt: skip
    assert (cpu_user["MeasureValueType"], cpu_user["Time"], cpu_user["TimeUnit"]) == (
        "DOUBLE",
        "1617143893",
        "SECONDS",
    )
    task = records[("task_completed", "i-zaZswmJk-athena-0000.amazonaws.com")]
    assert measures(task) == {"task_completed": ("412", "BIGINT")}
    assert dimensions(task)["jdk_version"] == "JDK_8"


def test_devops_wide_json_becomes_one_multi_measure_record_per_object(invoke: Invoke) -> None:
    """The Flink generator's wide JSON becomes typed MULTI records metrics_record / events_record."""
    # GIVEN one wide metrics object (cpu_steal is -0.0) and one wide events object
    event = load_event("devops_wide")
    # WHEN the handler processes them
    response = invoke(event)
    # THEN each is one MULTI record; task_completed is BIGINT, task_end_state VARCHAR, the rest DOUBLE
    assert response == NO_FAILURES
    by_name = {r["MeasureName"]: r for r in stored()}
    assert set(by_name) == {names.DEVOPS_METRICS_RECORD, names.DEVOPS_EVENTS_RECORD}
    metrics = measures(by_name[names.DEVOPS_METRICS_RECORD])
    assert len(metrics) == 20 and {kind for _, kind in metrics.values()} == {"DOUBLE"}
    assert metrics["cpu_steal"] == ("0.0", "DOUBLE")
    assert by_name[names.DEVOPS_METRICS_RECORD]["TimeUnit"] == "SECONDS"
    events = measures(by_name[names.DEVOPS_EVENTS_RECORD])
    assert events["task_completed"] == ("412", "BIGINT")
    assert events["task_end_state"] == ("SUCCESS_WITH_RESULT", "VARCHAR")
    assert dimensions(by_name[names.DEVOPS_EVENTS_RECORD])["process_name"] == "server"


def test_sensor_readings_are_stored_as_the_seed_queries_expect(invoke: Invoke) -> None:
    """Sensor JSON keeps the seed layout: dims sensor_id+status, measure temperature DOUBLE, ms."""
    # GIVEN three sensor readings
    event = load_event("sensor")
    # WHEN the handler processes them
    response = invoke(event)
    # THEN each is one single-measure temperature record with the seed's dimensions
    assert response == NO_FAILURES
    records = sorted(stored(), key=lambda r: r["Time"])
    assert [(dimensions(r), measures(r), r["TimeUnit"]) for r in records[:1]] == [
        ({"sensor_id": "sensor-07", "status": "OK"}, {"temperature": ("42.0", "DOUBLE")}, "MILLISECONDS")
    ]
    assert len(records) == 3


def test_cep_matches_are_one_multi_measure_record_with_sensor_id_as_only_dimension(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CEP output goes to the CEP table as one typed MULTI record; history and non_errors are measures."""
    # GIVEN the function configured for the CEP table, and two CEP matches
    monkeypatch.setenv(names.ENV_TIMESTREAM_TABLE, CEP_TABLE)
    event = load_event("cep")
    # WHEN the handler processes them
    response = invoke(event)
    # THEN the CEP table holds one cep record per match, with BIGINT elapsed/non_errors
    assert response == NO_FAILURES
    assert stored() == []
    first = min(stored(CEP_TABLE), key=lambda r: r["Time"])
    assert first["MeasureName"] == names.CEP_MEASURE
    assert dimensions(first) == {"sensor_id": "sensor-07"}
    assert measures(first) == {
        "non_errors": ("3", "BIGINT"),
        "history": ("OK-WARNING-OK", "VARCHAR"),
        "min_temperature": ("41.0", "DOUBLE"),
        "avg_temperature": ("97.33", "DOUBLE"),
        "max_temperature": ("171.0", "DOUBLE"),
        "elapsed": ("4", "BIGINT"),
    }


def test_the_tutorials_own_test_event_is_written_as_an_alarm(invoke: Invoke) -> None:
    """The tutorial's test event (single base64, id with escaped bytes) becomes an Alarm VARCHAR record."""
    # GIVEN the test event printed in the tutorial, verbatim
    event = load_event("alarm_tutorial")
    # WHEN the handler processes it
    response = invoke(event)
    # THEN one Alarm record with the tutorial's dimensions and the producer's time
    assert response == NO_FAILURES
    (record,) = stored()
    assert dimensions(record) == {"Location": "BLOG", "Sensor": "Alarm"}
    assert measures(record) == {names.ALARM_MEASURE: ("Normal", "VARCHAR")}
    assert (record["Time"], record["TimeUnit"]) == ("1617143893158", "MILLISECONDS")


def test_generator_alarms_are_unwrapped_twice_and_survive_separators_inside_the_id(invoke: Invoke) -> None:
    """alarm_sensor.py's double-base64 lines parse even when the random id holds '=' and '||'."""
    # GIVEN two double-wrapped alarm lines whose id contains '=' and '||'
    event = load_event("alarm_generator")
    # WHEN the handler processes them
    response = invoke(event)
    # THEN both statuses are stored for Location TUTORIAL / Sensor Alarm-1
    assert response == NO_FAILURES
    statuses = sorted(measures(r)[names.ALARM_MEASURE][0] for r in stored())
    assert statuses == ["Alarm", "Elevated"]
    assert {tuple(dimensions(r).items()) for r in stored()} == {
        (("Location", "TUTORIAL"), ("Sensor", "Alarm-1"))
    }


def test_generic_form_infers_or_takes_types_and_carries_the_version(invoke: Invoke) -> None:
    """Generic form: one measure -> single record; several -> MULTI named measure_name, versioned."""
    # GIVEN a one-measure generic payload, and a multi-measure one with ISO time, types and version
    event = load_event("generic")
    # WHEN the handler processes them
    response = invoke(event)
    # THEN the first is a single DOUBLE record, the second a MULTI "climate" record with version 2
    assert response == NO_FAILURES
    by_name = {r["MeasureName"]: r for r in stored()}
    assert measures(by_name["humidity"]) == {"humidity": ("41.5", "DOUBLE")}
    assert dimensions(by_name["humidity"]) == {"site": "berlin", "floor": "3"}
    climate = by_name["climate"]
    assert measures(climate) == {
        "temperature": ("21.0", "DOUBLE"),
        "door_opens": ("12", "BIGINT"),
        "door_open": ("true", "BOOLEAN"),
        "mode": ("eco", "VARCHAR"),
    }
    assert (climate["Time"], climate["TimeUnit"], climate["Version"]) == ("1617143893158", "MILLISECONDS", 2)


def test_a_mixed_batch_is_written_whole_with_each_record_decoded_by_its_own_format(invoke: Invoke) -> None:
    """One batch holding every format: each record is recognised by its shape, all are written."""
    # GIVEN a DevOps single, a wide events object, a sensor reading, an alarm line, a generic payload
    event = load_event("mixed")
    # WHEN the handler processes it
    response = invoke(event)
    # THEN five records are written, one per format
    assert response == NO_FAILURES
    assert sorted(r["MeasureName"] for r in stored()) == sorted(
        [
            "cpu_user",
            names.DEVOPS_EVENTS_RECORD,
            names.SENSOR_TEMPERATURE_MEASURE,
            names.ALARM_MEASURE,
            "humidity",
        ]
    )
