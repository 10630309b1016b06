"""Sends a sink's full calls on one background thread, in order, while the caller builds the next.

A sink's call is a request/response exchange: while it waits for the answer, building the next
call's records (and, against the local stack, the server's own work) could run. One sender thread
overlaps the two without changing what is sent or in which order: calls leave one at a time, in the
order they were handed over, with the sink's own retries inside each. At most one call waits while
another is in flight, so memory stays bounded and a slow destination slows the generator down.

Once a call fails for good (`DeliveryError`: no stream, no permission), every call handed over after
it is counted failed (`NOT_SENT`) instead of being sent, and the error is raised to the caller
at its next hand-over and when it waits for the rest: nothing is dropped without being counted.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

_STOP = object()
NOT_SENT = "not sent: the run stopped at an earlier error"


class BackgroundSender:
    """`hand_over(batch)` queues a call; `wait()` returns once every call handed over has finished."""

    def __init__(self, send: Callable[[list[Any]], None], refuse: Callable[[list[Any], str], None]) -> None:
        self._send = send
        self._refuse = refuse  # counts a batch as failed, with a reason, without sending it
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def hand_over(self, batch: list[Any]) -> None:
        if self._error is not None:
            self._refuse(batch, NOT_SENT)
            raise self._error
        if self._thread is None:
            self._thread = threading.Thread(target=self._send_in_order, name="sink-sender", daemon=True)
            self._thread.start()
        self._queue.put(batch)

    def wait(self) -> None:
        """Block until every call handed over was sent (or refused); raise the error that stopped them."""
        if self._thread is not None:
            self._queue.join()
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        """End the thread once it has sent what it holds (the sink can still send inline afterwards)."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    def _send_in_order(self) -> None:
        while (batch := self._queue.get()) is not _STOP:
            try:
                if self._error is None:
                    self._send(batch)
                else:
                    self._refuse(batch, NOT_SENT)
            except BaseException as error:  # handed to the caller's thread by wait()
                self._error = error
            finally:
                self._queue.task_done()
        self._queue.task_done()
