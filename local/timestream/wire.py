"""Response bodies on the wire: JSON, with parts encoded ahead of time (a page's Rows) spliced in as text."""

from __future__ import annotations

import json
from typing import Any


class RawJSON:
    """JSON text that is already encoded; `dumps` writes it into the body unchanged."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"RawJSON({self.text[:60]!r}...)" if len(self.text) > 60 else f"RawJSON({self.text!r})"


def dumps(body: dict[str, Any]) -> bytes:
    """`json.dumps(body)` as bytes, where top-level RawJSON values are written as their text."""
    if not any(isinstance(value, RawJSON) for value in body.values()):
        return json.dumps(body).encode()
    members = (
        f"{json.dumps(key)}: {value.text if isinstance(value, RawJSON) else json.dumps(value)}"
        for key, value in body.items()
    )
    return ("{" + ", ".join(members) + "}").encode()
