"""Regressions the fault-injection and fuzzing suites found in the input layer, one test
each, through the command line."""

from __future__ import annotations

import codecs
import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from zhnorm.cli import main


def one_error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "Traceback" not in result.output, result.output
    return errors[0]


def test_lone_surrogates_are_written_as_escapes_and_read_back(tmp_path: Path) -> None:
    """``convert --jsonl`` wrote an escaped lone surrogate as raw (invalid UTF-8) bytes
    that zhnorm itself then refused."""
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "s", "text": "头\\ud800发"}\n', encoding="utf-8")
    first, second = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    for src, out in ((source, first), (first, second)):
        result = CliRunner().invoke(main, ["convert", "--jsonl", str(src), "-o", str(out)])
        assert result.exit_code == 0, result.output
    raw = first.read_bytes()
    raw.decode("utf-8")  # valid UTF-8
    assert json.loads(raw)["text"] == "頭\ud800發"
    assert second.read_bytes() == raw


@pytest.mark.parametrize("jsonl", [False, True])
def test_utf16_without_its_bom_is_one_line(tmp_path: Path, jsonl: bool) -> None:
    """Streaming UTF-16 without a byte-order mark ended in a UnicodeError traceback."""
    path = tmp_path / ("in.jsonl" if jsonl else "in.txt")
    text = '{"text": "头发"}\n' if jsonl else "头发\n"
    path.write_bytes(text.encode("utf-16-le"))
    args = ["convert", *(["--jsonl"] if jsonl else []), "--encoding", "utf-16", str(path)]
    error = one_error(CliRunner().invoke(main, [*args, "-o", str(tmp_path / "o")]))
    assert f"{path}: byte offset 0: invalid utf-16" in error and "BOM" in error
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))  # with it: fine
    result = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output


def test_text_record_offsets_count_the_bom(tmp_path: Path) -> None:
    """A .txt record after a UTF-8 BOM gave the bad byte's offset 3 short."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_bytes(codecs.BOM_UTF8 + b"ab\xff")
    result = CliRunner().invoke(main, ["paragraphs", str(folder), "-q"])
    assert "a.txt:0: invalid UTF-8 at byte offset 5 " in one_error(result)


@pytest.mark.parametrize("codec", ["gz", "zst", "bz2", "xz"])
def test_an_empty_compressed_file_is_truncated(tmp_path: Path, codec: str) -> None:
    """An empty .gz or .zst read as no records, exit 0."""
    path = tmp_path / f"in.jsonl.{codec}"
    path.write_bytes(b"")
    error = one_error(
        CliRunner().invoke(main, ["dedup", str(path), "-o", str(tmp_path / "o"), "-q"])
    )
    assert f"{path}: cannot decompress: truncated" in error
    path = tmp_path / f"doc.txt.{codec}"
    path.write_bytes(b"")
    assert "cannot decompress" in one_error(CliRunner().invoke(main, ["convert", str(path)]))
    if codec == "gz":  # a stream of nothing is a stream
        path.write_bytes(gzip.compress(b""))
        result = CliRunner().invoke(main, ["convert", str(path)])
        assert result.exit_code == 0 and result.stdout == ""
