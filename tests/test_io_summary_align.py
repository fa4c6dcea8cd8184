"""``summary`` and ``align`` read through the input layer (encodings, kinds, --skip-bad,
the summary line), ``summary`` writes all of its files or none, and no command writes an
output inside a directory it reads (:func:`zhnorm.io.check_outputs`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.conftest import SEEDS
from zhnorm.cli import main
from zhnorm.io import OutputError, OutputGroup, check_output_dir, check_outputs, output_stems

BAD_BYTES = b"\xe5\xa4\xb4\xff\xfe\xe5\x8f\x91"  # 头, two bytes that are not UTF-8, 发


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """The two seeds and a file that is not UTF-8, in one folder."""
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, folder / seed.name)
    (folder / "zz_bad.txt").write_bytes(BAD_BYTES)
    return folder


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def one_error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def test_summary_with_one_bad_file_writes_nothing(corpus: Path, tmp_path: Path) -> None:
    before = tree(tmp_path)
    result = CliRunner().invoke(main, ["summary", str(corpus), "-o", str(tmp_path / "a" / "b")])
    error = one_error(result)
    assert "zz_bad.txt" in error and "byte offset 3" in error and "--skip-bad" in error
    assert tree(tmp_path) == before  # not even the output folder (or its parent) is left


def test_summary_skip_bad_writes_the_good_and_the_rejects(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["summary", str(corpus), "-o", str(out), "--skip-bad"])
    assert result.exit_code == 0, result.output
    assert "zhnorm summary: 3 records in, 2 out, 1 rejected" in result.stderr
    assert len(list(out.glob("*.fixed.txt"))) == 2
    (reject,) = [json.loads(line) for line in Path(f"{out}.rejects.jsonl").read_text().splitlines()]
    assert reject["file"] == "zz_bad.txt" and "byte offset 3" in reject["reason"]


def test_summary_every_record_rejected_fails(corpus: Path, tmp_path: Path) -> None:
    args = ["summary", str(corpus / "zz_bad.txt"), "-o", str(tmp_path / "o"), "--skip-bad"]
    error = one_error(CliRunner().invoke(main, args))
    assert "every record was rejected (1 of 1" in error


def test_summary_reads_records_and_names_files_by_id(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    rows = [{"id": "a/1", "text": "头发很长。"}, {"id": "a/1", "text": "重复的编号。"}]
    (folder / "sub" / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "b.TXT").write_text("頭髮很長。", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["summary", str(folder), "-o", str(out), "--skip-bad"])
    assert result.exit_code == 0, result.output
    assert "3 records in, 2 out, 1 rejected" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "1.fixed.s2t.txt", "1.fixed.txt", "b.fixed.t2s.txt", "b.fixed.txt",
    ]  # fmt: skip
    assert (out / "1.fixed.s2t.txt").read_text("utf-8") == "頭髮很長。"
    rejected = json.loads(Path(f"{out}.rejects.jsonl").read_text())
    assert rejected["reason"].startswith("duplicate id 'a/1' (first at")


def test_summary_on_gbk_and_unknown_files(tmp_path: Path) -> None:
    (tmp_path / "g.txt").write_bytes("我们的头发很长。".encode("gbk"))
    result = CliRunner().invoke(
        main, ["summary", str(tmp_path / "g.txt"), "-o", str(tmp_path / "o"), "--encoding", "auto"]
    )
    assert result.exit_code == 0, result.output
    assert "encoding gb18030 (auto)" in result.stderr
    (tmp_path / "notes.csv").write_text("a,b\n")
    error = one_error(CliRunner().invoke(main, ["summary", str(tmp_path), "-o", "/tmp"]))
    assert "notes.csv: not a file zhnorm reads" in error


def test_output_stems_are_distinct_and_safe() -> None:
    stems = output_stems(["d/x.txt", "e/x.txt", "x", "a:b/c?d*", "../..", "长" * 300])
    assert stems[:5] == ["x", "x~2", "x~3", "c_d_", "doc"] and len(stems[5]) == 100
    assert len(set(stems)) == len(stems)


def test_output_group_publishes_all_or_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), OutputGroup() as group:
        group.write(str(tmp_path / "a.txt"), "一")
        group.write(str(tmp_path / "b.txt"), "二")
        raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []
    with OutputGroup() as group:
        group.write(str(tmp_path / "a.txt"), "一")
        assert [p.name.endswith(".partial") for p in tmp_path.iterdir()] == [True]
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


# --- align --------------------------------------------------------------------------


def test_align_bad_input_error_or_reject(corpus: Path, tmp_path: Path) -> None:
    a, bad = str(corpus / "000_4282e08e67390612.txt"), str(corpus / "zz_bad.txt")
    error = one_error(CliRunner().invoke(main, ["align", a, bad]))
    assert f"{bad}:0: invalid UTF-8 at byte offset 3" in error
    rejects = tmp_path / "r.jsonl"
    result = CliRunner().invoke(main, ["align", a, bad, "--skip-bad", "--rejects", str(rejects)])
    assert result.exit_code == 0, result.output
    assert "zhnorm align: 2 records in, 1 out, 1 rejected" in result.stderr
    assert json.loads(rejects.read_text())["file"] == bad


def test_align_reads_compressed_text_and_counts(corpus: Path, tmp_path: Path) -> None:
    import gzip

    seed = corpus / "000_4282e08e67390612.txt"
    packed = tmp_path / "a.txt.gz"
    packed.write_bytes(gzip.compress(seed.read_bytes()))
    result = CliRunner().invoke(main, ["align", str(packed), str(seed), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and all(row["a_text"] == row["b_text"] for row in rows)
    assert "zhnorm align: 2 records in, 2 out, 0 rejected" in result.stderr


# --- an output inside an input directory ---------------------------------------------


def test_output_inside_an_input_directory_is_refused(corpus: Path) -> None:
    inner = str(corpus / "out.txt")
    jsonl = corpus.parent / "j"
    jsonl.mkdir()
    (jsonl / "a.jsonl").write_text('{"id": "1", "text": "头发"}\n', encoding="utf-8")
    cases = [
        ["convert", str(corpus), "-o", inner],
        ["fix", str(corpus), "-o", inner],
        ["dedup", str(jsonl), "-o", str(jsonl / "kept.jsonl"), "-q"],
        ["dedup", str(jsonl), "-o", str(corpus / "k.jsonl"), "--index", str(jsonl / "i.db")],
        ["paragraphs", str(jsonl), "-o", str(jsonl / "sub" / ".." / "p.jsonl"), "-q"],
        ["summary", str(corpus), "-o", str(corpus / "deep" / "out")],
    ]
    before = tree(corpus.parent)
    for args in cases:
        error = one_error(CliRunner().invoke(main, args))
        assert "inside the input directory" in error and "would be read" in error, args
        assert tree(corpus.parent) == before, args


def test_hidden_or_underscore_outputs_inside_an_input_directory_are_allowed(
    corpus: Path,
) -> None:
    (corpus / "zz_bad.txt").unlink()
    out = corpus / "_out" / "s2t.txt"
    out.parent.mkdir()
    result = CliRunner().invoke(main, ["convert", str(corpus), "-o", str(out)])
    assert result.exit_code == 0, result.output
    first = out.read_text("utf-8")
    again = CliRunner().invoke(main, ["convert", str(corpus), "-o", str(out)])
    assert again.exit_code == 0, again.output
    assert out.read_text("utf-8") == first  # its own earlier output was not read


def test_check_outputs_inside_rule_follows_links(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    with pytest.raises(OutputError, match="inside the input directory"):
        check_outputs([str(tmp_path / "link")], [str(real / "o.jsonl")])
    with pytest.raises(OutputError, match="inside the input directory"):
        check_output_dir(real, [str(tmp_path / "link")])
    with pytest.raises(OutputError, match="the index is inside"):
        check_outputs([str(real)], [str(tmp_path / "o.jsonl")], index=str(real / "i.db"))
    check_outputs([str(real / "a.jsonl")], [str(real / "o.jsonl")])  # a file input: fine
    check_outputs([str(real)], [str(tmp_path / "o.jsonl"), str(real / ".hidden.jsonl")])
