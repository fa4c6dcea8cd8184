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

Fluency adds phrase evidence to plausibility: :func:`pair_fluency` is the one shape of
it (plausibility plus twice the share of adjacent pairs that are linked), which the
mojibake gates use with phrase-list bigrams (:func:`fluency`) and the byte-shift repair
with bigrams of the document itself.  The character facts the scores rest on are in
:mod:`zhnorm.chardata`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

from ..cache import cached_strings, stamped_cache_file, write_cache_file
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
from ..script.dictionary import data_file

__all__ = [
    "SUSPICIOUS_RE",
    "Neighbours",
    "bigram_share",
    "char_score",
    "fluency",
    "is_common",
    "is_rare",
    "lenient_plausibility",
    "lexicon_bigrams",
    "lexicon_index",
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


def _build_suspicious() -> re.Pattern[str]:
    """Regex matching any character that is *not* routine in clean Chinese text.

    Used as a fast pre-filter: clean simplified or traditional prose rarely contains
    a match, mojibake nearly always does.
    """
    common, _, _ = _tables()
    safe = set(common) | CJK_PUNCT | set("“”‘’…—–·") | _PINYIN_VOWELS
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


def _phrase_words() -> set[str]:
    """The phrases of OpenCC's ``STPhrases``/``TSPhrases`` (both scripts) and of pypinyin's
    phrase dictionary."""
    words: set[str] = set()
    try:
        for name in _OPENCC_PHRASES:
            with open(data_file(name), encoding="utf-8") as handle:
                for line in handle:
                    if line.startswith("#"):
                        continue
                    parts = line.rstrip("\n").split("\t")
                    if len(parts) == 2:
                        words.add(parts[0])
                        words.update(parts[1].split())
    except OSError:  # pragma: no cover - data files missing
        pass
    try:
        from pypinyin.phrases_dict import phrases_dict

        words.update(phrases_dict)
    except ImportError:  # pragma: no cover
        pass
    return words


_OPENCC_PHRASES = ("STPhrases.txt", "TSPhrases.txt")
_LEXICON_MAGIC = "ZHNLEX1"


def _lexicon_cache_file() -> Path | None:
    """Where the derived bigram tables are cached (:func:`zhnorm.cache.stamped_cache_file`:
    ``ZHNORM_CACHE_DIR``, empty to disable), keyed by the source files' sizes and dates."""
    sources = [data_file(name) for name in _OPENCC_PHRASES]
    spec = importlib.util.find_spec("pypinyin")
    if spec is not None and spec.origin:
        sources.append(os.path.join(os.path.dirname(spec.origin), "phrases_dict.py"))
    return stamped_cache_file("lexicon", _LEXICON_MAGIC, sources, "json")


class Neighbours:
    """Characters seen next to a character in the phrase-list bigrams (read-only map).

    Stored as one string per character and turned into a ``frozenset`` on first use,
    so loading the table costs no per-bigram work."""

    __slots__ = ("_sets", "_strings")

    def __init__(self, strings: dict[str, str]) -> None:
        self._strings = strings
        self._sets: dict[str, frozenset[str]] = {}

    def get(self, ch: str, default: frozenset[str] = frozenset()) -> frozenset[str]:
        got = self._sets.get(ch)
        if got is None:
            chars = self._strings.get(ch)
            if chars is None:
                return default
            got = self._sets[ch] = frozenset(chars)
        return got

    def __len__(self) -> int:
        return len(self._strings)


class _Lexicon:
    """The phrase-list bigrams: a string of concatenated two-character keys, their
    counts, and the neighbour strings of every character."""

    def __init__(self, keys: str, counts: list[int], lefts: dict[str, str], rights: dict[str, str]):
        self.keys = keys
        self.counts = counts
        self.lefts = lefts
        self.rights = rights

    @classmethod
    def build(cls) -> _Lexicon:
        bigrams: dict[str, int] = {}
        for w in _phrase_words():
            for i in range(len(w) - 1):
                bigrams[w[i : i + 2]] = bigrams.get(w[i : i + 2], 0) + 1
        lefts: dict[str, list[str]] = {}
        rights: dict[str, list[str]] = {}
        for pair in bigrams:
            lefts.setdefault(pair[1], []).append(pair[0])
            rights.setdefault(pair[0], []).append(pair[1])
        return cls(
            "".join(bigrams),
            list(bigrams.values()),
            {k: "".join(v) for k, v in lefts.items()},
            {k: "".join(v) for k, v in rights.items()},
        )

    @classmethod
    def load(cls, path: Path) -> _Lexicon | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("magic") != _LEXICON_MAGIC:
                return None
            found = cls(data["keys"], data["counts"], data["lefts"], data["rights"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        if len(found.keys) != 2 * len(found.counts):
            return None
        return found

    def store(self, path: Path) -> None:
        payload = {
            "magic": _LEXICON_MAGIC,
            "keys": self.keys,
            "counts": self.counts,
            "lefts": self.lefts,
            "rights": self.rights,
        }
        write_cache_file(path, lambda handle: json.dump(payload, handle, ensure_ascii=False))


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    path = _lexicon_cache_file()
    found = _Lexicon.load(path) if path is not None else None
    if found is None:
        found = _Lexicon.build()
        if path is not None:
            found.store(path)
    return found


@lru_cache(maxsize=1)
def lexicon_bigrams() -> dict[str, int]:
    """Character bigrams of the phrase lists shipped with dependencies.

    Derived from OpenCC's ``STPhrases``/``TSPhrases`` (both scripts) and pypinyin's
    phrase dictionary (no table is stored in the source): about 0.5 s at the first use
    ever, then read from an on-disk cache (see :func:`_lexicon_cache_file`) in a few
    tens of milliseconds.  Values count the phrases containing the bigram.  Only the
    repair paths need it, so clean text never pays for it.
    """
    lex = _lexicon()
    keys = lex.keys
    pairs = [keys[i : i + 2] for i in range(0, len(keys), 2)]
    return dict(zip(pairs, lex.counts, strict=True))


@lru_cache(maxsize=1)
def lexicon_index() -> tuple[Neighbours, Neighbours]:
    """(right char -> its left neighbours, left char -> its right neighbours) in
    :func:`lexicon_bigrams`, as :class:`Neighbours` maps."""
    lex = _lexicon()
    return Neighbours(lex.lefts), Neighbours(lex.rights)


# --- fluency: plausibility plus phrase evidence -------------------------------------


def pair_fluency(
    text: str, score: Callable[[str], float], linked: Callable[[str, str], bool]
) -> float:
    """``score(text)`` plus twice the share of adjacent character pairs ``a, b`` of
    ``text`` for which ``linked(a, b)``; just ``score(text)`` below two characters."""
    if len(text) < 2:
        return score(text)
    hits = sum(1 for i in range(len(text) - 1) if linked(text[i], text[i + 1]))
    return score(text) + 2.0 * hits / (len(text) - 1)


def fluency(text: str) -> float:
    """:func:`lenient_plausibility` plus twice the share of phrase-list bigrams
    (:func:`pair_fluency`), lost marks left out; -6.0 when nothing else is left."""
    core = text.replace(LOST_MARK, "")
    if not core:
        return -6.0
    if core.isascii():
        return lenient_plausibility(core)
    rights = lexicon_index()[1]
    return pair_fluency(core, lenient_plausibility, lambda a, b: b in rights.get(a))


def phrase_linked(a: str, b: str) -> bool:
    """Whether ``ab`` is a phrase-list bigram (a lost pair, or nothing, links to
    nothing)."""
    return bool(a) and LOST_MARK not in (a, b) and b in lexicon_index()[1].get(a)


def bigram_share(text: str) -> float:
    """Share of adjacent hanzi pairs of ``text`` that are phrase-list bigrams."""
    rights = lexicon_index()[1]
    pairs = [(a, b) for a, b in itertools.pairwise(text) if is_han(a) and is_han(b)]
    if not pairs:
        return 0.0
    return sum(1 for a, b in pairs if b in rights.get(a)) / len(pairs)
