"""Copying the kept records of plain JSONL files by the byte spans of their lines.

When ``zhnorm dedup --workers N`` reads the files in byte ranges
(:mod:`~zhnorm.neardup.split`), each process notes where every good record's line lies
in its file (:class:`LineSpans`).  The kept records are then copied without reading the
files again line by line: each run of consecutive kept lines that follow one another in
the file and end in one ``\\n`` is a slice of a block read from the file, and a
block's slices are written together; any other kept line (``\\r\\n``, no line
break at the end) is read and written by :meth:`~zhnorm.io.RecordWriter.write_raw_lines`,
which mends its end.  The bytes are those of the line-by-line copy.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..io import InputError, Progress, RecordWriter

__all__ = ["FileSpans", "LineSpans"]


@dataclass(frozen=True)
class LineSpans:
    """Records' lines in one file, in order: line ``i`` is the bytes ``begins[i]:ends[i]``
    (its line break included); ``plain[i]``: it ends in one ``\\n`` with no ``\\r``
    before it, so its bytes are what :meth:`~zhnorm.io.RecordWriter.write_raw_lines`
    writes for it."""

    begins: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]
    plain: npt.NDArray[np.bool_]

    @classmethod
    def of(cls, begins: Sequence[int], ends: Sequence[int], plain: bytes | bytearray) -> LineSpans:
        return cls(
            np.array(begins, np.int64),
            np.array(ends, np.int64),
            np.frombuffer(bytes(plain), np.bool_).copy(),
        )

    def __len__(self) -> int:
        return len(self.begins)

    def without(self, rows: Sequence[int]) -> LineSpans:
        """These spans without ``rows``."""
        kept = np.ones(len(self), bool)
        kept[list(rows)] = False
        return LineSpans(self.begins[kept], self.ends[kept], self.plain[kept])


class FileSpans:
    """The line spans of a run's good records (positions ``0 .. n-1``), file by file."""

    def __init__(self) -> None:
        self._files: list[tuple[str, int, int]] = []  # path, size when read, first position
        self._parts: list[LineSpans] = []
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def start_file(self, path: str) -> None:
        """The records added from now on are lines of ``path``."""
        self._files.append((path, os.path.getsize(path), self._count))

    def add(self, spans: LineSpans) -> None:
        """Note the next records' spans (in the file last started)."""
        self._parts.append(spans)
        self._count += len(spans)

    def copy_kept(self, removed: Iterable[int], writer: RecordWriter, progress: Progress) -> int:
        """Copy the records but the ``removed`` positions to ``writer`` (JSONL), byte
        for byte as :func:`~zhnorm.neardup.files._copy_kept_blocks` does; the number
        copied.  A file whose size changed since it was read is an
        :class:`~zhnorm.io.InputError`."""
        if not self._parts:
            return 0
        begins = np.concatenate([p.begins for p in self._parts])
        ends = np.concatenate([p.ends for p in self._parts])
        plain = np.concatenate([p.plain for p in self._parts])
        kept = np.ones(self._count, bool)
        gone = np.fromiter(removed, np.int64)
        kept[gone[gone < self._count]] = False
        stops = [first for _, _, first in self._files[1:]] + [self._count]
        for (path, size, lo), hi in zip(self._files, stops, strict=True):
            if hi == lo:
                continue
            with open(path, "rb") as handle:
                if os.fstat(handle.fileno()).st_size != size:
                    raise InputError(f"{path}: the input changed during the run")
                _copy_file(
                    handle.fileno(),
                    begins[lo:hi],
                    ends[lo:hi],
                    plain[lo:hi],
                    kept[lo:hi],
                    writer,
                )
            progress.update(hi - lo)
        return int(kept.sum())


_READ_BYTES = 1 << 20
"""Bytes :func:`_copy_file` reads at a time (a longer run of lines is read whole)."""


def _copy_file(
    source: int,
    begins: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    plain: npt.NDArray[np.bool_],
    kept: npt.NDArray[np.bool_],
    writer: RecordWriter,
) -> None:
    """The kept lines of one file (open as ``source``), in order: the file read in
    blocks of about :data:`_READ_BYTES` from the first kept byte on, each block's runs
    of plain lines that follow one another in the file joined and written in one go;
    other lines mended one by one."""
    copied = kept & plain
    # Line i joins the run of line i - 1: both copied, and no byte between them.
    joins = copied[1:] & copied[:-1] & (ends[:-1] == begins[1:])
    first = copied.copy()
    first[1:] &= ~joins
    last = copied.copy()
    last[:-1] &= ~joins
    run_firsts = np.flatnonzero(first)
    run_lasts = np.flatnonzero(last)
    runs = zip(
        run_firsts.tolist(),
        begins[run_firsts].tolist(),
        ends[run_lasts].tolist(),
        (run_lasts - run_firsts + 1).tolist(),
        strict=True,
    )
    mended = np.flatnonzero(kept & ~plain).tolist()
    mended.append(len(kept))  # a sentinel after every run
    at = 0
    block, block_begin, block_end = memoryview(b""), 0, 0
    pieces: list[memoryview] = []
    lines = 0
    for lo, begin, end, count in runs:
        if mended[at] < lo or end > block_end:
            if pieces:
                writer.write_raw_block(b"".join(pieces), lines)
                pieces, lines = [], 0
            while mended[at] < lo:
                line = int(mended[at])
                writer.write_raw_lines([_read(source, int(begins[line]), int(ends[line]))])
                at += 1
        if end > block_end:
            block_begin = begin
            block = memoryview(os.pread(source, max(end - begin, _READ_BYTES), begin))
            block_end = block_begin + len(block)
            if end > block_end:
                raise InputError(_GONE)
        pieces.append(block[begin - block_begin : end - block_begin])
        lines += count
    if pieces:
        writer.write_raw_block(b"".join(pieces), lines)
    for line in mended[at:-1]:
        writer.write_raw_lines([_read(source, int(begins[line]), int(ends[line]))])


def _read(source: int, begin: int, end: int) -> bytes:
    """The bytes ``begin:end`` of ``source``."""
    data = os.pread(source, end - begin, begin)
    if len(data) != end - begin:
        raise InputError(_GONE)
    return data


_GONE = "the inputs changed during the run (a line is gone)"
