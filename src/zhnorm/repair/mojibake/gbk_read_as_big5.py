"""GBK read as Big5: a re-reading that finds where the reader lost bytes.

A Big5 reader that meets a pair it cannot map either drops a byte without a mark
(Python's ``errors="ignore"``, iconv ``-c``) or shows a lost mark U+FFFD, for one byte
(Python's ``errors="replace"``) or for the whole pair (browsers).  After a dropped or
one-byte-marked byte it reads the following bytes one out of step, until a second
error or an ASCII byte puts it back in step; every other byte is still in the garbled
text.  Lossless GBK read as Big5 (``笢恅`` for 中文) is the case without any error.

For one segment (a run of characters the reader can show, and lost marks) the
characters are turned back into the reader's bytes, a mark into one unknown byte, and
the most fluent reading of those bytes is found by dynamic programming over byte
positions (one best path per position and mode), with these moves:

* *keep* the next character as it is (clean text beside the mojibake);
* *re-read* the next pair, or ASCII byte, in the writer's codec;
* read a lost mark as a lost pair (U+FFFD), the mark standing for the whole pair or
  for one of its bytes;
* *put back* a byte the reader dropped silently: the pair it belonged to is lost.

A lost pair makes the edit ``lossy``; its other byte is never guessed.  A path scores
:func:`~zhnorm.repair.plausibility.char_score` per character (finer: see
:func:`_score`), plus :data:`_LINK` per linked pair of adjacent characters,
minus :data:`_SWITCH` on entering and on leaving a re-read stretch, :data:`_MARK` per
lost mark read and :data:`_PUT_BACK` per byte put back.  So a stretch is re-read only
where its re-reading gains more than two switches over the text as it is, and a byte
is put back only where the reading after it gains more than the cost.  Each re-read
stretch must then pass the gates: six or more wide characters go through
:func:`~.gates.dbcs_acceptable`; shorter ones must be distinct rare characters re-read
as hanzi with nothing lost, which the character model finds far likelier
(:data:`SHORT_GAIN` per character, :data:`SHORT_MIN_MEAN` per character at least;
the model replaced the phrase-list links and the frequency classes here).

What it restores and what it gets wrong with each kind of reader is measured in
``docs/repair-measurements.md``.
"""

from __future__ import annotations

from functools import lru_cache

from ...chardata import DBCS_TRAIL_SPAN, RUNNING_PUNCT, is_han
from ..model import char_model
from ..plausibility import (
    char_score,
    frequency_bonus,
    is_common,
    is_rare,
    phrase_linked,
)
from .big5_read_as_gbk import dbcs_bytes, decode_pair
from .common import LOST_BYTE, Span
from .gates import DBCS_MIN, dbcs_acceptable

SHIFT_PAIRS = frozenset({("gbk", "big5")})
"""(writer, reader) pairs repaired here.  Big5 read as GBK is not: with the phrase
lists this search once used, on DRCD sentences this search put in many wrong
characters where the in-step reading of :mod:`.big5_read_as_gbk` puts in none (the
numbers are in ``docs/repair-measurements.md``)."""

_LINK = 3.0
_SWITCH = 2.0
_PUT_BACK = 3.0
_MARK = 0.5
_FEW = 1.0  # frequency_bonus of a hanzi about as frequent as one in 30 phrase bigrams
_KEEP, _READ = 0, 1
_NONE = float("-inf")


@lru_cache(maxsize=65536)
def _score(ch: str) -> float:
    """:func:`char_score`, finer for hanzi and running punctuation: the classes put
    耍 with 人, so a hanzi gets up to 2 more by its frequency in the language model
    (:func:`~zhnorm.repair.plausibility.frequency_bonus`: 人 2.0, 耍 0.5, 绾 0.2), and
    ，。 count as the most frequent hanzi."""
    if ch in RUNNING_PUNCT:
        return 4.0
    base = char_score(ch)
    if not is_han(ch):
        return base
    return base + frequency_bonus(ch)


def worth_searching(hit: str, enc: str, dec: str) -> bool:
    """Whether the bytes of a pre-filter hit (rare characters) read as at least two
    common hanzi in ``enc``, in step or one byte out of step: what mojibake does and
    rare characters of real text (names, reduplications) seldom do."""
    stream = b"".join(dbcs_bytes(ch, dec) or b"" for ch in hit)
    for offset in (0, 1):
        common = 0
        for p in range(offset, len(stream) - 1, 2):
            got = decode_pair(stream[p], stream[p + 1], enc)
            common += got is not None and is_common(got)
        if common >= 2:
            return True
    return False


def shift_spans(segment: str, enc: str, dec: str) -> list[Span]:
    """Re-read stretches of ``segment`` (shown by a reader in ``dec`` that may have
    marked or dropped the bytes it could not read) in the writer's codec ``enc``, with
    the gates passed."""
    stream: list[int] = []
    starts: list[int] = []
    for ch in segment:
        got = (LOST_BYTE,) if ch == "\ufffd" else dbcs_bytes(ch, dec)
        if got is None:
            return []
        starts.append(len(stream))
        stream.extend(got)
    starts.append(len(stream))
    char_at = {p: k for k, p in enumerate(starts)}
    n = len(stream)

    def link(a: str, b: str) -> float:
        return _LINK if phrase_linked(a, b) else 0.0

    # Per mode and byte position: best score, last character, and the step that got
    # there (previous position, previous mode, character emitted or "" for a switch).
    score = [[_NONE] * (n + 1), [_NONE] * (n + 1)]
    last = [[""] * (n + 1), [""] * (n + 1)]
    step: list[list[tuple[int, int, str]]] = [[(-1, 0, "")] * (n + 1), [(-1, 0, "")] * (n + 1)]
    score[_KEEP][0] = 0.0

    def offer(mode: int, q: int, value: float, ch: str, p: int, prev: int) -> None:
        if value > score[mode][q]:
            score[mode][q] = value
            last[mode][q] = ch
            step[mode][q] = (p, prev, ch)

    for p in range(n + 1):
        if p in char_at:  # switches happen between characters of the segment
            kept, read = score[_KEEP][p], score[_READ][p]
            offer(_READ, p, kept - _SWITCH, last[_KEEP][p], p, _KEEP)
            offer(_KEEP, p, read - _SWITCH, last[_READ][p], p, _READ)
            k = char_at[p]
            if k < len(segment) and score[_KEEP][p] > _NONE:
                ch = segment[k]
                value = score[_KEEP][p] + _score(ch) + link(last[_KEEP][p], ch)
                offer(_KEEP, starts[k + 1], value, ch, p, _KEEP)
        base = score[_READ][p]
        if p == n or base == _NONE:
            continue
        before = last[_READ][p]
        b = stream[p]
        if b == LOST_BYTE:  # a lost mark: for a whole pair, or for one byte of it
            offer(_READ, p + 1, base - _MARK, "\ufffd", p, _READ)
            if p + 1 < n and stream[p + 1] in DBCS_TRAIL_SPAN:
                offer(_READ, p + 2, base - _MARK, "\ufffd", p, _READ)
            continue
        if b < 0x80:
            ch = chr(b)
            offer(_READ, p + 1, base + _score(ch), ch, p, _READ)
            continue
        if p + 1 < n and stream[p + 1] == LOST_BYTE:  # a mark for the pair's second byte
            offer(_READ, p + 2, base - _MARK, "\ufffd", p, _READ)
        elif p + 1 < n:
            pair = decode_pair(b, stream[p + 1], enc)
            if pair is not None:
                offer(_READ, p + 2, base + _score(pair) + link(before, pair), pair, p, _READ)
        offer(_READ, p + 1, base - _PUT_BACK, "\ufffd", p, _READ)  # a byte put back
    offer(_KEEP, n, score[_READ][n] - _SWITCH, last[_READ][n], n, _READ)
    # Walk back, collecting the re-read stretches as (first char, end char, emitted).
    spans: list[Span] = []
    mode, p = _KEEP, n
    end, emitted = -1, list[str]()
    while p > 0 or mode == _READ:
        q, prev, ch = step[mode][p]
        if mode == _READ and prev == _KEEP:  # the stretch starts here
            spans.append(_stretch(segment, char_at[p], end, "".join(reversed(emitted))))
        elif mode == _KEEP and prev == _READ:  # the stretch ends here
            end, emitted = char_at[p], []
        elif mode == _READ:
            emitted.append(ch)
        mode, p = prev, q
    return [s for s in reversed(spans) if s[2] != segment[s[0] : s[1]]]


def _distrust(repl: str) -> str:
    """``repl`` with the characters a dropped byte leaves in doubt marked lost.

    Where the reader dropped two bytes in a row, or dropped one just before the
    stretch, the bytes can also be read as hanzi without any put-back (``湖人`` ->
    ``核``, ``如果`` -> ``绻``), and where a stretch ends one byte out of step it reads
    on as hanzi.  Such characters have no linked pair with either neighbour
    and are seldom in any: a run of such lone hanzi holding one in fewer than
    :data:`_FEW` bigrams, at either end of the stretch or next to a lost pair,
    becomes U+FFFD."""
    chars = list(repl)
    m = len(chars)
    lone = [
        is_han(c)
        and not (k > 0 and phrase_linked(chars[k - 1], c))
        and not (k + 1 < m and phrase_linked(c, chars[k + 1]))
        for k, c in enumerate(chars)
    ]
    k = 0
    while k < m:
        if not lone[k]:
            k += 1
            continue
        j = k
        while j < m and lone[j]:
            j += 1
        edge = k == 0 or j == m or chars[k - 1] == "\ufffd" or chars[j] == "\ufffd"
        if edge and any(frequency_bonus(c) < _FEW for c in chars[k:j]):
            chars[k:j] = ["\ufffd"] * (j - k)
        k = j
    return "".join(chars)


def _stretch(segment: str, start: int, end: int, repl: str) -> Span:
    """A re-read stretch as a span, or an empty span (dropped) if a gate refuses it."""
    garbled = segment[start:end]
    if "\ufffd" in repl:  # the reader dropped bytes: more may be in doubt
        repl = _distrust(repl)
    lost = repl.count("\ufffd")
    if not _shift_acceptable(garbled, repl):
        return (start, start, "", None)
    return (start, end, repl, {"guessed": 0, "unrecovered": lost} if lost else None)


def _shift_acceptable(garbled: str, repl: str) -> bool:
    """The gates of a re-read stretch (see the module docstring)."""
    wide = [c for c in garbled if not c.isascii()]
    if len(wide) >= DBCS_MIN:
        return dbcs_acceptable(garbled, repl)
    if not (
        len(repl) >= 2
        and len(set(wide)) == len(wide)  # not a reduplication (忡忡, a name's 婧婧)
        and all(is_han(c) for c in repl)  # nothing lost
        and all(is_rare(c) for c in wide)
    ):
        return False
    lm = char_model()
    return lm.mean_logprob(repl) >= SHORT_MIN_MEAN and lm.logprob(repl) - lm.logprob(
        garbled
    ) >= SHORT_GAIN * len(wide)


SHORT_GAIN = 4.0
"""Log-probability per wide garbled character a short stretch (fewer than
:data:`~.gates.DBCS_MIN` wide characters) must gain by its re-reading."""
SHORT_MIN_MEAN = -8.5
"""Mean log-probability per character a short stretch's reading must reach (GBK
phrases read back score -4 to -8.5; Traditional rare words such as ``嘌呤`` or
``醍醐`` re-read as GBK score -11 and below, and lose likelihood)."""
