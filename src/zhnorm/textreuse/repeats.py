"""Paragraphs, and paragraphs repeated within a document or across a corpus.

:func:`paragraphs` splits a document *after* repair, so a paragraph that column layout
broke mid-sentence is one paragraph (:mod:`zhnorm.repair.layout`): every non-blank line
of the repaired text is a paragraph (any line break counts: ``\r``, U+2028...), reported
with offsets into the raw input (a joined paragraph's raw span covers the break).  A
text without line breaks (most scraped news) is split into sentences instead, and so is
a line longer than ``long_line`` characters (:func:`~.segments.unit_spans`).  Page
furniture and stray fragments that layout repair reports are attached to their paragraph
as ``notes``.

:func:`repeated_paragraphs` groups paragraphs whose matching keys are equal (*exact*)
or at least ``threshold`` similar (*near*: rapidfuzz's normalised Indel similarity of the
keys), within one document and across documents.  Near-duplicate candidates come from an
inverted index of key 3-grams: at ``threshold >= 0.9`` any two keys of 10+ characters
that similar share a 3-gram, so no pair is missed for want of a candidate, and no
all-pairs comparison is made.  A group found in at least ``boilerplate_docs`` documents
is *boilerplate* (bylines, disclaimers, ``详见A2版``): reported as such.  The parameters
and their defaults are :class:`RepeatOptions`.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from rapidfuzz import fuzz

from ..key import KeyOptions
from ..options import resolve
from ..repair import layout_notes
from ..unionfind import components
from .document import DocKey, Documents, as_documents, doc_key
from .segments import LONG_LINE, unit_spans

__all__ = [
    "Occurrence",
    "Paragraph",
    "RepeatGroup",
    "RepeatOptions",
    "find_repeats",
    "paragraphs",
    "paragraphs_batch",
    "repeated_paragraphs",
]


@dataclass(frozen=True)
class RepeatOptions:
    """Parameters of :func:`repeated_paragraphs` (module docstring), with their defaults.

    ``threshold``: key similarity for near-duplicates (1.0: exact only); ``min_len``:
    shortest key considered; ``near_min_len``: shortest key matched approximately;
    ``boilerplate_docs``: documents a group must reach to be boilerplate; ``max_df``:
    3-grams in more keys are not counted by the near-duplicate candidate filter.
    """

    threshold: float = 0.9
    min_len: int = 2
    near_min_len: int = 10
    boilerplate_docs: int = 3
    max_df: int = 200

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must be within (0, 1], not {self.threshold}")


@dataclass(frozen=True)
class Paragraph:
    """One paragraph: ``text == raw[start:end]`` of the input, ``repaired`` its repaired
    text, ``key`` its matching key, ``notes`` layout notes inside it (``"furniture"``:
    a page reference such as ``详见A2版``; ``"fragment"``: an orphaned sentence tail)."""

    index: int
    start: int
    end: int
    text: str
    repaired: str
    key: str
    notes: tuple[str, ...] = ()

    @property
    def furniture(self) -> bool:
        """The paragraph is page furniture only (``详见A2版``, ``（下转第3版）``)."""
        return "furniture" in self.notes and len(self.key) <= 8

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "repaired": self.repaired,
            "key": self.key,
            "notes": list(self.notes),
        }


def paragraphs_of(doc: DocKey, long_line: int = LONG_LINE) -> list[Paragraph]:
    """:func:`paragraphs` of a prepared document."""
    notes = sorted(layout_notes(doc.repaired), key=lambda n: n.start)
    note_starts = [n.start for n in notes]
    spans = unit_spans(doc.repaired, long_line)
    if not spans:
        return []
    key_bounds = np.searchsorted(doc.key_rep_starts, np.asarray(spans).ravel()).tolist()
    found: list[Paragraph] = []
    for i, (lo, hi) in enumerate(spans):
        start, end = doc.raw_span_of_repaired(lo, hi)
        k0, k1 = key_bounds[2 * i], key_bounds[2 * i + 1]
        first = bisect.bisect_left(note_starts, lo)
        kinds = tuple(
            n.kind for n in notes[first : bisect.bisect_right(note_starts, hi)] if n.end <= hi
        )
        found.append(
            Paragraph(
                len(found), start, end, doc.raw[start:end], doc.repaired[lo:hi],
                doc.key[k0:k1], kinds,
            )
        )  # fmt: skip
    return found


def paragraphs(
    text: str, *, key_options: KeyOptions | None = None, config: KeyOptions | None = None
) -> list[Paragraph]:
    """The paragraphs of ``text`` after repair, with raw offsets (module docstring);
    ``key_options``: how paragraphs are keyed (``config``: its former keyword).

    >>> text = "標題\\n\\n現(xiàn)代快報訊，\\n\\n產(chǎn)業(yè)園。"
    >>> [(p.start, p.end, p.key) for p in paragraphs(text)]
    [(0, 2, '标题'), (4, 32, '现代快报讯产业园')]
    """
    return paragraphs_of(doc_key(text, key_options, config=config))


def paragraphs_batch(
    texts: Iterable[str],
    *,
    key_options: KeyOptions | None = None,
    config: KeyOptions | None = None,
) -> list[list[Paragraph]]:
    """:func:`paragraphs` of each text, in order."""
    return [paragraphs(text, key_options=key_options, config=config) for text in texts]


@dataclass(frozen=True)
class Occurrence:
    """Where a repeated paragraph occurs: document ``doc``, paragraph ``paragraph``,
    raw offsets ``start:end`` of that document, its ``text``, and ``score`` = similarity
    of its key to the group's first occurrence (1.0 when exact)."""

    doc: str
    paragraph: int
    start: int
    end: int
    text: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.doc,
            "paragraph": self.paragraph,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class RepeatGroup:
    """Paragraphs that repeat one another.  ``kind``: ``"exact"`` (equal keys) or
    ``"near"`` (some keys differ); ``count`` occurrences in ``documents`` documents;
    ``boilerplate``: found in at least ``boilerplate_docs`` documents; ``furniture``:
    page furniture by the layout rules; ``key``/``text`` of the first occurrence."""

    id: int
    kind: str
    key: str
    text: str
    count: int
    documents: int
    boilerplate: bool
    furniture: bool
    occurrences: tuple[Occurrence, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.id,
            "kind": self.kind,
            "boilerplate": self.boilerplate,
            "furniture": self.furniture,
            "count": self.count,
            "documents": self.documents,
            "key": self.key,
            "text": self.text,
            "occurrences": [o.to_dict() for o in self.occurrences],
        }


def _trigrams(key: str) -> set[str]:
    return {key[i : i + 3] for i in range(len(key) - 2)}


def _near_pairs(
    keys: Sequence[str], threshold: float, min_len: int, max_df: int
) -> list[tuple[int, int, float]]:
    """Pairs of distinct keys at least ``threshold`` similar (module docstring).

    Count filter: ``u`` and ``v`` with Indel distance ``D`` (Levenshtein ``<= D``) share
    at least ``max(|G_u|, |G_v|) - 3 D`` distinct 3-grams (each edit touches at most
    three); 3-grams in more than ``max_df`` keys are not counted, and lower the bound.
    """
    postings: dict[str, list[int]] = defaultdict(list)
    sizes: list[int] = [0] * len(keys)
    pairs: list[tuple[int, int, float]] = []
    cutoff = threshold * 100
    slack = 1.0 - threshold
    for u, key in enumerate(keys):
        if len(key) < min_len:
            continue
        grams = _trigrams(key)
        sizes[u] = len(grams)
        counts: dict[int, int] = defaultdict(int)
        skipped = 0
        for gram in grams:
            posting = postings[gram]
            if len(posting) <= max_df:
                for v in posting:
                    counts[v] += 1
            else:
                skipped += 1
            posting.append(u)
        for v, shared in counts.items():
            other = keys[v]
            edits = int(slack * (len(other) + len(key)))
            if abs(len(other) - len(key)) > edits:
                continue
            if shared < max(sizes[u], sizes[v]) - 3 * edits - skipped:
                continue
            score = fuzz.ratio(key, other, score_cutoff=cutoff)
            if score:
                pairs.append((v, u, score / 100))
    return pairs


def find_repeats(
    docs: Sequence[tuple[str, Sequence[Paragraph]]],
    options: RepeatOptions | None = None,
    **overrides: Any,
) -> list[RepeatGroup]:
    """:func:`repeated_paragraphs` over documents already split into paragraphs."""
    options = resolve(RepeatOptions, options, overrides)
    by_key: dict[str, list[tuple[int, Paragraph]]] = defaultdict(list)
    for d, (_, paras) in enumerate(docs):
        for para in paras:
            if len(para.key) >= options.min_len:
                by_key[para.key].append((d, para))
    keys = list(by_key)
    near = (
        _near_pairs(keys, options.threshold, options.near_min_len, options.max_df)
        if options.threshold < 1.0
        else []
    )
    members: dict[int, list[int]] = defaultdict(list)
    for index, root in enumerate(components(len(keys), ((u, v) for u, v, _ in near))):
        members[root].append(index)
    groups: list[RepeatGroup] = []
    for indices in members.values():
        found = sorted(
            (item for index in indices for item in by_key[keys[index]]),
            key=lambda item: (item[0], item[1].index),
        )
        if len(found) < 2:
            continue
        first = found[0][1]
        occurrences = tuple(
            Occurrence(
                docs[d][0],
                para.index,
                para.start,
                para.end,
                para.text,
                1.0 if para.key == first.key else fuzz.ratio(para.key, first.key) / 100,
            )
            for d, para in found
        )
        n_docs = len({d for d, _ in found})
        groups.append(
            RepeatGroup(
                0,
                "exact" if len(indices) == 1 else "near",
                first.key,
                first.repaired,
                len(found),
                n_docs,
                n_docs >= options.boilerplate_docs,
                all(para.furniture for _, para in found),
                occurrences,
            )
        )
    groups.sort(key=lambda g: (-g.count, g.occurrences[0].doc, g.occurrences[0].paragraph))
    return [
        RepeatGroup(
            i,
            g.kind,
            g.key,
            g.text,
            g.count,
            g.documents,
            g.boilerplate,
            g.furniture,
            g.occurrences,
        )
        for i, g in enumerate(groups)
    ]


def repeated_paragraphs(
    docs: Documents,
    options: RepeatOptions | None = None,
    *,
    key_options: KeyOptions | None = None,
    config: KeyOptions | None = None,
    **overrides: Any,
) -> list[RepeatGroup]:
    """Paragraphs repeated within a document or across ``docs`` (module docstring).

    ``docs``: one text, texts, a mapping ``id -> text`` or ``(id, text)`` pairs.
    ``options``: a :class:`RepeatOptions`; single fields as keywords override it
    (``repeated_paragraphs(docs, threshold=1.0)``: exact repeats only).
    ``key_options``: how paragraphs are keyed (``config``: its former keyword).

    >>> text = "甲乙丙丁戊己。\\n\\n庚。\\n\\n甲乙丙丁戊己。"
    >>> [(g.kind, g.count) for g in repeated_paragraphs(text)]
    [('exact', 2)]
    """
    options = resolve(RepeatOptions, options, overrides)
    split = [
        (doc_id, paragraphs(text, key_options=key_options, config=config))
        for doc_id, text in as_documents(docs)
    ]
    return find_repeats(split, options)
