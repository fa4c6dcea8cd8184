"""Remote inputs through fsspec (extra ``remote``): read like local files, one-line errors
without the extra or for a missing path, and a dead store is an error, never a hang."""

from __future__ import annotations

import gzip
import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from zhnorm.cli import main
from zhnorm.io import InputError, iter_records

fsspec = pytest.importorskip("fsspec")  # the test extra installs it

RECORDS = [{"id": i, "text": f"第{i}篇：中&#x6587;报道的正文"} for i in range(6)]


def _lines(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


@pytest.fixture
def store() -> Any:
    fs = fsspec.filesystem("memory")
    fs.pipe("/corpus/a.jsonl", _lines(RECORDS[:3]))
    fs.pipe("/corpus/sub/b.jsonl.gz", gzip.compress(_lines(RECORDS[3:])))
    fs.pipe("/corpus/_SUCCESS", b"")
    fs.pipe("/corpus/.hidden/c.jsonl", b"not json\n")
    yield fs
    fs.rm("/corpus", recursive=True)


def test_a_remote_folder_reads_like_a_local_one(store: Any, tmp_path: Path) -> None:
    local = tmp_path / "corpus"
    (local / "sub").mkdir(parents=True)
    (local / "a.jsonl").write_bytes(store.cat("/corpus/a.jsonl"))
    (local / "sub" / "b.jsonl.gz").write_bytes(store.cat("/corpus/sub/b.jsonl.gz"))
    remote = [(r.id, r.text) for r in iter_records(["memory://corpus"], id_field="id")]
    assert remote == [(r.id, r.text) for r in iter_records([str(local)], id_field="id")]
    assert len(remote) == 6
    done = CliRunner().invoke(main, ["fix", "--jsonl", "memory://corpus"])
    assert done.exit_code == 0, done.output
    assert "中文报道" in done.output and "6 records in, 6 out, 0 rejected" in done.output


def test_remote_parquet(store: Any) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with store.open("/tables/t.parquet", "wb") as handle:
        pq.write_table(pa.Table.from_pylist(RECORDS), handle)
    texts = [r.text for r in iter_records(["memory://tables/t.parquet"])]
    assert texts == [r["text"] for r in RECORDS]


def test_missing_remote_path_and_unknown_store_are_one_line(store: Any) -> None:
    with pytest.raises(InputError, match=r"^memory://corpus/nope\.jsonl: cannot open: No such"):
        list(iter_records(["memory://corpus/nope.jsonl"]))
    with pytest.raises(InputError, match=r"^nosuchstore://x\.jsonl: "):
        list(iter_records(["nosuchstore://x.jsonl"]))


def test_without_the_extra_the_error_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fsspec", None)
    done = CliRunner().invoke(main, ["fix", "--jsonl", "s3://bucket/corpus.jsonl"])
    assert done.exit_code == 1
    assert "s3://bucket/corpus.jsonl: reading remote paths needs the optional package" in (
        done.output
    )
    assert "pip install 'zhnorm[remote]'" in done.output


class _DeadStore(fsspec.AbstractFileSystem):  # type: ignore[misc]
    """A store that never answers."""

    protocol = "zhnormdead"

    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        time.sleep(120)  # without the timeout the command would wait this long
        raise AssertionError("unreachable")

    def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> Any:
        time.sleep(120)  # without the timeout the command would wait this long


def test_a_dead_store_is_an_error_not_a_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    fsspec.register_implementation("zhnormdead", _DeadStore, clobber=True)
    monkeypatch.setenv("ZHNORM_REMOTE_TIMEOUT", "0.5")
    done = CliRunner().invoke(main, ["fix", "--jsonl", "zhnormdead://bucket/a.jsonl"])
    assert done.exit_code == 1
    assert "zhnormdead://bucket/a.jsonl: listing: no answer from the store within 0.5 s" in (
        done.output
    )
    monkeypatch.setenv("ZHNORM_REMOTE_TIMEOUT", "soon")
    with pytest.raises(InputError, match="ZHNORM_REMOTE_TIMEOUT='soon': expected seconds"):
        list(iter_records(["zhnormdead://bucket/a.jsonl"]))
