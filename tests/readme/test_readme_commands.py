"""The README's shell blocks run as written, from the root of a fresh copy of the checkout.

A block is run when the line before it is `<!-- readme-test: offline -->`; `<!-- readme-test: skip:
<reason> -->` skips it with that reason, and an unmarked block is skipped as "not marked". Every block
shows up in the report, run or skipped. The copy's path holds a space, as a user's may.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline_config.settings import REPO_ROOT

README = REPO_ROOT / "README.md"
SHELLS = ("bash", "sh", "shell", "console")
MARKER = re.compile(r"^<!-- readme-test: (?P<verdict>offline|skip: (?P<reason>.+?)) -->$")
HEADING = re.compile(r"^#{2,3} (?P<title>.+)$")


@dataclass(frozen=True)
class Block:
    section: str
    number: int  # within its section
    code: str
    skip_reason: str | None

    @property
    def id(self) -> str:
        return f"{self.section} #{self.number}"


def shell_blocks(text: str) -> list[Block]:
    """Every fenced shell block of the README, with its section and its marker's verdict."""
    blocks: list[Block] = []
    lines = text.splitlines()
    section, counts, index = "top", {}, 0
    while index < len(lines):
        line = lines[index]
        if heading := HEADING.match(line):
            section = heading["title"]
        fence = line.strip()
        if fence.startswith("```"):
            language = fence[3:].strip()
            end = next(i for i in range(index + 1, len(lines)) if lines[i].strip() == "```")
            if language in SHELLS:
                before = next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")
                marker = MARKER.match(before.strip())
                if marker is None:
                    reason: str | None = "not marked offline-runnable (<!-- readme-test: offline -->)"
                else:
                    reason = marker["reason"]
                counts[section] = counts.get(section, 0) + 1
                blocks.append(Block(section, counts[section], "\n".join(lines[index + 1 : end]), reason))
            index = end
        index += 1
    return blocks


BLOCKS = shell_blocks(README.read_text(encoding="utf-8"))


def test_the_readme_has_offline_blocks_to_run() -> None:
    """The markers are read (else every block would be skipped and this file would prove nothing)."""
    offline = [block.id for block in BLOCKS if block.skip_reason is None]
    assert len(offline) >= 3, offline


@pytest.mark.slow
@pytest.mark.parametrize("block", BLOCKS, ids=[block.id for block in BLOCKS])
def test_readme_block_runs_as_written(block: Block, checkout: Path) -> None:
    """The block's commands, one after the other, each succeeding (bash -e), in a fresh clone."""
    if block.skip_reason is not None:
        pytest.skip(f"{block.id}: {block.skip_reason}")
    # GIVEN a fresh copy of the checkout / WHEN the block runs there as a user would type it
    try:
        result = subprocess.run(
            ["bash", "-e", "-c", block.code],
            cwd=checkout,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=900,
        )
    finally:  # a block may leave the local stack running
        subprocess.run(
            [sys.executable, "-m", "local", "down"], cwd=checkout, capture_output=True, timeout=120
        )
    # THEN every command succeeded, and none ended in a traceback
    assert result.returncode == 0, (
        f"{block.code}\n--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}"
    )
    assert "Traceback (most recent call last)" not in result.stdout + result.stderr
