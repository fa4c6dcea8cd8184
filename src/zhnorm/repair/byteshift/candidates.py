"""The candidates of a byte slot: what an unknown or known byte of the re-aligned stream
may decode to, scored by frequency class (:class:`Opts`), and the phrase-list bigrams
between two candidate sets (:class:`LexPairs`, :func:`lex_linked`).

A slot is one byte of the re-aligned stream: 0-255 when known, else a negative code
naming the set of bytes it may be (:mod:`zhnorm.chardata` holds GBK's byte ranges and
its decoded table).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

from ...chardata import (
    GBK_LEADS,
    GBK_TRAILS,
    GBK_USER_LEADS,
    QUOTES,
    SENTENCE_END,
    encode_char,
    gbk_pair,
    gbk_rows,
)
from ..plausibility import char_score, lexicon_index

__all__ = [
    "ANY_LEAD",
    "ANY_TRAIL",
    "EMPTY",
    "NEG",
    "USER_LEAD",
    "Hit",
    "LexPairs",
    "Opts",
    "fixed_pair",
    "lex_linked",
    "lex_pairs",
    "slot_options",
]

# A slot is one byte of the re-aligned stream: 0-255 when known, else a negative code
# naming the set of bytes it may be.
ANY_LEAD, USER_LEAD, ANY_TRAIL = -1, -2, -3
_SLOT_SETS: dict[int, tuple[int, ...]] = {
    ANY_LEAD: GBK_LEADS,
    USER_LEAD: GBK_USER_LEADS,
    ANY_TRAIL: GBK_TRAILS,
}


@lru_cache(maxsize=256)
def _column(trail: int) -> str:
    """``rows[lead][trail]`` for the GBK lead bytes, in order (see gbk_rows)."""
    rows = gbk_rows()
    return "".join(rows[lead][trail] for lead in GBK_LEADS)


class Opts:
    """The candidate characters of one byte pair, in search order, with their scores."""

    __slots__ = (
        "_hist",
        "_order",
        "chars",
        "charset",
        "has_end",
        "has_quote",
        "key",
        "pos",
        "scores",
        "top",
        "unknown",
    )

    def __init__(self, chars: Sequence[str], unknown: bool, key: tuple[int, int, int]) -> None:
        # A number for the (slot pair, tail filter) it was made for: the key of its data in
        # the process-wide caches, stable however often _OPTS is emptied.
        self.key = _KEYS.setdefault(key, len(_KEYS))
        self.chars: tuple[str, ...] = tuple(chars)
        self.scores: tuple[float, ...] = tuple(map(char_score, self.chars))
        self.unknown = unknown
        self.pos: dict[str, int] = dict(zip(self.chars, range(len(self.chars)), strict=True))
        self.charset = frozenset(self.chars)
        self.top = max(self.scores)
        self.has_end = not SENTENCE_END.isdisjoint(self.charset)
        self.has_quote = not QUOTES.isdisjoint(self.charset)
        self._hist: dict[float, int] | None = None
        self._order: list[int] | None = None

    @property
    def hist(self) -> dict[float, int]:
        """How many candidates have each score."""
        if self._hist is None:
            self._hist = dict(Counter(self.scores))
        return self._hist

    @property
    def order(self) -> list[int]:
        """Indexes by falling score, first index first among equals."""
        if self._order is None:
            # (a stable sort keeps equal scores in index order, also when reversed)
            self._order = sorted(range(len(self.chars)), key=self.scores.__getitem__, reverse=True)
        return self._order


_OPTS: dict[tuple[int, int, int], Opts | None] = {}
_KEYS: dict[tuple[int, int, int], int] = {}
_CACHE_LIMIT = 16384  # entries per process-wide cache before it is emptied


def slot_options(a: int, b: int, tail_next: int = -1) -> Opts | None:
    """Candidates for the slot pair ``(a, b)``; ``None`` when no character fits.

    With ``tail_next`` (the first byte of the correctly aligned text after the run),
    candidates whose last byte would form a valid pair with it are dropped, unless that
    leaves none: the lone byte shown as ``?`` at the end of a run is most often a lead
    byte that formed an invalid pair with the next lead byte.
    """
    key = (a, b, tail_next)
    if key in _OPTS:
        return _OPTS[key]
    found: Opts | None
    if tail_next >= 0:
        base = slot_options(a, b)
        found = base
        if base is not None:
            kept = [
                c
                for c in base.chars
                if gbk_pair((encode_char(c, "gbk") or b"\x00")[-1], tail_next) is None
            ]
            if kept and len(kept) != len(base.chars):
                found = Opts(kept, base.unknown, key)
    else:
        # Every decoding in (lead, trail) order, each character once (first place).
        rows = gbk_rows()
        decoded: Iterable[str]
        if a >= 0:
            decoded = map(rows[a].__getitem__, _SLOT_SETS.get(b, (b,)))
        elif b >= 0 and a in (ANY_LEAD, ANY_TRAIL):
            decoded = _column(b)  # (lead bytes below 0x81 decode to nothing)
        else:
            decoded = (rows[x][y] for x in _SLOT_SETS[a] for y in _SLOT_SETS.get(b, (b,)))
        seen = dict.fromkeys(decoded)
        seen.pop("\0", None)
        found = Opts(list(seen), a < 0 or b < 0, key) if seen else None
    if len(_OPTS) >= _CACHE_LIMIT:
        _OPTS.clear()  # (the other caches are keyed by content, not by object)
    _OPTS[key] = found
    return found


def fixed_pair(a: int, b: int) -> bool:
    """Cheap structural test: can the slot pair ``(a, b)`` be a character at all?"""
    if a >= 0 and b >= 0:
        return gbk_pair(a, b) is not None
    return slot_options(a, b) is not None


EMPTY: frozenset[str] = frozenset()
Hit = tuple[int, int, float]
NEG = -1e9


class LexPairs:
    """The document-independent bigrams between two candidate sets ``a`` and ``b``.

    ``hits``: ``(k, j, 1.5)`` for the phrase-list bigrams ``a[k] b[j]`` and ``(k, j,
    3.0)`` for a quote after a sentence end; ``best[k]``: the best ``char_score`` of a
    ``b[j]`` forming a phrase-list bigram with ``a[k]``; ``top``: the best
    ``char_score(a[k]) + best[k]``; :meth:`preds`: the ``k`` of such bigrams per ``j``.
    """

    __slots__ = ("_pairs", "_preds", "best", "hits", "quotes", "top")

    def __init__(self, a: Opts, b: Opts) -> None:
        lex_lefts, lex_rights = lexicon_index()
        pairs: list[tuple[int, int]] = []
        if len(a.chars) <= len(b.chars):
            for k, p in enumerate(a.chars):
                rights = lex_rights.get(p)
                if rights:
                    pairs.extend((k, b.pos[q]) for q in b.charset.intersection(rights))
        else:
            for j, q in enumerate(b.chars):
                lefts = lex_lefts.get(q)
                if lefts:
                    pairs.extend((a.pos[p], j) for p in a.charset.intersection(lefts))
        self.quotes: list[tuple[int, int]] = []
        if a.has_end and b.has_quote:
            self.quotes = [
                (a.pos[p], b.pos[q]) for p in a.charset & SENTENCE_END for q in b.charset & QUOTES
            ]
        self.hits: list[Hit] = [(k, j, 1.5) for k, j in pairs]
        self.hits += [(k, j, 3.0) for k, j in self.quotes]
        best: dict[int, float] = {}
        for k, j in pairs:
            if b.scores[j] > best.get(k, NEG):
                best[k] = b.scores[j]
        self.best = best
        self.top = max((a.scores[k] + v for k, v in best.items()), default=NEG)
        self._preds: dict[int, list[int]] | None = None
        self._pairs = pairs

    def preds(self, j: int) -> list[int]:
        if self._preds is None:
            index: dict[int, list[int]] = {}
            for k, jj in self._pairs:
                index.setdefault(jj, []).append(k)
            self._preds = index
        return self._preds.get(j, [])


_OptsPair = tuple[int, int]
_LEX_PAIRS: dict[_OptsPair, LexPairs] = {}


def lex_pairs(a: Opts, b: Opts) -> LexPairs:
    """:class:`LexPairs` of ``(a, b)``, cached per process (by the candidate sets' keys)."""
    key = (a.key, b.key)
    got = _LEX_PAIRS.get(key)
    if got is None:
        if len(_LEX_PAIRS) >= _CACHE_LIMIT // 4:
            _LEX_PAIRS.clear()
        got = _LEX_PAIRS[key] = LexPairs(a, b)
    return got


_LEX_LINKED: dict[_OptsPair, bool] = {}


def lex_linked(a: Opts, b: Opts) -> bool:
    """Does some ``a[k] b[j]`` form a phrase-list bigram?  (Cached like :func:`lex_pairs`,
    which it avoids building.)"""
    key = (a.key, b.key)
    got = _LEX_LINKED.get(key)
    if got is None:
        lex_lefts, lex_rights = lexicon_index()
        if len(a.chars) <= len(b.chars):
            got = any(not b.charset.isdisjoint(lex_rights.get(p, EMPTY)) for p in a.chars)
        else:
            got = any(not a.charset.isdisjoint(lex_lefts.get(q, EMPTY)) for q in b.chars)
        if len(_LEX_LINKED) >= 4 * _CACHE_LIMIT:
            _LEX_LINKED.clear()
        _LEX_LINKED[key] = got
    return got
