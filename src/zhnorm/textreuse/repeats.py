"""Paragraphs, and paragraphs repeated within a document or across a corpus.

:func:`paragraphs` splits a document *after* repair, so a paragraph that column layout
broke mid-sentence is one paragraph (:mod:`zhnorm.repair.layout`): every non-blank line
of the repaired text is a paragraph (any line break counts: ``\\r``, U+2028...), reported
with offsets into the raw input (a joined paragraph's raw span covers the break).  A
text without line breaks (most scraped news) is split into sentences instead, and so is
a line longer than ``long_line`` characters (:func:`~.segments.unit_spans`).  Page
furniture and stray fragments that layout repair reports are attached to their paragraph
as ``notes``.

:func:`repeated_paragraphs` groups paragraphs whose matching keys are equal (*exact*)
or at least ``threshold`` similar (*near*: rapidfuzz's normalised Indel similarity of the
keys), within one document and across documents.  Near-duplicate candidates come from
key 3-grams, hashed and grouped by sorting (memory bounded, time near linear): at
``threshold >= 0.9`` any two keys of 10+ characters that similar share a 3-gram, so no
pair is missed for want of a candidate, and no all-pairs comparison is made.  A group
found in at least ``boilerplate_docs`` documents is *boilerplate* (bylines,
disclaimers, ``详见A2版``): reported as such.  The parameters and their defaults are
:class:`RepeatOptions`.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz

from ..key import KeyOptions
from ..options import resolve
from ..repair import layout_notes
from ..unionfind import components
from .document import DocKey, Documents, as_documents
from .segments import LONG_LINE, doc_key_in_chunks, unit_spans

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
    ``key_options``: how paragraphs are keyed (``config``: its former keyword).  A text
    longer than :data:`~.segments.CHUNK_CHARS` is keyed in chunks
    (:func:`~.segments.doc_key_in_chunks`), so its memory stays bounded.

    >>> text = "標題\\n\\n現(xiàn)代快報訊，\\n\\n產(chǎn)業(yè)園。"
    >>> [(p.start, p.end, p.key) for p in paragraphs(text)]
    [(0, 2, '标题'), (4, 32, '现代快报讯产业园')]
    """
    return paragraphs_of(doc_key_in_chunks(text, key_options, config=config))


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


_P = np.uint64(1_000_003)
_PAIR_CHUNK = 1 << 21
"""Candidate pair codes gathered before they are counted (bounds the memory of one step)."""


def _count_codes(
    codes: npt.NDArray[np.int64], counts: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Distinct ``codes`` with their ``counts`` summed."""
    distinct, inverse = np.unique(codes, return_inverse=True)
    return distinct, np.bincount(inverse, weights=counts, minlength=len(distinct)).astype(np.int64)


def _shared_trigrams(
    keys: Sequence[str], max_df: int, slack: float = 1.0
) -> tuple[npt.NDArray[np.int64], ...]:
    """Pairs ``(u, v)``, ``u < v``, of ``keys`` sharing a distinct 3-gram found in at most
    ``max_df`` keys, with the count of those 3-grams they share; and per key, its distinct
    3-grams and how many of them are in more than ``max_df`` keys.  Pairs whose lengths
    differ by more than ``slack`` times their sum are left out as they are generated.
    Vectorised: 3-grams are hashed over the concatenated keys and grouped by sorting, and
    pair codes are counted in chunks of ``_PAIR_CHUNK``."""
    n_keys = len(keys)
    lens = np.fromiter(map(len, keys), dtype=np.int64, count=n_keys)
    empty = np.zeros(0, dtype=np.int64)
    codes = np.frombuffer("".join(keys).encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    n = len(codes) - 2
    if n <= 0:
        return empty, empty, empty, np.zeros(n_keys, np.int64), np.zeros(n_keys, np.int64)
    with np.errstate(over="ignore"):
        hashes = (codes[:n] * _P + codes[1 : n + 1]) * _P + codes[2:]
    owner = np.repeat(np.arange(n_keys, dtype=np.int64), lens)[:n]
    ends = np.cumsum(lens)
    inside = np.arange(n, dtype=np.int64) + 3 <= ends[owner]
    hashes, owner = hashes[inside], owner[inside]
    order = np.lexsort((owner, hashes))
    hashes, owner = hashes[order], owner[order]
    fresh = np.ones(len(hashes), dtype=np.bool_)
    fresh[1:] = (hashes[1:] != hashes[:-1]) | (owner[1:] != owner[:-1])
    hashes, owner = hashes[fresh], owner[fresh]
    sizes = np.bincount(owner, minlength=n_keys)
    _, first, df = np.unique(hashes, return_index=True, return_counts=True)
    common = df > max_df
    skipped = np.bincount(owner[np.repeat(common, df)], minlength=n_keys)
    rare = (df >= 2) & ~common
    pair_codes, pair_counts = empty, empty
    pending: list[npt.NDArray[np.int64]] = []
    pending_size = 0
    for size in np.unique(df[rare]).tolist():
        left, right = np.triu_indices(size, k=1)
        group_starts = first[rare & (df == size)]
        step = max(1, _PAIR_CHUNK // len(left))
        for at in range(0, len(group_starts), step):
            members = owner[group_starts[at : at + step, None] + np.arange(size)]
            us, vs = members[:, left].ravel(), members[:, right].ravel()
            close = np.abs(lens[us] - lens[vs]) <= slack * (lens[us] + lens[vs])
            pending.append(us[close] * n_keys + vs[close])
            pending_size += len(pending[-1])
            if pending_size >= _PAIR_CHUNK:
                batch = np.concatenate(pending)
                pending, pending_size = [], 0
                pair_codes, pair_counts = _count_codes(
                    np.concatenate([pair_codes, batch]),
                    np.concatenate([pair_counts, np.ones(len(batch), dtype=np.int64)]),
                )
    if pending:
        batch = np.concatenate(pending)
        pair_codes, pair_counts = _count_codes(
            np.concatenate([pair_codes, batch]),
            np.concatenate([pair_counts, np.ones(len(batch), dtype=np.int64)]),
        )
    return pair_codes // n_keys, pair_codes % n_keys, pair_counts, sizes, skipped


def _near_pairs(
    keys: Sequence[str], threshold: float, min_len: int, max_df: int
) -> list[tuple[int, int, float]]:
    """Pairs of distinct keys at least ``threshold`` similar (module docstring).

    Count filter: ``u`` and ``v`` with Indel distance ``D`` (Levenshtein ``<= D``) share
    at least ``max(|G_u|, |G_v|) - 3 D`` distinct 3-grams (each edit touches at most
    three); 3-grams in more than ``max_df`` keys are not counted, and lower the bound by
    as many as the key with fewer of them has.  Only pairs that share a counted 3-gram are
    candidates, and they are found by sorting hashes, never by comparing all pairs.
    """
    chosen = [i for i, key in enumerate(keys) if len(key) >= max(min_len, 3)]
    if len(chosen) < 2:
        return []
    sub = [keys[i] for i in chosen]
    us, vs, shared, sizes, skipped = _shared_trigrams(sub, max_df, 1.0 - threshold + 1e-9)
    if len(us) == 0:
        return []
    lens = np.fromiter(map(len, sub), dtype=np.int64, count=len(sub))
    edits = np.floor((1.0 - threshold) * (lens[us] + lens[vs]) + 1e-9).astype(np.int64)
    bound = np.maximum(sizes[us], sizes[vs]) - 3 * edits - np.minimum(skipped[us], skipped[vs])
    keep = (np.abs(lens[us] - lens[vs]) <= edits) & (shared >= bound)
    cutoff = threshold * 100
    pairs: list[tuple[int, int, float]] = []
    for u, v in zip(us[keep].tolist(), vs[keep].tolist(), strict=True):
        score = fuzz.ratio(sub[u], sub[v], score_cutoff=cutoff)
        if score:
            pairs.append((chosen[u], chosen[v], score / 100))
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
