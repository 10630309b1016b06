"""moto's per-request work, made cheaper (local/moto_per_request.py), answers exactly as moto's own."""

from __future__ import annotations

from typing import Any

import pytest
from moto import backends
from moto.moto_api._internal import mock_random

from local import moto_per_request

BODIES = [
    '{"Records": [{"Data": "AAEC", "PartitionKey": "k"}]}',  # JSON: no request id to fill in
    "<Response><RequestId>old</RequestId><Value>1</Value></Response>",  # XML: moto fills it in
    "",
    b"\x00\x01 <RequestId>bytes</RequestId>",  # bytes: moto's regex refuses them, moto leaves them
    None,
]


def enriched(enrich: Any, body: Any) -> tuple[dict[str, str], Any]:
    mock_random.seed(16)  # the request id moto draws, the same for both
    return enrich({"status": 200, "Content-Type": "x"}, body)


@pytest.mark.parametrize("body", BODIES)
def test_responses_are_enriched_as_moto_enriches_them(body: Any) -> None:
    """Headers (status as text, the request id) and body are moto's, for every kind of body."""
    # GIVEN moto's _enrich_response and ours WHEN each enriches the same headers and body
    stock = enriched(moto_per_request.STOCK_ENRICH_RESPONSE, body)
    ours = enriched(moto_per_request.enrich_response, body)
    # THEN the results are equal
    assert ours == stock
    assert ours[0]["status"] == "200" and len(ours[0]["x-amzn-requestid"]) == 52


def test_an_xml_request_id_is_still_filled_in() -> None:
    """The body's RequestId is the header's, as moto makes it."""
    headers, body = enriched(moto_per_request.enrich_response, BODIES[1])
    assert (
        body == f"<Response><RequestId>{headers['x-amzn-requestid']}</RequestId><Value>1</Value></Response>"
    )


def test_the_module_list_is_motos(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cached list of moto's service modules is the one moto lists on each request."""
    # GIVEN the replacements installed (undone after the test)
    monkeypatch.setattr(backends, "list_of_moto_modules", backends.list_of_moto_modules)
    monkeypatch.setattr(
        moto_per_request.BaseResponse,
        "_enrich_response",
        staticmethod(moto_per_request.STOCK_ENRICH_RESPONSE),
    )
    moto_per_request.install()
    # THEN the list moto's dispatcher reads is moto's own
    modules = list(backends.list_of_moto_modules())
    assert modules == list(moto_per_request.STOCK_LIST_OF_MOTO_MODULES())
    assert {"kinesis", "s3", "dynamodb"} <= set(modules)
