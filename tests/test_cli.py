"""The zhnorm command line, run as a user would (installed entry point + click runner)."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from zhnorm import Converter, __version__
from zhnorm.cli import main

from .conftest import SEEDS

SEED000 = next(SEEDS.glob("000_*.txt"))
SEED001 = next(SEEDS.glob("001_*.txt"))


def run(*args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    exe = shutil.which("zhnorm", path=str(Path(sys.executable).parent))
    assert exe, "the zhnorm entry point is installed with the package"
    return subprocess.run([exe, *args], input=input, capture_output=True, check=False)


def test_version_and_help() -> None:
    version = run("--version").stdout.decode()
    assert __version__ in version and "compiled kernels in use" in version
    slow = subprocess.run(
        [sys.executable, "-m", "zhnorm", "--version"],
        capture_output=True,
        text=True,
        env={**os.environ, "ZHNORM_IMPLEMENTATION": "python"},
        check=True,
    )
    assert slow.stdout.startswith(f"zhnorm {__version__}") and "NOT in use" in slow.stdout
    help_text = run("--help").stdout.decode()
    assert "convert" in help_text and "detect" in help_text
    assert "s2twp" in run("convert", "--help").stdout.decode()


def test_convert_seed_file_to_stdout() -> None:
    result = run("convert", "-c", "s2t", str(SEED000))
    assert result.returncode == 0, result.stderr
    expected = Converter("s2t").convert(SEED000.read_text("utf-8"))
    assert result.stdout.decode("utf-8") == expected


def test_convert_stdin_and_output_file(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    result = run("convert", "-c", "t2s.json", "-o", str(out), input="漢字\n頭髮".encode())
    assert result.returncode == 0, result.stderr
    assert out.read_text("utf-8") == "汉字\n头发"


def test_convert_streams_large_input_identically(tmp_path: Path) -> None:
    text = SEED000.read_text("utf-8") * 400  # ~5.6 MB, several read chunks
    source = tmp_path / "big.txt"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "big.out"
    assert run("convert", "-c", "s2twp", str(source), "-o", str(out)).returncode == 0
    assert out.read_text("utf-8") == Converter("s2twp").convert(text)


def test_undecodable_input_names_file_and_offset_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes("汉字".encode() + b"\xff" + "汉".encode())
    out = tmp_path / "out.txt"
    result = run("convert", str(bad), "-o", str(out))
    assert result.returncode != 0
    assert f"{bad}: byte offset 6" in result.stderr.decode()
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]  # no partial temp file left behind
    replaced = run("convert", "--errors", "replace", str(bad))
    assert replaced.returncode == 0
    assert replaced.stdout.decode() == "漢字\ufffd漢"


def test_stdout_gets_nothing_when_a_later_input_fails(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ok\n\xc3")
    result = run("convert", str(SEED000), str(bad))
    assert result.returncode != 0
    assert result.stdout == b""


def test_jsonl_converts_one_field_and_keeps_others(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"id": 1, "text": "头发", "site": "头发"}\n{"id": 2, "text": "汉字"}\n', encoding="utf-8"
    )
    out = tmp_path / "out.jsonl"
    result = run("convert", "--jsonl", "--field", "text", str(source), "-o", str(out))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert records == [{"id": 1, "text": "頭髮", "site": "头发"}, {"id": 2, "text": "漢字"}]
    assert "2 records in, 2 out, 0 rejected" in result.stderr.decode()


def test_malformed_jsonl_fails_with_file_and_line(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "头"}\n{"text": \n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run("convert", "--jsonl", str(source), "-o", str(out))
    assert result.returncode != 0
    assert f"{source}:2: malformed JSON" in result.stderr.decode()
    assert not out.exists()


def test_skip_bad_accounts_for_every_line(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = ['{"text": "头"}', "[1, 2]", '{"text": 5}', '{"id": 3}', "oops", '{"text": "发"}']
    source.write_bytes(("\n".join(lines) + "\n").encode() + b'{"text": "\xff"}\n')
    out = tmp_path / "out.jsonl"
    result = run("convert", "--jsonl", "--skip-bad", str(source), "-o", str(out))
    assert result.returncode == 0, result.stderr
    kept = out.read_text("utf-8").splitlines()
    rejects = (tmp_path / "out.jsonl.rejects.jsonl").read_text("utf-8").splitlines()
    assert len(kept) == 2 and len(rejects) == 5
    assert [json.loads(r)["line"] for r in rejects] == [2, 3, 4, 5, 7]
    assert "7 records in, 2 out, 5 rejected" in result.stderr.decode()


def test_detect_plain_and_json() -> None:
    result = run("detect", str(SEED000), str(SEED001))
    lines = result.stdout.decode().splitlines()
    assert lines[0].split("\t")[:2] == [str(SEED000), "simplified"]
    assert lines[1].split("\t")[:2] == [str(SEED001), "traditional"]
    data = json.loads(run("detect", "--json", str(SEED001)).stdout)
    assert data["script"] == "traditional" and data["simplified"] > 0


def test_unknown_config_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["convert", "-c", "zz"], input="x")
    assert result.exit_code == 2
    assert "valid names" in result.output


def test_user_dict_and_protect_options(tmp_path: Path) -> None:
    tsv = tmp_path / "user.tsv"
    tsv.write_text("软件\t軟件\n", encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["convert", "-c", "s2twp", "--user-dict", str(tsv), "--protect", r"ID\d+"],
        input="软件 ID头发 ID12",
    )
    assert result.exit_code == 0, result.output
    assert result.output == "軟件 ID頭髮 ID12"


def test_summary_on_seeds(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["summary", str(SEEDS), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "script: simplified" in result.output and "script: traditional" in result.output
    assert "ruby 329" in result.output and "byteshift " in result.output
    assert "reported, kept: furniture" in result.output
    names = sorted(p.name.split(".", 1)[1] for p in tmp_path.iterdir())
    assert names == ["fixed.s2t.txt", "fixed.t2s.txt", "fixed.txt", "fixed.txt"]
    simplified = (tmp_path / f"{SEED001.stem}.fixed.t2s.txt").read_text("utf-8")
    assert "(xiàn)" not in simplified and "?!崩" not in simplified
    assert "。”李波对未来发" in simplified


def test_fix_command_repairs_and_explains(tmp_path: Path) -> None:
    out = tmp_path / "fixed.txt"
    result = run("fix", str(SEED001), "-o", str(out), "--explain")
    assert result.returncode == 0, result.stderr
    fixed = out.read_text("utf-8")
    assert "現(xiàn)" not in fixed and "現代快報" in fixed
    steps = [json.loads(line) for line in (tmp_path / "fixed.txt.explain.jsonl").open()]
    fixers = [s["fixer"] for s in steps if "fixer" in s]
    assert fixers[:2] == ["byteshift", "ruby"]
    ruby = next(s for s in steps if s.get("fixer") == "ruby")
    assert len(ruby["edits"]) == 329
    first = ruby["edits"][0]
    source = SEED001.read_text("utf-8")
    assert first["original"] == "(xiàn)" and first["replacement"] == ""
    assert first["start"] == source.index("(xiàn)")


def test_fix_command_jsonl_with_conversion_and_rejects(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"id": 1, "text": "中&#x6587;字"}\n{"id": 2}\n{"id": 3, "text": "漢字"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = run("fix", "--jsonl", str(source), "-o", str(out), "--to", "simplified", "--skip-bad")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["text"] for r in records] == ["中文字", "汉字"]
    assert "3 records in, 2 out, 1 rejected" in result.stderr.decode()


def test_fix_command_rejects_unknown_fixer() -> None:
    result = CliRunner().invoke(main, ["fix", "--disable", "nope"], input="x")
    assert result.exit_code == 2 and "valid:" in result.output


# --- exit status: a run that rejected every record failed (issue 15) --------------------


def _record_commands(tmp_path: Path) -> dict[str, list[str]]:
    """Each record command over ``in.jsonl``, writing into ``tmp_path``."""
    pipeline = tmp_path / "pipeline.toml"
    pipeline.write_text(CliRunner().invoke(main, ["run", "--print-default-config"]).output)
    source = str(tmp_path / "in.jsonl")
    return {
        "convert": ["convert", "--jsonl", source, "-o", str(tmp_path / "c.jsonl")],
        "fix": ["fix", "--jsonl", source, "-o", str(tmp_path / "f.jsonl")],
        "dedup": ["dedup", source, "-o", str(tmp_path / "d.jsonl"), "-q"],
        "paragraphs": ["paragraphs", source, "-o", str(tmp_path / "p.jsonl"), "-q"],
        "reuse": ["reuse", source, "-o", str(tmp_path / "r.jsonl"), "-q"],
        "run": ["run", str(pipeline), source, "-o", str(tmp_path / "run.jsonl"), "-q"],
    }


def test_every_record_rejected_is_a_failure_even_with_skip_bad(tmp_path: Path) -> None:
    rows = [{"id": i, "body": f"第{i}篇正文。"} for i in range(5)]
    (tmp_path / "in.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    for name, args in _record_commands(tmp_path).items():
        skip = ["--skip-bad"]
        result = CliRunner().invoke(main, [*args, *skip])
        assert result.exit_code == 1, (name, result.output)
        assert f"zhnorm {name}: 5 records in" in result.stderr, name  # the summary line
        assert "5 rejected" in result.stderr, name
        assert "every record was rejected (5 of 5; see " in result.stderr, name
        fatal = CliRunner().invoke(main, args)  # without --skip-bad: the first one stops it
        assert fatal.exit_code == 1 and "in.jsonl:1: record has no field 'text' or it is null" in (
            fatal.stderr
        ), name
        with_field = CliRunner().invoke(main, [*args, *skip, "--text-field", "body"])
        assert with_field.exit_code == 0, (name, with_field.output)


def test_some_records_rejected_with_skip_bad_is_a_success(tmp_path: Path) -> None:
    rows = [{"id": 0, "text": "正文甲。"}, {"id": 1, "body": "没有text"}, {"id": 2, "text": "乙"}]
    (tmp_path / "in.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    for name, args in _record_commands(tmp_path).items():
        skip = ["--skip-bad"]
        result = CliRunner().invoke(main, [*args, *skip])
        assert result.exit_code == 0, (name, result.output)
        assert "3 records in" in result.stderr and "1 rejected" in result.stderr, name


# --- issue 15: encodings and one input layer for convert / fix / detect ---------------

# Real Chinese text in other encodings: the seeds re-encoded (characters a codec cannot
# encode, such as pinyin tone marks in Big5, dropped).
REENCODED = {"gbk": SEED000, "gb18030": SEED000, "big5": SEED001, "utf-16": SEED000}


def _reencoded(tmp_path: Path, encoding: str) -> tuple[Path, str]:
    raw = REENCODED[encoding].read_text("utf-8").encode(encoding, "ignore")
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(raw)
    return path, raw.decode(encoding)


@pytest.mark.parametrize("encoding", sorted(REENCODED))
def test_encoding_option_reads_other_encodings(tmp_path: Path, encoding: str) -> None:
    path, text = _reencoded(tmp_path, encoding)
    result = CliRunner().invoke(main, ["convert", "--encoding", encoding, str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == Converter("s2t").convert(text.lstrip("\ufeff"))
    script = "traditional" if REENCODED[encoding] == SEED001 else "simplified"
    for command in (["detect"], ["fix"]):
        done = CliRunner().invoke(main, [*command, "--encoding", encoding, str(path)])
        assert done.exit_code == 0, done.output
    detected = CliRunner().invoke(main, ["detect", "--encoding", encoding, str(path)])
    assert detected.stdout.split("\t")[1] == script


@pytest.mark.parametrize("command", ["convert", "fix", "detect"])
def test_not_utf8_suggests_encoding(tmp_path: Path, command: str) -> None:
    path, _ = _reencoded(tmp_path, "gbk")
    result = CliRunner().invoke(main, [command, str(path)])
    assert result.exit_code == 1
    assert f"{path}: byte offset" in result.stderr and "--encoding" in result.stderr


def test_records_read_with_an_encoding(tmp_path: Path) -> None:
    path, _ = _reencoded(tmp_path, "gbk")
    out = tmp_path / "out.jsonl"
    args = ["paragraphs", str(path), "-o", str(out)]
    assert "--encoding" in CliRunner().invoke(main, args).stderr
    result = CliRunner().invoke(main, [*args, "--encoding", "gbk"])
    assert result.exit_code == 0, result.output


def test_auto_encoding_says_what_it_chose(tmp_path: Path) -> None:
    paths = [_reencoded(tmp_path, e)[0] for e in ("gbk", "big5", "utf-16")]
    result = CliRunner().invoke(main, ["detect", "--encoding", "auto", *map(str, paths)])
    assert result.exit_code == 0, result.output
    scripts = [line.split("\t")[1] for line in result.stdout.splitlines()]
    assert scripts == ["simplified", "traditional", "simplified"]
    for path, chosen in zip(paths, ["gb18030", "big5", "utf-16"], strict=True):
        assert f"{path}: encoding {chosen} (auto)" in result.stderr
    plain = CliRunner().invoke(main, ["detect", "--encoding", "auto", str(SEED000)])
    assert f"{SEED000}: encoding utf-8 (auto)" in plain.stderr


def test_unknown_encoding_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["convert", "--encoding", "latin-9"], input="x")
    assert result.exit_code == 2 and "latin-9" in result.output


def test_plain_text_commands_read_compressed_files(tmp_path: Path) -> None:
    packed = tmp_path / "seed.txt.gz"
    packed.write_bytes(gzip.compress(SEED000.read_bytes()))
    result = CliRunner().invoke(main, ["convert", str(packed)])
    assert result.exit_code == 0, result.output
    assert result.stdout == Converter("s2t").convert(SEED000.read_text("utf-8"))
    detected = CliRunner().invoke(main, ["detect", str(packed)])
    assert detected.stdout.split("\t")[:2] == [str(packed), "simplified"]
    fixed = CliRunner().invoke(main, ["fix", str(packed)])
    assert fixed.exit_code == 0, fixed.output
    assert fixed.stdout == CliRunner().invoke(main, ["fix", str(SEED000)]).stdout


def test_plain_text_commands_read_directories(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    (root / "sub").mkdir(parents=True)
    shutil.copy(SEED001, root / "b.txt")
    (root / "sub" / "a.txt.gz").write_bytes(gzip.compress(SEED000.read_bytes()))
    (root / "_SUCCESS").write_bytes(b"")
    result = CliRunner().invoke(main, ["detect", str(root)])
    assert result.exit_code == 0, result.output
    lines = [line.split("\t")[:2] for line in result.stdout.splitlines()]
    assert lines == [["b.txt", "traditional"], ["sub/a.txt.gz", "simplified"]]
    converted = CliRunner().invoke(main, ["convert", "-c", "t2s", str(root)])
    expected = [Converter("t2s").convert(p.read_text("utf-8")) for p in (SEED001, SEED000)]
    assert converted.stdout == "".join(expected)


def test_detect_jsonl_reports_each_record(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    rows = [{"id": "s", "body": "头发和软件"}, {"id": "t", "body": "頭髮和軟體"}, {"body": "ab"}]
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    result = CliRunner().invoke(main, ["detect", "--jsonl", "--text-field", "body", str(source)])
    assert result.exit_code == 0, result.output
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in reports] == ["s", "t", f"{source}:3"]
    assert [r["script"] for r in reports] == ["simplified", "traditional", "none"]
    assert "zhnorm detect: 3 records in, 3 out, 0 rejected" in result.stderr


def test_detect_jsonl_bad_records_fatal_or_rejected(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "s", "text": "头发"}\nnot json\n{"id": "x"}\n', "utf-8")
    fatal = CliRunner().invoke(main, ["detect", "--jsonl", str(source)])
    assert fatal.exit_code == 1 and f"{source}:2: malformed JSON" in fatal.stderr
    rejects = tmp_path / "bad.jsonl"
    args = ["detect", "--jsonl", str(source), "--skip-bad", "--rejects", str(rejects)]
    skipped = CliRunner().invoke(main, args)
    assert skipped.exit_code == 0, skipped.output
    assert "3 records in, 1 out, 2 rejected" in skipped.stderr
    assert [json.loads(line)["line"] for line in rejects.open(encoding="utf-8")] == [2, 3]


def test_jsonl_mode_reads_parquet_and_text_files(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = tmp_path / "in"
    root.mkdir()
    pq.write_table(pa.Table.from_pylist([{"id": "p", "text": "头发"}]), root / "a.parquet")
    (root / "b.txt").write_bytes("软件".encode("gbk"))
    out = tmp_path / "out.jsonl"
    args = ["convert", "--jsonl", "--encoding", "gbk", str(root), "-o", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert records == [{"id": "p", "text": "頭髮"}, {"id": "b.txt", "text": "軟件"}]


def test_summary_and_align_take_an_encoding(tmp_path: Path) -> None:
    path, _ = _reencoded(tmp_path, "big5")
    out = tmp_path / "summary"
    result = CliRunner().invoke(main, ["summary", str(path), "-o", str(out), "--encoding", "big5"])
    assert result.exit_code == 0, result.output
    assert "traditional" in result.stdout
    aligned = CliRunner().invoke(main, ["align", "--encoding", "auto", str(path), str(SEED001)])
    assert aligned.exit_code == 0, aligned.output
    assert f"{path}: encoding big5 (auto)" in aligned.stderr
