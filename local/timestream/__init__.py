"""A local Amazon Timestream (LiveAnalytics) on DuckDB: the real write rules and real SQL, offline."""

from local.timestream.server import TimestreamServer

__all__ = ["TimestreamServer"]
