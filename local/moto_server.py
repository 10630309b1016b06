"""`python -m local.moto_server -H host -p port`: moto's server, first with its Kinesis made linear, its
Glue version-checked and its recording limited to requests that change state."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import moto

from local import glue_versions, kinesis_responses, linear_kinesis, moto_recording

CHECKED_MOTO_VERSION = "5.2.5"  # the moto whose Kinesis and Glue UpdateTable parts were replaced


def install() -> None:
    """Linear shards, direct responses and Glue's version check in this process; refuses a moto they were
    not checked against.

    An upgrade of moto therefore fails loudly (tests/local/test_linear_kinesis.py) until the modules are
    compared with the new moto/kinesis/models.py, kinesis/responses.py and glue/responses.py and
    CHECKED_MOTO_VERSION is updated.
    """
    if moto.__version__ != CHECKED_MOTO_VERSION:
        raise RuntimeError(
            f"local.linear_kinesis, local.kinesis_responses and local.glue_versions replace parts of moto "
            f"{CHECKED_MOTO_VERSION}'s Kinesis and Glue, but moto {moto.__version__} is installed: compare "
            "them with moto/kinesis/models.py, kinesis/responses.py and glue/responses.py, then update "
            "CHECKED_MOTO_VERSION in local/moto_server.py"
        )
    linear_kinesis.install()
    kinesis_responses.install()
    glue_versions.install()
    moto_recording.install()


def main(argv: Sequence[str] | None = None) -> None:
    """moto's own server command line, after `install()`."""
    install()
    from moto.server import main as moto_main

    moto_main(list(argv) if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
