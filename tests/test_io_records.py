"""Record readers and writers: formats, bad records with file:line, atomic output."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from zhnorm.io import (
    BadRecord,
    DedupCounts,
    InputError,
    Progress,
    Record,
    RecordWriter,
    Rejects,
    RunCounts,
    iter_records,
    record_id,
    rejects_path,
)

ROWS = [{"id": "a", "text": "头发", "site": "x"}, {"id": "b", "text": "軟體", "site": "y"}]


def _jsonl(rows: list[object]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".jsonl.zst", ".parquet"])
def test_every_format_yields_the_same_records(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"in{suffix}"
    if suffix == ".parquet":
        pq.write_table(pa.Table.from_pylist(ROWS), path)
    elif suffix.endswith(".gz"):
        path.write_bytes(gzip.compress(_jsonl(ROWS)))
    elif suffix.endswith(".zst"):
        path.write_bytes(zstandard.ZstdCompressor().compress(_jsonl(ROWS)))
    else:
        path.write_bytes(_jsonl(ROWS))
    records = list(iter_records([str(path)], id_field="id"))
    assert all(isinstance(r, Record) for r in records)
    assert [(r.id, r.text, r.data) for r in records if isinstance(r, Record)] == [
        (row["id"], row["text"], row) for row in ROWS
    ]


def test_bad_records_name_file_line_and_reason(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    rows: list[object] = [
        {"id": 1, "text": "好"},
        {"id": 2},
        {"id": 3, "text": 7},
        [1],
        {"text": "x"},
    ]
    path.write_bytes(_jsonl(rows) + b"{oops\n\n")
    out = list(iter_records([str(path)], id_field="id"))
    assert isinstance(out[0], Record) and out[0].id == "1"
    reasons = [(r.line, r.reason) for r in out if isinstance(r, BadRecord)]
    assert reasons == [
        (2, "record has no field 'text' or it is null"),
        (3, "field 'text' is int, expected a string"),
        (4, "record is not a JSON object"),
        (5, "record has no id field 'id'"),
        (6, "malformed JSON: Expecting property name enclosed in double quotes (column 2)"),
    ]


def test_text_files_and_directories_are_one_document_each(tmp_path: Path) -> None:
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "b.txt").write_text("乙", encoding="utf-8")
    (tmp_path / "d" / "sub" / "a.txt").write_text("甲", encoding="utf-8")
    (tmp_path / "d" / "bad.txt").write_bytes(b"ok\xff")
    out = list(iter_records([str(tmp_path / "d")]))
    assert [(r.id, r.text) for r in out if isinstance(r, Record)] == [
        ("b.txt", "乙"),
        ("sub/a.txt", "甲"),
    ]
    [bad] = [r for r in out if isinstance(r, BadRecord)]
    assert bad.source == "bad.txt" and "byte offset 2" in bad.reason


def test_missing_input_and_corrupt_archives_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.jsonl: cannot open"):
        list(iter_records([str(tmp_path / "nope.jsonl")]))
    broken = tmp_path / "x.jsonl.gz"
    broken.write_bytes(b"not gzip")
    with pytest.raises(InputError, match=r"x\.jsonl\.gz: cannot decompress"):
        list(iter_records([str(broken)]))


@pytest.mark.parametrize("name", ["out.jsonl", "out.parquet"])
def test_writer_is_atomic_and_round_trips(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with pytest.raises(RuntimeError), RecordWriter(str(path)) as writer:
        writer.write(ROWS[0])
        raise RuntimeError("interrupted")
    assert not path.exists() and not list(tmp_path.iterdir())
    with RecordWriter(str(path)) as writer:
        for row in ROWS:
            writer.write(row)
    back = [r for r in iter_records([str(path)], id_field="id") if isinstance(r, Record)]
    assert [r.data for r in back] == ROWS


def test_progress_is_silent_off_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress("dedup", stream=stream)
    progress.update(5)
    progress.close()
    assert progress.count == 5 and stream.getvalue() == ""


@pytest.mark.parametrize("name", ["out.jsonl", "out.parquet"])
def test_outputs_get_the_usual_permissions(tmp_path: Path, name: str) -> None:
    umask = os.umask(0o022)
    try:
        with RecordWriter(str(tmp_path / name)) as writer:
            writer.write(ROWS[0])
    finally:
        os.umask(umask)
    assert (tmp_path / name).stat().st_mode & 0o777 == 0o644


def test_one_id_rule_and_one_rejects_path() -> None:
    def record(data: dict[str, object]) -> Record:
        return Record("in.jsonl", 3, "in.jsonl:3", "好", data)

    assert record_id(record({"id": "a"}), None) == "a"
    assert record_id(record({"id": 7}), None) == "7"
    assert record_id(record({"id": 1.5}), None) == "in.jsonl:3"  # not a string or integer
    assert record_id(record({}), None) == "in.jsonl:3"
    given = Record("in.jsonl", 3, "u1", "好", {"url": "u1", "id": "a"})
    assert record_id(given, "url") == "u1"  # the id field the record was read with
    assert rejects_path("out.jsonl") == "out.jsonl.rejects.jsonl"
    assert rejects_path("out/", None) == "out.rejects.jsonl"  # a Spark output directory
    assert rejects_path(None) == rejects_path("-") == "zhnorm.rejects.jsonl"
    assert rejects_path("out.jsonl", "bad.jsonl") == "bad.jsonl"


def test_rejects_are_fatal_or_written_and_counted(tmp_path: Path) -> None:
    bad = BadRecord("in.jsonl", 2, "record is not a JSON object", "[1]")
    with pytest.raises(
        InputError, match=r"^in\.jsonl:2: record is not a JSON object \(use --skip-bad"
    ):
        Rejects(None).add(bad)
    lazy = tmp_path / "lazy.jsonl"
    with Rejects(str(lazy), eager=False):
        pass
    assert not lazy.exists()  # only for a first reject
    path = tmp_path / "rejects.jsonl"
    with Rejects(str(path)) as rejects:
        rejects.add(bad)
    assert rejects.count == 1
    assert json.loads(path.read_text("utf-8")) == bad.to_dict()


def test_summary_line_accounts_for_every_record() -> None:
    counts = RunCounts("run", read=5, written=3, rejected=2, rejects_path="r.jsonl")
    counts.check()
    counts.notes.append("pipeline abc")
    assert counts.summary() == (
        "zhnorm run: 5 records in, 3 out, 2 rejected (see r.jsonl); pipeline abc"
    )
    dedup = DedupCounts(read=6, written=3, removed=2, rejected=1, candidates=4, verified=3)
    dedup.check()
    dedup.matched, dedup.index = 1, "seen.sqlite"
    assert dedup.kept == 3 and dedup.summary() == (
        "zhnorm dedup: 6 records in, 3 kept, 2 removed as duplicates, 1 rejected; "
        "4 candidate pairs, 3 verified; 1 matched the index (seen.sqlite)"
    )
    with pytest.raises(AssertionError):
        RunCounts("fix", read=2, written=1).check()


# --- inputs: directories, codecs, truncated streams, BOM (issue 15) ---------------------

COMPRESS = {
    ".gz": gzip.compress,
    ".zst": lambda data: zstandard.ZstdCompressor().compress(data),
    ".bz2": bz2.compress,
    ".xz": lzma.compress,
}


def _rows(prefix: str, n: int = 2) -> list[object]:
    return [{"id": f"{prefix}{i}", "text": f"文本{prefix}{i}"} for i in range(n)]


def test_a_directory_is_read_recursively_by_kind(tmp_path: Path) -> None:
    shards = tmp_path / "shards"
    (shards / "sub").mkdir(parents=True)
    (shards / "_temporary").mkdir()
    (shards / ".cache").mkdir()
    (shards / "a.jsonl").write_bytes(_jsonl(_rows("a")))
    (shards / "b.json.gz").write_bytes(gzip.compress(_jsonl(_rows("b"))))
    (shards / "c.NDJSON.zst").write_bytes(COMPRESS[".zst"](_jsonl(_rows("c"))))
    (shards / "d.jsonl.bz2").write_bytes(bz2.compress(_jsonl(_rows("d"))))
    (shards / "e.jsonl.XZ").write_bytes(lzma.compress(_jsonl(_rows("e"))))
    pq.write_table(pa.Table.from_pylist(_rows("f")), shards / "f.parquet")
    (shards / "G.TXT").write_text("大写", encoding="utf-8")
    (shards / "sub" / "part-00000").write_bytes(_jsonl(_rows("p")))
    (shards / "sub" / "part-00001.gz").write_bytes(gzip.compress(_jsonl(_rows("q"))))
    for ignored in ["_SUCCESS", ".part-00000.crc", "_temporary/x.jsonl", ".cache/y.csv"]:
        (shards / ignored).write_bytes(b"not read")
    records = list(iter_records([str(shards)]))
    assert all(isinstance(r, Record) for r in records)
    got = [(record_id(r, None), r.source) for r in records if isinstance(r, Record)]
    expected = [("G.TXT", "G.TXT")]  # a text file's id: its path in the directory
    for prefix, name in [("a", "a.jsonl"), ("b", "b.json.gz"), ("c", "c.NDJSON.zst"),
                         ("d", "d.jsonl.bz2"), ("e", "e.jsonl.XZ")]:  # fmt: skip
        expected += [(f"{prefix}{i}", f"{shards}/{name}") for i in range(2)]
    expected += [("f0", f"{shards}/f.parquet"), ("f1", f"{shards}/f.parquet")]
    expected += [(f"p{i}", f"{shards}/sub/part-00000") for i in range(2)]
    expected += [(f"q{i}", f"{shards}/sub/part-00001.gz") for i in range(2)]
    assert got == expected  # sorted by path ("G" < "a")
    # Without an id field, records of a file in a directory are named by file:line.
    (shards / "sub" / "part-00000").write_bytes(_jsonl([{"text": "无id"}]))
    named = [r for r in iter_records([str(shards / "sub")]) if isinstance(r, Record)]
    assert named[0].id == f"{shards}/sub/part-00000:1"


def test_unknown_files_are_errors_never_skips(tmp_path: Path) -> None:
    shards = tmp_path / "shards"
    shards.mkdir()
    (shards / "a.jsonl").write_bytes(_jsonl(_rows("a")))
    (shards / "notes.csv").write_text("a,b\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"shards/notes\.csv: not a file zhnorm reads"):
        list(iter_records([str(shards)]))
    named = tmp_path / "corpus.data"
    named.write_bytes(_jsonl(_rows("a")))
    with pytest.raises(InputError, match=r"corpus\.data: not a file zhnorm reads"):
        list(iter_records([str(named)]))
    with pytest.raises(InputError, match=r"gone\.data: cannot open"):
        list(iter_records([str(tmp_path / "gone.data")]))


@pytest.mark.parametrize("codec", list(COMPRESS))
def test_every_codec_reads_named_files(tmp_path: Path, codec: str) -> None:
    path = tmp_path / f"in.jsonl{codec}"
    path.write_bytes(COMPRESS[codec](_jsonl(ROWS)))
    assert [r.data for r in iter_records([str(path)]) if isinstance(r, Record)] == ROWS


def test_zstd_frames_are_read_one_after_another(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl.zst"
    path.write_bytes(COMPRESS[".zst"](_jsonl(_rows("a"))) + COMPRESS[".zst"](_jsonl(_rows("b"))))
    assert [r.id for r in iter_records([str(path)], id_field="id")] == ["a0", "a1", "b0", "b1"]


@pytest.mark.parametrize("codec", list(COMPRESS))
def test_truncated_compressed_streams_are_errors(tmp_path: Path, codec: str) -> None:
    rows = [{"id": i, "text": f"第{i}篇文章的正文，内容各不相同。"} for i in range(3000)]
    whole = COMPRESS[codec](_jsonl(rows))
    path = tmp_path / f"in.jsonl{codec}"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match=rf"in\.jsonl\{codec}: cannot decompress: truncated"):
        list(iter_records([str(path)]))


@pytest.mark.parametrize("codec", list(COMPRESS))
def test_corrupt_compressed_streams_are_errors(tmp_path: Path, codec: str) -> None:
    rows = [{"id": i, "text": f"第{i}篇"} for i in range(3000)]
    whole = bytearray(COMPRESS[codec](_jsonl(rows)))
    middle = len(whole) // 2
    whole[middle : middle + 64] = bytes(64)
    path = tmp_path / f"in.jsonl{codec}"
    path.write_bytes(bytes(whole))
    with pytest.raises(InputError, match=rf"in\.jsonl\{codec}: cannot decompress"):
        list(iter_records([str(path)]))


def test_a_bom_never_costs_a_record(tmp_path: Path) -> None:
    bom = b"\xef\xbb\xbf"
    path = tmp_path / "in.jsonl"
    path.write_bytes(bom + _jsonl(ROWS))
    assert [r.data for r in iter_records([str(path)])] == ROWS
    packed = tmp_path / "in.jsonl.gz"
    packed.write_bytes(gzip.compress(bom + _jsonl(ROWS)))
    assert [r.data for r in iter_records([str(packed)])] == ROWS
    text = tmp_path / "doc.txt"
    text.write_bytes(bom + "正文".encode())
    [record] = iter_records([str(text)])
    assert isinstance(record, Record) and record.text == "正文"


def test_text_files_read_in_the_encoding_given(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes("头发和软件".encode("gbk"))
    (tmp_path / "b.txt.gz").write_bytes(gzip.compress("頭髮".encode("big5")))
    (bad,) = iter_records([str(tmp_path / "a.txt")])
    assert isinstance(bad, BadRecord) and "--encoding" in bad.reason
    (one,) = iter_records([str(tmp_path / "a.txt")], encoding="gbk")
    assert isinstance(one, Record) and one.text == "头发和软件"
    (two,) = iter_records([str(tmp_path / "b.txt.gz")], encoding="big5")
    assert isinstance(two, Record) and two.text == "頭髮"
    with pytest.raises(ValueError, match="latin-9"):
        list(iter_records([str(tmp_path / "a.txt")], encoding="latin-9"))


@pytest.mark.parametrize("encoding", ["gbk", "big5", "utf-16", "auto"])
def test_jsonl_read_in_the_encoding_given(tmp_path: Path, encoding: str) -> None:
    rows = [{"id": "a", "text": "頭髮和軟體"}, {"id": "b", "text": "我們的電腦"}]
    written = "big5" if encoding == "auto" else encoding
    path = tmp_path / "in.jsonl.gz"
    path.write_bytes(gzip.compress(_jsonl(rows).decode().encode(written)))
    records = list(iter_records([str(path)], encoding=encoding))
    assert [r.text for r in records if isinstance(r, Record)] == [r["text"] for r in rows]


def test_jsonl_in_another_encoding_names_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(_jsonl(ROWS[:1]) + b'{"text": "\x80"}\n')
    with pytest.raises(InputError, match=r"in\.jsonl: byte offset \d+: invalid big5"):
        list(iter_records([str(path)], encoding="big5"))
