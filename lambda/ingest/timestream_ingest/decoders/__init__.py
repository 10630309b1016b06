"""Payload decoders, one module per format, and the dispatcher that picks one by the payload's shape."""

from __future__ import annotations

from timestream_ingest.decoders.dispatch import JSON_FORMATS, Decoded, decode_payload

__all__ = ["JSON_FORMATS", "Decoded", "decode_payload"]
