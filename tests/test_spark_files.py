"""The Spark file engine (``zhnorm dedup --engine spark``) keeps the record contract of
zhnorm.io: every kind of input the local layer reads, ``encoding=``, duplicate ids,
outputs checked first and written atomically, spill space under ``tmp_dir``, counts and
exit status.  Where both engines claim the same output, the local engine is the oracle.

One SparkSession (``local[2]``) serves the file; the kill and ``tmp_dir`` tests start
their own in a subprocess.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import json
import lzma
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pyspark.sql import SparkSession

import zhnorm.spark as zs
from zhnorm.cli import main
from zhnorm.io import InputError, OutputError
from zhnorm.neardup.files import dedup_files as local_dedup_files

from .conftest import REPO, local_spark

SRC = REPO / "src"
POOL = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把"
    "性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质"
)


def _texts(n: int, seed: int) -> list[str]:
    """``n`` documents of 120 random characters; every third one a near-copy (two
    characters changed) of an earlier one."""
    rng = random.Random(seed)
    texts: list[str] = []
    for i in range(n):
        if i % 3 == 2:
            copy = list(texts[rng.randrange(len(texts))])
            for _ in range(2):
                copy[rng.randrange(len(copy))] = rng.choice(POOL)
            texts.append("".join(copy))
        else:
            texts.append("".join(rng.choice(POOL) for _ in range(120)))
    return texts


def _lines(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def _part_lines(directory: Path) -> list[str]:
    return [
        line
        for part in sorted(directory.glob("part-*"))
        for line in part.read_text("utf-8").splitlines()
    ]


def _jsons(lines: list[str]) -> list[Any]:
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    yield from local_spark()


def _compare_with_local(
    spark: SparkSession, inputs: list[str], tmp_path: Path, **options: Any
) -> tuple[Any, Any]:
    """Run both engines on ``inputs``; assert the same kept records, clusters, rejects
    and counts; return both counts."""
    local_dir, spark_dir = tmp_path / "local", tmp_path / "spark"
    local_dir.mkdir()
    spark_dir.mkdir()
    local = local_dedup_files(
        inputs, str(local_dir / "kept.jsonl"), str(local_dir / "c.jsonl"), **options
    )
    counts = zs.dedup_files(
        inputs, str(spark_dir / "kept.jsonl"), str(spark_dir / "c.jsonl"), spark=spark, **options
    )
    assert _jsons(_part_lines(spark_dir / "kept.jsonl")) == _jsons(
        (local_dir / "kept.jsonl").read_text("utf-8").splitlines()
    )
    assert _jsons(_part_lines(spark_dir / "c.jsonl")) == _jsons(
        (local_dir / "c.jsonl").read_text("utf-8").splitlines()
    )
    local_rejects = local_dir / "kept.jsonl.rejects.jsonl"
    spark_rejects = spark_dir / "kept.jsonl.rejects.jsonl"
    assert local_rejects.exists() == spark_rejects.exists()
    if local_rejects.exists():
        assert _jsons(_part_lines(spark_rejects)) == _jsons(
            local_rejects.read_text("utf-8").splitlines()
        )
    assert (counts.read, counts.kept, counts.removed, counts.rejected) == (
        local.read,
        local.kept,
        local.removed,
        local.rejected,
    )
    assert counts.read == counts.kept + counts.removed + counts.rejected
    assert not list(tmp_path.rglob("*.partial"))
    return local, counts


# --- 1. every kind of input the local layer reads --------------------------------------


def test_every_input_kind_same_as_local(spark: SparkSession, tmp_path: Path) -> None:
    import zstandard

    texts = _texts(240, seed=1)
    records = [{"id": f"d{i}", "text": t} for i, t in enumerate(texts)]
    corpus = tmp_path / "corpus"
    (corpus / "sub" / "deeper").mkdir(parents=True)
    (corpus / "a.jsonl").write_bytes(b"\xef\xbb\xbf" + _lines(records[:30]))  # a BOM
    (corpus / "b.json.gz").write_bytes(gzip.compress(_lines(records[30:60])))
    (corpus / "c.ndjson.bz2").write_bytes(bz2.compress(_lines(records[60:90])))
    (corpus / "d.JSONL.xz").write_bytes(lzma.compress(_lines(records[90:120])))
    (corpus / "e.jsonl.zst").write_bytes(
        zstandard.ZstdCompressor().compress(_lines(records[120:150]))
    )
    (corpus / "sub" / "part-00000").write_bytes(_lines(records[150:180]).replace(b"\n", b"\r\n"))
    (corpus / "sub" / "part-00001.gz").write_bytes(gzip.compress(_lines(records[180:210])))
    for i, text in enumerate(texts[210:225]):
        (corpus / "sub" / "deeper" / f"t{i:02d}.txt").write_text(text, "utf-8")
    (corpus / "sub" / "deeper" / "t99.TXT.gz").write_bytes(gzip.compress(texts[225].encode()))
    (corpus / "sub" / "_SUCCESS").write_text("")
    (corpus / "sub" / ".part-00000.crc").write_bytes(b"\x00\x01")
    single = tmp_path / "single.jsonl"
    single.write_bytes(_lines(records[226:]))

    _, counts = _compare_with_local(spark, [str(corpus), str(single)], tmp_path)
    assert counts.read == len(records) == 240  # every file, every record
    assert counts.removed > 40 and counts.rejected == 0


def test_unknown_kind_and_broken_streams_are_errors_naming_the_file(
    spark: SparkSession, tmp_path: Path
) -> None:
    import zstandard

    body = _lines([{"id": f"d{i}", "text": t} for i, t in enumerate(_texts(400, seed=2))])
    out = tmp_path / "out"
    out.mkdir()

    def refused(path: Path) -> str:
        with pytest.raises(InputError) as caught:
            zs.dedup_files([str(path.parent)], str(out / "kept.jsonl"), spark=spark)
        assert not list(out.iterdir())  # nothing written, nothing left
        return str(caught.value)

    streams = {
        ".gz": gzip.compress(body),
        ".xz": lzma.compress(body),
        ".bz2": bz2.compress(body),
        ".zst": zstandard.ZstdCompressor().compress(body),
    }
    for codec, data in streams.items():
        folder = tmp_path / f"cut{codec}"
        folder.mkdir()
        (folder / "ok.jsonl").write_bytes(body[:200].rsplit(b"\n", 1)[0] + b"\n")
        broken = folder / f"x.jsonl{codec}"
        broken.write_bytes(data[: len(data) * 2 // 3])
        message = refused(broken)
        assert str(broken) in message and "truncated" in message, message
        broken.write_bytes(data[:20] + bytes(b ^ 0x5A for b in data[20:60]) + data[60:])
        message = refused(broken)
        assert str(broken) in message and "cannot decompress" in message, message

    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "parquet"
    folder.mkdir()
    pq.write_table(
        pa.Table.from_pylist([{"text": t} for t in _texts(50, seed=2)]), folder / "a.parquet"
    )
    data = (folder / "a.parquet").read_bytes()
    (folder / "b.parquet").write_bytes(data[: len(data) // 2])
    message = refused(folder / "b.parquet")
    assert message.startswith(f"{folder / 'b.parquet'}: cannot read: "), message

    folder = tmp_path / "unknown"
    folder.mkdir()
    (folder / "ok.jsonl").write_bytes(body)
    (folder / "notes.csv").write_text("a,b\n")
    message = refused(folder / "notes.csv")
    assert str(folder / "notes.csv") in message and "not a file zhnorm reads" in message


# --- 2. encodings ----------------------------------------------------------------------


def test_encodings_same_as_local_utf8(spark: SparkSession, tmp_path: Path) -> None:
    texts = _texts(120, seed=3)
    records = [{"id": f"d{i}", "text": t, "n": i} for i, t in enumerate(texts)]
    utf8, other = tmp_path / "utf8", tmp_path / "other"
    utf8.mkdir()
    other.mkdir()
    (utf8 / "a.jsonl").write_bytes(_lines(records[:60]))
    (utf8 / "b.jsonl").write_bytes(_lines(records[60:]))
    (other / "a.jsonl").write_bytes(_lines(records[:60]).decode().encode("gbk"))
    (other / "b.jsonl").write_bytes(_lines(records[60:]).decode().encode("gbk"))

    out = tmp_path / "out"
    out.mkdir()
    reference = local_dedup_files([str(utf8)], str(out / "local.jsonl"), str(out / "lc.jsonl"))
    expected_kept = (out / "local.jsonl").read_text("utf-8").splitlines()
    expected_clusters = (out / "lc.jsonl").read_text("utf-8").splitlines()

    def run(folder: Path, encoding: str, tag: str) -> Any:
        counts = zs.dedup_files(
            [str(folder)],
            str(out / f"{tag}.jsonl"),
            str(out / f"{tag}-c.jsonl"),
            encoding=encoding,
            spark=spark,
        )
        # The kept lines are the input lines, in UTF-8.
        assert _part_lines(out / f"{tag}.jsonl") == expected_kept
        assert _jsons(_part_lines(out / f"{tag}-c.jsonl")) == _jsons(expected_clusters)
        assert (counts.kept, counts.removed, counts.rejected) == (
            reference.kept,
            reference.removed,
            0,
        )
        return counts

    run(other, "gbk", "gbk")
    run(other, "gb18030", "gb18030")
    # auto: per file - one UTF-16, one GBK
    (other / "a.jsonl").write_bytes(_lines(records[:60]).decode().encode("utf-16"))
    run(other, "auto", "auto")

    # Undecodable in the encoding named: an error naming the file and the byte offset.
    (other / "a.jsonl").write_bytes(_lines(records[:60]).decode().encode("gbk"))
    (other / "b.jsonl").write_bytes(b'{"id": "x", "text": "\x81"}\n')
    with pytest.raises(InputError, match=r"b\.jsonl: byte offset \d+: invalid gbk"):
        zs.dedup_files([str(other)], str(out / "bad.jsonl"), encoding="gbk", spark=spark)
    assert not (out / "bad.jsonl").exists()
    with pytest.raises(ValueError, match="unknown encoding"):
        zs.dedup_files([str(other)], str(out / "bad.jsonl"), encoding="latin-1", spark=spark)


def test_text_files_in_big5(spark: SparkSession, tmp_path: Path) -> None:
    from zhnorm import convert

    texts = [convert(t, "s2t") for t in _texts(30, seed=4)]
    utf8, big5 = tmp_path / "u", tmp_path / "b"
    utf8.mkdir()
    big5.mkdir()
    for i, text in enumerate(texts):
        data = text.encode("big5", "replace")  # (the few characters Big5 lacks become '?')
        (big5 / f"{i:02d}.txt").write_bytes(data)
        (utf8 / f"{i:02d}.txt").write_text(data.decode("big5"), "utf-8")
    out = tmp_path / "out"
    out.mkdir()
    local_dedup_files([str(utf8)], str(out / "l.jsonl"), str(out / "lc.jsonl"))
    for encoding in ("big5", "auto"):
        zs.dedup_files(
            [str(big5)],
            str(out / f"{encoding}.jsonl"),
            str(out / f"{encoding}-c.jsonl"),
            encoding=encoding,
            spark=spark,
        )
        assert _jsons(_part_lines(out / f"{encoding}.jsonl")) == _jsons(
            (out / "l.jsonl").read_text("utf-8").splitlines()
        )
        assert _jsons(_part_lines(out / f"{encoding}-c.jsonl")) == _jsons(
            (out / "lc.jsonl").read_text("utf-8").splitlines()
        )


# --- 3. duplicate ids; bad records and skip_bad ----------------------------------------


def test_duplicate_ids_error_or_rejects_like_local(spark: SparkSession, tmp_path: Path) -> None:
    texts = _texts(90, seed=5)
    records: list[dict[str, Any]] = [{"id": f"d{i}", "text": t} for i, t in enumerate(texts)]
    records[40]["id"] = "d7"  # repeats an earlier id
    records[70]["id"] = "d7"
    records[80]["id"] = 12  # an integer id, repeating a string one of the same value
    records[12]["id"] = "12"
    del records[50]["id"]  # file:line, never a duplicate
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.jsonl").write_bytes(_lines(records[:45]))
    (folder / "b.jsonl").write_bytes(_lines(records[45:]) + b"not json\n")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(InputError) as caught:
        zs.dedup_files([str(folder)], str(out / "kept.jsonl"), spark=spark)
    # The first bad record in reading order, in the local engine's words.
    assert str(caught.value) == (
        f"{folder}/a.jsonl:41: duplicate id 'd7' (first at {folder}/a.jsonl:8) "
        "(use --skip-bad to write bad records to a rejects file)"
    )
    assert not list(out.iterdir())

    _, counts = _compare_with_local(spark, [str(folder)], tmp_path, skip_bad=True)
    reasons = [
        r["reason"] for r in _jsons(_part_lines(tmp_path / "spark/kept.jsonl.rejects.jsonl"))
    ]
    assert reasons == [
        f"duplicate id 'd7' (first at {folder}/a.jsonl:8)",
        f"duplicate id 'd7' (first at {folder}/a.jsonl:8)",
        f"duplicate id '12' (first at {folder}/a.jsonl:13)",
        "malformed JSON: Expecting value (column 1)",
    ]
    assert counts.rejected == 4


def test_cli_counts_and_exit_status(spark: SparkSession, tmp_path: Path) -> None:
    texts = _texts(30, seed=6)
    source = tmp_path / "in.jsonl"
    source.write_bytes(_lines([{"id": f"d{i}", "text": t} for i, t in enumerate(texts)]))
    base = ["dedup", "--engine", "spark", "-q"]

    ran = CliRunner().invoke(main, [*base, str(source), "-o", str(tmp_path / "k1.jsonl")])
    assert ran.exit_code == 0, ran.output
    assert ran.output.strip().splitlines()[-1].startswith("zhnorm dedup: 30 records in, ")

    # A bad record without --skip-bad: one line naming it, exit 1, nothing written.
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(source.read_bytes() + b'{"id": "z", "body": "x"}\n')
    ran = CliRunner().invoke(main, [*base, str(bad), "-o", str(tmp_path / "k2.jsonl")])
    assert ran.exit_code == 1
    assert ran.output == (
        f"Error: {bad}:31: record has no field 'text' or it is null "
        "(use --skip-bad to write bad records to a rejects file)\n"
    )
    assert not (tmp_path / "k2.jsonl").exists()
    ran = CliRunner().invoke(
        main, [*base, str(bad), "-o", str(tmp_path / "k2.jsonl"), "--skip-bad"]
    )
    assert ran.exit_code == 0, ran.output
    assert "31 records in, " in ran.output and ", 1 rejected (see " in ran.output

    # Every record rejected: the counts, then a failure.
    ran = CliRunner().invoke(
        main,
        [
            *base,
            str(bad),
            "-o",
            str(tmp_path / "k3.jsonl"),
            "--skip-bad",
            "--text-field",
            "nothing",
        ],
    )
    assert ran.exit_code == 1
    lines = ran.output.strip().splitlines()
    assert lines[0].startswith(
        "zhnorm dedup: 31 records in, 0 kept, 0 removed as duplicates, 31 rejected"
    )
    assert lines[1].startswith("Error: every record was rejected (31 of 31; see ")

    # --encoding on the command line reaches the Spark engine: GBK in, the UTF-8 result out.
    gbk = tmp_path / "gbk.jsonl"
    gbk.write_bytes(source.read_bytes().decode("utf-8").encode("gbk"))
    args = [str(gbk), "-o", str(tmp_path / "k4.jsonl"), "--encoding", "gbk"]
    ran = CliRunner().invoke(main, [*base, *args])
    assert ran.exit_code == 0, ran.output
    assert _jsons(_part_lines(tmp_path / "k4.jsonl")) == _jsons(_part_lines(tmp_path / "k1.jsonl"))


# --- 5. outputs ------------------------------------------------------------------------


def test_outputs_checked_first_one_line(spark: SparkSession, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(_lines([{"text": t} for t in _texts(12, seed=7)]))
    base = ["dedup", "--engine", "spark", "-q", str(source)]
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "mine.txt").write_text("keep me")
    cases = {
        "does not exist": ["-o", str(tmp_path / "missing" / "k.jsonl")],
        "output is also an input": ["-o", str(source)],
        "given for two outputs": [
            "-o",
            str(tmp_path / "k.jsonl"),
            "--clusters",
            str(tmp_path / "k.jsonl"),
        ],
    }
    for expected, args in cases.items():
        ran = CliRunner().invoke(main, [*base, *args])
        assert ran.exit_code == 1, (expected, ran.output)
        assert expected in ran.output and len(ran.output.strip().splitlines()) == 1, ran.output
        assert "Traceback" not in ran.output
    # (the command line refuses any existing directory as -o; the function replaces an
    # earlier Spark output only)
    with pytest.raises(OutputError, match="not an earlier Spark output"):
        zs.dedup_files([str(source)], str(notes), spark=spark)
    assert (notes / "mine.txt").read_text() == "keep me"
    assert source.read_bytes().count(b"\n") == 12
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.jsonl").write_bytes(source.read_bytes())
    # An output that is an input directory (an earlier output read back).
    kept = str(tmp_path / "k.jsonl")
    zs.dedup_files([str(source)], kept, spark=spark)
    first = _part_lines(tmp_path / "k.jsonl")
    with pytest.raises(OutputError, match="output is also an input"):
        zs.dedup_files([kept], kept, spark=spark)
    # An earlier Spark output is replaced.
    zs.dedup_files([str(source)], kept, spark=spark)
    assert _part_lines(tmp_path / "k.jsonl") == first
    assert not list(tmp_path.glob(".zhnorm-*"))


def test_bad_arguments_are_one_line_before_spark_starts(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(_lines([{"text": "x"}]))
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "_SUCCESS").write_text("")
    (tmp_path / "file").write_text("")
    out = str(tmp_path / "k.jsonl")
    cases = {
        "cannot read stdin": ["-", "-o", out],
        "nosuch.jsonl: cannot open": [str(tmp_path / "nosuch.jsonl"), "-o", out],
        "no input files in": [str(empty), "-o", out],
        "file is not a directory": [
            *(str(source), "-o", out, "--tmp-dir", str(tmp_path / "file" / "sub")),
        ],
    }
    for expected, args in cases.items():
        ran = CliRunner().invoke(main, ["dedup", "--engine", "spark", "-q", *args])
        assert ran.exit_code == 1 and ran.output.startswith("Error: "), ran.output
        assert expected in ran.output and len(ran.output.strip().splitlines()) == 1, ran.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "file", "in.jsonl"]


def test_leftover_directories_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    from zhnorm.io import remove_leftovers

    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    gone = int(child.stdout)  # a process that has ended
    left = tmp_path / f".zhnorm-{gone}-kept.jsonl-abc.partial"
    (left / "sub").mkdir(parents=True)
    (left / "part-00000").write_text("x")
    mine = tmp_path / f".zhnorm-{os.getpid()}-kept.jsonl-abc.partial"  # a running writer's
    mine.mkdir()
    other = tmp_path / "kept.jsonl"
    other.mkdir()
    assert remove_leftovers(tmp_path) == [str(left)]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, other.name])


_KILL_SCRIPT = """
import sys
from zhnorm.cli import main
source, kept, clusters = sys.argv[1:]
main(["dedup", "--engine", "spark", "--master", "local[1]", source, "-o", kept,
      "--clusters", clusters])
"""


def test_killed_run_leaves_no_half_output(spark: SparkSession, tmp_path: Path) -> None:
    """SIGKILL of the whole run at a random moment (seeded), then once it writes: no
    output under its final name unless complete; the next run removes what the killed
    one left.  SIGTERM while it writes: exit 143, nothing left at all."""
    texts = _texts(600, seed=8)
    source = tmp_path / "in.jsonl"
    source.write_bytes(_lines([{"id": f"d{i}", "text": t} for i, t in enumerate(texts)]))
    out = tmp_path / "out"
    out.mkdir()
    expected = zs.dedup_files(
        [str(source)], str(tmp_path / "ref.jsonl"), str(tmp_path / "ref-c.jsonl"), spark=spark
    )
    reference = _part_lines(tmp_path / "ref.jsonl")
    rng = random.Random(15)
    env = {**os.environ, "PYTHONPATH": str(SRC), "PYSPARK_PYTHON": sys.executable}
    for attempt in range(3):
        child = subprocess.Popen(
            [
                *(sys.executable, "-c", _KILL_SCRIPT, str(source)),
                *(str(out / "k.jsonl"), str(out / "c.jsonl")),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        if attempt == 0:  # at a random moment
            time.sleep(rng.uniform(4.0, 14.0))
        else:  # while it writes: once its first temporary output appears
            writing = f".zhnorm-{child.pid}-k.jsonl-*.partial"
            while child.poll() is None and not list(out.glob(writing)):
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 1.5))
        if attempt == 2:
            child.send_signal(signal.SIGTERM)  # the command's own process
            assert child.wait() in (0, 128 + signal.SIGTERM)  # (0: it had finished)
            assert not list(out.glob(".*"))  # its temporary outputs and scratch removed
            continue
        with contextlib.suppress(ProcessLookupError):  # (unless it had finished)
            os.killpg(child.pid, signal.SIGKILL)  # the driver and its JVM
        child.wait()
        for name in ("k.jsonl", "c.jsonl"):
            if (out / name).exists():  # only ever complete
                assert len(_part_lines(out / name)) == (
                    len(reference) if name == "k.jsonl" else expected.read - expected.rejected
                )
        if (out / "k.jsonl").exists():
            assert _part_lines(out / "k.jsonl") == reference
    counts = zs.dedup_files([str(source)], str(out / "k.jsonl"), str(out / "c.jsonl"), spark=spark)
    assert _part_lines(out / "k.jsonl") == reference and counts.kept == expected.kept
    assert sorted(p.name for p in out.iterdir()) == ["c.jsonl", "k.jsonl"]  # leftovers removed


# --- 4. tmp_dir: Spark's scratch space -------------------------------------------------

_SCRATCH_SCRIPT = """
import json, os, sys
from pyspark.sql import SparkSession
import zhnorm.spark as zs

seen = {}
stop = SparkSession.stop

def watching_stop(self):
    seen["local_dir"] = self.sparkContext.getConf().get("spark.local.dir")
    seen["inside"] = sorted(
        os.path.relpath(os.path.join(folder, name), sys.argv[3])
        for folder, dirs, _ in os.walk(sys.argv[3]) for name in dirs
    )
    stop(self)

SparkSession.stop = watching_stop
tmp = sys.argv[3] if sys.argv[3] != "-" else None
counts = zs.dedup_files([sys.argv[1]], sys.argv[2], master="local[1]", tmp_dir=tmp)
seen["after"] = os.listdir(sys.argv[3])
print(json.dumps(seen))
"""


def test_tmp_dir_holds_spark_scratch(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(_lines([{"text": t} for t in _texts(60, seed=9)]))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = {**os.environ, "PYTHONPATH": str(SRC), "PYSPARK_PYTHON": sys.executable}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _SCRATCH_SCRIPT,
            str(source),
            str(tmp_path / "k.jsonl"),
            str(scratch),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["local_dir"].startswith(f"{scratch}/.zhnorm-")
    top = {path.split(os.sep)[0] for path in seen["inside"]}
    assert len(top) == 1 and top.pop().endswith(".partial")
    assert any("blockmgr-" in path for path in seen["inside"])  # Spark spilled there
    assert seen["after"] == []  # and it was removed at the end
    assert len(_part_lines(tmp_path / "k.jsonl")) > 30
