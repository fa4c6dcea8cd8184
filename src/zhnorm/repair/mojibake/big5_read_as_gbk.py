"""Big5 read as GBK where the reader marked lost bytes (GBK read as Big5, ``笢恅`` =
中文, is re-read by :mod:`.gbk_read_as_big5`).

This module reads a segment (a run of characters the reader can show) that holds a
lost mark U+FFFD or a private-use character (a GBK reader that shows user-defined
pairs as private use, as Windows, browsers and ``gb18030`` do, never loses a byte):
the marks tell where bytes went.  A segment without either may come from a reader
that dropped bytes silently; Big5 read as GBK is then left alone (see
:data:`.gbk_read_as_big5.SHIFT_PAIRS`).  (The pre-filter is in :mod:`.prefilter`, the
gates in :mod:`.gates`.)

* *Strict re-reading* (:func:`_dbcs_read`): the characters are turned back into the
  reader's bytes, a lost mark into one unknown byte (Python's readers replace one
  byte per error), and the bytes are read pair by pair in the writer's codec; a pair
  with an unknown byte is lost and becomes U+FFFD.  There is no shift hypothesis.
  A reading starts only where the reader is known to be in step: at the segment
  start, after an ASCII character, or where an accepted span ended, never between a
  lost mark followed by a wide character and the next ASCII character.  Its first
  character must be a hanzi forming a linked pair with the next one, or a
  common hanzi read from a rare one.
* *Cut* (:func:`_dbcs_keep`): a character is *lone* if it forms no linked pair
  with its neighbours (lost pairs and ASCII letters glued between wide characters
  count as lone, Chinese punctuation does not); the reading is cut before the run of
  lone characters holding the first rare one (or the first glued letter), or before
  the last run when the reading fails; a lost pair is kept only with a cleanly read
  left neighbour and a linked hanzi on its right (so a mark that stood for a whole
  pair, as browsers write it, is cut there); the span ends where a garbled character
  ends.  The reading also stops where the garbled side stops being mojibake (see
  :mod:`.clean_text`), and clean characters just before such a stretch that re-read
  into lone ones are left (``。据英国`` would give ``。誹``).  The rest of the segment
  may start a new span only where the reader is in step.  Lost pairs are never
  guessed: edits with U+FFFD are ``lossy``.

How much it restores, and that it puts in no wrong character, is measured in
``docs/repair-measurements.md``.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from ...chardata import CLOSERS, DBCS_TRAIL_SPAN, SENTENCE_END, encode_char, is_han
from ..plausibility import char_score, is_common, phrase_linked
from .clean_text import clean_stretches, fine_after, garbled_rare
from .common import LOST_BYTE, Span

# (encoded_as, decoded_as) pairs of the two double-byte codecs read as each other.
DBCS_PAIRS: tuple[tuple[str, str], ...] = (("gbk", "big5"), ("big5", "gbk"))
# Characters that show the reader did not drop bytes silently: a lost mark, or a
# private-use character of a GBK reader that maps user-defined pairs (never loses).
DBCS_PROOF = re.compile("[\ufffd\ue000-\uf8ff]")


@lru_cache(maxsize=65536)
def dbcs_bytes(ch: str, codec: str) -> bytes | None:
    """The one or two bytes a reader in ``codec`` showed as ``ch``.  A GBK reader that
    maps user-defined pairs to private use (Windows, browsers) counts: those characters
    are re-encoded through GB18030's two-byte private-use table."""
    got = encode_char(ch, codec)
    if got is None and codec == "gbk" and "\ue000" <= ch <= "\uf8ff":
        got = encode_char(ch, "gb18030")
    if got is None or len(got) > 2:
        return None
    return got


@lru_cache(maxsize=262144)
def decode_pair(lead: int, trail: int, codec: str) -> str | None:
    """The character of a double-byte pair in ``codec``, or None."""
    try:
        ch = bytes((lead, trail)).decode(codec)
    except UnicodeDecodeError:
        return None
    return ch if len(ch) == 1 else None


# One character of a strict re-reading: (index in the garbled segment where it ends, or
# -1 inside a shifted stretch; the character, U+FFFD for a lost pair; whether lost).
_DUnit = tuple[int, str, bool]


def _dbcs_read(stream: list[int], p: int, bchar: dict[int, int], enc: str) -> list[_DUnit]:
    """Read ``stream`` from byte ``p`` pair by pair in ``enc``, up to the first pair
    that does not decode.  A lost mark stands for one byte (Python's readers replace
    one byte per error); the pair it falls in is lost."""
    units: list[_DUnit] = []
    n = len(stream)
    while p < n:
        b = stream[p]
        if 0 <= b < 0x80:
            units.append((bchar.get(p + 1, -1), chr(b), False))
            p += 1
            continue
        if p + 1 >= n:
            break
        t = stream[p + 1]
        if b == LOST_BYTE or t == LOST_BYTE:
            if t != LOST_BYTE and t not in DBCS_TRAIL_SPAN:
                break
            ch, lost = "\ufffd", True
        else:
            got = decode_pair(b, t, enc)
            if got is None:
                break
            ch, lost = got, False
        p += 2
        units.append((bchar.get(p, -1), ch, lost))
    return units


def _dbcs_keep(units: list[_DUnit], complete: bool, segment: str, clean_at: int) -> int:
    """How many units of a strict re-reading are kept: it is cut where it stops being
    plausible, and where the garbled side stops being mojibake (``clean_at``, the first
    index of a clean-looking stretch of ``segment``, or after a sentence-final mark
    followed by text that reads fine; see the module docstring)."""
    chars = [u[1] for u in units]
    m = len(units)

    def lone(k: int) -> bool:
        ch = chars[k]
        if units[k][2]:
            return True
        if ch.isascii():  # a letter glued between wide characters: a stray trail byte
            inner = 0 < k < m - 1 and not chars[k - 1].isascii() and not chars[k + 1].isascii()
            return inner and not ch.isdigit() and not ch.isspace()
        if not is_han(ch) and char_score(ch) >= 1.5:
            return False  # Chinese punctuation
        return not (
            (k > 0 and phrase_linked(chars[k - 1], ch))
            or (k + 1 < m and phrase_linked(ch, chars[k + 1]))
        )

    lones = [lone(k) for k in range(m)]
    cut, run = m, -1
    for k in range(m):
        if not lones[k]:
            run = -1
            continue
        if run < 0:
            run = k
        if not units[k][2] and (chars[k].isascii() or char_score(chars[k]) < 1.5):
            cut = run  # a rare lone character: the run it ends is misread
            break
    else:
        if not complete and run >= 0:
            cut = run  # the reading failed right after a run of lone characters
    # A lost pair needs a cleanly read left neighbour and a linked hanzi on its right.
    for k in range(cut):
        if units[k][2] and not (
            k > 0
            and not units[k - 1][2]
            and k + 1 < m
            and is_han(chars[k + 1])
            and not lones[k + 1]
        ):
            cut = k
            break
    # The garbled side stops being mojibake: a clean-looking stretch, or text that reads
    # fine after a sentence-final mark of the reading (with its closing quotes).
    for k in range(cut):
        end = units[k][0]
        if end > clean_at:
            cut = k
            # Clean characters just before the stretch re-read into lone ones (据 -> 誹).
            while cut > 0 and lones[cut - 1] and not _rare_garbled(segment, units, cut - 1):
                cut -= 1
            break
        if chars[k] in SENTENCE_END and not units[k][2]:
            j = k + 1
            while j < m and chars[j] in CLOSERS and not units[j][2]:
                j += 1
            if j < cut and units[j - 1][0] >= 0 and fine_after(segment, units[j - 1][0]):
                cut = j
                break
    while cut > 0 and (units[cut - 1][2] or units[cut - 1][0] < 0):
        cut -= 1
    return cut


def _rare_garbled(segment: str, units: list[_DUnit], k: int) -> bool:
    """Whether the garbled characters unit ``k`` was read from hold a rare one (True
    when they are not known: inside a shifted stretch)."""
    end = units[k][0]
    if end < 0:
        return True
    start = next((units[q][0] for q in range(k - 1, -1, -1) if units[q][0] >= 0), end - 1)
    return any(garbled_rare(c) for c in segment[max(start, 0) : end])


def dbcs_spans(segment: str, enc: str, dec: str) -> list[Span]:
    """Strict re-readings of one segment (characters a reader in ``dec`` can show, and
    lost marks), cut where they stop being plausible (see the module docstring)."""
    if DBCS_PROOF.search(segment) is None:
        return []
    stream: list[int] = []
    starts: list[int] = []
    for ch in segment:
        starts.append(len(stream))
        got = None if ch == "\ufffd" else dbcs_bytes(ch, dec)
        stream.extend(got if got is not None else (LOST_BYTE,))
    starts.append(len(stream))
    bchar = {pos: k for k, pos in enumerate(starts)}
    n = len(segment)
    clean = clean_stretches(segment)
    out: list[Span] = []
    i = 0
    in_step = True  # the reader is known to be in step with the pairs at ``i``
    while i < n:
        ch = segment[i]
        if ch.isascii() or ch == "\ufffd" or not in_step:
            # After a lost mark followed by a wide character the reader may be a byte
            # out of step; any ASCII character puts it back in step.
            in_step = ch.isascii() or (in_step and ch != "\ufffd")
            i += 1
            continue
        units = _dbcs_read(stream, starts[i], bchar, enc)
        c = bisect.bisect_left(clean, i)
        clean_at = clean[c] if c < len(clean) else n
        cut = _dbcs_keep(units, bool(units) and units[-1][0] == n, segment, clean_at)
        first = units[0][1] if units else ""
        # The first character must be a linked hanzi, or a common one read from a rare one.
        start_ok = (
            cut > 0
            and is_han(first)
            and (
                (len(units) > 1 and phrase_linked(first, units[1][1]))
                or (is_common(first) and char_score(ch) < 1.5)
            )
        )
        if not start_ok:
            i += 1
            continue
        j = units[cut - 1][0]
        repl = "".join(u[1] for u in units[:cut])
        while j > i + 1 and segment[j - 1].isascii() and repl.endswith(segment[j - 1]):
            j -= 1
            repl = repl[:-1]
        lost = sum(1 for u in units[:cut] if u[2])
        if repl != segment[i:j]:
            out.append((i, j, repl, {"guessed": 0, "unrecovered": lost} if lost else None))
        i = j
    return out
