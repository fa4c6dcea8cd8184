"""What a corpus makes of pairwise passages: how significant each is, which passages are
one text printed by several documents (passage clusters), and who printed it first.

**Significance.**  Two articles that both name a law, a product or "title + person"
share a short exact string, but that is coincidence, not reuse.  What tells them apart
is how much text the passage holds that is *its own*: every key character weighs
the mean of ``n / df`` over the k-grams covering it, where ``df`` is the number of
documents of the corpus holding a k-gram and ``n`` that number for the rarest k-gram
of the whole passage (about the documents that print the passage).  A sentence
four outlets reprinted weighs its full length; the name of a law inside a passage,
found in twenty articles, weighs little; an ASCII letter or digit counts a third (a
product name ``Snapdragon`` is one word of evidence, not ten).  The passage's *rare
length* is the sum of those weights (the mean of its two sides), and its
significance is ``1 - exp(-rare / scale)``: about 0.39 for 10 rare characters, 0.78
for 30 and 0.92 for 50 with the default scale of 20.  The default minimum is measured
on the development set (``docs/reuse-measurements.md``).

**Clusters.**  The same text in N documents is one cluster, not N(N-1)/2 pairs: every
passage links a span of one document to a span of another; spans of one document that
overlap by at least half of the shorter are one occurrence; linked occurrences form a
cluster (union-find).

**Direction.**  With dates, a cluster's earliest member is its likely source (none
when the earliest date is shared), and each later member *follows* the latest earlier
member it shares a passage with directly; a pairwise row says ``a->b`` when ``a`` is
dated earlier.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from math import exp
from typing import Any

import numpy as np
import numpy.typing as npt

from ..io.dates import format_date
from ..unionfind import components
from .alignment import Passage
from .seeds import U64, kgram_hashes

__all__ = [
    "ClusterMember",
    "DocMeta",
    "PassageCluster",
    "RarityTable",
    "direction",
    "passage_clusters",
    "passage_row",
]

SIGNIFICANCE_SCALE = 20.0
"""Rare characters at which a passage's significance reaches ``1 - 1/e`` (0.63)."""
REPORTED_SIGNIFICANCE = 0.5
"""The least significance of a reported passage by default (``ReuseOptions``), and
the significance at which a shared passage is as likely as not a sign of one story
(measured on labelled news: ``docs/reuse-measurements.md``)."""
_ASCII_SHARE = 1 / 3  # an ASCII letter or digit against a Chinese character


@dataclass(frozen=True, slots=True)
class DocMeta:
    """What a corpus run knows of a document besides its text: its outlet, date
    (:func:`zhnorm.io.dates.parse_date`) and title.  Slotted: a corpus run holds one a
    document (56 bytes, not about 150 with a ``__dict__``)."""

    source: str | None = None
    date: datetime | None = None
    title: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "date": format_date(self.date), "title": self.title}


@dataclass(frozen=True)
class RarityTable:
    """Document frequency of every ``k``-gram of a corpus's keys (sorted hashes and
    their counts): the evidence :meth:`significance` weighs."""

    k: int
    values: U64
    counts: npt.NDArray[np.int64]

    @classmethod
    def from_hashes(cls, k: int, per_doc: Sequence[U64]) -> RarityTable:
        """The table of documents' ``k``-gram hashes (one array per document)."""
        distinct = [np.unique(h) for h in per_doc]
        if not distinct:
            return cls(k, np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64))
        values, counts = np.unique(np.concatenate(distinct), return_counts=True)
        return cls(k, values, counts.astype(np.int64))

    def frequency(self, hashes: U64) -> npt.NDArray[np.int64]:
        """Document frequency of each hash (at least 2: a passage is in two documents)."""
        if len(self.values) == 0 or len(hashes) == 0:
            return np.full(len(hashes), 2, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.values, hashes), len(self.values) - 1)
        found = self.values[at] == hashes
        return np.where(found, np.maximum(self.counts[at], 2), 2)

    def rare_length(self, key: str) -> float:
        """Sum over ``key``'s characters of the mean ``n / df`` of the k-grams covering
        it (module docstring: ``n`` is ``df`` of the rarest k-gram of ``key``); a key
        shorter than ``k`` counts 1 per character, an ASCII letter or digit a third."""
        share = np.array([_ASCII_SHARE if c.isascii() else 1.0 for c in key])
        if len(key) < self.k:
            return float(share.sum())
        frequency = self.frequency(kgram_hashes(key, self.k))
        weight = frequency.min() / frequency
        total = np.zeros(len(key))
        covering = np.zeros(len(key))
        for offset in range(self.k):  # character c is covered by k-grams c-k+1 .. c
            total[offset : offset + len(weight)] += weight
            covering[offset : offset + len(weight)] += 1
        return float((total / covering * share).sum())

    def significance(self, passage: Passage, scale: float = SIGNIFICANCE_SCALE) -> float:
        """``1 - exp(-rare / scale)`` of the mean rare length of the passage's sides."""
        rare = (self.rare_length(passage.a_key) + self.rare_length(passage.b_key)) / 2
        return round(1.0 - exp(-rare / scale), 4)


def direction(a: DocMeta, b: DocMeta) -> str | None:
    """``"a->b"`` when ``a`` is dated before ``b``, ``"b->a"`` the other way, else None."""
    if a.date is None or b.date is None or a.date == b.date:
        return None
    return "a->b" if a.date < b.date else "b->a"


def passage_row(passage: Passage, meta: Mapping[str, DocMeta]) -> dict[str, Any]:
    """The JSON row ``zhnorm reuse`` writes for a passage: :meth:`.Passage.to_dict`
    with its significance, cluster, direction and both documents' source and date."""
    a, b = meta.get(passage.a_id, DocMeta()), meta.get(passage.b_id, DocMeta())
    return {
        **passage.to_dict(),
        "significance": passage.significance,
        "cluster": passage.cluster,
        "a_source": a.source,
        "b_source": b.source,
        "a_date": format_date(a.date),
        "b_date": format_date(b.date),
        "direction": direction(a, b),
    }


@dataclass(frozen=True)
class ClusterMember:
    """One document's occurrence of a clustered passage (raw offsets)."""

    id: str
    start: int
    end: int
    text: str
    follows: str | None = None

    def to_dict(self, meta: DocMeta | None = None) -> dict[str, Any]:
        meta = meta or DocMeta()
        return {
            "id": self.id,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "source": meta.source,
            "date": format_date(meta.date),
            "follows": self.follows,
        }


@dataclass(frozen=True)
class PassageCluster:
    """Text printed by several documents: its members (earliest first when dated),
    the likely source (the earliest member, when its date is not shared) and the
    largest significance of the passages behind it."""

    id: int
    members: tuple[ClusterMember, ...]
    significance: float
    likely_source: str | None = None
    story: int | None = None
    passages: tuple[int, ...] = field(default=(), repr=False)

    @property
    def text(self) -> str:
        """The likely source's text, else the longest member's."""
        for member in self.members:
            if member.id == self.likely_source:
                return member.text
        return max(self.members, key=lambda m: (m.end - m.start, m.id)).text

    def to_dict(self, meta: Mapping[str, DocMeta] | None = None) -> dict[str, Any]:
        meta = meta or {}
        return {
            "cluster": self.id,
            "story": self.story,
            "significance": self.significance,
            "text": self.text,
            "likely_source": self.likely_source,
            "members": [m.to_dict(meta.get(m.id)) for m in self.members],
        }


def spans_overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """True when spans ``a`` and ``b`` share at least half of the shorter one."""
    shared = min(a[1], b[1]) - max(a[0], b[0])
    return shared * 2 >= min(a[1] - a[0], b[1] - b[0]) and shared > 0


def passage_clusters(
    passages: Sequence[Passage],
    texts: Mapping[str, str],
    meta: Mapping[str, DocMeta] | None = None,
) -> tuple[list[PassageCluster], list[int]]:
    """Group ``passages`` into clusters (module docstring) and return the clusters,
    numbered from 0 in order of their first passage, and each passage's cluster."""
    meta = meta or {}
    spans: list[tuple[str, int, int]] = []  # occurrence -> (doc, start, end)
    by_doc: dict[str, list[int]] = {}
    ends: list[tuple[int, int]] = []  # passage -> (occurrence a, occurrence b)

    def occurrence(doc: str, start: int, end: int) -> int:
        for o in by_doc.get(doc, []):
            _, s, e = spans[o]
            if spans_overlap((s, e), (start, end)):
                spans[o] = (doc, min(s, start), max(e, end))
                return o
        spans.append((doc, start, end))
        by_doc.setdefault(doc, []).append(len(spans) - 1)
        return len(spans) - 1

    for p in passages:
        ends.append(
            (occurrence(p.a_id, p.a_start, p.a_end), occurrence(p.b_id, p.b_start, p.b_end))
        )
    roots = components(len(spans), ends)
    order: dict[int, int] = {}
    for oa, _ in ends:
        order.setdefault(roots[oa], len(order))
    grouped: dict[int, list[int]] = {}
    for o in range(len(spans)):
        if roots[o] in order:
            grouped.setdefault(order[roots[o]], []).append(o)
    linked: dict[int, set[int]] = {}
    for oa, ob in ends:
        linked.setdefault(oa, set()).add(ob)
        linked.setdefault(ob, set()).add(oa)
    passages_of: dict[int, list[int]] = {}
    for number, (oa, _) in enumerate(ends):
        passages_of.setdefault(order[roots[oa]], []).append(number)

    def _before(o: int, date: datetime | None) -> bool:
        own = meta.get(spans[o][0], DocMeta()).date
        return own is not None and date is not None and own < date

    def when(o: int) -> tuple[int, datetime, str]:
        date = meta.get(spans[o][0], DocMeta()).date
        return (date is None, date or datetime.min, spans[o][0])

    clusters = []
    for number in range(len(order)):
        occurrences = sorted(grouped[number], key=when)
        dates = [meta.get(spans[o][0], DocMeta()).date for o in occurrences]
        source = None
        if dates[0] is not None and (len(dates) < 2 or dates[1] != dates[0]):
            source = spans[occurrences[0]][0]
        members = []
        for o in occurrences:
            doc, start, end = spans[o]
            date = meta.get(doc, DocMeta()).date
            earlier = [q for q in occurrences if q in linked[o] and _before(q, date)]
            follows = spans[max(earlier, key=when)][0] if earlier else None
            members.append(ClusterMember(doc, start, end, texts[doc][start:end], follows))
        significance = max(passages[i].significance for i in passages_of[number])
        clusters.append(
            PassageCluster(
                number, tuple(members), significance, source, None, tuple(passages_of[number])
            )
        )
    assignment = [order[roots[oa]] for oa, _ in ends]
    return clusters, assignment
