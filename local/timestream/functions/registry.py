"""The registry's building blocks: one `Function` per name of the Timestream query-language reference.

A function is SUPPORTED (answers as documented), DIFFERENCE (answers, with the difference its note
states) or REFUSED (a ValidationException naming it). A supported function maps its arguments to
DuckDB SQL, either with a text template per argument count (`{0}`, `{1}`... are the arguments'
DuckDB SQL, `{args}` all of them) or with a builder function for what a template cannot say.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlglot import exp

from local.timestream.dialect import duck_sql, raw
from local.timestream.exceptions import ValidationException

SUPPORTED, DIFFERENCE, REFUSED = "supported", "supported with a difference", "refused"
Builder = Callable[[Sequence[exp.Expression]], exp.Expression]


@dataclass(frozen=True)
class Function:
    name: str
    family: str
    status: str
    templates: Mapping[int, str] = field(default_factory=dict)
    build: Builder | None = None
    note: str = ""
    kind: str = ""  # what the result is known to be (array, date, ...), for the mappings that care

    def translate(self, args: Sequence[exp.Expression]) -> exp.Expression:
        """DuckDB expression for a call with `args` (already translated)."""
        if self.status == REFUSED:
            raise ValidationException(
                f"Function {self.name} is not supported by the local Timestream: {self.note}"
            )
        if self.build is not None:
            return self.build(args)
        template = self.templates.get(len(args)) or self.templates.get(-1)
        if template is None:
            counts = " or ".join(str(n) for n in sorted(self.templates))
            raise ValidationException(
                f"Unexpected parameters ({len(args)} arguments) for function {self.name}: it takes {counts}"
            )
        texts = [duck_sql(a) for a in args]
        return raw(template.format(*texts, args=", ".join(texts)), self.kind)


def family(name: str, *functions: tuple) -> list[Function]:
    """Functions of one family from (name, status, templates-or-builder, note, kind) tuples."""
    made = []
    for fname, status, how, note, kind in functions:
        if callable(how):
            made.append(Function(fname, name, status, build=how, note=note, kind=kind))
        elif isinstance(how, str):
            made.append(Function(fname, name, status, templates={-1: how}, note=note, kind=kind))
        else:
            made.append(Function(fname, name, status, templates=dict(how or {}), note=note, kind=kind))
    return made


def ok(how: object, note: str = "", kind: str = "") -> tuple[str, object, str, str]:
    return SUPPORTED, how, note, kind


def diff(how: object, note: str, kind: str = "") -> tuple[str, object, str, str]:
    return DIFFERENCE, how, note, kind


def refused(note: str) -> tuple[str, object, str, str]:
    return REFUSED, None, note, ""


def sql(render: Callable[..., str], kind: str = "") -> Builder:
    """A builder from a function of the arguments' DuckDB SQL texts (for SQL a template cannot hold)."""

    def build(args: Sequence[exp.Expression]) -> exp.Expression:
        try:
            return raw(render(*[duck_sql(a) for a in args]), kind)
        except TypeError:
            raise ValidationException(f"Wrong number of arguments ({len(args)}): check the call.") from None

    return build


def literal_text(node: exp.Expression, what: str) -> str:
    """The value of a string literal argument (units, format patterns), else a ValidationException."""
    if isinstance(node, exp.Literal) and node.is_string:
        return str(node.this)
    raise ValidationException(f"{what} must be a string literal in the local Timestream, got {node.sql()}.")
