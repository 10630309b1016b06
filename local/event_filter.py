"""Lambda's event filtering for a Kinesis mapping: which records the template's `FilterCriteria` lets through.

As the Lambda developer guide describes it ("Control which events Lambda sends to your function",
"Using event filtering with a Kinesis event source"):
- the filters of a mapping are ORed: a record is delivered when any pattern matches it; a record no
  pattern matches is dropped (no invocation, nothing billed) and the shard's iterator moves past it;
- a Kinesis mapping filters on `data` only: the record's data, base64-decoded, read as JSON. Data that
  is not JSON does not match a pattern on `data`, so it is dropped;
- the patterns are EventBridge's: every field named must match (AND), a field's list of rules matches
  when one of them does (OR), a nested object descends into the data; a field whose value is an array
  matches when one of its elements does; strings and numbers compare by their exact text (300 and
  300.0 differ).

Emulated here: literal values (strings, numbers, true, false, null), `exists` (true: a leaf value is
present, null included; false: none is) and `prefix` (strings only), in nested objects. Any other
operator (numeric, anything-but, suffix, equals-ignore-case, wildcard, cidr, $or) is refused when the
mapping starts, with the operator and the mapping named: a filter the mapping cannot evaluate must not
quietly deliver everything, or drop everything. Data is read as UTF-8 JSON; NaN and Infinity are not JSON.

Cost: the mapping decodes a record only when it has filters, and skips the JSON parse when the data
cannot match because a key a pattern needs is not in its text (`_needed_fields`): a DevOps record costs
the CEP stage's mapping ~1.5 us instead of a parse (~4.5 us) and an invocation.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Lambda's Kinesis filters see only the record's data (its metadata keys are not filterable).
DATA_KEY = "data"
EMULATED = "literal values, exists, prefix and nested objects"
_MISSING = object()


class UnsupportedFilterError(ValueError):
    """A filter the local mapping cannot evaluate as Lambda does; the message is one line."""


class _NumberText(str):
    """A JSON number as written: Lambda compares numbers by their text, so 300 is not 300.0."""


@dataclass(frozen=True)
class _Prefix:
    text: str


@dataclass(frozen=True)
class _Exists:
    present: bool


# A field's rules (ORed), or a nested pattern: {field: rules | nested}.
_Rule = str | _NumberText | bool | None | _Prefix | _Exists
_Pattern = Mapping[str, "tuple[_Rule, ...] | _Pattern"]


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_not_json)
# Keeps each number's text, for patterns that compare numbers (slower: a call per number).
_NUMBER_TEXT_DECODER = json.JSONDecoder(
    parse_constant=_not_json, parse_int=_NumberText, parse_float=_NumberText
)


class EventFilter:
    """The compiled `FilterCriteria` of one mapping: `matches(data)` for each record's data."""

    def __init__(self, patterns: Iterable[str], mapping: str) -> None:
        """`patterns`: the template's `Filters[].Pattern` texts; `mapping` names the mapping in errors."""
        self._patterns = [_compile_filter(text, mapping) for text in patterns]
        if not self._patterns:
            raise UnsupportedFilterError(f"the {mapping} mapping has FilterCriteria without a pattern")
        self._decoder = _NUMBER_TEXT_DECODER if any(map(_has_number, self._patterns)) else _DECODER
        self._checks = [(pattern, _needed_fields(pattern)) for pattern in self._patterns]

    def matches_base64(self, data_base64: str) -> bool:
        """`matches` for data as GetRecords and the Lambda event carry it (base64 text)."""
        try:
            data = binascii.a2b_base64(data_base64, strict_mode=True)
        except binascii.Error:
            return False
        return self.matches(data)

    def matches(self, data: bytes) -> bool:
        """Whether Lambda delivers a record with this data (its `data` as the producer put it)."""
        # Data with a backslash may spell a key with escapes (`"sensor\u005fid"`): always parsed.
        escaped = b"\\" in data
        possible = [pattern for pattern, needed in self._checks if escaped or _contains_all(data, needed)]
        if not possible:
            return False
        try:
            document = self._decoder.decode(data.decode("utf-8"))
        except ValueError:  # not UTF-8 (UnicodeDecodeError), not JSON, NaN or Infinity
            return False
        return isinstance(document, dict) and any(_matches(pattern, document) for pattern in possible)


def _compile_filter(text: str, mapping: str) -> _Pattern:
    try:
        pattern = json.loads(text, parse_int=_NumberText, parse_float=_NumberText)
    except ValueError:
        raise UnsupportedFilterError(
            f"the {mapping} mapping's filter pattern is not JSON: {text!r}"
        ) from None
    if not isinstance(pattern, dict) or not pattern:
        raise UnsupportedFilterError(f"the {mapping} mapping's filter pattern is not a JSON object: {text!r}")
    other = sorted(pattern.keys() - {DATA_KEY})
    if other:
        raise UnsupportedFilterError(
            f"the {mapping} mapping filters on {other[0]!r}: a Kinesis mapping filters on {DATA_KEY!r} only"
        )
    if not isinstance(pattern[DATA_KEY], dict):
        raise UnsupportedFilterError(f"the {mapping} mapping's pattern on {DATA_KEY!r} is not a JSON object")
    return _compile_object(pattern[DATA_KEY], mapping, DATA_KEY)


def _compile_object(pattern: Mapping[str, Any], mapping: str, path: str) -> _Pattern:
    if not pattern:  # whether Lambda takes it as "any object" is not documented: refused, not guessed
        raise UnsupportedFilterError(f"the {mapping} mapping's filter at {path} is an empty object")
    compiled: dict[str, Any] = {}
    for field, rules in pattern.items():
        where = f"{path}.{field}"
        if field.startswith("$"):
            raise _unsupported(mapping, field, where)
        if isinstance(rules, dict):
            compiled[field] = _compile_object(rules, mapping, where)
        elif isinstance(rules, list) and rules:
            compiled[field] = tuple(_compile_rule(rule, mapping, where) for rule in rules)
        else:
            raise UnsupportedFilterError(
                f"the {mapping} mapping's filter at {where} is {rules!r}: a field's rules are a non-empty "
                "list or a nested object"
            )
    return compiled


def _compile_rule(rule: Any, mapping: str, where: str) -> _Rule:
    if rule is None or isinstance(rule, str | bool):  # _NumberText is a str
        return rule
    if isinstance(rule, dict) and len(rule) == 1:
        ((operator, operand),) = rule.items()
        if operator == "exists" and isinstance(operand, bool):
            return _Exists(operand)
        if operator == "prefix" and isinstance(operand, str) and not isinstance(operand, _NumberText):
            return _Prefix(operand)
        raise _unsupported(mapping, operator, where)
    raise _unsupported(mapping, json.dumps(rule), where)


def _unsupported(mapping: str, operator: str, where: str) -> UnsupportedFilterError:
    return UnsupportedFilterError(
        f"the {mapping} mapping's filter uses {operator!r} at {where}, which the local mapping does not "
        f"emulate (it emulates {EMULATED})"
    )


def _matches(pattern: _Pattern, document: Mapping[str, Any]) -> bool:
    for field, rules in pattern.items():
        value = document.get(field, _MISSING)
        if isinstance(rules, tuple):
            if not _leaf_matches(rules, _leaves(value)):
                return False
        elif not any(_matches(rules, element) for element in _objects(value)):
            return False
    return True


def _leaf_matches(rules: tuple[_Rule, ...], leaves: list[Any]) -> bool:
    for rule in rules:
        if isinstance(rule, _Exists):
            if bool(leaves) == rule.present:
                return True
        elif isinstance(rule, _Prefix):
            if any(_is_text(leaf) and leaf.startswith(rule.text) for leaf in leaves):
                return True
        elif any(_same_literal(rule, leaf) for leaf in leaves):
            return True
    return False


def _leaves(value: Any) -> list[Any]:
    """The leaf values of a field: none when it is missing or an object; an array's, flattened."""
    if value is _MISSING or isinstance(value, dict):
        return []
    if isinstance(value, list):
        return [leaf for element in value for leaf in _leaves(element)]
    return [value]


def _objects(value: Any) -> list[Mapping[str, Any]]:
    """The objects a nested pattern descends into; an empty one when there are none, so that
    `exists: false` below a missing field matches, as it does on Lambda."""
    if isinstance(value, dict):
        return [value]
    found = [element for element in value if isinstance(element, dict)] if isinstance(value, list) else []
    return found or [{}]


def _same_literal(rule: _Rule, leaf: Any) -> bool:
    if rule is None or isinstance(rule, bool):
        return leaf is rule  # never 1 == True
    # Both texts or both numbers, equal as written.
    return (
        isinstance(leaf, str)
        and isinstance(leaf, _NumberText) == isinstance(rule, _NumberText)
        and leaf == rule
    )


def _is_text(leaf: Any) -> bool:
    return isinstance(leaf, str) and not isinstance(leaf, _NumberText)


def _has_number(pattern: _Pattern) -> bool:
    return any(
        any(isinstance(rule, _NumberText) for rule in rules)
        if isinstance(rules, tuple)
        else _has_number(rules)
        for rules in pattern.values()
    )


def _needed_fields(pattern: _Pattern) -> tuple[bytes, ...]:
    """Field names the data must contain for the pattern to match: those whose every rule needs a value
    (not `exists: false`), as the quoted UTF-8 text a JSON object's key is written as."""
    needed: list[bytes] = []
    for field, rules in pattern.items():
        if isinstance(rules, tuple):
            if not any(isinstance(rule, _Exists) and not rule.present for rule in rules):
                needed.append(json.dumps(field, ensure_ascii=False).encode())
        else:
            below = _needed_fields(rules)
            if below:
                needed += [json.dumps(field, ensure_ascii=False).encode(), *below]
    return tuple(needed)


def _contains_all(data: bytes, needed: tuple[bytes, ...]) -> bool:
    # A loop, not all(...): this runs for every record of a filtered mapping, and a generator costs more.
    for field in needed:
        if field not in data:
            return False
    return True
