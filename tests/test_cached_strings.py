"""``zhnorm.cache.cached_strings``: a derived table is built once, then read back; a bad
or unwritable cache only costs a rebuild."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from zhnorm.cache import (
    STALE_DAYS,
    cached_strings,
    read_arrays_file,
    write_arrays_file,
    write_cache_file,
)


def _counting(table: list[str]) -> tuple[list[int], Callable[[], list[str]]]:
    calls: list[int] = []

    def build() -> list[str]:
        calls.append(1)
        return list(table)

    return calls, build


def test_built_once_then_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(tmp_path))
    calls, build = _counting(["中文", "繁體"])
    assert cached_strings("t", "v1", build) == ["中文", "繁體"]
    assert cached_strings("t", "v1", build) == ["中文", "繁體"]
    assert len(calls) == 1
    assert cached_strings("t", "v2", build) == ["中文", "繁體"]
    assert len(calls) == 2  # other inputs, other file
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.parametrize("content", ["", "{not json", '{"a": 1}', "[1, 2]"])
def test_a_bad_file_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str
) -> None:
    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(tmp_path))
    calls, build = _counting(["a"])
    cached_strings("t", "v", build)
    (path,) = tmp_path.glob("t-*.json")
    path.write_text(content, encoding="utf-8")
    assert cached_strings("t", "v", build) == ["a"]
    assert len(calls) == 2
    assert cached_strings("t", "v", build) == ["a"]
    assert len(calls) == 2  # and rewritten


def test_disabled_or_unwritable_cache_still_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls, build = _counting(["a"])
    monkeypatch.setenv("ZHNORM_CACHE_DIR", "")
    assert cached_strings("t", "v", build) == ["a"]
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(blocker / "sub"))  # under a file: unwritable
    assert cached_strings("t", "v", build) == ["a"]
    assert len(calls) == 2


def test_a_changed_source_file_builds_a_new_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(tmp_path / "cache"))
    source = tmp_path / "table.txt"
    source.write_text("一", encoding="utf-8")
    calls, build = _counting(["x"])
    cached_strings("t", "v", build, sources=[str(source)])
    cached_strings("t", "v", build, sources=[str(source)])
    assert len(calls) == 1
    source.write_text("一二", encoding="utf-8")
    cached_strings("t", "v", build, sources=[str(source)])
    assert len(calls) == 2


def test_arrays_file_round_trip_and_bad_files(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    path = tmp_path / "a.bin"
    arrays = {
        "codes": np.array([1, 2**64 - 1], dtype=np.uint64),
        "odd": np.frombuffer(b"abc", dtype=np.uint8),
        "empty": np.zeros(0),
        "values": np.array([0.5, -1.25]),
    }
    write_arrays_file(path, arrays)
    back = read_arrays_file(path)
    assert back is not None and list(back) == list(arrays)
    for name, array in arrays.items():
        assert back[name].dtype == array.dtype and (back[name] == array).all()
        assert back[name].ctypes.data % 8 == 0 or not len(array) or array.itemsize == 1
    whole = path.read_bytes()
    for bad in (b"", b"not arrays\n", whole[: len(whole) - 4], whole.split(b"\n")[0] + b"\n{\n"):
        path.write_bytes(bad)
        assert read_arrays_file(path) is None
    assert read_arrays_file(tmp_path / "missing.bin") is None


def test_writing_a_cache_file_removes_stale_ones_of_its_kind(tmp_path: Path) -> None:
    old = time.time() - (STALE_DAYS + 1) * 86400
    stale, recent, other_kind = (tmp_path / n for n in ("t-aaa.json", "t-bbb.json", "u-ccc.json"))
    for path in (stale, recent, other_kind):
        path.write_text("[]", encoding="utf-8")
    for path in (stale, other_kind):
        os.utime(path, (old, old))
    write_cache_file(tmp_path / "t-ddd.json", lambda handle: handle.write("[]"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t-bbb.json", "t-ddd.json", "u-ccc.json"]
