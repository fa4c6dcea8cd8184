"""Corpus-wide k-gram statistics in bounded memory: ``(hash, document)`` entries spilled
to temporary files, partitioned by hash, then read back one partition at a time.

A corpus run needs two facts about the k-grams of every document: which documents
share a rare shingle (candidate pairs) and how many documents hold each seed k-gram
(the rarity table).  Holding every document's hashes at once costs about 8 bytes per
character, and sorting them all at once several times that.  Here each document's
distinct hashes are buffered, and every ``buffer`` entries the buffer is split by the
hash's top bits into ``partitions`` files (an append of raw ``uint64``/``int32``
arrays).  A partition holds every occurrence of its hashes, so it is complete on its
own: it is loaded, sorted (stably, so the documents of one hash stay in order) and
reduced, and only the reduction is kept.  Memory is the buffer plus one partition,
about ``12 * entries / partitions`` bytes, whatever the corpus size; the number of
partitions grows with the corpus (:func:`partitions_for`).

The reductions are exact and independent of the partitioning: the same pairs, counts
and tables as a sort of all hashes at once.

:class:`SpilledTexts` keeps texts the same way: appended to one unlinked temporary file
(UTF-8) as they come, then read back by position (a read-only sequence of ``str``); memory
holds 8 bytes of offset a text and the texts being read.
"""

from __future__ import annotations

import array
import functools
import itertools
import os
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import TracebackType
from typing import IO, TypeVar, overload

import numpy as np
import numpy.typing as npt

from ..workers import imap_ordered, process_pool
from .seeds import U64

R = TypeVar("R")
T = TypeVar("T")

__all__ = ["HashSpill", "SpilledTexts", "partitions_for"]

ENTRIES_PER_PARTITION = 1 << 22
"""About this many ``(hash, document)`` entries per partition (48 MiB as loaded)."""
BUFFER_ENTRIES = 1 << 21
"""Entries buffered in memory before they are appended to the partition files."""


def partitions_for(entries: int) -> int:
    """Partitions (a power of two, 1 to 4096) for about ``entries`` entries."""
    wanted = max(1, -(-entries // ENTRIES_PER_PARTITION))
    return int(min(4096, 1 << (wanted - 1).bit_length()))


class HashSpill:
    """``(hash, document)`` entries partitioned by hash into temporary files (module
    docstring); a context manager that removes its files.  Add each document's distinct
    hashes in increasing document order with :meth:`add`; :meth:`partitions` then
    yields each partition's ``(hashes, documents)``, sorted by hash and, within a hash,
    by document."""

    def __init__(
        self, partitions: int, directory: str | None = None, buffer: int = BUFFER_ENTRIES
    ) -> None:
        if partitions < 1 or partitions & (partitions - 1):
            raise ValueError(f"partitions must be a power of two, not {partitions}")
        self.count = partitions
        self.shift = np.uint64(64 - (partitions.bit_length() - 1))
        self.buffer_limit = buffer
        self._hashes: list[U64] = []
        self._docs: list[npt.NDArray[np.int32]] = []
        self._buffered = 0
        self.entries = 0
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._memory: tuple[U64, npt.NDArray[np.int32]] | None = None
        self.directory = directory

    def __enter__(self) -> HashSpill:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._hashes, self._docs, self._memory = [], [], None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def add(self, doc: int, hashes: U64) -> None:
        """Document ``doc``'s distinct ``hashes`` (sorted or not)."""
        if not len(hashes):
            return
        self._hashes.append(hashes)
        self._docs.append(np.full(len(hashes), doc, dtype=np.int32))
        self._buffered += len(hashes)
        self.entries += len(hashes)
        if self._buffered >= self.buffer_limit and self.count > 1:
            self._flush()

    def _path(self, part: int, what: str) -> str:
        assert self._dir is not None
        return os.path.join(self._dir.name, f"{part:04d}.{what}")

    def _flush(self) -> None:
        if not self._hashes:
            return
        if self._dir is None:
            self._dir = tempfile.TemporaryDirectory(prefix="zhnorm-spill-", dir=self.directory)
        hashes = np.concatenate(self._hashes)
        docs = np.concatenate(self._docs)
        self._hashes, self._docs, self._buffered = [], [], 0
        part = (hashes >> self.shift).astype(np.int64)
        order = np.argsort(part, kind="stable")
        bounds = np.searchsorted(part[order], np.arange(self.count + 1))
        hashes, docs = hashes[order], docs[order]
        for p in range(self.count):
            lo, hi = bounds[p], bounds[p + 1]
            if hi > lo:
                with open(self._path(p, "h"), "ab") as out:
                    hashes[lo:hi].tofile(out)
                with open(self._path(p, "d"), "ab") as out:
                    docs[lo:hi].tofile(out)

    def partitions(self) -> Iterator[tuple[U64, npt.NDArray[np.int32]]]:
        """Each non-empty partition's ``(hashes, documents)``, sorted (class docstring)."""
        if self._dir is None:  # everything still buffered: one partition in memory
            if self._hashes:
                hashes = np.concatenate(self._hashes)
                docs = np.concatenate(self._docs)
                self._hashes, self._docs, self._buffered = [], [], 0
                order = np.argsort(hashes, kind="stable")
                yield hashes[order], docs[order]
            return
        for paths in self._files():
            yield _read_partition(paths)

    def reduced(
        self, reduce: Callable[[U64, npt.NDArray[np.int32]], R], workers: int = 1
    ) -> Iterator[R]:
        """``reduce(hashes, documents)`` of each partition of :meth:`partitions`, in
        order.  With ``workers > 1`` and the partitions in files, each is read and
        reduced on a worker process (``reduce`` must pickle; a few partitions in flight
        at a time): the same results, in the same order."""
        if workers <= 1 or self._dir is None:
            for hashes, docs in self.partitions():
                yield reduce(hashes, docs)
            return
        work = functools.partial(_reduce_file, reduce)
        with process_pool(workers) as pool:
            yield from imap_ordered(work, iter(self._files()), pool, window=2 * workers)

    def _files(self) -> list[tuple[str, str]]:
        """The files of the non-empty partitions (hashes, documents), everything
        flushed."""
        self._flush()
        return [
            (self._path(p, "h"), self._path(p, "d"))
            for p in range(self.count)
            if os.path.exists(self._path(p, "h"))
        ]


def _read_partition(paths: tuple[str, str]) -> tuple[U64, npt.NDArray[np.int32]]:
    """A partition's entries from its files (removed once read), sorted by hash and,
    within a hash, by document."""
    hashes = np.fromfile(paths[0], dtype=np.uint64)
    docs = np.fromfile(paths[1], dtype=np.int32)
    os.unlink(paths[0])
    os.unlink(paths[1])
    order = np.argsort(hashes, kind="stable")
    return hashes[order], docs[order]


def _reduce_file(reduce: Callable[[U64, npt.NDArray[np.int32]], R], paths: tuple[str, str]) -> R:
    return reduce(*_read_partition(paths))


_WRITTEN: weakref.WeakSet[IO[bytes]] = weakref.WeakSet()
"""Spill files this process writes and forked processes read (:func:`spill_file`)."""


def _flush_written() -> None:
    for handle in list(_WRITTEN):
        if not handle.closed:
            handle.flush()


os.register_at_fork(before=_flush_written)


def spill_file(directory: str | None = None) -> IO[bytes]:
    """A new unlinked temporary file for spilled data that forked processes may read
    (positioned reads): its buffered writes are flushed before every fork, so a child
    sees all that was written and never writes a copy of this process's buffer itself
    (which would land at the file position both processes share)."""
    handle = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115 - the caller's to close
    _WRITTEN.add(handle)
    return handle


TEXT_READ_BYTES = 1 << 22
"""Bytes of texts :meth:`SpilledTexts.__iter__` reads at once (at least one text)."""


class ReadInRanges(Sequence[T]):
    """A sequence read from storage a range at a time: a subclass gives ``__len__`` and
    ``_read(first, last)`` (items ``first:last``, one read), and indexing and slicing
    (a step of one reads the range at once) follow."""

    def _read(self, first: int, last: int) -> list[T]:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            first, last, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(first, last, step)]
            return self._read(first, max(first, last))
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"item {index} outside 0:{n}")
        return self._read(index % n, index % n + 1)[0]


class SpilledTexts(ReadInRanges[str]):
    """Texts kept in a temporary file instead of memory: each is written once
    (:meth:`append`, UTF-8, lone surrogates kept) to a file unlinked at once, and read
    back by position (``texts[i]``, slices, iteration in order a few MiB at a time).
    Memory holds the offsets (8 bytes a text) and the texts being read; the file goes
    with the object (:meth:`close`, or when it is collected).  Forked processes read the
    same file (positioned reads: no shared file position)."""

    def __init__(self, texts: Iterable[str] = (), directory: str | None = None) -> None:
        self._file = spill_file(directory)
        self._ends = array.array("q")  # where each text ends
        self._offsets: npt.NDArray[np.int64] | None = None
        self._size = 0
        for text in texts:
            self.append(text)

    def append(self, text: str) -> None:
        """Add ``text`` at the end."""
        data = text.encode("utf-8", "surrogatepass")
        self._file.write(data)
        self._size += len(data)
        self._ends.append(self._size)
        self._offsets = None

    def _starts(self) -> npt.NDArray[np.int64]:
        """Where each text starts, and the end (``len + 1`` offsets), the writes flushed."""
        if self._offsets is None:
            self._file.flush()
            self._offsets = np.zeros(len(self._ends) + 1, dtype=np.int64)
            self._offsets[1:] = np.frombuffer(self._ends, dtype=np.int64)
        return self._offsets

    def __len__(self) -> int:
        return len(self._ends)

    def _read(self, first: int, last: int) -> list[str]:
        """Texts ``first:last``, read with one positioned read."""
        starts = self._starts()
        base = int(starts[first])
        data = os.pread(self._file.fileno(), int(starts[last]) - base, base)
        bounds = (starts[first : last + 1] - base).tolist()
        return [data[a:b].decode("utf-8", "surrogatepass") for a, b in itertools.pairwise(bounds)]

    def __iter__(self) -> Iterator[str]:
        starts = self._starts()
        first, n = 0, len(self)
        while first < n:
            wanted = int(starts[first]) + TEXT_READ_BYTES
            last = int(np.searchsorted(starts, wanted, side="right")) - 1
            last = min(max(last, first + 1), n)
            yield from self._read(first, last)
            first = last

    def close(self) -> None:
        """Remove the file (the texts can no longer be read)."""
        self._file.close()
