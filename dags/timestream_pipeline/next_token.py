"""A Query page's NextToken read from the response's first bytes, so that the next page can be requested
while this one is still being parsed (the parse is on the critical path otherwise: ~5 ms a 1 MB page).

AWS does not promise an order of a response's members, so `peek` accepts a NextToken only where it is
unambiguous: the body's first member, or the second after a QueryId, each a JSON string without
escapes (the API model's member order, which the local Timestream follows). Anywhere else it is None and
the pager waits for the parse, as before. The pager uses a peeked token only when the parsed page's
NextToken is the same string, so a peek can cost a wasted request but never a wrong page.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_LEADING_TOKEN = re.compile(rb'\{\s*(?:"QueryId"\s*:\s*"[^"\\]*"\s*,\s*)?"NextToken"\s*:\s*"([^"\\]+)"')
PEEK_BYTES = 4096  # a QueryId and a NextToken are well under this; the search never reads the Rows

_listener = threading.local()


def peek(body: bytes) -> str | None:
    """The NextToken at the start of a Query response body, or None when it is not plainly there."""
    match = _LEADING_TOKEN.match(body, 0, PEEK_BYTES)
    if match is None:
        return None
    try:
        return match.group(1).decode("utf-8")
    except UnicodeDecodeError:
        return None


@contextmanager
def listen(callback: Callable[[str], None]) -> Iterator[None]:
    """Call `callback(token)` when a Query response on this thread shows its NextToken before its parse."""
    _listener.callback = callback
    try:
        yield
    finally:
        _listener.callback = None


def announce(body: bytes) -> None:
    """Tell this thread's listener (if any) the NextToken peeked from a successful response's body."""
    callback = getattr(_listener, "callback", None)
    if callback is not None and (token := peek(body)) is not None:
        callback(token)
