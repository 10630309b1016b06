"""`python -m local.moto_server -H host -p port`: moto's server, its Kinesis made linear and its
recording limited to requests that change state first."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import moto

from local import kinesis_responses, linear_kinesis, moto_recording

CHECKED_MOTO_VERSION = "5.2.5"  # the moto whose Kinesis Shard, put_record and responses were replaced


def install() -> None:
    """Linear shards and direct responses in this process; refuses a moto they were not checked against.

    An upgrade of moto therefore fails loudly (tests/local/test_linear_kinesis.py) until both modules are
    compared with the new moto/kinesis/models.py and responses.py and CHECKED_MOTO_VERSION is updated.
    """
    if moto.__version__ != CHECKED_MOTO_VERSION:
        raise RuntimeError(
            f"local.linear_kinesis and local.kinesis_responses replace parts of moto "
            f"{CHECKED_MOTO_VERSION}'s Kinesis, but moto {moto.__version__} is installed: compare them "
            "with moto/kinesis/models.py and responses.py, then update CHECKED_MOTO_VERSION "
            "in local/moto_server.py"
        )
    linear_kinesis.install()
    kinesis_responses.install()
    moto_recording.install()


def main(argv: Sequence[str] | None = None) -> None:
    """moto's own server command line, after `install()`."""
    install()
    from moto.server import main as moto_main

    moto_main(list(argv) if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
