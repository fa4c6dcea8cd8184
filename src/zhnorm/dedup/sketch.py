"""Text -> key -> signature -> band hashes for a batch, on one core or a process pool.

:func:`sketch_texts` is the unit of work (a top-level function, so process pools can
pickle it); :func:`sketch_chunks` runs it over a stream of text chunks, in order, on
``workers`` processes (this one included).  The result of a chunk does not depend on
which process made it, so any number of workers gives identical sketches.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..key import KeyConfig
from .keys import dedup_keys
from .lsh import band_hashes
from .minhash import signatures_from_shingles
from .params import MinHashParams
from .shingles import batch_shingles

__all__ = ["Sketch", "sketch_chunks", "sketch_texts"]


@dataclass(frozen=True)
class Sketch:
    """Everything deduplication keeps about a batch of documents.

    ``keys``        matching keys (for exact verification).
    ``signatures``  ``uint32`` ``(n, num_perm)`` (:data:`~zhnorm.dedup.minhash.EMPTY`
                    rows for documents without shingles).
    ``bands``       ``uint64`` ``(n, bands)`` band hashes.
    ``empty``       documents without shingles (they never match).
    """

    keys: list[str]
    signatures: npt.NDArray[np.uint32]
    bands: npt.NDArray[np.uint64]
    empty: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.keys)


def sketch_keys(keys: list[str], params: MinHashParams, bands: int, rows: int) -> Sketch:
    """Sketch of documents given by their keys."""
    hashes, offsets = batch_shingles(keys, params.ngram)
    sig = signatures_from_shingles(hashes, offsets, params)
    return Sketch(keys, sig, band_hashes(sig, bands, rows), offsets[1:] == offsets[:-1])


def sketch_texts(
    texts: Sequence[str],
    params: MinHashParams,
    key_config: KeyConfig | None,
    bands: int,
    rows: int,
) -> Sketch:
    """Keys (see :func:`~zhnorm.dedup.keys.dedup_keys`), signatures and band hashes."""
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
    between this process and ``workers - 1`` child processes (every ``workers``-th chunk
    is done here, when its turn comes), keeping at most ``2 * workers`` in flight:
    this process would otherwise sit idle waiting, and each chunk it does itself is one
    less to send to a child and back."""
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if workers == 1:
        for chunk in chunks:
            yield sketch_texts(chunk, params, key_config, bands, rows)
        return
    stream = iter(chunks)
    first = next(stream, None)
    if first is None:
        return
    # Build the lazily made tables (fold table, converter, permutations) here, so that
    # forked workers inherit them instead of each building its own.
    sketch_texts(list(first[:64]), params, key_config, bands, rows)

    def result(item: Future[Sketch] | Sequence[str]) -> Sketch:
        if isinstance(item, Future):
            return item.result()
        return sketch_texts(item, params, key_config, bands, rows)

    with ProcessPoolExecutor(max_workers=workers - 1) as pool:
        pending: deque[Future[Sketch] | Sequence[str]] = deque()
        for index, chunk in enumerate(itertools.chain([first], stream)):
            if index % workers == workers - 1:
                pending.append(chunk)
            else:
                pending.append(
                    pool.submit(sketch_texts, list(chunk), params, key_config, bands, rows)
                )
            if len(pending) >= 2 * workers:
                yield result(pending.popleft())
        while pending:
            yield result(pending.popleft())
