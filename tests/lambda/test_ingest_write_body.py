"""The handler's WriteRecords bodies (write_body.py) are the bodies botocore's serializer builds.

Both clients are real botocore clients built the way the handler builds its write client; the HTTP
send is answered on `before-send`, after signing, so what is compared is what would go on the wire.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.config import Config
from botocore.credentials import Credentials

from generators.alarms import AlarmOptions
from generators.devops import DevopsOptions
from generators.workloads import generate
from timestream_ingest import write_body
from timestream_ingest.batching import Batch, PendingRecord, plan_batches
from timestream_ingest.decoders import decode_payload
from timestream_ingest.write_call import WRITTEN, write_records

REGION, KEY, SECRET = "us-east-1", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
ACCEPTED = json.dumps({"RecordsIngested": {"Total": 1, "MemoryStore": 1, "MagneticStore": 0}}).encode()
WORKLOADS = {
    "devops_single": ("devops", DevopsOptions(), 2),
    "devops_wide": ("devops", DevopsOptions(format="wide"), 2),
    "sensor": ("sensors", None, 4),
    "cep": ("cep", None, 20),
    "alarm": ("alarms", AlarmOptions(sensors=20), 4),
}
# The generic form with what the generators never send: a Version (an integer on the wire),
# non-ASCII text (escaped as \\u in JSON) and characters JSON must escape.
GENERIC = [
    {
        "time": 1_714_564_800_000 + n,
        "dimensions": {"site": 'Zürich "Nord"', "line": f"L{n % 3}\\{n}"},
        "measures": {"temperature": 21.5 + n, "state": "ok\tñ", "door": {"value": n, "type": "BIGINT"}},
        "version": n + 1,
    }
    for n in range(150)
]


class _Wire:
    """A `before-send` handler: keeps each signed request and answers it as Timestream would."""

    def __init__(self) -> None:
        self.requests: list[Any] = []

    def __call__(self, request: Any, **_: Any) -> AWSResponse:
        self.requests.append(request)
        headers = {"Content-Type": "application/x-amz-json-1.0", "Content-Length": str(len(ACCEPTED))}
        return AWSResponse(request.url, 200, headers, _Raw(ACCEPTED))


class _Raw:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


def _client(prebuilt: bool) -> tuple[Any, _Wire]:
    config = Config(parameter_validation=False, retries={"mode": "standard", "total_max_attempts": 1})
    client = boto3.Session(aws_access_key_id=KEY, aws_secret_access_key=SECRET, region_name=REGION).client(
        "timestream-write", endpoint_url="https://ingest.timestream.us-east-1.amazonaws.com", config=config
    )
    if prebuilt:
        write_body.install(client)
    wire = _Wire()
    client.meta.events.register("before-send", wire)
    return client, wire


def _batches(payloads: list[bytes]) -> list[Batch]:
    now_ns = int(datetime.now(UTC).timestamp() * 1e9)
    items = [
        PendingRecord(index, record)
        for index, payload in enumerate(payloads)
        for record in decode_payload(payload, now_ns).records
    ]
    return plan_batches(items)


def _generated(workload: str, options: Any, hours: int) -> list[bytes]:
    start = datetime.now(UTC) - timedelta(hours=hours)
    return [record.data for record in generate(workload, seed=16, start=start, count=400, options=options)]


def _payloads(fmt: str) -> list[bytes]:
    if fmt == "generic":
        return [json.dumps(document).encode() for document in GENERIC]
    return _generated(*WORKLOADS[fmt])


@pytest.mark.parametrize("fmt", [*WORKLOADS, "generic"])
def test_the_body_is_what_botocore_would_serialize(fmt: str) -> None:
    """Every call's body equals, as JSON, botocore's own serialization of the same call."""
    # GIVEN the calls the handler plans for one format's payloads
    batches = _batches(_payloads(fmt))
    # WHEN each is sent once through botocore's serializer and once with the prebuilt body
    (plain, plain_wire), (fast, fast_wire) = _client(prebuilt=False), _client(prebuilt=True)
    for batch in batches:
        assert write_records(plain, "db", "table", batch) == WRITTEN
        assert write_records(fast, "db", "table", batch) == WRITTEN
    # THEN the bodies hold the same JSON, with the same operation headers
    assert len(fast_wire.requests) == len(batches) > 1
    for mine, theirs in zip(fast_wire.requests, plain_wire.requests, strict=True):
        assert json.loads(mine.body) == json.loads(theirs.body)
        for header in ("X-Amz-Target", "Content-Type"):
            assert mine.headers[header] == theirs.headers[header]
        assert int(mine.headers["Content-Length"]) == len(mine.body)


@pytest.mark.parametrize("fmt", [*WORKLOADS, "generic"])
def test_the_rendered_body_is_byte_for_byte_json_dumps(fmt: str) -> None:
    """The text rendered from the records' pieces is exactly `json.dumps` of the same request."""
    # GIVEN the requests the handler plans for one format's payloads
    for batch in _batches(_payloads(fmt)):
        request: dict[str, Any] = {"DatabaseName": "db", "TableName": "table", "Records": batch.records}
        if batch.common:
            request["CommonAttributes"] = batch.common
        # WHEN the body is rendered / THEN it is json.dumps' bytes, compact and ASCII as botocore's
        assert write_body.body(request) == json.dumps(request, separators=(",", ":")).encode()


def test_measure_names_that_look_like_formats_or_json_are_rendered_as_text() -> None:
    """A measure name holding %, quotes or `"Value":""` cannot break the MeasureValues template."""
    # GIVEN generic documents whose measure names hold template and JSON syntax
    names = ["100%s", 'a"Value":""b', "%(x)s %%", "ü\\n"]
    documents = [{"time": 1_714_564_800_000, "dimensions": {"d": "x"}, "measures": dict.fromkeys(names, 1.5)}]
    # WHEN their calls are planned and rendered
    for batch in _batches([json.dumps(document).encode() for document in documents]):
        request = {
            "DatabaseName": "db",
            "TableName": "table",
            "Records": batch.records,
            **({"CommonAttributes": batch.common} if batch.common else {}),
        }
        # THEN the body is json.dumps' and holds each name as it was sent
        body = write_body.body(request)
        assert body == json.dumps(request, separators=(",", ":")).encode()
        sent = json.loads(body)["Records"]
        assert [m["Name"] for record in sent for m in record["MeasureValues"]] == names


def test_sigv4_signs_the_prebuilt_body() -> None:
    """The signature sent is the one computed over the body sent (not over botocore's empty one)."""
    # GIVEN a prebuilt-body client
    fast, wire = _client(prebuilt=True)
    # WHEN it sends one call
    write_records(fast, "db", "table", _batches(_payloads("sensor"))[0])
    # THEN re-signing the request as sent, at its own time, gives the signature it carries
    sent = wire.requests[0]
    authorization = _text(sent.headers["Authorization"])
    assert authorization.endswith(f"Signature={_signature(sent, sent.body)}")
    # AND not the one of the body botocore serialized before the hook replaced it
    assert not authorization.endswith(f"Signature={_signature(sent, b'{}')}")


def _signature(sent: Any, body: bytes) -> str:
    signed = _text(sent.headers["Authorization"]).split("SignedHeaders=")[1].split(",")[0].split(";")
    headers = {k: _text(v) for k, v in sent.headers.items() if k.lower() in signed}
    request = AWSRequest(method=sent.method, url=sent.url, data=body, headers=headers)
    request.context["timestamp"] = headers["X-Amz-Date"]
    auth = SigV4Auth(Credentials(KEY, SECRET), "timestream", REGION)
    return auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)


def test_a_client_without_the_hooks_is_left_to_botocore() -> None:
    """Only the client write_body is installed on changes: another client still serializes itself."""
    plain, wire = _client(prebuilt=False)
    write_body.install(_client(prebuilt=False)[0])  # another client of the same session
    write_records(plain, "db", "table", _batches(_payloads("alarm"))[0])
    assert json.loads(wire.requests[0].body)["DatabaseName"] == "db"


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value
