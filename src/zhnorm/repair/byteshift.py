"""Repair GBK text whose byte stream was decoded one byte out of step.

The phenomenon (seen in scraped news, e.g. SogouCA and pinyin-annotated mirrors):
the GBK bytes were decoded in chunks, a chunk ended inside a two-byte character, its
lone lead byte came out as ``?`` and the next chunk started on a *trail* byte.  From
there every "character" is a trail byte glued to the next lead byte, e.g.
``。”南通`` = ``A1A3 A1B1 C4CF CDA8`` shows as ``?`` + ``A3A1 B1C4 CFCD`` =
``?！蹦贤`` (``！`` later normalised to ``!``).  The stream falls back into step at
an ASCII byte that was really a GBK trail byte (``進`` = ``DF 4D`` -> ``斑M``), or at
another lone lead byte shown as ``?``; decoder output in the user-defined areas
(private-use code points) was usually stripped on the way.

Evidence used, per candidate run ``?`` + shifted characters:

* the shifted characters re-encode to GBK; prefixing the unknown lost byte re-aligns
  them; the aligned reading must decode and be clearly more plausible
  (:func:`zhnorm.repair.plausibility.plausibility`) than the shifted one;
* bytes that are unknown (the lead byte shown as ``?``, a final lone byte, a stripped
  private-use pair) are inferred with a small lattice search scored by character
  frequency class, bigrams seen elsewhere in the same document, bigrams of phrase
  lists shipped with dependencies, and the typographic rule that a quote mark follows
  ``。！？`` (the lost lead byte in front of ``”“`` is usually that of ``。``);
* the search picks the best path, but an inferred character is *kept* only when the
  document singles it out (:func:`_sure`): a quote after a sentence end, or a bigram
  of two letters that occurs elsewhere in the document, a margin of 1.0 over the
  runner-up, and no neighbour preferring another candidate.  A phrase-list bigram is
  not enough: a lost byte leaves ~100 candidates, some of which form a phrase with any
  neighbour by chance (on shifted real sentences about half of the characters chosen
  that way were wrong).  Otherwise the character is emitted as U+FFFD and the edit is
  ``lossy=True`` with ``detail["unrecovered"]`` giving the count;
* a stripped private-use pair splits a decodable, fully known pair into two inferred
  characters, so it is believed only when both (and the head and tail) are kept by
  that rule and the known character it discards has no bigram with a known
  neighbour (:meth:`_Position.contradicted`).  Known bytes are never replaced by
  guessed ones otherwise, and a pair none of whose bytes is known is never proposed.

On 300 THUCNews sentences shifted at a random lead byte (the test
``test_synthetic_thucnews_shifts``) 74 runs are repaired, 422 of 1,267 damaged
characters restored exactly, 138 left U+FFFD and none restored wrongly.

Cost.  Most ``?`` in Chinese text are real question marks, so the work is staged,
each stage exact (the result is that of scoring every hypothesis with the full
lattice search, :func:`_search`, which the tests check):

1. structure, no tables (:func:`_scan`, :func:`_hypotheses`): a hypothesis's fully
   known byte pairs must decode (a shifted reading of clean text breaks on an invalid
   pair within a few characters, and the scan stops there), and some hypothesis must
   be long enough for the final gate (three characters);
2. a sound upper bound of the final gate (:func:`_may_pass`): on clean text the
   re-aligned characters that do decode are rare ones and the position is dropped;
3. scoring without lattices (:class:`_Position`): single-candidate layers split a
   lattice into independent segments; the hypotheses of a run share a prefix/suffix
   chain, each differs in one short segment, and a segment of one or two
   multi-candidate layers has a closed form over the few candidates that earn a
   bigram bonus (:func:`_segment1`, :func:`_segment2`); a stripped-pair hypothesis is
   first bounded (:func:`_segment_bound`) against the best score so far;
4. only the winner gets its path and rendering (for a stripped pair, the contenders
   above the best plain hypothesis are checked for full resolution best first).

The phrase-list bigram tables (:func:`zhnorm.repair.plausibility.lexicon_index`) are
loaded at the first position that survives stage 1, from an on-disk cache.  On seed
001 (4,400 characters, ten runs) a call takes about 3 ms; on the 3,000 clean THUCNews
and DRCD documents (1.9 M characters, 147 ``?``) all calls together about 5 ms.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..chardata import (
    GBK_LEADS,
    GBK_TRAILS,
    GBK_USER_LEADS,
    LOST_MARK,
    QUOTES,
    SENTENCE_END,
    gbk_pair,
    gbk_rows,
)
from .plausibility import char_score, lexicon_index, pair_fluency, plausibility
from .types import Edit, apply_edits

__all__ = ["find_byteshift", "fix_byteshift"]

_MAX_RUN = 160
_MAX_STRIPPED_BODY = 24  # bytes; longer runs are not searched for a stripped pair
_MIN_CHARS = 3  # a run (and its repair) needs at least this many characters
_FULLWIDTH_ASCII = frozenset("!,;:")

# A slot is one byte of the re-aligned stream: 0-255 when known, else a negative code
# naming the set of bytes it may be.
_LEADS, _USER, _TRAILS = -1, -2, -3
_SLOT_SETS: dict[int, tuple[int, ...]] = {
    _LEADS: GBK_LEADS,
    _USER: GBK_USER_LEADS,
    _TRAILS: GBK_TRAILS,
}

_Pair = tuple[int, int]


@lru_cache(maxsize=256)
def _column(trail: int) -> str:
    """``rows[lead][trail]`` for the lead bytes 0x81-0xFE, in order (see gbk_rows)."""
    rows = gbk_rows()
    return "".join(rows[lead][trail] for lead in range(0x81, 0xFF))


@lru_cache(maxsize=65536)
def _gbk(ch: str) -> bytes | None:
    try:
        return ch.encode("gbk")
    except UnicodeEncodeError:
        return None


class _Opts:
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


_OPTS: dict[tuple[int, int, int], _Opts | None] = {}
_KEYS: dict[tuple[int, int, int], int] = {}
_CACHE_LIMIT = 16384  # entries per process-wide cache before it is emptied


def _opts(a: int, b: int, tail_next: int = -1) -> _Opts | None:
    """Candidates for the slot pair ``(a, b)``; ``None`` when no character fits.

    With ``tail_next`` (the first byte of the correctly aligned text after the run),
    candidates whose last byte would form a valid pair with it are dropped, unless that
    leaves none: the lone byte shown as ``?`` at the end of a run is most often a lead
    byte that formed an invalid pair with the next lead byte.
    """
    key = (a, b, tail_next)
    if key in _OPTS:
        return _OPTS[key]
    found: _Opts | None
    if tail_next >= 0:
        base = _opts(a, b)
        found = base
        if base is not None:
            kept = [c for c in base.chars if gbk_pair((_gbk(c) or b"\x00")[-1], tail_next) is None]
            if kept and len(kept) != len(base.chars):
                found = _Opts(kept, base.unknown, key)
    else:
        # Every decoding in (lead, trail) order, each character once (first place).
        rows = gbk_rows()
        if a >= 0 and b == _LEADS:
            decoded: Iterable[str] = rows[a][0x81:0xFF]
        elif a >= 0:
            decoded = map(rows[a].__getitem__, _SLOT_SETS.get(b, (b,)))
        elif b >= 0 and a in (_LEADS, _TRAILS):
            decoded = _column(b)  # (lead bytes below 0x81 decode to nothing)
        else:
            decoded = (rows[x][y] for x in _SLOT_SETS[a] for y in _SLOT_SETS.get(b, (b,)))
        seen = dict.fromkeys(decoded)
        seen.pop("\0", None)
        found = _Opts(list(seen), a < 0 or b < 0, key) if seen else None
    if len(_OPTS) >= _CACHE_LIMIT:
        _OPTS.clear()  # (the other caches are keyed by content, not by object)
    _OPTS[key] = found
    return found


def _fixed(a: int, b: int) -> bool:
    """Cheap structural test: can the slot pair ``(a, b)`` be a character at all?"""
    if a >= 0 and b >= 0:
        return gbk_pair(a, b) is not None
    return _opts(a, b) is not None


_EMPTY: frozenset[str] = frozenset()
_Hit = tuple[int, int, float]
_NEG = -1e9


class _LexPairs:
    """The document-independent bigrams between two candidate sets ``a`` and ``b``.

    ``hits``: ``(k, j, 1.5)`` for the phrase-list bigrams ``a[k] b[j]`` and ``(k, j,
    3.0)`` for a quote after a sentence end; ``best[k]``: the best ``char_score`` of a
    ``b[j]`` forming a phrase-list bigram with ``a[k]``; ``top``: the best
    ``char_score(a[k]) + best[k]``; :meth:`preds`: the ``k`` of such bigrams per ``j``.
    """

    __slots__ = ("_pairs", "_preds", "best", "hits", "quotes", "top")

    def __init__(self, a: _Opts, b: _Opts) -> None:
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
        self.hits: list[_Hit] = [(k, j, 1.5) for k, j in pairs]
        self.hits += [(k, j, 3.0) for k, j in self.quotes]
        best: dict[int, float] = {}
        for k, j in pairs:
            if b.scores[j] > best.get(k, _NEG):
                best[k] = b.scores[j]
        self.best = best
        self.top = max((a.scores[k] + v for k, v in best.items()), default=_NEG)
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
_LEX_PAIRS: dict[_OptsPair, _LexPairs] = {}


def _lex_pairs(a: _Opts, b: _Opts) -> _LexPairs:
    """:class:`_LexPairs` of ``(a, b)``, cached per process (by the candidate sets' keys)."""
    key = (a.key, b.key)
    got = _LEX_PAIRS.get(key)
    if got is None:
        if len(_LEX_PAIRS) >= _CACHE_LIMIT // 4:
            _LEX_PAIRS.clear()
        got = _LEX_PAIRS[key] = _LexPairs(a, b)
    return got


_LEX_LINKED: dict[_OptsPair, bool] = {}


def _lex_linked(a: _Opts, b: _Opts) -> bool:
    """Does some ``a[k] b[j]`` form a phrase-list bigram?  (Cached like :func:`_lex_pairs`,
    which it avoids building.)"""
    key = (a.key, b.key)
    got = _LEX_LINKED.get(key)
    if got is None:
        lex_lefts, lex_rights = lexicon_index()
        if len(a.chars) <= len(b.chars):
            got = any(not b.charset.isdisjoint(lex_rights.get(p, _EMPTY)) for p in a.chars)
        else:
            got = any(not a.charset.isdisjoint(lex_lefts.get(q, _EMPTY)) for q in b.chars)
        if len(_LEX_LINKED) >= 4 * _CACHE_LIMIT:
            _LEX_LINKED.clear()
        _LEX_LINKED[key] = got
    return got


class _Doc:
    """Bigram evidence for one document: its own bigrams, the phrase lists, punctuation.

    ``bonus(a, b)`` is 3.0 for a quote after a sentence end, 2.5 for a bigram that occurs
    in the document, 1.5 for a phrase-list bigram, else 0.0: the largest that applies.
    :meth:`after`, :meth:`before` and :meth:`between` list the few candidates that earn
    a bonus, each with the value of one rule that applies (a candidate may be listed
    once per rule; the largest value is its bonus).  The document's neighbour sets are
    built per character, on first use.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.chars = frozenset(text)
        self.memo: dict[tuple[str, int, str], float] = {}
        self._shared: dict[int, frozenset[str]] = {}
        self._lefts: dict[str, frozenset[str]] = {}
        self._rights: dict[str, frozenset[str]] = {}
        self.lex_lefts, self.lex_rights = lexicon_index()

    def bonus(self, a: str, b: str) -> float:
        if a in SENTENCE_END and b in QUOTES:
            return 3.0
        if b in self.doc_rights(a):
            return 2.5
        if b in self.lex_rights.get(a, _EMPTY):
            return 1.5
        return 0.0

    def _neighbours(self, ch: str) -> None:
        """Fill the left and right neighbour sets of ``ch`` (one split of the text)."""
        lefts: set[str] = set()
        rights: set[str] = set()
        if ch in self.chars:
            pieces = self.text.split(ch)
            lefts = {p[-1] for p in pieces[:-1] if p}
            rights = {p[0] for p in pieces[1:] if p}
            if not all(pieces[1:-1]):  # two occurrences in a row
                lefts.add(ch)
                rights.add(ch)
        self._lefts[ch] = frozenset(lefts)
        self._rights[ch] = frozenset(rights)

    def doc_lefts(self, ch: str) -> frozenset[str]:
        """The characters that precede ``ch`` somewhere in the document."""
        got = self._lefts.get(ch)
        if got is None:
            self._neighbours(ch)
            got = self._lefts[ch]
        return got

    def doc_rights(self, ch: str) -> frozenset[str]:
        """The characters that follow ``ch`` somewhere in the document."""
        got = self._rights.get(ch)
        if got is None:
            self._neighbours(ch)
            got = self._rights[ch]
        return got

    def after(self, p: str, o: _Opts) -> list[tuple[int, float]]:
        """``(j, bonus)`` for the candidates ``o[j]`` with ``bonus(p, o[j]) > 0``."""
        if not p:
            return []
        pos = o.pos
        out = [(pos[q], 1.5) for q in o.charset.intersection(self.lex_rights.get(p, _EMPTY))]
        if p in self.chars:
            out += [(pos[q], 2.5) for q in o.charset.intersection(self.doc_rights(p))]
        if p in SENTENCE_END and o.has_quote:
            out += [(pos[q], 3.0) for q in o.charset & QUOTES]
        return out

    def before(self, o: _Opts, q: str) -> list[tuple[int, float]]:
        """``(k, bonus)`` for the candidates ``o[k]`` with ``bonus(o[k], q) > 0``."""
        if not q:
            return []
        pos = o.pos
        out = [(pos[p], 1.5) for p in o.charset.intersection(self.lex_lefts.get(q, _EMPTY))]
        if q in self.chars:
            out += [(pos[p], 2.5) for p in o.charset.intersection(self.doc_lefts(q))]
        if q in QUOTES and o.has_end:
            out += [(pos[p], 3.0) for p in o.charset & SENTENCE_END]
        return out

    def shared(self, o: _Opts) -> frozenset[str]:
        """The candidates of ``o`` that occur in the document."""
        got = self._shared.get(o.key)
        if got is None:
            got = self._shared[o.key] = o.charset & self.chars
        return got

    def max_bonus_after(self, p: str, o: _Opts) -> float:
        """``max(bonus(p, q) for q in o)``, without listing the ``q``."""
        if not p:
            return 0.0
        if p in SENTENCE_END and o.has_quote:
            return 3.0
        if p in self.chars and not o.charset.isdisjoint(self.doc_rights(p)):
            return 2.5
        return 0.0 if o.charset.isdisjoint(self.lex_rights.get(p, _EMPTY)) else 1.5

    def max_bonus_before(self, o: _Opts, q: str) -> float:
        """``max(bonus(p, q) for p in o)``, without listing the ``p``."""
        if not q:
            return 0.0
        if q in QUOTES and o.has_end:
            return 3.0
        if q in self.chars and not o.charset.isdisjoint(self.doc_lefts(q)):
            return 2.5
        return 0.0 if o.charset.isdisjoint(self.lex_lefts.get(q, _EMPTY)) else 1.5

    def doc_pairs(self, a: _Opts, b: _Opts) -> list[tuple[int, int]]:
        """``(k, j)`` for the bigrams ``a[k] b[j]`` that occur in the document."""
        in_a = self.shared(a)
        if not in_a:
            return []
        in_b = self.shared(b)
        if not in_b:
            return []
        out: list[tuple[int, int]] = []
        if len(in_a) <= len(in_b):
            for p in in_a:
                k = a.pos[p]
                out.extend((k, b.pos[q]) for q in in_b.intersection(self.doc_rights(p)))
        else:
            for q in in_b:
                j = b.pos[q]
                out.extend((a.pos[p], j) for p in in_a.intersection(self.doc_lefts(q)))
        return out

    def between(self, a: _Opts, b: _Opts) -> list[_Hit]:
        """``(k, j, bonus)`` for the pairs with ``bonus(a[k], b[j]) > 0``."""
        hits = _lex_pairs(a, b).hits
        doc = self.doc_pairs(a, b)
        return hits + [(k, j, 2.5) for k, j in doc] if doc else hits


class _Run:
    """One re-alignment hypothesis for the run after the '?' at ``start``.

    ``kind``: ``"resync"`` (back in step at an ASCII trail byte ``byte`` after ``cut``
    body bytes), ``"odd"`` (odd body, no lost byte at the end), ``"tail"`` (a lone final
    byte was lost) or ``"strip"`` (as ``"tail"``, plus a stripped private-use pair after
    ``cut`` body bytes).  Its byte pairs (:attr:`pairs`) are built only when needed.
    """

    __slots__ = ("_pairs", "body", "byte", "cut", "end", "kind", "start")

    _UNKNOWN = {"resync": 1, "odd": 1, "tail": 2, "strip": 4}  # noqa: RUF012

    def __init__(
        self, start: int, end: int, body: list[int], kind: str, cut: int = -1, byte: int = -1
    ) -> None:
        self.start = start  # index of the leading '?'
        self.end = end  # exclusive end in the text
        self.body = body
        self.kind = kind
        self.cut = cut
        self.byte = byte
        self._pairs: list[_Pair] | None = None

    @property
    def unknown_tail(self) -> bool:
        return self.kind in ("tail", "strip")

    @property
    def stripped_pair(self) -> bool:
        return self.kind == "strip"

    @property
    def n_unknown(self) -> int:
        """Bytes known only to lie in a set (each costs 1.5 in the score)."""
        return self._UNKNOWN[self.kind]

    @property
    def pairs(self) -> list[_Pair]:
        """Slot pairs of the re-aligned stream."""
        if self._pairs is None:
            body, n, cut = self.body, len(self.body), self.cut

            def middle(lo: int, hi: int) -> list[_Pair]:
                return [(body[2 * j - 1], body[2 * j]) for j in range(lo, hi)]

            head: _Pair = (_LEADS, body[0])
            if self.kind == "resync":
                pairs = [head, *middle(1, cut // 2), (body[cut - 1], self.byte)]
            elif self.kind == "odd":
                pairs = [head, *middle(1, (n + 1) // 2)]
            elif self.kind == "tail":
                pairs = [head, *middle(1, n // 2), (body[-1], _LEADS)]
            else:  # (0 < cut < n: see _hypotheses)
                pairs = [head, *middle(1, cut // 2), (body[cut - 1], _USER)]
                pairs += [(_TRAILS, body[cut]), *middle(cut // 2 + 1, n // 2)]
                pairs.append((body[-1], _LEADS))
            self._pairs = pairs
        return self._pairs


@dataclass
class _Scan:
    """The shifted bytes after a '?' (see :func:`_scan`)."""

    body: list[int]
    resync: list[tuple[int, int, int]]  # (bytes before it, ASCII byte, run end)
    bad: list[int]  # first middle pairs (body[2j-1], body[2j]) that do not decode
    end: int  # run end without a resync; -1 when no such hypothesis can survive


def _scan(text: str, qpos: int) -> _Scan:
    """Shifted bytes after the '?' at ``qpos``, their resync points and broken pairs.

    A resync point is an ASCII character that may be the trail byte that brought the
    stream back in step.  The middle pairs ``(body[2j-1], body[2j])``, ``j >= 1``, are
    fixed in every hypothesis except one with a stripped pair cut through them, so the
    scan stops as soon as two of them (or one, in a run too long for a stripped pair)
    fail to decode: every hypothesis reaching further is dead.  On clean text after a
    real question mark that happens within a few characters.
    """
    body: list[int] = []
    resync: list[tuple[int, int, int]] = []
    bad: list[int] = []
    checked = 0  # middle pairs checked so far
    i = qpos + 1
    n = len(text)
    while i < n and i - qpos <= _MAX_RUN:
        ch = text[i]
        o = ord(ch)
        if o >= 0x80:
            enc = _gbk(ch)
            if enc is None or len(enc) != 2:
                break
            body.extend(enc)
        elif 0x40 <= o <= 0x7E and body:
            # Either a real trail byte (stream back in step) ...
            if len(body) % 2 == 0:
                resync.append((len(body), o, i + 1))
            # ... or a normalised full-width letter inside the run.
            body.extend((0xA3, o | 0x80))
        elif ch in _FULLWIDTH_ASCII:
            body.extend((0xA3, o | 0x80))
        else:
            break
        i += 1
        while 2 * checked + 2 < len(body):
            checked += 1
            if gbk_pair(body[2 * checked - 1], body[2 * checked]) is None:
                bad.append(checked)
        if len(bad) > 1 or (bad and len(body) > _MAX_STRIPPED_BODY):
            return _Scan(body, resync, bad, -1)
    # Run ends without an ASCII trail byte: a lone byte was lost ('?' or boundary).
    end = i + 1 if i < n and text[i] == "?" else i
    return _Scan(body, resync, bad, end)


def _long_enough(text: str, start: int, end: int, n_pairs: int) -> bool:
    """The final gate needs three characters both in the run and in its repair."""
    return n_pairs >= _MIN_CHARS and len(text[start:end].strip("?")) >= _MIN_CHARS


def _hypotheses(text: str, qpos: int) -> tuple[_Scan, list[_Run]]:
    """Re-alignment hypotheses for the run starting at ``qpos`` that can be accepted.

    In search order (the first of equally scored hypotheses wins): a resync at each
    ASCII trail byte, then a lost final byte, then one stripped private-use pair at each
    even offset inside a short run.  Hypotheses with a known byte pair that does not decode
    are dropped here; so are all of them when none is long enough for the final gate.
    """
    scan = _scan(text, qpos)
    body, resync, bad, end = scan.body, scan.resync, scan.bad, scan.end
    n = len(body)
    if not n:
        return scan, []
    first_bad = bad[0] if bad else n
    runs: list[_Run] = []
    # Cheapest test first: can any hypothesis pass the length gate at all?  (Each is
    # kept or dropped as a whole position: a short hypothesis may still be the best.)
    if not (end >= 0 and _long_enough(text, qpos, end, n // 2 + 1)) and not any(
        first_bad >= m // 2 and _long_enough(text, qpos, stop, m // 2 + 1)
        for m, _byte, stop in resync
    ):
        return scan, []
    head = _fixed(_LEADS, body[0])
    if not head:
        return scan, []  # every hypothesis needs the head pair
    for m, byte, stop in resync:
        if first_bad >= m // 2 and gbk_pair(body[m - 1], byte) is not None:
            runs.append(_Run(qpos, stop, body, "resync", m, byte))
    if end < 0:
        return scan, runs
    if n % 2:
        if not bad:
            runs.append(_Run(qpos, end, body, "odd"))
        return scan, runs
    tail = _fixed(body[-1], _LEADS)
    if not bad and tail:
        runs.append(_Run(qpos, end, body, "tail"))
    if n > _MAX_STRIPPED_BODY or len(bad) > 1 or not tail:
        return scan, runs
    # One stripped private-use pair (two bytes) at an even cut inside the body: the pairs
    # around the cut become (body[cut-1], user-area lead) and (any byte, body[cut]).  (A
    # cut at either end would add a character none of whose bytes is known: it could
    # only be U+FFFD, and a stripped pair is believed only when fully resolved.)
    for cut in range(2, n - 1, 2):
        if bad and bad[0] != cut // 2:
            continue
        if _fixed(body[cut - 1], _USER) and _fixed(_TRAILS, body[cut]):
            runs.append(_Run(qpos, end, body, "strip", cut))
    return scan, runs


@dataclass
class _Lattice:
    """A hypothesis with its candidates, context and (once searched) best path."""

    run: _Run
    opts: list[_Opts]
    left: str
    right: str
    score: float = 0.0
    path: tuple[str, ...] = ()


def _lattice(text: str, run: _Run) -> _Lattice | None:
    opts: list[_Opts] = []
    right = text[run.end] if run.end < len(text) else ""
    last = len(run.pairs) - 1
    for k, (a, b) in enumerate(run.pairs):
        nxt = -1
        if k == last and run.unknown_tail and right:
            enc = _gbk(right)
            if enc is not None and len(enc) == 2:
                nxt = enc[0]
        found = _opts(a, b, nxt)
        if found is None:
            return None
        opts.append(found)
    left = text[run.start - 1] if run.start > 0 else ""
    return _Lattice(run, opts, left, right)


class _Layer:
    """Best incoming values of one lattice layer, stored sparsely.

    Candidate ``j`` is reached with value ``exc[j][0]`` from predecessor ``exc[j][1]``
    when it earns a bigram bonus, else with ``base`` from ``arg`` (the best predecessor
    overall); its score adds ``char_score``.  A layer of 14,000 candidates therefore
    costs only as much as the few of them that have a bigram with a neighbour.
    """

    __slots__ = ("arg", "base", "exc", "opts")

    def __init__(self, opts: _Opts, base: float, arg: int) -> None:
        self.opts = opts
        self.base = base
        self.arg = arg
        self.exc: dict[int, tuple[float, int]] = {}

    def score(self, j: int) -> float:
        got = self.exc.get(j)
        return (got[0] if got is not None else self.base) + self.opts.scores[j]

    def back(self, j: int) -> int:
        got = self.exc.get(j)
        return got[1] if got is not None else self.arg

    def offer(self, j: int, value: float, k: int) -> None:
        """Predecessor ``k`` reaches candidate ``j`` with ``value``; keep the better."""
        got = self.exc.get(j)
        cur, cur_k = got if got is not None else (self.base, self.arg)
        if value > cur or (value == cur and k < cur_k):
            self.exc[j] = (value, k)

    def best(self, extra: dict[int, float] | None = None) -> tuple[float, int]:
        """Highest score (``extra`` overrides some), first candidate among equals."""
        extra = extra or {}
        top = -1e9
        arg = -1

        def consider(value: float, j: int) -> None:
            nonlocal top, arg
            if value > top or (value == top and j < arg):
                top, arg = value, j

        for j, value in extra.items():
            consider(value, j)
        for j in self.exc:
            if j not in extra:
                consider(self.score(j), j)
        scores = self.opts.scores
        for j in self.opts.order:
            if j not in extra and j not in self.exc:
                consider(self.base + scores[j], j)
                break
        return top, arg


def _search(lat: _Lattice, doc: _Doc) -> None:
    """Best path through the lattice (exact), stored in ``lat.score`` and ``lat.path``.

    The score of a path is the sum of ``char_score`` of its characters and of the
    bigram bonuses between neighbours (including the context characters), minus 1.5
    per unknown byte.  At each layer every candidate takes its best predecessor; ties go
    to the earliest predecessor, and between final states to the earliest one.  The
    bonus is zero for all but a few (predecessor, candidate) pairs, found through
    :meth:`_Doc.lefts` / :meth:`_Doc.rights`, so every other candidate simply takes the
    best predecessor overall (:class:`_Layer`).
    """
    layers: list[_Layer] = []
    prev: _Layer | None = None
    for o in lat.opts:
        if prev is None or len(prev.opts.chars) == 1:
            p = lat.left if prev is None else prev.opts.chars[0]
            s0 = 0.0 if prev is None else prev.score(0)
            layer = _Layer(o, s0, 0)
            for j, b in doc.after(p, o):
                layer.offer(j, s0 + b, 0)
        else:
            top, arg = prev.best()
            layer = _Layer(o, top, arg)
            score = prev.score
            for k, j, b in doc.between(prev.opts, o):
                layer.offer(j, score(k) + b, k)
        layers.append(layer)
        prev = layer
    assert prev is not None
    extra: dict[int, float] = {}
    for k, b in doc.before(prev.opts, lat.right):
        value = prev.score(k) + b
        if value > extra.get(k, -1e9):
            extra[k] = value
    best, k = prev.best(extra)
    path = [prev.opts.chars[k]]
    for i in range(len(layers) - 1, 0, -1):
        k = layers[i].back(k)
        path.append(layers[i - 1].opts.chars[k])
    path.reverse()
    lat.score = best - 1.5 * lat.run.n_unknown
    lat.path = tuple(path)


# --- score only ----------------------------------------------------------------------
#
# Choosing between the hypotheses of a run needs only their best scores; the path (and
# the tie-breaking that picks it) is needed only for the winner.  Single-candidate
# layers split a lattice into independent segments, and a segment of one or two
# multi-candidate layers has a closed form in terms of the few bigram-earning
# candidates, so a hypothesis is scored without visiting its 100-14,000 candidates.


def _first_outside(o: _Opts, taken: Collection[int]) -> float:
    """The best ``char_score`` among the candidates not in ``taken``."""
    for k in o.order:
        if k not in taken:
            return o.scores[k]
    return _NEG


def _sparse_top(o: _Opts, base: float, exc: dict[int, float]) -> float:
    """Best score of a layer whose candidate ``k`` is reached with ``exc.get(k, base)``."""
    top = base + _first_outside(o, exc)
    for k, v in exc.items():
        top = max(top, v + o.scores[k])
    return top


def _incoming(doc: _Doc, a: str, o: _Opts) -> dict[int, float]:
    """``bonus(a, o[k])`` for the candidates that earn one."""
    exc: dict[int, float] = {}
    for k, b in doc.after(a, o):
        if b > exc.get(k, 0.0):
            exc[k] = b
    return exc


def _outgoing(doc: _Doc, o: _Opts, b: str) -> dict[int, float]:
    """``bonus(o[k], b)`` for the candidates that earn one."""
    out: dict[int, float] = {}
    for k, v in doc.before(o, b):
        if v > out.get(k, 0.0):
            out[k] = v
    return out


def _segment1(doc: _Doc, a: str, w: _Opts, b: str) -> float:
    """``max(bonus(a, x) + char_score(x) + bonus(x, b) for x in w)``."""
    key = (a, w.key, b)
    got = doc.memo.get(key)
    if got is None:
        inc = _incoming(doc, a, w)
        out = _outgoing(doc, w, b)
        got = _first_outside(w, inc.keys() | out.keys())
        for k in inc.keys() | out.keys():
            got = max(got, inc.get(k, 0.0) + w.scores[k] + out.get(k, 0.0))
        doc.memo[key] = got
    return got


def _segment1_arg(doc: _Doc, a: str, w: _Opts, b: str) -> int:
    """The candidate of ``w`` that :func:`_segment1` takes: the first among equals, as
    :func:`_search` picks it."""
    inc = _incoming(doc, a, w)
    out = _outgoing(doc, w, b)
    best, arg = _NEG, -1
    for k in w.order:
        if k not in inc and k not in out:
            best, arg = w.scores[k], k
            break
    for k in inc.keys() | out.keys():
        value = inc.get(k, 0.0) + w.scores[k] + out.get(k, 0.0)
        if value > best or (value == best and k < arg):
            best, arg = value, k
    return arg


def _advance(doc: _Doc, p: _Opts, base: float, exc: dict[int, float], o: _Opts) -> float:
    """One exact step between two multi-candidate layers, in place on ``exc``.

    On entry candidate ``k`` of ``p`` is reached with ``exc.get(k, base)``; on exit ``exc``
    holds the same for ``o`` and the new base is returned.
    """
    top = _sparse_top(p, base, exc)
    new: dict[int, float] = {}
    for k, j, b in doc.between(p, o):
        v = exc.get(k, base) + p.scores[k] + b
        if v > new.get(j, top):
            new[j] = v
    exc.clear()
    exc.update(new)
    return top


def _segment2(doc: _Doc, u: _Opts, base: float, exc: dict[int, float], t: _Opts, b: str) -> float:
    """``max(s(k) + bonus(u[k], t[j]) + char_score(t[j]) + bonus(t[j], b))`` where
    ``s(k) = exc.get(k, base) + char_score(u[k])``, over all ``(k, j)``.

    Exact: a pair without bigram is beaten by the best ``s`` with the best ``t``; the
    ``t[j]`` with a bigram into ``b`` are scored one by one; the phrase-list pairs through
    a cached per-``k`` summary; quote and document pairs one by one.
    """
    scores_u, scores_t = u.scores, t.scores
    top_u = _sparse_top(u, base, exc)
    out = _outgoing(doc, t, b)
    best = top_u + _first_outside(t, out)
    lex = _lex_pairs(u, t)
    for j, g in out.items():  # t[j] followed by a bigram into b: exact
        inc = top_u
        for k in lex.preds(j):
            inc = max(inc, exc.get(k, base) + scores_u[k] + 1.5)
        best = max(best, inc + scores_t[j] + g)  # (quote, document pairs: below)
    best = max(best, base + lex.top + 1.5)
    for k, v in exc.items():
        if k in lex.best:
            best = max(best, v + scores_u[k] + 1.5 + lex.best[k])
    for k, j in lex.quotes:
        best = max(best, exc.get(k, base) + scores_u[k] + 3.0 + scores_t[j] + out.get(j, 0.0))
    for k, j in doc.doc_pairs(u, t):
        best = max(best, exc.get(k, base) + scores_u[k] + 2.5 + scores_t[j] + out.get(j, 0.0))
    return best


def _segment_bound(doc: _Doc, a: str, layers: list[_Opts], b: str) -> float:
    """An upper bound of ``_segment(doc, a, layers, b)``, much cheaper than the value:
    the best character score of each layer plus the largest bonus each bigram (into the
    first layer, between layers, out of the last) could earn with any candidates."""
    total = doc.max_bonus_after(a, layers[0]) + doc.max_bonus_before(layers[-1], b)
    for k, t in enumerate(layers):
        total += t.top
        if k:
            u = layers[k - 1]
            if u.has_end and t.has_quote:
                total += 3.0
            elif not (u.charset.isdisjoint(doc.chars) or t.charset.isdisjoint(doc.chars)):
                total += 2.5
            elif _lex_linked(u, t):
                total += 1.5
    return total


def _segment(doc: _Doc, a: str, wides: list[_Opts], b: str) -> float:
    """Best score of a run of multi-candidate layers between the fixed characters ``a``
    and ``b`` (either may be empty): characters, the bigrams inside, into and out of it."""
    if len(wides) == 1:
        return _segment1(doc, a, wides[0], b)
    exc = _incoming(doc, a, wides[0])
    base = 0.0
    for idx in range(1, len(wides) - 1):
        base = _advance(doc, wides[idx - 1], base, exc, wides[idx])
    return _segment2(doc, wides[-2], base, exc, wides[-1], b)


def _value(lat: _Lattice, doc: _Doc) -> float:
    """The score :func:`_search` would find for ``lat``, without its path."""
    opts = lat.opts
    total = 0.0
    a = lat.left
    i, n = 0, len(opts)
    while i < n:
        o = opts[i]
        if len(o.chars) == 1:
            c = o.chars[0]
            total += o.scores[0] + (doc.bonus(a, c) if a else 0.0)
            a = c
            i += 1
            continue
        j = i + 1
        while j < n and len(opts[j].chars) > 1:
            j += 1
        b = opts[j].chars[0] if j < n else lat.right
        total += _segment(doc, a, opts[i:j], b)
        if j == n:
            return total - 1.5 * lat.run.n_unknown
        total += opts[j].scores[0]
        a = b
        i = j + 1
    if a and lat.right:
        total += doc.bonus(a, lat.right)
    return total - 1.5 * lat.run.n_unknown


class _Position:
    """What the hypotheses at one '?' share, for scoring them without their lattices.

    With the middle characters ``c_1 .. c_M`` (the fixed pairs ``body[2i-1], body[2i]``),
    the head layer ``W0 = (?, body[0])`` and the lost-tail layer ``WL = (body[-1], ?)``:
    ``fwd(i)`` is the best score from the left context up to and including ``c_i``, and
    ``bwd(i)`` the best score after ``c_i`` up to the right context of the full run.
    Every hypothesis replaces a piece of that chain (a resync ends it early, a stripped
    pair replaces one ``c_j`` by two layers), so its score is a prefix, one segment and
    a suffix (:meth:`score`): the same number :func:`_value` computes from the lattice.
    """

    def __init__(self, text: str, scan: _Scan, qpos: int, doc: _Doc) -> None:
        self.text = text
        self.body = scan.body
        self.doc = doc
        self.left = text[qpos - 1] if qpos > 0 else ""
        self.right = text[scan.end] if 0 <= scan.end < len(text) else ""
        self.head = _opts(_LEADS, self.body[0])
        self._fwd: list[float] = []
        self._bwd: dict[int, float] = {}
        self._tail: _Opts | None = None
        self._head_sure: bool | None = None
        self._tail_sure: bool | None = None

    def mid(self, i: int) -> _Opts:
        found = _opts(self.body[2 * i - 1], self.body[2 * i])
        assert found is not None
        return found

    def fwd(self, i: int) -> float:
        fwd = self._fwd
        while len(fwd) < i:
            k = len(fwd) + 1
            c = self.mid(k)
            if k == 1:
                assert self.head is not None
                fwd.append(_segment1(self.doc, self.left, self.head, c.chars[0]) + c.scores[0])
            else:
                prev = self.mid(k - 1).chars[0]
                fwd.append(fwd[-1] + self.doc.bonus(prev, c.chars[0]) + c.scores[0])
        return fwd[i - 1]

    def tail(self) -> _Opts:
        if self._tail is None:
            found = _opts(self.body[-1], _LEADS, _next_lead(self.right))
            assert found is not None
            self._tail = found
        return self._tail

    def bwd(self, i: int) -> float:
        """Best score after ``c_i`` (``i == M``: through the lost-tail layer)."""
        got = self._bwd.get(i)
        if got is None:
            m = len(self.body) // 2 - 1
            c = self.mid(i).chars[0]
            if i == m:
                got = _segment1(self.doc, c, self.tail(), self.right)
            else:
                nxt = self.mid(i + 1)
                got = self.doc.bonus(c, nxt.chars[0]) + nxt.scores[0] + self.bwd(i + 1)
            self._bwd[i] = got
        return got

    def lattice(self, run: _Run) -> _Lattice:
        lat = _lattice(self.text, run)
        assert lat is not None  # _hypotheses only yields hypotheses whose pairs decode
        return lat

    def ends_resolved(self, j: int, m: int) -> bool:
        """Can a stripped pair cut through ``c_j`` be fully resolved, as far as the head
        and lost-tail layers tell?  Away from the cut they sit between the same fixed
        characters as in the plain hypothesis, so they take the same character and are
        inferred confidently or not regardless of the cut."""
        doc = self.doc
        if j >= 2 and self.head is not None and len(self.head.chars) > 1:
            if self._head_sure is None:
                c1 = self.mid(1).chars[0]
                k0 = _segment1_arg(doc, self.left, self.head, c1)
                self._head_sure = _sure(doc, self.left, self.head, k0, c1)
            if not self._head_sure:
                return False
        if j <= m - 1 and len(self.tail().chars) > 1:
            if self._tail_sure is None:
                cm = self.mid(m).chars[0]
                k0 = _segment1_arg(doc, cm, self.tail(), self.right)
                self._tail_sure = _sure(doc, cm, self.tail(), k0, self.right)
            if not self._tail_sure:
                return False
        return True

    def solve(self, run: _Run) -> _Lattice:
        """The lattice of ``run`` with its best path (as :func:`_search` finds it).

        With at most one multi-candidate layer between fixed characters at each end of
        the run the path is read off :func:`_segment1_arg`; otherwise searched."""
        lat = self.lattice(run)
        opts, doc, n = lat.opts, self.doc, len(self.body)
        if run.kind in ("resync", "odd", "tail") and len(opts) >= 3 and n >= 3:
            path = [o.chars[0] for o in opts]
            path[0] = opts[0].chars[_segment1_arg(doc, lat.left, opts[0], path[1])]
            if run.kind == "tail":
                last = _segment1_arg(doc, path[-2], opts[-1], lat.right)
                path[-1] = opts[-1].chars[last]
            if all(len(o.chars) == 1 for o in opts[1:-1]):
                lat.path = tuple(path)
                return lat
        _search(lat, doc)
        return lat

    def score(self, run: _Run, bound: float | None = None) -> float:
        """The best score of ``run``: the number :func:`_value` computes from its lattice.

        With ``bound``, a stripped-pair hypothesis may instead return an upper bound of
        its score when that is ``<= bound`` (it cannot beat a hypothesis scoring
        ``bound``)."""
        doc, body = self.doc, self.body
        n = len(body)
        m = n // 2 - 1
        penalty = 1.5 * run.n_unknown
        if run.kind == "resync" and run.cut >= 4:
            i = run.cut // 2 - 1  # last middle character before the resync pair
            last = _opts(body[run.cut - 1], run.byte)
            assert last is not None
            x = last.chars[0]
            value = self.fwd(i) + doc.bonus(self.mid(i).chars[0], x) + last.scores[0]
            right = self.text[run.end] if run.end < len(self.text) else ""
            return value + (doc.bonus(x, right) if right else 0.0) - penalty
        if run.kind == "odd" and n >= 3:
            i = (n - 1) // 2
            value = self.fwd(i) + (
                doc.bonus(self.mid(i).chars[0], self.right) if self.right else 0.0
            )
            return value - penalty
        if run.kind == "tail" and m >= 1:
            return self.fwd(m) + self.bwd(m) - penalty
        if run.kind == "strip" and m >= 2:
            limit = None if bound is None else bound + penalty
            return self._stripped(run.cut // 2, m, limit) - penalty
        return _value(self.lattice(run), doc)

    def _cut(self, j: int, m: int) -> tuple[float, str, list[_Opts], str]:
        """A stripped pair cut through ``c_j`` (``1 <= j <= m``) as (score of the fixed
        rest, left anchor, the run of multi-candidate layers around the cut, right
        anchor)."""
        body = self.body
        cut = 2 * j
        layers = [_opts(body[cut - 1], _USER), _opts(_TRAILS, body[cut])]
        if j == 1:
            layers.insert(0, self.head)
        if j == m:
            layers.append(self.tail())
        value = 0.0
        if j <= 1:
            anchor_l = self.left
        else:
            anchor_l = self.mid(j - 1).chars[0]
            value += self.fwd(j - 1)
        if j >= m:
            anchor_r = self.right
        else:
            k = j + 1
            anchor_r = self.mid(k).chars[0]
            value += self.mid(k).scores[0] + self.bwd(k)
        found = [o for o in layers if o is not None]
        assert len(found) == len(layers)  # _hypotheses checked that every pair decodes
        return value, anchor_l, found, anchor_r

    def _stripped(self, j: int, m: int, bound: float | None) -> float:
        """Score (before the unknown-byte penalty) with a stripped pair cut through
        ``c_j``; with ``bound``, possibly an upper bound ``<= bound`` instead."""
        value, anchor_l, layers, anchor_r = self._cut(j, m)
        if bound is not None:
            upper = value + _segment_bound(self.doc, anchor_l, layers, anchor_r)
            if upper <= bound:
                return upper  # cannot beat the best so far
        return value + _segment(self.doc, anchor_l, layers, anchor_r)

    def resolved(self, run: _Run) -> bool:
        """``False`` when the best path of a stripped-pair hypothesis keeps a U+FFFD
        (an inferred character without a confident reading): it is not believed then.

        Segments are independent given their fixed anchors, so the layers around the cut
        are searched on their own, and the head and lost-tail layers away from the cut
        are judged as in the plain hypothesis (:meth:`ends_resolved`)."""
        m = len(self.body) // 2 - 1
        if m < 2:  # (no shortcut: the full search decides)
            lat = self.lattice(run)
            _search(lat, self.doc)
            return _render(lat, self.doc)[1] == 0
        j = run.cut // 2
        if not self.ends_resolved(j, m):
            return False
        _value, anchor_l, layers, anchor_r = self._cut(j, m)
        part = _Lattice(run, layers, anchor_l, anchor_r)
        _search(part, self.doc)
        for idx, o in enumerate(layers):
            if len(o.chars) > 1 and not _confident(idx, part, self.doc):
                return False
        return True

    def contradicted(self, run: _Run) -> bool:
        """Does the known character that a stripped pair would split fit its known
        neighbours?

        A stripped-pair hypothesis cut through ``c_j`` reads the decodable pair
        ``body[2j-1], body[2j]`` as two characters with one unknown byte each.  It has
        more freedom than the plain reading (two inferred characters instead of one known
        one), so it can fit bigrams by chance; it is believed only when the character it
        discards (if the pair decodes at all) has no bigram (any kind) with a known
        neighbour."""
        j = run.cut // 2
        m = len(self.body) // 2 - 1
        plain = _opts(self.body[2 * j - 1], self.body[2 * j])
        if plain is None:
            return False  # the plain reading does not decode here
        c = plain.chars[0]
        bonus = self.doc.bonus
        if j >= 2 and bonus(self.mid(j - 1).chars[0], c) > 0.0:
            return True
        return j < m and bonus(c, self.mid(j + 1).chars[0]) > 0.0


def _next_lead(right: str) -> int:
    """First byte of the right context when it is a GBK double-byte character, else -1."""
    if right:
        enc = _gbk(right)
        if enc is not None and len(enc) == 2:
            return enc[0]
    return -1


def _confident(idx: int, lat: _Lattice, doc: _Doc) -> bool:
    """An inferred character needs a supporting bigram and a clear margin."""
    path = lat.path
    lft = path[idx - 1] if idx > 0 else lat.left
    rgt = path[idx + 1] if idx + 1 < len(path) else lat.right
    o = lat.opts[idx]
    return _sure(doc, lft, o, o.pos[path[idx]], rgt)


def _evidence(bonus: float, ch: str, neighbour: str) -> bool:
    """Does a bigram bonus between an inferred ``ch`` and a ``neighbour`` single it out?

    Only document evidence does: a quote after a sentence end (3.0), or a bigram of two
    letters that occurs elsewhere in the document (2.5).  A phrase-list bigram (1.5) does
    not: among the ~100 candidates of a lost byte one or more form some phrase with a
    given neighbour by chance, and on shifted real text about half of the characters
    picked that way were wrong.  A document bigram with punctuation does not either
    (almost anything precedes ``。``).
    """
    if bonus >= 3.0:
        return True
    return bonus >= 2.5 and ch.isalpha() and neighbour.isalpha()


def _sure(doc: _Doc, lft: str, o: _Opts, k0: int, rgt: str) -> bool:
    """Is candidate ``k0`` of ``o``, between ``lft`` and ``rgt``, supported by document
    evidence (:func:`_evidence`) and at least 1.0 ahead of every other candidate (see
    :func:`_confident`)?"""
    inc = _incoming(doc, lft, o)
    out = _outgoing(doc, o, rgt)
    ch = o.chars[k0]
    if not (_evidence(inc.get(k0, 0.0), ch, lft) or _evidence(out.get(k0, 0.0), ch, rgt)):
        return False
    # The two sides must not disagree: where some candidate has a bigram with a
    # neighbour, the chosen one must be among the best there (unless it is singled out
    # by the typographic rule, which no bigram outweighs).
    if max(inc.get(k0, 0.0), out.get(k0, 0.0)) < 3.0:
        for side in (inc, out):
            if side and side.get(k0, 0.0) < max(side.values()):
                return False
    support = inc.get(k0, 0.0) + out.get(k0, 0.0)
    chosen = o.scores[k0] + support
    # Only neighbours-by-bigram can earn a bonus; every other candidate scores
    # char_score(ch) exactly, so start from the histogram of those and adjust.
    hist = dict(o.hist)
    for k in inc.keys() | out.keys():
        hist[o.scores[k]] -= 1
        s = o.scores[k] + inc.get(k, 0.0) + out.get(k, 0.0)
        hist[s] = hist.get(s, 0) + 1
    runner = max((s for s, c in hist.items() if c and s != chosen), default=-99.0)
    return hist.get(chosen, 0) == 1 and chosen - runner >= 1.0


def _render(lat: _Lattice, doc: _Doc) -> tuple[str, int]:
    """The replacement text and how many characters in it are U+FFFD."""
    out: list[str] = []
    lost = 0
    for idx, ch in enumerate(lat.path):
        o = lat.opts[idx]
        if o.unknown and len(o.chars) > 1 and not _confident(idx, lat, doc):
            out.append(LOST_MARK)
            lost += 1
        else:
            out.append(ch)
    return "".join(out), lost


def _fluency(s: str, doc: _Doc) -> float:
    """Character plausibility plus twice the share of bigrams the document or the phrase
    lists vouch for (:func:`zhnorm.repair.plausibility.pair_fluency`)."""
    return pair_fluency(s, plausibility, lambda a, b: doc.bonus(a, b) in (3.0, 1.5))


def _text_fluency(s: str) -> float:
    """:func:`_fluency` of a piece of the document itself: each of its bigrams occurs in
    the document (bonus 2.5, not a hit) unless it is a quote after a sentence end."""
    return pair_fluency(s, plausibility, lambda a, b: a in SENTENCE_END and b in QUOTES)


def _may_hit(a: _Opts, b: _Opts) -> bool:
    """Can some candidate pair of ``a`` and ``b`` count as a bigram hit in
    :func:`_fluency` (a phrase-list bigram or a quote after a sentence end)?"""
    if len(a.chars) == 1 and len(b.chars) == 1:
        x, y = a.chars[0], b.chars[0]
        return (x in SENTENCE_END and y in QUOTES) or y in lexicon_index()[1].get(x, _EMPTY)
    return bool(_lex_pairs(a, b).hits)


def _may_pass(text: str, lat: _Lattice, doc: _Doc) -> bool:
    """``False`` when no path through ``lat`` can pass the final gate of
    :func:`find_byteshift` (three characters, fluency gain >= 1.0).

    A sound upper bound of the repair's fluency: its fixed characters score what they
    score, an inferred one at most the best score among its candidates (if it is kept at
    all: a stripped-pair hypothesis keeps all, see :func:`_best`), and every bigram that
    some candidate pair could make a hit, plus one per droppable inner character, is a
    hit.  On clean text after a real question mark the re-aligned characters that do
    decode are mostly rare ones, so this rejects the position without a search.
    """
    run = lat.run
    core = text[run.start : run.end].strip("?")
    opts = lat.opts
    if len(core) < _MIN_CHARS or len(opts) < _MIN_CHARS:
        return False
    total = 0.0
    counted = 0
    tops: list[float] = []
    for o in opts:
        if len(o.chars) > 1:
            tops.append(o.top)
        elif not o.chars[0].isspace():
            total += o.scores[0]
            counted += 1
    # Mean score: the kept inferred characters are best the highest-scoring ones.
    bound = total / counted if counted else 0.0
    for top in sorted(tops, reverse=True):
        total += top
        counted += 1
        bound = max(bound, total / counted)
    hits = sum(1 for k in range(len(opts) - 1) if _may_hit(opts[k], opts[k + 1]))
    if run.stripped_pair:
        span = len(opts) - 1
    else:
        hits += sum(1 for o in opts[1:-1] if len(o.chars) > 1)  # joins over a dropped one
        span = max(1, len(opts) - len(tops) - 1)
    bound += 2.0 * min(1.0, hits / span)
    return bound - _text_fluency(core) >= 1.0


def _best(runs: list[_Run], position: _Position, doc: _Doc) -> tuple[_Lattice, str, int] | None:
    """The highest-scoring hypothesis (first among equals) with its rendering.

    A stripped-pair hypothesis is only believed when fully resolved (no U+FFFD) and not
    contradicted by the known character it splits (:meth:`_Position.contradicted`).  The
    others come first in search order, so they are scored first; a stripped-pair
    hypothesis then needs a higher score to win (its upper bound is tried before its
    score), and the contenders are checked for resolution best first, so only the
    winner and those above it are looked at closely.  Hypotheses are scored without
    their lattices (:meth:`_Position.score`); only the winner is rendered.
    """
    winner: _Run | None = None
    top = 0.0
    contenders: list[tuple[float, int, _Run]] = []
    for index, run in enumerate(runs):
        if run.stripped_pair:
            score = position.score(run, None if winner is None else top)
            if winner is None or score > top:
                contenders.append((-score, index, run))
            continue
        score = position.score(run)
        if winner is None or score > top:
            winner, top = run, score
    for _neg, _index, run in sorted(contenders):
        if winner is not None and -_neg <= top:
            break
        if not position.contradicted(run) and position.resolved(run):
            winner = run
            break
    if winner is None:
        return None
    lat = position.solve(winner)
    repl, lost = _render(lat, doc)
    return lat, repl, lost


def find_byteshift(text: str) -> list[Edit]:
    """Find runs of one-byte-shifted GBK text and propose re-aligned replacements.

    Returns sorted, non-overlapping edits; ``[]`` for text without ``?``.
    """
    if "?" not in text:
        return []
    edits: list[Edit] = []
    doc: _Doc | None = None
    pos = text.find("?")
    cursor = 0
    while pos != -1:
        nxt = text[pos + 1 : pos + 2]
        if pos < cursor or not nxt or (ord(nxt) < 0x80 and nxt not in _FULLWIDTH_ASCII):
            pos = text.find("?", pos + 1)
            continue
        scan, runs = _hypotheses(text, pos)
        if runs:
            if doc is None:
                doc = _Doc(text)
            position = _Position(text, scan, pos, doc)
            found = None
            if any(_may_pass(text, position.lattice(run), doc) for run in runs):
                found = _best(runs, position, doc)
            if found is not None:
                lat, repl, lost = found
                run = lat.run
                garbled = text[run.start : run.end]
                known = repl.replace(LOST_MARK, "")
                core = garbled.strip("?")
                if (
                    len(known) >= _MIN_CHARS
                    and len(core) >= _MIN_CHARS
                    and _fluency(known, doc) - _text_fluency(core) >= 1.0
                ):
                    edits.append(
                        Edit(
                            run.start,
                            run.end,
                            garbled,
                            repl,
                            "GBK stream decoded one byte out of step; re-aligned",
                            lossy=lost > 0,
                            detail={
                                "codec": "gbk",
                                "shift": 1,
                                "tail_lost": run.unknown_tail,
                                "stripped_pairs": int(run.stripped_pair),
                                "unrecovered": lost,
                            },
                        )
                    )
                    cursor = run.end
        pos = text.find("?", max(pos + 1, cursor))
    return edits


def fix_byteshift(text: str) -> str:
    """Apply :func:`find_byteshift`."""
    return apply_edits(text, find_byteshift(text))
