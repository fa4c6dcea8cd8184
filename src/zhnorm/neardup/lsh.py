"""Locality-sensitive hashing of signatures: banding chosen for recall, one hash per
band, and the candidate pairs that share a band.

With ``b`` bands of ``r`` rows, two documents of Jaccard similarity ``s`` share at
least one band with probability ``P(s) = 1 - (1 - s**r)**b``.  :func:`lsh_bands`
picks ``(b, r)`` with ``b * r <= num_perm`` minimising
``fp_weight * area(P below t) + fn_weight * area(1 - P above t)`` (the criterion of
datasketch's ``_optimal_param``, computed here on a grid with numpy), with the default
weights 0.02 / 0.98: a missed duplicate costs 49 times a candidate pair that exact
verification rejects.  At ``t = 0.8`` and 128 permutations that is 17 bands of 7 rows,
``P(0.8) = 0.98`` where datasketch's default (0.5 / 0.5: 9 x 13) has ``P(0.8) = 0.40``.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
import numpy.typing as npt

from ..workers import forks, process_pool
from .inherit import handed_down, inherited

__all__ = ["band_hashes", "bucket_pairs", "candidate_pairs", "collision_probability", "lsh_bands"]

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

_FULL_GROUP = 64  # a bucket of at most this many documents proposes all its pairs


def collision_probability(similarity: float, bands: int, rows: int) -> float:
    """Probability that two documents of Jaccard ``similarity`` share a band."""
    return float(1.0 - (1.0 - similarity**rows) ** bands)


@functools.lru_cache(maxsize=256)
def lsh_bands(
    threshold: float, num_perm: int, *, fp_weight: float = 0.02, fn_weight: float = 0.98
) -> tuple[int, int]:
    """``(bands, rows)`` for ``threshold``: see the module docstring."""
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    if num_perm < 2:
        raise ValueError(f"num_perm must be >= 2 for banding, got {num_perm}")
    grid = np.linspace(0.0, 1.0, 2001)
    below = grid <= threshold
    best: tuple[float, int, int] | None = None
    for rows in range(1, num_perm + 1):
        for bands in range(2, num_perm // rows + 1):
            p = 1.0 - (1.0 - grid**rows) ** bands
            false_pos = np.trapezoid(np.where(below, p, 0.0), grid)
            false_neg = np.trapezoid(np.where(below, 0.0, 1.0 - p), grid)
            error = fp_weight * false_pos + fn_weight * false_neg
            if best is None or error < best[0]:
                best = (float(error), bands, rows)
    if best is None:
        raise ValueError(f"no banding with at least 2 bands fits num_perm={num_perm}")
    return best[1], best[2]


_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_FMIX_1 = np.uint64(0xFF51AFD7ED558CCD)
_FMIX_2 = np.uint64(0xC4CEB9FE1A85EC53)
_SHIFT = np.uint64(33)


def band_hashes(signatures: npt.NDArray[np.integer], bands: int, rows: int) -> U64:
    """``uint64`` array ``(n, bands)``: band ``i`` of document ``d`` hashes its values
    ``signatures[d, i*rows:(i+1)*rows]`` (FNV-1a over the values, ``fmix64``; the band
    number is mixed in, so equal values in different bands hash differently).  Two
    documents are candidates when they agree on some ``(band, hash)``."""
    sig = np.asarray(signatures)
    if sig.ndim != 2:
        raise ValueError(f"signatures must be 2-D, got shape {sig.shape}")
    if bands * rows > sig.shape[1]:
        raise ValueError(
            f"{bands} bands x {rows} rows need {bands * rows} values per signature, "
            f"got {sig.shape[1]}"
        )
    values = sig[:, : bands * rows].astype(np.uint64).reshape(len(sig), bands, rows)
    with np.errstate(over="ignore"):
        h: U64 = np.empty(values.shape[:2], dtype=np.uint64)
        h[:] = _FNV_OFFSET ^ np.arange(bands, dtype=np.uint64)
        for row in range(rows):
            h ^= values[:, :, row]
            h *= _FNV_PRIME
        h ^= h >> _SHIFT
        h *= _FMIX_1
        h ^= h >> _SHIFT
        h *= _FMIX_2
        h ^= h >> _SHIFT
    return h


def bucket_pairs(members: I64, sizes: I64) -> tuple[I64, I64]:
    """Pairs proposed by buckets (``members`` grouped into consecutive runs of
    ``sizes``, each run ascending): every pair of a bucket of at most
    :data:`_FULL_GROUP` documents; in a larger bucket, each member with the bucket's
    first member and with its predecessor (enough to connect the bucket; exact
    verification decides which of those pairs hold)."""
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    run = np.repeat(np.arange(len(sizes)), sizes)
    end_of = (starts + sizes)[run]
    small = sizes[run] <= _FULL_GROUP
    first: list[I64] = []
    second: list[I64] = []
    at = np.flatnonzero(small)
    for step in range(1, int(min(sizes.max(initial=1), _FULL_GROUP))):
        at = at[at + step < end_of[at]]
        if not len(at):
            break
        first.append(members[at])
        second.append(members[at + step])
    big = np.flatnonzero(~small)
    if len(big):
        head = starts[run[big]]
        not_head = big[big != head]
        first.append(members[head[big != head]])
        second.append(members[not_head])
        chained = not_head[not_head - 1 != starts[run[not_head]]]
        first.append(members[chained - 1])
        second.append(members[chained])
    if not first:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(first), np.concatenate(second)


_MIN_SHARED_DOCS = 50_000
"""Fewer documents than this find their candidates in one process (a fork costs more)."""


def candidate_pairs(
    hashes: U64, active: npt.NDArray[np.bool_] | None = None, *, workers: int = 1
) -> tuple[I64, I64, I64]:
    """``(a, b, band)``: the distinct document pairs ``a < b`` that share a band hash
    (``hashes`` from :func:`band_hashes`), each with the first band that proposed it,
    ordered by ``(a, b)``.  Documents with ``active`` False (e.g. empty) propose nothing.

    ``workers > 1`` (where processes are forked, for at least :data:`_MIN_SHARED_DOCS`
    documents) splits the bands into contiguous parts, the last done here and the others
    in forked children that inherit ``hashes``; the result is the same."""
    n, bands = hashes.shape
    index = np.arange(n, dtype=np.int64) if active is None else np.flatnonzero(active)
    parts = min(workers, bands)
    if parts < 2 or n < _MIN_SHARED_DOCS or not forks():
        return _first_band_pairs([_band_pairs(hashes, index, range(bands))], n)
    bounds = np.linspace(0, bands, parts + 1).astype(int).tolist()
    with handed_down((hashes, index)) as token, process_pool(parts - 1) as pool:
        futures = [
            pool.submit(_band_pairs_inherited, token, lo, hi)
            for lo, hi in itertools.pairwise(bounds[:-1])
        ]
        here = _band_pairs(hashes, index, range(bounds[-2], bands))
        return _first_band_pairs([*(future.result() for future in futures), here], n)


def _band_pairs(hashes: U64, index: I64, bands: range) -> tuple[I64, I64, I64]:
    """``(a, b, band)`` proposed by each band of ``bands`` in turn (a pair repeats if
    several bands propose it), documents ``index`` taking part."""
    found_a: list[I64] = []
    found_b: list[I64] = []
    found_band: list[I64] = []
    for band in bands:
        column = hashes[index, band]
        order = np.argsort(column, kind="stable")
        ordered = column[order]
        boundary = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
        starts = np.concatenate(([0], boundary))
        sizes = np.diff(np.concatenate((starts, [len(ordered)])))
        shared = sizes > 1
        if not shared.any():
            continue
        in_shared = np.repeat(shared, sizes)
        members = index[order[in_shared]]
        a, b = bucket_pairs(members, sizes[shared])
        found_a.append(a)
        found_b.append(b)
        found_band.append(np.full(len(a), band, dtype=np.int64))
    if not found_a:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    return np.concatenate(found_a), np.concatenate(found_b), np.concatenate(found_band)


def _band_pairs_inherited(token: int, lo: int, hi: int) -> tuple[I64, I64, I64]:
    """In a forked child: :func:`_band_pairs` of bands ``lo:hi`` of an inherited job."""
    hashes, index = inherited(token)
    return _band_pairs(hashes, index, range(lo, hi))


def _first_band_pairs(parts: list[tuple[I64, I64, I64]], n: int) -> tuple[I64, I64, I64]:
    """The distinct pairs of ``parts`` (in band order), ordered by ``(a, b)``, each with
    the first band that proposed it."""
    a = np.concatenate([part[0] for part in parts])
    b = np.concatenate([part[1] for part in parts])
    band_of = np.concatenate([part[2] for part in parts])
    if not len(a):
        return a, b, band_of
    code = a * n + b
    order = np.argsort(code, kind="stable")  # stable: first band first among equals
    code = code[order]
    first = np.concatenate(([True], code[1:] != code[:-1]))
    keep = order[first]
    return a[keep], b[keep], band_of[keep]
