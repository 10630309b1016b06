"""What every command line of the repository shares: user mistakes end as one line and a non-zero status.

`python -m local`, `python -m generators` and `python -m infra.deploy_dags` build their parsers from
`OneLineParser` and run their work through `quiet_when_stdout_closes`, so a bad option, a closed
stdout (`| head`) or missing AWS credentials never end in a usage dump or a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import NoReturn

USAGE_ERROR = 2  # argparse's status for a bad option; every CLI here keeps it
CLOSED_STDOUT = 141
CREDENTIALS_HELP = (
    "set AWS_PROFILE to a profile of ~/.aws/config (or run `aws configure`), or set "
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN for temporary ones)"
)


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a mistake prints one line (`prog: error: ... (see --help)`), not the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def non_negative_int(text: str) -> int:
    """argparse type: 0, 1, 2, ..."""
    return _bounded_int(text, 0, "0 or more")


def positive_int(text: str) -> int:
    """argparse type: 1, 2, 3, ..."""
    return _bounded_int(text, 1, "1 or more")


def _bounded_int(text: str, low: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < low:
        raise argparse.ArgumentTypeError(f"{text!r} must be {what}")
    return value


def missing_credentials(purpose: str) -> str:
    """The one line for botocore's NoCredentialsError: which credentials, what for, how to set them."""
    return f"no AWS credentials found (needed to {purpose}): {CREDENTIALS_HELP}"


def quiet_when_stdout_closes(run: Callable[[], int]) -> int:
    """Run a command; when its reader goes away (`command | head`), stop quietly with 141, as `cat` does.

    141 is 128 + SIGPIPE, the status a shell reports for a program stopped by a closed pipe.
    """
    try:
        status = run()
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        # Point stdout at /dev/null so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return CLOSED_STDOUT
