"""A Query page's Rows cut at their separators, when they are written compactly and hold only scalars.

Arrow's JSON reader builds every datum of a page as a struct (~6 ms a 1 MB page, most of an export's
CPU). Rows written as `[{"Data":[{"ScalarValue":"a"},{"NullValue":true}]},...]` are the value texts
between fixed separators, so when the body holds no backslash (no escaped character: each text is its
bytes) the split is two passes of Arrow over the bytes. The split is used only when the Rows member is
exactly that form: its quotes are all the separators' own (no value holds a quote, so nothing but
scalars and nulls), every row has as many values, and the rest of the body, read by the JSON reader
with `[]` in place of the Rows, has exactly the page's members. Anything else, spaces between the
tokens included, returns None, and the whole body goes to the JSON reader as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import pyarrow as pa

_KEY = b'"Rows":'
_FIRST = b'{"Data":[{"ScalarValue":"'  # the first row's start; each row's end is _LAST
_LAST = b'"}]}'
_BETWEEN_VALUES = b'"},{"ScalarValue":"'
_BETWEEN_ROWS = b'"}]},{"Data":[{"ScalarValue":"'
_NULL = b'{"NullValue":true}'
_NULL_MARK = b'{"ScalarValue":"\x00"}'  # a NUL cannot stand unescaped in JSON text: it marks a null datum


class SplitRows(NamedTuple):
    rest: bytes  # the body with `[]` in place of the Rows
    data: pa.ListArray  # each row's list of {ScalarValue, NullValue} datums, as the JSON reader gives it


def split_rows(body: bytes) -> SplitRows | None:
    """The Rows of a compact, scalar-only page, and the rest of the body; None for any other page."""
    import pyarrow.compute as pc

    if b"\\" in body:
        return None
    key = body.find(_KEY)
    opening = key + len(_KEY)
    while 0 <= key and opening < len(body) and body[opening] in b" \t\r\n":
        opening += 1
    closing = body.rfind(b"]}]") + 2  # the Rows' `]`, if they are the last list of rows in the body
    if key < 0 or body[opening : opening + 1] != b"[" or closing <= opening or body.find(_KEY, closing) >= 0:
        return None  # no Rows, or a second Rows member: the JSON reader decides
    region = body[opening + 1 : closing]
    # JSON text holds no raw control character (the reader refuses one); a NUL marks the nulls below.
    if len(region) < len(_FIRST + _LAST) or pc.min(_byte_array(region)).as_py() < 0x20:
        return None
    if b"N" in region:  # one byte is found with memchr: a page without an "N" has no null to mark
        region = region.replace(_NULL, _NULL_MARK)
    data = _datums(region)
    return None if data is None else SplitRows(body[: opening + 1] + body[closing:], data)


def _byte_array(text: bytes) -> pa.Array:
    """The bytes of `text` as an Arrow uint8 array (no copy), for Arrow's vectorised kernels."""
    import pyarrow as pa

    return pa.Array.from_buffers(pa.uint8(), len(text), [None, pa.py_buffer(text)])


def _value_bytes(values: pa.Array) -> bytes:
    """The bytes of a split's values, one after the other: the region less its separators. Searched
    with `in` (memchr), a third of the region, they cost a hundredth of counting the region's quotes."""
    _, offsets, data = values.buffers()
    if data is None:  # every value is empty
        return b""
    ends = memoryview(offsets).cast("q")  # large_binary: the split of a large_binary region
    first, last = ends[values.offset], ends[values.offset + len(values)]
    return data.slice(first, last - first).to_pybytes()


def _datums(region: bytes) -> pa.ListArray | None:
    """Each row's datums, when `region` is compact rows of scalars and nulls (`_NULL_MARK`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not region.startswith(_FIRST) or not region.endswith(_LAST):
        return None
    offsets = pa.array([len(_FIRST), len(region) - len(_LAST)], pa.int64()).buffers()[1]
    inner = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(region)])
    rows = pc.list_flatten(pc.split_pattern(inner, _BETWEEN_ROWS))
    lists = pc.split_pattern(rows, _BETWEEN_VALUES)
    widths = pc.min_max(pc.list_value_length(lists)).as_py()
    if widths["min"] != widths["max"]:
        return None
    values = pc.list_flatten(lists)
    if b'"' in _value_bytes(values):
        return None  # a value holds a quote: an array, a row or another member, not a scalar
    try:
        texts = values.cast(pa.string())
    except pa.ArrowInvalid:  # not UTF-8: the JSON reader's error
        return None
    nulls = pc.equal(texts, "\x00")
    datums = pa.StructArray.from_arrays(
        [pc.if_else(nulls, None, texts), pc.if_else(nulls, True, pa.scalar(None, pa.bool_()))],
        names=["ScalarValue", "NullValue"],
    )
    return pa.ListArray.from_arrays(lists.offsets.cast(pa.int32()), datums)
