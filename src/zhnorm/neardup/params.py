"""The parameters every MinHash signature depends on, recorded so that signatures made
differently are never compared.

A signature is only meaningful next to signatures made with the same number of
permutations, the same permutation seed, the same shingles (characters or words, and
their n-gram size) and the same shingle hash.  :class:`MinHashParams` holds them,
serialises them (``to_dict`` / ``from_dict``, for index files and the Spark engine)
and :meth:`check_compatible` refuses a mismatch with a message naming every differing
field.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

__all__ = ["DEFAULT_NGRAM", "SHINGLE_HASH", "MinHashParams"]

SHINGLE_HASH = "fnv1a64-fmix64-cp"
"""Name of the shingle hash (see :mod:`zhnorm.neardup.shingling`): FNV-1a over the 64-bit
widened code points of the shingle, MurmurHash3's ``fmix64`` finaliser, high 32 bits."""

DEFAULT_THRESHOLD = 0.8
"""Exact Jaccard similarity of shingle sets at which two documents are duplicates, when
the caller (or the index) names none."""

DEFAULT_NGRAM = 2
"""Character n-gram size of the default shingles, chosen by measurement (see
``docs/benchmarks.md``, section *Dedup*): with bigrams every lightly edited copy of a
news article and every near-verbatim pair of sohu2021 reaches Jaccard 0.8, titles
included (one changed character of a 22-character title leaves trigram Jaccard at 0.75,
bigram Jaccard at 0.83), while distinct articles of one category stay below 0.21."""


@dataclass(frozen=True)
class MinHashParams:
    """How signatures are made.

    ``num_perm``  number of hash permutations (signature length).
    ``ngram``     shingles are the character n-grams of the matching key.
    ``seed``      seed of the permutations; the permutations equal those of
                  ``datasketch.MinHash(num_perm, seed)``.
    ``hash``      name of the shingle hash (only :data:`SHINGLE_HASH` exists).
    ``words``     shingles are n-grams of the key's *words* (jieba's segmentation, extra
                  ``words``) instead of its characters; ``ngram`` counts words then.
    """

    num_perm: int = 128
    ngram: int = DEFAULT_NGRAM
    seed: int = 1
    hash: str = SHINGLE_HASH
    words: bool = False

    def __post_init__(self) -> None:
        for name in ("num_perm", "ngram", "seed"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an int, not {type(value).__name__}")
        if not 1 <= self.num_perm <= 1 << 16:
            raise ValueError(f"num_perm must be in 1..65536, got {self.num_perm}")
        if not 1 <= self.ngram <= 64:
            raise ValueError(f"ngram must be in 1..64, got {self.ngram}")
        if not 0 <= self.seed < 1 << 32:
            raise ValueError(f"seed must be in 0..2**32-1, got {self.seed}")
        if not isinstance(self.words, bool):
            raise TypeError(f"words must be a bool, not {type(self.words).__name__}")
        if self.hash != SHINGLE_HASH:
            raise ValueError(f"unknown shingle hash {self.hash!r}; supported: {SHINGLE_HASH!r}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MinHashParams:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown MinHashParams fields: {', '.join(sorted(unknown))}")
        return cls(**data)

    def differences(self, other: MinHashParams) -> list[str]:
        """``"field: mine != theirs"`` for every field that differs."""
        return [
            f"{f.name}: {getattr(self, f.name)!r} != {getattr(other, f.name)!r}"
            for f in dataclasses.fields(self)
            if getattr(self, f.name) != getattr(other, f.name)
        ]

    def check_compatible(self, other: MinHashParams) -> None:
        """Raise ``ValueError`` naming the differing fields unless ``other`` makes the
        same signatures as ``self``."""
        if not isinstance(other, MinHashParams):
            raise TypeError(f"expected MinHashParams, not {type(other).__name__}")
        differing = self.differences(other)
        if differing:
            raise ValueError(
                "MinHash signatures made with different parameters cannot be compared ("
                + "; ".join(differing)
                + ")"
            )
