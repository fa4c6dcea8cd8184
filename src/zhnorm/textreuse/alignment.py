"""Passage alignment: the stretches two documents share, in offsets of their raw text.

Both documents are keyed (:mod:`zhnorm.key`: repair, ``t2s``, width and case folded,
punctuation dropped), so a Traditional page with leaked pinyin and its Simplified
source share a key.  On the keys:

1. **Seeds** (:mod:`.seeds`): maximal exact matches of at least ``seed_len``
   characters, from hashed k-grams; k-grams repeated more than ``max_repeat`` times in
   a document (or common in a corpus) do not seed.
2. **Passages** grow greedily from the seed with the most evidence: a nearby seed
   (both gaps at most ``max_gap`` and at most ``3 x`` its own length, so a short chance
   match must sit close) joins when the passage stays at least ``threshold`` dense.
   Seeds need not be in the same order on both sides: reporters reorder the clauses of
   a sentence they reuse.
3. **Score** = density: the share of the two key spans covered by the passage's seeds,
   ``(covered_a + covered_b) / (len_a + len_b)`` - 1.0 for identical text, about the
   normalised edit similarity for copies with a few substitutions.
4. A passage is reported when it has at least ``min_len`` shared key characters on
   each side in k-grams that are not common (in a corpus, the dateline
   ``新浪体育讯北京时间`` does not count, so a shared date after it is no passage), one
   exact match of at least ``anchor`` such characters (a few short common phrases near
   one another are not a passage), and a score of at least ``threshold``.  Its ends are
   extended across isolated one-character edits, its key span is widened to whole raw
   characters and mapped to raw offsets through :class:`.DocKey` (taking in leaked
   readings after its last character and identical punctuation around it).

Seeds rather than one edit-distance alignment of the whole documents: a monotone
alignment (``Levenshtein.opcodes`` of the two keys) is faster per pair but cannot
follow passages whose clauses or sentences the two documents order differently, as
the seed outlets do; the comparison is in ``docs/reuse-measurements.md``.

The six parameters have their defaults in one place, :class:`AlignOptions`; every
function takes the object as ``options`` and single parameters as keywords
(``align(a, b, min_len=20)``), through :func:`zhnorm.options.resolve`.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..key import KeyOptions, resolve_key_options
from ..options import resolve
from .document import DocKey, doc_key
from .seeds import U64, Bool, Groups, Seed, common_suffix, find_seeds

__all__ = ["AlignOptions", "Passage", "align", "align_batch", "align_keys", "similarity"]


@dataclass(frozen=True)
class AlignOptions:
    """Parameters of :func:`align` (see the module docstring), with their defaults.

    ``min_len``: covered key characters each side must have; ``threshold``: minimum
    density score; ``seed_len``: shortest exact match used as evidence; ``max_gap``:
    key characters a passage may skip; ``max_repeat``: k-grams repeated more often in
    one text are common phrases and no evidence; ``anchor``: a passage holds an exact
    match at least this long (or ``min_len``).
    """

    min_len: int = 10
    threshold: float = 0.5
    seed_len: int = 5
    max_gap: int = 40
    max_repeat: int = 8
    anchor: int = 7

    def __post_init__(self) -> None:
        if self.seed_len < 2:
            raise ValueError(f"seed_len must be at least 2, not {self.seed_len}")
        if self.min_len < 1:
            raise ValueError(f"min_len must be at least 1, not {self.min_len}")
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be within 0..1, not {self.threshold}")
        if self.max_gap < 0 or self.max_repeat < 1:
            raise ValueError("max_gap must be >= 0 and max_repeat >= 1")


@dataclass(frozen=True)
class Passage:
    """A passage shared by documents ``a`` and ``b``.

    ``a_start:a_end`` and ``b_start:b_end`` are code-point offsets into the original,
    unrepaired inputs; ``a_text``/``b_text`` are those slices.  ``score`` is the density
    of shared text (module docstring), ``length`` the evidence: shared key characters
    in k-grams that are not common (at most the shorter side's covered characters).
    ``a_key``/``b_key`` are the matching keys of the two spans.  In a corpus run
    (:func:`zhnorm.reuse`) ``a_id``/``b_id`` name the documents, ``story`` is the
    story both belong to (None when they are in different stories),
    ``significance`` how much rare text the passage holds and ``cluster`` the passage
    cluster (:mod:`.passages`).
    """

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    score: float
    a_text: str
    b_text: str
    length: int
    a_key: str = ""
    b_key: str = ""
    a_id: str = "a"
    b_id: str = "b"
    story: int | None = None
    significance: float = 0.0
    cluster: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form ``zhnorm reuse`` writes (one line per passage); ``length``
        and the keys are left out (``from_dict`` restores ``length`` as 0)."""
        return {
            "a_id": self.a_id,
            "b_id": self.b_id,
            "a_start": self.a_start,
            "a_end": self.a_end,
            "b_start": self.b_start,
            "b_end": self.b_end,
            "score": round(self.score, 4),
            "a_text": self.a_text,
            "b_text": self.b_text,
            "story": self.story,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        return cls(
            int(data["a_start"]),
            int(data["a_end"]),
            int(data["b_start"]),
            int(data["b_end"]),
            float(data["score"]),
            str(data["a_text"]),
            str(data["b_text"]),
            int(data.get("length", 0)),
            str(data.get("a_key", "")),
            str(data.get("b_key", "")),
            str(data.get("a_id", "a")),
            str(data.get("b_id", "b")),
            None if data.get("story") is None else int(data["story"]),
            float(data.get("significance", 0.0)),
            None if data.get("cluster") is None else int(data["cluster"]),
        )


def _covered(intervals: list[tuple[int, int]]) -> int:
    total = 0
    cur_start = cur_end = -1
    for start, end in sorted(intervals):
        if start > cur_end:
            total += cur_end - cur_start
            cur_start, cur_end = start, end
        elif end > cur_end:
            cur_end = end
    return total + cur_end - cur_start


class _Union:
    """A union of intervals with its total length, grown one interval at a time."""

    def __init__(self, start: int, end: int) -> None:
        self.starts = [start]
        self.ends = [end]
        self.total = end - start

    def _overlapping(self, start: int, end: int) -> tuple[int, int]:
        """Index range of the stored intervals that touch ``start:end``."""
        lo = bisect.bisect_left(self.ends, start)
        hi = bisect.bisect_right(self.starts, end)
        return lo, hi

    def gain(self, start: int, end: int) -> int:
        """Length ``start:end`` would add."""
        lo, hi = self._overlapping(start, end)
        overlap = sum(
            max(0, min(end, self.ends[x]) - max(start, self.starts[x])) for x in range(lo, hi)
        )
        return end - start - overlap

    def add(self, start: int, end: int) -> None:
        self.total += self.gain(start, end)
        lo, hi = self._overlapping(start, end)
        if lo < hi:
            start = min(start, self.starts[lo])
            end = max(end, self.ends[hi - 1])
        self.starts[lo:hi] = [start]
        self.ends[lo:hi] = [end]


def _gap(start: int, end: int, other_start: int, other_end: int) -> int:
    return max(0, max(start, other_start) - min(end, other_end))


class _Group:
    """Seeds grown into one passage, with their extents and coverage."""

    def __init__(self, seed: Seed) -> None:
        self.a0, self.a1, self.b0, self.b1 = seed.a_start, seed.a_end, seed.b_start, seed.b_end
        self.union_a = _Union(seed.a_start, seed.a_end)
        self.union_b = _Union(seed.b_start, seed.b_end)
        self.longest = seed.core
        self.core = seed.core

    @property
    def cov_a(self) -> int:
        return self.union_a.total

    @property
    def cov_b(self) -> int:
        return self.union_b.total

    def trial(self, seed: Seed) -> float:
        """The density if ``seed`` joined."""
        covered = (
            self.cov_a
            + self.union_a.gain(seed.a_start, seed.a_end)
            + self.cov_b
            + self.union_b.gain(seed.b_start, seed.b_end)
        )
        span = (
            max(self.a1, seed.a_end)
            - min(self.a0, seed.a_start)
            + max(self.b1, seed.b_end)
            - min(self.b0, seed.b_start)
        )
        return covered / span

    def extended_by(self, seed: Seed) -> bool | None:
        """Whether ``seed`` reaches beyond the passage, on both sides (``True``) or on
        neither (``False``); ``None`` when only on one side: it repeats, on the other
        side, text the passage already holds, and joining would skew one boundary."""
        beyond_a = seed.a_start < self.a0 or seed.a_end > self.a1
        beyond_b = seed.b_start < self.b0 or seed.b_end > self.b1
        return beyond_a if beyond_a == beyond_b else None

    def joins(self, seed: Seed, options: AlignOptions) -> bool:
        """Near enough (both gaps within reach), on both sides or neither, and the
        passage stays dense enough."""
        reach = min(options.max_gap, 3 * seed.length)
        return (
            _gap(self.a0, self.a1, seed.a_start, seed.a_end) <= reach
            and _gap(self.b0, self.b1, seed.b_start, seed.b_end) <= reach
            and self.extended_by(seed) is not None
            and self.trial(seed) >= options.threshold
        )

    def add(self, seed: Seed) -> None:
        self.longest = max(self.longest, seed.core)
        self.core += seed.core
        self.union_a.add(seed.a_start, seed.a_end)
        self.union_b.add(seed.b_start, seed.b_end)
        self.a0, self.a1 = min(self.a0, seed.a_start), max(self.a1, seed.a_end)
        self.b0, self.b1 = min(self.b0, seed.b_start), max(self.b1, seed.b_end)

    @property
    def density(self) -> float:
        return (self.cov_a + self.cov_b) / (self.a1 - self.a0 + self.b1 - self.b0)


def _grow(seeds: list[Seed], options: AlignOptions) -> list[_Group]:
    """Greedy growth of passages from the longest seeds (module docstring).

    A passage grows in sweeps: rightwards over the seeds in order of their start in
    ``a`` (from its own start; the sweep follows the passage as it grows), then
    leftwards in order of their end, until a pass adds nothing.  A chain of seeds is
    taken in one sweep, so the work is about the seeds in reach, not their square.
    """
    by_start = sorted(range(len(seeds)), key=lambda x: (seeds[x].a_start, seeds[x].b_start))
    starts = [seeds[x].a_start for x in by_start]
    by_end = sorted(range(len(seeds)), key=lambda x: (seeds[x].a_end, seeds[x].b_end))
    ends = [seeds[x].a_end for x in by_end]
    used = [False] * len(seeds)
    groups: list[_Group] = []
    order = sorted(
        range(len(seeds)), key=lambda x: (-seeds[x].core, -seeds[x].length, seeds[x].a_start)
    )
    for origin in order:
        if used[origin]:
            continue
        used[origin] = True
        group = _Group(seeds[origin])
        changed = True
        while changed:
            changed = False
            pos = bisect.bisect_left(starts, group.a0)
            while pos < len(starts) and starts[pos] <= group.a1 + options.max_gap:
                x = by_start[pos]
                pos += 1
                if not used[x] and group.joins(seeds[x], options):
                    used[x] = True
                    group.add(seeds[x])
                    changed = True
            pos = bisect.bisect_right(ends, group.a1) - 1
            while pos >= 0 and ends[pos] >= group.a0 - options.max_gap:
                x = by_end[pos]
                pos -= 1
                if not used[x] and group.joins(seeds[x], options):
                    used[x] = True
                    group.add(seeds[x])
                    changed = True
        groups.append(group)
    return groups


def _common_prefix(a: str, i: int, b: str, j: int, limit: int) -> int:
    n = 0
    while n < limit and i + n < len(a) and j + n < len(b) and a[i + n] == b[j + n]:
        n += 1
    return n


_STEPS = ((1, 1), (1, 0), (0, 1))  # substitution, a extra, b extra
_RESUME = 3  # equal characters needed after an isolated edit to extend across it


def _extend_flanks(a: str, b: str, group: _Group) -> None:
    """Extend a passage's ends across isolated one-character edits that are followed
    by at least ``_RESUME`` equal characters (a copy edited near its end).  The span
    grows, the coverage does not: the score stays a lower bound of :func:`similarity`."""
    i, j = group.a1, group.b1
    while True:
        for di, dj in _STEPS:
            run = _common_prefix(a, i + di, b, j + dj, _RESUME)
            if run == _RESUME:
                run = _common_prefix(a, i + di, b, j + dj, len(a))
                i, j = i + di + run, j + dj + run
                break
        else:
            break
    group.a1, group.b1 = i, j
    i, j = group.a0, group.b0
    while True:
        for di, dj in _STEPS:
            run = common_suffix(a, i - di, b, j - dj, _RESUME)
            if run == _RESUME:
                run = common_suffix(a, i - di, b, j - dj, len(a))
                i, j = i - di - run, j - dj - run
                break
        else:
            break
    group.a0, group.b0 = i, j


_OPENING = ("Ps", "Pi")  # opening brackets and quotes


def _closing(char: str) -> bool:
    """Punctuation that may end a passage: not a letter, digit, space or opening mark."""
    category = unicodedata.category(char)
    return not char.isspace() and category[0] not in "LN" and category not in _OPENING


def _raw_flanks(a: str, a0: int, a1: int, b: str, b0: int, b1: int) -> tuple[int, ...]:
    """Take in punctuation both raw texts have, identical, around a passage: any
    closing or final mark after it, opening brackets and quotes before it."""
    while a1 < len(a) and b1 < len(b) and a[a1] == b[b1] and _closing(a[a1]):
        a1 += 1
        b1 += 1
    while (
        a0 > 0
        and b0 > 0
        and a[a0 - 1] == b[b0 - 1]
        and (unicodedata.category(a[a0 - 1]) in _OPENING)
    ):
        a0 -= 1
        b0 -= 1
    return a0, a1, b0, b1


def align_keys(
    a: DocKey,
    b: DocKey,
    options: AlignOptions | None = None,
    *,
    hashes_a: U64 | None = None,
    hashes_b: U64 | None = None,
    usable_a: Bool | None = None,
    usable_b: Bool | None = None,
    groups_a: Groups | None = None,
    groups_b: Groups | None = None,
    a_id: str = "a",
    b_id: str = "b",
) -> list[Passage]:
    """:func:`align` on prepared documents (the corpus search reuses the keys, the
    k-gram hashes, the corpus-common k-gram masks and the sorted k-grams)."""
    options = resolve(AlignOptions, options, {})
    seeds = find_seeds(
        a.key,
        b.key,
        k=options.seed_len,
        max_repeat=options.max_repeat,
        hashes_a=hashes_a,
        hashes_b=hashes_b,
        usable_a=usable_a,
        usable_b=usable_b,
        groups_a=groups_a,
        groups_b=groups_b,
    )
    passages: list[Passage] = []
    for group in _grow(seeds, options):
        length = min(group.cov_a, group.cov_b, group.core)
        if (
            length < options.min_len
            or group.longest < min(options.anchor, options.min_len)
            or group.density < options.threshold
        ):
            continue
        _extend_flanks(a.key, b.key, group)
        ka0, ka1 = a.snap(group.a0, group.a1)
        kb0, kb1 = b.snap(group.b0, group.b1)
        score = (group.cov_a + group.cov_b) / (ka1 - ka0 + kb1 - kb0)
        if score < options.threshold:
            continue
        a0, a1 = a.raw_span(ka0, ka1)
        b0, b1 = b.raw_span(kb0, kb1)
        a0, a1, b0, b1 = _raw_flanks(a.raw, a0, a1, b.raw, b0, b1)
        passages.append(
            Passage(
                a0,
                a1,
                b0,
                b1,
                score,
                a.raw[a0:a1],
                b.raw[b0:b1],
                length,
                a.key[ka0:ka1],
                b.key[kb0:kb1],
                a_id,
                b_id,
            )
        )
    passages.sort(key=lambda p: (p.a_start, p.b_start, p.a_end, p.b_end))
    return passages


def align(
    a: str,
    b: str,
    options: AlignOptions | None = None,
    *,
    key_options: KeyOptions | None = None,
    config: KeyOptions | None = None,
    **overrides: Any,
) -> list[Passage]:
    """Passages shared by texts ``a`` and ``b``, in offsets of the raw inputs.

    >>> a, b = "頭條：康源電路項目計劃總投資50億元。", "康源电路项目计划总投资50亿元"
    >>> [(p.a_start, p.a_end, p.a_text) for p in align(a, b)]
    [(3, 18, '康源電路項目計劃總投資50億元')]
    >>> align(a, b, min_len=20)
    []

    ``options``: an :class:`AlignOptions`; single fields as keywords override it.
    ``key_options``: how the texts are keyed (:class:`zhnorm.key.KeyOptions`;
    ``config`` is its former keyword).
    """
    options = resolve(AlignOptions, options, overrides)
    keying = resolve_key_options(key_options, config=config)
    return align_keys(doc_key(a, keying), doc_key(b, keying), options)


def align_batch(
    pairs: Iterable[tuple[str, str]],
    options: AlignOptions | None = None,
    *,
    key_options: KeyOptions | None = None,
    config: KeyOptions | None = None,
    **overrides: Any,
) -> list[list[Passage]]:
    """:func:`align` over many ``(a, b)`` pairs, in order (the same arguments)."""
    options = resolve(AlignOptions, options, overrides)
    keying = resolve_key_options(key_options, config=config)
    return [align_keys(doc_key(a, keying), doc_key(b, keying), options) for a, b in pairs]


def similarity(a_key: str, b_key: str, *, seed_len: int = AlignOptions.seed_len) -> float:
    """Density of two keys: the share of their characters covered by exact matches of
    at least ``seed_len`` characters (order-free; 1.0 for equal non-empty keys).

    Any passage :func:`align` reports has ``similarity(a_key, b_key) >= score``.
    """
    if not a_key or not b_key:
        return 0.0
    seeds = find_seeds(a_key, b_key, k=seed_len, max_repeat=len(a_key) + len(b_key))
    cov_a = _covered([(s.a_start, s.a_end) for s in seeds]) if seeds else 0
    cov_b = _covered([(s.b_start, s.b_end) for s in seeds]) if seeds else 0
    return (cov_a + cov_b) / (len(a_key) + len(b_key))
