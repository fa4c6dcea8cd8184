"""One CLI vocabulary: the same option names for the same things on every command."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from zhnorm import KeyOptions
from zhnorm.cli import main
from zhnorm.key import KEY_NAMES, named_key
from zhnorm.neardup import dedup_files

RECORD_COMMANDS = ("convert", "fix", "detect", "summary", "dedup", "paragraphs", "reuse", "run")
ALL_COMMANDS = (*RECORD_COMMANDS, "align")


def _options(command: str) -> set[str]:
    cmd = main.get_command(click.Context(main), command)
    return {opt for p in cmd.params if isinstance(p, click.Option) for opt in p.opts}


@pytest.mark.parametrize("command", ALL_COMMANDS)
def test_shared_options_have_one_spelling(command: str) -> None:
    names = _options(command)
    for shared in ("--encoding", "--errors", "--skip-bad", "--rejects"):
        assert shared in names, (command, shared)
    if command != "align":  # align reads two plain texts, A and B
        assert "--text-field" in names, command
    assert {"-q", "--quiet"} <= names, command


def test_workers_key_and_opencc_spellings() -> None:
    for command in ("dedup", "run"):
        assert {"-j", "--workers"} <= _options(command)
    for command in ("dedup", "paragraphs", "reuse"):
        assert "--key" in _options(command)
    assert {"-i", "-o", "-c"} <= _options("convert")
    help_text = CliRunner().invoke(main, ["--help"]).output
    for command in RECORD_COMMANDS:
        assert command in help_text
    assert "near-duplicate" in help_text and "stories" in help_text


def test_named_keys() -> None:
    assert named_key("default") is None
    assert named_key("plain") == KeyOptions(fix=None, script=None)
    assert named_key("script") == KeyOptions(fix=None)
    assert set(KEY_NAMES) == {"default", "full", "script", "plain"}
    with pytest.raises(ValueError, match="unknown key 'nope'; expected one of default"):
        named_key("nope")


def test_key_option_is_the_library_key(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    texts = ["中&#x6587;字的测试文章内容比较长一些", "中文字的测试文章内容比较长一些"]
    source.write_text(
        "".join(
            json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(texts)
        ),
        encoding="utf-8",
    )
    for name, removed in (("default", 1), ("plain", 0)):
        out = tmp_path / f"{name}.jsonl"
        done = CliRunner().invoke(main, ["dedup", str(source), "-o", str(out), "--key", name])
        assert done.exit_code == 0, done.output
        lib = tmp_path / f"{name}-lib.jsonl"
        counts = dedup_files([str(source)], str(lib), key=named_key(name))
        assert counts.removed == removed and lib.read_bytes() == out.read_bytes()
    spark = CliRunner().invoke(
        main,
        ["dedup", str(source), "-o", str(tmp_path / "s"), "--engine", "spark", "--key", "plain"],
    )
    assert spark.exit_code == 2 and "--key works with the local engine only" in spark.output


def test_convert_reads_opencc_style_arguments(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("汉字转换\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    done = CliRunner().invoke(
        main, ["convert", "-c", "s2t.json", "-i", str(source), "-o", str(out)]
    )
    assert done.exit_code == 0, done.output
    assert out.read_text("utf-8") == "漢字轉換\n"


@pytest.mark.parametrize("command", ["convert", "fix"])
def test_a_file_named_jsonl_is_read_as_records(command: str, tmp_path: Path) -> None:
    """As dedup, paragraphs and reuse do, convert and fix read a .jsonl input as records
    without --jsonl (they used to repair its raw lines as prose, keys and all)."""
    source = tmp_path / "in.jsonl"
    text = "软件\u200b测试"  # fix removes the zero-width space, convert gives 軟件測試
    source.write_text(json.dumps({"id": 1, "text": text}) + '\n{"id": 2}\n', "utf-8")
    out = tmp_path / "out.jsonl"
    fatal = CliRunner().invoke(main, [command, str(source), "-o", str(out)])
    assert fatal.exit_code == 1 and f"{source}:2: record has no field 'text'" in fatal.output
    done = CliRunner().invoke(main, [command, str(source), "-o", str(out), "--skip-bad"])
    assert done.exit_code == 0, done.output
    (record,) = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert record["id"] == 1 and record["text"] != text  # a record, its field changed


@pytest.mark.parametrize("command", ["convert", "fix"])
def test_text_and_jsonl_inputs_are_not_mixed_silently(command: str, tmp_path: Path) -> None:
    text, records = tmp_path / "a.txt", tmp_path / "b.jsonl"
    text.write_text("中国\n", "utf-8")
    records.write_text('{"text": "中国"}\n', "utf-8")
    mixed = CliRunner().invoke(main, [command, str(text), str(records)])
    assert (
        mixed.exit_code == 2 and "b.jsonl holds records but other inputs are text" in mixed.output
    )
    skip = CliRunner().invoke(main, [command, str(text), "--skip-bad"])
    assert skip.exit_code == 2 and "--skip-bad rejects bad records" in skip.output
    both = CliRunner().invoke(main, [command, "-q", "--jsonl", str(records)])
    assert both.exit_code == 0 and json.loads(both.stdout)["text"] in ("中国", "中國")


def test_parquet_records_in_and_out(tmp_path: Path) -> None:
    """A .parquet input is records too, and -o *.parquet writes Parquet (it wrote JSONL
    into a file named .parquet); Parquet output of plain text is a usage error."""
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    source, out = tmp_path / "in.parquet", tmp_path / "out.parquet"
    pq.write_table(pa.table({"id": [1, 2], "text": ["软件", "鼠标"]}), source)
    done = CliRunner().invoke(main, ["convert", "-q", str(source), "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert pq.read_table(out).to_pylist() == [{"id": 1, "text": "軟件"}, {"id": 2, "text": "鼠標"}]
    text = tmp_path / "a.txt"
    text.write_text("软件\n", "utf-8")
    refused = CliRunner().invoke(main, ["fix", str(text), "-o", str(tmp_path / "a.parquet")])
    assert refused.exit_code == 2 and "Parquet output holds records" in refused.output


def test_detect_reads_a_jsonl_file_as_records(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "text": "软件"}\n{"id": "b", "text": "軟體"}\n', "utf-8")
    done = CliRunner().invoke(main, ["detect", "-q", str(source)])
    assert done.exit_code == 0, done.output
    found = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(f["id"], f["script"]) for f in found] == [("a", "simplified"), ("b", "traditional")]
