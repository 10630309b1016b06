"""Run a deployed function locally: its handler, in its own process, with its environment and timeout.

`LocalFunction` is what the local event source mapping invokes. Each function has one execution
environment (lambda_worker.py), started on the first invocation and reused, like a warm container.
As on Lambda:
- an exception in the handler is a function error (the mapping retries, bisecting if configured);
- an invocation that outlives the function's timeout is killed: a function error, and the next
  invocation starts a fresh environment (cold start); so is a process that dies;
- the init phase (importing the handler) does not count against the timeout, and a handler that
  cannot be imported is a function error (Runtime.ImportModuleError).
Only the one process it started is ever signalled, by its pid.
"""

from __future__ import annotations

import json
import os
import queue
import select
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

from local import lambda_worker
from local.lambda_worker import RESPONSE_FD_VARIABLE

WORKER_SCRIPT = Path(lambda_worker.__file__)
# Lambda reports a timeout a little after the deadline; the handler's own deadline comes first.
TIMEOUT_GRACE_SECONDS = 1.0
# Lambda's limit on a function's init phase (importing the handler), which is not part of its timeout.
INIT_TIMEOUT_SECONDS = 10.0


class EventJson(str):
    """An event already serialized as JSON: sent to the environment as it is, not serialized again."""


class FunctionError(RuntimeError):
    """The function failed: `error_type` as Lambda names it (Unhandled, Sandbox.Timedout, ...)."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type


class LocalFunction:
    """`function(event, context)`: invoke the handler in the function's local execution environment."""

    takes_event_json = True  # `event` may be an EventJson

    def __init__(
        self,
        *,
        name: str,
        arn: str,
        handler: str,
        asset_dir: Path,
        environment: Mapping[str, str],
        memory_mb: int,
        log_path: Path | None = None,
    ) -> None:
        self.name, self.arn, self.handler = name, arn, handler
        self._asset_dir, self._environment, self._memory_mb = asset_dir, dict(environment), memory_mb
        self._log_path = log_path
        self._process: subprocess.Popen[str] | None = None
        self._answers: TextIO | None = None
        self._initialized = False
        self._lock = threading.Lock()
        self.cold_starts = 0

    def start(self) -> None:
        """Start the execution environment now (its init runs while the caller does other work)."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._spawn()

    def __call__(self, event: Mapping[str, Any] | EventJson, context: Any) -> Any:
        remaining_ms = int(context.get_remaining_time_in_millis())
        event_json = event if isinstance(event, EventJson) else json.dumps(event)
        # The request line {"event", "remaining_ms", "request_id"} (lambda_worker.py), the event spliced in.
        request = f'{{"remaining_ms":{remaining_ms},"request_id":"{uuid.uuid4()}","event":{event_json}}}\n'
        with self._lock:
            process, answers = self._running()
            try:
                assert process.stdin is not None
                process.stdin.write(request)
                process.stdin.flush()
            except (BrokenPipeError, OSError):
                self._stop()
                raise FunctionError("Runtime.ExitError", f"{self.name}'s environment exited") from None
            line = self._answer(answers, remaining_ms / 1000 + TIMEOUT_GRACE_SECONDS)
        answer = json.loads(line)
        if "error" in answer:
            raise FunctionError(
                "Unhandled", f"{answer['error']['errorType']}: {answer['error']['errorMessage']}"
            )
        return answer["response"]

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _running(self) -> tuple[subprocess.Popen[str], TextIO]:
        if self._process is None or self._process.poll() is not None or self._answers is None:
            self._spawn()
        assert self._process is not None and self._answers is not None
        if not self._initialized:
            init = json.loads(self._answer(self._answers, INIT_TIMEOUT_SECONDS, "init"))
            if "init_error" in init:
                self._stop()
                error = init["init_error"]
                raise FunctionError(
                    "Runtime.ImportModuleError", f"{error['errorType']}: {error['errorMessage']}"
                )
            self._initialized = True
        return self._process, self._answers

    def _spawn(self) -> None:
        self._stop()
        read_end, write_end = os.pipe()
        output = self._log_path.open("a", encoding="utf-8") if self._log_path else None
        try:
            self._process = subprocess.Popen(  # noqa: S603 - a fixed argv list, no shell
                [
                    sys.executable,
                    "-I",  # isolated: neither PYTHONPATH nor the script's folder on sys.path
                    str(WORKER_SCRIPT),
                    str(self._asset_dir),
                    self.handler,
                    self.name,
                    self.arn,
                    str(self._memory_mb),
                ],
                stdin=subprocess.PIPE,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
                pass_fds=(write_end,),
                env={**self._environment, RESPONSE_FD_VARIABLE: str(write_end)},
                cwd=self._asset_dir,
                text=True,
                start_new_session=True,  # Ctrl-C reaches the mapping, which stops this process itself
            )
        finally:
            os.close(write_end)
            if output:
                output.close()
        self._answers = os.fdopen(read_end, "r", encoding="utf-8")
        self._initialized = False
        self.cold_starts += 1

    def _answer(self, answers: TextIO, timeout: float, phase: str = "invocation") -> str:
        ready, _, _ = select.select([answers], [], [], timeout)
        if not ready:
            self._stop()
            raise FunctionError("Sandbox.Timedout", f"{self.name}'s {phase} timed out after {timeout:.1f} s")
        line = answers.readline()
        if not line:
            self._stop()
            raise FunctionError(
                "Runtime.ExitError", f"{self.name}'s environment exited during the invocation"
            )
        return line

    def _stop(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()  # our own child, by its Popen handle: never someone else's pid
            self._process.wait(timeout=10)
            if self._process.stdin:
                self._process.stdin.close()
        if self._answers is not None:
            self._answers.close()
        self._process, self._answers = None, None


class ConcurrentFunction:
    """Up to `size` execution environments of one function, started as concurrent invocations need them.

    Lambda gives each shard of a mapping its own invocation, so several run at once, each in an
    environment of its own; an environment serves one invocation at a time and is then reused (warm).
    """

    takes_event_json = True  # passed on to LocalFunction

    def __init__(self, make_environment: Callable[[], LocalFunction], size: int) -> None:
        self._make, self._size = make_environment, max(1, size)
        self._environments: list[LocalFunction] = []
        self._idle: queue.SimpleQueue[LocalFunction] = queue.SimpleQueue()
        self._lock = threading.Lock()

    @property
    def cold_starts(self) -> int:
        return sum(environment.cold_starts for environment in self._environments)

    def start(self) -> None:
        """Start the first environment now (its init runs while the caller does other work)."""
        environment = self._take()
        environment.start()
        self._idle.put(environment)

    def __call__(self, event: Mapping[str, Any] | EventJson, context: Any) -> Any:
        environment = self._take()
        try:
            return environment(event, context)
        finally:
            self._idle.put(environment)

    def close(self) -> None:
        with self._lock:
            for environment in self._environments:
                environment.close()

    def _take(self) -> LocalFunction:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if len(self._environments) < self._size:
                self._environments.append(self._make())
                return self._environments[-1]
        return self._idle.get()
