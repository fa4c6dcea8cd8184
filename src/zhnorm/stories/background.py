"""Background term weights for story similarity: how rare a term is in general text.

A term's weight is ``-ln p``, ``p`` the probability that a document holds it (an
inverse document frequency).  Without a corpus, ``p`` comes from a table derived at run
time from the word list with frequencies that the MIT-licensed ``jieba`` package ships
(``jieba/dict.txt``: about 350,000 Simplified Chinese words with their counts in a
large general corpus); ``jieba`` is a dependency of zhnorm.  Nothing is
shipped with zhnorm and nothing is derived from an evaluation corpus.

Text is modelled as words drawn by their frequency, one after the other, so a
character bigram occurs

* inside words: the summed counts of the dictionary words that hold it, and
* across a word boundary: words ending with its first character followed by words
  starting with its second, ``count(ends with a) * count(starts with b) / words``;

divided by the characters of the corpus that gives its rate per character ``r`` (half
a count is added: a bigram or character the list never saw is rare, not impossible).
So ``是一`` or ``了一`` (across boundaries after the commonest words) are common, and a
name the list does not know (``杨幂``) is rare.  A single character's rate is its count
in all words.  A document of :data:`DOCUMENT_CHARS` characters then holds the term
with probability ``p = x / (1 + x)``, ``x = DOCUMENT_CHARS * r`` (``x`` for a rare term,
near 1 for a common one).

A run of ASCII letters or digits (numbers, dates, Latin names) gets a fixed ``p``: a
single character is common (:data:`ASCII_SHORT`), a longer run rare
(:data:`ASCII_LONG`): ``2017`` or ``30`` is event evidence, a lone digit is little.

Should ``jieba`` or its dictionary be missing, every term has the same ``p``
(:data:`UNIFORM`, weight 1): the score is then the cosine of sublinear term
frequencies.  The table is cached on disk
like zhnorm's other derived data (``ZHNORM_CACHE_DIR``, empty to disable).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..cache import stamped_cache_file, write_cache_file
from ..language_model import jieba_dictionary, word_counts

__all__ = ["UNIFORM", "Background", "background"]

# A unigram term is the character behind this prefix, so that it never meets the
# one-character gram terms (an isolated character, an ASCII run) in one vocabulary.
CHAR_PREFIX = "\x01"

DOCUMENT_CHARS = 200
"""Length, in key characters, of the document a background probability is for (a
title with its lead, or a short article)."""

ASCII_SHORT = math.exp(-1.0)
ASCII_LONG = math.exp(-8.0)
_MAGIC = "ZHNSTORYBG1"


class Background:
    """Background probabilities ``p`` of terms (module docstring); ``weight = -ln p``.

    ``within`` bigram counts inside words, ``chars`` character counts, ``starts`` /
    ``ends`` counts of words starting / ending with a character, ``words`` and
    ``characters`` the totals.  Empty tables: every term has probability ``uniform``.
    """

    def __init__(
        self,
        within: Mapping[str, int],
        chars: Mapping[str, int],
        starts: Mapping[str, int],
        ends: Mapping[str, int],
        words: int,
        characters: int,
        name: str,
        uniform: float = math.exp(-1.0),
    ) -> None:
        self.within = within
        self.chars = chars
        self.starts = starts
        self.ends = ends
        self.words = words
        self.characters = characters
        self.name = name
        self.uniform = uniform

    def probability(self, term: str) -> float:
        """The probability that a document holds ``term`` (a gram, or
        :data:`CHAR_PREFIX` + a character), in ``(0, 1)``."""
        return float(self.probabilities([term])[0])

    def probabilities(self, terms: Sequence[str]) -> npt.NDArray[np.float64]:
        """:meth:`probability` of each of ``terms``, with numpy: a term starting with
        :data:`CHAR_PREFIX` counts as the character after it, an ASCII term is
        :data:`ASCII_SHORT` or :data:`ASCII_LONG`, another single character counts as
        itself, a longer term as its bigram inside words plus across a word boundary
        (its first and last character; module docstring); half a count is added."""
        n = len(terms)
        if not self.characters:
            return np.full(n, self.uniform, dtype=np.float64)
        lengths = np.fromiter(map(len, terms), dtype=np.int64, count=n)
        chars = np.frombuffer(
            "".join(terms).encode("utf-32-le", "surrogatepass"), dtype=np.uint32
        ).astype(np.int64)
        starts = np.cumsum(lengths) - lengths
        filled = lengths > 0
        if not len(chars):  # no term has a character
            chars = np.zeros(1, dtype=np.int64)
        head = np.where(filled, chars[np.minimum(starts, len(chars) - 1)], -1)
        last = np.where(filled, chars[np.clip(starts + lengths - 1, 0, len(chars) - 1)], -1)
        widest = np.zeros(n, dtype=np.int64)
        if filled.any():
            widest[filled] = np.maximum.reduceat(chars, starts[filled])
        tables = self._tables()
        prefixed = head == ord(CHAR_PREFIX)
        ascii_term = ~prefixed & (widest < 128)
        count = np.full(n, 0.5)
        one = prefixed & (lengths == 2)  # a character term: the character after the prefix
        count[one] += tables.char_count(last[one])
        single = ~prefixed & ~ascii_term & (lengths == 1)
        count[single] += tables.char_count(head[single])
        longer = ~prefixed & ~ascii_term & (lengths >= 2)
        first, final = head[longer], last[longer]
        two = lengths[longer] == 2
        within = np.zeros(len(first))
        within[two] = tables.within_count(first[two], final[two])
        across = tables.end_count(first) * tables.start_count(final) / float(self.words)
        count[longer] = within + across + 0.5
        x = DOCUMENT_CHARS * count / float(self.characters)
        out = x / (1.0 + x)
        out[ascii_term] = np.where(lengths[ascii_term] == 1, ASCII_SHORT, ASCII_LONG)
        return out

    def _tables(self) -> _Tables:
        tables = self.__dict__.get("_arrays")
        if tables is None:
            tables = self.__dict__["_arrays"] = _Tables(self)
        return tables

    def weight(self, term: str) -> float:
        """``-ln p``: the term's weight without a corpus."""
        return -math.log(self.probability(term))

    def __reduce__(self) -> tuple[object, tuple[str]]:
        # The tables are large and rebuilt from the installed package: pickle a reference.
        return (_restore, (self.name,))


class _Tables:
    """A :class:`Background`'s counts as sorted numpy arrays (codes, counts), for
    :meth:`Background.probabilities`."""

    def __init__(self, background: Background) -> None:
        self.chars = _sorted_counts({ord(c): n for c, n in background.chars.items() if len(c) == 1})
        self.starts = _sorted_counts({ord(c): n for c, n in background.starts.items()})
        self.ends = _sorted_counts({ord(c): n for c, n in background.ends.items()})
        self.within = _sorted_counts(
            {ord(g[0]) << 21 | ord(g[1]): n for g, n in background.within.items() if len(g) == 2}
        )
        biggest = max(self.starts[1].max(initial=0), 1) * max(self.ends[1].max(initial=0), 1)
        if biggest >= 2**53:  # pragma: no cover - counts of a corpus of 2**26 words and more
            raise ValueError("background counts too large for exact float products")

    @staticmethod
    def _lookup(table: tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]], codes: Any) -> Any:
        keys, counts = table
        codes = np.asarray(codes, dtype=np.int64)
        if not len(keys):
            return np.zeros(len(codes))
        at = np.minimum(np.searchsorted(keys, codes), len(keys) - 1)
        return np.where(keys[at] == codes, counts[at], 0.0)

    def char_count(self, codes: Any) -> Any:
        return self._lookup(self.chars, codes)

    def start_count(self, codes: Any) -> Any:
        return self._lookup(self.starts, codes)

    def end_count(self, codes: Any) -> Any:
        return self._lookup(self.ends, codes)

    def within_count(self, first: Any, second: Any) -> Any:
        return self._lookup(self.within, np.asarray(first, dtype=np.int64) << 21 | second)


def _sorted_counts(
    table: Mapping[int, int],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    keys = np.fromiter(table.keys(), dtype=np.int64, count=len(table))
    counts = np.fromiter(table.values(), dtype=np.float64, count=len(table))
    order = np.argsort(keys)
    return keys[order], counts[order]


UNIFORM = Background({}, {}, {}, {}, 0, 0, "uniform")
"""Every term weighs 1 (the fallback without ``jieba``)."""


def _restore(name: str) -> Background:
    return UNIFORM if name == UNIFORM.name else background()


def _read_dictionary(path: str) -> dict[str, object]:
    within: dict[str, int] = {}
    chars: dict[str, int] = {}
    starts: dict[str, int] = {}
    ends: dict[str, int] = {}
    words = characters = 0
    for word, count in word_counts(path):
        words += count
        characters += count * len(word)
        starts[word[0]] = starts.get(word[0], 0) + count
        ends[word[-1]] = ends.get(word[-1], 0) + count
        for char in word:
            chars[char] = chars.get(char, 0) + count
        for i in range(len(word) - 1):
            gram = word[i : i + 2]
            within[gram] = within.get(gram, 0) + count
    return {
        "within": within,
        "chars": chars,
        "starts": starts,
        "ends": ends,
        "words": words,
        "characters": characters,
    }


def _cache_file(source: str) -> Path | None:
    return stamped_cache_file("story-background", _MAGIC, [source], "json")


def _load(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("magic") != _MAGIC:
        return None
    return data


def _store(path: Path, tables: dict[str, object]) -> None:
    payload = {"magic": _MAGIC, **tables}
    write_cache_file(path, lambda handle: json.dump(payload, handle, ensure_ascii=False))


@functools.lru_cache(maxsize=1)
def background() -> Background:
    """The background probabilities (module docstring): from jieba's dictionary when the
    extra ``words`` is installed (about 3 s the first time ever, then read from the
    cache), else :data:`UNIFORM`."""
    source = jieba_dictionary()
    if source is None:
        return UNIFORM
    path = _cache_file(source)
    tables = _load(path) if path is not None else None
    if tables is None:
        tables = _read_dictionary(source)
        if path is not None:
            _store(path, tables)
    found = _from_tables(tables)
    if found is None:  # a damaged cache file: rebuild from the dictionary
        found = _from_tables(_read_dictionary(source))
    if found is None:  # pragma: no cover - _read_dictionary makes valid tables
        raise RuntimeError(f"cannot derive background weights from {source}")
    return found


def _from_tables(tables: Mapping[str, object]) -> Background | None:
    maps = [tables.get(name) for name in ("within", "chars", "starts", "ends")]
    words, characters = tables.get("words"), tables.get("characters")
    if not all(isinstance(m, dict) for m in maps):
        return None
    if not isinstance(words, int) or not isinstance(characters, int) or words <= 0:
        return None
    within, chars, starts, ends = (m for m in maps if isinstance(m, dict))
    return Background(within, chars, starts, ends, words, characters, "jieba-dict")
