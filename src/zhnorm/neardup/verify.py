"""Exact verification of candidate pairs, with the shingle sets of recently seen
documents cached (candidate pairs arrive sorted by their first document), on one core
or shared with forked processes."""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from ..workers import forks, process_pool
from .inherit import handed_down, inherited
from .shingling import shingle_set
from .similarity import ShingleSet, jaccard, pair_jaccards, shingle_set_of
from .spool import KeySpool

__all__ = ["ShingleSets", "pair_similarities"]

Name = TypeVar("Name", bound=Hashable)


class ShingleSets(Generic[Name]):
    """Shingle sets (character, or with ``words`` word n-grams) of documents fetched by
    ``key_of(name)``, at most ``cache`` kept."""

    def __init__(
        self,
        key_of: Callable[[Name], str],
        ngram: int,
        *,
        words: bool = False,
        cache: int = 4096,
    ):
        self.key_of = key_of
        self.ngram = ngram
        self.words = words
        self.cache = cache
        self._sets: OrderedDict[Name, ShingleSet] = OrderedDict()

    def get(self, name: Name) -> ShingleSet:
        found = self._sets.get(name)
        if found is not None:
            self._sets.move_to_end(name)
            return found
        made = shingle_set_of(self.key_of(name), self.ngram, words=self.words)
        self._sets[name] = made
        if len(self._sets) > self.cache:
            self._sets.popitem(last=False)
        return made

    def similarity(self, a: Name, b: Name) -> float:
        """Exact Jaccard similarity of the shingle sets of documents ``a`` and ``b``."""
        set_a, set_b = self.get(a), self.get(b)
        if isinstance(set_a, np.ndarray) != isinstance(set_b, np.ndarray):
            # One key could not be packed: compare both as string sets.
            set_a = shingle_set(self.key_of(a), self.ngram)
            set_b = shingle_set(self.key_of(b), self.ngram)
        return jaccard(set_a, set_b)


_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]
_MIN_SHARED = 2048  # fewer pairs than this are verified here (a fork costs more)
_BLOCK = 4096  # character-shingle pairs verified per batch (their keys held meanwhile)


def pair_similarities(
    a: _I64,
    b: _I64,
    key_of: Callable[[Any], str] | KeySpool,
    ngram: int,
    *,
    words: bool = False,
    workers: int = 1,
) -> _F64:
    """Exact Jaccard similarity of each candidate pair ``(a[i], b[i])``.

    ``workers > 1`` splits the pairs into contiguous parts, one done here and the
    others in forked children that inherit ``key_of`` (a key list's ``__getitem__``, or
    the key file of :func:`~zhnorm.neardup.files.dedup_files`, whose keys are then read
    a batch of pairs at a time) and return only the similarities; the
    result is the same.  Where processes are not forked, or for few pairs, everything is
    done here."""
    if workers < 2 or len(a) < _MIN_SHARED or not forks():
        return _similarities(a, b, key_of, ngram, words)
    bounds = np.linspace(0, len(a), workers + 1).astype(int).tolist()
    with (
        handed_down((a, b, key_of, ngram, words)) as token,
        process_pool(workers - 1) as pool,
    ):
        futures = [
            pool.submit(_similarities_of_part, token, lo, hi)
            for lo, hi in itertools.pairwise(bounds[1:])
        ]
        here = _similarities(a[: bounds[1]], b[: bounds[1]], key_of, ngram, words)
        return np.concatenate([here, *(future.result() for future in futures)])


def _similarities(
    a: _I64, b: _I64, key_of: Callable[[Any], str] | KeySpool, ngram: int, words: bool
) -> _F64:
    if words:
        sets = ShingleSets(
            key_of.__getitem__ if isinstance(key_of, KeySpool) else key_of, ngram, words=words
        )
        pairs = zip(a.tolist(), b.tolist(), strict=True)
        return np.array([sets.similarity(x, y) for x, y in pairs], dtype=np.float64)
    # Character shingles: batches of pairs, each document's key fetched once per batch.
    out = np.empty(len(a), dtype=np.float64)
    for lo in range(0, len(a), _BLOCK):
        hi = min(lo + _BLOCK, len(a))
        docs, inverse = np.unique(np.concatenate((a[lo:hi], b[lo:hi])), return_inverse=True)
        wanted = docs.tolist()
        if isinstance(key_of, KeySpool):
            taken = key_of.take(wanted)
            keys = [taken[doc] for doc in wanted]
        else:
            keys = [key_of(doc) for doc in wanted]
        inverse = inverse.astype(np.int64)
        out[lo:hi] = pair_jaccards(keys, inverse[: hi - lo], inverse[hi - lo :], ngram)
    return out


def _similarities_of_part(token: int, lo: int, hi: int) -> _F64:
    """In a forked child: the similarities of pairs ``lo:hi`` of an inherited job."""
    a, b, key_of, ngram, words = inherited(token)
    return _similarities(a[lo:hi], b[lo:hi], key_of, ngram, words)
