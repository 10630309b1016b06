"""WriteRecords JSON text, rendered from pieces whose text is known, as botocore's `json.dumps` writes it.

botocore sends `json.dumps(request, separators=(",", ":"))` (ASCII, compact). Rendering a 100-record
call that way visits every dimension and measure of every record, although a series' dimensions are
the same object on each of its records (values.dimensions) and a format's measures differ only in
their values. So the lists a record holds carry their JSON text (`RenderedList.text`), computed once
(dimensions: once per series and container; measures: one `%` format per record on a template per
measure layout), and a record's text is its scalars' text around them. The result is byte for byte
`json.dumps` of the same request (tests/lambda/test_ingest_write_body.py checks it for every format).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

# botocore's encoder settings, compact; decoders build trees without cycles, so none is looked for.
encode = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
string = json.encoder.encode_basestring_ascii  # the C function json.dumps uses for a str
_KEY_TEXT: dict[str, str] = {}  # '"MeasureName":' for each member name seen
_LAYOUT = itemgetter(0, 2)  # (name, type) of a (name, value, type) measure
_VALUE = itemgetter(1)
_TEMPLATES: dict[Any, str] = {}  # measure layout -> its list's text with %s values
_TEMPLATES_LIMIT = 1_000
_EMPTY_VALUE, _VALUE_SLOT = '"Value":""', '"Value":%s'  # no escaped name holds `""`: only the member matches
_QUOTED_SLOT = '"Value":"%s"'


class RenderedList(list):  # type: ignore[type-arg]
    """A list of a Timestream record and its JSON text (`text`), set once by whoever builds it.

    Never modify one after `text` is set: the text would no longer be the list's.
    """

    __slots__ = ("text",)

    text: str


def rendered(items: Sequence[Any]) -> RenderedList:
    """`items` as a RenderedList with its text."""
    result = RenderedList(items)
    result.text = encode(result)
    return result


def measure_values(measures: Sequence[tuple[str, str, str]]) -> RenderedList:
    """A MULTI record's MeasureValues from (name, value, type) triples, with their text.

    The text is one `%` format of the layout's template with the values' JSON strings.
    """
    result = RenderedList([{"Name": n, "Value": v, "Type": t} for n, v, t in measures])
    template = measure_template(tuple(map(_LAYOUT, measures)))
    result.text = template % tuple(map(string, map(_VALUE, measures)))
    return result


def measure_template(layout: tuple[tuple[str, str], ...], bare: tuple[bool, ...] | None = None) -> str:
    """The text of MeasureValues with these (name, type) pairs, `%s` for each value's JSON string.

    `bare[i]`: value i is text JSON writes as it is (a float's repr: digits, `.`, `e`, `-`): its `%s`
    is quoted in the template, and the value goes in without `string()`.
    """
    key = (layout, bare)
    template = _TEMPLATES.get(key)
    if template is not None:
        return template
    slots = [_QUOTED_SLOT if bare and bare[index] else _VALUE_SLOT for index in range(len(layout))]
    escaped = [
        encode({"Name": name, "Value": "", "Type": kind}).replace("%", "%%").replace(_EMPTY_VALUE, slot)
        for (name, kind), slot in zip(layout, slots, strict=True)
    ]
    template = "[" + ",".join(escaped) + "]"
    if len(_TEMPLATES) >= _TEMPLATES_LIMIT:
        _TEMPLATES.clear()
    _TEMPLATES[key] = template
    return template
    escaped = [
        encode({"Name": name, "Value": "", "Type": kind})
        .replace("%", "%%")
        .replace(_EMPTY_VALUE, _VALUE_SLOT)
        for name, kind in layout
    ]
    template = "[" + ",".join(escaped) + "]"
    if len(_TEMPLATES) >= _TEMPLATES_LIMIT:
        _TEMPLATES.clear()
    _TEMPLATES[layout] = template
    return template


def record(values: dict[str, Any]) -> str:
    """A structure's text (a request, a record, CommonAttributes): members in their order."""
    parts = []
    for key, value in values.items():
        key_text = _KEY_TEXT.get(key)
        if key_text is None:
            key_text = _KEY_TEXT[key] = string(key) + ":"
        if type(value) is str:
            parts.append(key_text + string(value))
        elif isinstance(value, RenderedList):  # a record's dimensions or measures: the common case
            parts.append(key_text + value.text)
        else:
            parts.append(key_text + _text(value))
    return "{" + ",".join(parts) + "}"


def _text(value: Any) -> str:
    if isinstance(value, RenderedList):
        return value.text
    if type(value) is dict:
        return record(value)
    if type(value) is list:  # Records, or lifted dimensions: structures
        return "[" + ",".join(map(_text, value)) + "]"
    return string(value) if type(value) is str else encode(value)
