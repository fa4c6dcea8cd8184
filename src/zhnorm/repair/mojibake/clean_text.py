"""Clean neighbours: where the garbled side stops being mojibake.

An edit stops where the text stops being mojibake, so a garbled sentence followed or
preceded directly by clean text (a paragraph with one sentence garbled) is repaired
without touching that text.  On the garbled side, a run of three or more common hanzi
each forming a linked pair with a neighbour is clean text (mojibake shows at
most two in a row), and so is a ``。！？`` next to text that reads fine (up to four
wide characters, all hanzi or Chinese punctuation, none rare, lost or private use);
no edit covers either.  No reading runs past a sentence-final mark of its own (``。”``
included) into text that reads fine (``…。1998年`` read as Big5 gave ``。1998爛``,
UTF-8 read as GB18030 ``？要`` gave ``？Ҫ``).  An edge character of a span that reads
as clean Chinese must not re-read into a hole or a letter of another script (``小，``
-> ``С�``); for GBK/Big5 read as a single-byte page, an edge character for a byte
80-A0 (``”``, no-break space: only part of rare GBK extension pairs) next to Chinese
text belongs to that text.  (With these rules no edit reaches into the clean text of a
paragraph with one sentence garbled: measured in ``docs/repair-measurements.md``.)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from functools import lru_cache

from ...chardata import (
    CLOSERS,
    HIGH_BYTES_OUTSIDE_GB2312_BIG5,
    SENTENCE_END,
    WIDE_SENTENCE_END,
    encode_char,
    is_han,
)
from ..plausibility import char_score, is_rare, phrase_linked
from .common import reader_bytes


def edge_byte(ch: str, codec: str) -> bool:
    """Whether ``ch`` is a single-byte reader's character for a byte 80-A0
    (:data:`~zhnorm.chardata.HIGH_BYTES_OUTSIDE_GB2312_BIG5`)."""
    got = reader_bytes(ch, codec)
    return got is not None and len(got) == 1 and got[0] in HIGH_BYTES_OUTSIDE_GB2312_BIG5


def _reads_clean(ch: str) -> bool:
    """A garbled-side character that reads as clean Chinese: a hanzi or punctuation,
    neither rare nor private use."""
    return not ch.isascii() and not garbled_rare(ch) and (is_han(ch) or char_score(ch) >= 1.5)


def _chinese(ch: str) -> bool:
    """A repaired character that belongs in Chinese text (hanzi or Chinese punctuation)."""
    return is_han(ch) or (ch != "\ufffd" and not ch.isascii() and char_score(ch) >= 1.5)


def edges_ok(segment: str, i: int, j: int, repl: str) -> bool:
    """A span's edge character that reads as clean Chinese on the garbled side must not
    re-read into a hole or a letter of another script (``小，`` -> ``С�``): it is the
    clean text next to the mojibake."""
    if not repl:
        return False
    if _reads_clean(segment[i]) and not _chinese(repl[0]):
        return False
    return not (_reads_clean(segment[j - 1]) and not _chinese(repl[-1]))


_FINE_LOOKAHEAD = 4  # wide characters looked at next to a sentence-final mark
_CLEAN_RUN = 3  # common hanzi in a row, each in a linked pair, on the garbled side


def garbled_rare(ch: str) -> bool:
    """A garbled-side character that shows mojibake: rare, a lost mark or private use."""
    return is_rare(ch) or "\ue000" <= ch <= "\uf8ff"


def _reads_fine(chars: Iterable[str]) -> bool:
    """Whether garbled-side text reads fine as it is: its first wide characters (up to
    four) are hanzi or punctuation, none rare, lost or private use."""
    seen = 0
    for ch in chars:
        if ch.isascii() or ch.isspace():
            continue
        if not _reads_clean(ch):
            return False
        seen += 1
        if seen >= _FINE_LOOKAHEAD:
            break
    return True


def fine_next(text: str) -> bool:
    """Whether ``text`` starts with Chinese that reads fine (at least one wide character)."""
    return any(not c.isascii() for c in text[:8]) and _reads_fine(text[:8])


def fine_after(segment: str, pos: int) -> bool:
    return _reads_fine(itertools.islice(segment, pos, None))


def _fine_before(segment: str, pos: int) -> bool:
    return pos > 0 and not segment[pos - 1].isascii() and _reads_fine(reversed(segment[:pos]))


def clean_stretches(segment: str) -> list[int]:
    """Sorted indices of a segment where the garbled side is clean text, not mojibake:
    the characters of runs of at least :data:`_CLEAN_RUN` common hanzi each forming a
    linked pair with a neighbour (mojibake shows at most two in a row), and a
    sentence-final mark next to text that reads fine.  An edit never covers one."""
    n = len(segment)
    ok = [is_han(c) and not garbled_rare(c) for c in segment]
    out: list[int] = []
    run = 0
    for k in range(n):
        linked = ok[k] and (
            (k > 0 and ok[k - 1] and phrase_linked(segment[k - 1], segment[k]))
            or (k + 1 < n and ok[k + 1] and phrase_linked(segment[k], segment[k + 1]))
        )
        run = run + 1 if linked else 0
        if run == _CLEAN_RUN:
            out.extend(range(k - _CLEAN_RUN + 1, k + 1))
        elif run > _CLEAN_RUN or (
            segment[k] in WIDE_SENTENCE_END
            and (fine_after(segment, k + 1) or _fine_before(segment, k))
        ):
            out.append(k)
    return out


@lru_cache(maxsize=16)
def _end_bytes(codec: str) -> tuple[tuple[bytes, ...], tuple[bytes, ...]]:
    """Bytes of the sentence-final marks and of the closing quotes in ``codec``."""
    marks = tuple(b for b in (encode_char(c, codec) for c in sorted(SENTENCE_END)) if b)
    closers = tuple(b for b in (encode_char(c, codec) for c in sorted(CLOSERS)) if b)
    return marks, closers


def ends_sentence(data: bytes, end: int, codec: str) -> bool:
    """Whether ``data[:end]`` read in ``codec`` ends with a sentence-final mark and
    optional closing quotes."""
    marks, closers = _end_bytes(codec)
    stripped = True
    while stripped:
        stripped = False
        for c in closers:
            if data.endswith(c, 0, end):
                end -= len(c)
                stripped = True
                break
    return any(data.endswith(m, 0, end) for m in marks)
