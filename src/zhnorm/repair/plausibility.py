"""How much a string looks like real Chinese (or mixed Chinese/Latin) text.

Latin-oriented "badness" heuristics do not transfer to Chinese: mojibake of Chinese
is usually made of perfectly valid hanzi.  What differs is *which* hanzi.  The
evidence used here comes only from the codecs shipped with Python:

* GB2312 level 1 (bytes ``B0A1``-``D7FE``) holds the 3755 most frequent simplified
  characters; Big5 ``A440``-``C67E`` holds the 5401 frequent traditional ones.
* GB2312 level 2 (``D8A1``-``F7FE``) and Big5 ``C940``-``F9D5`` are rarer.
* Characters reachable only through the GBK extension (GBK/3, GBK/4) and not in
  common Big5 are rarer still; CJK Extension A, private-use, box drawing, bopomofo,
  Greek/Cyrillic letters and Latin-1 letters inside Chinese text are typical of
  mis-decoded bytes.

Scale: :func:`char_score` is a per-character log-likelihood-like score in
``[-6, 2]``; :func:`plausibility` is its mean over non-space characters, so clean
Chinese prose scores about 1.6-2.0, clean traditional prose about 1.5-2.0,
English 0.5-1.0, and mojibake below about 0.5 (often negative).  The empty string
scores 0.0.  Only differences between candidate readings of the same bytes are
meaningful; the absolute value is not a probability.

Fluency adds pair evidence to plausibility: :func:`pair_fluency` is the one shape of
it (plausibility plus twice the share of adjacent pairs that are linked), which the
mojibake gates use with the pairs the language model links (:func:`fluency`,
:data:`BOND`; :mod:`zhnorm.language_model`) and the byte-shift repair with bigrams of
the document itself.  The character facts the scores rest on are in
:mod:`zhnorm.chardata`.
"""

from __future__ import annotations

import contextlib
import itertools
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

from ..cache import cached_strings
from ..chardata import (
    BIG5_COMMON_CODES,
    BIG5_LESS_COMMON_LEADS,
    BIG5_TRAILS,
    CJK_PUNCT,
    GB2312_BYTES,
    GB2312_LEVEL1_LEADS,
    GB2312_LEVEL2_LEADS,
    GBK_LEADS,
    GBK_TRAILS,
    LOST_MARK,
    gb_symbols,
    is_basic_han,
    is_han,
)
from .model import char_model

__all__ = [
    "BOND",
    "bigram_share",
    "char_score",
    "fluency",
    "frequency_bonus",
    "is_common",
    "is_rare",
    "lenient_plausibility",
    "pair_fluency",
    "phrase_linked",
    "plausibility",
]

COMMON_HANZI = 2.0
LESS_COMMON_HANZI = 1.0
PUNCT = 1.5
ASCII_WORD = 1.0
GBK_ONLY = -1.0
RARE_SYMBOL = -3.0
EXT_HANZI = -4.0
PRIVATE_USE = -6.0

_PINYIN_VOWELS = set("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňḿ")


def _code_chars(codec: str, codes: Iterable[int]) -> set[str]:
    """The characters the double-byte ``codes`` (``lead << 8 | trail``) decode to."""
    out: set[str] = set()
    for code in codes:
        with contextlib.suppress(UnicodeDecodeError):
            out.add(code.to_bytes(2, "big").decode(codec))
    return out


def _range_chars(codec: str, leads: Iterable[int], trails: Iterable[int]) -> set[str]:
    """The characters the double-byte codes ``leads x trails`` decode to."""
    return _code_chars(codec, (lead << 8 | trail for lead in leads for trail in trails))


def _build_tables() -> list[str]:
    """(common, less common, all GBK/Big5) characters, each as one sorted string."""
    common = _range_chars("gb2312", GB2312_LEVEL1_LEADS, GB2312_BYTES)
    common |= _code_chars("big5", BIG5_COMMON_CODES)
    less = _range_chars("gb2312", GB2312_LEVEL2_LEADS, GB2312_BYTES)
    less |= _range_chars("big5", BIG5_LESS_COMMON_LEADS, BIG5_TRAILS)
    less -= common
    every = _range_chars("gbk", GBK_LEADS, GBK_TRAILS)
    return ["".join(sorted(chars)) for chars in (common, less, every)]


@lru_cache(maxsize=1)
def _tables() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Return (common, less common, all GBK/Big5) character sets, built from codecs
    (~0.1 s) the first time and read from the cache folder afterwards."""
    ranges = (GB2312_LEVEL1_LEADS, GB2312_LEVEL2_LEADS, GB2312_BYTES, BIG5_COMMON_CODES)
    inputs = repr((*ranges, BIG5_LESS_COMMON_LEADS, BIG5_TRAILS, GBK_LEADS, GBK_TRAILS))
    common, less, every = cached_strings("codec-tables", inputs, _build_tables)
    return frozenset(common), frozenset(less), frozenset(every)


@lru_cache(maxsize=65536)
def char_score(ch: str) -> float:
    """Score one character (see the module docstring for the scale)."""
    o = ord(ch)
    if o < 0x80:
        if ch.isalnum() or ch in " \t\n\r":
            return ASCII_WORD
        if o < 0x20 or o == 0x7F:
            return PRIVATE_USE
        return 0.5
    common, less, every = _tables()
    if ch in common:
        return COMMON_HANZI
    if ch in CJK_PUNCT or ch in "“”‘’…—–·":
        return PUNCT
    if ch in less:
        return LESS_COMMON_HANZI
    if ch in _PINYIN_VOWELS:
        return 0.5
    if 0xFF01 <= o <= 0xFF5E:
        return 0.5
    if o == 0xFFFD or 0xE000 <= o <= 0xF8FF or 0xDB80 <= o <= 0xDFFF:
        return PRIVATE_USE
    if 0x3400 <= o <= 0x4DBF or o >= 0x20000:
        return EXT_HANZI
    if ch in every:
        cat = unicodedata.category(ch)
        if cat.startswith("L") and is_basic_han(ch):
            return GBK_ONLY
        return RARE_SYMBOL
    if is_basic_han(ch):
        return EXT_HANZI + 1.0
    cat = unicodedata.category(ch)
    if cat.startswith("C"):
        return PRIVATE_USE
    if 0x80 <= o <= 0x24F:
        return -2.0  # Latin-1 / Latin Extended letters and symbols inside Chinese text
    if cat.startswith("Z"):
        return 0.0
    return RARE_SYMBOL


def plausibility(text: str) -> float:
    """Mean :func:`char_score` over the non-whitespace characters of ``text``.

    Higher means more like real Chinese or mixed text; about 2.0 for clean Chinese,
    below 0.5 for typical mojibake; 0.0 for empty or all-space input.
    """
    total = 0.0
    n = 0
    for ch in text:
        if ch.isspace():
            continue
        total += char_score(ch)
        n += 1
    return total / n if n else 0.0


def lenient_plausibility(text: str) -> float:
    """:func:`plausibility`, with the GB2312 symbols (``◆``, ``※``, ``①``,
    :func:`zhnorm.chardata.gb_symbols`) scored at least as punctuation."""
    syms = gb_symbols()
    total = 0.0
    n = 0
    for ch in text:
        if ch.isspace():
            continue
        score = char_score(ch)
        total += max(score, 1.5) if ch in syms else score
        n += 1
    return total / n if n else 0.0


def is_rare(ch: str) -> bool:
    """A non-ASCII character rare in clean Chinese text (lost marks included)."""
    return ch == LOST_MARK or (
        not ch.isascii() and not ch.isspace() and lenient_plausibility(ch) < 1.5
    )


def is_common(ch: str) -> bool:
    """True for frequent hanzi (GB2312 level 1 or common Big5)."""
    return ch in _tables()[0]


# --- fluency: plausibility plus the language model's links -----------------------------


def pair_fluency(
    text: str, score: Callable[[str], float], linked: Callable[[str, str], bool]
) -> float:
    """``score(text)`` plus twice the share of adjacent character pairs ``a, b`` of
    ``text`` for which ``linked(a, b)``; just ``score(text)`` below two characters."""
    if len(text) < 2:
        return score(text)
    hits = sum(1 for i in range(len(text) - 1) if linked(text[i], text[i + 1]))
    return score(text) + 2.0 * hits / (len(text) - 1)


BOND = 1.0
"""Two characters are *linked* when the language model finds them at least ``e**BOND``
times likelier together than with a word boundary between them
(:meth:`zhnorm.language_model.CharModel.bonds`): 43-47% of adjacent hanzi pairs of
clean news and Taiwan text, under 1% of GBK<->Big5 mojibake."""


def _bonded(text: str) -> list[bool]:
    return [bool(v >= BOND) for v in char_model().bonds(text)]


def fluency(text: str) -> float:
    """:func:`lenient_plausibility` plus twice the share of linked adjacent pairs
    (:func:`pair_fluency`, :data:`BOND`), lost marks left out; -6.0 when nothing else
    is left."""
    core = text.replace(LOST_MARK, "")
    if not core:
        return -6.0
    if core.isascii():
        return lenient_plausibility(core)
    if len(core) < 2:
        return lenient_plausibility(core)
    return lenient_plausibility(core) + 2.0 * sum(_bonded(core)) / (len(core) - 1)


@lru_cache(maxsize=65536)
def phrase_linked(a: str, b: str) -> bool:
    """Whether ``ab`` is a linked pair (:data:`BOND`; a lost pair, or nothing, links to
    nothing)."""
    return bool(a) and bool(b) and LOST_MARK not in (a, b) and _bonded(a + b)[0]


def bigram_share(text: str) -> float:
    """Share of adjacent hanzi pairs of ``text`` that are linked (:data:`BOND`)."""
    flags = _bonded(text)
    pairs = [k for k, (a, b) in enumerate(itertools.pairwise(text)) if is_han(a) and is_han(b)]
    if not pairs:
        return 0.0
    return sum(1 for k in pairs if flags[k]) / len(pairs)


@lru_cache(maxsize=65536)
def frequency_bonus(ch: str) -> float:
    """0 to 2 by how frequent the language model finds ``ch`` (``log P`` from -13, rare
    hanzi such as 绾, up to -4.5, the most frequent ones such as 人)."""
    return 2.0 * min(max((char_model().unigram(ch) + 13.0) / 8.5, 0.0), 1.0)
