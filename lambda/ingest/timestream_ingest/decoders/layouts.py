"""MULTI records decoded by layout: what a producer's document holds is worked out once per layout.

A producer sends the same keys, in the same order, with the same value types, in every document
(the DevOps fleet's metrics and events objects, the CEP job's matches). Which key is a dimension and
which a measure, each measure's type and its MeasureValues' JSON template are the same for all of
them: `MeasureSlots` holds them, and renders a document's measures with a few C-level passes (the
DOUBLE measures that hold floats all at once) instead of one rule per value. The values are the
rules' own (values.py): floats are checked finite and non-zero in bulk, anything else (a zero, to be
normalised; NaN; an integer where a float was) returns None, and the caller decodes the document
one rule at a time, which also words its errors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from math import isfinite
from operator import itemgetter
from typing import Any

from timestream_ingest.decoders import values
from timestream_ingest.wire_json import RenderedList, measure_template, string

Getter = Callable[[dict[str, Any]], tuple[Any, ...]]
LAYOUTS_LIMIT = 1_000  # layouts remembered per format; a producer has a handful
UNKNOWN = object()  # a layout not seen yet (None is one seen and left to the rules)


def remember(cache: dict[Any, Any], key: Any, layout: Any) -> Any:
    """Keep `layout` for `key` (forgetting all when the cache is full: producers repeat a few)."""
    if len(cache) >= LAYOUTS_LIMIT:
        cache.clear()
    cache[key] = layout
    return layout


def getter(keys: Sequence[str]) -> Getter:
    """A function giving the values of `keys` of a document, always as a tuple."""
    if len(keys) == 1:
        key = keys[0]
        return lambda document: (document[key],)
    if not keys:
        return lambda document: ()
    return itemgetter(*keys)  # type: ignore[return-value]


class MeasureSlots:
    """The measures of one layout: `(key, type)` in the order the record lists them."""

    def __init__(self, slots: Sequence[tuple[str, str]], float_keys: Sequence[str]) -> None:
        """`float_keys`: the DOUBLE measures whose values are floats in this layout (checked in bulk)."""
        floats = set(float_keys)
        others = [(key, kind) for key, kind in slots if key not in floats]
        self._floats = getter([key for key, _ in slots if key in floats])
        self._others = tuple(others)
        # float texts, then the others' texts -> the record's order
        rendered_order = [*(key for key, _ in slots if key in floats), *(key for key, _ in others)]
        position = {key: index for index, key in enumerate(rendered_order)}
        self._order = getter([position[key] for key, _ in slots])  # type: ignore[list-item]
        self.names = tuple(key for key, _ in slots)
        self.kinds = tuple(kind for _, kind in slots)
        # a float's repr needs no JSON escaping: its slots are quoted in the template
        self._template = measure_template(tuple(slots), tuple(key in floats for key, _ in slots))

    def render(self, document: dict[str, Any]) -> RenderedList | None:
        """The record's MeasureValues, or None when a value needs the one-by-one rules."""
        floats = self._floats(document)
        if not all(map(isfinite, floats)) or not all(floats):  # NaN, infinity, or a zero to normalise
            return None
        texts = tuple(map(repr, floats))
        if not self._others:
            ordered = self._order(texts)
            result = RenderedList(
                [
                    {"Name": n, "Value": v, "Type": t}
                    for n, v, t in zip(self.names, ordered, self.kinds, strict=True)
                ]
            )
            result.text = self._template % ordered
            return result
        others = [values.measure_value(document[key], kind, key) for key, kind in self._others]
        ordered = self._order((*texts, *others))  # type: ignore[arg-type]
        triples = zip(self.names, ordered, self.kinds, strict=True)
        result = RenderedList([{"Name": n, "Value": v, "Type": t} for n, v, t in triples])
        result.text = self._template % self._order((*texts, *map(string, others)))  # type: ignore[arg-type]
        return result
