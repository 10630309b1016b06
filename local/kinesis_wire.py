"""GetRecords answers whose records stay as the wire carried them: botocore sends, signs, retries and
parses the rest of the answer, but not the records.

botocore's generic parser walks every record of a GetRecords answer: it decodes each base64 `Data` and
turns each arrival time into a datetime in the local time zone. Profiled on the local mapping (50,000
records), that parse was 29% of the mapping process's CPU, timestamps alone 17%, only for the mapping
to encode both back into the Lambda event, which carries base64 text and epoch seconds.

`keep_records_as_sent(client)` hooks the client's `before-parse` event for GetRecords: the records are
taken out of the body (one `json.loads`) before the parser sees it and come back under `WIRE_RECORDS`,
each {"SequenceNumber", "PartitionKey", "Data" (base64 text), "ApproximateArrivalTimestamp" (epoch
seconds)}; `Records` is then absent, so code expecting botocore's parsed records fails loudly. Errors
are untouched (botocore parses and raises them as usual). Only that client changes: botocore gives
each client an event system of its own.
"""

from __future__ import annotations

import json
from typing import Any

WIRE_RECORDS = "WireRecords"
_HANDLER_ID = "local.kinesis_wire.keep_records_as_sent"


def keep_records_as_sent(kinesis: Any) -> Any:
    """Make `kinesis.get_records` answer with `WIRE_RECORDS` instead of parsed `Records` (idempotent)."""
    kinesis.meta.events.register("before-parse.kinesis.GetRecords", _take_records_out, unique_id=_HANDLER_ID)
    return kinesis


def _take_records_out(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    if response_dict.get("status_code") != 200 or not response_dict.get("body"):
        return
    document = json.loads(response_dict["body"])
    records = document.pop("Records", [])
    response_dict["body"] = json.dumps(document).encode()
    customized_response_dict[WIRE_RECORDS] = records
