"""``zhnorm dedup`` under issue 15: encodings, where it may write, one output check, the
index created by two runs at once, and SIGKILL at random moments.  Self-contained: the
texts are generated here (no corpora needed)."""

from __future__ import annotations

import inspect
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import zhnorm
from zhnorm.cli import main
from zhnorm.io import OutputError
from zhnorm.neardup import DedupIndex
from zhnorm.neardup.files import dedup_files

SRC = str(Path(zhnorm.__file__).resolve().parents[1])
CLI = [sys.executable, "-c", "import sys; from zhnorm.cli import main; sys.exit(main())"]


def _texts(n: int, seed: int, length: int = 80) -> list[str]:
    """``n`` texts of common Han characters (all in GBK), about one in
    five a near copy (one character changed) of an earlier one."""
    rng = random.Random(seed)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 2500)]
    out: list[str] = []
    for _ in range(n):
        if out and rng.random() < 0.2:
            base = list(rng.choice(out))
            base[rng.randrange(len(base))] = rng.choice(chars)
            out.append("".join(base))
        else:
            out.append("".join(rng.choice(chars) for _ in range(length)))
    return out


def _write(path: Path, texts: list[str], prefix: str, encoding: str = "utf-8") -> Path:
    rows = [{"id": f"{prefix}{i}", "text": t} for i, t in enumerate(texts)]
    path.write_bytes(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode(encoding)
    )
    return path


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SRC}


# --- 1. --encoding ----------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16", "auto"])
def test_encoding_is_read_and_the_output_is_utf8(tmp_path: Path, encoding: str) -> None:
    texts = _texts(60, seed=3)
    utf8 = _write(tmp_path / "utf8.jsonl", texts, "d")
    other = _write(tmp_path / "other.jsonl", texts, "d", "gbk" if encoding == "auto" else encoding)
    runner = CliRunner()
    reference = runner.invoke(main, ["dedup", str(utf8), "-o", str(tmp_path / "ref.jsonl"), "-q"])
    assert reference.exit_code == 0, reference.output
    out, clusters = tmp_path / "out.jsonl", tmp_path / "c.jsonl"
    args = ["dedup", str(other), "-o", str(out), "--clusters", str(clusters), "-q"]
    done = runner.invoke(main, [*args, "--encoding", encoding])
    assert done.exit_code == 0, done.output
    assert done.stderr.splitlines()[-1] == reference.stderr.splitlines()[-1].replace(
        str(utf8), str(other)
    )
    raw = out.read_bytes()
    raw.decode("utf-8")  # valid UTF-8, not the input's bytes
    kept = [json.loads(line) for line in raw.splitlines()]
    assert kept == [json.loads(line) for line in (tmp_path / "ref.jsonl").read_bytes().splitlines()]
    # the library takes it too, with the same result
    lib = tmp_path / "lib.jsonl"
    dedup_files([str(other)], str(lib), quiet=True, encoding=encoding)
    assert lib.read_bytes() == raw


def test_without_encoding_a_gbk_file_is_one_line_naming_it(tmp_path: Path) -> None:
    source = _write(tmp_path / "in.jsonl", _texts(10, seed=4), "d", "gbk")
    done = CliRunner().invoke(main, ["dedup", str(source), "-o", str(tmp_path / "o.jsonl")])
    assert done.exit_code == 1 and "Traceback" not in done.output
    assert f"{source}:1: invalid UTF-8" in done.output
    assert not (tmp_path / "o.jsonl").exists()


# --- 2. _dedup takes its options by keyword ---------------------------------------------


def test_the_engine_takes_its_options_by_keyword() -> None:
    from zhnorm.neardup import files

    parameters = list(inspect.signature(files._dedup).parameters.values())
    positional = [p.name for p in parameters if p.kind is not p.KEYWORD_ONLY]
    assert positional == ["inputs", "output"]


# --- 4. -o - needs no working directory -------------------------------------------------


def test_stdout_output_needs_no_working_directory(tmp_path: Path) -> None:
    source = _write(tmp_path / "in.jsonl", _texts(40, seed=5), "d")
    gone = tmp_path / "gone"
    gone.mkdir()
    script = 'cd "$1" && rmdir "$1" && shift && exec "$@"'
    done = subprocess.run(
        ["sh", "-c", script, "sh", str(gone), *CLI, "dedup", str(source), "-o", "-", "-q"],
        capture_output=True,
        env=_env(),
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert "40 records in" in done.stderr.decode()
    lines = done.stdout.decode("utf-8").splitlines()
    assert 0 < len(lines) < 40 and json.loads(lines[0])["id"] == "d0"


# --- 5. one output check, before the index is opened ------------------------------------


def test_outputs_are_checked_once_before_the_index_is_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zhnorm.neardup.files as engine

    calls: list[object] = []
    real = engine.check_outputs

    def counting(*args: object, **kwargs: object) -> None:
        calls.append(args)
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "check_outputs", counting)
    source = _write(tmp_path / "in.jsonl", _texts(20, seed=6), "d")
    index = tmp_path / "new.sqlite"
    args = ["dedup", str(source), "--index", str(index), "-q"]
    done = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "k.jsonl")])
    assert done.exit_code == 0, done.output
    assert len(calls) == 1
    index.unlink()
    calls.clear()
    bad = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "nope" / "k.jsonl")])
    assert bad.exit_code == 1 and "does not exist" in bad.output and len(calls) == 1
    assert not index.exists()  # refused before the index was opened (or made)


# --- 6. --tmp-dir must exist ------------------------------------------------------------


def test_a_missing_tmp_dir_is_one_line_before_work(tmp_path: Path) -> None:
    source = _write(tmp_path / "in.jsonl", _texts(20, seed=7), "d")
    missing = tmp_path / "scratch" / "deeper"
    args = ["dedup", str(source), "-o", str(tmp_path / "k.jsonl"), "--tmp-dir", str(missing)]
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 1 and "Traceback" not in done.output
    assert f"{missing}: directory does not exist" in done.output
    assert not missing.exists() and not (tmp_path / "scratch").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]
    with pytest.raises(OutputError, match="does not exist"):
        dedup_files([str(source)], str(tmp_path / "k.jsonl"), tmp_dir=missing, quiet=True)
    a_file = tmp_path / "in.jsonl"
    with pytest.raises(OutputError, match="not a directory"):
        dedup_files([str(source)], str(tmp_path / "k.jsonl"), tmp_dir=a_file, quiet=True)


# --- 7. two runs creating the same new index --------------------------------------------


def _index_rows(path: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with DedupIndex(path):  # opens: marker and schema checked
        pass
    conn = sqlite3.connect(path)
    try:
        docs = conn.execute("SELECT doc, id, key, sig FROM docs ORDER BY doc").fetchall()
        bands = conn.execute(
            "SELECT band, hash, doc FROM bands ORDER BY band, hash, doc"
        ).fetchall()
    finally:
        conn.close()
    return docs, bands


def test_two_runs_creating_one_new_index(tmp_path: Path) -> None:
    source = _write(tmp_path / "in.jsonl", _texts(1500, seed=8), "d")
    reference = tmp_path / "ref.sqlite"
    subprocess.run([*CLI, "dedup", str(source), "-o", str(tmp_path / "ref.jsonl"), "-q",
                    "--index", str(reference)], env=_env(), check=True)  # fmt: skip
    for attempt in range(3):
        index = tmp_path / f"new{attempt}.sqlite"
        runs = [
            subprocess.Popen(
                [
                    *CLI,
                    "dedup",
                    str(source),
                    "-o",
                    str(tmp_path / f"o{attempt}-{n}.jsonl"),
                    "--index",
                    str(index),
                    "-q",
                ],
                env=_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for n in range(2)
        ]
        results = [(run.wait(), run.communicate()[1].decode()) for run in runs]
        assert any(code == 0 for code, _ in results), results
        for n, (code, err) in enumerate(results):
            out = tmp_path / f"o{attempt}-{n}.jsonl"
            if code == 0:
                assert out.exists()
                continue
            assert code == 1 and "Traceback" not in err, err
            assert err.strip().count("\n") == 0 and str(index) in err, err
            assert "in use by another writer" in err, err
            assert not out.exists()
        assert _index_rows(index) == _index_rows(reference)
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".zhnorm-")]


# --- 9. SIGKILL at a random moment ------------------------------------------------------


def test_a_killed_run_leaves_an_index_that_gives_the_same_answers(tmp_path: Path) -> None:
    base = _write(tmp_path / "base.jsonl", _texts(800, seed=9), "a")
    new_texts = _texts(800, seed=10)
    new_texts[::7] = [t[:-1] + "的" for t in _texts(800, seed=9)[::7]]  # some seen before
    new = _write(tmp_path / "new.jsonl", new_texts, "b")
    ref = tmp_path / "ref"
    ref.mkdir()

    def run(index: Path, source: Path, out: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [*CLI, "dedup", str(source), "-o", str(out), "--clusters", f"{out}.c",
             "--index", str(index), "-q"],
            env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip

    def finish(process: subprocess.Popen[bytes]) -> None:
        assert process.wait() == 0, process.communicate()[1].decode()

    def outputs(out: Path) -> tuple[bytes, bytes]:
        return out.read_bytes(), Path(f"{out}.c").read_bytes()

    finish(run(ref / "i.sqlite", base, ref / "a.jsonl"))
    finish(run(ref / "i.sqlite", new, ref / "b1.jsonl"))  # the new file, first time
    finish(run(ref / "i.sqlite", new, ref / "b2.jsonl"))  # and again: all seen
    expected = {
        800: outputs(ref / "b1.jsonl"),
        1600: outputs(ref / "b2.jsonl"),
    }
    final = _index_rows(ref / "i.sqlite")
    assert len(final[0]) == 1600

    rng = random.Random(15)
    for attempt in range(4):
        work = tmp_path / f"try{attempt}"
        work.mkdir()
        index = work / "i.sqlite"
        killed_first = attempt % 2 == 0  # kill the run that creates the index, too
        for source, name in ((base, "a.jsonl"), (new, "b.jsonl")):
            process = run(index, source, work / name)
            if killed_first or source is new:
                time.sleep(rng.uniform(0.0, 2.5))
                process.send_signal(signal.SIGKILL)
                process.wait()
                if source is base and index.exists():
                    assert len(DedupIndex(index)) in (0, 800)
                if source is base:
                    finish(run(index, base, work / name))  # rerun the first file whole
            else:
                finish(process)
        with DedupIndex(index) as opened:  # opens after the kill: nothing or everything
            stored = len(opened)
        assert stored in expected, stored
        finish(run(index, new, work / "again.jsonl"))
        assert outputs(work / "again.jsonl") == expected[stored]
        assert _index_rows(index) == final
        leftovers = [p.name for p in work.iterdir() if p.name.startswith(".zhnorm-")]
        assert leftovers == []  # the rerun removed what the killed run left


# --- 8. memory per record ---------------------------------------------------------------


def test_the_engine_holds_no_signatures_or_per_record_objects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the engine's own code holds once every record is sketched (measured with
    tracemalloc just before the writing pass, allocations made in ``zhnorm/neardup``
    only): band hashes, the id check and a few arrays - not the 512-byte signatures nor
    per-record Python objects (docs/dedup.md has the whole-process numbers)."""
    import tracemalloc

    import zhnorm.neardup.files as engine

    n = 12_000
    rng = random.Random(12)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    source = tmp_path / "tiny.jsonl"
    with source.open("w", encoding="utf-8") as out:
        for i in range(n):
            text = "".join(rng.choice(chars) for _ in range(20))
            out.write(json.dumps({"id": f"r{i}", "text": text}, ensure_ascii=False) + "\n")
    held: list[int] = []
    real = engine._write_records

    def measured(*args: object, **kwargs: object) -> int:
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(True, "*/zhnorm/neardup/*")]
        )
        held.append(sum(stat.size for stat in snapshot.statistics("filename")))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "_write_records", measured)
    tracemalloc.start()
    try:
        dedup_files([str(source)], str(tmp_path / "k.jsonl"), quiet=True)
    finally:
        tracemalloc.stop()
    per_record = held[0] / n
    assert per_record < 400, per_record  # bands 136 + id check ~120 + arrays ~40


# --- 6. outputs written by forked children ---------------------------------------------


def test_two_workers_write_the_same_three_files(tmp_path: Path) -> None:
    """With two workers the pairs file is written by a child from the end of
    verification on and the clusters file by another: byte for byte one worker's."""
    source = _write(tmp_path / "in.jsonl", _texts(400, 21), "d")
    outputs: dict[int, list[bytes]] = {}
    for workers in (1, 2):
        names = [tmp_path / f"{kind}{workers}.jsonl" for kind in ("kept", "clusters", "pairs")]
        counts = dedup_files(
            [str(source)], str(names[0]), str(names[1]), pairs=str(names[2]),
            workers=workers, quiet=True,
        )  # fmt: skip
        assert counts.removed > 40
        outputs[workers] = [name.read_bytes() for name in names]
    assert outputs[1] == outputs[2]
    assert outputs[2][2].count(b"\n") >= 40  # the pairs file is not empty


def test_a_failing_pairs_writer_child_fails_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pairs file written by a forked child: its failure is the run's, and no output
    appears."""
    import zhnorm.neardup.files as engine

    def failing(*_args: object) -> object:
        yield "{}\n"
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(engine, "_pair_lines", failing)
    source = _write(tmp_path / "in.jsonl", _texts(400, 22), "d")
    kept, clusters, pairs = (tmp_path / f"{kind}.jsonl" for kind in ("kept", "clusters", "pairs"))
    with pytest.raises(OSError, match="No space left"):
        dedup_files(
            [str(source)], str(kept), str(clusters), pairs=str(pairs), workers=2, quiet=True
        )
    assert not kept.exists() and not clusters.exists() and not pairs.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
