"""Typed errors of the ingest Lambda: each says what was wrong, where, and how to fix it."""

from __future__ import annotations

from enum import StrEnum


class QuarantineReason(StrEnum):
    """Why a record went to quarantine (a closed set, so it is safe as a metric dimension)."""

    UNDECODABLE = "undecodable"  # not base64/UTF-8/JSON, or a shape no decoder recognises
    INVALID_VALUE = "invalid_value"  # a field has the wrong type, NaN/Infinity, out of range
    FUTURE_TIMESTAMP = "future_timestamp"  # more than 15 minutes ahead of the Lambda's clock
    REJECTED_BY_TIMESTREAM = "rejected_by_timestream"  # RejectedRecordsException named it
    INVALID_FOR_TIMESTREAM = "invalid_for_timestream"  # ValidationException, isolated to this record


class DecodeError(ValueError):
    """A payload that can never be written as it is; the processor quarantines its source record."""

    def __init__(self, reason: QuarantineReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class InvalidValueError(DecodeError):
    """A recognised payload with a value Timestream cannot store (names the field and the fix)."""

    def __init__(self, field: str, problem: str, fix: str) -> None:
        super().__init__(QuarantineReason.INVALID_VALUE, f"field {field!r}: {problem}; {fix}")
        self.field = field


class UndecodableError(DecodeError):
    """A payload whose bytes or shape no decoder understands."""

    def __init__(self, message: str) -> None:
        super().__init__(QuarantineReason.UNDECODABLE, message)


class ConfigError(RuntimeError):
    """The Lambda's environment is incomplete or wrong; raised at cold start, before any record."""


class MalformedEventError(ValueError):
    """The invocation event is not a Kinesis event (a wiring mistake, not a bad record)."""
