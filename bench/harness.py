"""What every bench/ script shares: quick mode, load, timing, canned HTTP for botocore, figure lines.

Honest figures need three things this module makes the easy way:
- the product's own path, botocore included: `CannedHTTP` answers on botocore's `before-send` event, so
  parameter validation, serialization, signing, retries and response parsing all run; only the socket
  is skipped;
- a comparison measured in the same run, printed on the same line with the ratio (`compare`);
- the machine's load next to every figure (2 shared cores: a figure taken at load 6 is not one at 0.5).
`--quick` (or BENCH_QUICK=1) shrinks every size so that tests/bench runs each script in seconds; its
figures mean nothing and say so.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
QUICK_ENV = "BENCH_QUICK"


def parse_args(
    description: str, argv: Sequence[str] | None, parser: argparse.ArgumentParser | None = None
) -> Any:
    """The script's arguments plus `--quick`; sets `args.quick` from the flag or BENCH_QUICK=1."""
    parser = parser or argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help=f"tiny sizes, a smoke run (or {QUICK_ENV}=1)")
    args = parser.parse_args(argv)
    args.quick = args.quick or os.environ.get(QUICK_ENV) == "1"
    if args.quick:
        print("QUICK MODE: smoke-test sizes; the figures below are not measurements")
    return args


def on_path(*folders: str) -> None:
    """Put repository folders (relative to the root) first on sys.path, as the deployed bundles see them."""
    for folder in reversed(folders):
        path = str(REPO_ROOT / folder) if folder else str(REPO_ROOT)
        if path not in sys.path:
            sys.path.insert(0, path)


def load() -> str:
    """The 1-minute load average over the cores, as `uptime` shows it."""
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} (5 min {five:.2f}) on {os.cpu_count()} cores"


@dataclass(frozen=True)
class Timing:
    """Wall seconds of repeated runs of the same work."""

    runs: tuple[float, ...]

    @property
    def best(self) -> float:
        return min(self.runs)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


def time_runs(work: Callable[[], Any], repeats: int) -> Timing:
    """Run `work` `repeats` times; the caller quotes `median` (or `best` for a floor)."""
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        runs.append(time.perf_counter() - started)
    return Timing(tuple(runs))


@dataclass(frozen=True)
class Figure:
    """A measured rate, or a duration (`higher_is_better=False`: its ratio reads "x the time")."""

    label: str
    value: float
    unit: str
    higher_is_better: bool = True

    def text(self) -> str:
        digits = 0 if abs(self.value) >= 100 else 2 if abs(self.value) >= 1 else 3
        return f"{self.value:,.{digits}f} {self.unit}"


def compare(figure: Figure, *comparisons: Figure) -> str:
    """Print `figure vs comparison (ratio)` for each comparison on one line, with the load; returns it.

    Rates read `(0.25x)`: a quarter of the comparison's rate. Durations read `(4.00x the time)`.
    """
    parts = [f"{figure.label}: {figure.text()}"]
    for other in comparisons:
        ratio = figure.value / other.value if other.value else float("nan")
        parts.append(
            f"vs {other.label} {other.text()} ({ratio:.2f}x{'' if figure.higher_is_better else ' the time'})"
        )
    line = "  ".join(parts) + f"  [{load()}]"
    print(line, flush=True)
    return line


def say(text: str) -> None:
    """A figure without comparison (sizes, counts, memory), with the load."""
    print(f"{text}  [{load()}]", flush=True)


class _Body:
    """What botocore reads a response body from (`raw.stream()`)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data


Responder = Callable[[str, dict[str, Any]], tuple[int, bytes]]


class CannedHTTP:
    """A botocore `before-send` handler: answers every request of a client without a socket.

    `respond(operation, request_body)` returns (status, body bytes); the client's own serializer built
    the request and its own parser reads the answer, exactly as over the network. The operation is the
    X-Amz-Target's suffix (JSON protocols) or the `Action` of a query request.
    """

    def __init__(
        self, respond: Responder, content_type: str = "application/x-amz-json-1.0", *, reads_body: bool = True
    ) -> None:
        self._respond = respond
        self._content_type = content_type
        self._reads_body = reads_body  # False: `respond` gets {} (parsing the body is no send's work)
        self.calls = 0

    def attach(self, client: Any) -> Any:
        client.meta.events.register("before-send", self)
        return client

    def __call__(self, request: Any, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        self.calls += 1
        target = request.headers.get("X-Amz-Target", b"")
        operation = (target.decode() if isinstance(target, bytes) else target).rsplit(".", 1)[-1]
        body = request.body or b"{}"
        params = json.loads(body) if self._reads_body and body[:1] in (b"{", "{") else {}
        status, payload = self._respond(operation, params)
        headers = {
            "Content-Type": self._content_type,
            "x-amzn-RequestId": "bench",
            "Content-Length": str(len(payload)),
        }
        return AWSResponse(request.url, status, headers, _Body(payload))


def local_client(service: str, canned: CannedHTTP | None = None, **config: Any) -> Any:
    """A real boto3 client on a local endpoint (no discovery, fake credentials), optionally canned."""
    import boto3
    from botocore.config import Config

    client = boto3.client(
        service,
        endpoint_url="http://127.0.0.1:9",  # never contacted when canned
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106 - a fake key for a stubbed endpoint
        config=Config(**config) if config else None,
    )
    return canned.attach(client) if canned else client


def peak_rss_mib() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
