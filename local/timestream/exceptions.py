"""Timestream's error codes and shapes, as boto3 parses them into `client.exceptions.<Code>`."""

from __future__ import annotations

from typing import Any

_ERROR_NAMESPACE = "com.amazonaws.timestream.v20181101"


class TimestreamError(Exception):
    """An AWS error response: an HTTP status, a code (`__type`) and a message."""

    code = "InternalServerException"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, Any]:
        """The JSON 1.0 error body; botocore reads the code from `__type` and the text from `message`."""
        return {"__type": f"{_ERROR_NAMESPACE}#{self.code}", "message": self.message, "Message": self.message}


class ValidationException(TimestreamError):
    code = "ValidationException"
    status = 400


class ResourceNotFoundException(TimestreamError):
    code = "ResourceNotFoundException"
    status = 404


class ConflictException(TimestreamError):
    code = "ConflictException"
    status = 409


class ThrottlingException(TimestreamError):
    code = "ThrottlingException"
    status = 429


class InternalServerException(TimestreamError):
    code = "InternalServerException"
    status = 500


class UnknownOperationException(TimestreamError):
    code = "UnknownOperationException"
    status = 400


class RejectedRecordsException(TimestreamError):
    """A partial success: the listed records were rejected, every other record of the call was stored."""

    code = "RejectedRecordsException"
    status = 419

    def __init__(self, rejected: list[dict[str, Any]]) -> None:
        super().__init__("One or more records have been rejected. See RejectedRecords for details.")
        self.rejected = rejected

    def body(self) -> dict[str, Any]:
        return {**super().body(), "RejectedRecords": self.rejected}
