"""Text reuse across a corpus: shared passages between documents, and story clusters.

1. Every document is keyed once (:class:`.DocKey`).
2. **Candidates** from rare shingles, never all pairs: the ``shingle``-grams of every
   key go into an inverted index (sorted numpy arrays of hashes); a shingle found in
   2 to ``max_df`` documents links those documents, and a pair linked by at least
   ``min_shared`` distinct rare shingles is a candidate.  Shingles in more than
   ``max_df`` documents (datelines, bylines, set phrases) link nothing, so the work is
   bounded by ``max_df**2`` per shingle.
3. Each candidate pair is aligned (:func:`.align_keys`) with the same corpus-common
   seed k-grams masked out, so a passage is never made of phrases common in the corpus.
4. **Stories**: documents connected by passages (union-find) form one overlapping-story
   cluster; each passage carries its cluster's id.

With ``sources``, passages between documents of the same source can be skipped
(``cross_source=True``): one outlet repeating itself is not reuse across outlets.

The index is exact - a pair sharing a rare shingle is always a candidate - where
MinHash over passages would be approximate and would need per-passage signatures (the
candidate stage's cost is measured in ``docs/reuse-measurements.md``).

:class:`ReuseOptions` holds every parameter with its default: the alignment ones of
:class:`.AlignOptions` (it extends that class) and the candidate search's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from ..key import KeyOptions, resolve_key_options
from ..options import resolve
from ..unionfind import components
from ..workers import map_ordered
from .alignment import AlignOptions, Passage, align_keys
from .document import DocKey, Documents, as_documents, doc_key
from .seeds import U64, kgram_hashes

__all__ = ["ReuseOptions", "ReuseResult", "Story", "candidate_pairs", "reuse", "reuse_keys"]


@dataclass(frozen=True)
class ReuseOptions(AlignOptions):
    """Parameters of :func:`reuse`: those of :class:`.AlignOptions` and the candidate
    search's (module docstring): ``shingle`` (k-gram length of the index),
    ``max_df`` (a shingle in more documents is common and links nothing),
    ``min_shared`` (rare shingles a pair must share to be aligned) and
    ``cross_source`` (only pairs of different outlets, when sources are given)."""

    shingle: int = 8
    max_df: int = 64
    min_shared: int = 2
    cross_source: bool = False


@dataclass(frozen=True)
class Story:
    """An overlapping-story cluster: documents linked by shared passages."""

    id: int
    docs: tuple[str, ...]
    passages: int

    def to_dict(self) -> dict[str, Any]:
        return {"story": self.id, "docs": list(self.docs), "passages": self.passages}


@dataclass(frozen=True)
class ReuseResult:
    """What :func:`reuse` found: ``passages`` (sorted by document pair and offset),
    ``stories``, and counts (``documents``, ``candidates`` aligned)."""

    passages: tuple[Passage, ...]
    stories: tuple[Story, ...]
    documents: int
    candidates: int
    stats: dict[str, float] = field(default_factory=dict)


def _doc_frequency(hashes: Sequence[U64]) -> tuple[U64, npt.NDArray[np.int64], list[U64]]:
    """Distinct hashes of all documents, their document frequency, and each document's
    distinct hashes."""
    per_doc = [np.unique(h) for h in hashes]
    if not per_doc:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64), per_doc
    values, counts = np.unique(np.concatenate(per_doc), return_counts=True)
    return values, counts, per_doc


def _usable(hashes: U64, values: U64, counts: npt.NDArray[np.int64], max_df: int) -> Any:
    if len(hashes) == 0:
        return np.zeros(0, dtype=np.bool_)
    return counts[np.searchsorted(values, hashes)] <= max_df


def candidate_pairs(
    shingles: Sequence[U64], max_df: int, min_shared: int
) -> list[tuple[int, int, int]]:
    """``(i, j, shared)``, ``i < j``, for the documents whose shingle hashes
    (:func:`.kgram_hashes`) share at least ``min_shared`` distinct rare shingles
    (found in 2 to ``max_df`` documents)."""
    _, _, per_doc = _doc_frequency(shingles)
    if not per_doc:
        return []
    doc_ids = np.concatenate([np.full(len(h), d, dtype=np.int64) for d, h in enumerate(per_doc)])
    flat = np.concatenate(per_doc)
    order = np.argsort(flat, kind="stable")
    flat, doc_ids = flat[order], doc_ids[order]
    _, first, counts = np.unique(flat, return_index=True, return_counts=True)
    rare = (counts >= 2) & (counts <= max_df)
    n = len(shingles)
    codes: list[npt.NDArray[np.int64]] = []
    for size in np.unique(counts[rare]).tolist():
        starts = first[rare & (counts == size)]
        members = doc_ids[starts[:, None] + np.arange(size)]  # (groups, size), sorted ids
        left, right = np.triu_indices(size, k=1)
        codes.append((members[:, left] * n + members[:, right]).ravel())
    if not codes:
        return []
    pairs, shared = np.unique(np.concatenate(codes), return_counts=True)
    keep = shared >= min_shared
    return [
        (int(code // n), int(code % n), int(count))
        for code, count in zip(pairs[keep].tolist(), shared[keep].tolist(), strict=True)
    ]


def _stories(n: int, passages: list[Passage], index: dict[str, int]) -> list[int]:
    return components(n, ((index[p.a_id], index[p.b_id]) for p in passages))


def _reuse_options(
    options: AlignOptions | None, corpus: ReuseOptions | None, overrides: Mapping[str, Any]
) -> ReuseOptions:
    """One :class:`ReuseOptions` from ``options`` and ``overrides``.  The older split
    form is accepted: ``options`` an :class:`.AlignOptions` for the alignment and
    ``corpus`` a :class:`ReuseOptions` for the candidate search."""
    if corpus is None and (options is None or isinstance(options, ReuseOptions)):
        return resolve(ReuseOptions, options, overrides)
    base = corpus if corpus is not None else ReuseOptions()
    if options is not None:
        base = replace(base, **{f.name: getattr(options, f.name) for f in fields(AlignOptions)})
    return resolve(ReuseOptions, base, overrides)


def reuse_keys(
    ids: Sequence[str],
    keys: Sequence[DocKey],
    options: AlignOptions | None = None,
    *,
    sources: Sequence[str | None] | None = None,
    corpus: ReuseOptions | None = None,
    **overrides: Any,
) -> ReuseResult:
    """:func:`reuse` on prepared documents (``ids[i]`` names ``keys[i]``): ``options``
    a :class:`ReuseOptions` and single fields as keywords (or, as before, an
    :class:`.AlignOptions` with the search's fields in ``corpus``)."""
    import time

    options = _reuse_options(options, corpus, overrides)
    started = time.perf_counter()
    shingles = [kgram_hashes(k.key, options.shingle) for k in keys]
    pairs = candidate_pairs(shingles, options.max_df, options.min_shared)
    if options.cross_source and sources is not None:
        pairs = [(i, j, s) for i, j, s in pairs if sources[i] is None or sources[i] != sources[j]]
    candidate_time = time.perf_counter() - started
    seed_hashes = [kgram_hashes(k.key, options.seed_len) for k in keys]
    values, counts, _ = _doc_frequency(seed_hashes)
    usable: dict[int, Any] = {}
    passages: list[Passage] = []
    for i, j, _ in pairs:
        for d in (i, j):
            if d not in usable:
                usable[d] = _usable(seed_hashes[d], values, counts, options.max_df)
        passages += align_keys(
            keys[i],
            keys[j],
            options,
            hashes_a=seed_hashes[i],
            hashes_b=seed_hashes[j],
            usable_a=usable[i],
            usable_b=usable[j],
            a_id=ids[i],
            b_id=ids[j],
        )
    index = {doc_id: d for d, doc_id in enumerate(ids)}
    roots = _stories(len(ids), passages, index)
    linked = sorted({roots[index[p.a_id]] for p in passages})
    story_of = {root: number for number, root in enumerate(linked)}
    members: dict[int, list[str]] = {}
    counted: dict[int, int] = {}
    for d, doc_id in enumerate(ids):
        if roots[d] in story_of:
            members.setdefault(story_of[roots[d]], []).append(doc_id)
    tagged = []
    for p in passages:
        story = story_of[roots[index[p.a_id]]]
        counted[story] = counted.get(story, 0) + 1
        tagged.append(replace(p, story=story))
    stories = tuple(Story(s, tuple(members[s]), counted[s]) for s in sorted(members))
    stats = {
        "candidate_seconds": round(candidate_time, 3),
        "align_seconds": round(time.perf_counter() - started - candidate_time, 3),
    }
    return ReuseResult(tuple(tagged), stories, len(ids), len(pairs), stats)


def reuse(
    docs: Documents,
    options: ReuseOptions | None = None,
    *,
    sources: Mapping[str, str | None] | Sequence[str | None] | None = None,
    key_options: KeyOptions | None = None,
    config: KeyOptions | None = None,
    workers: int = 1,
    **overrides: Any,
) -> ReuseResult:
    """Passages shared between documents of ``docs``, grouped into story clusters.

    ``docs``: one text, texts, a mapping ``id -> text`` or ``(id, text)`` pairs (ids
    must be unique).  ``sources``: each document's outlet (by id, or in order).
    ``options``: a :class:`ReuseOptions` - the alignment parameters of
    :func:`zhnorm.align`, the candidate search (``shingle``, ``max_df``,
    ``min_shared``) and ``cross_source`` (only pairs of different outlets); single
    fields as keywords override it (``reuse(docs, min_len=20)``).  ``key_options``:
    how documents are keyed (``config``: its former keyword); ``workers > 1`` keys
    documents in a process pool.

    >>> docs = {"x": "頭條：康源電路項目計劃總投資50億元。", "y": "康源电路项目计划总投资50亿元"}
    >>> result = reuse(docs)
    >>> [(p.a_id, p.b_id, p.a_text, p.story) for p in result.passages]
    [('x', 'y', '康源電路項目計劃總投資50億元', 0)]
    """
    options = resolve(ReuseOptions, options, overrides)
    items = as_documents(docs)
    ids = [doc_id for doc_id, _ in items]
    if len(set(ids)) != len(ids):
        raise ValueError("document ids must be unique")
    texts = [text for _, text in items]
    keying = _KeyWith(resolve_key_options(key_options, config=config))
    keys = map_ordered(keying, texts, workers, chunks_per_worker=8)
    source_list: list[str | None] | None = None
    if isinstance(sources, Mapping):
        source_list = [sources.get(doc_id) for doc_id in ids]
    elif sources is not None:
        source_list = list(sources)
        if len(source_list) != len(ids):
            raise ValueError("sources must name one source per document")
    return reuse_keys(ids, keys, options, sources=source_list)


@dataclass(frozen=True)
class _KeyWith:
    """:func:`.doc_key` with fixed options, picklable for worker processes."""

    options: KeyOptions

    def __call__(self, text: str) -> DocKey:
        return doc_key(text, self.options)
