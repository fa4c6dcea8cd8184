"""Furniture: text an outlet prints around many of its articles (bylines, share lines,
app promotions, URL prefixes, photo credits, copyright lines), and set phrases several
outlets print.  It is found, counted and set apart so that reuse and stories do not
mistake it for content.

Everything is compared on the matching key (:class:`~.document.DocKey`), so the same
line in the other script, with other punctuation or spacing, is the same furniture.
Per source (``sources``; ``None``: the corpus is one source), with ``T = max(min_docs,
ceil(min_share * documents of the source))``:

* **Whole segments** (:func:`~.segments.sentence_spans`: lines, sentences, blocks glued
  by runs of spaces) whose key recurs in at least ``T`` documents.  A segment whose key
  is at least ``threshold`` similar to a furniture key (one character different: another
  reporter's name, a changed date) is an occurrence of that furniture
  (``near_min_len`` and longer keys).
* **Affixes** glued to the article with no separator: key prefixes of documents and of
  segments (``（中央社記者…電）``, ``更多新聞請下載APP``…), and key suffixes, that at
  least ``T`` documents share, ``min_affix`` key characters or longer.  A document takes
  the longest such prefix (suffix) it has; a longer one is only taken while it keeps at
  least ``keep`` of the documents of the shorter one (past the fixed part of a dateline
  the reporters' names branch off, and content follows).
* **Templates**: short segments (``template_len`` key characters or fewer) that begin
  and end with the same ``template_affix`` key characters in ``T`` documents, with
  different middles: bylines and photo credits with a name (``記者王明／攝影``).
* **Set phrases across outlets** (``source = None``): the same, over the whole corpus,
  for keys found in at least ``T`` documents (corpus-wide) of ``min_sources`` or more
  sources, ``min_source_docs`` documents in each.  Such a key is reported once, as a
  set phrase, not again per source.

:func:`find_furniture` returns a :class:`FurnitureResult`: the items, each with its
occurrences in raw offsets, and per document the spans to mask (:meth:`~FurnitureResult.
key_spans` in key offsets, :meth:`~FurnitureResult.raw_spans` in raw ones).  Defaults are
:class:`FurnitureOptions`; docs/reuse-measurements.md says how they were measured.
"""

from __future__ import annotations

import array
import functools
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz

from ..neardup.inherit import handed_down, inherited
from ..options import resolve
from ..unionfind import components
from ..workers import forks, imap_ordered, process_pool
from .document import DocKey, SpilledKeys, key_texts, release_mapped_pages
from .seeds import U64
from .segments import doc_key_in_chunks, sentence_spans
from .spill import ENTRIES_PER_PARTITION, HashSpill, SpilledTexts, partitions_for

__all__ = [
    "Furniture",
    "FurnitureOptions",
    "FurnitureResult",
    "SpanTable",
    "find_furniture",
    "furniture_of",
    "key_segments",
    "merge_spans",
]


@dataclass(frozen=True)
class FurnitureOptions:
    """Parameters of :func:`find_furniture` (module docstring), with their defaults.

    ``min_docs`` and ``min_share``: a key is furniture of a source when it is in at
    least ``max(min_docs, ceil(min_share * documents of the source))`` documents;
    ``min_len``: shortest whole-segment key; ``min_affix``: shortest prefix/suffix key;
    ``max_affix``: longest prefix/suffix looked for (key characters); ``keep``: share of
    documents a longer affix must keep to be preferred; ``threshold`` and
    ``near_min_len``: near repeats of a segment (key similarity, shortest key);
    ``min_sources``, ``min_source_docs``: set phrases across outlets;
    ``template_len``, ``template_affix``: bylines and credits with a name in the middle
    (short segments whose first and last ``template_affix`` key characters recur).
    """

    min_docs: int = 5
    min_share: float = 0.01
    min_len: int = 2
    min_affix: int = 4
    max_affix: int = 80
    keep: float = 0.5
    min_cover: float = 0.5
    short: int = 16
    edge_share: float = 0.2
    threshold: float = 0.9
    near_min_len: int = 10
    min_sources: int = 2
    min_source_docs: int = 2
    template_len: int = 12
    template_affix: int = 2

    def __post_init__(self) -> None:
        if self.min_docs < 2:
            raise ValueError(f"min_docs must be at least 2, not {self.min_docs}")
        if not 0.0 <= self.min_share <= 1.0:
            raise ValueError(f"min_share must be within [0, 1], not {self.min_share}")
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must be within (0, 1], not {self.threshold}")
        if not 0.0 <= self.keep <= 1.0:
            raise ValueError(f"keep must be within [0, 1], not {self.keep}")
        if self.min_len < 1 or self.min_affix < 1 or self.max_affix < self.min_affix:
            raise ValueError("need 1 <= min_len, 1 <= min_affix <= max_affix")

    def docs_needed(self, documents: int) -> int:
        """Documents a key must be found in to be furniture of a source of ``documents``."""
        return max(self.min_docs, math.ceil(self.min_share * documents))


Occurrences = list[tuple[int, int, int]]
_T_co = TypeVar("_T_co", covariant=True)


class _ByDocument(Protocol[_T_co]):
    """What the searches read each document's key from: a list, or a
    :class:`~.spill.SpilledTexts`."""

    def __getitem__(self, d: int, /) -> _T_co: ...


@dataclass(frozen=True)
class Furniture:
    """One furniture item: ``source`` (``None``: a set phrase across outlets), ``text``
    (the raw text of its first occurrence), ``key``, ``kind`` (``"segment"``,
    ``"prefix"`` or ``"suffix"``), ``documents`` it is found in, ``share`` of the
    source's documents, ``occurrences`` as ``(doc_index, raw_start, raw_end)``."""

    source: str | None
    text: str
    key: str
    kind: str
    documents: int
    share: float
    occurrences: Occurrences = field(default_factory=list)

    def to_dict(self, ids: Sequence[str] | None = None) -> dict[str, Any]:
        """JSON form; occurrences name their document by ``ids`` (default: its index)."""
        return {
            "source": self.source,
            "text": self.text,
            "key": self.key,
            "kind": self.kind,
            "documents": self.documents,
            "share": round(self.share, 4),
            "occurrences": [
                {"id": d if ids is None else ids[d], "start": s, "end": e}
                for d, s, e in self.occurrences
            ],
        }


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans with overlapping and touching ones merged.

    >>> merge_spans([(5, 7), (0, 2), (1, 3), (3, 4)])
    [(0, 4), (5, 7)]
    """
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


class SpanTable:
    """Each document's spans ``(start, end)`` in flat arrays, not a list of tuples a
    document: ``offsets`` (documents + 1: document ``d``'s spans are ``offsets[d]`` to
    ``offsets[d + 1]``), ``starts`` and ``ends``.  8 bytes a document and 16 a span
    (an empty list a document costs 64); a forked worker reading them copies no page.
    ``table[d]`` is document ``d``'s spans as a list of tuples; tables are equal when
    their spans are."""

    def __init__(self, bounds: npt.NDArray[np.int64], counts: npt.NDArray[np.int64]) -> None:
        self.starts = np.ascontiguousarray(bounds[:, 0])
        self.ends = np.ascontiguousarray(bounds[:, 1])
        self.offsets = np.r_[0, np.cumsum(counts)].astype(np.int64)

    @classmethod
    def of(cls, spans: Iterable[Sequence[tuple[int, int]]]) -> SpanTable:
        """The table of ``spans``, each document's in turn."""
        counts, flat = array.array("q"), array.array("q")
        for doc in spans:
            counts.append(len(doc))
            for start, end in doc:
                flat.append(start)
                flat.append(end)
        bounds = np.frombuffer(flat, dtype=np.int64).reshape(-1, 2)
        return cls(bounds, np.frombuffer(counts, dtype=np.int64))

    @classmethod
    def joined(cls, parts: Sequence[SpanTable]) -> SpanTable:
        """The documents of ``parts``, one table after the other."""
        if not parts:
            return cls(np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64))
        bounds = [np.stack([p.starts, p.ends], axis=1) for p in parts]
        return cls(np.concatenate(bounds), np.concatenate([np.diff(p.offsets) for p in parts]))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, d: int) -> list[tuple[int, int]]:
        lo, hi = int(self.offsets[d]), int(self.offsets[d + 1])
        return list(zip(self.starts[lo:hi].tolist(), self.ends[lo:hi].tolist(), strict=True))

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        return (self[d] for d in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SpanTable):
            return NotImplemented
        return (
            np.array_equal(self.offsets, other.offsets)
            and np.array_equal(self.starts, other.starts)
            and np.array_equal(self.ends, other.ends)
        )

    __hash__ = None  # type: ignore[assignment]

    def count(self, docs: Sequence[int]) -> int:
        """How many spans the documents ``docs`` have."""
        at = np.asarray(docs, dtype=np.int64)
        return int((self.offsets[at + 1] - self.offsets[at]).sum())

    def widths(self) -> npt.NDArray[np.int64]:
        """Each document's spans' total width (``end - start`` summed)."""
        running = np.r_[0, np.cumsum(self.ends - self.starts)]
        return np.asarray(running[self.offsets[1:]] - running[self.offsets[:-1]], dtype=np.int64)


class FurnitureResult:
    """What :func:`find_furniture` found: ``items`` (most documents first), and for each
    input document its ``sources`` entry, its key ``spans`` of furniture and raw ones
    (``raw_furniture``; sorted, merged) and its raw length (``raw_lengths``, for
    :meth:`summary`).  The spans are :class:`SpanTable` (lists of spans a document are
    taken and turned into one), the lengths an ``array("q")``: some 32 bytes a document
    where lists of tuples were about 170."""

    def __init__(
        self,
        items: list[Furniture],
        sources: list[str | None],
        spans: SpanTable | Iterable[Sequence[tuple[int, int]]],
        raw_lengths: Iterable[int],
        raw_furniture: SpanTable | Iterable[Sequence[tuple[int, int]]],
        by_source: bool = True,
    ) -> None:
        self.items = items
        self.sources = sources
        self.spans = spans if isinstance(spans, SpanTable) else SpanTable.of(spans)
        self.raw_lengths = array.array("q", raw_lengths)
        self.raw_furniture = (
            raw_furniture if isinstance(raw_furniture, SpanTable) else SpanTable.of(raw_furniture)
        )
        self.by_source = by_source

    def _fields(self) -> tuple[Any, ...]:
        return (
            self.items, self.sources, self.spans, self.raw_lengths, self.raw_furniture,
            self.by_source,
        )  # fmt: skip

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FurnitureResult):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"FurnitureResult({len(self.items)} items, {len(self.sources)} documents, "
            f"by_source={self.by_source})"
        )

    def key_spans(self, doc_index: int) -> list[tuple[int, int]]:
        """Key offsets of the furniture of document ``doc_index`` (sorted, merged):
        what to mask out of its key."""
        return self.spans[doc_index]

    def raw_spans(self, doc_index: int) -> list[tuple[int, int]]:
        """Raw offsets of the furniture of document ``doc_index`` (sorted, merged)."""
        return self.raw_furniture[doc_index]

    def summary(self) -> list[dict[str, Any]]:
        """Per source (``None``: documents without one, or all documents when no sources
        were given), like passim's boilerplate share:
        its ``documents``, furniture ``items`` found in them (``set_phrases``: how many of
        those are set phrases across outlets), ``characters``, furniture characters
        (``furniture``) and their ``share``."""
        rows: dict[str | None, dict[str, Any]] = {}
        furniture = self.raw_furniture.widths().tolist()
        for d, source in enumerate(self.sources):
            row = rows.setdefault(
                source,
                {"source": source, "documents": 0, "items": 0, "set_phrases": 0,
                 "characters": 0, "furniture": 0},
            )  # fmt: skip
            row["documents"] += 1
            row["characters"] += self.raw_lengths[d]
            row["furniture"] += furniture[d]
        for item in self.items:
            for source in {self.sources[d] for d, _, _ in item.occurrences}:
                rows[source]["items"] += 1
                rows[source]["set_phrases"] += self.by_source and item.source is None
        out = sorted(rows.values(), key=lambda r: (r["source"] is not None, str(r["source"])))
        for row in out:
            chars = row["characters"]
            row["share"] = round(row["furniture"] / chars, 4) if chars else 0.0
        return out


def key_segments(doc: DocKey) -> list[tuple[int, int]]:
    """Key spans of the segments of ``doc`` (:func:`~.segments.sentence_spans` of its raw
    text); segments without key characters are left out."""
    if not doc.key:
        return []
    spans = sentence_spans(doc.raw)
    if not spans:
        return []
    bounds = np.searchsorted(doc.key_starts, np.asarray(spans, dtype=np.int64).ravel())
    pairs = bounds.reshape(-1, 2).tolist()
    return [(int(a), int(b)) for a, b in pairs if a < b]


Span = tuple[int, int, int]
"""A segment or affix of a document: ``(document, key start, key end)``."""


@dataclass
class FoundItem:
    """A furniture item of one search (one source, or all documents for set phrases):
    its ``kind``, ``key``, key ``spans`` and the span whose raw text is shown
    (``example``; ``None``: the first occurrence)."""

    kind: str
    key: str
    spans: list[Span]
    example: Span | None = None


def _docs(spans: Iterable[Span]) -> int:
    return len({d for d, _, _ in spans})


# --- the searches, one group at a time ------------------------------------------------
# A search reads its documents' segments three times, grouped by a key: templates by
# their first and last ``template_affix`` key characters (template_item), whole segments
# by their key once the templates' spans are left out (segment_item, then NearRepeats
# over the furniture keys found), affix chains by their first ``min_affix`` key
# characters (affix_item, in affix_order); settle_search joins the three rounds.  Each
# group function reads its group alone: find_furniture groups in-process, the Spark
# engine in grouped tasks.


def template_item(
    ends: tuple[str, str], spans: Sequence[Span], segments: Sequence[str], needed: int
) -> FoundItem | None:
    """The template of the short segments ``spans`` (in document order; ``segments``:
    their keys) that begin with ``ends[0]`` and end with ``ends[1]``: furniture when they
    are in ``needed`` documents with different middles (``记者…摄影``)."""
    counts = Counter(segments)  # in the order first seen: a tie goes to the first
    if _docs(spans) < needed or len(counts) < 2:
        return None
    common = max(counts, key=counts.__getitem__)
    example = spans[segments.index(common)]
    return FoundItem("template", f"{ends[0]}…{ends[1]}", list(spans), example)


def segment_item(key: str, spans: Sequence[Span], needed: int) -> FoundItem | None:
    """The whole segments ``spans`` (in document order) whose key is ``key``: furniture
    when they are in ``needed`` documents."""
    if _docs(spans) < needed:
        return None
    return FoundItem("segment", key, list(spans))


class NearRepeats:
    """Near repeats of the whole-segment furniture ``keys`` of a search (in the order
    they were found): :meth:`match` tells which one a segment's key is one edit away
    from (another reporter's name, a changed date)."""

    def __init__(self, keys: Sequence[str], options: FurnitureOptions) -> None:
        self.keys = list(keys)
        self.known = set(self.keys)
        self.index: dict[str, list[int]] = defaultdict(list)
        self.cutoff = options.threshold * 100
        self.shortest = options.near_min_len
        if options.threshold >= 1.0:
            return
        for i, key in enumerate(self.keys):
            if len(key) >= options.near_min_len:
                for gram in {key[j : j + 3] for j in range(len(key) - 2)}:
                    self.index[gram].append(i)
        if self.index:
            lengths = [len(k) for k in self.keys]
            self.low = int(min(n for n in lengths if n >= self.shortest) * options.threshold)
            self.high = int(max(lengths) / options.threshold) + 1

    def __bool__(self) -> bool:
        return bool(self.index)

    def match(self, key: str) -> int:
        """The furniture key ``key`` is a near repeat of (its index), or -1."""
        if not self.index or key in self.known or not self.low <= len(key) <= self.high:
            return -1
        if len(key) < self.shortest:
            return -1
        # counted gram by gram in the key's order (not a set's): ties keep that order
        shared: dict[int, int] = defaultdict(int)
        for gram in dict.fromkeys(key[j : j + 3] for j in range(len(key) - 2)):
            for i in self.index.get(gram, ()):
                shared[i] += 1
        best, best_score = -1, 0.0
        for i, _ in sorted(shared.items(), key=lambda item: -item[1])[:5]:
            score = fuzz.ratio(key, self.keys[i], score_cutoff=self.cutoff)
            if score > best_score:
                best, best_score = i, score
        return best


AffixEntry = tuple[str, int, int, int]
"""A segment's start (``prefix``) or end (``suffix``, read backwards): ``(its first
max_affix key characters, document, key offset, segment length)``; the segment length is
negative for a document's first (last) segment."""


def affix_entries(
    kind: str, d: int, text: str, segs: Sequence[tuple[int, int]], width: int
) -> Iterator[AffixEntry]:
    """The :data:`AffixEntry` of each segment ``segs`` of document ``d`` (key ``text``),
    ``width`` (``max_affix``) characters at most."""
    last = len(segs) - 1
    for i, (a, b) in enumerate(segs):
        edge = i == 0 if kind == "prefix" else i == last
        length = -(b - a) if edge else b - a
        if kind == "prefix":
            yield text[a : min(b, a + width)], d, a, length
        else:
            yield text[max(a, b - width) : b][::-1], d, b, length


def template_ends(text: str, a: int, b: int, options: FurnitureOptions) -> tuple[str, str] | None:
    """The first and last ``template_affix`` key characters of the segment ``text[a:b]``
    when it is short enough to be a template's (``template_len``), else ``None``."""
    edge = options.template_affix
    if 2 * edge < b - a <= options.template_len:
        return text[a : a + edge], text[b - edge : b]
    return None


def searches_of(
    labels: Sequence[str | None], by_source: bool, options: FurnitureOptions
) -> tuple[list[str | None], bool]:
    """The searches :func:`find_furniture` runs over documents of the distinct
    ``labels`` (in the order of their first document; ``by_source``: sources were
    given): one per source, the source's documents (documents without a source take
    part in set phrases only), and whether one across sources, over all documents,
    follows."""
    own = [label for label in labels if not (label is None and by_source)]
    return own, sum(label is not None for label in labels) >= options.min_sources


def set_phrase(docs_per_source: Iterable[int], options: FurnitureOptions) -> bool:
    """Whether an item found across outlets, in ``docs_per_source`` documents of each
    source (``None`` among them) it is in, is a set phrase: ``min_source_docs``
    documents in ``min_sources`` sources or more."""
    return sum(n >= options.min_source_docs for n in docs_per_source) >= options.min_sources


def affix_item(
    kind: str,
    entries: Sequence[AffixEntry],
    needed: int,
    edge_needed: int,
    options: FurnitureOptions,
) -> FoundItem | None:
    """The affix of ``kind`` of ``entries`` (in document order), which share their first
    ``min_affix`` key characters (a chain never leaves them): the longest prefix (suffix)
    of the chain each entry has, where it covers ``min_cover`` of its segment or the
    segment is ``short`` - or opens (closes) the document in ``edge_needed`` documents -
    when that is in ``needed`` documents."""
    for chain in _affix_chains(entries, needed, options):  # one chain at most
        covered: list[tuple[Span, str]] = []
        edges: list[tuple[Span, str]] = []
        for m, length in chain:
            text, d, at, seg_len = entries[m]
            if kind == "prefix":
                found = ((d, at, at + length), text[:length])
            else:
                found = ((d, at - length, at), text[:length][::-1])
            if length >= options.min_cover * abs(seg_len) or abs(seg_len) <= options.short:
                covered.append(found)
            elif seg_len < 0:
                edges.append(found)
        spans = covered
        if edges and _docs(s for s, _ in edges) >= edge_needed:
            spans = covered + edges
        if _docs(s for s, _ in spans) >= needed:
            example, key = max(spans, key=lambda f: (f[0][2] - f[0][1], -f[0][0]))
            return FoundItem(kind, key, [s for s, _ in spans], example)
    return None


def affix_order(heads: Sequence[str], firsts: Sequence[Any]) -> list[int]:
    """The order in which the affix chains of the groups with first key characters
    ``heads`` are found (``firsts``: where each group is first seen, comparable, in
    document order): below ``min_affix`` characters the search branches on the next
    character, the branch seen last first, so a group's place is given by where each
    of its shorter prefixes is first seen."""
    earliest: dict[str, Any] = {}
    for head, first in zip(heads, firsts, strict=True):
        for n in range(1, len(head) + 1):
            seen = earliest.get(head[:n])
            if seen is None or first < seen:
                earliest[head[:n]] = first
    rank = {p: r for r, p in enumerate(sorted(set(earliest.values())))}
    return sorted(
        range(len(heads)),
        key=lambda g: [-rank[earliest[heads[g][:n]]] for n in range(1, len(heads[g]) + 1)],
    )


def settle_search(
    segments: list[FoundItem],
    templates: list[FoundItem],
    affixes: Sequence[FoundItem],
    needed: int,
    options: FurnitureOptions,
) -> list[FoundItem]:
    """The items of a search from its three rounds: an affix span that is a whole
    furniture segment or inside a template is left out (:func:`affix_spans_left`), and
    :func:`settle_affixes` says where the rest go.  ``segments`` take spans."""
    found = segments + templates
    left = affix_spans_left(segments, templates, affixes)
    targets, heads = settle_affixes(
        [item.key for item in found],
        [(item.kind, item.key, _docs(spans)) for item, spans in zip(affixes, left, strict=True)],
        needed,
        options,
    )
    items = found + [
        FoundItem(affixes[h].kind, affixes[h].key, [], affixes[h].example) for h in heads
    ]
    for target, spans in zip(targets, left, strict=True):
        if target >= 0:
            items[target].spans.extend(spans)
    return items


def affix_spans_left(
    segments: Sequence[FoundItem], templates: Sequence[FoundItem], affixes: Sequence[FoundItem]
) -> list[list[Span]]:
    """Each affix item's spans that are neither a whole segment of ``segments`` nor
    inside a span of ``templates``."""
    within: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for d, a, b in {span for item in templates for span in item.spans}:
        within[d].append((a, b))
    whole = {span for item in segments for span in item.spans}
    return [
        [
            (d, a, b)
            for d, a, b in item.spans
            if (d, a, b) not in whole and not any(s <= a and b <= t for s, t in within.get(d, ()))
        ]
        for item in affixes
    ]


def settle_affixes(
    keys: Sequence[str],
    affixes: Sequence[tuple[str, str, int]],
    needed: int,
    options: FurnitureOptions,
) -> tuple[list[int], list[int]]:
    """Where each affix's spans go, from the search's segment and template ``keys`` (in
    order) and each affix's kind, key and the documents its spans left
    (:func:`affix_spans_left`) reach: ``targets[i]`` is the item an affix joins - the last
    segment or template with its key (``< len(keys)``), else ``len(keys) + j``, the j-th
    new affix item; -1 when it is in fewer than ``needed`` documents.  ``heads[j]``: the
    affix whose kind, key and example the j-th new item takes.  New items of one kind whose
    keys are ``threshold`` similar (``near_min_len`` or longer) are one (an app promotion
    with one character changed), headed by the affix in most documents."""
    by_key = {key: i for i, key in enumerate(keys)}
    targets = [-1] * len(affixes)
    kept: list[int] = []
    for i, (_, key, docs) in enumerate(affixes):
        if key in by_key:
            targets[i] = by_key[key]
        elif docs >= needed:  # what is left when segments took their share
            kept.append(i)
    groups = [[i] for i in kept]
    if options.threshold < 1.0 and len(kept) >= 2:
        cutoff = options.threshold * 100
        pairs = [
            (x, y)
            for x in range(len(kept))
            for y in range(x + 1, len(kept))
            if affixes[kept[x]][0] == affixes[kept[y]][0]
            and min(len(affixes[kept[x]][1]), len(affixes[kept[y]][1])) >= options.near_min_len
            and fuzz.ratio(affixes[kept[x]][1], affixes[kept[y]][1], score_cutoff=cutoff)
        ]  # furniture items of one source are few: all pairs are cheap
        by_root: dict[int, list[int]] = defaultdict(list)
        for x, root in enumerate(components(len(kept), pairs)):
            by_root[root].append(kept[x])
        groups = list(by_root.values())
    heads: list[int] = []
    for j, group in enumerate(groups):
        heads.append(max(group, key=lambda i: affixes[i][2]))
        for i in group:
            targets[i] = len(keys) + j
    return targets, heads


# --- the searches over documents in one process ---------------------------------------


def _whole_segments(
    docs: Sequence[int],
    texts: _ByDocument[str],
    segs: SpanTable,
    needed: int,
    options: FurnitureOptions,
    taken: set[Span],
) -> list[FoundItem]:

    def segments(docs: Iterable[int]) -> Iterator[tuple[str, int, int, int]]:
        for d in docs:
            text = texts[d]
            for a, b in segs[d]:
                if b - a >= options.min_len and (d, a, b) not in taken:
                    yield text[a:b], d, a, b

    # Only keys whose hash is in ``needed`` documents are grouped (the others cannot be
    # furniture): the same items in the same order, without a dict of every segment.
    by_key: dict[str, list[Span]] = defaultdict(list)
    for key, d, a, b in _frequent(segments, docs, _first, needed, segs.count(docs)):
        by_key[key].append((d, a, b))
    found = [item for k, v in by_key.items() if (item := segment_item(k, v, needed))]
    del by_key
    if options.threshold >= 1.0 or not found:
        return found
    near = NearRepeats([f.key for f in found], options)
    if not near:
        return found
    # each segment one edit away from an item joins it (a key's segments all join the
    # same item: what is read downstream is the set of an item's spans, not their order)
    for key, d, a, b in segments(docs):
        best = near.match(key)
        if best >= 0:
            found[best].spans.append((d, a, b))
    return found


_Item = TypeVar("_Item", bound=tuple[Any, ...])


def _first(item: tuple[Any, ...]) -> Any:
    return item[0]


FREQUENT_BLOCK = 2048
"""Documents :func:`_frequent` hashes at a time (their hashes made distinct per
document before they are spilled)."""

FREQUENT_ENTRIES = 1 << 19
"""Entries of :func:`_frequent`'s spill (12 bytes each) buffered, and loaded, at once: a
partition holds about this many."""

FREQUENT_GROUP = 4
"""Documents (by number: ``d // FREQUENT_GROUP``) that :func:`_frequent` reads a second
time together or not at all."""


def _frequent(
    items: Callable[[Iterable[int]], Iterator[_Item]],
    docs: Sequence[int],
    key: Callable[[_Item], Any],
    needed: int,
    entries: int = 0,
) -> Iterator[_Item]:
    """The items of ``items(docs)`` (tuples, their document second, each document's
    together) whose ``key``'s hash is in ``needed`` distinct documents or more (a key
    that is, and one colliding with it; never a key that is in fewer), in order.

    The documents are hashed :data:`FREQUENT_BLOCK` at a time into a
    :class:`~.spill.HashSpill` (``entries``: at most how many items there are, for its
    partitions of about :data:`FREQUENT_ENTRIES`; 0: one, in memory) and each partition
    is counted alone, so memory does not grow with the documents: the frequent hashes,
    and the groups of :data:`FREQUENT_GROUP` documents that have one.  Only those
    groups' documents are read a second time."""
    frequent: set[int] = set()
    groups: set[int] = set()
    parts = partitions_for(entries * ENTRIES_PER_PARTITION // FREQUENT_ENTRIES)
    with HashSpill(parts, buffer=FREQUENT_ENTRIES) as spill:
        for first in range(0, len(docs), FREQUENT_BLOCK):
            _spill_hashes(spill, items(docs[first : first + FREQUENT_BLOCK]), key)
        # a partition: hashes sorted, each entry one document's (its group's number)
        for hashes, owners in spill.partitions():
            starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
            counts = np.diff(np.r_[starts, len(hashes)])
            common = counts >= needed
            if common.any():
                frequent.update(hashes[starts[common]].view(np.int64).tolist())
                groups.update(np.unique(owners[np.repeat(common, counts)]).tolist())
    if not frequent:
        return
    for item in items(d for d in docs if d // FREQUENT_GROUP in groups):
        if hash(key(item)) in frequent:
            yield item


def _spill_hashes(
    spill: HashSpill, items: Iterator[tuple[Any, ...]], key: Callable[..., Any]
) -> None:
    """The hashes of ``key`` of ``items`` (their document second), distinct per
    document, added to ``spill`` under their document's group (:data:`FREQUENT_GROUP`):
    a hash's entries are as many as its documents."""
    hashes, owners = array.array("q"), array.array("q")
    for item in items:
        hashes.append(hash(key(item)))
        owners.append(item[1])
    if not hashes:
        return
    h = np.frombuffer(hashes, dtype=np.int64)
    o = np.frombuffer(owners, dtype=np.int64)
    order = np.lexsort((h, o))
    h, o = h[order], o[order]
    distinct = np.r_[True, (h[1:] != h[:-1]) | (o[1:] != o[:-1])]
    g = o[distinct] // FREQUENT_GROUP
    unsigned: U64 = h[distinct].view(np.uint64)
    cuts = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1, len(g)].tolist()
    for lo, hi in itertools.pairwise(cuts):
        spill.add(int(g[lo]), unsigned[lo:hi])


def _affix_chains(
    entries: Sequence[AffixEntry], needed: int, options: FurnitureOptions
) -> list[list[tuple[int, int]]]:
    """Frequent prefixes of ``entries`` (``(string, doc, at, segment length)``): per
    chain of prefixes, ``(entry, prefix length)`` of each entry it covers.

    A chain starts at a prefix of ``min_affix`` characters found in ``needed`` documents
    and grows one character at a time while the most common next character keeps
    ``keep`` of its documents (and ``needed``); an entry takes the longest prefix of the
    chain it has."""
    chains: list[list[tuple[int, int]]] = []

    def docs_of(members: list[int]) -> int:
        return len({entries[m][1] for m in members})

    # (members, depth, chain): below min_affix every frequent branch is followed
    stack: list[tuple[list[int], int, int]] = [(list(range(len(entries))), 0, -1)]
    while stack:
        members, depth, chain = stack.pop()
        if depth == options.min_affix:
            chain = len(chains)
            chains.append([])
        children: dict[str, list[int]] = defaultdict(list)
        for m in members:
            text = entries[m][0]
            if len(text) > depth:
                children[text[depth]].append(m)
        if chain < 0:
            for child in children.values():
                if docs_of(child) >= needed:
                    stack.append((child, depth + 1, -1))
            continue
        follow: list[int] = []
        if children and depth < options.max_affix:
            best = max(children.values(), key=len)
            n = docs_of(best)
            if n >= needed and n >= options.keep * docs_of(members):
                follow = best
        followed = set(follow)
        chains[chain].extend((m, depth) for m in members if m not in followed)
        if follow:
            stack.append((follow, depth + 1, chain))
    return [c for c in chains if c]


def _affix_items(
    docs: Sequence[int],
    texts: _ByDocument[str],
    segs: SpanTable,
    needed: int,
    size: int,
    options: FurnitureOptions,
) -> list[FoundItem]:
    """Prefixes and suffixes of segments that recur in ``needed`` documents: where they
    cover at least ``min_cover`` of their segment's key or the segment is ``short``, or
    open (close) the document and recur in ``edge_share`` of its source's ``size``
    documents."""
    found: list[FoundItem] = []
    width = options.max_affix
    edge_needed = max(needed, math.ceil(options.edge_share * size))
    entries = segs.count(docs)  # an entry a segment
    for kind in ("prefix", "suffix"):

        def all_entries(docs: Iterable[int], kind: str = kind) -> Iterator[AffixEntry]:
            for d in docs:
                yield from affix_entries(kind, d, texts[d], segs[d], width)

        # An entry joins a chain only if its first min_affix characters are in ``needed``
        # documents (_affix_chains): the others are left out before, the same chains.
        shortest = options.min_affix
        groups: dict[str, list[AffixEntry]] = defaultdict(list)
        firsts: list[int] = []
        head = functools.partial(_head, shortest)
        for entry in _frequent(all_entries, docs, head, needed, entries):
            if len(entry[0]) >= shortest:
                group = groups[entry[0][:shortest]]
                if not group:
                    firsts.append(len(firsts))
                group.append(entry)
        heads = list(groups)
        # where a group is first seen: the groups are made in that order
        for g in affix_order(heads, firsts):
            item = affix_item(kind, groups[heads[g]], needed, edge_needed, options)
            if item is not None:
                found.append(item)
    return found


def _head(width: int, entry: AffixEntry) -> str:
    return entry[0][:width]


def _templates(
    docs: Sequence[int],
    texts: _ByDocument[str],
    segs: SpanTable,
    needed: int,
    options: FurnitureOptions,
) -> list[FoundItem]:
    """Short segments (``template_len`` key characters or fewer) that begin and end alike
    in ``needed`` documents, with different middles: bylines and credits with a name in
    them (``記者王明／攝影``, ``記者李華／台北報導``), reported as ``记者…摄影``."""

    def ends(docs: Iterable[int]) -> Iterator[tuple[tuple[str, str], int, int, int]]:
        for d in docs:
            text = texts[d]
            for a, b in segs[d]:
                if (pair := template_ends(text, a, b, options)) is not None:
                    yield pair, d, a, b

    groups: dict[tuple[str, str], list[Span]] = defaultdict(list)
    for pair, d, a, b in _frequent(
        ends, docs, _first, needed, segs.count(docs)
    ):  # as _whole_segments
        groups[pair].append((d, a, b))
    found: list[FoundItem] = []
    for pair, spans in groups.items():
        if _docs(spans) >= needed:
            item = template_item(pair, spans, [texts[d][a:b] for d, a, b in spans], needed)
            if item is not None:
                found.append(item)
    return found


def _find(
    docs: Sequence[int],
    texts: _ByDocument[str],
    segs: SpanTable,
    needed: int,
    options: FurnitureOptions,
) -> list[FoundItem]:
    templates = _templates(docs, texts, segs, needed, options)
    inside = {(d, a, b) for item in templates for d, a, b in item.spans}
    segments = _whole_segments(docs, texts, segs, needed, options, inside)
    affixes = _affix_items(docs, texts, segs, needed, len(docs), options)
    return settle_search(segments, templates, affixes, needed, options)


def find_furniture(
    texts_or_keys: Sequence[DocKey | str],
    sources: Sequence[str | None] | None = None,
    options: FurnitureOptions | None = None,
    *,
    workers: int = 1,
    **overrides: Any,
) -> FurnitureResult:
    """Furniture of a corpus, per source and across sources (module docstring).

    ``texts_or_keys``: prepared documents (:func:`~.document.doc_key`) or texts;
    ``sources``: each document's outlet (``None`` for all: one source; a document whose
    source is ``None`` among others takes part in set phrases only).  ``options``: a
    :class:`FurnitureOptions`; single fields as keywords override it.  ``workers > 1``
    splits the documents' segments and then the searches (one per source, one across
    sources) over that many forked processes; the result is the same for any
    ``workers``.

    >>> texts = [f"第{i}篇的正文各不相同，編號{i}。  分享 Facebook" for i in range(6)]
    >>> result = find_furniture(texts)
    >>> [(f.key, f.documents) for f in result.items]
    [('分享facebook', 6)]
    >>> [texts[0][a:b] for a, b in result.raw_spans(0)]
    ['分享 Facebook']
    """
    options = resolve(FurnitureOptions, options, overrides)
    keys: Sequence[DocKey]
    if isinstance(texts_or_keys, SpilledKeys):  # read from disk as needed, not listed
        keys = texts_or_keys
    else:
        keys = [k if isinstance(k, DocKey) else doc_key_in_chunks(k) for k in texts_or_keys]
    n = len(keys)
    if sources is None:
        labels: list[str | None] = [None] * n
    else:
        labels = list(sources)
        if len(labels) != n:
            raise ValueError(f"{len(labels)} sources for {n} documents")
    parallel = workers > 1 and n > 1 and forks()
    segs = _all_segments(keys, workers if parallel else 1)
    by_source: dict[str | None, list[int]] = defaultdict(list)
    for d, label in enumerate(labels):
        by_source[label].append(d)

    own, across = searches_of(list(by_source), sources is not None, options)
    searches: list[tuple[str | None, Sequence[int]]] = [(label, by_source[label]) for label in own]
    if across:
        searches.append((None, range(n)))
    texts = key_texts(keys)
    found_in = _searches(texts, segs, [docs for _, docs in searches], options, parallel, workers)
    items: list[tuple[str | None, int, FoundItem]] = []
    for (label, docs), per_label in zip(searches[: len(searches) - across], found_in, strict=False):
        items.extend((label, len(docs), found) for found in per_label)
    if across:
        shared: set[str] = set()
        for found in found_in[-1]:
            per_source: dict[str | None, set[int]] = defaultdict(set)
            for d, _, _ in found.spans:
                per_source[labels[d]].add(d)
            if set_phrase(map(len, per_source.values()), options):
                items.append((None, n, found))
                shared.add(found.key)
        # an outlet's furniture that is a set phrase across outlets is reported as that
        items = [item for item in items if item[0] is None or item[2].key not in shared]
    return _result(keys, labels, items, sources is not None)


SEGMENT_CHUNK = 512
"""Documents a worker process cuts into segments per task (:func:`find_furniture`)."""

SEGMENT_POOL_CHUNKS = 32
"""Tasks of :data:`SEGMENT_CHUNK` documents a pool of forked workers cuts before it is
replaced by a fresh one (:func:`_all_segments`): a worker that reads documents copies
the pages that hold them (their reference counts change), so a worker living through
the whole corpus would end up with a copy of it."""


def _segments_of(keys: Sequence[DocKey], first: int, last: int) -> SpanTable:
    return SpanTable.of([key_segments(keys[d]) for d in range(first, last)])


def _segments_inherited(token: int, span: tuple[int, int]) -> SpanTable:
    found = _segments_of(inherited(token), *span)
    release_mapped_pages()  # the maps read for these documents, not kept after
    return found


def _all_segments(keys: Sequence[DocKey], workers: int) -> SpanTable:
    """:func:`key_segments` of every document, on ``workers`` forked processes when
    there are more than one (the keys are inherited, not sent; a fresh pool every
    :data:`SEGMENT_POOL_CHUNKS` tasks)."""
    if workers <= 1:
        found = _segments_of(keys, 0, len(keys))
        release_mapped_pages()
        return found
    spans = [(k, min(len(keys), k + SEGMENT_CHUNK)) for k in range(0, len(keys), SEGMENT_CHUNK)]
    parts: list[SpanTable] = []
    with handed_down(keys) as token:
        work = functools.partial(_segments_inherited, token)
        for first in range(0, len(spans), SEGMENT_POOL_CHUNKS):
            tasks = iter(spans[first : first + SEGMENT_POOL_CHUNKS])
            with process_pool(workers) as pool:
                parts.extend(imap_ordered(work, tasks, pool, window=4 * workers))
    return SpanTable.joined(parts)


def _search_inherited(token: int, docs: Sequence[int]) -> list[FoundItem]:
    texts, segs, options = inherited(token)
    return _find(docs, texts, segs, options.docs_needed(len(docs)), options)


def _searches(
    texts: Sequence[str],
    segs: SpanTable,
    groups: list[Sequence[int]],
    options: FurnitureOptions,
    parallel: bool,
    workers: int,
) -> list[list[FoundItem]]:
    """:func:`_find` over each group of documents (``texts``: their keys), in order;
    with ``parallel``, on ``workers`` forked processes, the largest groups started
    first (each search is independent of the others: the same items whichever process
    finds them)."""
    if not parallel or len(groups) < 2:
        return [
            _find(docs, texts, segs, options.docs_needed(len(docs)), options) for docs in groups
        ]
    order = sorted(range(len(groups)), key=lambda g: -len(groups[g]))
    found: list[list[FoundItem]] = [[] for _ in groups]
    # the keys in a file, read back by position: a forked worker reading the key
    # objects would copy the pages that hold them (their reference counts change)
    spilled = texts if isinstance(texts, SpilledTexts) else SpilledTexts(texts)
    try:
        with handed_down((spilled, segs, options)) as token, process_pool(workers) as pool:
            work = functools.partial(_search_inherited, token)
            futures = {g: pool.submit(work, groups[g]) for g in order}
            for g, future in futures.items():
                found[g] = future.result()
    finally:
        if spilled is not texts:
            spilled.close()
    return found


RESULT_CHUNK = 4096
"""Documents :func:`_raw_occurrences` reads the key maps of before it lets go of their
pages."""


def _raw_occurrences(keys: Sequence[DocKey], spans: Iterable[Span]) -> dict[Span, tuple[int, int]]:
    """:func:`raw_occurrence` of each span ``(document, key start, key end)``, read in
    document order, the key maps' pages let go every :data:`RESULT_CHUNK` documents
    (:func:`~.document.release_mapped_pages`): where most documents have furniture, the
    maps of the whole corpus would otherwise be held at once."""
    found: dict[Span, tuple[int, int]] = {}
    chunk = 0
    for d, a, b in sorted(set(spans)):
        if d // RESULT_CHUNK != chunk:
            release_mapped_pages()
            chunk = d // RESULT_CHUNK
        found[d, a, b] = raw_occurrence(keys[d], a, b)
    release_mapped_pages()
    return found


def _result(
    keys: Sequence[DocKey],
    labels: list[str | None],
    items: list[tuple[str | None, int, FoundItem]],
    by_source: bool,
) -> FurnitureResult:
    raw = _raw_occurrences(
        keys,
        (span for _, _, f in items for span in [*f.spans, *([f.example] if f.example else [])]),
    )
    spans: dict[int, list[tuple[int, int]]] = defaultdict(list)  # the documents with some
    built: list[Furniture] = []
    for label, size, found in items:
        occurrences: Occurrences = []
        for d, a, b in sorted(set(found.spans)):
            occurrences.append((d, *raw[d, a, b]))
            spans[d].append((a, b))
        d0, s0, e0 = occurrences[0]
        if found.example is not None:
            d0 = found.example[0]
            s0, e0 = raw[found.example]
        documents = len({d for d, _, _ in occurrences})
        built.append(
            Furniture(
                label, keys[d0].raw[s0:e0], found.key, found.kind, documents,
                documents / size if size else 0.0, occurrences,
            )
        )  # fmt: skip
    del raw
    built.sort(key=lambda f: (-f.documents, f.source is None, str(f.source), f.key))
    merged = {d: merge_spans(spans[d]) for d in sorted(spans)}
    del spans
    raw = _raw_occurrences(keys, ((d, a, b) for d, doc in merged.items() for a, b in doc))
    raw_merged = {d: merge_spans(raw[d, a, b] for a, b in doc) for d, doc in merged.items()}
    del raw
    n = len(keys)
    return FurnitureResult(
        built,
        labels,
        SpanTable.of(merged.get(d, ()) for d in range(n)),
        (len(k.raw) for k in keys),
        SpanTable.of(raw_merged.get(d, ()) for d in range(n)),
        by_source,
    )


_BRACKETS = {
    "（": "）",
    "(": ")",
    "【": "】",
    "[": "]",
    "「": "」",
    "『": "』",
    "《": "》",
    "〈": "〉",
}


def _bracketed(raw: str, start: int, end: int) -> tuple[int, int]:
    """``start:end`` widened to the brackets right around it (``（中央社記者…電）``)."""
    if start > 0 and end < len(raw) and _BRACKETS.get(raw[start - 1]) == raw[end]:
        return start - 1, end + 1
    return start, end


def raw_occurrence(doc: DocKey, start: int, end: int) -> tuple[int, int]:
    """Raw offsets of the furniture at key offsets ``start:end`` of ``doc``: its raw span
    widened to the brackets right around it."""
    return _bracketed(doc.raw, *doc.raw_span(start, end))


def furniture_of(text: str, result: FurnitureResult, doc_index: int) -> list[str]:
    """The raw texts of the furniture of document ``doc_index`` of ``result``
    (``text``: that document's raw text)."""
    return [text[a:b] for a, b in result.raw_spans(doc_index)]
