"""`python -m local.moto_server -H host -p port`: moto's server, first with its Kinesis made linear, its
Glue version-checked, its recording limited to requests that change state and its per-request costs
independent of the body (moto_per_request.py)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import moto

from local import glue_versions, kinesis_responses, linear_kinesis, moto_per_request, moto_recording

# the moto whose replaced parts (Kinesis, Glue, per request, the recorder's order) were read
CHECKED_MOTO_VERSION = "5.2.5"


def install() -> None:
    """Linear shards, direct responses, Glue's version check and cheaper per-request work
    (moto_per_request.py) in this process; refuses a moto they were not checked against.

    An upgrade of moto therefore fails loudly (tests/local/test_linear_kinesis.py) until the modules are
    compared with the new moto files their docstrings name and CHECKED_MOTO_VERSION is updated.
    """
    if moto.__version__ != CHECKED_MOTO_VERSION:
        raise RuntimeError(
            "local.linear_kinesis, kinesis_responses, glue_versions, moto_recording and moto_per_request "
            f"replace parts of moto {CHECKED_MOTO_VERSION}, but moto {moto.__version__} is installed: "
            "compare them with the moto files their docstrings name, then update CHECKED_MOTO_VERSION in "
            "local/moto_server.py"
        )
    linear_kinesis.install()
    kinesis_responses.install()
    glue_versions.install()
    moto_recording.install()
    moto_per_request.install()


def main(argv: Sequence[str] | None = None) -> None:
    """moto's own server command line, after `install()`."""
    install()
    from moto.server import main as moto_main

    moto_main(list(argv) if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
