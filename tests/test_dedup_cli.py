"""``zhnorm dedup``: click runner and the installed console script."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from zhnorm.cli import main
from zhnorm.io import InputError
from zhnorm.neardup import files as dedup_engine
from zhnorm.neardup.files import dedup_files
from zhnorm.neardup.synthetic import make_corpus


@pytest.fixture(scope="module")
def docs(simplified_corpus: list[str]) -> list[str]:
    return make_corpus(simplified_corpus, 400, seed=5).texts


def write_input(path: Path, docs: list[str], bad: bool = True) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for i, text in enumerate(docs):
            date = f"2020-02-{1 + (len(docs) - i) % 28:02d}"
            out.write(json.dumps({"id": f"d{i}", "text": text, "date": date}, ensure_ascii=False))
            out.write("\n")
        if bad:
            out.write("{not json\n")
            out.write(json.dumps({"id": "n1", "text": 7}) + "\n")
            out.write(json.dumps({"id": "n2"}) + "\n")
    return path


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


SUMMARY = re.compile(r"(\d+) records in, (\d+) kept, (\d+) removed as duplicates, (\d+) rejected")


def test_dedup_jsonl_with_clusters_and_rejects(tmp_path: Path, docs: list[str]) -> None:
    source = write_input(tmp_path / "in.jsonl", docs)
    out, clusters = tmp_path / "kept.jsonl", tmp_path / "clusters.jsonl"
    args = ["dedup", str(source), "-o", str(out), "--clusters", str(clusters), "-q"]
    fatal = CliRunner().invoke(main, args)  # a bad record without --skip-bad: one line
    assert fatal.exit_code == 1 and "Traceback" not in fatal.output
    assert fatal.output.strip().count("\n") == 0
    assert f"{source}:{len(docs) + 1}: malformed JSON" in fatal.output
    assert "--skip-bad" in fatal.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]  # nothing written
    result = CliRunner().invoke(main, [*args, "--skip-bad"])
    assert result.exit_code == 0, result.output
    assert f"(see {out}.rejects.jsonl)" in result.stderr
    counts = SUMMARY.search(result.stderr)
    assert counts, result.stderr
    total, kept, removed, rejected = map(int, counts.groups())
    assert (total, rejected) == (len(docs) + 3, 3) and total == kept + removed + rejected
    assert 0 < removed < len(docs) // 2
    kept_rows = read_jsonl(out)
    assert len(kept_rows) == kept and set(kept_rows[0]) == {"id", "text", "date"}
    lines = read_jsonl(clusters)
    assert [line["id"] for line in lines] == [f"d{i}" for i in range(len(docs))]
    by_id = {line["id"]: line for line in lines}
    for line in lines:
        if line["duplicate_of"] is None:
            assert line["similarity"] is None
        else:
            assert line["cluster"] == line["duplicate_of"]
            assert by_id[line["duplicate_of"]]["duplicate_of"] is None
            assert 0.0 < line["similarity"] <= 1.0
    assert {row["id"] for row in kept_rows} == {
        line["id"] for line in lines if line["duplicate_of"] is None
    }
    rejects = read_jsonl(tmp_path / "kept.jsonl.rejects.jsonl")
    assert [r["line"] for r in rejects] == [len(docs) + 1, len(docs) + 2, len(docs) + 3]
    assert "malformed JSON" in rejects[0]["reason"] and "expected a string" in rejects[1]["reason"]
    assert "no field 'text'" in rejects[2]["reason"]


def test_word_shingles_option_and_index_records_it(tmp_path: Path, docs: list[str]) -> None:
    source = write_input(tmp_path / "in.jsonl", docs[:150], bad=False)
    runner = CliRunner()
    args = ["dedup", str(source), "-q", "--index", str(tmp_path / "seen.sqlite")]
    done = runner.invoke(main, [*args, "-o", str(tmp_path / "w.jsonl"), "--words", "--ngram", "2"])
    assert done.exit_code == 0, done.output
    counts = SUMMARY.search(done.stderr)
    assert counts, done.stderr
    total, kept, removed, _ = map(int, counts.groups())
    assert total == 150 == kept + removed and 0 < removed < 75
    chars = runner.invoke(main, [*args, "-o", str(tmp_path / "c.jsonl"), "--ngram", "3"])
    assert chars.exit_code == 2 and "words: True != False" in chars.output


def test_workers_parquet_keep_field_and_pairs(tmp_path: Path, docs: list[str]) -> None:
    source = write_input(tmp_path / "in.jsonl", docs * 3, bad=False)  # > 1 chunk of work
    runner = CliRunner()
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    args = ["dedup", str(source), "--keep", "date", "-q"]
    assert (
        runner.invoke(main, [*args, "-o", str(one), "--clusters", str(one) + ".c"]).exit_code == 0
    )
    done = runner.invoke(
        main,
        [*args, "-o", str(two), "--clusters", str(two) + ".c", "--workers", "2"],
    )
    assert done.exit_code == 0, done.output
    assert one.read_bytes() == two.read_bytes()
    assert Path(str(one) + ".c").read_bytes() == Path(str(two) + ".c").read_bytes()
    kept = read_jsonl(one)
    dates = {row["id"]: (row["date"], i) for i, row in enumerate(read_jsonl(source))}
    members: dict[object, list[object]] = {}
    for line in read_jsonl(Path(str(one) + ".c")):
        members.setdefault(line["cluster"], []).append(line["id"])
    for cluster, ids in members.items():  # the kept member has the earliest date
        assert cluster == min(ids, key=dates.__getitem__)
    parquet = tmp_path / "kept.parquet"
    pairs = tmp_path / "pairs.jsonl"
    done = runner.invoke(
        main, ["dedup", str(source), "-o", str(parquet), "--pairs", str(pairs), "-q"]
    )
    assert done.exit_code == 0, done.output
    table = pq.read_table(parquet)
    assert table.column_names == ["id", "text", "date"] and table.num_rows == len(kept)
    why = read_jsonl(pairs)
    assert why and {"a", "b", "id_a", "id_b", "estimated", "exact", "band"} <= set(why[0])


def test_index_across_runs_and_mismatch(tmp_path: Path, docs: list[str]) -> None:
    source = write_input(tmp_path / "in.jsonl", docs, bad=False)
    index = tmp_path / "seen.sqlite"
    runner = CliRunner()
    first = runner.invoke(main, ["dedup", str(source), "-o", str(tmp_path / "1.jsonl"),
                                 "--index", str(index), "-q"])  # fmt: skip
    assert first.exit_code == 0, first.output
    again = runner.invoke(main, ["dedup", str(source), "-o", str(tmp_path / "2.jsonl"),
                                 "--index", str(index), "--clusters", str(tmp_path / "c.jsonl"),
                                 "-q"])  # fmt: skip
    assert again.exit_code == 0, again.output
    assert (tmp_path / "2.jsonl").read_text() == ""  # everything was seen before
    assert "0 kept" in again.stderr and f"{len(docs)} matched the index" in again.stderr
    line = read_jsonl(tmp_path / "c.jsonl")[0]
    assert line == {"id": "d0", "cluster": "d0", "duplicate_of": "d0", "similarity": 1.0}
    wrong = runner.invoke(main, ["dedup", str(source), "-o", str(tmp_path / "3.jsonl"),
                                 "--index", str(index), "--ngram", "5"])  # fmt: skip
    assert wrong.exit_code != 0 and "ngram: 2 != 5" in wrong.output
    assert not (tmp_path / "3.jsonl").exists()


def test_text_directory_and_failure_leaves_no_output(tmp_path: Path, docs: list[str]) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for i, text in enumerate(docs[:20]):
        (folder / f"{i:02d}.txt").write_text(text, encoding="utf-8")
    (folder / "copy.txt").write_text(docs[3], encoding="utf-8")
    out = tmp_path / "kept.jsonl"
    done = CliRunner().invoke(main, ["dedup", str(folder), "-o", str(out), "-q"])
    assert done.exit_code == 0, done.output
    assert "21 records in" in done.stderr
    missing = CliRunner().invoke(
        main, ["dedup", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "x.jsonl")]
    )
    assert missing.exit_code != 0 and "cannot open" in missing.output
    assert not (tmp_path / "x.jsonl").exists()
    assert not list(tmp_path.glob(".zhnorm-*"))  # no temporary files left behind


def test_console_script_reads_stdin(tmp_path: Path, docs: list[str]) -> None:
    exe = shutil.which("zhnorm", path=str(Path(sys.executable).parent))
    assert exe, "the zhnorm entry point is installed with the package"
    lines = [json.dumps({"text": t}, ensure_ascii=False) for t in [*docs[:30], docs[2], docs[7]]]
    out = tmp_path / "kept.jsonl"
    done = subprocess.run(
        [exe, "dedup", "-", "-o", str(out), "--clusters", str(tmp_path / "c.jsonl")],
        input="\n".join(lines).encode(),
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "32 records in" in done.stderr.decode()
    clusters = read_jsonl(tmp_path / "c.jsonl")
    assert clusters[30]["id"] == "<stdin>:31" and clusters[30]["duplicate_of"] is not None
    assert clusters[30]["cluster"] == clusters[2]["cluster"]
    assert clusters[31]["cluster"] == clusters[7]["cluster"]
    assert len(read_jsonl(out)) <= 30


def test_dedup_copies_kept_lines_as_they_are(tmp_path: Path) -> None:
    """JSONL in and out: kept records are their input lines byte for byte (escapes,
    spacing, key order, number forms), blank and rejected lines are skipped, and the same
    file given twice is read twice; compressed input takes the same path."""
    escaped = "".join(f"\\u{ord(c):04x}" for c in "今天天气很好，我们去公园")
    lines = [
        '{"text": "' + escaped + '", "n": 1.50}',
        "",
        '{ "text" : "完全不同的另一篇文章，讲的是经济发展和城市规划。" , "tags": [1, 2] }',
        "{broken",
        '{"text": "今天天气很好，我们去公园", "n": 2}',
        '{"text": 3}',
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines), encoding="utf-8")  # no final line break
    packed = tmp_path / "in.jsonl.gz"
    packed.write_bytes(gzip.compress(source.read_bytes()))
    for given, counts in (
        ([source], (5, 2, 1, 2)),
        ([source, source], (10, 2, 4, 4)),  # the second copy: all duplicates
        ([packed], (5, 2, 1, 2)),
    ):
        out = tmp_path / "kept.jsonl"
        args = ["dedup", *map(str, given), "-o", str(out), "-q", "--threshold", "0.5",
                "--skip-bad"]  # fmt: skip
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        assert out.read_text("utf-8").splitlines() == [lines[0], lines[2]]
        summary = SUMMARY.search(result.stderr)
        assert summary and tuple(map(int, summary.groups())) == counts


@pytest.mark.parametrize("read_bytes", [1 << 20, 1, 2, 7, 100])
def test_block_copy_writes_what_the_line_copy_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read_bytes: int
) -> None:
    """A plain JSONL file is copied in blocks, runs of kept lines at a time (a .gz one
    line by line): the same bytes - BOM dropped, CRLF and a missing final line break
    mended, blank, rejected and removed lines left out - in both, for any block size
    (lines and the BOM cut across blocks)."""
    monkeypatch.setattr(dedup_engine, "_READ_BYTES", read_bytes)
    texts = [
        "今天天气很好，我们去公园散步，然后回家吃饭。",
        "完全不同的另一篇文章，讲的是经济发展和城市规划。",
        "今天天气很好，我们去公园散步，然后回家吃饭。",  # removed: breaks the run
        "第三篇文章说的是体育比赛，球队赢了冠军。",
        "第四篇：科学家发现了新的物种，生活在深海。",
        "第五篇讲音乐会，观众很多，气氛热烈。",
    ]
    rows = [
        json.dumps({"id": f"r{i}", "text": t}, ensure_ascii=False).encode()
        for i, t in enumerate(texts)
    ]
    raw = (
        b"\xef\xbb\xbf" + rows[0] + b"\r\n" + rows[1] + b"\n\n" + rows[2] + b"\n{broken\n"
        + rows[3] + b"\n" + rows[4] + b"\r\r\n" + b'{"text": 3}\n' + rows[5]
    )  # fmt: skip
    plain, packed = tmp_path / "in.jsonl", tmp_path / "in.jsonl.gz"
    plain.write_bytes(raw)
    packed.write_bytes(gzip.compress(raw))
    written = []
    for source in (plain, packed):
        out = tmp_path / f"kept-{source.name}.jsonl"
        args = ["dedup", str(source), "-o", str(out), "-q", "--skip-bad"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        written.append(out.read_bytes())
    expected = b"".join(rows[i] + b"\n" for i in (0, 1, 3, 4, 5))
    assert written == [expected, expected]


def test_library_engine_is_what_the_command_runs(tmp_path: Path, docs: list[str]) -> None:
    """``zhnorm.neardup.files.dedup_files`` writes the command's outputs byte for byte and
    returns the counts of its summary line, also with an index."""
    from zhnorm.neardup.files import dedup_files

    source = write_input(tmp_path / "in.jsonl", docs)
    cli, lib = tmp_path / "cli", tmp_path / "lib"
    cli.mkdir()
    lib.mkdir()
    outputs = ("kept.jsonl", "clusters.jsonl", "pairs.jsonl")
    done = CliRunner().invoke(
        main,
        ["dedup", str(source), "-o", str(cli / outputs[0]), "--clusters", str(cli / outputs[1]),
         "--pairs", str(cli / outputs[2]), "--index", str(cli / "seen.sqlite"), "-q",
         "--skip-bad"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    counts = dedup_files(
        [str(source)],
        str(lib / outputs[0]),
        str(lib / outputs[1]),
        pairs=str(lib / outputs[2]),
        index=lib / "seen.sqlite",
        quiet=True,
        skip_bad=True,
    )
    for name in (*outputs, "kept.jsonl.rejects.jsonl"):
        assert (lib / name).read_bytes() == (cli / name).read_bytes(), name
    summary = counts.summary()
    assert summary == done.stderr.strip().replace(str(cli), str(lib))
    assert counts.read == counts.kept + counts.removed + counts.rejected == len(docs) + 3
    assert counts.index == str(lib / "seen.sqlite") and counts.matched == 0


def test_text_field_option_and_its_old_name(tmp_path: Path, docs: list[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(json.dumps({"body": t}, ensure_ascii=False) + "\n" for t in docs[:20]), "utf-8"
    )
    runner = CliRunner()
    new = runner.invoke(main, ["dedup", str(source), "-o", str(tmp_path / "a.jsonl"),
                               "--text-field", "body", "-q"])  # fmt: skip
    assert new.exit_code == 0 and "20 records in" in new.stderr and "0 rejected" in new.stderr
    old = runner.invoke(main, ["dedup", str(source), "-o", str(tmp_path / "b.jsonl"),
                               "--field", "body", "-q"])  # fmt: skip
    assert old.exit_code == 0 and old.stderr == new.stderr.replace("a.jsonl", "b.jsonl")
    help_text = runner.invoke(main, ["dedup", "--help"]).output
    assert "--text-field" in help_text and "--field " not in help_text


def _shard_rows(start: int, n: int) -> bytes:
    rows = [{"id": f"r{i}", "text": f"第{i}篇：" + "各不相同的内容" * (1 + i % 5) + str(i * 7919)}
            for i in range(start, start + n)]  # fmt: skip
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


def test_a_folder_of_shards_is_read_whole(tmp_path: Path) -> None:
    shards = tmp_path / "shards"
    shards.mkdir()
    (shards / "a.jsonl").write_bytes(b"\xef\xbb\xbf" + _shard_rows(0, 100))  # with a BOM
    (shards / "b.jsonl.gz").write_bytes(gzip.compress(_shard_rows(100, 100)))
    (shards / "part-00000").write_bytes(_shard_rows(200, 100))
    (shards / "_SUCCESS").write_bytes(b"")
    out = tmp_path / "out.jsonl"
    done = CliRunner().invoke(main, ["dedup", str(shards), "-o", str(out), "-q"])
    assert done.exit_code == 0, done.output
    read, kept, removed, rejected = map(int, SUMMARY.search(done.stderr).groups())  # type: ignore[union-attr]
    assert (read, rejected) == (300, 0) and kept + removed == 300
    lines = out.read_bytes().splitlines()
    assert lines[0].startswith(b'{"id": "r0"')  # copied without the BOM
    (shards / "notes.csv").write_bytes(b"x\n")
    bad = CliRunner().invoke(main, ["dedup", str(shards), "-o", str(tmp_path / "x.jsonl")])
    assert bad.exit_code == 1 and "notes.csv: not a file zhnorm reads" in bad.output
    assert not (tmp_path / "x.jsonl").exists()


def test_a_truncated_zst_is_an_error_not_half_the_records(tmp_path: Path) -> None:
    import zstandard

    whole = zstandard.ZstdCompressor().compress(_shard_rows(0, 3000))
    path = tmp_path / "in.jsonl.zst"
    path.write_bytes(whole[: len(whole) // 2])
    out = tmp_path / "out.jsonl"
    done = CliRunner().invoke(main, ["dedup", str(path), "-o", str(out), "-q"])
    assert done.exit_code == 1 and "in.jsonl.zst: cannot decompress: truncated zstd" in done.output
    assert not out.exists()


@pytest.mark.parametrize("out_name", ["out.jsonl", "out.parquet"])
def test_duplicate_ids_are_an_error_or_rejects(tmp_path: Path, out_name: str) -> None:
    texts = [
        "第一篇独立的文章内容",
        "第二篇毫不相干的文字",
        "第三篇又是另一回事了",
        "第四篇还有别的",
    ]
    rows = [{"id": i, "text": text} for i, text in zip("abac", texts, strict=True)]
    first, second = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    first.write_text(json.dumps(rows[0], ensure_ascii=False) + "\n", encoding="utf-8")
    second.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[1:]), encoding="utf-8"
    )
    out, clusters = tmp_path / out_name, tmp_path / "clusters.jsonl"
    args = ["dedup", str(first), str(second), "-o", str(out), "--clusters", str(clusters), "-q"]
    fatal = CliRunner().invoke(main, args)
    assert fatal.exit_code == 1
    assert f"{second}:2: duplicate id 'a' (first at {first}:1)" in fatal.stderr
    assert not out.exists() and not clusters.exists()
    done = CliRunner().invoke(main, [*args, "--skip-bad"])
    assert done.exit_code == 0, done.output
    assert SUMMARY.search(done.stderr).groups() == ("4", "3", "0", "1")  # type: ignore[union-attr]
    [reject] = read_jsonl(Path(f"{out}.rejects.jsonl"))
    assert reject["file"] == str(second) and reject["line"] == 2
    assert reject["reason"] == f"duplicate id 'a' (first at {first}:1)"
    assert [c["id"] for c in read_jsonl(clusters)] == ["a", "b", "c"]
    if out_name.endswith(".jsonl"):
        kept = [r["text"] for r in read_jsonl(out)]
    else:
        kept = [r["text"] for r in pq.read_table(out).to_pylist()]
    assert kept == [rows[0]["text"], rows[1]["text"], rows[3]["text"]]


def test_index_rerun_adds_no_rows(tmp_path: Path, docs: list[str]) -> None:
    import sqlite3

    source = write_input(tmp_path / "in.jsonl", docs, bad=False)
    index = tmp_path / "seen.sqlite"

    def rows() -> tuple[int, int]:
        with sqlite3.connect(index) as conn:
            counted = tuple(
                conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in ("docs", "bands")
            )
        conn.close()
        return counted[0], counted[1]

    runner = CliRunner()
    for n in (1, 2):
        result = runner.invoke(main, ["dedup", str(source), "-o", str(tmp_path / f"{n}.jsonl"),
                                      "--index", str(index), "-q"])  # fmt: skip
        assert result.exit_code == 0, result.output
        if n == 1:
            first = rows()
    assert first[0] == len(docs) and rows() == first
    assert f"{len(docs)} matched the index" in result.stderr


def test_index_of_another_application_is_refused_untouched(tmp_path: Path, docs: list[str]) -> None:
    import sqlite3

    source = write_input(tmp_path / "in.jsonl", docs[:20], bad=False)
    foreign = tmp_path / "app.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE users (name TEXT)")
    conn.close()
    before = foreign.read_bytes()
    result = CliRunner().invoke(main, ["dedup", str(source), "-o", str(tmp_path / "kept.jsonl"),
                                       "--index", str(foreign), "-q"])  # fmt: skip
    assert result.exit_code == 1 and "Traceback" not in result.output
    message = result.output.strip()
    assert "\n" not in message and str(foreign) in message and "another application" in message
    assert foreign.read_bytes() == before and not (tmp_path / "kept.jsonl").exists()


def test_second_writer_fails_before_writing(tmp_path: Path, docs: list[str]) -> None:
    from zhnorm.neardup import DedupIndex

    source = write_input(tmp_path / "in.jsonl", docs[:20], bad=False)
    path = tmp_path / "seen.sqlite"
    with DedupIndex(path) as holder, holder.writing():
        result = CliRunner().invoke(main, ["dedup", str(source), "-o", str(tmp_path / "k.jsonl"),
                                           "--index", str(path), "-q"])  # fmt: skip
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert "in use by another writer" in result.output.strip()
        assert "\n" not in result.output.strip()
        assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".sqlite"
                      and not p.name.startswith("seen.sqlite")) == ["in.jsonl"]  # fmt: skip


def test_key_spool_beside_the_output_or_in_tmp_dir(
    tmp_path: Path, docs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    import zhnorm.neardup.files as engine
    from zhnorm.neardup.spool import KeySpool

    made: list[str] = []

    class Recording(KeySpool):
        def __init__(self, directory: str | os.PathLike[str]) -> None:
            super().__init__(directory)
            made.append(self.path)

    monkeypatch.setattr(engine, "KeySpool", Recording)
    source = write_input(tmp_path / "in.jsonl", docs[:20], bad=False)
    (tmp_path / "out").mkdir()
    (tmp_path / "scratch").mkdir()
    leftover = tmp_path / "scratch" / ".zhnorm-999999999-keys-old.partial"
    leftover.write_bytes(b"k" * 100)
    os.utime(leftover, (1, 1))
    runner = CliRunner()
    result = runner.invoke(main, ["dedup", str(source), "-o", str(tmp_path / "out" / "k.jsonl"),
                                  "-q"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert Path(made[-1]).parent == tmp_path / "out" and not Path(made[-1]).exists()
    result = runner.invoke(main, ["dedup", str(source), "-o", str(tmp_path / "out" / "k2.jsonl"),
                                  "--tmp-dir", str(tmp_path / "scratch"), "-q"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert Path(made[-1]).parent == tmp_path / "scratch" and not Path(made[-1]).exists()
    assert not leftover.exists()  # a killed run's spool is recognised and removed


@pytest.mark.parametrize("workers", [1, 2])
def test_clusters_and_pairs_appear_only_with_the_kept_records(
    tmp_path: Path, docs: list[str], workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clusters and pairs files (written by a forked child while the kept records are
    copied, with two workers) are the same for any number of workers, and a run that
    fails while copying leaves none of them, nor a temporary file."""
    source = write_input(tmp_path / "in.jsonl", docs * 3, bad=False)
    made = {}
    for n in (1, workers):
        out = tmp_path / f"w{n}"
        out.mkdir(exist_ok=True)
        dedup_files(
            [str(source)], str(out / "kept.jsonl"), str(out / "c.jsonl"),
            pairs=str(out / "p.jsonl"), workers=n, quiet=True,
        )  # fmt: skip
        made[n] = {p.name: p.read_bytes() for p in out.iterdir()}
    assert made[1] == made[workers] and sorted(made[1]) == ["c.jsonl", "kept.jsonl", "p.jsonl"]

    def fails(*args: object, **kwargs: object) -> int:
        raise InputError("the inputs changed during the run (fewer records on re-reading)")

    monkeypatch.setattr(dedup_engine, "_write_records", fails)
    failed = tmp_path / "failed"
    failed.mkdir()
    with pytest.raises(InputError, match="changed during the run"):
        dedup_files(
            [str(source)], str(failed / "kept.jsonl"), str(failed / "c.jsonl"),
            pairs=str(failed / "p.jsonl"), workers=workers, quiet=True,
        )  # fmt: skip
    assert list(failed.iterdir()) == []


ODD_IDS = ('q"uote', "back\\slash", "头条", "\ud800lone", "tab\tand\x01", "plain")


@pytest.mark.parametrize(("workers", "indexed"), [(1, False), (2, False), (1, True), (2, True)])
def test_clusters_and_pairs_lines_are_the_records_json_writes(
    tmp_path: Path, docs: list[str], workers: int, indexed: bool
) -> None:
    """The clusters and pairs files, laid out in blocks, are line for line what
    ``dumps_record`` writes for the record each line parses to, and name the right ids:
    ids with quotes, backslashes, control characters, Han and a lone surrogate (read from
    a ``\\ud800`` escape; not with an index, which cannot store it), and with an index
    members kept by an earlier run."""
    from zhnorm.io import dumps_record

    odd = [name for name in ODD_IDS if not indexed or "\ud800" not in name]

    def ids_for(start: int, count: int) -> list[str]:
        return [f"{odd[i % len(odd)]}{i}" for i in range(start, start + count)]

    def write(path: Path, texts: list[str], ids: list[str]) -> Path:
        with path.open("w", encoding="utf-8") as out:
            for doc_id, text in zip(ids, texts, strict=True):
                out.write(json.dumps({"id": doc_id, "text": text}) + "\n")  # \ud800 escaped
        return path

    index = tmp_path / "seen.sqlite" if indexed else None
    earlier_ids = ids_for(0, 150) if indexed else []
    if indexed:
        first = write(tmp_path / "first.jsonl", docs[:150], earlier_ids)
        dedup_files([str(first)], str(tmp_path / "k0.jsonl"), index=index, quiet=True)
    # > 2 blocks of pairs lines and > 1 chunk of cluster lines; repeats of indexed texts
    texts = docs[100:] * 8
    ids = ids_for(1000, len(texts))
    second = write(tmp_path / "second.jsonl", texts, ids)
    out, clusters, pairs = (tmp_path / name for name in ("k.jsonl", "c.jsonl", "p.jsonl"))
    dedup_files(
        [str(second)], str(out), str(clusters), pairs=str(pairs), index=index,
        workers=workers, quiet=True,
    )  # fmt: skip
    cluster_lines = clusters.read_text("utf-8", "surrogatepass").splitlines(keepends=True)
    assert len(cluster_lines) == len(ids)
    known = set(ids) | set(earlier_ids)
    by_earlier = 0
    for doc_id, line in zip(ids, cluster_lines, strict=True):
        row = json.loads(line)
        assert line == dumps_record(row)
        assert row["id"] == doc_id
        if row["duplicate_of"] is None:
            assert row["cluster"] == doc_id and row["similarity"] is None
        else:
            assert row["duplicate_of"] in known and row["cluster"] == row["duplicate_of"]
            assert 0.0 <= row["similarity"] <= 1.0
            by_earlier += row["duplicate_of"] in earlier_ids
    assert bool(by_earlier) == indexed  # some kept by the earlier run, named by their ids
    pair_lines = pairs.read_text("utf-8", "surrogatepass").splitlines(keepends=True)
    assert len(pair_lines) > 2 * 4096
    for line in pair_lines:
        row = json.loads(line)
        assert line == dumps_record(row)
        assert list(row) == ["a", "b", "estimated", "exact", "band", "id_a", "id_b"]
        assert (row["id_a"], row["id_b"]) == (ids[row["a"]], ids[row["b"]])


def test_json_number_is_dumps_value() -> None:
    from zhnorm.io.files import dumps_value
    from zhnorm.neardup.files import _json_number

    values: list[float | int | None] = [0, 7, -3, 2**70, 0.5, 1.0, 1 / 3, 1e-300, 5e-324]
    values += [float("nan"), float("inf"), -float("inf"), True, False, None, 0.9999999999999999]
    for value in values:
        assert _json_number(value) == dumps_value(value), value


def test_an_id_the_index_cannot_store_is_a_bad_record(tmp_path: Path) -> None:
    """An id with a lone surrogate (from a ``\\ud800`` escape) cannot go into the index
    (UTF-8 text): with ``--index`` it is a bad record, an error naming its place before
    any output is written, or with ``--skip-bad`` a reject, and the index holds the
    others; without an index it is an ordinary id."""
    import sqlite3

    texts = ["第一篇独立的文章内容", "第二篇毫不相干的文字", "第三篇又是另一回事了"]
    source = tmp_path / "in.jsonl"
    ids = ["a", "b\ud800", "c"]
    source.write_text(
        "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in zip(ids, texts, strict=True))
    )
    out, index = tmp_path / "kept.jsonl", tmp_path / "seen.sqlite"
    args = ["dedup", str(source), "-o", str(out), "--index", str(index), "-q"]
    fatal = CliRunner().invoke(main, args)
    assert fatal.exit_code == 1
    assert f"{source}:2: id 'b\\ud800' is not valid Unicode (a lone surrogate)" in fatal.stderr
    assert not out.exists()
    done = CliRunner().invoke(main, [*args, "--skip-bad"])
    assert done.exit_code == 0, done.output
    assert SUMMARY.search(done.stderr).groups() == ("3", "2", "0", "1")  # type: ignore[union-attr]
    [reject] = read_jsonl(Path(f"{out}.rejects.jsonl"))
    assert reject["line"] == 2 and "lone surrogate" in str(reject["reason"])
    assert [r["id"] for r in read_jsonl(out)] == ["a", "c"]
    with closing(sqlite3.connect(index)) as conn:
        assert sorted(row[0] for row in conn.execute("SELECT id FROM docs")) == ["a", "c"]
    plain = CliRunner().invoke(main, ["dedup", str(source), "-o", str(tmp_path / "p.jsonl"), "-q"])
    assert plain.exit_code == 0, plain.output
    assert len(read_jsonl(tmp_path / "p.jsonl")) == 3
