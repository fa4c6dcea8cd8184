"""``zhnorm run``: a pipeline file over JSONL, Parquet and text, with rejects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from zhnorm import Pipeline
from zhnorm.cli import main
from zhnorm.pipeline import run_files

from .conftest import SEEDS

RECORDS = [
    {"id": 1, "text": "現(xiàn)代快報訊 產(chǎn)業(yè)園 發(fā)展(zhǎn)", "tag": "a"},
    {"id": 2, "text": "中&#x6587;字"},
    {"id": 3, "text": "鼠标和软件"},
]
PIPELINE = """\
[[steps]]
step = "leaked_pinyin"

[[steps]]
step = "fix"

[[steps]]
step = "convert"
config = "t2s"

[[steps]]
step = "detect_script"
expect = ["simplified"]
"""


def _setup(tmp_path: Path, bad_lines: tuple[str, ...] = ()) -> tuple[Path, Path]:
    config = tmp_path / "pipe.toml"
    config.write_text(PIPELINE, encoding="utf-8")
    source = tmp_path / "in.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in RECORDS]
    source.write_text("\n".join([*lines[:2], *bad_lines, lines[2]]) + "\n", encoding="utf-8")
    return config, source


def _read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_run_jsonl_with_rejects_and_provenance(tmp_path: Path) -> None:
    config, source = _setup(tmp_path, ("not json", '{"id": 9}'))
    out = tmp_path / "out.jsonl"
    args = ["run", str(config), str(source), "-o", str(out), "--skip-bad", "--provenance"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    pipe = Pipeline.from_file(config)
    rows = _read_jsonl(out)
    assert [r["text"] for r in rows] == pipe.batch([r["text"] for r in RECORDS])
    assert rows[0]["tag"] == "a" and rows[0]["id"] == 1
    assert rows[0]["zhnorm_flags"] == ["leaked_pinyin"]
    assert rows[1]["zhnorm_flags"] == ["detect_script"]  # no Han left to call simplified
    assert {r["zhnorm_fingerprint"] for r in rows} == {pipe.fingerprint}
    rejects = _read_jsonl(tmp_path / "out.jsonl.rejects.jsonl")
    assert [r["line"] for r in rejects] == [3, 4]
    assert "malformed JSON" in str(rejects[0]["reason"]) and "no field 'text'" in str(
        rejects[1]["reason"]
    )
    assert "5 records in, 3 out, 2 rejected" in result.stderr
    assert f"pipeline {pipe.fingerprint}" in result.stderr


def test_run_bad_record_fails_and_writes_nothing(tmp_path: Path) -> None:
    config, source = _setup(tmp_path, ("[1, 2]",))
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["run", str(config), str(source), "-o", str(out)])
    assert result.exit_code == 1
    assert f"{source}:3: record is not a JSON object" in result.output
    assert "--skip-bad" in result.output
    assert not out.exists() and not list(tmp_path.glob(".zhnorm-*"))


def test_run_files_writes_what_the_command_writes(tmp_path: Path) -> None:
    config, source = _setup(tmp_path, ("not json",))
    by_command, by_library = tmp_path / "command.jsonl", tmp_path / "library.jsonl"
    args = ["run", str(config), str(source), "-o", str(by_command), "--skip-bad", "--provenance"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    counts = run_files(
        Pipeline.from_file(config),
        [str(source)],
        str(by_library),
        skip_bad=True,
        provenance=True,
        batch_size=1,
        workers=2,
    )
    assert by_library.read_bytes() == by_command.read_bytes()
    rejected = tmp_path / "library.jsonl.rejects.jsonl"
    assert rejected.read_bytes() == (tmp_path / "command.jsonl.rejects.jsonl").read_bytes()
    # The same summary line, but for the name of the rejects file.
    assert counts.summary() == result.stderr.splitlines()[-1].replace(
        "command.jsonl", "library.jsonl"
    )


def test_run_parquet_workers_and_no_annotations(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    config, source = _setup(tmp_path)
    one, two = tmp_path / "one.parquet", tmp_path / "two.parquet"
    runner = CliRunner()
    assert runner.invoke(main, ["run", str(config), str(source), "-o", str(one)]).exit_code == 0
    args = ["run", str(config), str(one), "-o", str(two), "-j", "2", "--batch-size", "1"]
    assert runner.invoke(main, [*args, "--no-annotations"]).exit_code == 0
    first, second = pq.read_table(one).to_pylist(), pq.read_table(two).to_pylist()
    assert [r["text"] for r in first] == [r["text"] for r in second]
    assert first[0]["zhnorm_flags"] == ["leaked_pinyin"]
    # Re-running keeps the earlier annotation columns as ordinary fields.
    assert second[0]["zhnorm_flags"] == ["leaked_pinyin"]
    assert (
        runner.invoke(main, ["run", str(config), str(source), "--format", "parquet"]).exit_code == 2
    )


def test_run_text_files(tmp_path: Path) -> None:
    config, _ = _setup(tmp_path)
    out = tmp_path / "out.txt"
    seeds = sorted(SEEDS.glob("*.txt"))
    result = CliRunner().invoke(main, ["run", str(config), *map(str, seeds), "-o", str(out)])
    assert result.exit_code == 0, result.output
    pipe = Pipeline.from_file(config)
    expected = [pipe(p.read_text("utf-8")) for p in seeds]
    assert out.read_text("utf-8") == "".join(t if t.endswith("\n") else t + "\n" for t in expected)
    assert f"{len(seeds)} records in, {len(seeds)} out" in result.stderr


def test_print_default_config_and_config_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["run", "--print-default-config"])
    assert result.exit_code == 0
    path = tmp_path / "default.toml"
    path.write_text(result.stdout, encoding="utf-8")
    assert Pipeline.from_file(path) == Pipeline.default()
    path.write_text('[[steps]]\nstep = "fixx"\n', encoding="utf-8")
    result = runner.invoke(main, ["run", str(path), "-"], input="")
    assert result.exit_code == 2
    assert "unknown step 'fixx'; valid steps: fix, convert" in result.output
