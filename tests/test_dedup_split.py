"""``zhnorm dedup --workers N`` on plain JSONL: each process reads its own byte ranges
of the files (:mod:`zhnorm.neardup.split`); the outputs, rejects, messages and counts
are those of the one reading path (:func:`zhnorm.io.iter_records`)."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

from zhnorm.io import InputError, InputFile
from zhnorm.io.inputs import BOM, range_lines, raw_lines
from zhnorm.neardup import files as dedup_engine
from zhnorm.neardup import kept as kept_module
from zhnorm.neardup import split
from zhnorm.neardup.files import dedup_files


def test_ranges_give_every_line_once_whatever_bytes_they_split(tmp_path: Path) -> None:
    """For every range size, the ranges' lines one after another are the file's lines
    as :func:`raw_lines` reads them: a line crossing a split point, and a split inside a
    multi-byte character, belong whole to the range the line starts in; the BOM is
    dropped once; CRLF, blank lines and a last line without a line break kept as they
    are."""
    data = (
        BOM + "第一行，汉字\r\n".encode() + b"\n" + b"\n"
        + "二\u00e9😀三\n".encode() + b"x" * 40 + b"\n" + "末行没有换行".encode()
    )  # fmt: skip
    path = tmp_path / "in.jsonl"
    path.write_bytes(data)
    expected = [raw for _, raw in raw_lines(io.BytesIO(data))]
    file = InputFile(str(path), str(path), "jsonl")
    for size in range(1, len(data) + 2):
        parts = list(split.line_ranges([file], size))
        assert parts[0].start == 0 and parts[-1].stop == len(data)
        got = [raw for p in parts for raw in range_lines(p.path, p.start, p.stop)]
        assert got == expected, size
    [whole] = split.line_ranges([InputFile(str(path), "x", "jsonl")], 10**6)
    assert (whole.name, whole.start, whole.stop) == ("x", 0, len(data))
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert list(split.line_ranges([InputFile(str(empty), str(empty), "jsonl")], 8)) == []


def _rows(texts: list[str], ids: list[object]) -> list[bytes]:
    return [
        json.dumps({"id": i, "text": t, "n": k}, ensure_ascii=False).encode()
        for k, (i, t) in enumerate(zip(ids, texts, strict=True))
    ]


TEXTS = [
    "今天天气很好，我们去公园散步，然后回家吃饭，晚上看电视。",
    "完全不同的另一篇文章，讲的是经济发展和城市规划的问题。",
    "今天天气很好，我们去公园散步，然后回家吃饭，晚上看电视！",
    "第三篇文章说的是体育比赛，球队赢了冠军，大家都很高兴。",
    "第四篇：科学家发现了新的物种，生活在深海，颜色很奇怪。",
    "第三篇文章说的是体育比赛，球队赢了冠军，大家都很高兴啊。",
    "第五篇讲音乐会，观众很多，气氛热烈，演出持续了三个小时。",
    "今天天氣很好，我們去公園散步，然後回家吃飯，晚上看電視。",
]


def _messy(tmp_path: Path, name: str, ids: list[object]) -> Path:
    """A JSONL file with every kind of line the reader must handle as before."""
    rows = _rows(TEXTS, ids)
    raw = (
        BOM + rows[0] + b"\r\n" + rows[1] + b"\n\n" + b"{broken\n" + rows[2] + b"\n"
        + b'{"id": "s", "text": "lone \\ud800 surrogate \\udfff"}\n'
        + b'{"id": "t", "text": 3}\n' + b'{"id": "u"}\n' + b"[1, 2]\n"
        + '{"id": "v", "text": "bad \xff byte"}\n'.encode("latin-1")
        + rows[3] + b"\n   \n" + rows[4] + b"\r\r\n" + rows[5] + b"\n" + rows[6] + b"\n"
        + rows[7]  # no line break at the end
    )  # fmt: skip
    path = tmp_path / name
    path.write_bytes(raw)
    return path


def _run(tmp_path: Path, label: str, inputs: list[Path], workers: int, **options: object) -> dict:
    out = tmp_path / label
    out.mkdir()
    try:
        counts = dedup_files(
            [str(p) for p in inputs], str(out / "kept.jsonl"), str(out / "clusters.jsonl"),
            pairs=str(out / "pairs.jsonl"), workers=workers, quiet=True, threshold=0.5,
            **options,  # type: ignore[arg-type]
        )  # fmt: skip
    except InputError as exc:
        return {"error": str(exc), "files": sorted(p.name for p in out.iterdir())}
    made = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    return {"counts": (counts.read, counts.written, counts.removed, counts.rejected), **made}


@pytest.mark.parametrize("range_bytes", [1 << 20, 1, 5, 37, 200])
@pytest.mark.parametrize("keep", ["first", "n"])
def test_split_reading_gives_the_outputs_of_one_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, range_bytes: int, keep: str
) -> None:
    """Two files (the second with ids repeating the first's: duplicate-id rejects,
    naming the first place) and the first given twice, through the split reading with
    ranges of any size (lines and characters cut across ranges), against one worker
    and against two workers handed the parsed texts: the same kept, clusters, pairs and
    rejects files, the same counts (in = kept + removed + rejected)."""
    one = _messy(tmp_path, "one.jsonl", [f"a{i}" for i in range(8)])
    two = _messy(tmp_path, "two.jsonl", ["b0", "a1", "b2", 3, "a3", "b5", "", ""])
    inputs = [one, two, one]
    assert dedup_engine._split_files([str(p) for p in inputs], "utf-8", 2) is not None
    options = {"skip_bad": True, "keep": keep}
    base = _run(tmp_path, "one-worker", inputs, 1, **options)
    monkeypatch.setattr(dedup_engine, "_split_files", lambda *args: None)
    handed = _run(tmp_path, "handed", inputs, 2, **options)
    monkeypatch.undo()
    monkeypatch.setattr(split, "RANGE_BYTES", range_bytes)
    split_run = _run(tmp_path, "split", inputs, 2, **options)
    assert split_run == base == handed
    read, written, removed, rejected = base["counts"]
    # 5 bad lines a file; ids repeated: a1, a3, s in two.jsonl, all 9 of one.jsonl again
    assert read == written + removed + rejected and rejected == 5 * 3 + 3 + 9
    rejects = [json.loads(line) for line in base["kept.jsonl.rejects.jsonl"].splitlines()]
    reasons = {(Path(r["file"]).name, r["line"]): r["reason"] for r in rejects}
    assert reasons[("one.jsonl", 4)].startswith("malformed JSON")
    assert reasons[("two.jsonl", 2)] == f"duplicate id 'a1' (first at {one}:2)"


@pytest.mark.parametrize("range_bytes", [1 << 20, 3, 64])
def test_split_reading_stops_at_the_first_bad_record_with_its_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, range_bytes: int
) -> None:
    """Without ``skip_bad`` the first bad record (in file order, whichever process read
    it) is the error of one reader, ``file:line`` and reason, and nothing is written;
    a duplicate id in a second file likewise."""
    one = _messy(tmp_path, "one.jsonl", [f"a{i}" for i in range(8)])
    clean = tmp_path / "clean.jsonl"
    clean.write_bytes(b"".join(r + b"\n" for r in _rows(TEXTS[:3], ["x", "y", "z"])))
    again = tmp_path / "again.jsonl"
    again.write_bytes(b"\n" + b"".join(r + b"\n" for r in _rows(TEXTS[3:5], ["q", "y"])))
    monkeypatch.setattr(split, "RANGE_BYTES", range_bytes)
    for inputs, message in (
        ([clean, one], f"{one}:4: malformed JSON"),
        ([clean, again], f"{again}:3: duplicate id 'y' (first at {clean}:2)"),
    ):
        base = _run(tmp_path, f"one-{inputs[1].name}", inputs, 1)
        split_run = _run(tmp_path, f"split-{inputs[1].name}", inputs, 2)
        assert split_run == base
        assert base["error"].startswith(message) and base["files"] == []


def test_inputs_that_cannot_be_split_are_read_once_and_handed_on(tmp_path: Path) -> None:
    """Compressed files, stdin, another encoding and one worker keep the one reader
    (the texts handed to the children); a plain file with ``--encoding utf-8`` splits."""
    plain = tmp_path / "a.jsonl"
    plain.write_bytes(b"".join(r + b"\n" for r in _rows(TEXTS, list(range(8)))))
    packed = tmp_path / "b.jsonl.gz"
    renamed = _rows(TEXTS, [f"p{i}" for i in range(8)])
    packed.write_bytes(gzip.compress(b"".join(r + b"\n" for r in renamed)))
    assert dedup_engine._split_files([str(plain)], "utf-8", 2) is not None
    assert dedup_engine._split_files([str(plain)], "utf-8", 1) is None
    assert dedup_engine._split_files([str(plain)], "gb18030", 2) is None
    assert dedup_engine._split_files([str(plain), str(packed)], "utf-8", 2) is None
    assert dedup_engine._split_files([str(plain), "-"], "utf-8", 2) is None
    runs = [_run(tmp_path, f"r{w}", [plain, packed], w) for w in (1, 2)]
    assert runs[0] == runs[1] and runs[0]["counts"][::3] == (16, 0)


@pytest.mark.parametrize("read_bytes", [1 << 20, 1, 60, 400])
def test_kept_lines_are_copied_by_their_byte_spans_as_line_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read_bytes: int
) -> None:
    """With the split reading, the kept records are copied by the byte spans the first
    pass found (the files are not read again line by line): the same kept file as one
    worker's line-by-line copy, whatever the size of the blocks read, for messy files
    (BOM, CRLF, ``\\r\\r\\n``, blank and bad lines, no line break at the end) and for a
    file given twice in a row."""
    one = _messy(tmp_path, "one.jsonl", [f"a{i}" for i in range(8)])
    bare = tmp_path / "bare.jsonl"  # no ids: given twice, the second copy is all duplicates
    bare.write_bytes(b"".join(json.dumps({"text": t}).encode() + b"\n" for t in TEXTS))
    copies: list[int] = []
    spans_copy = kept_module.FileSpans.copy_kept
    monkeypatch.setattr(
        kept_module.FileSpans,
        "copy_kept",
        lambda self, *args: copies.append(len(self)) or spans_copy(self, *args),
    )
    monkeypatch.setattr(kept_module, "_READ_BYTES", read_bytes)
    for label, inputs in (("messy", [one]), ("twice", [bare, bare, one])):
        base = _run(tmp_path, f"{label}-one", inputs, 1, skip_bad=True)
        split_run = _run(tmp_path, f"{label}-split", inputs, 2, skip_bad=True)
        assert split_run == base and copies, label
        copies.clear()


def test_a_file_changed_before_the_copy_is_an_error_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file whose size changed between the two passes is not copied by stale spans:
    an input error naming it, and no output appears."""
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"".join(r + b"\n" for r in _rows(TEXTS, list(range(8)))))
    spans_copy = kept_module.FileSpans.copy_kept

    def grown_first(self: kept_module.FileSpans, *args: object) -> int:
        with path.open("ab") as handle:
            handle.write(b'{"id": "late", "text": "x"}\n')
        return spans_copy(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(kept_module.FileSpans, "copy_kept", grown_first)
    run = _run(tmp_path, "grown", [path], 2)
    assert run["error"] == f"{path}: the input changed during the run"
    assert run["files"] == []
