"""Seeds: maximal exact matches between two keys, found through hashed k-grams.

Every ``k``-gram of a key is hashed (a polynomial rolling hash over code points, in
``uint64`` arithmetic with numpy), so finding the matches of two keys is a join of two
sorted integer arrays, never a comparison of all position pairs.  A k-gram that is
*common* - it occurs more than ``max_repeat`` times in one key, or a caller marks it
(corpus document frequency) - yields no hits: common phrases are not evidence of reuse,
and capping the repeats keeps the join linear in the text length.

Hits on one diagonal (``a_pos - b_pos``) that follow each other merge into a run; runs
are checked against the text (a hash collision can never produce a false seed) and
extended past k-grams that were skipped as common.  Runs of one diagonal are taken in
order and an extension never walks back over the previous seed of its diagonal, so the
extension work is bounded by the matched text, not by runs x length.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Seed", "common_suffix", "find_seeds", "kgram_hashes"]

U64 = npt.NDArray[np.uint64]
Bool = npt.NDArray[np.bool_]
_P = np.uint64(0x100000001B3)  # FNV prime: odd, so the map mod 2**64 mixes well


@dataclass(frozen=True)
class Seed:
    """``a[a_start:a_end] == b[b_start:b_end]`` (key offsets), a maximal exact match;
    ``core`` of its characters lie in usable k-grams (the rest is common phrasing the
    match was extended over): the evidence it brings."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    core: int = 0

    @property
    def length(self) -> int:
        return self.a_end - self.a_start


def kgram_hashes(key: str, k: int) -> U64:
    """Hash of every ``k``-gram of ``key`` (``len(key) - k + 1`` values, or none)."""
    n = len(key) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    codes = np.frombuffer(key.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    hashes = codes[:n].copy()
    with np.errstate(over="ignore"):
        for t in range(1, k):
            hashes *= _P
            hashes += codes[t : t + n]
    result: U64 = hashes
    return result


Groups = tuple[U64, U64, U64, npt.NDArray[np.int64]]


def kgram_groups(hashes: U64, usable: Bool | None = None) -> Groups:
    """The usable k-grams of a key sorted by hash: their positions and, per distinct
    hash, its value, first index and count.  A corpus run makes them once per
    document (a long document is a candidate of many pairs)."""
    positions = np.flatnonzero(usable) if usable is not None else np.arange(len(hashes))
    values = hashes[positions]
    order = np.argsort(values, kind="stable")
    positions = positions[order]
    values = values[order]
    distinct, first, counts = np.unique(values, return_index=True, return_counts=True)
    return positions.astype(np.uint64), distinct, first.astype(np.uint64), counts


def _hits(
    groups_a: Groups, groups_b: Groups, max_repeat: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    pos_a, dist_a, first_a, count_a = groups_a
    pos_b, dist_b, first_b, count_b = groups_b
    _, xa, xb = np.intersect1d(dist_a, dist_b, assume_unique=True, return_indices=True)
    na = count_a[xa]
    nb = count_b[xb]
    keep = (na <= max_repeat) & (nb <= max_repeat)
    xa, xb, na, nb = xa[keep], xb[keep], na[keep], nb[keep]
    pairs = na * nb
    total = int(pairs.sum())
    if total == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    group = np.repeat(np.arange(len(pairs)), pairs)
    local = np.arange(total) - np.repeat(np.cumsum(pairs) - pairs, pairs)
    nb_g = nb[group]
    i = pos_a[first_a[xa][group] + (local // nb_g).astype(np.uint64)].astype(np.int64)
    j = pos_b[first_b[xb][group] + (local % nb_g).astype(np.uint64)].astype(np.int64)
    return i, j


_BLOCK = 64


def _forward(a: str, i: int, b: str, j: int) -> int:
    """Length of the common prefix of ``a[i:]`` and ``b[j:]`` (compared in blocks)."""
    n = 0
    while a[i + n : i + n + _BLOCK] == b[j + n : j + n + _BLOCK] and i + n + _BLOCK <= len(a):
        if j + n + _BLOCK > len(b):
            break
        n += _BLOCK
    while i + n < len(a) and j + n < len(b) and a[i + n] == b[j + n]:
        n += 1
    return n


def common_suffix(a: str, i: int, b: str, j: int, limit: int) -> int:
    """Length (at most ``limit``) of the common suffix of ``a[:i]`` and ``b[:j]``."""
    n = 0
    while n < limit and i - n > 0 and j - n > 0 and a[i - n - 1] == b[j - n - 1]:
        n += 1
    return n


def find_seeds(
    a: str,
    b: str,
    *,
    k: int,
    max_repeat: int,
    hashes_a: U64 | None = None,
    hashes_b: U64 | None = None,
    usable_a: Bool | None = None,
    usable_b: Bool | None = None,
    groups_a: Groups | None = None,
    groups_b: Groups | None = None,
) -> list[Seed]:
    """Maximal exact matches of at least ``k`` characters between keys ``a`` and ``b``
    that contain a usable k-gram (see the module docstring), sorted by position in ``a``.

    ``hashes_*`` are :func:`kgram_hashes` of the keys (computed when omitted);
    ``usable_*`` mark the k-grams that may start a hit (default: all); ``groups_*``
    are :func:`kgram_groups` of those, when already made.
    """
    if len(a) < k or len(b) < k:
        return []
    if groups_a is None:
        groups_a = kgram_groups(kgram_hashes(a, k) if hashes_a is None else hashes_a, usable_a)
    if groups_b is None:
        groups_b = kgram_groups(kgram_hashes(b, k) if hashes_b is None else hashes_b, usable_b)
    i, j = _hits(groups_a, groups_b, max_repeat)
    if len(i) == 0:
        return []
    diagonal = i - j
    order = np.lexsort((i, diagonal))
    i, diagonal = i[order], diagonal[order]
    breaks = np.flatnonzero((np.diff(diagonal) != 0) | (np.diff(i) != 1)) + 1
    run_starts = np.concatenate(([0], breaks))
    run_ends = np.concatenate((breaks, [len(i)])) - 1
    found: list[list[int]] = []  # [a_start, a_end, diagonal, core, core_end]
    previous_d: int | None = None
    floor = 0  # on this diagonal, no extension reaches back before this a-offset
    for first, last in zip(run_starts.tolist(), run_ends.tolist(), strict=True):
        a0 = int(i[first])
        d = int(diagonal[first])
        a1 = int(i[last]) + k
        if d != previous_d:
            previous_d, floor = d, 0
        if a0 < floor:  # inside the previous seed of this diagonal: more evidence
            seed = found[-1]
            seed[3] += max(0, a1 - max(a0, seed[4]))
            seed[4] = max(seed[4], a1)
            continue
        if a[a0:a1] != b[a0 - d : a1 - d]:  # a hash collision: not a match
            continue
        core = a1 - a0
        core_end = a1
        a0 -= common_suffix(a, a0, b, a0 - d, a0 - floor)
        a1 += _forward(a, a1, b, a1 - d)
        found.append([a0, a1, d, core, core_end])
        floor = a1
    seeds = [Seed(a0, a1, a0 - d, a1 - d, core) for a0, a1, d, core, _ in found]
    seeds.sort(key=lambda s: (s.a_start, s.b_start))
    return seeds
