"""Query pages read straight from the response's JSON into Arrow, instead of botocore's generic parser.

botocore's parser walks the service model for every datum of a page (most of an export's time), yet a
page's JSON already has the page's shape. `read_pages_directly(client)` registers on the client's
`before-parse` event of Query: a successful (200) JSON page whose datums are all scalars or nulls is
read with Arrow's JSON reader (its Rows cut at their separators when they are compact, `compact_rows`),
and botocore parses an empty body in its place, so it still adds
ResponseMetadata and runs its retry logic. Everything else is left to botocore untouched: error
responses (they still raise ClientError with the service's code), and pages holding arrays, rows,
time series or members this parser does not know.

The page it hands back has botocore's members and values (no nulls, QueryStatus as botocore types it);
only `Rows` is a `ScalarRows`: the Arrow column of each position for `query_pages`, and still the
sequence of {"Data": [...]} rows every other reader of a page expects.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, overload

from timestream_pipeline import next_token
from timestream_pipeline.compact_rows import split_rows

if TYPE_CHECKING:
    import pyarrow as pa

QUERY_BEFORE_PARSE = "before-parse.timestream-query.Query"
_HANDLER_ID = "timestream_pipeline.query_parser"


def read_pages_directly(client: Any) -> Any:
    """Parse this timestream-query client's Query pages with `parse_page` (idempotent); returns it."""
    client.meta.events.register(QUERY_BEFORE_PARSE, _before_parse, unique_id=_HANDLER_ID)
    return client


def _before_parse(response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any) -> None:
    body = response_dict.get("body")
    if response_dict.get("status_code") != 200 or not isinstance(body, bytes) or not body.startswith(b"{"):
        return  # an error (botocore raises it as ClientError), or not a JSON object: botocore's business
    next_token.announce(body)  # the pager may request the next page while this one is parsed
    page = parse_page(body)
    if page is not None:
        customized_response_dict.update(page)
        response_dict["body"] = b"{}"


@functools.cache
def page_schema() -> pa.Schema:
    """The members of a scalar-only Query page, as Arrow types (built once, on first use)."""
    import pyarrow as pa

    datum = pa.struct([("ScalarValue", pa.string()), ("NullValue", pa.bool_())])
    column = pa.struct([("Name", pa.string()), ("Type", pa.struct([("ScalarType", pa.string())]))])
    status = pa.struct([("ProgressPercentage", pa.float64()), ("CumulativeBytesScanned", pa.int64()),
                        ("CumulativeBytesMetered", pa.int64())])  # fmt: skip
    return pa.schema([("QueryId", pa.string()), ("NextToken", pa.string()),
                      ("Rows", pa.list_(pa.struct([("Data", pa.list_(datum))]))),
                      ("ColumnInfo", pa.list_(column)), ("QueryStatus", status)])  # fmt: skip


def parse_page(body: bytes) -> dict[str, Any] | None:
    """The page botocore would return, or None when the page is not scalar-only (botocore parses it)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.json as pa_json

    schema = page_schema()
    split = split_rows(body)  # compact scalar rows, cut at their separators; the rest is read as JSON
    text = split.rest if split else body
    try:
        table = pa_json.read_json(
            io.BytesIO(text),
            read_options=pa_json.ReadOptions(use_threads=False, block_size=len(text) + 1),
            parse_options=pa_json.ParseOptions(
                explicit_schema=schema, unexpected_field_behavior="infer", newlines_in_values=True
            ),
        )
    except pa.ArrowInvalid:  # a member of another JSON type than the model's: botocore decides
        return None
    if table.schema != schema or table.num_rows != 1:  # members (or datums) this parser does not know
        return None
    page: dict[str, Any] = _without_nulls(table.drop_columns(["Rows"]).to_pylist()[0])
    rows = table.column("Rows").chunk(0)
    if not rows.null_count:  # the page has Rows
        data = split.data if split else pc.struct_field(rows.flatten(), "Data")  # each row's datums
        if data.null_count or pc.list_flatten(data).null_count:
            return None  # a row without Data, or a null datum: botocore's business
        widths = pc.min_max(pc.list_value_length(data)).as_py()
        if widths["min"] != widths["max"] or not widths["min"]:
            return None  # rows of different lengths (or no datums): there are no columns to take
        page["Rows"] = ScalarRows(data, widths["min"]) if len(data) else []
    return page


def _without_nulls(value: Any) -> Any:
    """botocore leaves out members that are absent or null."""
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


class ScalarRows(Sequence[dict[str, Any]]):
    """A page's rows held as Arrow: `texts(i)` is column i's ScalarValues; indexing gives botocore's rows."""

    def __init__(self, data: pa.ListArray, width: int) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        self._data = data  # one list of {ScalarValue, NullValue} structs per row, all `width` long
        self.width = width
        # Every datum of the page in row order, viewed as rows of `width`: column i is element i of each.
        datums = pc.list_flatten(data)
        self._scalars = pa.FixedSizeListArray.from_arrays(pc.struct_field(datums, "ScalarValue"), width)
        self._null_flags = pa.FixedSizeListArray.from_arrays(pc.struct_field(datums, "NullValue"), width)

    def texts(self, position: int) -> pa.Array:
        """Column `position`'s ScalarValue texts (null where the datum has none)."""
        import pyarrow.compute as pc

        return pc.list_element(self._scalars, position)

    def null_flags(self, position: int) -> pa.Array:
        """Column `position`'s NullValue flags (null where the datum has none)."""
        import pyarrow.compute as pc

        return pc.list_element(self._null_flags, position)

    def __len__(self) -> int:
        return len(self._data)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return {"Data": _without_nulls(self._data[index].as_py())}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for data in self._data.to_pylist():
            yield {"Data": _without_nulls(data)}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # mutable-sequence semantics, as a list

    def __repr__(self) -> str:
        return f"ScalarRows({len(self)} rows x {self.width} columns)"
