"""The README stays true: its configuration table lists every setting with the code's default."""

from __future__ import annotations

import json
import re

from pipeline_config.settings import REPO_ROOT, SETTING_KEYS, Settings

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
ROW = re.compile(r"^\| `(?P<key>[a-z_]+)` \| `(?P<default>[^`]*)`", re.MULTILINE)


def _configuration_table() -> dict[str, str]:
    section = README.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return {match["key"]: match["default"] for match in ROW.finditer(section)}


def _as_written(value: object) -> str:
    if isinstance(value, str):
        return value or '""'
    return json.dumps(value)


def test_every_setting_is_documented_with_its_default() -> None:
    """A newcomer reading the table sees exactly the keys cdk.json takes, with their real defaults."""
    # GIVEN the README's configuration table
    table = _configuration_table()
    # THEN it holds every key once, no other, with the default the code uses
    assert sorted(table) == sorted(SETTING_KEYS)
    defaults = Settings()
    assert {key: table[key] for key in SETTING_KEYS} == {
        key: _as_written(getattr(defaults, key)) for key in SETTING_KEYS
    }


def test_readme_shows_the_two_commands() -> None:
    """The setup is two commands; the README must show both."""
    assert "make demo" in README and "make test" in README
