"""GBK read as Big5 or Big5 read as GBK, in step: which characters to re-read.

When no byte was lost (the reader read every pair, Windows readers showing the
user-defined pairs as private-use characters), every garbled character is one pair
of the writer's bytes, so the repair is a substitution character by character:
``c -> writer.decode(reader.encode(c))``.  What is left to decide is which
characters are garbled.  The character model (:func:`zhnorm.language_model.char_model`)
decides, with a Viterbi walk over two states per character, kept or re-read: the
path maximises the log-probability of the text it outputs minus :data:`SWITCH` for
every change of state.  ASCII reads the same either way, so a re-read stretch runs on
over digits (``2007爛8堎`` = 2007年8月).

A re-read character that is rare, kana, box drawing or an ASCII letter splits the
stretch (the bytes may be out of step there, a byte dropped silently).  A piece
becomes a span if it re-reads two different wide characters or more (three inside
text), no rare character touches it (the garbled run going on out of step), the
model finds the text with it at least :data:`MIN_GAIN` per re-read character likelier
than without it, and the reading itself scores at least :data:`MIN_MEAN` per
character.  The driver keeps only spans that overlap a GBK<->Big5 pre-filter hit, in
windows without a lost mark (a reader that marked a lost byte may be out of step
after it; the lost-byte readers handle those).

A line a Windows reader showed (``lossless``: user-defined pairs as private-use
characters, no byte lost) is one unbroken garbled byte stream: its private-use
characters are always re-read (they are no clean text, and they count as proof on
their own rather than towards the gain asked for: the model scores a run of them as
symbols, not as nonsense), and a short head or gap of common characters between
re-read stretches (:data:`GAP`, no punctuation in it) is re-read with them.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from ...chardata import is_han
from ..model import char_model
from ..plausibility import is_common, is_rare
from .big5_read_as_gbk import dbcs_bytes
from .common import Span, cp950_eudc_bytes

SWITCH = 6.0
MIN_GAIN = 3.0
# The reading itself must be text by the model: Chinese scores -4 to -8 per
# character, hanzi read from bytes out of step -11 and below.
MIN_MEAN = -9.0
_WRITER_CODECS = {"gbk": ("gbk",), "big5": ("big5", "big5hkscs")}


@lru_cache(maxsize=65536)
def reread(ch: str, enc: str, dec: str) -> str | None:
    """The character the writer in ``enc`` meant by the pair a ``dec`` reader showed
    as ``ch`` (``None`` if ``ch`` is not such a pair or the pair means nothing)."""
    data = dbcs_bytes(ch, dec)
    if data is None and dec == "big5" and "\ue000" <= ch <= "\uf8ff":
        data = cp950_eudc_bytes(ch)
    if data is None or len(data) != 2:
        return None
    for codec in _WRITER_CODECS[enc]:
        try:
            got = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if len(got) == 1 and got != ch:
            return got
    return None


def _rare_to_common(ch: str, got: str) -> bool:
    return not ch.isascii() and is_rare(ch) and is_common(got)


def _transitions(segment: str, alt: str) -> list[list[float]]:
    """Per position i >= 1, log P(out_i | out_{i-1}) for the four (previous state,
    state) pairs: kept-kept, kept-read, read-kept, read-read (vectorised by scoring
    interleaved strings)."""
    n = len(segment)
    kr_text = "".join(a + b for a, b in zip(segment[:-1], alt[1:], strict=True))
    rk_text = "".join(a + b for a, b in zip(alt[:-1], segment[1:], strict=True))
    # One call of the model: no score read below is a part's first (it would be
    # conditioned on the part before it).
    scores = char_model().pair_logprobs(segment + alt + kr_text + rk_text)
    kk = scores[:n]
    rr = scores[n : 2 * n]
    kr = scores[2 * n : 2 * n + len(kr_text)]
    rk = scores[2 * n + len(kr_text) :]
    return [
        [a, b, c, d]
        for a, b, c, d in zip(
            kk[1:].tolist(), kr[1::2].tolist(), rk[1::2].tolist(), rr[1:].tolist(), strict=True
        )
    ]


def in_step_spans(segment: str, enc: str, dec: str, lossless: bool = False) -> list[Span]:
    """Spans of ``segment`` whose characters, re-read pair by pair, make it likelier.
    With ``lossless`` (a Windows reader, which shows user-defined pairs as private use
    and drops nothing) the bytes cannot go out of step, so a rare hanzi re-read (a
    name's 鄄) does not split the stretch."""
    n = len(segment)
    got = [reread(ch, enc, dec) if not ch.isascii() else ch for ch in segment]
    can = [g is not None for g in got]
    # Cheap evidence first: two rare characters at least that re-read as common ones.
    if sum(1 for g, ch in zip(got, segment, strict=True) if g and _rare_to_common(ch, g)) < 2:
        return []
    alt = "".join(g if g is not None else ch for g, ch in zip(got, segment, strict=True))
    lm = char_model()
    neg = float("-inf")
    trans = _transitions(segment, alt)
    # A Windows reader's private-use character is no clean text: it is re-read.
    forced = [lossless and c and _private(ch) for c, ch in zip(can, segment, strict=True)]
    score = [neg if forced[0] else lm.unigram(segment[0]), lm.unigram(alt[0]) if can[0] else neg]
    back: list[tuple[int, int]] = [(0, 0)]
    for i in range(1, n):
        kk, kr, rk, rr = trans[i - 1]
        keep_from_keep, keep_from_read = score[0] + kk, score[1] + rk - SWITCH
        read_from_keep, read_from_read = score[0] + kr - SWITCH, score[1] + rr
        keep = neg if forced[i] else max(keep_from_keep, keep_from_read)
        read = max(read_from_keep, read_from_read) if can[i] else neg
        back.append((int(keep_from_read > keep_from_keep), int(read_from_read >= read_from_keep)))
        score = [keep, read]
    state = 0 if score[0] >= score[1] else 1
    states = [0] * n
    for i in range(n - 1, -1, -1):
        states[i] = state
        state = back[i][state]
    if lossless:
        _fill_gaps(states, segment, alt, can)
    spans: list[Span] = []
    i = 0
    while i < n:
        if states[i] == 0:
            i += 1
            continue
        j = i
        while j < n and states[j] == 1:
            j += 1
        # A re-read character that is rare or not text (kana, box drawing: ``ケ``,
        # ``┎``, an ASCII letter) means the bytes may be out of step there (a byte was
        # dropped silently): the stretch is judged in pieces between such characters.
        start = i
        for k in range(i, j + 1):
            if (
                k == j
                or not (_reads_as_text(alt[k]) or (lossless and alt[k].isascii()))
                or (is_rare(alt[k]) and not (lossless and _kept_in_step(segment[k], alt[k])))
            ):
                spans += _piece(segment, alt, start, k, lossless)
                start = k + 1
        i = j
    return spans


GAP = 2
"""A Windows reader garbles one unbroken byte stream: up to this many wide characters
kept between two re-read stretches of a line (ASCII aside) are re-read with them
(``分吊出`` = 分裂出: ``吊``, the GBK reading of 裂's Big5 bytes, is common enough for
the walk to keep it)."""


def _fill_gaps(states: list[int], segment: str, alt: str, can: list[bool]) -> None:
    """Re-read (in ``states``) the short kept gaps between re-read stretches of a
    lossless line (:data:`GAP`): every character of the gap must re-read into text that
    is not rare, and no punctuation or line break may stand in it (clean text meets
    the garbled run there)."""
    n = len(states)
    last_read = -1
    for i in range(n):
        if states[i] != 1:
            continue
        if i - last_read > 1 and (last_read >= 0 or _opens_line(segment, i)):
            gap = range(last_read + 1, i)
            wide = [k for k in gap if not segment[k].isascii()]
            if (
                0 < len(wide) <= GAP
                and all(can[k] and _reads_as_text(alt[k]) and not is_rare(alt[k]) for k in wide)
                and not any(_mark(segment[k]) for k in gap)
            ):
                for k in wide:
                    states[k] = 1
        last_read = i


def _opens_line(segment: str, i: int) -> bool:
    """Whether the characters before ``i`` are a line's short head that is no text of
    its own: at most :data:`GAP` wide characters, none of them punctuation or ASCII."""
    return 0 < i <= GAP and all(not ch.isascii() and not _mark(ch) for ch in segment[:i])


def _mark(ch: str) -> bool:
    """Punctuation or a line break: where clean text may meet a garbled run."""
    return ch in "\n\r" or unicodedata.category(ch)[0] == "P"


def _private(ch: str) -> bool:
    return "\ue000" <= ch <= "\uf8ff"


def _kept_in_step(ch: str, got: str) -> bool:
    """A rare re-read character ``got`` (read from ``ch``) that does not split a lossless
    stretch: a hanzi (a name's 鄄), or punctuation read from a private-use character
    (Big5's ``•``); the bytes cannot be out of step there."""
    return is_han(got) or (_private(ch) and unicodedata.category(got)[0] == "P")


def _reads_as_text(ch: str) -> bool:
    """A character a re-read stretch may hold: hanzi, punctuation, digits, full-width
    forms, ASCII other than letters (a letter glued between re-read hanzi is a trail
    byte whose lead was dropped: ``馈A376``)."""
    if ch.isascii():
        return not ch.isalpha()
    if is_han(ch):
        return True
    return unicodedata.category(ch)[0] in "PN" or "\uff01" <= ch <= "\uff5e"


def _neighbours(segment: str, lo: int, hi: int) -> list[str]:
    """The nearest non-ASCII characters left of ``lo`` and right of ``hi``."""
    out: list[str] = []
    k = lo - 1
    while k >= 0 and segment[k].isascii():
        k -= 1
    if k >= 0:
        out.append(segment[k])
    k = hi
    while k < len(segment) and segment[k].isascii():
        k += 1
    if k < len(segment):
        out.append(segment[k])
    return out


def _piece(segment: str, alt: str, lo: int, hi: int, lossless: bool = False) -> list[Span]:
    """The re-read stretch ``segment[lo:hi]`` as a span if it passes the gates.  With
    ``lossless`` the private-use characters, which must be re-read anyway and which the
    model scores as a run of symbols, do not count towards the gain asked for."""
    while lo < hi and segment[lo].isascii():
        lo += 1
    while hi > lo and segment[hi - 1].isascii():
        hi -= 1
    garbled = segment[lo:hi]
    wide = [ch for ch in garbled if not ch.isascii()]
    # A Windows reader's private-use character is proof enough on its own; else two
    # different wide characters at least (a reduplicated name, 婧婧, is no evidence),
    # and a clear gain by the model.
    proof = lossless and any(_private(ch) for ch in wide)
    if not proof and (len(wide) < 2 or len(set(wide)) < 2):
        return []
    # Where the garbled run goes on past the stretch (a rare character next to it), the
    # bytes went out of step there (a byte dropped silently): not in step, not ours.
    # (A lossless reader cannot go out of step.)
    neighbours = _neighbours(segment, lo, hi)
    if not lossless and any(is_rare(ch) for ch in neighbours):
        return []
    if not proof and len(wide) < 3 and neighbours:
        return []  # two characters inside text are too little evidence (晶砃 -> 垂向)
    repl = alt[lo:hi]
    lm = char_model()
    before = segment[max(0, lo - 1) : hi + 1]
    after = segment[max(0, lo - 1) : lo] + repl + segment[hi : hi + 1]
    asked = [ch for ch in wide if not (lossless and _private(ch))]
    if lm.logprob(after) - lm.logprob(before) < MIN_GAIN * max(1, len(asked)):
        return []
    if lm.mean_logprob(repl) < MIN_MEAN:
        return []  # rare characters read from rare ones (bytes out of step): 渭踊嵋椋
    return [(lo, hi, repl, None)]
