"""Result cells as Timestream Datum JSON a column at a time (Arrow compute), for Query pages.

Each result column becomes an Arrow string array of Datum texts (`{"ScalarValue":"1.5"}`,
`{"NullValue":true}`) and a row is its cells joined: the types exports read (VARCHAR, BIGINT, INTEGER,
DOUBLE, BOOLEAN, TIMESTAMP, DATE) take no Python call per cell. Values Arrow formats differently from
Timestream (doubles outside Java's plain range, text that JSON must escape) and the other types
(arrays, rows, time series, intervals, TIME, decimals) go through `encoding.encoder_for`, the
row-wise reference, so every text equals `json.dumps(datum, separators=(",", ":"))` of it.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from local.timestream.encoding import (
    column_type,
    encoder_for,
    java_double,
    python_values,
    whole_months,
)

NULL_DATUM = '{"NullValue":true}'
_FEW = 64  # below this many cells, looking for repeated values costs more than it saves
# json.dumps (ensure_ascii) writes printable ASCII other than `"` and `\` unchanged.
_NEEDS_ESCAPE = r'[^\x20-\x7e]|["\\]'
# Arrow writes a naive timestamp as 'YYYY-MM-DD HH:MM:SS' plus the unit's fraction digits; Timestream
# always shows nine.
_FRACTION_PAD = {"s": ".000000000", "ms": "000000", "us": "000", "ns": ""}
_TEXT_LENGTHS = {"TIMESTAMP": len("2026-01-01 00:00:00.000000000"), "DATE": len("2026-01-01"), "BOOLEAN": 5}


def compact(value: Any) -> str:
    """JSON text as the column encoder writes it (no spaces, ASCII only)."""
    return json.dumps(value, separators=(",", ":"))


def encode_columns(names: list[str], table: pa.Table) -> tuple[list[dict[str, Any]], pa.Array]:
    """(ColumnInfo, one `{"Data":[...]}` text per row) for a result table."""
    infos = column_info(names, table)
    return infos, encode_row_texts(table, infos)


def column_info(names: list[str], table: pa.Table) -> list[dict[str, Any]]:
    """The ColumnInfo of a result; an interval column's type depends on all of its values."""
    infos = []
    for i, name in enumerate(names):
        column = table.column(i)
        year_month = pa.types.is_interval(column.type) and whole_months(column)
        infos.append({"Name": name, "Type": column_type(column.type, year_month)})
    return infos


def encode_row_texts(table: pa.Table, infos: list[dict[str, Any]], suffix: str = "") -> pa.Array:
    """One `{"Data":[...]}` text (then `suffix`) per row of `table`, or of any slice of it: the types come
    from `infos`."""
    return join_rows(row_pieces(table, infos, suffix), 0, table.num_rows)


def row_pieces(table: pa.Table, infos: list[dict[str, Any]], suffix: str = "") -> list[Any]:
    """The texts `join_rows` joins into rows: each column's cells, and the fixed text between them. A
    column without nulls gives its bare ScalarValue texts, the `{"ScalarValue":"` and `"}` around them
    going into the fixed text: one join writes each row."""
    pieces: list[Any] = []
    text = '{"Data":['
    for number, info in enumerate(infos):
        column = table.column(number).combine_chunks()
        text += "," if number else ""
        bare = _bare_texts(column, info["Type"]) if not column.null_count else None
        if bare is not None:
            pieces += [_large(text + '{"ScalarValue":"'), bare.cast(pa.large_string())]
            text = '"}'
        else:
            pieces += [_large(text), datum_texts(column, info["Type"]).cast(pa.large_string())]
            text = ""
    return [*pieces, _large(text + "]}" + suffix)] if infos else []


def row_bytes(table: pa.Table, infos: list[dict[str, Any]], suffix: str = "") -> float | None:
    """About the mean length of `table`'s row texts (then `suffix`), from the values' own lengths: a few
    Arrow calls, not an encoding. None for an empty table or a type without such an estimate."""
    if not table.num_rows or not infos:
        return None
    # A row's fixed text, and each cell's: `{"NullValue":true}` is as long as `{"ScalarValue":""}`.
    total = len('{"Data":[]}' + suffix) + len(infos) - 1 + len(infos) * len('{"ScalarValue":""}')
    for number, info in enumerate(infos):
        scalar = info["Type"].get("ScalarType")
        column = table.column(number)
        if scalar in _TEXT_LENGTHS:
            total += _TEXT_LENGTHS[scalar]
        elif scalar in ("VARCHAR", "BIGINT", "INTEGER", "DOUBLE"):  # text as Arrow writes it: about right
            try:
                texts = column if pa.types.is_string(column.type) else pc.cast(column, pa.string())
            except pa.ArrowException:  # no text form: the sample tells instead
                return None
            total += (pc.sum(pc.binary_length(texts)).as_py() or 0) / table.num_rows
        else:
            return None
    return total


def join_rows(pieces: list[Any], start: int, stop: int) -> pa.Array:
    """The texts of rows [start, stop) of the table `row_pieces` took apart."""
    if not pieces:
        return pa.array([], pa.large_string())
    sliced = [piece if isinstance(piece, pa.Scalar) else piece.slice(start, stop - start) for piece in pieces]
    return pc.binary_join_element_wise(*sliced, _large(""))


def _large(text: str) -> pa.Scalar:
    """A text scalar to join with large_string columns (a result may hold more than 2 GB of JSON)."""
    return pa.scalar(text, pa.large_string())


def datum_texts(column: pa.Array, kind: dict[str, Any]) -> pa.Array:
    """The Datum JSON of every cell of one column."""
    scalar = kind.get("ScalarType")
    texts = _bare_texts(column, kind) if scalar else None
    if texts is None:  # no vectorised form: the reference encoder, once per cell
        encode = encoder_for(kind)
        return pa.array([compact(encode(value)) for value in python_values(column)], pa.string())
    quoted = pc.binary_join_element_wise('{"ScalarValue":"', texts, '"}', "")
    return pc.fill_null(quoted, NULL_DATUM)


def _bare_texts(column: pa.Array, kind: dict[str, Any]) -> pa.Array | None:
    """The ScalarValue texts of a scalar column, JSON-escaped, without quotes (nulls stay null); None: no
    vectorised form."""
    scalar = kind.get("ScalarType")
    if not scalar:
        return None
    if len(column) > _FEW and not pa.types.is_null(column.type):
        # Dimensions and time bins repeat: encode each distinct value once, then take the texts.
        distinct = pc.dictionary_encode(column)
        if len(distinct.dictionary) * 2 <= len(column):
            texts = _scalar_texts(distinct.dictionary, scalar)
            return None if texts is None else texts.take(distinct.indices)
    return _scalar_texts(column, scalar)


def _scalar_texts(column: pa.Array, scalar: str) -> pa.Array | None:
    """ScalarValue texts, JSON-escaped, without quotes (nulls stay null); None: no vectorised form."""
    arrow_type = column.type
    if scalar in ("BIGINT", "INTEGER") and pa.types.is_integer(arrow_type):
        return pc.cast(column, pa.string())
    if scalar == "DOUBLE" and pa.types.is_floating(arrow_type):
        return _doubles(column.cast(pa.float64()))
    if scalar == "BOOLEAN":
        return pc.if_else(column, "true", "false")
    if scalar == "VARCHAR":
        return _escaped(column)
    if scalar == "TIMESTAMP":
        unit = arrow_type.unit
        naive = column.cast(pa.timestamp(unit)) if arrow_type.tz else column  # UTC instants, no zone
        return pc.binary_join_element_wise(pc.cast(naive, pa.string()), _FRACTION_PAD[unit], "")
    if scalar == "DATE" and pa.types.is_date(arrow_type):
        return pc.cast(column, pa.string())
    if pa.types.is_null(arrow_type):
        return pa.nulls(len(column), pa.string())
    return None


def _doubles(values: pa.Array) -> pa.Array:
    """Double.toString text: Arrow's shortest digits where they agree with it, java_double elsewhere."""
    text = pc.cast(values, pa.string())
    magnitude = pc.abs(values)
    plain = pc.or_(pc.equal(values, 0), pc.and_(pc.greater_equal(magnitude, 1e-3), pc.less(magnitude, 1e7)))
    whole = pc.and_(plain, pc.invert(pc.match_substring(text, ".")))  # Arrow writes 2.0 as "2", Java "2.0"
    # Only the whole values get their ".0" (a join of every text and a choice between two was 30% of this)
    text = _patched(text, whole, text, lambda digits: digits + ".0")
    return _patched(text, pc.invert(plain), values, java_double)  # NaN, infinities, scientific notation


def _escaped(column: pa.Array) -> pa.Array:
    """Strings as JSON string contents; only those with quotes, backslashes, control or non-ASCII
    characters take a json.dumps call."""
    text = column.cast(pa.string())
    needs = pc.match_substring_regex(text, _NEEDS_ESCAPE)
    return _patched(text, needs, text, lambda value: json.dumps(value)[1:-1])


def _patched(text: pa.Array, mask: pa.Array, values: pa.Array, render: Any) -> pa.Array:
    """`text` with the (non-null) cells where `mask` is true replaced by `render(value)`."""
    mask = pc.fill_null(mask, False)
    if not pc.any(mask).as_py():
        return text
    chosen = values.filter(mask).to_pylist()
    return pc.replace_with_mask(text, mask, pa.array([render(v) for v in chosen], pa.string()))
