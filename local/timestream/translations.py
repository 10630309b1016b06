"""Translations kept per SQL text: a query the exports send every hour is parsed and mapped once.

The DuckDB text of a Timestream query depends only on the query's text, except for two inputs the
cache must not freeze: the query's start time (`now()`, `ago()`), which `translate` writes last, in
place of a marker, and the tables it reads, which the catalog resolves to storage views. An entry keeps
the text before the time goes in and the tables as they were resolved; a hit resolves them again in the
same order (so a dropped table fails as it would on a first translation) and is used only when each
one is still the same view: a table dropped and created again is translated afresh.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import NamedTuple

from local.timestream.functions.datetime import NOW
from local.timestream.query import TableResolver, now_literal, translate

MAX_ENTRIES = 256  # distinct query texts kept; the least recently used goes first


class _Entry(NamedTuple):
    duck_sql: str  # with the NOW marker in place of the query's start time
    tables: tuple[tuple[str, str, str], ...]  # (database, table, view) in the order they were resolved


class Translations:
    """`translate` with the work done once per query text."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def translate(self, sql: str, resolve_table: TableResolver, now_ns: int) -> str:
        """What `query.translate(sql, resolve_table, now_ns)` returns (or raises)."""
        with self._lock:
            entry = self._entries.get(sql)
            if entry is not None:
                self._entries.move_to_end(sql)
        if entry is None or any(resolve_table(db, table) != view for db, table, view in entry.tables):
            entry = self._translate(sql, resolve_table)
        return entry.duck_sql.replace(NOW, now_literal(now_ns))

    def _translate(self, sql: str, resolve_table: TableResolver) -> _Entry:
        resolved: list[tuple[str, str, str]] = []

        def recording(database: str, table: str) -> str:
            view = resolve_table(database, table)
            resolved.append((database, table, view))
            return view

        entry = _Entry(translate(sql, recording, None), tuple(resolved))
        with self._lock:
            self._entries[sql] = entry
            self._entries.move_to_end(sql)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return entry
