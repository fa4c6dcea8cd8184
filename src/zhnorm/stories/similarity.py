"""Story similarity: do two texts report the same event?

Both texts are read through the matching key (:func:`zhnorm.match_key`: repair, OpenCC
``t2s``, width and case folded, punctuation dropped), so Simplified and Traditional
reports, and damaged copies, meet on one form.  A key becomes a weighted bag of terms:

* **grams**: the character bigrams of each run of non-ASCII characters (a run of one
  character is its own term) and each run of ASCII letters or digits whole (``2017``,
  ``30``, ``psy``): names, places, numbers and dates are pairs of characters or runs;
* **characters**: each non-ASCII character alone, which still matches when one outlet
  abbreviates a name or a place the other spells out (``台北市长`` / ``北市长``).

Only the first ``max_chars`` key characters are read. A term's frequency counts
``lead_weight`` times for an occurrence in the lead (the first ``lead_chars`` key
characters: a news article states its event there; a title passed first is in it) and is
dampened (``1 + log tf``); it is multiplied by the term's weight (below). Each of the
two blocks is scaled to unit length and the blocks are weighted ``1 - char_share`` and
``char_share``, so a document is one unit vector and

    score(a, b) = (1 - char_share) * cos(grams) + char_share * cos(characters)

in ``[0, 1]``: symmetric, ``1.0`` for texts with the same key, ``0.0`` when a key is
empty (no evidence).  Rare terms weigh most, so shared names, places and numbers make
the score; generic news words (``记者``, ``表示``, ``今天``) weigh little.

A term weighs ``-ln p``, ``p`` the probability that a document holds it.
:func:`story_similarity` takes ``p`` from :mod:`.background` (a table derived at run
time from the word frequencies of jieba's dictionary, extra ``words``; the same weight
for every term without it).  :class:`StoryModel` fits ``p`` on the corpus being
processed - ``(df + m * p_background) / (N + m)``, the background acting as ``m =
prior_documents`` documents - so the week's generic words and each outlet's furniture
weigh little, and scores its documents with the very same vectors
(:func:`document_vector`): :func:`story_similarity` is the model of an empty corpus.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..key import KeyOptions, match_keys, resolve_key_options
from ..options import resolve
from .background import CHAR_PREFIX, background

__all__ = [
    "StoryModel",
    "StoryOptions",
    "document_vector",
    "story_similarity",
    "story_similarity_batch",
]


@dataclass(frozen=True)
class StoryOptions:
    """How texts are compared (module docstring).

    ``lead_chars``     key characters counted as the lead (title first, if any).
    ``lead_weight``    how many times a lead occurrence of a term counts.
    ``char_share``     the share of the single-character block in the score.
    ``max_chars``      key characters read per text (``0``: all): an article states its
                       event early, and a 5 MB text costs no more than a long article.
    ``key``            the :class:`~zhnorm.KeyOptions` of the matching key.

    Candidate search of :meth:`StoryModel.candidates` (see there):
    ``index_terms``    gram terms per document put in the inverted index (its rarest).
    ``max_postings``   a gram in more documents than this links nothing (generic).
    """

    lead_chars: int = 120
    lead_weight: float = 2.0
    char_share: float = 0.3
    max_chars: int = 3000
    key: KeyOptions = field(default_factory=KeyOptions)
    prior_documents: float = 100.0
    index_terms: int = 32
    max_postings: int = 1000

    def __post_init__(self) -> None:
        if self.lead_chars < 0:
            raise ValueError(f"lead_chars must be >= 0, not {self.lead_chars}")
        if self.max_chars < 0:
            raise ValueError(f"max_chars must be >= 0, not {self.max_chars}")
        if self.lead_weight < 1:
            raise ValueError(f"lead_weight must be >= 1, not {self.lead_weight}")
        if not 0 <= self.char_share <= 1:
            raise ValueError(f"char_share must be in [0, 1], not {self.char_share}")
        if self.prior_documents <= 0:
            raise ValueError(f"prior_documents must be > 0, not {self.prior_documents}")
        if self.index_terms < 1:
            raise ValueError(f"index_terms must be >= 1, not {self.index_terms}")
        if self.max_postings < 2:
            raise ValueError(f"max_postings must be >= 2, not {self.max_postings}")


DEFAULT = StoryOptions()


def resolve_story_options(options: StoryOptions | None = None, **overrides: Any) -> StoryOptions:
    """The :class:`StoryOptions` a function was given (``options`` with keyword
    overrides; ``key=`` also takes a dict of :class:`~zhnorm.KeyOptions` fields)."""
    if options is None and not overrides:
        return DEFAULT
    key = overrides.pop("key", None)
    resolved = resolve(StoryOptions, options, overrides)
    if key is not None:
        key_options = key if isinstance(key, KeyOptions) else resolve_key_options(**key)
        resolved = resolve(StoryOptions, resolved, {"key": key_options})
    return resolved


_RUNS = re.compile(r"[0-9a-z]+|[^0-9a-z]+")


def key_terms(
    key: str, options: StoryOptions = DEFAULT
) -> tuple[dict[str, float], dict[str, float]]:
    """The lead-weighted term frequencies of ``key``: ``(grams, characters)``, each
    character term being :data:`~.background.CHAR_PREFIX` + the character."""
    grams: dict[str, float] = {}
    chars: dict[str, float] = {}
    lead, boost = options.lead_chars, options.lead_weight
    if options.max_chars:
        key = key[: options.max_chars]
    for run in _RUNS.finditer(key):
        text, start = run.group(), run.start()
        if text[0].isascii() or len(text) == 1:
            grams[text] = grams.get(text, 0.0) + (boost if start < lead else 1.0)
            if text[0].isascii():
                continue
        for i in range(len(text)):
            count = boost if start + i < lead else 1.0
            char = CHAR_PREFIX + text[i]
            chars[char] = chars.get(char, 0.0) + count
            if i + 1 < len(text):
                gram = text[i : i + 2]
                grams[gram] = grams.get(gram, 0.0) + count
    return grams, chars


Weight = Callable[[str], float]
"""A term's weight (``-ln`` of the probability that a document holds it)."""


def _unit(counts: dict[str, float], weight: Weight, scale: float) -> dict[str, float]:
    vector = {term: (1.0 + math.log(tf)) * weight(term) for term, tf in counts.items()}
    norm = math.sqrt(sum(value * value for value in vector.values()))
    if norm == 0.0 or scale == 0.0:
        return {}
    factor = math.sqrt(scale) / norm
    return {term: value * factor for term, value in vector.items()}


def document_vector(key: str, weight: Weight, options: StoryOptions = DEFAULT) -> dict[str, float]:
    """The unit vector of one key (module docstring): the one representation both
    :func:`story_similarity` and :class:`StoryModel` score with.  Empty for a key with
    no term."""
    grams, chars = key_terms(key, options)
    gram_share = 1.0 - options.char_share
    if not grams or not chars:  # a key of ASCII only: the grams carry the whole score
        gram_share = 0.0 if not grams else 1.0
    vector = _unit(grams, weight, gram_share)
    vector.update(_unit(chars, weight, 1.0 - gram_share))
    return vector


def vector_score(u: dict[str, float], v: dict[str, float]) -> float:
    """The score of two :func:`document_vector` results: their dot product, in [0, 1]."""
    if len(v) < len(u):
        u, v = v, u
    total = sum(value * v.get(term, 0.0) for term, value in u.items())
    return min(1.0, max(0.0, total))


def _score_keys(a: str, b: str, weight: Weight, options: StoryOptions) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    return vector_score(document_vector(a, weight, options), document_vector(b, weight, options))


def story_similarity(
    a: str, b: str, options: StoryOptions | None = None, **overrides: Any
) -> float:
    """How surely ``a`` and ``b`` report the same event, in ``[0, 1]`` (module
    docstring): titles or whole articles, in either script, damaged or not.  Weights
    come from :func:`.background.background` (jieba's dictionary, extra ``words``;
    uniform without it).

    >>> story_similarity("颱風海葵登陸花蓮", "颱風海葵登陸花蓮")
    1.0
    >>> story_similarity("台风海葵今晨登陆花莲 全台停班停课", "颱風海葵今晨登陸花蓮，全臺停班停課")
    1.0
    >>> story_similarity("台风海葵今晨登陆花莲", "股市今日收盘上涨120点") < 0.1
    True
    """
    return story_similarity_batch([(a, b)], options, **overrides)[0]


def story_similarity_batch(
    pairs: Iterable[tuple[str, str]], options: StoryOptions | None = None, **overrides: Any
) -> list[float]:
    """:func:`story_similarity` of each pair, in order (every text keyed in one batch)."""
    resolved = resolve_story_options(options, **overrides)
    items = list(pairs)
    for n, pair in enumerate(items):
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            raise TypeError(f"pair {n}: expected a pair of str, got {type(pair).__name__}")
        for text in pair:
            if not isinstance(text, str):
                raise TypeError(f"pair {n}: expected str, not {type(text).__name__}")
    keys = match_keys([text for pair in items for text in pair], resolved.key)
    weight = background().weight
    return [_score_keys(keys[2 * n], keys[2 * n + 1], weight, resolved) for n in range(len(items))]


FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class StoryModel:
    """Story similarity with weights fitted on the corpus being processed.

    ``StoryModel.fit(texts, titles)`` keys every document (a title, when given, is put
    before its text, so it is in the lead), counts each term's document frequency
    ``df`` and weighs it ``-ln((df + m * p) / (N + m))``, ``p`` its background
    probability and ``m`` the option ``prior_documents``: the week's generic words and
    each outlet's furniture (in many documents) weigh little, a name or a number few
    documents share weighs much; in a small corpus the background weights prevail.
    Documents are then the same unit vectors as in :func:`story_similarity`
    (:func:`document_vector`), kept as one sparse matrix, so ``model.similarity(i, j)``
    has the same scale and meaning.

    :meth:`candidates` finds the pairs worth scoring without comparing all pairs.
    The model pickles (numpy / scipy arrays and a vocabulary).
    """

    def __init__(
        self,
        vocabulary: dict[str, int],
        weights: FloatArray,
        document_frequency: IntArray,
        matrix: Any,
        empty: npt.NDArray[np.bool_],
        options: StoryOptions,
    ) -> None:
        self.vocabulary = vocabulary
        self.weights = weights  # per vocabulary column
        self.document_frequency = document_frequency
        self.matrix = matrix  # scipy.sparse.csr_matrix, one unit row per document
        self.empty = empty
        self.options = options

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        titles: Sequence[str | None] | None = None,
        options: StoryOptions | None = None,
        **overrides: Any,
    ) -> StoryModel:
        """Key ``texts`` (with their ``titles`` first, when given) and fit the model."""
        resolved = resolve_story_options(options, **overrides)
        if titles is not None and len(titles) != len(texts):
            raise ValueError(f"{len(titles)} titles for {len(texts)} texts")
        for n, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"text {n}: expected str, not {type(text).__name__}")
        joined = list(texts)
        if titles is not None:
            for n, title in enumerate(titles):
                if title is not None and not isinstance(title, str):
                    raise TypeError(f"title {n}: expected str or None, not {type(title).__name__}")
                if title:
                    joined[n] = f"{title}\n{joined[n]}"
        return cls.from_keys(match_keys(joined, resolved.key), resolved)

    @classmethod
    def from_keys(
        cls, keys: Sequence[str], options: StoryOptions | None = None, **overrides: Any
    ) -> StoryModel:
        """Fit on matching keys already made (:func:`zhnorm.match_key` with
        ``options.key``; a title first when there is one)."""
        from scipy import sparse

        resolved = resolve_story_options(options, **overrides)
        terms = [key_terms(key, resolved) for key in keys]
        frequency: Counter[str] = Counter()
        for grams, chars in terms:
            frequency.update(grams.keys())
            frequency.update(chars.keys())
        vocabulary = {term: n for n, term in enumerate(sorted(frequency))}
        size = len(keys)
        df = np.zeros(len(vocabulary), dtype=np.int64)
        for term, count in frequency.items():
            df[vocabulary[term]] = count
        prior = background()
        expected = resolved.prior_documents * np.fromiter(
            (prior.probability(term) for term in vocabulary), dtype=np.float64, count=len(df)
        )
        weights = -np.log((df + expected) / (size + resolved.prior_documents))
        table = dict(zip(vocabulary, weights.tolist(), strict=True))
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        empty = np.zeros(size, dtype=bool)
        for n, key in enumerate(keys):
            vector = document_vector(key, table.__getitem__, resolved)
            empty[n] = not vector
            columns = sorted((vocabulary[term], value) for term, value in vector.items())
            indices.extend(column for column, _ in columns)
            data.extend(value for _, value in columns)
            indptr.append(len(indices))
        matrix = sparse.csr_matrix(
            (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64), indptr),
            shape=(size, len(vocabulary)),
        )
        return cls(vocabulary, weights, df, matrix, empty, resolved)

    def __len__(self) -> int:
        return int(self.matrix.shape[0])

    def _check(self, i: int) -> int:
        if not -len(self) <= i < len(self):
            raise IndexError(f"document {i} outside 0:{len(self)}")
        return i % len(self)

    def similarity(self, i: int, j: int) -> float:
        """The story similarity of documents ``i`` and ``j`` (as :func:`story_similarity`,
        with the corpus weights)."""
        i, j = self._check(i), self._check(j)
        return float(self.similarities([(i, j)])[0])

    def similarities(self, pairs: Sequence[tuple[int, int]] | npt.ArrayLike) -> FloatArray:
        """:meth:`similarity` of each pair of document indices, as one array."""
        index = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        if index.size and (index.min() < 0 or index.max() >= len(self)):
            raise IndexError(f"a document index is outside 0:{len(self)}")
        left, right = index[:, 0], index[:, 1]
        out = np.zeros(len(index), dtype=np.float64)
        for start in range(0, len(index), 65536):
            a = self.matrix[left[start : start + 65536]]
            b = self.matrix[right[start : start + 65536]]
            out[start : start + 65536] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
        out = np.clip(out, 0.0, 1.0)
        same = left == right
        out[same] = np.where(self.empty[left[same]], 0.0, 1.0)
        return out

    def candidates(self, min_score: float = 0.2, k: int = 10) -> list[tuple[int, int, float]]:
        """Pairs ``(i, j, score)`` (``i < j``) with ``score >= min_score`` among each
        document's ``k`` best partners, found without comparing all pairs.

        Each document is indexed under its ``index_terms`` gram terms of highest
        weight that occur in 2 to ``max_postings`` documents; two documents sharing an
        indexed term are a candidate, ranked by the dot product over the indexed terms;
        each document's ``4 * k`` best candidates are scored exactly.  The cost is the
        sum over indexed terms of ``min(df, max_postings)**2`` (a sparse product in
        blocks of rows) plus ``4 * k`` exact scores per document: linear in the number of
        documents when the terms' document frequencies stay bounded.  Sorted by score,
        highest first.
        """
        if not 0 <= min_score <= 1:
            raise ValueError(f"min_score must be in [0, 1], not {min_score}")
        if k < 1:
            raise ValueError(f"k must be >= 1, not {k}")
        index = self._index_matrix()
        shortlist = 4 * k
        rows: list[IntArray] = []
        cols: list[IntArray] = []
        transposed = index.T.tocsr()
        for start in range(0, len(self), 2048):
            block = (index[start : start + 2048] @ transposed).tocsr()
            for offset in range(block.shape[0]):
                i = start + offset
                lo, hi = block.indptr[offset], block.indptr[offset + 1]
                partners = block.indices[lo:hi]
                values = block.data[lo:hi]
                keep = partners != i
                partners, values = partners[keep], values[keep]
                if len(partners) > shortlist:
                    top = np.argpartition(-values, shortlist - 1)[:shortlist]
                    partners = partners[top]
                if len(partners):
                    rows.append(np.full(len(partners), i, dtype=np.int64))
                    cols.append(partners.astype(np.int64))
        if not rows:
            return []
        left, right = np.concatenate(rows), np.concatenate(cols)
        scores = self.similarities(np.stack([left, right], axis=1))
        best: dict[tuple[int, int], float] = {}
        order = np.lexsort((-scores, left))
        taken: Counter[int] = Counter()
        for n in order.tolist():
            i, j, score = int(left[n]), int(right[n]), float(scores[n])
            if score < min_score or taken[i] >= k:
                continue
            taken[i] += 1
            best[(min(i, j), max(i, j))] = score
        return sorted(
            ((i, j, score) for (i, j), score in best.items()), key=lambda t: (-t[2], t[0], t[1])
        )

    def _index_matrix(self) -> Any:
        """The documents' rows restricted to their indexed gram terms (see
        :meth:`candidates`)."""
        from scipy import sparse

        usable = (self.document_frequency >= 2) & (
            self.document_frequency <= self.options.max_postings
        )
        is_char = np.zeros(len(self.vocabulary), dtype=bool)
        for term, column in self.vocabulary.items():
            if term.startswith(CHAR_PREFIX):
                is_char[column] = True
        usable &= ~is_char
        matrix = self.matrix
        indptr = [0]
        indices: list[IntArray] = []
        data: list[FloatArray] = []
        limit = self.options.index_terms
        for n in range(len(self)):
            lo, hi = matrix.indptr[n], matrix.indptr[n + 1]
            columns, values = matrix.indices[lo:hi], matrix.data[lo:hi]
            keep = usable[columns]
            columns, values = columns[keep], values[keep]
            if len(columns) > limit:
                top = np.argpartition(-values, limit - 1)[:limit]
                columns, values = columns[top], values[top]
            indices.append(columns)
            data.append(values)
            indptr.append(indptr[-1] + len(columns))
        return sparse.csr_matrix(
            (
                np.concatenate(data) if data else np.zeros(0),
                np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64),
                indptr,
            ),
            shape=matrix.shape,
        )
