"""moto's recording mended before a replay: interleaved entries split, an unfinished last entry dropped,
anything else refused with the line; a sound recording is left as it is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local.moto_recording import RecordingReplayError, repair


def _entry(key: str) -> bytes:
    """One request as moto's recorder writes it (key order included)."""
    document = {
        "headers": {"Host": "127.0.0.1:1", "Content-Type": "application/x-amz-json-1.1"},
        "method": "PUT",
        "url": f"http://127.0.0.1:1/bucket/{key}",
        "body": json.dumps({"quote": '{"headers": "inside a string"}'}),
        "body_encoded": False,
    }
    return json.dumps(document).encode()


def _urls(path: Path) -> list[str]:
    return [json.loads(line)["url"].rsplit("/", 1)[1] for line in path.read_bytes().splitlines()]


def test_a_sound_recording_is_not_rewritten(tmp_path: Path) -> None:
    # GIVEN a recording of whole lines, one of whose bodies holds the entry start inside a string
    recording = tmp_path / "moto-recording.jsonl"
    recording.write_bytes(b"".join(_entry(key) + b"\n" for key in "abc"))
    written = recording.stat().st_mtime_ns
    # WHEN it is repaired
    done = repair(recording)
    # THEN nothing changed
    assert not done and recording.stat().st_mtime_ns == written and _urls(recording) == ["a", "b", "c"]


def test_entries_written_at_once_are_split_in_their_order(tmp_path: Path) -> None:
    # GIVEN two entries interleaved as two threads' writes leave them: both entries, then both newlines
    recording = tmp_path / "moto-recording.jsonl"
    recording.write_bytes(_entry("a") + b"\n" + _entry("b") + _entry("c") + b"\n\n" + _entry("d") + b"\n")
    # WHEN it is repaired
    done = repair(recording)
    # THEN each request has its line, in order, and the repair says what it did
    assert _urls(recording) == ["a", "b", "c", "d"]
    assert done.split_lines == 1 and not done.dropped_last_entry
    assert "split" in done.describe()


def test_an_entry_cut_short_at_the_end_is_dropped(tmp_path: Path) -> None:
    # GIVEN a recording whose server stopped while writing its last entry
    recording = tmp_path / "moto-recording.jsonl"
    recording.write_bytes(_entry("a") + b"\n" + _entry("b")[:40])
    # WHEN it is repaired
    done = repair(recording)
    # THEN the whole entries stay and the unfinished one (never carried out) is gone
    assert _urls(recording) == ["a"] and done.dropped_last_entry and "unfinished" in done.describe()


def test_a_damaged_line_in_the_middle_is_refused_with_its_number(tmp_path: Path) -> None:
    # GIVEN an entry cut short in the middle of the recording: what followed it cannot be trusted
    recording = tmp_path / "moto-recording.jsonl"
    original = _entry("a") + b"\n" + _entry("b")[:40] + b"\n" + _entry("c") + b"\n"
    recording.write_bytes(original)
    # WHEN it is repaired
    with pytest.raises(RecordingReplayError, match=r"\(line 2\).*make local-reset"):
        repair(recording)
    # THEN the file is left for the user to keep or reset
    assert recording.read_bytes() == original
