"""Text -> key -> signature -> band hashes for a batch, on one core or a process pool.

:func:`sketch_texts` is the unit of work (a top-level function, so process pools can
pickle it); :func:`sketch_chunks` runs it over a stream of text chunks, in order, on
``workers`` processes (this one included).  The result of a chunk does not depend on
which process made it, so any number of workers gives identical sketches.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast, overload

import numpy as np
import numpy.typing as npt

from ..key import KeyConfig
from ..workers import forks, process_pool
from .inherit import handed_down, inherited
from .keys import dedup_keys
from .lsh import band_hashes
from .minhash import signatures_from_shingles
from .params import MinHashParams
from .shingling import batch_shingles

__all__ = ["KeyBlock", "Sketch", "shared_in_order", "sketch_chunks", "sketch_texts"]

J = TypeVar("J")
R = TypeVar("R")


class KeyBlock(Sequence[str]):
    """Keys packed in one UTF-16 buffer, decoded one at a time on access: how a child
    process hands keys back.  A pickled list of a thousand 900-character keys takes
    2.3 ms to load; this takes a copy, and :class:`~zhnorm.neardup.spool.KeySpool` (the
    key store of :func:`~zhnorm.neardup.files.dedup_files`, UTF-16 too) appends the buffer
    as it is."""

    __slots__ = ("blob", "ends")

    def __init__(self, blob: bytes, ends: npt.NDArray[np.int64]) -> None:
        self.blob = blob
        self.ends = ends  # byte offset where each key ends

    @classmethod
    def pack(cls, keys: Iterable[str]) -> KeyBlock:
        parts = [key.encode("utf-16-le", "surrogatepass") for key in keys]
        ends = np.cumsum([len(part) for part in parts], dtype=np.int64)
        return cls(b"".join(parts), ends)

    def __len__(self) -> int:
        return len(self.ends)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        start = int(self.ends[index - 1]) if index else 0
        return self.blob[start : int(self.ends[index])].decode("utf-16-le", "surrogatepass")

    def __iter__(self) -> Iterator[str]:
        view = memoryview(self.blob)
        start = 0
        for end in self.ends.tolist():
            yield str(view[start:end], "utf-16-le", "surrogatepass")
            start = end

    def __reduce__(self) -> tuple[type[KeyBlock], tuple[bytes, npt.NDArray[np.int64]]]:
        return (KeyBlock, (self.blob, self.ends))


@dataclass(frozen=True)
class Sketch:
    """Everything deduplication keeps about a batch of documents.

    ``keys``        matching keys (for exact verification): a list, or a
                    :class:`KeyBlock` for sketches made in a child process.
    ``signatures``  ``uint32`` ``(n, num_perm)`` (:data:`~zhnorm.neardup.minhash.EMPTY`
                    rows for documents without shingles).
    ``bands``       ``uint64`` ``(n, bands)`` band hashes.
    ``empty``       documents without shingles (they never match).
    """

    keys: Sequence[str]
    signatures: npt.NDArray[np.uint32]
    bands: npt.NDArray[np.uint64]
    empty: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.keys)


def sketch_keys(keys: list[str], params: MinHashParams, bands: int, rows: int) -> Sketch:
    """Sketch of documents given by their keys."""
    hashes, offsets = batch_shingles(keys, params.ngram, words=params.words)
    sig = signatures_from_shingles(hashes, offsets, params)
    return Sketch(keys, sig, band_hashes(sig, bands, rows), offsets[1:] == offsets[:-1])


def sketch_texts(
    texts: Sequence[str],
    params: MinHashParams,
    key_config: KeyConfig | None,
    bands: int,
    rows: int,
) -> Sketch:
    """Keys (see :func:`~zhnorm.neardup.keys.dedup_keys`), signatures and band hashes."""
    return sketch_keys(dedup_keys(texts, key_config), params, bands, rows)


def sketch_chunks(
    chunks: Iterable[Sequence[str]],
    params: MinHashParams,
    key_config: KeyConfig | None,
    bands: int,
    rows: int,
    workers: int = 1,
) -> Iterator[Sketch]:
    """:func:`sketch_texts` of each chunk, in order.  ``workers > 1`` shares the chunks
    between this process and ``workers - 1`` child processes (:func:`shared_in_order`).

    Texts reach a child by inheritance when ``chunks`` is a sequence and processes are
    forked, else through a file; keys come back packed (:class:`KeyBlock`).  On 2
    cores, ``workers=2`` measured 1.80-1.85x one process, where two processes each
    sketching half of the documents, with no exchange at all, reach 1.89-1.96x: the
    rest goes to handing sketches back and to waiting for the last chunk
    (docs/benchmarks.md)."""
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if workers == 1:
        for chunk in chunks:
            yield sketch_texts(chunk, params, key_config, bands, rows)
        return
    # Chunks given as a sequence reach forked children by inheritance, not by a file.
    inherit = isinstance(chunks, Sequence) and forks()
    with handed_down(chunks) if inherit else nullcontext() as token:

        def here(chunk: Sequence[str]) -> Sketch:
            return sketch_texts(chunk, params, key_config, bands, rows)

        def child(spill: str, index: int, chunk: Sequence[str]) -> tuple[Any, ...]:
            texts = (token, index) if token is not None else _spill(spill, list(chunk))
            return (_sketch_to_file, spill, texts, params, key_config, bands, rows)

        yield from shared_in_order(chunks, here, child, workers)


def shared_in_order(
    jobs: Iterable[J],
    here: Callable[[J], R],
    child: Callable[[str, int, J], tuple[Any, ...]],
    workers: int,
) -> Iterator[R]:
    """``here(job)`` of each of ``jobs``, in order, shared between this process and
    ``workers - 1`` child processes (at least one): a job goes to the children while
    they have fewer than two each waiting or running, else it is done here, at once
    (this process would otherwise sit idle waiting, and each job it does itself is one
    less to send to a child and back).  So a parent that also has work of its own
    between jobs (``zhnorm dedup`` reading the records) leaves more of them to the
    children instead of making them wait.  At most ``2 * workers`` jobs are held.

    ``child(spill, index, job)`` is the call a child makes for job number ``index``:
    ``(function, *args)`` of a top-level function that does what ``here`` does and
    returns the path of a new file of the directory ``spill`` holding its result
    pickled (:func:`_spill`; read back and removed here).  The first job is done here,
    before any child starts: the lazily made tables (fold table, converter,
    permutations, and the regexes, tables and models of the fixers its documents call
    for) are then inherited by forked children instead of each building its own."""
    stream = iter(jobs)
    first = next(stream, _NONE)
    if first is _NONE:
        return
    done_first = here(cast(J, first))
    with (
        tempfile.TemporaryDirectory(prefix="zhnorm-sketch-") as spill,
        process_pool(workers - 1) as pool,
    ):
        pending: deque[Future[str] | _Done[R]] = deque([_Done(done_first)])
        for index, job in enumerate(stream, 1):
            queued = sum(isinstance(item, Future) and not item.done() for item in pending)
            if queued >= 2 * (workers - 1):
                pending.append(_Done(here(job)))
            else:
                pending.append(pool.submit(*child(spill, index, job)))
            while len(pending) >= 2 * workers:
                yield _result(pending.popleft())
        while pending:
            yield _result(pending.popleft())


_NONE = object()


@dataclass(frozen=True)
class _Done(Generic[R]):
    """A job's result made in this process."""

    value: R


def _result(item: Future[str] | _Done[R]) -> R:
    if isinstance(item, _Done):
        return item.value
    result: R = _unspill(item.result())
    return result


def _spill(directory: str, item: object) -> str:
    """``item`` pickled into a new file of ``directory``; its path."""
    fd, path = tempfile.mkstemp(dir=directory)
    with os.fdopen(fd, "wb") as handle:
        pickle.dump(item, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _unspill(path: str) -> Any:
    """The item :func:`_spill` wrote to ``path`` (the file is removed)."""
    with open(path, "rb") as handle:
        item = pickle.load(handle)
    os.unlink(path)
    return item


def _sketch_to_file(
    directory: str,
    texts: str | tuple[int, int],
    params: MinHashParams,
    key_config: KeyConfig | None,
    bands: int,
    rows: int,
) -> str:
    """:func:`sketch_texts` in a child process, texts and sketch passed through files
    (texts: a file's path, or a chunk inherited from the parent: (token, index)).

    Both are megabytes.  Through the pool's pipes they are pickled and moved by helper
    threads of the parent, which take the GIL from its main thread while it sketches
    (measured: the parent's own chunks took 25% longer, and the child stalled on a full
    pipe for a quarter of its time).  A file is written and read in one go, in the
    thread that has the data."""
    chunk = inherited(texts[0])[texts[1]] if isinstance(texts, tuple) else _unspill(texts)
    sketch = sketch_texts(chunk, params, key_config, bands, rows)
    packed = Sketch(KeyBlock.pack(sketch.keys), sketch.signatures, sketch.bands, sketch.empty)
    return _spill(directory, packed)
