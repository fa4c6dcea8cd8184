"""Shingles: the character n-grams of a matching key, hashed to 32 bits.

The hash (:data:`~zhnorm.neardup.params.SHINGLE_HASH`) of a shingle with code points
``c1 .. ck`` is FNV-1a over the code points widened to 64 bits (``h = 0xcbf29ce484222325;
h = (h ^ c) * 0x100000001b3 mod 2**64`` for each ``c``), then MurmurHash3's ``fmix64``
finaliser, keeping the high 32 bits.  :func:`shingle_hash` computes it for one shingle
(``str``, or UTF-8 ``bytes`` - the form datasketch's ``hashfunc`` receives);
:func:`batch_shingles` computes it for every n-gram of many keys in one numpy pass.

A key shorter than ``n`` is one shingle (the whole key); an empty key has none.

Word shingles (``words=True``, extra ``words``): the key is cut into words by jieba
(accurate mode, deterministic) and a shingle is ``n`` consecutive words joined by
U+001F (a separator no key holds, so ``ab|c`` and ``a|bc`` differ), hashed like a
character shingle; a key of fewer than ``n`` words is one shingle.  Keys hold only
letters and digits, so the words are those of the text without its punctuation.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..kernels import dispatch

__all__ = [
    "WORD_SEPARATOR",
    "batch_shingles",
    "shingle_hash",
    "shingle_set",
    "shingles",
    "word_tokens",
]

WORD_SEPARATOR = "\x1f"
"""Joins the words of a word shingle."""

_MASK64 = (1 << 64) - 1
_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_FMIX_1 = 0xFF51AFD7ED558CCD
_FMIX_2 = 0xC4CEB9FE1A85EC53

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]


def shingle_hash(shingle: str | bytes) -> int:
    """The 32-bit hash of one shingle (``bytes`` are decoded as UTF-8).

    Pass it as ``datasketch.MinHash(hashfunc=shingle_hash)`` to make datasketch hash
    shingles exactly as zhnorm does."""
    if isinstance(shingle, (bytes, bytearray, memoryview)):
        shingle = bytes(shingle).decode("utf-8", "surrogatepass")
    h = _FNV_OFFSET
    for char in shingle:
        h = ((h ^ ord(char)) * _FNV_PRIME) & _MASK64
    h ^= h >> 33
    h = (h * _FMIX_1) & _MASK64
    h ^= h >> 33
    h = (h * _FMIX_2) & _MASK64
    h ^= h >> 33
    return h >> 32


def _code_points(text: str) -> U32:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(
        np.uint32, copy=False
    )


def _ngram_hashes(points: U32, n: int) -> U32:
    """Hash of the n-gram starting at every position ``0 .. len(points) - n``."""
    count = len(points) - n + 1
    with np.errstate(over="ignore"):
        h = np.full(count, _FNV_OFFSET, dtype=np.uint64)
        prime = np.uint64(_FNV_PRIME)
        for offset in range(n):
            h ^= points[offset : offset + count]
            h *= prime
        h ^= h >> np.uint64(33)
        h *= np.uint64(_FMIX_1)
        h ^= h >> np.uint64(33)
        h *= np.uint64(_FMIX_2)
        h ^= h >> np.uint64(33)
    return (h >> np.uint64(32)).astype(np.uint32)


@functools.lru_cache(maxsize=1)
def _segmenter() -> Any:
    try:
        import jieba
    except ImportError:
        raise ImportError(
            "word shingles need the optional package 'jieba': pip install 'zhnorm[words]'"
        ) from None
    jieba.setLogLevel(logging.WARNING)
    return jieba.Tokenizer()


def word_tokens(key: str) -> list[str]:
    """The words of ``key`` (jieba's accurate mode)."""
    return list(_segmenter().cut(key, HMM=True)) if key else []


def _word_shingles(key: str, ngram: int) -> list[str]:
    parts = word_tokens(key)
    if len(parts) <= ngram:
        return [WORD_SEPARATOR.join(parts)] if parts else []
    return [WORD_SEPARATOR.join(parts[i : i + ngram]) for i in range(len(parts) - ngram + 1)]


def batch_shingles(keys: Sequence[str], ngram: int, *, words: bool = False) -> tuple[U32, I64]:
    """``(hashes, offsets)``: the shingle hashes of every key, concatenated (in
    position order, repeats kept), and ``offsets`` (length ``len(keys) + 1``) such that
    key ``i`` owns ``hashes[offsets[i]:offsets[i + 1]]``.  One call of the compiled
    kernel (or one numpy pass, in the pure-Python build) over the whole batch."""
    if ngram < 1:
        raise ValueError(f"ngram must be >= 1, got {ngram}")
    if words:
        per_key = [_word_shingles(key, ngram) for key in keys]
        offsets = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum([len(grams) for grams in per_key], out=offsets[1:])
        # Each word shingle is hashed whole: a "key" shorter than its n-gram size.
        grams = [gram for key_grams in per_key for gram in key_grams]
        longest = max(map(len, grams), default=0) + 1
        hashes, _ = batch_shingles(grams, longest)
        return hashes, offsets
    lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
    counts = np.where(lengths >= ngram, lengths - ngram + 1, np.minimum(lengths, 1))
    offsets = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    if dispatch.fingerprint is not None:
        hashes = np.empty(int(offsets[-1]), dtype=np.uint32)
        dispatch.fingerprint.shingle_hashes(list(keys), ngram, hashes)
        return hashes, offsets
    return _hashes_numpy(keys, ngram, lengths, offsets), offsets


def _hashes_numpy(keys: Sequence[str], ngram: int, lengths: I64, offsets: I64) -> U32:
    """:func:`batch_shingles`' hashes in numpy: the twin of the compiled
    ``shingle_hashes`` (:mod:`zhnorm.kernels.dispatch`)."""
    total = int(lengths.sum())
    if total < ngram:
        hashes = np.empty(0, dtype=np.uint32)
    else:
        hashes = _ngram_hashes(_code_points("".join(keys)), ngram)
        if len(keys) > 1 or total != lengths[0]:
            # Keep the n-grams that start at least n-1 characters before their key ends.
            starts = np.zeros(len(keys), dtype=np.int64)
            np.cumsum(lengths[:-1], out=starts[1:])
            last_start = starts + lengths - ngram  # per key; < start when too short
            owner = np.repeat(np.arange(len(keys)), lengths)[: len(hashes)]
            hashes = hashes[np.arange(len(hashes)) <= last_start[owner]]
    short = np.flatnonzero((lengths > 0) & (lengths < ngram))
    if len(short):
        whole = np.fromiter((shingle_hash(keys[i]) for i in short.tolist()), np.uint32, len(short))
        # Insert each short key's single shingle where its block starts.
        hashes = np.insert(hashes, offsets[short] - np.arange(len(short)), whole)
    return hashes


def shingles(key: str, ngram: int, *, words: bool = False) -> U32:
    """The unique 32-bit hashes (sorted) of the character (or word) n-grams of ``key``."""
    hashes, _ = batch_shingles([key], ngram, words=words)
    return np.unique(hashes)


def shingle_set(key: str, ngram: int, *, words: bool = False) -> frozenset[str]:
    """The character (or word) n-grams of ``key`` as strings (exact, no hashing)."""
    if words:
        return frozenset(_word_shingles(key, ngram))
    if len(key) < ngram:
        return frozenset((key,)) if key else frozenset()
    return frozenset(key[i : i + ngram] for i in range(len(key) - ngram + 1))
