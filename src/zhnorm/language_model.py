"""The one language model of Chinese text behind every repair decision.

A character bigram model, ``P(c_i | c_{i-1})``, built from the word list with
frequencies that the MIT-licensed ``jieba`` package ships (``jieba/dict.txt``: about
350,000 Simplified Chinese words with their counts in a large general corpus); jieba is
a dependency of zhnorm.  Nothing is shipped with zhnorm and nothing comes from an
evaluation corpus: the tables are derived at first use and cached on disk
(:func:`zhnorm.cache.cache_dir`).

Text is modelled as words drawn by their frequency, separated by word boundaries:

* Hanzi follow hanzi inside words (the summed counts of the dictionary words holding
  the pair) or across a boundary: after ``a`` a word ends with probability
  ``e(a) = ends(a) / chars(a)``, and the next word starts with ``b`` with probability
  ``starts(b) / words``.  Half a count smooths what the list never saw, so an unseen
  pair is rare, not impossible.
* Everything that is not a hanzi belongs to a class (:class:`Token`): sentence ends,
  pauses, opening and closing marks, digits (ASCII and full-width), Latin letters
  (ASCII and full-width), space, dashes and dots, other letters (accented Latin,
  Greek, Cyrillic, kana: rare inside Chinese text), and other symbols (box drawing,
  private use, controls: rarer still).  At a word boundary the next token is a class
  with a fixed share (:data:`BOUNDARY_SHARE`), and classes follow each other with
  fixed rates (:data:`CLASS_FOLLOW`): typographic facts, not corpus counts.
* Traditional text is scored through a character fold to Simplified (OpenCC's
  ``TSCharacters``, the first candidate), so both scripts score alike from one table.

A second, word-level view of the same word list (:class:`WordModel`, :func:`word_model`)
scores a short stretch of hanzi by every way it splits into dictionary words; a
lost character's guess asks it (several characters of context on each side count,
where a bigram sees one).

Scores are natural logarithms.  Only differences between readings of the same text
mean something (:meth:`CharModel.mean_logprob` of a repaired reading against the text
as it stands); clean Chinese prose scores about -4 to -6 per character, mojibake about
-10 or below.  Should jieba's dictionary be missing, every hanzi has the same rates and
only the classes tell readings apart.

>>> lm = char_model()
>>> lm.mean_logprob("新华社北京电") > lm.mean_logprob("禄社北京电记")
True
>>> lm.mean_logprob("國家發展") == lm.mean_logprob("国家发展")
True
"""

from __future__ import annotations

import enum
import functools
import importlib.util
import itertools
import math
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .cache import read_arrays_file, stamped_cache_file, write_arrays_file
from .chardata import is_han

__all__ = [
    "BOUNDARY_SHARE",
    "CLASS_FOLLOW",
    "MEMBER_SHARE",
    "CharModel",
    "Token",
    "WordModel",
    "char_model",
    "jieba_dictionary",
    "word_counts",
    "word_model",
]

SPAN = 0x30000
"""Code points below this have their own slot in the tables (all of the BMP and the
CJK extensions B-F); the rest count as :attr:`Token.SYMBOL`."""

_MAGIC = "ZHNLM2"  # 2: an arrays file (zhnorm.cache.write_arrays_file), mapped
_TABLES = ("chars", "starts", "ends", "keys", "within", "tokens")
_SMOOTH = 0.5


class Token(enum.IntEnum):
    """The classes of non-hanzi characters; a hanzi is its own (folded) code point."""

    SENTENCE_END = 1
    PAUSE = 2
    OPEN = 3
    CLOSE = 4
    DIGIT = 5
    LATIN = 6
    SPACE = 7
    DASH = 8
    OTHER_LETTER = 9
    SYMBOL = 10


HAN = 0  # the column of CLASS_FOLLOW / BOUNDARY_SHARE that stands for "a hanzi word"

_CLASS_CHARS: dict[Token, str] = {
    Token.SENTENCE_END: "。！？!?．｡",
    Token.PAUSE: "，、；：,;:､",
    Token.OPEN: "“‘「『（(《〈【[〔｛{",
    Token.CLOSE: "”’」』）)》〉】]〕｝}",
    Token.DASH: "—–-…·‧・~～_＿/／%％+＋=＝#＃@＠&＆*＊.\"'＂＇|｜",
}

MEMBER_SHARE: dict[Token, dict[str, float]] = {
    # Which mark a punctuation token is (typographic facts of Chinese text, not counts);
    # the class's other marks share what is left equally.
    Token.SENTENCE_END: {"。": 0.85, "？": 0.05, "！": 0.05, "?": 0.02, "!": 0.02},
    Token.PAUSE: {"，": 0.75, "、": 0.12, "：": 0.06, "；": 0.03, ",": 0.02, ":": 0.01},
    Token.OPEN: {"“": 0.45, "（": 0.2, "《": 0.15, "(": 0.08, "「": 0.05, "‘": 0.03},
    Token.CLOSE: {"”": 0.45, "）": 0.2, "》": 0.15, ")": 0.08, "」": 0.05, "’": 0.03},
    Token.DASH: {"—": 0.2, "…": 0.15, "·": 0.15, "-": 0.15, "%": 0.1, "/": 0.08, ".": 0.07},
}
"""Within a punctuation class, how often each mark is the one written: ``，`` is the
pause, ``．`` rarely the sentence end.  Other classes (digits, letters ...) are not
split: a full-width digit scores as an ASCII one."""

BOUNDARY_SHARE: dict[int, float] = {
    HAN: 0.80,
    Token.PAUSE: 0.08,
    Token.SENTENCE_END: 0.035,
    Token.OPEN: 0.015,
    Token.CLOSE: 0.015,
    Token.DIGIT: 0.02,
    Token.LATIN: 0.01,
    Token.SPACE: 0.01,
    Token.DASH: 0.01,
    Token.OTHER_LETTER: 0.0002,
    Token.SYMBOL: 0.0001,
}
"""What follows a word boundary in running Chinese text: a hanzi word, or a class."""

CLASS_FOLLOW: dict[Token, dict[int, float]] = {
    # What follows a class token; the rest of each row is BOUNDARY_SHARE, scaled.
    Token.SENTENCE_END: {Token.CLOSE: 0.15, Token.SPACE: 0.15, Token.SENTENCE_END: 0.02},
    Token.PAUSE: {Token.OPEN: 0.04, Token.SPACE: 0.02},
    Token.OPEN: {Token.DIGIT: 0.04, Token.LATIN: 0.04, Token.OPEN: 0.02},
    Token.CLOSE: {Token.PAUSE: 0.2, Token.SENTENCE_END: 0.15, Token.OPEN: 0.05},
    Token.DIGIT: {Token.DIGIT: 0.7, Token.DASH: 0.05, Token.PAUSE: 0.03},
    Token.LATIN: {Token.LATIN: 0.8, Token.SPACE: 0.05, Token.DIGIT: 0.02, Token.OTHER_LETTER: 0.01},
    Token.SPACE: {Token.SPACE: 0.3, Token.LATIN: 0.05, Token.DIGIT: 0.03},
    Token.DASH: {Token.DASH: 0.2, Token.DIGIT: 0.05, Token.LATIN: 0.03},
    Token.OTHER_LETTER: {Token.OTHER_LETTER: 0.3, Token.LATIN: 0.3},
    Token.SYMBOL: {Token.SYMBOL: 0.1, Token.SPACE: 0.05},
}
"""Rates at which class tokens follow each other (typographic facts, not counts)."""


def jieba_dictionary() -> str | None:
    """Path of jieba's word list with frequencies, or ``None`` when it is missing."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        return None
    path = os.path.join(os.path.dirname(spec.origin), "dict.txt")
    return path if os.path.isfile(path) else None


def word_counts(path: str) -> Iterator[tuple[str, int]]:
    """``(word, count)`` from a jieba-format word list (``word count [tag]`` per line);
    a malformed line is an error naming ``path:line``."""
    with open(path, encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) < 2 or not parts[1].isdigit():
                raise ValueError(f"{path}:{lineno}: expected 'word count [tag]', got {line!r}")
            yield parts[0].lower(), int(parts[1])


def _class_of(code: int) -> int:
    ch = chr(code)
    for token, chars in _CLASS_CHARS.items():
        if ch in chars:
            return token
    if ch.isspace() or ch in "\u200b\u3000":
        return Token.SPACE
    if "0" <= ch <= "9" or "０" <= ch <= "９":
        return Token.DIGIT
    if ("a" <= ch.lower() <= "z") or ("Ａ" <= ch <= "Ｚ") or ("ａ" <= ch <= "ｚ"):
        return Token.LATIN
    if ch.isalpha():
        return Token.OTHER_LETTER
    return Token.SYMBOL


def _token_table() -> npt.NDArray[np.int64]:
    """Token of every code point below :data:`SPAN`: a hanzi its Simplified fold, else
    its class."""
    from .script.dictionary import builtin_entries

    table = np.empty(SPAN, dtype=np.int64)
    for code in range(SPAN):
        table[code] = code if is_han(chr(code)) else _class_of(code)
    for trad, simp in builtin_entries("TSCharacters.txt"):
        if len(trad) == 1 and len(simp[0]) == 1 and ord(trad) < SPAN and ord(simp[0]) < SPAN:
            table[ord(trad)] = ord(simp[0])
    return table


class CharModel:
    """Character bigram model (module docstring).  ``chars``, ``starts`` and ``ends``
    are counts per code point (characters, word starts, word ends), ``keys``/``within``
    the sorted in-word pair codes (``a * SPAN + b``) with their counts.  Pickles as a
    reference: the tables are rebuilt from the installed packages."""

    def __init__(
        self,
        chars: npt.NDArray[np.float64],
        starts: npt.NDArray[np.float64],
        ends: npt.NDArray[np.float64],
        keys: npt.NDArray[np.int64],
        within: npt.NDArray[np.float64],
        tokens: npt.NDArray[np.int64],
        name: str,
    ) -> None:
        self.name = name
        self.tokens = tokens
        words = max(float(starts.sum()), 1.0)
        total = max(float(chars.sum()), 1.0)
        self._keys = keys
        self._within = within
        self._chars = chars + 1.0
        # log P(word boundary after a): a hanzi never seen ends words half the time.
        self._ends = np.log((ends + _SMOOTH) / (chars + 1.0))
        self._enders = (ends + _SMOOTH) / (chars + 1.0)
        # P(b starts the next word | boundary) and P(b) over all characters.
        self._start_p = (starts + _SMOOTH) / words
        self._uni_p = (chars + _SMOOTH) / total
        self._follow = _class_matrix()
        self._member = _member_table()

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (_restore, (self.name,))

    def _codes(self, text: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Each character's token, and the log share of its mark in its class
        (:data:`MEMBER_SHARE`; 0 for the rest)."""
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        slot = np.minimum(codes, SPAN - 1)
        tokens = self.tokens[slot]
        tokens[codes >= SPAN] = Token.SYMBOL
        return tokens, self._member[slot]

    def pair_logprobs(self, text: str) -> npt.NDArray[np.float64]:
        """Per character: ``[log P(c0), log P(c1 | c0), …]`` (natural logarithms)."""
        tokens, member = self._codes(text)
        return self._scores(tokens) + member

    def _first(self, tok: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """Scores of tokens that open a text: as after a word boundary."""
        han = tok >= 32
        return np.where(
            han,
            np.log(BOUNDARY_SHARE[HAN] * self._start_p[np.where(han, tok, 0)]),
            np.log(self._follow[HAN, np.where(han, 0, tok)]),
        )

    def _pair_terms(
        self, x: npt.NDArray[np.int64], y: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """For hanzi pairs ``x[i] y[i]``, the three counts ``P(y | x)`` is made of, each
        over ``x``'s count: ``y`` inside a word after ``x`` (the word list's pair count),
        ``x`` ending a word and ``y`` starting the next, and the smoothing share."""
        pair = x * SPAN + y
        if len(self._keys):
            at = np.minimum(np.searchsorted(self._keys, pair), len(self._keys) - 1)
            inside = np.where(self._keys[at] == pair, self._within[at], 0.0)
        else:
            inside = np.zeros(len(pair))
        across = self._enders[x] * BOUNDARY_SHARE[HAN] * self._start_p[y] * self._chars[x]
        return inside, across, _SMOOTH * self._uni_p[y]

    def _scores(self, tok: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        out = np.empty(len(tok), dtype=np.float64)
        if not len(tok):
            return out
        out[:1] = self._first(tok[:1])
        if len(tok) == 1:
            return out
        han = tok >= 32
        follow = self._follow
        a, b = tok[:-1], tok[1:]
        ha, hb = han[:-1], han[1:]
        res = np.empty(len(b), dtype=np.float64)
        # hanzi -> hanzi: in-word pair count plus the boundary path, smoothed.
        both = ha & hb
        if both.any():
            x, y = a[both], b[both]
            inside, across, smooth = self._pair_terms(x, y)
            res[both] = np.log((inside + across + smooth) / self._chars[x])
        # hanzi -> class: a word ends, then the class.
        to_class = ha & ~hb
        if to_class.any():
            res[to_class] = self._ends[a[to_class]] + np.log(follow[HAN, b[to_class]])
        # class -> hanzi: the class row's share of hanzi words, then the word start.
        from_class = ~ha & hb
        if from_class.any():
            res[from_class] = np.log(follow[a[from_class], HAN] * self._start_p[b[from_class]])
        neither = ~ha & ~hb
        if neither.any():
            res[neither] = np.log(follow[a[neither], b[neither]])
        out[1:] = res
        return out

    def logprob(self, text: str) -> float:
        """``log P(text)``: the sum of :meth:`pair_logprobs`."""
        return float(self.pair_logprobs(text).sum())

    def mean_logprob(self, text: str) -> float:
        """``log P`` per scored character (whitespace is not scored, but what follows it
        is scored as after a boundary); 0.0 for text without a scored character."""
        tok, member = self._codes(text)
        keep = tok != Token.SPACE
        return float((self._scores(tok) + member)[keep].mean()) if keep.any() else 0.0

    def mean_logprobs(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """:meth:`mean_logprob` of each of ``texts``, in one pass (the batch form)."""
        if not texts:
            return np.zeros(0, dtype=np.float64)
        tok, member = self._codes("".join(texts))
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        scores = self._scores(tok)
        opening = starts[lengths > 0]
        scores[opening] = self._first(tok[opening])
        scores += member
        keep = tok != Token.SPACE
        which = np.repeat(np.arange(len(texts)), lengths)
        sums = np.bincount(which[keep], weights=scores[keep], minlength=len(texts))
        counts = np.bincount(which[keep], minlength=len(texts))
        return np.divide(sums, counts, out=np.zeros(len(texts)), where=counts > 0)

    def bonds(self, text: str) -> npt.NDArray[np.float64]:
        """Per adjacent pair of ``text`` (``len(text) - 1`` values): how much likelier the
        model finds the pair than if a word ended between its characters, as a natural
        log (``log P(b | a) - log P(b | a, word boundary)``): large inside words (发布),
        near 0 for pairs the word list never holds together; 0 where either character is
        not a hanzi."""
        tok, _member = self._codes(text)
        out = np.zeros(max(len(tok) - 1, 0), dtype=np.float64)
        if len(tok) < 2:
            return out
        a, b = tok[:-1], tok[1:]
        both = (a >= 32) & (b >= 32)
        if both.any() and len(self._keys):
            inside, floor, smooth = self._pair_terms(a[both], b[both])
            floor += smooth
            out[both] = np.log((inside + floor) / floor)
        return out

    def conditional(self, a: str, b: str) -> float:
        """``log P(b | a)`` for two characters."""
        return float(self.pair_logprobs(a + b)[1])

    def unigram(self, c: str) -> float:
        """``log P(c)`` over all characters of text (a class: its boundary share)."""
        tokens, member = self._codes(c)
        tok = int(tokens[0])
        if tok >= 32:
            return math.log(self._uni_p[tok])
        return math.log(BOUNDARY_SHARE[tok]) + float(member[0])


@functools.lru_cache(maxsize=1)
def _member_table() -> npt.NDArray[np.float64]:
    """Log share of each code point's mark in its punctuation class (0 elsewhere)."""
    table = np.zeros(SPAN, dtype=np.float64)
    for token, shares in MEMBER_SHARE.items():
        others = [c for c in _CLASS_CHARS[token] if c not in shares]
        rest = max(1.0 - sum(shares.values()), 0.01) / max(len(others), 1)
        for char in others:
            table[ord(char)] = math.log(rest)
        for char, share in shares.items():
            table[ord(char)] = math.log(share)
    return table


def _class_matrix() -> npt.NDArray[np.float64]:
    """``follow[x, y]``: P(token class y | previous class x); row 0 (``HAN``) is the
    boundary share, column 0 the share of hanzi words.  Each row sums to 1."""
    size = max(Token) + 1
    matrix = np.zeros((size, size), dtype=np.float64)
    for token, share in BOUNDARY_SHARE.items():
        matrix[HAN, token] = share
    for token in Token:
        given = CLASS_FOLLOW[token]
        rest = 1.0 - sum(given.values())
        scale = rest / sum(s for t, s in BOUNDARY_SHARE.items() if t not in given)
        for other, share in BOUNDARY_SHARE.items():
            matrix[token, other] = given.get(other, share * scale)
    matrix[HAN] /= matrix[HAN].sum()
    return matrix


def _restore(name: str) -> CharModel:
    return char_model()


def _build(source: str | None) -> dict[str, npt.NDArray[np.float64] | npt.NDArray[np.int64]]:
    tokens = _token_table()
    chars = np.zeros(SPAN, dtype=np.float64)
    starts = np.zeros(SPAN, dtype=np.float64)
    ends = np.zeros(SPAN, dtype=np.float64)
    pairs: dict[int, float] = {}
    if source is not None:
        for word, count in word_counts(source):
            codes = [int(tokens[min(ord(ch), SPAN - 1)]) for ch in word]
            if any(code < 32 for code in codes):
                continue  # words with Latin letters, digits or symbols: classes cover them
            starts[codes[0]] += count
            ends[codes[-1]] += count
            for code in codes:
                chars[code] += count
            for x, y in itertools.pairwise(codes):
                key = x * SPAN + y
                pairs[key] = pairs.get(key, 0.0) + count
    keys = np.array(sorted(pairs), dtype=np.int64)
    within = np.array([pairs[k] for k in keys.tolist()], dtype=np.float64)
    return {
        "chars": chars,
        "starts": starts,
        "ends": ends,
        "keys": keys,
        "within": within,
        "tokens": tokens,
    }


def _cache_file(source: str, name: str = "char-model", magic: str = _MAGIC) -> Path | None:
    from .script.dictionary import data_file

    sources = (source, data_file("TSCharacters.txt"))
    return stamped_cache_file(name, magic, sources, "bin")


def _load(path: Path) -> dict[str, np.ndarray] | None:
    tables = read_arrays_file(path)
    if tables is None or any(name not in tables for name in _TABLES):
        return None
    if any(len(tables[n]) != SPAN for n in ("chars", "starts", "ends", "tokens")):
        return None
    if len(tables["keys"]) != len(tables["within"]):
        return None
    return tables


@functools.lru_cache(maxsize=1)
def char_model() -> CharModel:
    """The model (module docstring), built from jieba's dictionary the first time ever
    (a few seconds) and read from the cache afterwards."""
    source = jieba_dictionary()
    if source is None:
        return CharModel(**_build(None), name="uniform")  # type: ignore[arg-type]
    path = _cache_file(source)
    tables = _load(path) if path is not None else None
    if tables is None:
        tables = _build(source)
        if path is not None:
            write_arrays_file(path, tables)
    return CharModel(**tables, name="jieba-dict")


WORD_LENGTH = 4
"""Longest word :class:`WordModel` knows (longer entries of the list are left out)."""


class WordModel:
    """Unigram word model over jieba's word list: ``P(text)`` is the sum, over every
    split of ``text`` into words of up to :data:`WORD_LENGTH` characters, of the
    product of their probabilities (count / all counts); a character that is no word
    of the list by itself counts half a count.  Traditional characters fold to
    Simplified as in :class:`CharModel`, so both scripts score alike.  The ends of the
    text are word boundaries.  Without jieba's list every split of a text scores the
    same and no reading is preferred.  The model of :func:`word_model` pickles as a
    reference (rebuilt from the installed packages), others by value."""

    def __init__(
        self, words: Sequence[str], counts: npt.ArrayLike, tokens: npt.NDArray[np.int64]
    ) -> None:
        """``words`` (folded, distinct) and their ``counts``."""
        self._given = (list(words), np.asarray(counts, dtype=np.float64), tokens)
        self._set(_word_tables(*self._given[:2]), tokens)

    def _set(self, tables: dict[str, np.ndarray], tokens: npt.NDArray[np.int64]) -> None:
        """Set the model from :func:`_word_tables`' arrays: the words of up to four
        characters of U+0001-U+FFFF (nearly all) as sorted 64-bit codes
        (:func:`_word_code`), searched in the mapped cache file with no Python object a
        word (the first guess in a process waits for the load); the rest in a
        dictionary."""
        total = float(tables["total"][0])
        self._codes = tables["codes"]
        self._shares = tables["counts"] / total
        other = bytes(tables["other_words"]).decode("utf-8").split("\n")
        shares = (tables["other_counts"] / total).tolist()
        self._other = dict(zip(other, shares, strict=True)) if shares else {}
        self._floor = _SMOOTH / total
        self._memo: dict[int, float] = {}
        codes = np.arange(len(tokens))
        moved = np.nonzero((tokens != codes) & (tokens >= 32))[0]
        self._fold = dict(zip(moved.tolist(), tokens[moved].tolist(), strict=True))

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        if not hasattr(self, "_given"):  # word_model()'s
            return (_restore_words, ())
        return (WordModel, self._given)

    def fold(self, text: str) -> str:
        """``text`` with every hanzi in its Simplified fold."""
        return text.translate(self._fold)

    def _spans(self, folded: str) -> list[float]:
        """The probability of every stretch of ``folded`` that could be a word (NaN
        where the list does not hold it): for each end, the stretches starting up to
        :data:`WORD_LENGTH` characters before it, longest first.  Their codes
        (:func:`_word_code`) grow a character at a time and are looked up at once."""
        ords = [ord(ch) for ch in folded]
        if ords and min(ords) > 0 and max(ords) <= 0xFFFF:
            codes: list[int] = []
            ending: list[int] = []  # the codes of the stretches ending here, shortest first
            for cp in ords:
                ending = [cp, *[code << 16 | cp for code in ending[: WORD_LENGTH - 1]]]
                codes.extend(reversed(ending))
            return self._lookup(codes)
        return [
            self._word_share(folded[start:end])
            for end in range(1, len(folded) + 1)
            for start in range(max(0, end - WORD_LENGTH), end)
        ]

    def _word_share(self, word: str) -> float:
        code = _word_code(word)
        return self._other.get(word, math.nan) if code is None else self._lookup([code])[0]

    def _lookup(self, codes: list[int]) -> list[float]:
        """The probabilities of the words of ``codes``, NaN for codes of no word; the
        codes not asked before are searched at once and remembered (up to
        :data:`_MEMO_SIZE`)."""
        memo = self._memo
        new = [code for code in codes if code not in memo]
        if new:
            if len(memo) + len(new) > _MEMO_SIZE:
                memo.clear()
                new = codes
            if len(self._codes):
                wanted = np.array(new, dtype=np.uint64)
                at = np.minimum(np.searchsorted(self._codes, wanted), len(self._codes) - 1)
                shares = np.where(self._codes[at] == wanted, self._shares[at], np.nan)
                memo.update(zip(new, shares.tolist(), strict=True))
            else:
                memo.update(dict.fromkeys(new, math.nan))
        return [memo[code] for code in codes]

    def logprob(self, text: str) -> float:
        """``log P(text)`` summed over its splits into words (class docstring)."""
        folded = self.fold(text)
        shares = iter(self._spans(folded))
        reach = [1.0] + [0.0] * len(folded)
        for end in range(1, len(folded) + 1):
            total = 0.0
            for start in range(max(0, end - WORD_LENGTH), end):
                p = next(shares)
                if p != p:  # NaN: no word of the list
                    if end - start > 1:
                        continue
                    p = self._floor
                total += reach[start] * p
            reach[end] = total
        return math.log(reach[-1]) if reach[-1] > 0.0 else -math.inf


_MEMO_SIZE = 1 << 16
"""Words' probabilities a :class:`WordModel` remembers (a few MB at most)."""


def _word_code(word: str) -> int | None:
    """A word of one to :data:`WORD_LENGTH` characters of U+0001-U+FFFF as one integer
    below 2**64, its UTF-16 code units as base-65536 digits (no digit is 0, so no two
    words share a code); ``None`` for any other string."""
    if not 0 < len(word) <= WORD_LENGTH or "\0" in word:
        return None
    data = word.encode("utf-16-be", "surrogatepass")
    return int.from_bytes(data, "big") if len(data) == 2 * len(word) else None


def _word_tables(words: Sequence[str], counts: npt.NDArray[np.float64]) -> dict[str, np.ndarray]:
    """The arrays :meth:`WordModel._set` reads (and the cache holds): ``codes`` (sorted)
    and ``counts`` of the words :func:`_word_code` codes, ``other_words`` (UTF-8, one a
    line) and ``other_counts`` of the rest, and ``total`` (every count summed in the
    order given, at least 1)."""
    total = max(float(counts.sum()), 1.0)
    coded = [(_word_code(word), n) for n, word in enumerate(words)]
    pairs = sorted((code, n) for code, n in coded if code is not None)
    other = [n for code, n in coded if code is None]
    return {
        "codes": np.array([code for code, _ in pairs], dtype=np.uint64),
        "counts": counts[[n for _, n in pairs]] if pairs else np.zeros(0),
        "other_words": np.frombuffer("\n".join(words[n] for n in other).encode(), np.uint8),
        "other_counts": counts[other] if other else np.zeros(0),
        "total": np.array([total]),
    }


_WORD_MAGIC = "ZHNWM3"  # 3: words as codes in an arrays file


def _restore_words() -> WordModel:
    return word_model()


@functools.lru_cache(maxsize=1)
def word_model() -> WordModel:
    """The word model (:class:`WordModel`) of jieba's dictionary, its words folded and
    counted the first time ever (about a second) and read from the cache afterwards."""
    tokens = char_model().tokens
    source = jieba_dictionary()
    if source is None:
        return WordModel([], [], tokens)
    path = _cache_file(source, "word-model", _WORD_MAGIC)
    tables = read_arrays_file(path) if path is not None else None
    if tables is None or not _word_tables_fit(tables):
        fold = WordModel([], [], tokens).fold
        counts: dict[str, float] = {}
        for word, count in word_counts(source):
            if len(word) <= WORD_LENGTH:
                key = fold(word)
                counts[key] = counts.get(key, 0.0) + count
        words = sorted(counts)
        tables = _word_tables(words, np.array([counts[word] for word in words], dtype=np.float64))
        if path is not None:
            write_arrays_file(path, tables)
    model = WordModel.__new__(WordModel)
    model._set(tables, tokens)
    return model


def _word_tables_fit(tables: dict[str, np.ndarray]) -> bool:
    """Whether a cache file's arrays are :func:`_word_tables`' (a damaged one is rebuilt)."""
    if sorted(tables) != ["codes", "counts", "other_counts", "other_words", "total"]:
        return False
    others = bytes(tables["other_words"]).count(b"\n") + 1 if len(tables["other_counts"]) else 0
    return (
        len(tables["codes"]) == len(tables["counts"])
        and others == len(tables["other_counts"])
        and len(tables["total"]) == 1
    )
