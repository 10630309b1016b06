"""The ingest Lambda's cost per record: the deployed handler vs a minimal handler vs the decode-only floor.

    .venv/bin/python bench/ingest.py [--records 10000] [--quick]

Every variant gets the same Kinesis events (the generators' varied records, in invocations of the
configured batch size) and writes through a real boto3 timestream-write client whose HTTP send is
answered on botocore's `before-send` event: validation, serialization, endpoint discovery (one canned
DescribeEndpoints, then botocore's cache, as on AWS), signing and response parsing all run, as in
Lambda; only the socket is skipped (the canned answer does not even parse the request body).
- handler: `timestream_ingest.handler.handler`, configured by environment as the CDK app configures it
  (clients built by the handler itself, logs and metrics printed, here to /dev/null);
- minimal: what a careless handler does: decode each record, build the Timestream record, one
  WriteRecords per 100 records, no CommonAttributes, no accounting;
- floor: base64 and JSON (or alarm line) decoding of every record, nothing else.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import harness

harness.on_path("", "lambda/ingest")

from generators.alarms import AlarmOptions  # noqa: E402
from generators.devops import DevopsOptions  # noqa: E402
from generators.workloads import generate  # noqa: E402
from local.kinesis_event import LocalLambdaContext, payload_event  # noqa: E402
from pipeline_config import names as shared_names  # noqa: E402
from pipeline_config.settings import load_settings  # noqa: E402
from timestream_ingest import names  # noqa: E402

STREAM_ARN = f"arn:aws:kinesis:{shared_names.LOCAL_REGION}:{shared_names.LOCAL_ACCOUNT}:stream/bench"
WRITTEN = json.dumps({"RecordsIngested": {"Total": 100, "MemoryStore": 100, "MagneticStore": 0}}).encode()
DISCOVERED = {"Address": "ingest-cell1.timestream.us-east-1.amazonaws.com", "CachePeriodInMinutes": 1440}
ENDPOINTS = json.dumps({"Endpoints": [DISCOVERED]}).encode()
WORKLOADS = {  # format -> (workload, options, hours of history to start from)
    "devops_single": ("devops", DevopsOptions(), 2),
    "devops_wide": ("devops", DevopsOptions(format="wide"), 2),
    "sensor": ("sensors", None, 4),
    "cep": ("cep", None, 20),
    "alarm (double base64)": ("alarms", AlarmOptions(sensors=100), 4),
}


def payloads(workload: str, options: Any, hours: int, count: int) -> list[bytes]:
    start = datetime.now(UTC) - timedelta(hours=hours)
    records = list(generate(workload, seed=16, start=start, count=count, options=options))
    if records[-1].event_time_ms > datetime.now(UTC).timestamp() * 1000:
        raise SystemExit(f"{workload}: records reach into the future; start further back")
    return [record.data for record in records]


def events(data: list[bytes], batch_size: int) -> list[dict[str, Any]]:
    """Kinesis events as the mapping delivers them: `batch_size` records per invocation."""
    return [
        payload_event(data[start : start + batch_size], stream_arn=STREAM_ARN, first_sequence=10**20 + start)
        for start in range(0, len(data), batch_size)
    ]


def canned_aws() -> harness.CannedHTTP:
    """Answers WriteRecords (always accepted), endpoint discovery, and S3 (a quarantine write would be a
    benchmark bug)."""
    quarantined: list[str] = []

    def respond(operation: str, _: Any) -> tuple[int, bytes]:
        if operation == "WriteRecords":
            return 200, WRITTEN
        if operation == "DescribeEndpoints":
            return 200, ENDPOINTS
        quarantined.append(operation)
        return 200, b""

    canned = harness.CannedHTTP(respond, reads_body=False)
    canned.quarantined = quarantined  # type: ignore[attr-defined]
    return canned


def deployed_handler(canned: harness.CannedHTTP) -> Callable[[dict[str, Any]], Any]:
    """The Lambda entry point, its clients built by itself from the environment the CDK app sets
    (no endpoint URL: AWS's endpoints, timestream-write's found by endpoint discovery)."""
    os.environ.update(
        {
            names.ENV_TIMESTREAM_DATABASE: "bench",
            names.ENV_TIMESTREAM_TABLE: "bench",
            names.ENV_QUARANTINE_BUCKET: "bench",
            names.ENV_POWERTOOLS_SERVICE_NAME: names.SERVICE_NAME,
            names.ENV_POWERTOOLS_METRICS_NAMESPACE: names.METRICS_NAMESPACE,
        }
    )
    endpoints = (
        names.ENV_AWS_ENDPOINT_URL,
        names.ENV_AWS_ENDPOINT_URL_TIMESTREAM_WRITE,
        names.ENV_AWS_ENDPOINT_URL_S3,
    )
    for variable in endpoints:
        os.environ.pop(variable, None)
    fake = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench"}  # never sent: canned below
    boto3.setup_default_session(region_name="us-east-1", **fake)
    boto3.DEFAULT_SESSION.events.register("before-send", canned)  # clients made later inherit it
    from timestream_ingest import handler

    handler.reset()
    context = LocalLambdaContext("bench-ingest", "arn:aws:lambda:us-east-1:000000000000:function:b", 60)
    return lambda event: handler.handler(event, context)


def minimal_records(fmt: str, text: str) -> list[dict[str, Any]]:
    """A careless decoder: no validation, every record written on its own (no CommonAttributes)."""
    if fmt.startswith("alarm"):
        fields = dict(part.split("=", 1) for part in base64.b64decode(text).decode().split("||"))
        dims = [
            {"Name": "Location", "Value": fields["location"]},
            {"Name": "Sensor", "Value": fields["sensor"]},
        ]
        return [
            _single(dims, names.ALARM_MEASURE, fields["status"], "VARCHAR", fields["time"], "MILLISECONDS")
        ]
    doc = json.loads(text)
    if fmt == "devops_single":
        reserved = ("MeasureName", "MeasureValue", "MeasureValueType", "Time", "TimeUnit")
        dims = [{"Name": k, "Value": str(v)} for k, v in doc.items() if k not in reserved]
        value_type = doc.get("MeasureValueType", "DOUBLE")
        return [
            _single(dims, doc["MeasureName"], doc["MeasureValue"], value_type, doc["Time"], doc["TimeUnit"])
        ]
    if fmt == "sensor":
        dims = [{"Name": "sensor_id", "Value": doc["sensor_id"]}, {"Name": "status", "Value": doc["status"]}]
        temperature = str(float(doc["temperature"]))
        return [
            _single(
                dims,
                names.SENSOR_TEMPERATURE_MEASURE,
                temperature,
                "DOUBLE",
                doc["event_time"],
                "MILLISECONDS",
            )
        ]
    if fmt == "cep":
        types = {"non_errors": "BIGINT", "history": "VARCHAR", "elapsed": "BIGINT"}
        measures = {k: v for k, v in doc.items() if k not in ("sensor_id", "event_time")}
        dims = [{"Name": "sensor_id", "Value": doc["sensor_id"]}]
        return [_multi(dims, names.CEP_MEASURE, measures, types, doc["event_time"], "MILLISECONDS")]
    kind = doc.pop("@type")
    types = {"task_completed": "BIGINT", "task_end_state": "VARCHAR"}
    time = doc.pop("time")
    dims = [{"Name": k, "Value": v} for k, v in doc.items() if isinstance(v, str) and k not in types]
    measures = {k: v for k, v in doc.items() if k in types or not isinstance(v, str)}
    return [_multi(dims, f"{kind}_record", measures, types, time, "SECONDS")]


def _single(
    dims: list[dict[str, str]], name: str, value: Any, kind: str, time: Any, unit: str
) -> dict[str, Any]:
    return {"Dimensions": dims, "MeasureName": name, "MeasureValue": str(value), "MeasureValueType": kind,
            "Time": str(time), "TimeUnit": unit}  # fmt: skip


def _multi(dims: list[dict[str, str]], name: str, measures: dict[str, Any], types: dict[str, str],
           time: Any, unit: str) -> dict[str, Any]:  # fmt: skip
    values = [{"Name": k, "Value": str(v), "Type": types.get(k, "DOUBLE")} for k, v in measures.items()]
    return {"Dimensions": dims, "MeasureName": name, "MeasureValueType": "MULTI", "MeasureValues": values,
            "Time": str(time), "TimeUnit": unit}  # fmt: skip


def minimal_handler(fmt: str, client: Any) -> Callable[[dict[str, Any]], Any]:
    def handle(event: dict[str, Any]) -> dict[str, list[Any]]:
        records: list[dict[str, Any]] = []
        for record in event["Records"]:
            records += minimal_records(fmt, base64.b64decode(record["kinesis"]["data"]).decode())
        for start in range(0, len(records), 100):
            client.write_records(
                DatabaseName="bench", TableName="bench", Records=records[start : start + 100]
            )
        return {"batchItemFailures": []}

    return handle


def decode_floor(fmt: str) -> Callable[[dict[str, Any]], Any]:
    def decode(event: dict[str, Any]) -> None:
        for record in event["Records"]:
            data = base64.b64decode(record["kinesis"]["data"])
            if fmt.startswith("alarm"):
                base64.b64decode(data).decode().split("||")
            else:
                json.loads(data)

    return decode


# Lambda sends stdout to CloudWatch; here it goes to /dev/null, through one file kept open because
# Powertools' Logger holds on to the stdout it saw first.
QUIET = open(os.devnull, "w")


def rate(
    invoke: Callable[[dict[str, Any]], Any], batches: list[dict[str, Any]], records: int, repeats: int
) -> float:
    """Records per second over every invocation, median of `repeats` passes."""
    with contextlib.redirect_stdout(QUIET):
        timing = harness.time_runs(lambda: [invoke(event) for event in batches], repeats)
    return records / timing.median


def main(argv: list[str] | None = None) -> int:
    args = harness.parse_args(__doc__.splitlines()[0], argv)
    count = 1_000 if args.quick else 10_000
    repeats = 1 if args.quick else 5
    batch_size = load_settings().lambda_batch_size
    canned = canned_aws()
    handler = deployed_handler(canned)
    minimal_client = boto3.client("timestream-write")  # the careless default, canned by the session
    print(f"ingest: {count:,} generated records per format, invocations of {batch_size} (lambda_batch_size), "
          f"median of {repeats}; WriteRecords answered on botocore's before-send")  # fmt: skip
    for fmt, (workload, options, hours) in WORKLOADS.items():
        batches = events(payloads(workload, options, hours, count), batch_size)
        with contextlib.redirect_stdout(QUIET):
            handler(batches[0])  # the cold start: builds the clients, outside the timing
        calls_before = canned.calls
        product = rate(handler, batches, count, repeats)
        calls = (canned.calls - calls_before) / repeats
        minimal = rate(minimal_handler(fmt, minimal_client), batches, count, repeats)
        floor = rate(decode_floor(fmt), batches, count, repeats)
        harness.compare(
            harness.Figure(f"{fmt:<22} handler", product, "rec/s"),
            harness.Figure("minimal handler", minimal, "rec/s"),
            harness.Figure("decode floor", floor, "rec/s"),
        )
        print(f"{'':24} WriteRecords calls per 1,000 records: {1000 * calls / count:.1f} (the floor is 10)")
    if canned.quarantined:  # type: ignore[attr-defined]
        raise SystemExit(f"the handler quarantined records ({canned.quarantined[:3]}...): the input is wrong")  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
