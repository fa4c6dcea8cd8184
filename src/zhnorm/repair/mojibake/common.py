"""Shared pieces of the mojibake steps: the codec lists, :data:`PAIRS`, the run cap,
the lost-byte code and the candidate span type.

Character and codec facts are in :mod:`zhnorm.chardata`, the scores (plausibility with
GB2312 symbols as punctuation, fluency, linked pairs) in
:mod:`zhnorm.repair.plausibility`.
"""

from __future__ import annotations

import re

from ...chardata import encode_char

# Single-byte codecs a UTF-8 byte stream gets read in: Western Windows/ISO, Cyrillic
# and Kazakh Windows, KOI8, Central European, classic Mac, and the DOS code pages that
# consoles and zip tools still use for file names.
LATIN_CODECS = ("cp1252", "latin-1")
SINGLE_BYTE_CODECS = (
    *LATIN_CODECS,
    "ptcp154",
    "cp1251",
    "koi8-r",
    "cp1250",
    "mac-roman",
    "cp437",
    "cp850",
    "cp866",
)
OTHER_SINGLE_BYTE_CODECS = SINGLE_BYTE_CODECS[2:]
DOS_CODECS = ("cp437", "cp850")
DOUBLE_BYTE_CODECS = ("gbk", "gb18030", "big5")

# (encoded_as, decoded_as): bytes written in the first codec were read in the second.
PAIRS: tuple[tuple[str, str], ...] = (
    ("utf-8", "gbk"),
    ("utf-8", "gb18030"),
    ("utf-8", "big5"),
    *(("utf-8", codec) for codec in SINGLE_BYTE_CODECS),
    ("gbk", "cp1252"),
    ("gbk", "latin-1"),
    ("gbk", "cp437"),
    ("gbk", "cp850"),
    ("big5", "cp1252"),
    ("big5", "latin-1"),
)
# Browsers and MySQL read the five bytes cp1252 leaves undefined as the C1 controls of
# the same value (the WHATWG "windows-1252"); Python's cp1252 refuses them.
_WEB_CP1252_UNDEFINED = {chr(b): bytes((b,)) for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


def reader_bytes(ch: str, codec: str) -> bytes | None:
    """The bytes a reader in ``codec`` showed as ``ch`` (``None`` if it never shows
    ``ch``); a cp1252 reader may be a browser's, which shows its undefined bytes as C1
    controls."""
    got = encode_char(ch, codec)
    if got is None and codec == "cp1252":
        return _WEB_CP1252_UNDEFINED.get(ch)
    return got


RUN_CAP = 240  # characters of a garbled run examined at most
LOST_BYTE = -1  # a lost-mark character in the byte stream of a segment


WHOLE_RUN_LIMIT = 4000
"""Characters of one run read whole at most."""


def shows(ch: str, codec: str) -> bool:
    """Whether a ``codec`` reader can show ``ch`` (a line break ends every run)."""
    return ch not in "\n\r" and reader_bytes(ch, codec) is not None


def shown_run(
    text: str, h0: int, codec: str, lo_bound: int = 0, hi_bound: int | None = None
) -> tuple[int, int]:
    """``(lo, hi)``: the characters around position ``h0`` of ``text`` a ``codec``
    reader shows, within ``lo_bound:hi_bound`` and :data:`WHOLE_RUN_LIMIT` each way."""
    hi_bound = len(text) if hi_bound is None else hi_bound
    lo = hi = h0
    while lo > lo_bound and h0 - lo < WHOLE_RUN_LIMIT and shows(text[lo - 1], codec):
        lo -= 1
    while hi < hi_bound and hi - h0 < WHOLE_RUN_LIMIT and shows(text[hi], codec):
        hi += 1
    return lo, hi


def char_class(cps: list[int]) -> str:
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


# A candidate inside a segment: (start, end, repaired, detail of lost bytes or None).
Span = tuple[int, int, str, dict[str, int] | None]


# Windows cp950 shows Big5's user-defined rows as private use: (first lead, last
# lead, first code point); 157 code points per row (trails 40-7E, A1-FE).
_CP950_EUDC = ((0xFA, 0xFE, 0xE000), (0x8E, 0xA0, 0xE311), (0x81, 0x8D, 0xEEB8))


def cp950_eudc_bytes(ch: str) -> bytes | None:
    """The Big5 pair a Windows cp950 reader showed as the private-use ``ch``."""
    cp = ord(ch)
    for lo, hi, base in _CP950_EUDC:
        row, col = divmod(cp - base, 157)
        if cp - base >= 0 and row <= hi - lo:
            trail = 0x40 + col if col < 63 else 0xA1 + col - 63
            return bytes((lo + row, trail))
    # C6A1-C6FE, then the whole rows C7 and C8: U+F6B1-U+F848.
    if 0xF6B1 <= cp < 0xF6B1 + 94:
        return bytes((0xC6, 0xA1 + cp - 0xF6B1))
    if 0xF6B1 + 94 <= cp <= 0xF848:
        row, col = divmod(cp - 0xF6B1 - 94, 157)
        return bytes((0xC7 + row, 0x40 + col if col < 63 else 0xA1 + col - 63))
    return None
