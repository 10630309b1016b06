"""WriteRecords bodies rendered as `json.dumps` would, instead of botocore's walk over the request shape.

botocore's JSON serializer visits every member of every record through the service model (a
Python call per value: most of a write's CPU). For WriteRecords it changes nothing: every member the
decoders produce is a string, a list or a structure of strings, or an integer `Version`, which the
JSON protocol sends as they are (no timestamps, blobs or renamed members). So the request dict's
JSON IS the body botocore would build; wire_json.py renders it from the text each record's lists
already carry (tests/lambda/test_ingest_write_body.py compares the bodies for every format).

Two hooks on the write client, both public botocore events, do the exchange inside an ordinary
`client.write_records(...)` call:
- `before-parameter-build` (last, after any other handler changed the parameters): dump the
  parameters into the call's context, and leave botocore nothing to serialize;
- `before-call` (first, before any other handler reads the request): put the dumped body in place.
Signing, endpoint resolution, headers and response parsing stay botocore's, so SigV4 signs the
real body. botocore must not validate the parameters the first hook takes away: the hooks go on
the handler's write client only, which the decoders' checks already spare validation (clients.py).
"""

from __future__ import annotations

from typing import Any

from timestream_ingest import wire_json

_OPERATION = "timestream-write.WriteRecords"
_CONTEXT_KEY = "timestream_ingest.write_body"


def install(client: Any) -> None:
    """Serialize `client`'s WriteRecords calls with one `json.dumps`.

    Only for a client built with `Config(parameter_validation=False)` (clients.py builds the
    handler's so): botocore would validate the emptied parameters. Installing twice is harmless
    (botocore registers a handler once per unique id).
    """
    events = client.meta.events
    events.register_last(
        f"before-parameter-build.{_OPERATION}", _take_parameters, unique_id=f"{_CONTEXT_KEY}.take"
    )
    events.register_first(f"before-call.{_OPERATION}", _put_body, unique_id=f"{_CONTEXT_KEY}.put")


def body(parameters: dict[str, Any]) -> bytes:
    """The WriteRecords request body for `parameters` (the keyword arguments of write_records)."""
    return wire_json.record(parameters).encode()


def _take_parameters(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context[_CONTEXT_KEY] = body(params)
    params.clear()  # botocore serializes `{}`; its body is replaced below before anything reads it


def _put_body(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    prebuilt = context.pop(_CONTEXT_KEY, None)
    if prebuilt is not None:
        params["body"] = prebuilt
