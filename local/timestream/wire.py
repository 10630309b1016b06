"""Response bodies on the wire: JSON, with parts encoded ahead of time (a page's Rows) spliced in as text."""

from __future__ import annotations

import json
from typing import Any


class RawJSON:
    """JSON text already encoded, as UTF-8 pieces; `dumps` copies them into the body unchanged."""

    __slots__ = ("pieces",)

    def __init__(self, *pieces: bytes | memoryview) -> None:
        self.pieces = pieces

    @property
    def text(self) -> bytes:
        return b"".join(self.pieces)

    def __repr__(self) -> str:
        text = self.text
        return f"RawJSON({text[:60]!r}...)" if len(text) > 60 else f"RawJSON({text!r})"


def dumps(body: dict[str, Any]) -> bytes:
    """`json.dumps(body)` as bytes, where top-level RawJSON values are written as their text."""
    if not any(isinstance(value, RawJSON) for value in body.values()):
        return json.dumps(body).encode()
    parts: list[bytes | memoryview] = [b"{"]  # joined once: a page's Rows are copied a single time
    for key, value in body.items():
        parts += [json.dumps(key).encode(), b": "]
        parts += value.pieces if isinstance(value, RawJSON) else [json.dumps(value).encode()]
        parts.append(b", ")
    parts[-1] = b"}"
    return b"".join(parts)
