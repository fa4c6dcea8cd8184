"""Exact Jaccard similarity of shingle sets: the verification of every candidate pair.

Shingles are compared as strings, so the result is exact (no hash collisions).  The
n-grams of a key are packed losslessly into one ``uint64`` when they fit (``n`` code
points of ``64 // n`` bits each: any text for ``n <= 3``, the Basic Multilingual Plane
for ``n = 4``) and compared as sorted numpy arrays; otherwise Python sets of strings
are used.  :func:`pair_jaccards` verifies a batch of pairs at once, in the compiled
kernel (``shingle_jaccard``) where it is built, for character n-grams up to 3.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ..kernels import dispatch
from .shingling import shingle_set

__all__ = ["ShingleSet", "exact_similarity", "jaccard", "pair_jaccards", "shingle_set_of"]

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
KERNEL_MAX_NGRAM = 3
"""The longest n-grams the compiled ``shingle_jaccard`` packs into one ``uint64``."""
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
    return _jaccard_of(key_a, key_b, a, b, ngram)


def _jaccard_of(key_a: str, key_b: str, a: ShingleSet, b: ShingleSet, ngram: int) -> float:
    """:func:`jaccard` of the shingle sets ``a`` and ``b`` of two keys; when one is packed
    and the other is not, of both keys' string sets."""
    if isinstance(a, np.ndarray) != isinstance(b, np.ndarray):
        return jaccard(shingle_set(key_a, ngram), shingle_set(key_b, ngram))
    return jaccard(a, b)


def pair_jaccards(keys: Sequence[str], a: I64, b: I64, ngram: int) -> F64:
    """``exact_similarity(keys[a[i]], keys[b[i]], ngram)`` of each pair ``i`` (character
    n-grams).  The compiled kernel takes the pairs of keys at least ``ngram`` long when
    ``ngram <= 3``; the others (and all, without the kernel) go through
    :func:`shingle_set_of` and :func:`jaccard`, each key's set made once."""
    out = np.empty(len(a), dtype=np.float64)
    if not len(a):
        return out
    a = np.ascontiguousarray(a, dtype=np.int64)
    b = np.ascontiguousarray(b, dtype=np.int64)
    rest = np.ones(len(a), dtype=bool)
    if dispatch.fingerprint is not None and 1 <= ngram <= KERNEL_MAX_NGRAM:
        listed = list(keys)
        long_enough = np.fromiter((len(key) >= ngram for key in listed), bool, len(listed))
        both = long_enough[a] & long_enough[b]
        if both.all():
            dispatch.fingerprint.shingle_jaccard(listed, a, b, ngram, out)
            return out
        done = np.empty(int(both.sum()), dtype=np.float64)
        dispatch.fingerprint.shingle_jaccard(listed, a[both], b[both], ngram, done)
        out[both] = done
        rest = ~both
    sets: dict[int, ShingleSet] = {}
    for i in np.flatnonzero(rest).tolist():
        x, y = int(a[i]), int(b[i])
        for k in (x, y):
            if k not in sets:
                sets[k] = shingle_set_of(keys[k], ngram)
        out[i] = _jaccard_of(keys[x], keys[y], sets[x], sets[y], ngram)
    return out
