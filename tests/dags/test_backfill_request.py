"""The backfill request rules: every malicious or malformed conf is refused with a message per problem."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dags.backfill_support import EXPECTED_BODY, EXPORT_DAG_IDS, PROBE_DAG_ID, VALID_CONF
from timestream_pipeline import backfill_request as br

SHELL_PAYLOADS = (
    "; rm -rf /",
    "| cat /etc/passwd",
    "& curl evil.example",
    "$(id)",
    "`id`",
    "> /tmp/x",
    "< /etc/shadow",
    "\nairflow users create",
    "dags backfill -s 2021-09-10 -e 2021-10-10 timestream-airflow-demo",
)
STRING_FIELDS = ("dag_id", "from_date", "to_date", "reprocess_behavior")


def validate(conf: Any, max_span_days: int = 31) -> br.BackfillRequest:
    return br.validate_backfill_conf(conf, allowed_dag_ids=EXPORT_DAG_IDS, max_span_days=max_span_days)


def problems_of(conf: Any, max_span_days: int = 31) -> list[str]:
    with pytest.raises(br.BackfillConfError) as caught:
        validate(conf, max_span_days)
    return caught.value.problems


@pytest.mark.parametrize("payload", SHELL_PAYLOADS)
@pytest.mark.parametrize("field", STRING_FIELDS)
def test_shell_metacharacters_in_any_field_are_refused(field: str, payload: str) -> None:
    """A shell payload, appended to a valid value or alone, never passes validation."""
    # GIVEN a valid conf whose field carries a shell payload
    for value in (f"{VALID_CONF[field]}{payload}", payload):
        conf = {**VALID_CONF, field: value}
        # WHEN it is validated THEN exactly that field is reported
        problems = problems_of(conf)
        assert len(problems) == 1 and problems[0].startswith(field)


@pytest.mark.parametrize("field", ["max_active_runs", "dry_run", "wait_for_completion"])
def test_shell_payload_in_a_non_string_field_is_a_type_error(field: str) -> None:
    """Numbers and booleans given as strings (shell payload or not) are refused, naming the type."""
    # GIVEN a number/boolean field given a string
    conf = {**VALID_CONF, field: "1; reboot"}
    # WHEN validated THEN the problem names the field and the string received
    (problem,) = problems_of(conf)
    assert problem.startswith(field) and "str" in problem


def test_the_seed_command_conf_is_refused_as_an_unknown_field() -> None:
    """The seed's `{"command": ...}` conf is rejected outright, with the allowed fields listed."""
    # GIVEN the seed's conf shape
    conf = {"command": "dags backfill -s 2021-09-10 -e 2021-10-10 x"}
    # WHEN validated
    problems = problems_of(conf)
    # THEN the extra key and the three missing fields are all reported
    assert problems[0].startswith("'command': unknown field")
    assert {p.split(":")[0] for p in problems[1:]} == {"dag_id", "from_date", "to_date"}


def test_an_extra_key_is_refused_even_beside_a_valid_conf() -> None:
    """Unknown keys are never ignored: they may be typos of a real field."""
    # GIVEN a valid conf plus a misspelt field WHEN validated THEN the key is named
    (problem,) = problems_of({**VALID_CONF, "maxactive_runs": 2})
    assert "'maxactive_runs': unknown field" in problem


def test_an_unknown_dag_id_lists_the_export_dags() -> None:
    """A DAG that is not a declared export cannot be backfilled through this DAG."""
    # GIVEN a DAG id of a real but non-export DAG WHEN validated THEN the exports are listed
    (problem,) = problems_of({**VALID_CONF, "dag_id": "timestream_backfill"})
    assert "not an export DAG" in problem and PROBE_DAG_ID in problem


@pytest.mark.parametrize("to_date", ["2026-11-01T00:00:00Z", "2026-10-31T23:00:00Z"])
def test_equal_or_reversed_dates_are_refused(to_date: str) -> None:
    """from_date must be strictly earlier than to_date."""
    # GIVEN a to_date equal to or before from_date WHEN validated THEN the order is reported
    (problem,) = problems_of({**VALID_CONF, "to_date": to_date})
    assert "must be earlier than" in problem


def test_a_span_over_the_limit_is_refused_with_the_limit() -> None:
    """The configurable span limit caps one backfill's size."""
    # GIVEN a 3-day range and a 2-day limit WHEN validated THEN the limit is named
    conf = {**VALID_CONF, "to_date": "2026-11-04T00:00:00Z"}
    (problem,) = problems_of(conf, max_span_days=2)
    assert "limit of 2 days" in problem


def test_a_span_exactly_at_the_limit_is_accepted() -> None:
    """The limit is inclusive: 31 days of range is allowed with the default limit."""
    # GIVEN a 31-day range WHEN validated THEN it passes
    request = validate({**VALID_CONF, "to_date": "2026-12-02T00:00:00Z"})
    assert (request.to_date - request.from_date).days == 31


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("2026-11-01", "2026-11-01T00:00:00Z"),
        ("2026-11-01T02:00:00+02:00", "2026-11-01T00:00:00Z"),
        ("2026-11-01T00:00:00", "offset is required"),
        ("2026-13-01T00:00:00Z", "not a real date-time"),
        ("yesterday", "YYYY-MM-DDTHH:MM"),
    ],
)
def test_non_utc_or_malformed_dates_get_a_fix(value: str, hint: str) -> None:
    """A date that is not an explicit UTC date-time is refused with the value to write instead."""
    # GIVEN a malformed from_date WHEN validated THEN the message carries the fix
    (problem,) = problems_of({**VALID_CONF, "from_date": value, "to_date": "2026-11-02T00:00:00Z"})
    assert problem.startswith("from_date") and hint in problem


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dag_id", 42),
        ("from_date", 1730419200),
        ("max_active_runs", 4.5),
        ("max_active_runs", True),
        ("max_active_runs", 0),
        ("max_active_runs", 17),
        ("dry_run", "false"),
        ("reprocess_behavior", "all"),
    ],
)
def test_wrong_types_and_out_of_range_values_are_refused(field: str, value: Any) -> None:
    """Types are exact (no truthy strings, no bool-as-int) and numbers are bounded."""
    # GIVEN a wrong value WHEN validated THEN that field is reported
    (problem,) = problems_of({**VALID_CONF, field: value})
    assert problem.startswith(field)


def test_all_problems_are_reported_together() -> None:
    """One validation lists every problem, so a user fixes the conf in one go."""
    # GIVEN a conf wrong in four ways
    conf = {
        "dag_id": "nope",
        "from_date": "x",
        "to_date": "2026-11-01T00:00:00Z",
        "max_active_runs": 99,
        "extra": 1,
    }
    # WHEN validated THEN four problems come back at once
    assert len(problems_of(conf)) == 4


@pytest.mark.parametrize("conf", [None, [], "dag_id=x", 3])
def test_a_conf_that_is_not_an_object_is_refused(conf: Any) -> None:
    """Only a JSON object can be a conf."""
    # GIVEN a non-object WHEN validated THEN the message says an object is expected
    (problem,) = problems_of(conf)
    assert "JSON object" in problem


def test_a_valid_conf_becomes_exactly_one_post_to_backfills() -> None:
    """The request is built once, as plain data: path, method and body."""
    # GIVEN a valid conf WHEN turned into a call
    call = br.backfill_call(validate(VALID_CONF))
    # THEN it is the POST /backfills Airflow expects
    assert (call.method, call.path, call.body, call.query) == ("POST", "/backfills", EXPECTED_BODY, {})


def test_a_dry_run_posts_the_same_body_to_the_dry_run_path() -> None:
    """A dry run differs only by its path."""
    # GIVEN a dry-run conf WHEN turned into a call THEN only the path changes
    call = br.backfill_call(validate({**VALID_CONF, "dry_run": True}))
    assert (call.method, call.path, call.body) == ("POST", "/backfills/dry_run", EXPECTED_BODY)


def test_defaults_fill_the_optional_fields_and_plus_zero_offset_is_utc() -> None:
    """Only dag_id and the dates are required; +00:00 is normalised to Z."""
    # GIVEN the three required fields WHEN validated
    request = validate(
        {"dag_id": PROBE_DAG_ID, "from_date": "2026-11-01T00:00+00:00", "to_date": "2026-11-01T05:00:00Z"}
    )
    # THEN the defaults apply and the body is the expected one
    assert br.backfill_call(request).body == EXPECTED_BODY
    assert (request.dry_run, request.wait_for_completion) == (False, False)


def test_a_browser_style_timestamp_is_accepted_and_normalised() -> None:
    """JavaScript's toISOString (milliseconds, Z) is UTC too; the body carries the plain form."""
    # GIVEN from_date as a browser writes it WHEN validated and built
    call = br.backfill_call(validate({**VALID_CONF, "from_date": "2026-11-01T00:00:00.000Z"}))
    # THEN the body is the one expected
    assert call.body == EXPECTED_BODY
