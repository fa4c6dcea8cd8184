"""``KeySpool``: matching keys kept in a temporary file instead of memory.

A million 900-character keys are ~1.8 GB as Python strings; deduplication reads back
only the keys of candidate pairs, so :func:`~zhnorm.neardup.files.dedup_files` appends
keys here (UTF-16, one offset per key in memory) and reads them with ``os.pread``.

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

from ..io.files import temp_prefix
from .sketch import KeyBlock

__all__ = ["KeySpool"]


class KeySpool:
    """Append-only list of strings in a temporary file in ``directory`` (deleted on
    :meth:`close`)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        fd, self.path = tempfile.mkstemp(
            prefix=temp_prefix() + "keys-", suffix=".partial", dir=os.fspath(directory)
        )
        self._file = os.fdopen(fd, "w+b")
        self._ends = array("q", [0])
        self._unflushed = False

    def extend(self, keys: Iterable[str]) -> None:
        block = keys if isinstance(keys, KeyBlock) else KeyBlock.pack(keys)
        self._ends.extend((block.ends + self._ends[-1]).tolist())
        self._file.seek(0, os.SEEK_END)
        self._file.write(block.blob)
        self._unflushed = True

    def __len__(self) -> int:
        return len(self._ends) - 1

    def flush(self) -> None:
        """Write what is buffered to the file (before forking readers of it)."""
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

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()
            os.unlink(self.path)

    def __enter__(self) -> KeySpool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
