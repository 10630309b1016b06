"""The emulator's registry of Timestream functions: every name it knows, and what it does with it.

A name that is not here is answered as the service answers an unknown function. README.md's
support table is rendered from this registry (`python -m local.timestream.functions`), and a test
keeps the two equal.
"""

from __future__ import annotations

from local.timestream.exceptions import ValidationException
from local.timestream.functions import aggregates, arrays, datetime, scalars, timeseries
from local.timestream.functions.registry import DIFFERENCE, REFUSED, SUPPORTED, Function

REGISTRY: dict[str, Function] = {
    f.name: f
    for f in [
        *timeseries.FUNCTIONS,
        *arrays.FUNCTIONS,
        *datetime.FUNCTIONS,
        *scalars.FUNCTIONS,
        *aggregates.FUNCTIONS,
    ]
}
FAMILIES = list(dict.fromkeys(f.family for f in REGISTRY.values()))


def lookup(name: str) -> Function:
    """The function called `name` (case-insensitive), else Timestream's unknown-function error."""
    function = REGISTRY.get(name.lower())
    if function is None:
        raise ValidationException(f"Function {name.lower()} not registered")
    return function


def support_table() -> str:
    """The README's support table: one row per family, names by status, then the notes."""
    lines = [
        "| Family | Supported | Supported with a difference | Refused |",
        "| --- | --- | --- | --- |",
    ]
    for family in FAMILIES:
        members = [f for f in REGISTRY.values() if f.family == family]
        cells = [", ".join(f"`{f.name}`" for f in members if f.status == status) or "-"
                 for status in (SUPPORTED, DIFFERENCE, REFUSED)]  # fmt: skip
        lines.append(f"| {family} | {' | '.join(cells)} |")
    lines += ["", "Differences and refusals:", ""]
    lines += [f"- `{f.name}`: {f.note}" for f in REGISTRY.values() if f.status in (DIFFERENCE, REFUSED)]
    return "\n".join(lines)


def counts() -> dict[str, int]:
    """How many functions have each status."""
    return {
        status: sum(f.status == status for f in REGISTRY.values())
        for status in (SUPPORTED, DIFFERENCE, REFUSED)
    }
