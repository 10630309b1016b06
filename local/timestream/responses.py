"""One method per Timestream API operation: unpack the request, call the service, shape the response."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from local.timestream.exceptions import UnknownOperationException, ValidationException
from local.timestream.service import TimestreamService

TARGET_PREFIX = "Timestream_20181101."
ENDPOINT_CACHE_MINUTES = 1440


class TimestreamResponses:
    """Dispatches `X-Amz-Target: Timestream_20181101.<Op>` to the matching method."""

    def __init__(self, service: TimestreamService, address: Callable[[], str]) -> None:
        self.service = service
        self.address = address

    def dispatch(self, target: str, params: dict[str, Any]) -> dict[str, Any]:
        operation = target.removeprefix(TARGET_PREFIX)
        handler = getattr(self, _snake(operation), None) if target.startswith(TARGET_PREFIX) else None
        if handler is None or operation.startswith("_") or operation == "dispatch":
            raise UnknownOperationException(f"Operation {target!r} is not supported by the local Timestream.")
        return handler(params)

    def describe_endpoints(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"Endpoints": [{"Address": self.address(), "CachePeriodInMinutes": ENDPOINT_CACHE_MINUTES}]}

    def create_database(self, params: dict[str, Any]) -> dict[str, Any]:
        database = self.service.catalog.create_database(
            _required(params, "DatabaseName"), params.get("KmsKeyId")
        )
        return {"Database": database.describe(0)}

    def describe_database(self, params: dict[str, Any]) -> dict[str, Any]:
        name = _required(params, "DatabaseName")
        return {
            "Database": self.service.catalog.database(name).describe(self.service.catalog.table_count(name))
        }

    def list_databases(self, params: dict[str, Any]) -> dict[str, Any]:
        catalog = self.service.catalog
        names = sorted(catalog.databases)
        page, token = _page(names, params)
        return {"Databases": [catalog.databases[n].describe(catalog.table_count(n)) for n in page], **token}

    def update_database(self, params: dict[str, Any]) -> dict[str, Any]:
        name = _required(params, "DatabaseName")
        database = self.service.catalog.update_database(name, _required(params, "KmsKeyId"))
        return {"Database": database.describe(self.service.catalog.table_count(name))}

    def delete_database(self, params: dict[str, Any]) -> dict[str, Any]:
        self.service.catalog.delete_database(_required(params, "DatabaseName"))
        return {}

    def create_table(self, params: dict[str, Any]) -> dict[str, Any]:
        table = self.service.catalog.create_table(
            _required(params, "DatabaseName"),
            _required(params, "TableName"),
            params.get("RetentionProperties") or {},
            params.get("MagneticStoreWriteProperties") or {},
        )
        return {"Table": table.describe()}

    def describe_table(self, params: dict[str, Any]) -> dict[str, Any]:
        table = self.service.catalog.table(_required(params, "DatabaseName"), _required(params, "TableName"))
        return {"Table": table.describe()}

    def list_tables(self, params: dict[str, Any]) -> dict[str, Any]:
        catalog = self.service.catalog
        database = params.get("DatabaseName")
        if database:
            catalog.database(database)
        keys = sorted(key for key in catalog.tables if database in (None, key[0]))
        page, token = _page(keys, params)
        return {"Tables": [catalog.tables[key].describe() for key in page], **token}

    def update_table(self, params: dict[str, Any]) -> dict[str, Any]:
        table = self.service.catalog.update_table(
            _required(params, "DatabaseName"),
            _required(params, "TableName"),
            params.get("RetentionProperties") or {},
            params.get("MagneticStoreWriteProperties") or {},
        )
        return {"Table": table.describe()}

    def delete_table(self, params: dict[str, Any]) -> dict[str, Any]:
        self.service.catalog.delete_table(_required(params, "DatabaseName"), _required(params, "TableName"))
        return {}

    def write_records(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.service.write_records(
            _required(params, "DatabaseName"),
            _required(params, "TableName"),
            params.get("Records"),
            params.get("CommonAttributes"),
        )

    def query(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.service.query(
            _required(params, "QueryString"), params.get("MaxRows"), params.get("NextToken")
        )

    def cancel_query(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.service.cancel_query(_required(params, "QueryId"))


def _required(params: dict[str, Any], name: str) -> Any:
    if params.get(name) in (None, ""):
        raise ValidationException(f"{name} is required.")
    return params[name]


def _page(items: list[Any], params: dict[str, Any]) -> tuple[list[Any], dict[str, str]]:
    """List pagination: NextToken is the offset of the next item."""
    try:
        start = int(params.get("NextToken") or 0)
    except ValueError:
        raise ValidationException("NextToken is invalid: pass the NextToken of the previous page.") from None
    size = int(params.get("MaxResults") or 20)
    page = items[start : start + size]
    return page, ({"NextToken": str(start + size)} if start + size < len(items) else {})


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")
