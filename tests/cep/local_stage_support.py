"""Helpers of the local-stack CEP tests: the deployed mappings in small batches, each shard as it holds its
records, the stage's expected matches and the CEP table's rows."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from local.deployed_config import DeployedFunction, deployed_functions
from local.query import query_rows
from local.resources import client
from pipeline_config.local_state import LocalStackState
from timestream_cep.readings import sensor_reading
from timestream_cep.stage import CepStage

COLUMNS = (
    "sensor_id, to_milliseconds(time), non_errors, history, min_temperature, avg_temperature, "
    "max_temperature, elapsed"
)


def small_batches(batch_size: int) -> dict[str, DeployedFunction]:
    """The deployed functions, their mappings cut to batches of `batch_size` records."""
    return {
        role: replace(function, mapping=replace(function.mapping, batch_size=batch_size))
        for role, function in deployed_functions().items()
    }


def raw_shards(state: LocalStackState) -> dict[str, list[tuple[str, bytes]]]:
    """{shard id: [(sequence number, data)]} of the raw stream, in the order each shard holds them."""
    kinesis = client("kinesis", state.moto_endpoint)
    shards = {}
    for shard in kinesis.list_shards(StreamName=state.raw_stream)["Shards"]:
        iterator = kinesis.get_shard_iterator(
            StreamName=state.raw_stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records = kinesis.get_records(ShardIterator=iterator, Limit=10_000)["Records"]
        shards[shard["ShardId"]] = [(r["SequenceNumber"], r["Data"]) for r in records]
    return shards


def expected_per_shard(state: LocalStackState) -> list[dict[str, Any]]:
    """The stage run over each shard's sensor readings, in the order the shard holds them."""
    matches: list[dict[str, Any]] = []
    for records in raw_shards(state).values():
        readings = [sensor_reading(data, None) for _, data in records]
        matches += CepStage().process([r for r in readings if r is not None]).matches
    return matches


def cep_table(state: LocalStackState) -> list[dict[str, Any]]:
    sql = f'SELECT {COLUMNS} FROM "{state.database}"."{state.cep_table}"'
    _columns, rows = query_rows(state.timestream_endpoint, sql)
    return [
        {
            "sensor_id": row[0],
            "event_time": int(row[1]),
            "non_errors": int(row[2]),
            "history": row[3],
            "min_temperature": float(row[4]),
            "avg_temperature": float(row[5]),
            "max_temperature": float(row[6]),
            "elapsed": int(row[7]),
        }
        for row in rows
    ]
