"""README.md's support table of the local Timestream is the emulator's registry, rendered: it cannot drift."""

from __future__ import annotations

from pathlib import Path

from local.timestream.functions import counts, support_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_support_table_is_the_registrys() -> None:
    """The block between the support-table markers equals `python -m local.timestream.functions`."""
    text = README.read_text()
    block = text.split("<!-- support-table:start -->\n", 1)[1].split("\n<!-- support-table:end -->", 1)[0]
    assert block == support_table(), "regenerate it with: .venv/bin/python -m local.timestream.functions"


def test_the_readme_counts_are_the_registrys() -> None:
    """The sentence with the counts states the registry's numbers."""
    c = counts()
    different = c["supported with a difference"]
    sentence = f"{c['supported']} supported, {different} with a difference, {c['refused']} refused"
    assert sentence in " ".join(README.read_text().split())
