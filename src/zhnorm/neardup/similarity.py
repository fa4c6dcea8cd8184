"""Exact Jaccard similarity of shingle sets: the verification of every candidate pair.

Shingles are compared as strings, so the result is exact (no hash collisions).  The
n-grams of a key are packed losslessly into one ``uint64`` when they fit (``n`` code
points of ``64 // n`` bits each: any text for ``n <= 3``, the Basic Multilingual Plane
for ``n = 4``) and compared as sorted numpy arrays; otherwise Python sets of strings
are used.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .shingling import shingle_set

__all__ = ["ShingleSet", "exact_similarity", "jaccard", "shingle_set_of"]

U64 = npt.NDArray[np.uint64]
ShingleSet = U64 | frozenset[str]


def shingle_set_of(key: str, ngram: int, *, words: bool = False) -> ShingleSet:
    """The shingle set of ``key`` in the fastest exact form: a sorted array of packed
    character n-grams, or a frozenset of strings (always for word shingles)."""
    if ngram < 1:
        raise ValueError(f"ngram must be >= 1, got {ngram}")
    if words:
        return shingle_set(key, ngram, words=True)
    if len(key) < ngram:
        return shingle_set(key, ngram)
    bits = 64 // ngram
    points = np.frombuffer(key.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    if bits < 21 and int(points.max()) >> bits:
        return shingle_set(key, ngram)
    count = len(points) - ngram + 1
    packed = np.zeros(count, dtype=np.uint64)
    for offset in range(ngram):
        packed <<= np.uint64(bits)
        packed |= points[offset : offset + count]
    packed.sort()
    return packed[np.concatenate(([True], packed[1:] != packed[:-1]))]


def jaccard(a: ShingleSet, b: ShingleSet) -> float:
    """Jaccard similarity of two shingle sets from :func:`shingle_set_of` (0.0 when
    both are empty)."""
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        if not len(a) and not len(b):
            return 0.0
        common = _common(a, b)
        return common / (len(a) + len(b) - common)
    set_a = a if isinstance(a, frozenset) else None
    set_b = b if isinstance(b, frozenset) else None
    if set_a is None or set_b is None:
        raise TypeError("cannot compare a packed set with a string set: use the same key forms")
    union = len(set_a | set_b)
    return len(set_a & set_b) / union if union else 0.0


def _common(a: U64, b: U64) -> int:
    """How many values two sorted arrays of distinct values share: each of the smaller
    is looked up in the larger by binary search (a third of ``np.intersect1d``'s time,
    which sorts both again)."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    if not len(small):
        return 0
    at = np.searchsorted(large, small)
    np.minimum(at, len(large) - 1, out=at)
    return int(np.count_nonzero(large[at] == small))


def exact_similarity(key_a: str, key_b: str, ngram: int, *, words: bool = False) -> float:
    """Exact Jaccard similarity of the character (or word) n-gram sets of two keys (0.0
    when both are empty; a key shorter than ``ngram`` is one shingle)."""
    a = shingle_set_of(key_a, ngram, words=words)
    b = shingle_set_of(key_b, ngram, words=words)
    if isinstance(a, np.ndarray) != isinstance(b, np.ndarray):
        return jaccard(shingle_set(key_a, ngram), shingle_set(key_b, ngram))
    return jaccard(a, b)
