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
* an inferred character is kept only when that evidence is strong (a supporting
  bigram and a clear margin over the runner-up).  Otherwise it is emitted as U+FFFD
  and the edit is ``lossy=True`` with ``detail["unrecovered"]`` giving the count.

Cost: the phrase-list bigram table and its left/right indexes are built once per
process (:func:`_lex_index`); the lattice search is exact but only visits the
predecessors that can earn a bigram bonus, so a 4,400-character document with ten
runs takes about 0.35 s once the tables exist.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .plausibility import char_score, lexicon_bigrams, plausibility
from .types import Edit, apply_edits

__all__ = ["find_byteshift", "fix_byteshift"]

REPLACEMENT = "\ufffd"
_MAX_RUN = 160
_SENT_END = set("。！？!?")
_QUOTES = set("”“’‘」「』『")
# Leads whose two-byte codes lie in a GBK user-defined area (decoded to private use).
_USER_LEADS = tuple(range(0xAA, 0xB0)) + tuple(range(0xF8, 0xFF)) + tuple(range(0xA1, 0xA8))
_ALL_LEADS = tuple(range(0x81, 0xFF))
_ALL_TRAILS = tuple(b for b in range(0x40, 0xFF) if b != 0x7F)
_FULLWIDTH_ASCII = set("!,;:")

Slot = int | tuple[int, ...]


@lru_cache(maxsize=200000)
def _pair(lead: int, trail: int) -> str | None:
    """Decode one GBK double-byte code, rejecting private-use results."""
    try:
        ch = bytes((lead, trail)).decode("gbk")
    except UnicodeDecodeError:
        return None
    if len(ch) != 1 or 0xE000 <= ord(ch) <= 0xF8FF:
        return None
    return ch


@lru_cache(maxsize=65536)
def _gbk(ch: str) -> bytes | None:
    try:
        return ch.encode("gbk")
    except UnicodeEncodeError:
        return None


@dataclass
class _Run:
    start: int  # index of the leading '?'
    end: int  # exclusive end in the text
    slots: list[Slot]
    unknown_tail: bool
    stripped_pair: bool = False


def _candidates(a: Slot, b: Slot) -> list[tuple[str, bool]]:
    """Possible characters for a byte pair; bool says whether a byte was unknown."""
    leads = (a,) if isinstance(a, int) else a
    trails = (b,) if isinstance(b, int) else b
    unknown = not (isinstance(a, int) and isinstance(b, int))
    seen: dict[str, bool] = {}
    for x in leads:
        for y in trails:
            ch = _pair(x, y)
            if ch is not None:
                seen[ch] = unknown
    return list(seen.items())


def _scan_runs(text: str, qpos: int) -> Iterator[_Run]:
    """Yield byte-slot hypotheses for a run starting at the '?' at ``qpos``."""
    body: list[int] = []
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
            i += 1
            continue
        if 0x40 <= o <= 0x7E and body:
            # Either a real trail byte (stream back in step) ...
            if len(body) % 2 == 0:
                yield _Run(qpos, i + 1, [_ALL_LEADS, *body, o], False)
            # ... or a normalised full-width letter inside the run.
            body.extend((0xA3, o | 0x80))
            i += 1
            continue
        if ch in _FULLWIDTH_ASCII:
            body.extend((0xA3, o | 0x80))
            i += 1
            continue
        break
    if not body:
        return
    # Run ends without an ASCII trail byte: a lone byte was lost ('?' or boundary).
    end = i + 1 if i < n and text[i] == "?" else i
    if len(body) % 2 == 0:
        yield _Run(qpos, end, [_ALL_LEADS, *body, _ALL_LEADS], True)
        # Hypothesis: one stripped private-use pair somewhere in the (short) run.
        for cut in range(0, len(body) + 1 if len(body) <= 24 else 0, 2):
            slots: list[Slot] = [_ALL_LEADS, *body[:cut], _USER_LEADS, _ALL_TRAILS]
            slots += [*body[cut:], _ALL_LEADS]
            yield _Run(qpos, end, slots, True, stripped_pair=True)
    else:
        yield _Run(qpos, end, [_ALL_LEADS, *body], False)


@lru_cache(maxsize=1)
def _lex_index() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """(right char -> left chars, left char -> right chars) of :func:`lexicon_bigrams`.

    Built once per process; it lets the lattice search visit only the neighbours
    that earn a bigram bonus instead of every (previous, current) candidate pair.
    """
    lefts: dict[str, set[str]] = {}
    rights: dict[str, set[str]] = {}
    for pair in lexicon_bigrams():
        lefts.setdefault(pair[1], set()).add(pair[0])
        rights.setdefault(pair[0], set()).add(pair[1])
    return (
        {k: frozenset(v) for k, v in lefts.items()},
        {k: frozenset(v) for k, v in rights.items()},
    )


_EMPTY: frozenset[str] = frozenset()
_SENT_END_F = frozenset(_SENT_END)
_QUOTES_F = frozenset(_QUOTES)


class _Scorer:
    def __init__(self, text: str) -> None:
        self.doc = {text[i : i + 2] for i in range(len(text) - 1)}
        doc_left: dict[str, set[str]] = {}
        doc_right: dict[str, set[str]] = {}
        for pair in self.doc:
            doc_left.setdefault(pair[1], set()).add(pair[0])
            doc_right.setdefault(pair[0], set()).add(pair[1])
        self.doc_left = doc_left
        self.doc_right = doc_right
        self._lex: dict[str, int] | None = None

    @property
    def lex(self) -> dict[str, int]:
        if self._lex is None:
            self._lex = lexicon_bigrams()
        return self._lex

    def bonus(self, a: str, b: str) -> float:
        if a in _SENT_END and b in _QUOTES:
            return 3.0
        pair = a + b
        if pair in self.doc:
            return 2.5
        if pair in self.lex:
            return 1.5
        return 0.0

    def lefts(self, ch: str) -> list[frozenset[str] | set[str]]:
        """Sets that together hold every ``p`` with ``bonus(p, ch) > 0``."""
        out: list[frozenset[str] | set[str]] = [
            _lex_index()[0].get(ch, _EMPTY),
            self.doc_left.get(ch, _EMPTY),
        ]
        if ch in _QUOTES:
            out.append(_SENT_END_F)
        return out

    def rights(self, ch: str) -> list[frozenset[str] | set[str]]:
        """Sets that together hold every ``q`` with ``bonus(ch, q) > 0``."""
        out: list[frozenset[str] | set[str]] = [
            _lex_index()[1].get(ch, _EMPTY),
            self.doc_right.get(ch, _EMPTY),
        ]
        if ch in _SENT_END:
            out.append(_QUOTES_F)
        return out


_DENSE = 8  # below this many predecessors, score every pair directly


def _viterbi(
    cands: Sequence[list[tuple[str, bool]]], left: str, right: str, sc: _Scorer
) -> tuple[float, list[str]]:
    """Best path through the candidate lattice.

    Exact: the transition score is ``s(prev) + char_score(ch) + bonus(prev, ch)`` and
    the bonus is zero for all but a few predecessors, so the maximum is either the
    best predecessor overall or one of the bonus-earning ones (found through
    :meth:`_Scorer.lefts`).  Ties go to the earliest predecessor, as in a plain scan.
    """
    best: list[dict[str, tuple[float, str]]] = []
    prev: dict[str, tuple[float, str]] = {left: (0.0, "")}
    for options in cands:
        cur: dict[str, tuple[float, str]] = {}
        if len(prev) <= _DENSE:
            for ch, _unk in options:
                base = char_score(ch)
                top = max(
                    ((s + base + (sc.bonus(p, ch) if p else 0.0), p) for p, (s, _) in prev.items()),
                    key=lambda t: t[0],
                )
                cur[ch] = top
        else:
            order = {p: k for k, p in enumerate(prev)}
            prev_set = set(prev)
            prev_set.discard("")
            arg_p, (arg_s, _) = max(prev.items(), key=lambda kv: kv[1][0])
            arg_k = order[arg_p]
            for ch, _unk in options:
                base = char_score(ch)
                top_s, top_k, top_p = arg_s + base, arg_k, arg_p
                for group in sc.lefts(ch):
                    for p in prev_set & group:
                        k = order[p]
                        total = prev[p][0] + base + sc.bonus(p, ch)
                        if total > top_s or (total == top_s and k < top_k):
                            top_s, top_k, top_p = total, k, p
                cur[ch] = (top_s, top_p)
        best.append(cur)
        prev = cur
    final = max(
        ((s + (sc.bonus(ch, right) if right else 0.0), ch) for ch, (s, _) in prev.items()),
        key=lambda t: t[0],
    )
    path = [final[1]]
    for k in range(len(best) - 1, 0, -1):
        path.append(best[k][path[-1]][1])
    path.reverse()
    return final[0], path


def _confident(
    idx: int,
    path: list[str],
    cands: Sequence[list[tuple[str, bool]]],
    left: str,
    right: str,
    sc: _Scorer,
) -> bool:
    """An inferred character needs a supporting bigram and a clear margin."""
    lft = path[idx - 1] if idx > 0 else left
    rgt = path[idx + 1] if idx + 1 < len(path) else right

    def local(ch: str) -> tuple[float, float]:
        b = (sc.bonus(lft, ch) if lft else 0.0) + (sc.bonus(ch, rgt) if rgt else 0.0)
        return char_score(ch) + b, b

    chosen, support = local(path[idx])
    if support <= 0.0:
        return False
    # Only neighbours-by-bigram can earn a bonus; every other candidate scores
    # char_score(ch) exactly (its bonus is 0.0), so skip the bigram look-ups for them.
    bonus_set: set[str] = set()
    for group in (sc.rights(lft) if lft else []) + (sc.lefts(rgt) if rgt else []):
        bonus_set.update(group)
    scores = [local(ch)[0] if ch in bonus_set else char_score(ch) for ch, _ in cands[idx]]
    runner = max((s for s in scores if s != chosen), default=-99.0)
    ties = sum(1 for s in scores if s == chosen)
    return ties == 1 and chosen - runner >= 1.0


def _solve(text: str, run: _Run, sc: _Scorer) -> tuple[float, str, int] | None:
    slots = run.slots
    if len(slots) % 2:
        return None
    cands: list[list[tuple[str, bool]]] = []
    for k in range(0, len(slots), 2):
        opts = _candidates(slots[k], slots[k + 1])
        if not opts:
            return None
        cands.append(opts)
    left = text[run.start - 1] if run.start > 0 else ""
    right = text[run.end] if run.end < len(text) else ""
    if run.unknown_tail and right:
        nxt = _gbk(right)
        if nxt is not None and len(nxt) == 2:
            # The final lone byte shown as '?' is most often a lead byte that formed
            # an invalid pair with the next (correctly aligned) lead byte.
            cands[-1] = [
                (ch, unk)
                for ch, unk in cands[-1]
                if _pair((_gbk(ch) or b"\x00")[-1], nxt[0]) is None
            ] or cands[-1]
    total, path = _viterbi(cands, left, right, sc)
    out: list[str] = []
    lost = 0
    for idx, ch in enumerate(path):
        if (
            any(unk for _c, unk in cands[idx][:1])
            and len(cands[idx]) > 1
            and not _confident(idx, path, cands, left, right, sc)
        ):
            out.append(REPLACEMENT)
            lost += 1
            continue
        out.append(ch)
    n_unknown = sum(1 for s in slots if not isinstance(s, int))
    return total - 1.5 * n_unknown, "".join(out), lost


def _fluency(s: str, sc: _Scorer) -> float:
    """Character plausibility plus twice the share of phrase-list bigrams."""
    if len(s) < 2:
        return plausibility(s)
    hits = sum(1 for i in range(len(s) - 1) if sc.bonus(s[i], s[i + 1]) in (3.0, 1.5))
    return plausibility(s) + 2.0 * hits / (len(s) - 1)


def find_byteshift(text: str) -> list[Edit]:
    """Find runs of one-byte-shifted GBK text and propose re-aligned replacements.

    Returns sorted, non-overlapping edits; ``[]`` for text without ``?``.
    """
    if "?" not in text:
        return []
    edits: list[Edit] = []
    sc: _Scorer | None = None
    pos = text.find("?")
    cursor = 0
    while pos != -1:
        nxt = text[pos + 1 : pos + 2]
        if pos < cursor or not nxt or (ord(nxt) < 0x80 and nxt not in _FULLWIDTH_ASCII):
            pos = text.find("?", pos + 1)
            continue
        if sc is None:
            sc = _Scorer(text)
        best: tuple[float, str, _Run, int] | None = None
        for run in _scan_runs(text, pos):
            solved = _solve(text, run, sc)
            if solved is None:
                continue
            score, repl, lost = solved
            if run.stripped_pair and lost:
                continue  # a stripped pair is only believed when fully resolved
            if best is None or score > best[0]:
                best = (score, repl, run, lost)
        if best is not None:
            _score, repl, run, lost = best
            garbled = text[run.start : run.end]
            known = repl.replace(REPLACEMENT, "")
            core = garbled.strip("?")
            if (
                len(known) >= 3
                and len(core) >= 3
                and _fluency(known, sc) - _fluency(core, sc) >= 1.0
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
