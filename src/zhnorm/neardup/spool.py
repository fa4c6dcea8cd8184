"""``KeySpool``: matching keys kept in a temporary file instead of memory.

A million 900-character keys are ~1.8 GB as Python strings; deduplication reads back
only the keys of candidate pairs, so :func:`~zhnorm.neardup.files.dedup_files` appends
keys here (UTF-16, one offset per key in memory) and reads them with ``os.pread``;
:class:`RowSpool` does the same for fixed-width rows (MinHash signatures, band hashes).

The file lies in a directory the caller names (beside the outputs, or ``tmp_dir``) and
is named like every temporary output (``.zhnorm-PID-keys-*.partial``,
:func:`zhnorm.io.files.temp_prefix`), so the leftover of a killed run is removed by the
next run's :func:`zhnorm.io.remove_leftovers`.
"""

from __future__ import annotations

import os
import tempfile
from array import array
from collections.abc import Iterable
from types import TracebackType
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from ..io.files import temp_prefix
from .sketch import KeyBlock

__all__ = ["KeySpool", "RowSpool"]

_S = TypeVar("_S", bound="_Spool")
_PACK = 1024  # keys appended one at a time are packed and written this many at once


class _Spool:
    """A temporary file in ``directory``, named like every temporary output and deleted
    on :meth:`close` (also as a context manager)."""

    def __init__(self, directory: str | os.PathLike[str], kind: str) -> None:
        fd, self.path = tempfile.mkstemp(
            prefix=f"{temp_prefix()}{kind}-", suffix=".partial", dir=os.fspath(directory)
        )
        self._file = os.fdopen(fd, "w+b")

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()
            os.unlink(self.path)

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _read_exactly(fd: int, size: int, offset: int, path: str) -> bytearray:
    """``size`` bytes of file ``fd`` from ``offset`` (``pread`` may return fewer)."""
    data = bytearray(size)
    view = memoryview(data)
    done = 0
    while done < size:
        chunk = os.pread(fd, size - done, offset + done)
        if not chunk:
            raise OSError(f"{path}: the spool file is shorter than written")
        view[done : done + len(chunk)] = chunk
        done += len(chunk)
    return data


class KeySpool(_Spool):
    """Append-only list of strings in a temporary file in ``directory`` (deleted on
    :meth:`close`)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        super().__init__(directory, "keys")
        self._ends = array("q", [0])
        self._unflushed = False
        self._pending: list[str] = []  # appended one at a time, packed in blocks

    def append(self, key: str) -> None:
        self._pending.append(key)
        if len(self._pending) >= _PACK:
            self._pack()

    def _pack(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, []
            self.extend(pending)

    def extend(self, keys: Iterable[str]) -> None:
        self._pack()
        block = keys if isinstance(keys, KeyBlock) else KeyBlock.pack(keys)
        self._ends.extend((block.ends + self._ends[-1]).tolist())
        self._file.seek(0, os.SEEK_END)
        self._file.write(block.blob)
        self._unflushed = True

    def __len__(self) -> int:
        return len(self._ends) - 1 + len(self._pending)

    def flush(self) -> None:
        """Write what is buffered to the file (before forking readers of it)."""
        self._pack()
        if self._unflushed:
            self._file.flush()
            self._unflushed = False

    def __getitem__(self, index: int) -> str:
        if not 0 <= index < len(self):
            raise IndexError(index)
        self.flush()
        start, end = self._ends[index], self._ends[index + 1]
        data = os.pread(self._file.fileno(), end - start, start)
        return data.decode("utf-16-le", "surrogatepass")

    def take(self, indices: Iterable[int]) -> dict[int, str]:
        """The keys at ``indices`` (any order, repeats allowed) by index: each distinct
        one read once, with one ``pread`` (for writers that need the keys of scattered
        documents, e.g. both ids of each verified pair)."""
        distinct = sorted(set(indices))
        if not distinct:
            return {}
        if distinct[0] < 0 or distinct[-1] >= len(self):
            raise IndexError("key index outside the spool")
        self.flush()
        fd, ends, path = self._file.fileno(), self._ends, self.path
        taken: dict[int, str] = {}
        for index in distinct:
            start, size = ends[index], ends[index + 1] - ends[index]
            data = os.pread(fd, size, start)
            if len(data) != size:
                data = bytes(_read_exactly(fd, size, start, path))
            taken[index] = data.decode("utf-16-le", "surrogatepass")
        return taken

    def span(self, start: int, stop: int) -> list[str]:
        """Keys ``start .. stop-1`` (clipped to the spool), read in one go."""
        start, stop = max(0, start), min(stop, len(self))
        if stop <= start:
            return []
        self.flush()
        first, last = self._ends[start], self._ends[stop]
        data = _read_exactly(self._file.fileno(), last - first, first, self.path)
        ends = np.asarray(self._ends[start + 1 : stop + 1], np.int64) - first
        return list(KeyBlock(bytes(data), ends))


class RowSpool(_Spool):
    """Append-only 2-D array of ``width`` columns of ``dtype`` in a temporary file in
    ``directory`` (named like :class:`KeySpool`, deleted on :meth:`close`): rows are
    read back with ``os.pread``, a few at a time or a range at once, so a run holds no
    per-document memory for them."""

    def __init__(self, directory: str | os.PathLike[str], dtype: npt.DTypeLike, width: int) -> None:
        super().__init__(directory, "rows")
        self.dtype = np.dtype(dtype)
        self.width = width
        self._row_bytes = self.dtype.itemsize * width
        self._count = 0
        self._unflushed = False

    @property
    def shape(self) -> tuple[int, int]:
        return (self._count, self.width)

    def __len__(self) -> int:
        return self._count

    def extend(self, rows: npt.NDArray[Any]) -> None:
        block = np.ascontiguousarray(rows, dtype=self.dtype).reshape(-1, self.width)
        self._file.seek(0, os.SEEK_END)
        self._file.write(block.tobytes())
        self._count += len(block)
        self._unflushed = True

    def rows(self, start: int, stop: int) -> npt.NDArray[Any]:
        """Rows ``start .. stop-1`` (a new array)."""
        start, stop = max(0, start), min(stop, self._count)
        if stop <= start:
            return np.empty((0, self.width), self.dtype)
        if self._unflushed:
            self._file.flush()
            self._unflushed = False
        size = (stop - start) * self._row_bytes
        data = _read_exactly(self._file.fileno(), size, start * self._row_bytes, self.path)
        return np.frombuffer(data, dtype=self.dtype).reshape(-1, self.width)

    def __getitem__(self, index: int) -> npt.NDArray[Any]:
        if not 0 <= index < self._count:
            raise IndexError(index)
        row: npt.NDArray[Any] = self.rows(index, index + 1)[0]
        return row

    def take(self, indices: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
        """Rows ``indices`` (any order, repeats allowed; a new array): each distinct row
        read once, with one ``pread`` each and no array per row (a memory map would count
        the file's pages around every row read in the process's resident size)."""
        indices = np.asarray(indices, dtype=np.int64)
        if not indices.size:
            return np.empty((0, self.width), self.dtype)
        if int(indices.min()) < 0 or int(indices.max()) >= self._count:
            raise IndexError("row index outside the spool")
        if self._unflushed:
            self._file.flush()
            self._unflushed = False
        distinct, inverse = np.unique(indices, return_inverse=True)
        fd, size = self._file.fileno(), self._row_bytes
        data = b"".join([os.pread(fd, size, row * size) for row in distinct.tolist()])
        if len(data) != len(distinct) * size:
            raise OSError(f"{self.path}: the spool file is shorter than written")
        table = np.frombuffer(data, dtype=self.dtype).reshape(-1, self.width)
        taken: npt.NDArray[Any] = table[inverse.reshape(-1)]
        return taken
