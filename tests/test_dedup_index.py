"""DedupIndex: SQLite persistence across processes, refusing mismatched parameters,
incremental add/query, pickling."""

from __future__ import annotations

import pickle
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from zhnorm.neardup import DedupIndex, IndexMatch, MinHashParams
from zhnorm.neardup.synthetic import make_corpus


@pytest.fixture(scope="module")
def texts(simplified_corpus: list[str]) -> list[str]:
    corpus = make_corpus(simplified_corpus, 300, seed=11, dup_fraction=0.0)
    return corpus.texts


def _edited(text: str) -> str:
    return text[:-12] + "，补充一句话。"


def test_add_query_and_within_batch_duplicates(tmp_path: Path, texts: list[str]) -> None:
    with DedupIndex(tmp_path / "seen.sqlite") as index:
        first = index.add([f"a{i}" for i in range(100)], texts[:100])
        assert first == [[] for _ in range(100)]
        assert len(index) == 100
        found = index.query([_edited(texts[3]), texts[150], ""])
        assert [m.id for m in found[0]] == ["a3"] and found[1] == [] and found[2] == []
        match = found[0][0]
        assert isinstance(match, IndexMatch) and match.exact >= 0.8 and match.doc == 3
        assert 0.5 <= match.estimated <= 1.0 and 0 <= match.band < index.bands
        # add() reports earlier documents of the same batch too.
        second = index.add(["b0", "b1", "b2"], [texts[200], _edited(texts[200]), texts[5]])
        assert second[0] == [] and [m.id for m in second[1]] == ["b0"]
        assert [m.id for m in second[2]] == ["a5"] and second[2][0].exact == 1.0
        assert index.query_one(texts[200])[0].id in {"b0", "b1"}
        assert index.add_one("c0", "") == []
        assert len(index) == 104


def test_survives_a_process_restart(tmp_path: Path, texts: list[str]) -> None:
    path = tmp_path / "seen.sqlite"
    script = (
        "import sys, json\n"
        "from zhnorm.neardup import DedupIndex\n"
        "texts = json.load(sys.stdin)\n"
        f"index = DedupIndex({str(path)!r}, threshold=0.7)\n"
        "index.add([f'doc{i}' for i in range(len(texts))], texts)\n"
        "index.close()\n"
    )
    import json

    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(texts[:50]),
        text=True,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    reopened = DedupIndex(path)  # parameters come from the file
    assert reopened.threshold == 0.7 and len(reopened) == 50
    assert [m.id for m in reopened.query_one(_edited(texts[42]))] == ["doc42"]


def test_refuses_mismatching_parameters(tmp_path: Path) -> None:
    path = tmp_path / "seen.sqlite"
    DedupIndex(path, MinHashParams(ngram=4), threshold=0.9).close()
    with pytest.raises(ValueError, match=r"ngram: 4 != 2"):
        DedupIndex(path, MinHashParams())
    with pytest.raises(ValueError, match=r"threshold: 0.9 != 0.8"):
        DedupIndex(path, threshold=0.8)
    same = DedupIndex(path, MinHashParams(ngram=4), threshold=0.9)
    assert same.params.ngram == 4 and same.bands * same.rows <= 128
    bad = tmp_path / "not-an-index.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ValueError, match="not a zhnorm dedup index"):
        DedupIndex(bad)


def _query_in_worker(args: tuple[DedupIndex, str]) -> list[str]:
    index, text = args
    return [m.id for m in index.query_one(text)]


def test_pickles_and_reconnects_in_worker_processes(tmp_path: Path, texts: list[str]) -> None:
    index = DedupIndex(tmp_path / "seen.sqlite")
    index.add([f"d{i}" for i in range(30)], texts[:30])
    clone = pickle.loads(pickle.dumps(index))
    assert clone.params == index.params and len(clone) == 30
    jobs = [(index, _edited(texts[i])) for i in (1, 2, 29)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(_query_in_worker, jobs)) == [["d1"], ["d2"], ["d29"]]


def test_key_spool_round_trips_strings(tmp_path: Path) -> None:
    from zhnorm.neardup.spool import KeySpool

    keys = ["", "现代快报", "a\ud800b", "𠀀" * 3, "x" * 5000]
    with KeySpool(str(tmp_path)) as spool:
        spool.extend(keys[:2])
        assert spool[1] == "现代快报"
        spool.extend(keys[2:])
        assert [spool[i] for i in range(len(spool))] == keys
        with pytest.raises(IndexError):
            spool[len(keys)]
        path = Path(spool.path)
        assert path.exists()
    assert not path.exists()


def test_row_spool_takes_rows_in_any_order(tmp_path: Path) -> None:
    import numpy as np

    from zhnorm.neardup.api import _estimated_many
    from zhnorm.neardup.spool import RowSpool

    rows = np.random.default_rng(0).integers(0, 4, size=(300, 16), dtype=np.uint32)
    with RowSpool(str(tmp_path), np.uint32, 16) as spool:
        spool.extend(rows[:100])
        assert spool.take(np.array([99, 0, 99])).tolist() == rows[[99, 0, 99]].tolist()
        spool.extend(rows[100:])  # appended after a read: flushed before the next one
        picked = np.array([299, 5, 150, 5, 0])
        assert spool.take(picked).tolist() == rows[picked].tolist()
        assert spool.take(np.empty(0, np.int64)).shape == (0, 16)
        with pytest.raises(IndexError):
            spool.take(np.array([300]))
        a, b = np.arange(0, 300, 2), np.arange(1, 300, 2)
        expected = [int((rows[x] == rows[y]).sum()) / 16 for x, y in zip(a, b, strict=True)]
        assert _estimated_many(spool, a, b) == expected == _estimated_many(rows, a, b)


def test_the_same_id_twice_adds_nothing(tmp_path: Path, texts: list[str]) -> None:
    with DedupIndex(tmp_path / "seen.sqlite") as index:
        index.add([f"a{i}" for i in range(20)], texts[:20])
        again = index.add([f"a{i}" for i in range(20)], texts[:20])
        assert len(index) == 20  # a rerun leaves the index as it was ...
        assert [[m.id for m in found][:1] for found in again] == [[f"a{i}"] for i in range(20)]
        rows = index._connection().execute("SELECT COUNT(*) FROM bands").fetchone()[0]
        index.add(["a3", "new"], [texts[3], texts[40]])  # ... and adds only the new id
        assert len(index) == 21
        assert index._connection().execute("SELECT COUNT(*) FROM bands").fetchone()[0] > rows


def test_refuses_foreign_non_sqlite_and_corrupt_files_untouched(tmp_path: Path) -> None:
    import sqlite3

    from zhnorm.io import InputError

    foreign = tmp_path / "app.sqlite"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE users (name TEXT)")
        conn.execute("INSERT INTO users VALUES ('x')")
    conn.close()
    text = tmp_path / "notes.txt"
    text.write_bytes("不是数据库\n".encode() * 200)
    corrupt = tmp_path / "corrupt.sqlite"
    DedupIndex(corrupt).close()
    data = bytearray(corrupt.read_bytes())
    data[100:4000] = b"\xff" * 3900  # the first page (schema) after the header
    corrupt.write_bytes(bytes(data))
    for path, reason in [
        (foreign, "another application"),
        (text, "not a SQLite"),
        (corrupt, "cannot read"),
    ]:
        before = path.read_bytes()
        with pytest.raises(InputError, match=reason) as raised:
            DedupIndex(path)
        assert str(path) in str(raised.value) and "\n" not in str(raised.value)
        assert isinstance(raised.value, ValueError)
        assert path.read_bytes() == before
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(path.name)) == [
            path.name
        ]


def test_marks_new_files_and_opens_them_again(tmp_path: Path) -> None:
    import sqlite3

    from zhnorm.neardup.index import APPLICATION_ID, SCHEMA_VERSION

    path = tmp_path / "seen.sqlite"
    DedupIndex(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
    assert len(DedupIndex(path)) == 0


def test_one_writer_at_a_time(tmp_path: Path, texts: list[str]) -> None:
    from zhnorm.io import InputError

    path = tmp_path / "seen.sqlite"
    first, second = DedupIndex(path), DedupIndex(path)
    with first.writing():
        with (
            pytest.raises(InputError, match="in use by another writer") as raised,
            second.writing(),
        ):
            pass  # pragma: no cover
        assert str(path) in str(raised.value)
        assert second.query_one(texts[0]) == []  # readers are not blocked
        first.store([(["a0"], first.sketch([texts[0]]))])
    with second.writing():
        assert len(second) == 1
    first.close()
    second.close()


_KILLED_DURING_STORE = """
import os, signal, sys, json
from zhnorm.neardup import DedupIndex
texts = json.load(sys.stdin)
index = DedupIndex(sys.argv[1])
def batches():
    for start in range(0, len(texts), 10):
        yield [f"k{i}" for i in range(start, start + 10)], index.sketch(texts[start : start + 10])
        if start >= 20:
            os.kill(os.getpid(), signal.SIGKILL)
index.store(batches())
"""


def test_a_kill_during_the_update_leaves_the_index_as_it_was(
    tmp_path: Path, texts: list[str]
) -> None:
    import json
    import signal

    path = tmp_path / "seen.sqlite"
    with DedupIndex(path) as index:
        index.add([f"a{i}" for i in range(30)], texts[:30])
        before = [[m.id for m in found] for found in index.query(texts[:60])]
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_DURING_STORE, str(path)],
        input=json.dumps(texts[30:90]),
        text=True,
        capture_output=True,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    with DedupIndex(path) as index:
        assert len(index) == 30
        assert [[m.id for m in found] for found in index.query(texts[:60])] == before
        index.add(["b0"], [texts[95]])  # and takes writes again
        assert len(index) == 31


def test_key_spool_is_named_for_leftover_removal(tmp_path: Path) -> None:
    import os

    from zhnorm.io import remove_leftovers
    from zhnorm.neardup.spool import KeySpool

    with KeySpool(str(tmp_path)) as spool:
        spool.extend(["现代"])
        assert Path(spool.path).parent == tmp_path
        assert Path(spool.path).name.startswith(f".zhnorm-{os.getpid()}-")
        assert remove_leftovers(tmp_path) == []  # this process's own spool stays
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    leftover = tmp_path / f".zhnorm-{dead.stdout.strip()}-keys-x.partial"
    leftover.write_bytes(b"k" * 100)
    os.utime(leftover, (1, 1))
    assert remove_leftovers(tmp_path) == [str(leftover)]


def test_writing_nests_and_does_not_travel_with_a_pickle(tmp_path: Path, texts: list[str]) -> None:
    with DedupIndex(tmp_path / "seen.sqlite") as index, index.writing():
        with index.writing():  # the enclosing block keeps the lock and commits
            index.store([(["a0"], index.sketch([texts[0]]))])
        index.store([(["a1"], index.sketch([texts[1]]))])
        assert pickle.loads(pickle.dumps(index))._writing is False
    assert len(DedupIndex(tmp_path / "seen.sqlite")) == 2
