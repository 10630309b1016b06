"""Date patterns to strftime: MySQL's (date_format/date_parse), Joda's (format_datetime/parse_datetime)."""

from __future__ import annotations

import re

from local.timestream.exceptions import ValidationException

_MYSQL = {
    "a": "%a", "b": "%b", "c": "%-m", "d": "%d", "e": "%-d", "f": "%f", "H": "%H", "h": "%I", "I": "%I",
    "i": "%M", "j": "%j", "k": "%-H", "l": "%-I", "M": "%B", "m": "%m", "p": "%p", "r": "%I:%M:%S %p",
    "S": "%S", "s": "%S", "T": "%H:%M:%S", "v": "%V", "W": "%A", "Y": "%Y", "y": "%y", "%": "%%",
}  # fmt: skip
_JODA = {
    "yyyy": "%Y", "YYYY": "%Y", "yy": "%y", "MMMM": "%B", "MMM": "%b", "MM": "%m", "M": "%-m",
    "dd": "%d", "d": "%-d", "DDD": "%j", "EEEE": "%A", "EEE": "%a", "E": "%a", "HH": "%H", "H": "%-H",
    "hh": "%I", "h": "%-I", "mm": "%M", "m": "%-M", "ss": "%S", "s": "%-S", "SSSSSSSSS": "%n",
    "SSSSSS": "%f", "SSS": "%g", "a": "%p",
}  # fmt: skip
_JODA_TOKEN = re.compile(r"'[^']*'|([A-Za-z])\1*")


def from_mysql(pattern: str) -> str:
    """strftime pattern for a MySQL-style pattern (%Y-%m-%d %H:%i:%s)."""
    out, position = [], 0
    while position < len(pattern):
        char = pattern[position]
        if char == "%" and position + 1 < len(pattern):
            code = pattern[position + 1]
            if code not in _MYSQL:
                raise ValidationException(
                    f"date_format: the specifier %{code} is not supported by the local Timestream."
                )
            out.append(_MYSQL[code])
            position += 2
            continue
        out.append(char)
        position += 1
    return "".join(out)


def from_joda(pattern: str) -> str:
    """strftime pattern for a Joda-Time pattern (yyyy-MM-dd HH:mm:ss)."""
    out, position = [], 0
    for match in _JODA_TOKEN.finditer(pattern):
        out.append(pattern[position : match.start()].replace("%", "%%"))
        token = match.group(0)
        if token.startswith("'"):
            out.append(token[1:-1].replace("%", "%%") or "'")
        elif token in _JODA:
            out.append(_JODA[token])
        else:
            raise ValidationException(
                f"format_datetime: the pattern letter {token!r} is not supported by the local Timestream."
            )
        position = match.end()
    out.append(pattern[position:].replace("%", "%%"))
    return "".join(out)
