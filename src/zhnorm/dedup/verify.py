"""Exact verification of candidate pairs, with the shingle sets of recently seen
documents cached (candidate pairs arrive sorted by their first document)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import numpy as np

from .shingles import shingle_set
from .similarity import ShingleSet, jaccard, shingle_set_of

__all__ = ["ShingleSets"]

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
