"""Copy this checkout (a git checkout) as a clone would have it, uncommitted changes included: the
README's and the CLIs' tests run in such a copy, so they never touch this checkout's `.local/`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from pipeline_config.bundles import REPO_ROOT

# What the Makefile's stamp of each shared folder depends on: a copy sharing the folder must never
# rebuild it (`npm ci` through a link would empty this checkout's node_modules).
BOOTSTRAP_INPUTS = {
    ".venv": ("requirements.txt", "requirements-dev.txt", "constraints.txt"),
    "node_modules": ("package.json", "package-lock.json"),
}


def copy_checkout(destination: Path, *, share: Iterable[str] = (".venv", "node_modules")) -> Path:
    """Tracked and new (not ignored) files, mtimes kept; `share` links to this checkout's folders.

    The inputs of a shared folder's bootstrap get an old mtime, so make sees that folder as up to date
    (the checkout's own `make bootstrap` keeps it so).
    """
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for relative in filter(None, listed.split("\0")):
        source = REPO_ROOT / relative
        if source.is_file():
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    for folder in share:
        (destination / folder).symlink_to((REPO_ROOT / folder).resolve())
        for name in BOOTSTRAP_INPUTS.get(folder, ()):
            os.utime(destination / name, (0, 0))
    return destination
