"""Shared pieces: the codec lists, :data:`PAIRS`, encoding and scoring helpers.

Plausibility here is the character-frequency class of :mod:`zhnorm.repair.plausibility`
with GB2312 symbols (``◆``, ``※``, ``①``) scored as punctuation, and fluency adds
twice the share of phrase-list bigrams.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache

from ..plausibility import char_score, lexicon_index

# Single-byte codecs a UTF-8 byte stream gets read in: Western Windows/ISO, Cyrillic
# and Kazakh Windows, KOI8, Central European, classic Mac, and the DOS code pages that
# consoles and zip tools still use for file names.
_LATIN = ("cp1252", "latin-1")
_SINGLE = (*_LATIN, "ptcp154", "cp1251", "koi8-r", "cp1250", "mac-roman", "cp437", "cp850", "cp866")
_NEW_SINGLE = _SINGLE[2:]
_DOS = ("cp437", "cp850")
_DOUBLE = ("gbk", "gb18030", "big5")

# (encoded_as, decoded_as): bytes written in the first codec were read in the second.
PAIRS: tuple[tuple[str, str], ...] = (
    ("utf-8", "gbk"),
    ("utf-8", "gb18030"),
    ("utf-8", "big5"),
    *(("utf-8", codec) for codec in _SINGLE),
    ("gbk", "cp1252"),
    ("gbk", "latin-1"),
    ("gbk", "cp437"),
    ("gbk", "cp850"),
    ("big5", "cp1252"),
    ("big5", "latin-1"),
)
_RUN_CAP = 240
_LOST_MARKS = "?\ufffd"
_LOST = -1  # a lost-mark character in the byte stream of a segment


@lru_cache(maxsize=262144)
def _enc(ch: str, codec: str) -> bytes | None:
    try:
        return ch.encode(codec)
    except UnicodeEncodeError:
        return None


def _class_of(cps: list[int]) -> str:
    """Regex character class (without brackets) of the given code points."""
    cps = sorted(set(cps))
    parts: list[str] = []
    start = prev = cps[0]
    for cp in [*cps[1:], -2]:
        if cp == prev + 1:
            prev = cp
            continue
        a, b = re.escape(chr(start)), re.escape(chr(prev))
        parts.append(a if start == prev else f"{a}-{b}")
        start = prev = cp
    return "".join(parts)


def _enc_text(text: str, codec: str) -> bytes | None:
    try:
        return text.encode(codec)
    except UnicodeEncodeError:
        return None


@lru_cache(maxsize=1)
def _gb_symbols() -> frozenset[str]:
    """Symbols and numerals of GB2312 rows A1-A2 (``◆``, ``※``, ``①``): ordinary in
    Chinese text, so a repaired reading is not penalised for them."""
    out: set[str] = set()
    for lead in (0xA1, 0xA2):
        for trail in range(0xA1, 0xFF):
            try:
                ch = bytes((lead, trail)).decode("gb2312")
            except UnicodeDecodeError:
                continue
            if unicodedata.category(ch)[0] in "PSN":
                out.add(ch)
    return frozenset(out)


def _plaus(s: str) -> float:
    """:func:`plausibility`, with the GB2312 symbols scored as punctuation."""
    syms = _gb_symbols()
    total = 0.0
    n = 0
    for ch in s:
        if ch.isspace():
            continue
        score = char_score(ch)
        total += max(score, 1.5) if ch in syms else score
        n += 1
    return total / n if n else 0.0


def _fluency(s: str) -> float:
    core = s.replace("\ufffd", "")
    if not core:
        return -6.0
    p = _plaus(core)
    if len(core) < 2 or core.isascii():
        return p
    rights = lexicon_index()[1]
    hits = sum(1 for i in range(len(core) - 1) if core[i + 1] in rights.get(core[i]))
    return p + 2.0 * hits / (len(core) - 1)


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or ch >= "\U00020000"


def _linked(a: str, b: str) -> bool:
    """Whether ``ab`` is a phrase-list bigram (a lost pair, or nothing, links to
    nothing)."""
    return bool(a) and "\ufffd" not in (a, b) and b in lexicon_index()[1].get(a)


def _bigram_share(s: str) -> float:
    """Share of adjacent hanzi pairs of ``s`` that are phrase-list bigrams."""
    rights = lexicon_index()[1]
    pairs = [(a, b) for a, b in itertools.pairwise(s) if _is_han(a) and _is_han(b)]
    if not pairs:
        return 0.0
    return sum(1 for a, b in pairs if b in rights.get(a)) / len(pairs)


# A candidate inside a segment: (start, end, repaired, detail of lost bytes or None).
_Span = tuple[int, int, str, dict[str, int] | None]


def _rare(ch: str) -> bool:
    """A non-ASCII character rare in clean Chinese text (lost marks included)."""
    return ch == "\ufffd" or (not ch.isascii() and not ch.isspace() and _plaus(ch) < 1.5)
