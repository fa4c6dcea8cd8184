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

import functools
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..io.progress import Progress
from ..key import KeyOptions, resolve_key_options
from ..neardup.inherit import handed_down, inherited
from ..options import resolve
from ..workers import forks, imap_ordered, map_ordered, process_pool
from .alignment import AlignOptions, Passage, align_keys
from .document import (
    DocKey,
    Documents,
    as_documents,
    doc_key,
    key_texts,
    raw_texts,
    release_mapped_pages,
)
from .passages import (
    REPORTED_SIGNIFICANCE,
    DocMeta,
    PassageCluster,
    RarityTable,
    passage_clusters,
)
from .seeds import U64, Groups, kgram_groups, kgram_hashes
from .spill import HashSpill, SpilledTexts, partitions_for

if TYPE_CHECKING:
    from ..stories.records import Story
    from .furniture import FurnitureResult

__all__ = [
    "ReuseOptions",
    "ReuseResult",
    "candidate_pairs",
    "reuse",
    "reuse_keys",
    "reuse_spent",
]


@dataclass(frozen=True)
class ReuseOptions(AlignOptions):
    """Parameters of :func:`reuse`: those of :class:`.AlignOptions`, the candidate
    search's (module docstring): ``shingle`` (k-gram length of the index), ``max_df``
    (a shingle in more documents is common and links nothing), ``min_shared`` (rare
    shingles a pair must share to be aligned), ``cross_source`` (only pairs of
    different outlets, when sources are given); what is reported:
    ``min_significance`` (:mod:`.passages`), ``mask_furniture`` (set each outlet's
    furniture apart before the search, :mod:`.furniture`); and the stories'
    (:mod:`zhnorm.stories.detect`): ``event_similarity`` (the story similarity at
    which two articles are as likely as not to report one event), ``story_support``
    (the mean pair weight a member needs to the other members), ``window_days`` (the
    longest time a story may span when dates are given; None: no limit) and
    ``neighbours`` (candidate partners scored per document)."""

    shingle: int = 8
    max_df: int = 64
    min_shared: int = 2
    cross_source: bool = False
    min_significance: float = REPORTED_SIGNIFICANCE
    mask_furniture: bool = True
    event_similarity: float = 0.18
    story_support: float = 0.6
    window_days: float | None = 3.0
    neighbours: int = 10


@dataclass(frozen=True)
class ReuseResult:
    """What :func:`reuse` found: ``passages`` (sorted by document pair and offset),
    passage ``clusters``, ``stories``, the ``furniture`` masked out, and counts
    (``documents``, ``candidates`` aligned)."""

    passages: tuple[Passage, ...]
    stories: tuple[Story, ...]
    documents: int
    candidates: int
    stats: dict[str, float] = field(default_factory=dict)
    clusters: tuple[PassageCluster, ...] = ()
    furniture: FurnitureResult | None = None


def _usable(hashes: U64, values: U64, counts: npt.NDArray[np.int64], max_df: int) -> Any:
    """Per hash: is it in at most ``max_df`` documents?  ``values`` / ``counts`` may
    leave out the hashes of one document (:func:`_repeated_table`)."""
    if len(hashes) == 0:
        return np.zeros(0, dtype=np.bool_)
    if len(values) == 0:
        return np.ones(len(hashes), dtype=np.bool_)
    at = np.minimum(np.searchsorted(values, hashes), len(values) - 1)
    return (values[at] != hashes) | (counts[at] <= max_df)


def _pair_codes(hashes: U64, docs: npt.NDArray[np.int32], max_df: int, n: int) -> Any:
    """``i * n + j`` (``i < j``) for every rare hash (in 2 to ``max_df`` documents) of
    ``hashes`` / ``docs``, sorted by hash and within a hash by document, one entry per
    (document, distinct hash)."""
    _, first, counts = np.unique(hashes, return_index=True, return_counts=True)
    rare = (counts >= 2) & (counts <= max_df)
    codes: list[npt.NDArray[np.int64]] = []
    for size in np.unique(counts[rare]).tolist():
        starts = first[rare & (counts == size)]
        members = docs[starts[:, None] + np.arange(size)].astype(np.int64)  # (groups, size)
        left, right = np.triu_indices(size, k=1)
        codes.append((members[:, left] * n + members[:, right]).ravel())
    return np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64)


def _spilled_pairs(
    spill: HashSpill,
    n: int,
    max_df: int,
    min_shared: int,
    progress: Progress | None = None,
    workers: int = 1,
) -> list[tuple[int, int, int]]:
    """:func:`candidate_pairs` of the documents' shingle hashes in ``spill``: each
    partition's pair codes counted (on ``workers`` processes), the counts summed over
    partitions in partition order."""
    codes: list[npt.NDArray[np.int64]] = []
    counts: list[npt.NDArray[np.int64]] = []
    pending = merged = 0
    reduce = functools.partial(_partition_pairs, n, max_df)
    for found, shared in spill.reduced(reduce, workers):
        codes.append(found)
        counts.append(shared)
        pending += len(found)
        if pending > max(1 << 22, 2 * merged):  # fold the pairs seen so far into one
            folded, total = _sum_counts(codes, counts)
            codes, counts = [folded], [total]
            merged = pending = len(folded)
        if progress is not None:
            progress.update()
    if not codes:
        return []
    pairs, shared = _sum_counts(codes, counts)
    keep = shared >= min_shared
    return [
        (int(code // n), int(code % n), int(count))
        for code, count in zip(pairs[keep].tolist(), shared[keep].tolist(), strict=True)
    ]


def _partition_pairs(
    n: int, max_df: int, hashes: U64, docs: npt.NDArray[np.int32]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """One partition's distinct pair codes (:func:`_pair_codes`) and how many rare
    shingles each pair shares there."""
    found, shared = np.unique(_pair_codes(hashes, docs, max_df, n), return_counts=True)
    return found, shared.astype(np.int64)


def _sum_counts(
    codes: list[npt.NDArray[np.int64]], counts: list[npt.NDArray[np.int64]]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Distinct codes and the sum of their counts."""
    if not codes:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    distinct, inverse = np.unique(np.concatenate(codes), return_inverse=True)
    total = np.bincount(inverse.ravel(), weights=np.concatenate(counts), minlength=len(distinct))
    return distinct, total.astype(np.int64)


def _repeated_table(spill: HashSpill, workers: int = 1) -> tuple[U64, npt.NDArray[np.int64]]:
    """The hashes of ``spill`` found in two documents or more, sorted, and their document
    frequency (a hash missing from the table is in one document); the partitions are
    reduced on ``workers`` processes."""
    values: list[U64] = []
    counts: list[npt.NDArray[np.int64]] = []
    for repeated, count in spill.reduced(_partition_repeats, workers):  # hash ranges in order
        values.append(repeated)
        counts.append(count)
    if not values:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    return np.concatenate(values), np.concatenate(counts)


def _partition_repeats(
    hashes: U64, docs: npt.NDArray[np.int32]
) -> tuple[U64, npt.NDArray[np.int64]]:
    """One partition's hashes in two documents or more, and their document frequency."""
    distinct, count = np.unique(hashes, return_counts=True)
    repeated = count >= 2
    return distinct[repeated], count[repeated].astype(np.int64)


def candidate_pairs(
    shingles: Sequence[U64], max_df: int, min_shared: int
) -> list[tuple[int, int, int]]:
    """``(i, j, shared)``, ``i < j``, for the documents whose shingle hashes
    (:func:`.kgram_hashes`) share at least ``min_shared`` distinct rare shingles
    (found in 2 to ``max_df`` documents).  Sorted by ``(i, j)``; the hashes are
    spilled to disk as they come (:mod:`.spill`), so memory stays bounded."""
    with HashSpill(partitions_for(sum(len(h) for h in shingles))) as spill:
        for d, hashes in enumerate(shingles):
            spill.add(d, np.unique(hashes))
        return _spilled_pairs(spill, len(shingles), max_df, min_shared)


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


def furniture_free(hashes: U64, mask: npt.NDArray[np.bool_] | None, k: int) -> Any:
    """Per k-gram of a key: True unless it overlaps a masked (furniture) character."""
    if mask is None or len(hashes) == 0:
        return np.ones(len(hashes), dtype=np.bool_)
    inside = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
    return (inside[k : k + len(hashes)] - inside[: len(hashes)]) == 0


def furniture_masks(keys: Sequence[DocKey], furniture: FurnitureResult | None) -> list[Any]:
    """Per document of ``keys``: a boolean mask of its furniture characters, or None."""
    if furniture is None:
        return [None] * len(keys)
    masks: list[Any] = []
    texts = key_texts(keys)
    for d in range(len(keys)):
        spans = furniture.key_spans(d)
        if not spans:
            masks.append(None)
            continue
        mask = np.zeros(len(texts[d]), dtype=np.bool_)
        for start, end in spans:
            mask[start:end] = True
        masks.append(mask)
    return masks


def without_furniture(key: str, furniture: FurnitureResult | None, doc: int) -> str:
    """``key`` without the furniture found in document ``doc``."""
    if furniture is None:
        return key
    pieces, cursor = [], 0
    for start, end in furniture.key_spans(doc):
        pieces.append(key[cursor:start])
        cursor = end
    return "".join(pieces) + key[cursor:]


def reuse_keys(
    ids: Sequence[str],
    keys: Sequence[DocKey],
    options: AlignOptions | None = None,
    *,
    sources: Sequence[str | None] | None = None,
    meta: Sequence[DocMeta] | None = None,
    corpus: ReuseOptions | None = None,
    workers: int = 1,
    **overrides: Any,
) -> ReuseResult:
    """:func:`reuse` on prepared documents (``ids[i]`` names ``keys[i]``; ``meta[i]``
    its source, date and title, or ``sources`` alone): ``options`` a
    :class:`ReuseOptions` and single fields as keywords (or, as before, an
    :class:`.AlignOptions` with the search's fields in ``corpus``).  ``workers > 1``
    runs the furniture search, the hashing, the spill partitions' reductions, the
    alignment and the story candidate search in a process pool (forked: the documents
    are inherited, not sent); the result is the same for any ``workers``."""
    options = _reuse_options(options, corpus, overrides)
    return reuse_spent(ids, list(keys), options, meta=meta, sources=sources, workers=workers)


def reuse_spent(
    ids: Sequence[str],
    keys: Sequence[DocKey],
    options: ReuseOptions,
    *,
    sources: Sequence[str | None] | None = None,
    meta: Sequence[DocMeta] | None = None,
    workers: int = 1,
    spill: str | None = None,
) -> ReuseResult:
    """:func:`reuse_keys` that spends ``keys``: a list is emptied once the passages are
    aligned, so that the stories phase holds neither the keys nor their maps nor the
    raw texts (when the caller holds no other reference to them); ``zhnorm reuse``
    gives a :class:`.SpilledKeys` instead, which holds them on disk from the start
    (each phase reads the keys, raw texts or whole :class:`.DocKey` it needs, a block
    or a document at a time).  The furniture-free keys the stories read are written to
    a file of ``spill`` (:class:`.SpilledTexts`; None: the system's temporary
    directory), and only the raw texts of documents with a passage are kept for the
    passage clusters.  The result is that of :func:`reuse_keys`."""
    import time

    from ..stories.detect import (
        cluster_story,
        passage_evidence,
        stories_from_weights,
        story_weights,
    )
    from .furniture import find_furniture

    if meta is None:
        meta = (
            [DocMeta(source=s) for s in sources] if sources is not None else [DocMeta()] * len(ids)
        )
    sources = [m.source for m in meta]
    has_sources = any(s is not None for s in sources)
    started = time.perf_counter()
    with Progress("zhnorm reuse: furniture", unit=None):
        furniture = None
        if options.mask_furniture and keys:
            furniture = find_furniture(keys, sources if has_sources else None, workers=workers)
        masks = furniture_masks(keys, furniture)
        release_mapped_pages()  # the maps the furniture's spans were read from
        _give_back_freed_memory()  # the keys the furniture search built, if spilled
    texts = key_texts(keys)
    partitions = partitions_for(sum(map(len, texts)))
    with HashSpill(partitions) as shingle_spill, HashSpill(partitions) as seed_spill:
        with Progress("zhnorm reuse: shingles", total=len(keys), unit="docs") as hashing:
            hashed = _all_hashes(texts, masks, options, workers)
            for d, (shingles, seeds) in enumerate(hashed):
                shingle_spill.add(d, shingles)
                seed_spill.add(d, seeds)
                hashing.update()
        with Progress("zhnorm reuse: candidate pairs", total=partitions, unit="parts") as part:
            pairs = _spilled_pairs(
                shingle_spill, len(keys), options.max_df, options.min_shared, part, workers
            )
        with Progress("zhnorm reuse: seed frequencies", unit=None):
            values, counts = _repeated_table(seed_spill, workers)
    if options.cross_source and has_sources:
        pairs = [(i, j, n) for i, j, n in pairs if sources[i] is None or sources[i] != sources[j]]
    candidate_time = time.perf_counter() - started
    aligner = Aligner(ids, keys, options, masks, values, counts)
    with Progress("zhnorm reuse: aligning", total=len(pairs), unit="pairs") as aligning:
        passages = _align_all(aligner, [(i, j) for i, j, _ in pairs], workers, aligning)
    align_time = time.perf_counter() - started - candidate_time
    quoted = {p.a_id for p in passages} | {p.b_id for p in passages}
    raw = raw_texts(keys)
    raws = {doc_id: raw[d] for d, doc_id in enumerate(ids) if doc_id in quoted}
    # the stories read the furniture-free keys from a file, in order, a block at a time
    story_keys = SpilledTexts(
        (without_furniture(key, furniture, d) for d, key in enumerate(texts)), spill
    )
    del aligner, masks, values, counts, texts, raw
    if isinstance(keys, list):
        keys.clear()  # spent: from here on the quoted raw texts, not the keys or their maps
    release_mapped_pages()
    _give_back_freed_memory()
    with Progress("zhnorm reuse: passage clusters", unit=None):
        by_id = {doc_id: m for doc_id, m in zip(ids, meta, strict=True) if doc_id in quoted}
        clusters, assignment = passage_clusters(passages, raws, by_id)
        del raws, by_id
        passages = [replace(p, cluster=c) for p, c in zip(passages, assignment, strict=True)]
    with Progress("zhnorm reuse: stories", unit=None):
        index = {doc_id: d for d, doc_id in enumerate(ids) if doc_id in quoted}  # the passages'
        weights = story_weights(
            story_keys, meta, passage_evidence(passages, index), options, workers=workers
        )
        story_keys.close()
        window = None if options.window_days is None else timedelta(days=options.window_days)
        stories, story_of = stories_from_weights(
            ids, meta, weights, options.story_support, window=window,
            passages=passages, clusters=clusters,
        )  # fmt: skip
        of_id = {doc_id: s for doc_id, s in zip(ids, story_of, strict=True) if doc_id in quoted}
        passages = [
            replace(p, story=of_id[p.a_id] if of_id[p.a_id] == of_id[p.b_id] else None)
            for p in passages
        ]
        clusters = [replace(c, story=cluster_story(c, of_id)) for c in clusters]
    stats = {
        "candidate_seconds": round(candidate_time, 3),
        "align_seconds": round(align_time, 3),
        "story_seconds": round(time.perf_counter() - started - candidate_time - align_time, 3),
    }
    return ReuseResult(
        tuple(passages), tuple(stories), len(ids), len(pairs), stats, tuple(clusters), furniture
    )


def _give_back_freed_memory() -> None:
    """Return the C heap's free pages to the system (glibc ``malloc_trim``; nothing
    elsewhere): the maps of many small documents, once freed, stay in the heap and the
    story model's large arrays, mapped apart from it, could not reuse them."""
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return
    trim(0)


HASH_CHUNK = 256
"""Documents a worker process hashes per task (the shingles phase)."""


def _document_hashes(
    texts: Sequence[str], masks: Sequence[Any], options: ReuseOptions, first: int, last: int
) -> list[tuple[U64, U64]]:
    """Per document ``first:last`` (``texts``: the keys): its distinct furniture-free
    shingle hashes and its distinct seed k-gram hashes."""
    found = []
    for d, key in enumerate(texts[first:last], first):
        hashes = kgram_hashes(key, options.shingle)
        free = hashes[furniture_free(hashes, masks[d], options.shingle)]
        found.append((np.unique(free), np.unique(kgram_hashes(key, options.seed_len))))
    return found


def _hashes_inherited(token: int, span: tuple[int, int]) -> list[tuple[U64, U64]]:
    texts, masks, options = inherited(token)
    return _document_hashes(texts, masks, options, *span)


def _all_hashes(
    texts: Sequence[str], masks: Sequence[Any], options: ReuseOptions, workers: int
) -> Iterator[tuple[U64, U64]]:
    """:func:`_document_hashes` of every document's key (``texts``) in order, on
    ``workers`` forked processes when there are more than one (the keys are inherited,
    not sent)."""
    spans = [(k, min(len(texts), k + HASH_CHUNK)) for k in range(0, len(texts), HASH_CHUNK)]
    if workers <= 1 or len(spans) < 2 or not forks():
        for first, last in spans:
            yield from _document_hashes(texts, masks, options, first, last)
        return
    with handed_down((texts, masks, options)) as token, process_pool(workers) as pool:
        work = functools.partial(_hashes_inherited, token)
        for found in imap_ordered(work, iter(spans), pool, window=4 * workers):
            yield from found


ALIGN_CHUNK = 64
"""Candidate pairs a worker process aligns per task."""
GROUPS_KEPT = 1024
"""Documents whose sorted seed k-grams an aligner keeps (the most recently used)."""


class Aligner:
    """The alignment of candidate pairs, with everything it reads: each document's
    usable seed k-grams are sorted once, when a pair first needs them.  ``keys`` may be
    a :class:`.SpilledKeys`: a document's :class:`.DocKey` is then built when a pair
    reads it (the pairs come sorted by their first document, which is kept)."""

    def __init__(
        self,
        ids: Sequence[str],
        keys: Sequence[DocKey],
        options: ReuseOptions,
        masks: Sequence[Any],
        values: Any,
        counts: Any,
    ) -> None:
        self.ids, self.keys, self.options = ids, keys, options
        self.texts = key_texts(keys)
        self.masks = masks
        self.last: tuple[int, DocKey] | None = None
        self.values, self.counts = values, counts
        self.rarity = RarityTable(options.seed_len, values, counts)
        self.groups: OrderedDict[int, Groups] = OrderedDict()

    def _groups(self, d: int) -> Groups:
        """Document ``d``'s usable seed k-grams sorted (:func:`.kgram_groups`), kept for
        the last :data:`GROUPS_KEPT` documents: the pairs are sorted by their first
        document, so each is made about once, and memory stays bounded."""
        groups = self.groups.get(d)
        if groups is not None:
            self.groups.move_to_end(d)
            return groups
        length = self.options.seed_len
        seeds = kgram_hashes(self.texts[d], length)
        free = furniture_free(seeds, self.masks[d], length)
        usable = _usable(seeds, self.values, self.counts, self.options.max_df) & free
        groups = self.groups[d] = kgram_groups(seeds, usable)
        if len(self.groups) > GROUPS_KEPT:
            self.groups.popitem(last=False)
        return groups

    def _first(self, i: int) -> DocKey:
        """Document ``i``'s key, kept while consecutive pairs start with it."""
        if self.last is None or self.last[0] != i:
            self.last = (i, self.keys[i])
        return self.last[1]

    def align(self, pairs: Sequence[tuple[int, int]]) -> list[Passage]:
        """The significant passages of ``pairs``, in order."""
        found: list[Passage] = []
        for i, j in pairs:
            for p in align_keys(
                self._first(i),
                self.keys[j],
                self.options,
                groups_a=self._groups(i),
                groups_b=self._groups(j),
                a_id=self.ids[i],
                b_id=self.ids[j],
            ):
                significance = self.rarity.significance(p)
                if significance >= self.options.min_significance:
                    found.append(replace(p, significance=significance))
        return found


def _align_inherited(token: int, pairs: Sequence[tuple[int, int]]) -> list[Passage]:
    aligner: Aligner = inherited(token)
    found = aligner.align(pairs)
    release_mapped_pages()  # the maps read for these pairs, not kept after
    return found


def _align_all(
    aligner: Aligner, pairs: list[tuple[int, int]], workers: int, progress: Progress
) -> list[Passage]:
    """:meth:`Aligner.align` of ``pairs`` in chunks, on ``workers`` forked processes
    when there are more than one (elsewhere here: the aligner is inherited, not sent)."""
    chunks = [pairs[k : k + ALIGN_CHUNK] for k in range(0, len(pairs), ALIGN_CHUNK)]
    passages: list[Passage] = []
    if workers <= 1 or len(chunks) < 2 or not forks():
        for chunk in chunks:
            passages += aligner.align(chunk)
            release_mapped_pages()
            progress.update(len(chunk))
        return passages
    with handed_down(aligner) as token, process_pool(workers) as pool:
        work = functools.partial(_align_inherited, token)
        for chunk, found in zip(
            chunks, imap_ordered(work, iter(chunks), pool, window=4 * workers), strict=True
        ):
            passages += found
            progress.update(len(chunk))
    return passages


def _per_document(
    name: str, values: Mapping[str, Any] | Sequence[Any] | None, ids: Sequence[str]
) -> list[Any]:
    if values is None:
        return [None] * len(ids)
    if isinstance(values, Mapping):
        return [values.get(doc_id) for doc_id in ids]
    listed = list(values)
    if len(listed) != len(ids):
        raise ValueError(f"{name} must give one value per document ({len(ids)}), not {len(listed)}")
    return listed


def reuse(
    docs: Documents,
    options: ReuseOptions | None = None,
    *,
    sources: Mapping[str, str | None] | Sequence[str | None] | None = None,
    dates: Mapping[str, Any] | Sequence[Any] | None = None,
    titles: Mapping[str, str | None] | Sequence[str | None] | None = None,
    key_options: KeyOptions | None = None,
    config: KeyOptions | None = None,
    workers: int = 1,
    **overrides: Any,
) -> ReuseResult:
    """Passages shared between documents of ``docs``, passage clusters and stories.

    ``docs``: one text, texts, a mapping ``id -> text`` or ``(id, text)`` pairs (ids
    must be unique).  ``sources``, ``dates``, ``titles``: each document's outlet, date
    (anything :func:`zhnorm.io.dates.parse_date` reads; None: undated) and title, by
    id or in order.  ``options``: a :class:`ReuseOptions` - the alignment parameters
    of :func:`zhnorm.align`, the candidate search, what is reported and the stories;
    single fields as keywords override it (``reuse(docs, min_len=20)``).
    ``key_options``: how documents are keyed (``config``: its former keyword);
    ``workers > 1`` keys documents and runs every phase of :func:`reuse_keys` that can
    in a process pool (the result is the same).

    >>> docs = {"x": "頭條：康源電路項目計劃總投資50億元，預計明年第三季投產。",
    ...         "y": "康源电路项目计划总投资50亿元，预计明年第三季投产"}
    >>> result = reuse(docs)
    >>> [(p.a_id, p.b_id, p.a_text, p.story) for p in result.passages]
    [('x', 'y', '康源電路項目計劃總投資50億元，預計明年第三季投產', 0)]
    """
    from ..io.dates import parse_date

    options = resolve(ReuseOptions, options, overrides)
    items = as_documents(docs)
    ids = [doc_id for doc_id, _ in items]
    if len(set(ids)) != len(ids):
        raise ValueError("document ids must be unique")
    texts = [text for _, text in items]
    keying = _KeyWith(resolve_key_options(key_options, config=config))
    keys = map_ordered(keying, texts, workers, chunks_per_worker=8)
    meta = [
        DocMeta(
            None if source is None else str(source),
            None if date is None else parse_date(date),
            title or None,
        )
        for source, date, title in zip(
            _per_document("sources", sources, ids),
            _per_document("dates", dates, ids),
            _per_document("titles", titles, ids),
            strict=True,
        )
    ]
    return reuse_keys(ids, keys, options, meta=meta, workers=workers)


@dataclass(frozen=True)
class _KeyWith:
    """:func:`.doc_key` with fixed options, picklable for worker processes."""

    options: KeyOptions

    def __call__(self, text: str) -> DocKey:
        return doc_key(text, self.options)
