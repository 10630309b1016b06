"""The next page is requested from the NextToken at the front of a response, before the page is parsed,
and only ever with the token the parse then yields.

`peek` is checked on bodies shaped as AWS might send them (any member order); the pager runs against
the local Timestream over HTTP, with responses reordered or doctored on botocore's `before-parse`
event, as a service that orders its members otherwise would send them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from timestream_pipeline.next_token import PEEK_BYTES, peek
from timestream_pipeline.query_pages import iter_query_pages
from timestream_pipeline.query_parser import QUERY_BEFORE_PARSE, read_pages_directly

FIVE_ROWS = "SELECT * FROM (VALUES (1), (2), (3), (4), (5)) AS t(n)"  # 3 pages of MaxRows=2


@pytest.mark.parametrize(
    "body",
    [b'{"NextToken": "abc=", "Rows": []}', b'{ "QueryId" : "q-1" ,\n "NextToken":"abc=", "Rows": []}'],
    ids=["first member", "after QueryId"],
)
def test_a_token_at_the_front_is_read(body: bytes) -> None:
    assert peek(body) == "abc="


@pytest.mark.parametrize(
    "body",
    [
        b'{"QueryId": "q", "Rows": [], "NextToken": "abc="}',  # after the Rows: wait for the parse
        b'{"QueryId": "q", "NextToken": "a\\"b"}',  # escaped: only the parse decodes it rightly
        b'{"QueryId": "x\\", \\"NextToken\\": \\"evil", "NextToken": "abc="}',  # inside a string
        b'{"QueryStatus": {"NextToken": "abc="}}',  # a nested member
        b'{"QueryId": "' + b"q" * PEEK_BYTES + b'", "NextToken": "abc="}',  # beyond the bytes read
        b'{"QueryId": "q", "NextToken": ""}',
        b'{"QueryId": "q", "Rows": []}',
    ],
    ids=["after rows", "escaped", "in a string", "nested", "too far", "empty", "absent"],
)
def test_a_token_anywhere_else_is_left_to_the_parse(body: bytes) -> None:
    assert peek(body) is None


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    from local.timestream.server import TimestreamServer

    server = TimestreamServer()
    yield server.start()
    server.stop()


class Recorder:
    """A query client's requested NextTokens, and the order of its requests and finished parses."""

    def __init__(self, endpoint: str, rewrite: Any = None) -> None:
        self.client = boto3.client("timestream-query", endpoint_url=endpoint, region_name="us-east-1",
                                   aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
        if rewrite is not None:  # registered first: query_parser sees the rewritten body
            self.client.meta.events.register(QUERY_BEFORE_PARSE, rewrite)
        read_pages_directly(self.client)
        self.events: list[str] = []
        self.client.meta.events.register("before-send.timestream-query.Query", self._sent)
        self.client.meta.events.register("after-call.timestream-query.Query", self._parsed)

    def _sent(self, request: Any, **_: Any) -> None:
        self.events.append(f"send {json.loads(request.body).get('NextToken')}")

    def _parsed(self, parsed: dict[str, Any], **_: Any) -> None:
        self.events.append(f"parsed {parsed.get('NextToken')}")

    def rows(self) -> list[list[dict]]:
        return [
            [row["Data"] for row in page["Rows"]]
            for page in iter_query_pages(self.client, FIVE_ROWS, max_rows=2)
        ]


def expected_rows() -> list[list[dict]]:
    return [[[{"ScalarValue": str(n)}] for n in pair] for pair in ((1, 2), (3, 4), (5,))]


def test_the_next_page_is_requested_before_the_page_is_parsed(endpoint: str) -> None:
    """The local Timestream writes NextToken after QueryId: page 2's request goes out while page 1's
    parse is held back."""
    second_sent = threading.Event()
    parses: list[bool] = []

    def hold_first_parse(response_dict: dict[str, Any], **_: Any) -> None:
        if not parses:  # page 1: its parse waits until page 2 has been requested
            parses.append(second_sent.wait(timeout=10))

    recorder = Recorder(endpoint)
    recorder.client.meta.events.register(QUERY_BEFORE_PARSE, hold_first_parse)  # after query_parser's
    recorder.client.meta.events.register(
        "before-send.timestream-query.Query",
        lambda request, **_: second_sent.set() if b"NextToken" in request.body else None,
    )
    assert recorder.rows() == expected_rows()
    assert parses == [True]
    sends = [event for event in recorder.events if event.startswith("send")]
    parsed = [event.removeprefix("parsed ") for event in recorder.events if event.startswith("parsed")]
    # no request wasted: one per page, with the tokens the parses yielded (pages parse in any order)
    assert sorted(sends) == sorted(["send None"] + [f"send {token}" for token in parsed if token != "None"])


def test_a_token_elsewhere_in_the_body_is_followed_after_the_parse(endpoint: str) -> None:
    def token_last(response_dict: dict[str, Any], **_: Any) -> None:
        page = json.loads(response_dict["body"])
        token = page.pop("NextToken", None)
        response_dict["body"] = json.dumps({**page, **({"NextToken": token} if token else {})}).encode()

    recorder = Recorder(endpoint, token_last)
    assert recorder.rows() == expected_rows()
    # each page is requested only once the previous one is parsed, with its token
    tokens = [event.removeprefix("parsed ") for event in recorder.events if event.startswith("parsed")]
    assert tokens[-1] == "None" and len(tokens) == 3
    assert recorder.events == ["send None"] + [
        event for token in tokens[:-1] for event in (f"parsed {token}", f"send {token}")
    ] + ["parsed None"]


def test_a_front_token_the_parse_contradicts_is_never_followed(endpoint: str) -> None:
    """A body with NextToken twice: the peeked request is dropped and the parsed token's page is read."""

    def decoy_first(response_dict: dict[str, Any], **_: Any) -> None:
        if b'"NextToken"' in response_dict["body"]:
            response_dict["body"] = b'{"NextToken": "decoy", ' + response_dict["body"][1:]

    recorder = Recorder(endpoint, decoy_first)
    assert recorder.rows() == expected_rows()
    assert "send decoy" in recorder.events  # requested ahead, and its answer (an error) never read
    assert all(event != "parsed decoy" for event in recorder.events)
