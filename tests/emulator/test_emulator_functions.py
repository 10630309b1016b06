"""Every function of the registry: its documented examples answer with the documented value and type,
every refused function is refused by name, and an unknown name gets Timestream's error."""

from __future__ import annotations

from typing import Any

import pytest
from function_examples import EXAMPLES, OPERATORS

from local.timestream.functions import REGISTRY
from local.timestream.functions.registry import REFUSED

EXAMPLE_CASES = [(name, *case) for name, cases in EXAMPLES.items() for case in cases]
REFUSED_NAMES = sorted(f.name for f in REGISTRY.values() if f.status == REFUSED)


def _value(datum: dict[str, Any]) -> Any:
    """A Datum as the examples write it: text, None, a list (array) or a tuple (row)."""
    if datum.get("NullValue"):
        return None
    if "ArrayValue" in datum:
        return [_value(d) for d in datum["ArrayValue"]]
    if "RowValue" in datum:
        return tuple(_value(d) for d in datum["RowValue"]["Data"])
    return datum["ScalarValue"]


def _select(expression: str) -> str:
    return expression if expression.upper().startswith("SELECT ") else f"SELECT {expression}"


@pytest.mark.parametrize(("name", "expression", "expected", "scalar_type"), EXAMPLE_CASES)
def test_documented_example_answers_as_documented(
    query_client: Any, name: str, expression: str, expected: Any, scalar_type: str | None
) -> None:
    """The documented example gives the documented value, with the documented type."""
    page = query_client.query(QueryString=_select(expression))
    got = _value(page["Rows"][0]["Data"][0])
    if scalar_type == "DOUBLE" and expected not in ("NaN", "Infinity"):
        assert float(got) == pytest.approx(float(expected), rel=1e-12)  # last-bit differences of libm
    else:
        assert got == expected
    if scalar_type:
        assert page["ColumnInfo"][0]["Type"] == {"ScalarType": scalar_type}


@pytest.mark.parametrize(("expression", "expected", "scalar_type"), OPERATORS)
def test_date_time_operators_answer_as_documented(
    query_client: Any, expression: str, expected: str, scalar_type: str
) -> None:
    """Date/interval arithmetic: DATE stays DATE, intervals keep their kind and value."""
    page = query_client.query(QueryString=f"SELECT {expression}")
    assert page["Rows"][0]["Data"][0] == {"ScalarValue": expected}
    assert page["ColumnInfo"][0]["Type"] == {"ScalarType": scalar_type}


def test_every_supported_function_outside_time_series_has_an_example() -> None:
    """Nothing is declared supported without a documented example that checks it (time series: own tests)."""
    answered = {f.name for f in REGISTRY.values() if f.status != REFUSED and f.family != "Time series"}
    assert sorted(answered - set(EXAMPLES)) == []
    assert sorted(set(EXAMPLES) - set(REGISTRY)) == []


@pytest.mark.parametrize("name", REFUSED_NAMES)
def test_refused_function_is_refused_by_name(query_client: Any, name: str) -> None:
    """A refused function is a ValidationException naming it and saying why."""
    with pytest.raises(
        query_client.exceptions.ValidationException, match=f"Function {name} is not supported by"
    ):
        query_client.query(QueryString=f"SELECT {name}(1)")


def test_an_unknown_function_gets_timestreams_error(query_client: Any) -> None:
    """A name the reference does not have (e.g. cumulative_sum) is 'not registered', as the service says."""
    with pytest.raises(
        query_client.exceptions.ValidationException, match=r"Function cumulative_sum not registered$"
    ):
        query_client.query(QueryString="SELECT cumulative_sum(1)")
