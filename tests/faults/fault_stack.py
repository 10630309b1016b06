"""The local stack of a fault test: moto and a local Timestream that can stop and restart with its data.

Every record a test sends is counted at the end: stored in Timestream (distinct and in total, to
catch duplicates), quarantined (unique source records in the quarantine objects), kept for replay
(what `replay` would put back, the ledger applied) and lost (sent minus the three).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fault_proxy import Fault, write_records

from generators.kinesis_sink import KinesisSink
from generators.records import GeneratedRecord
from local import processes
from local.deployed_config import DeployedFunction, deployed_functions
from local.esm import LocalEventSourceMapping, MappingStats
from local.ingest import function_environment, open_mappings
from local.query import query_rows
from local.resources import client, provision
from local.timestream import TimestreamServer
from pipeline_config.local_state import LocalStackState
from pipeline_config.settings import load_settings
from replay.kept import KeptRecordsBucket
from replay.run import ReplayPlan, plan_replay
from timestream_ingest import names as ingest_names

PROBE = "faults"  # the `fault` dimension of every record the fault tests send


@dataclass(frozen=True)
class Accounting:
    """Every sent record's fate, as the pipeline reports it."""

    fault: str
    sent: int
    stored: int
    stored_rows: int
    quarantined: int
    kept: int

    @property
    def lost(self) -> int:
        return self.sent - self.stored - self.quarantined - self.kept

    @property
    def duplicates(self) -> int:
        return self.stored_rows - self.stored


class RestartableTimestream:
    """The local Timestream on a fixed port and a DuckDB file, so it can go down and come back."""

    def __init__(self, db_path: Path, s3_endpoint: str) -> None:
        self.db_path, self.s3_endpoint, self.port = db_path, s3_endpoint, processes.free_port()
        self._server: TimestreamServer | None = None
        self._lock = threading.Lock()
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self._lock:
            if self._server is None:
                self._server = TimestreamServer(
                    self.db_path, port=self.port, s3_endpoint_url=self.s3_endpoint
                )
                self._server.start()

    def stop(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.stop()
                self._server = None

    def outage(self, seconds: float) -> None:
        """Down now, back after `seconds` (with the data it had)."""
        self.stop()
        threading.Timer(seconds, self.start).start()


class FaultStack:
    """moto + a restartable local Timestream, provisioned as the CDK app deploys them."""

    def __init__(self, tmp_path: Path) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
        self.tmp_path = tmp_path
        self.settings = load_settings()
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.moto_endpoint = f"http://{host}:{port}"
        # moto's backends live in this process and outlive a server: start each test from empty ones.
        urllib.request.urlopen(urllib.request.Request(f"{self.moto_endpoint}/moto-api/reset", method="POST"))  # noqa: S310
        self.timestream = RestartableTimestream(tmp_path / "timestream.duckdb", self.moto_endpoint)
        self.state: LocalStackState = provision(
            self.settings, moto_endpoint=self.moto_endpoint, timestream_endpoint=self.timestream.url
        )
        self.s3 = client("s3", self.moto_endpoint)
        self.kinesis = client("kinesis", self.moto_endpoint)

    def close(self) -> None:
        self.timestream.stop()
        self._moto.stop()

    def send(self, payloads: list[bytes]) -> None:
        """PutRecords through the generators' sink, spread over the stream's shards by partition key."""
        records = [GeneratedRecord(data, f"key-{n}", 0, 0) for n, data in enumerate(payloads)]
        report = KinesisSink(self.kinesis, self.state.raw_stream).send(records)
        assert report.failed == 0, report.describe_failures()

    @contextmanager
    def mapping(
        self,
        *,
        timeout: float,
        record_age: float | None = None,
        timestream: str = "",
        s3: str = "",
        variables: dict[str, str] | None = None,
    ) -> Iterator[LocalEventSourceMapping]:
        """The raw mapping, deployed settings scaled to `timeout` (and `record_age`), endpoints as given."""
        function = _scaled(deployed_functions()["raw"], timeout, record_age)
        environment = function_environment(function, self.state) | (variables or {})
        environment[ingest_names.ENV_AWS_ENDPOINT_URL_TIMESTREAM_WRITE] = timestream or self.timestream.url
        environment[ingest_names.ENV_AWS_ENDPOINT_URL_S3] = s3 or self.moto_endpoint
        with open_mappings(
            self.state,
            self.tmp_path / "esm",
            functions={"raw": function},
            environment={"raw": environment},
            log_dir=self.tmp_path,
        ) as mappings:
            yield mappings["raw"]

    def account(self, fault: str, sent: int) -> Accounting:
        return count_fates(self.state, self.settings.quarantine_prefix, fault, sent)

    def timestream_down(self, *, after: int, seconds: float) -> Fault:
        """A proxy fault that stops the real local Timestream once `after` writes went through."""
        return Fault(
            "down",
            after=after,
            seconds=seconds,
            matches=write_records,
            on_start=lambda: self.timestream.outage(seconds),
        )

    def replay_plan(self) -> ReplayPlan:
        return plan_replay(KeptRecordsBucket(self.s3, self.state.kept_bucket))


def count_fates(state: LocalStackState, quarantine_prefix: str, fault: str, sent: int) -> Accounting:
    """Stored (distinct `n`, and rows), quarantined (unique source records), kept (to replay)."""
    table = f'"{state.database}"."{state.raw_table}"'
    _, rows = query_rows(state.timestream_endpoint, f"SELECT count(*), count(DISTINCT n) FROM {table}")
    s3 = client("s3", state.moto_endpoint)
    quarantined = set()
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=state.bucket, Prefix=quarantine_prefix + "/"
    ):
        for listed in page.get("Contents", []):
            body = s3.get_object(Bucket=state.bucket, Key=listed["Key"])["Body"].read()
            lines = [json.loads(line) for line in body.decode().splitlines()]
            quarantined |= {(line["shard_id"], line["sequence_number"]) for line in lines}
    kept = plan_replay(KeptRecordsBucket(s3, state.kept_bucket)).records_to_replay
    return Accounting(fault, sent, int(rows[0][1]), int(rows[0][0]), len(quarantined), kept)


def payloads(count: int, start: int = 0) -> list[bytes]:
    """Generic-form records, each with its own `n` dimension so that every one is countable."""
    now_ms = int(time.time() * 1000)
    return [
        json.dumps(
            {"time": now_ms - n, "dimensions": {"fault": PROBE, "n": n}, "measures": {"v": float(n)}}
        ).encode()
        for n in range(start, start + count)
    ]


def drain(mapping: LocalEventSourceMapping) -> MappingStats:
    return mapping.run_until_idle()


def _scaled(function: DeployedFunction, timeout: float, record_age: float | None) -> DeployedFunction:
    mapping = dataclasses.replace(
        function.mapping,
        timeout_seconds=timeout,
        max_record_age_seconds=function.mapping.max_record_age_seconds if record_age is None else record_age,
    )
    return dataclasses.replace(function, timeout_seconds=timeout, mapping=mapping)
