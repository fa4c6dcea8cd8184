"""Character and codec facts the fixers share: one home for each.

* What a Han character is (:data:`HAN_RANGES`, :func:`is_han`, :data:`HAN_CLASS` for
  regular expressions); the basic block alone, where double-byte mojibake falls
  (:func:`is_basic_han`); and the wider set a pinyin reading may annotate
  (:func:`is_han_or_zero`: Han plus the ideographic zero ``〇``).
* Marks a reader leaves for bytes it could not read (:data:`LOST_MARK`,
  :data:`LOST_MARKS`).
* Punctuation of Chinese text: :data:`CJK_PUNCT`, :data:`RUNNING_PUNCT`,
  :data:`SENTENCE_END`, :data:`WIDE_SENTENCE_END`, :data:`QUOTES`, :data:`CLOSERS`.
* The byte ranges of the double-byte codecs: GBK (:data:`GBK_LEADS`, :data:`GBK_TRAILS`,
  :data:`GBK_USER_LEADS`), GB2312 (:data:`GB2312_BYTES`, :data:`GB2312_LEVEL1_LEADS`,
  :data:`GB2312_LEVEL2_LEADS`, :data:`GB2312_FULLWIDTH_LEAD`), Big5 (:data:`BIG5_LEADS`,
  :data:`BIG5_TRAILS`, :data:`BIG5_COMMON_CODES`, :data:`BIG5_LESS_COMMON_LEADS`), what
  they share (:data:`DBCS_TRAIL_SPAN`, :data:`DBCS_ASCII_TRAILS`) and what neither GB2312
  nor Big5 uses (:data:`HIGH_BYTES_OUTSIDE_GB2312_BIG5`).
* GBK's double-byte codes decoded once (:func:`gbk_rows`, :func:`gbk_pair`), the GB2312
  symbols (:func:`gb_symbols`), and encoding that answers ``None`` instead of raising
  (:func:`encode_char`, :func:`encode_text`).

Scores built on these facts live in :mod:`zhnorm.repair.plausibility`.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = [
    "BIG5_COMMON_CODES",
    "BIG5_LEADS",
    "BIG5_LESS_COMMON_LEADS",
    "BIG5_TRAILS",
    "CJK_PUNCT",
    "CLOSERS",
    "DBCS_ASCII_TRAILS",
    "DBCS_TRAIL_SPAN",
    "GB2312_BYTES",
    "GB2312_FULLWIDTH_LEAD",
    "GB2312_LEVEL1_LEADS",
    "GB2312_LEVEL2_LEADS",
    "GBK_LEADS",
    "GBK_TRAILS",
    "GBK_USER_LEADS",
    "HAN_CLASS",
    "HAN_RANGES",
    "HIGH_BYTES_OUTSIDE_GB2312_BIG5",
    "IDEOGRAPHIC_ZERO",
    "LOST_MARK",
    "LOST_MARKS",
    "QUOTES",
    "RUNNING_PUNCT",
    "SENTENCE_END",
    "WIDE_SENTENCE_END",
    "encode_char",
    "encode_text",
    "gb_symbols",
    "gbk_pair",
    "gbk_rows",
    "is_basic_han",
    "is_han",
    "is_han_or_zero",
]

# --- Han characters ------------------------------------------------------------------

HAN_RANGES: tuple[tuple[int, int], ...] = (
    (0x3400, 0x4DBF),  # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x20000, 0x2A6DF),  # Extension B
    (0x2A700, 0x2EE5F),  # Extensions C, D, E, F, I
    (0x2F800, 0x2FA1F),  # CJK Compatibility Ideographs Supplement
    (0x30000, 0x323AF),  # Extensions G, H
)
"""The code point blocks of Han characters (inclusive ranges), the one definition every
module uses.  Radicals, strokes and ``〇`` are not in it."""

HAN_CLASS = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in HAN_RANGES)
""":data:`HAN_RANGES` as the body of a regular-expression class: ``f"[{HAN_CLASS}]"``."""

IDEOGRAPHIC_ZERO = "\u3007"
"""``〇``: written among hanzi (``二〇〇八``) and read ``líng``, but not a Han character."""

_ASTRAL_HAN = HAN_RANGES[3:]


def is_han(ch: str) -> bool:
    """Whether the character ``ch`` is a Han character (in :data:`HAN_RANGES`).

    >>> [is_han(c) for c in "漢a〇\U00020000"]
    [True, False, False, True]
    """
    if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf":
        return True
    if ch < "\uf900":
        return False
    if ch <= "\ufaff":
        return True
    if ch < "\U00020000":
        return False
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _ASTRAL_HAN)


def is_basic_han(ch: str) -> bool:
    """Whether ``ch`` is in the basic block of Han characters, CJK Unified Ideographs
    (U+4E00-U+9FFF), without the extensions and compatibility ideographs: where the
    double-byte readings of mojibake fall.

    >>> [is_basic_han(c) for c in "漢\u3400\uf900"]
    [True, False, False]
    """
    return "\u4e00" <= ch <= "\u9fff"


def is_han_or_zero(ch: str) -> bool:
    """Whether ``ch`` is a Han character or ``〇``: what a pinyin reading may annotate."""
    return ch == IDEOGRAPHIC_ZERO or is_han(ch)


# --- lost bytes ----------------------------------------------------------------------

LOST_MARK = "\ufffd"
"""U+FFFD, what a decoder writes for bytes it could not read, and what a repair writes
for a character it could not restore."""

LOST_MARKS = "?\ufffd"
"""What readers write in place of a lost byte: ``?`` or U+FFFD."""

# --- punctuation ---------------------------------------------------------------------

CJK_PUNCT = frozenset("。，、；：？！“”‘’（）《》〈〉【】「」『』—…·　～﹏．％＋－／＝＃＠＆＊")
"""Punctuation normal in Chinese text (GB2312 rows A1/A3 and their Big5 peers)."""

RUNNING_PUNCT = frozenset("，。、；：？！“”‘’（）《》—…·")
"""The punctuation of running Chinese prose, as frequent as its commonest hanzi."""

SENTENCE_END = frozenset("。！？!?")
"""Marks that end a sentence."""

WIDE_SENTENCE_END = frozenset("。！？")
"""The full-width :data:`SENTENCE_END` marks (in garbled text ``?`` may be a lost mark)."""

QUOTES = frozenset("”“’‘」「』『")
"""Quotation marks, opening and closing."""

CLOSERS = frozenset("”’」』）)》〉】")
"""Closing quotes and brackets, which may follow a sentence end."""

# --- byte ranges of the double-byte codecs -------------------------------------------

DBCS_TRAIL_SPAN = range(0x40, 0xFF)
"""The span of the trail bytes of GBK and Big5 (0x40-0xFE), of which each codec uses a
part (:data:`GBK_TRAILS`, :data:`BIG5_TRAILS`): a byte outside it is the trail of no
double-byte character."""

DBCS_ASCII_TRAILS = range(0x40, 0x7F)
"""The trail bytes of GBK and Big5 that are ASCII characters (``@``-``~``): what is left
showing of a double-byte character cut in two."""

GBK_LEADS = tuple(range(0x81, 0xFF))
"""GBK lead bytes."""

GBK_TRAILS = tuple(b for b in DBCS_TRAIL_SPAN if b != 0x7F)
"""GBK trail bytes."""

GB2312_BYTES = range(0xA1, 0xFF)
"""The lead and the trail bytes of GB2312 (EUC-CN): rows and cells 1-94 as A1-FE."""

GB2312_LEVEL1_LEADS = range(0xB0, 0xD8)
"""The lead bytes of GB2312's level-1 hanzi (rows 16-55: the 3755 common ones)."""

GB2312_LEVEL2_LEADS = range(0xD8, 0xF8)
"""The lead bytes of GB2312's level-2 hanzi (rows 56-87: the 3008 less common ones)."""

GB2312_FULLWIDTH_LEAD = 0xA3
"""The lead byte of GB2312's row of full-width ASCII: ``！``-``～`` are A3A1-A3FE, the
ASCII byte with its high bit set as trail."""

BIG5_LEADS = range(0xA1, 0xFA)
"""Big5 lead bytes (as Python's ``big5`` codec reads them)."""

BIG5_TRAILS = tuple(DBCS_ASCII_TRAILS) + tuple(range(0xA1, 0xFF))
"""Big5 trail bytes."""

BIG5_COMMON_CODES = range(0xA440, 0xC67F)
"""The double-byte codes (``lead << 8 | trail``) of Big5's common hanzi, A440-C67E."""

BIG5_LESS_COMMON_LEADS = range(0xC9, 0xFA)
"""The lead bytes of Big5's less common hanzi (C940-F9D5)."""

HIGH_BYTES_OUTSIDE_GB2312_BIG5 = range(0x80, 0xA1)
"""The high bytes 0x80-0xA0, none of them a GB2312 or a Big5 byte: in GBK text only part
of a rare extension pair."""

GBK_USER_LEADS = tuple(range(0xAA, 0xB0)) + tuple(range(0xF8, 0xFF)) + tuple(range(0xA1, 0xA8))
"""Lead bytes whose two-byte codes lie in a GBK user-defined area (decoded to private
use)."""


@lru_cache(maxsize=1)
def gbk_rows() -> tuple[str, ...]:
    """Every GBK double-byte code decoded once: ``rows[lead][trail]`` is the character,
    or NUL when the pair does not decode to one character outside the private-use area
    (so does every pair with a lead byte below 0x81 or 0xFF).  About 15 ms, once."""
    rows = []
    for lead in range(256):
        row = ["\0"] * 256
        if lead in GBK_LEADS:
            for trail in range(256):
                try:
                    ch = bytes((lead, trail)).decode("gbk")
                except UnicodeDecodeError:
                    continue
                if len(ch) == 1 and not 0xE000 <= ord(ch) <= 0xF8FF:
                    row[trail] = ch
        rows.append("".join(row))
    return tuple(rows)


def gbk_pair(lead: int, trail: int) -> str | None:
    """Decode one GBK double-byte code, rejecting private-use results."""
    ch = gbk_rows()[lead][trail]
    return None if ch == "\0" else ch


@lru_cache(maxsize=1)
def gb_symbols() -> frozenset[str]:
    """Symbols and numerals of GB2312 rows A1-A2 (``◆``, ``※``, ``①``): ordinary in
    Chinese text, so a repaired reading is not penalised for them."""
    out: set[str] = set()
    for lead in (0xA1, 0xA2):
        for trail in GB2312_BYTES:
            try:
                ch = bytes((lead, trail)).decode("gb2312")
            except UnicodeDecodeError:
                continue
            if unicodedata.category(ch)[0] in "PSN":
                out.add(ch)
    return frozenset(out)


# --- encoding without exceptions -----------------------------------------------------


@lru_cache(maxsize=262144)
def encode_char(ch: str, codec: str) -> bytes | None:
    """``ch`` encoded in ``codec``, or ``None`` when the codec cannot write it."""
    try:
        return ch.encode(codec)
    except UnicodeEncodeError:
        return None


def encode_text(text: str, codec: str) -> bytes | None:
    """``text`` encoded in ``codec``, or ``None`` when the codec cannot write it."""
    try:
        return text.encode(codec)
    except UnicodeEncodeError:
        return None
