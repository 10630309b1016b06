"""Which files of a source folder get shipped (to the Lambda asset or the MWAA bucket), stdlib only."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

# Build output, caches and tests never ship; they would only bloat the bundle or leak test fixtures.
EXCLUDED_DIRS = frozenset(
    {"__pycache__", "tests", ".pytest_cache", ".ruff_cache", ".mypy_cache", ".ipynb_checkpoints"}
)
EXCLUDED_SUFFIXES = frozenset({".pyc", ".pyo"})
EXCLUDED_FILES = frozenset({".DS_Store"})


def collect_tree(
    source: Path,
    destination: str,
    *,
    suffixes: Iterable[str] | None = None,
    skip: Iterable[str] = (),
) -> dict[str, Path]:
    """`{destination/relative/path: source file}` for every shippable file under `source`, sorted.

    `suffixes` keeps only files ending so (e.g. `.py`); `skip` names top-level entries to leave out.
    """
    wanted = tuple(suffixes) if suffixes is not None else None
    skipped = frozenset(skip)
    files: dict[str, Path] = {}
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if not path.is_file() or relative.parts[0] in skipped:
            continue
        if EXCLUDED_DIRS.intersection(relative.parts[:-1]) or path.name in EXCLUDED_FILES:
            continue
        if path.suffix in EXCLUDED_SUFFIXES or (wanted is not None and not path.name.endswith(wanted)):
            continue
        files[f"{destination.rstrip('/')}/{relative.as_posix()}".lstrip("/")] = path
    return files
