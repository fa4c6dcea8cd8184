"""MinHash signatures for a batch of keys in one call, bit-identical to
``datasketch.MinHash``: the compiled kernel, or a vectorised numpy one in the pure-Python
build (:mod:`zhnorm.kernels.dispatch`; the two are tested equal).

Permutations are datasketch's: for permutation ``j``, ``a_j`` and ``b_j`` are drawn in
turn by ``np.random.RandomState(seed).randint`` from ``[1, p)`` and ``[0, p)`` with the
Mersenne prime ``p = 2**61 - 1``, and the value of a shingle hash ``h`` is
``T_j(h) = ((a_j * h + b_j) mod 2**64 mod p) & (2**32 - 1)`` (datasketch computes in
wrapping uint64).  Signature entry ``j`` of a document is the minimum of ``T_j`` over
its shingles; a document without shingles gets :data:`EMPTY` everywhere.

How it is fast and still exact.  Write ``x = a*h + b mod 2**64 = hi * 2**61 + lo``.
Since ``2**61 = 1 (mod p)``, ``x mod p = hi + lo`` unless ``lo >= p - hi``, so
``T(h) = (low32(x) + hi) mod 2**32`` with ``hi`` in ``0..7`` - and ``low32(x)`` is
``v(h) = (a mod 2**32) * h + (b mod 2**32)``, computable in *uint32* SIMD arithmetic.
Hence ``v <= T <= v + 7``, except for the few hashes where that addition wraps or
``lo`` lies within 8 of ``2**61``: those are solved for in closed form, per permutation,
when the permutations are made (:class:`_Kernel`), and their documents are computed
with datasketch's formula.

The C kernel (``minhash_many`` in ``zhnorm/kernels/_fingerprint.c``) uses this bound per document
and permutation: one 32-bit pass for ``m = min v``, one for the shingles with
``v <= m + 7`` (usually one), then ``T`` exactly for those; documents holding an
exceptional hash, and dense permutations, take the exact formula throughout.  Both
32-bit passes vectorise (AVX-512/AVX2 variants chosen at load time on x86-64 with GCC);
elsewhere the numpy kernel is used, which was faster than an SSE2-only build.

The numpy kernel cuts the shingles into pieces of at most :data:`_PIECE` positions, deduplicated
within each piece (a sorted row, repeats replaced by the row's first hash) and padded
into blocks of equal-length rows.  Per block, in uint32: ``v`` for every permutation
and position, ``argmin`` along the row (the minimiser ``e0`` of ``v``), then the
minimum of the row with ``e0`` masked.  If that second minimum exceeds ``v(e0) + 7``,
no other shingle can have a smaller ``T`` and the entry is ``T(e0)``, computed
exactly.  Otherwise (a near tie, or the row's first hash, which its copies tie with)
the entry is recomputed over the piece with datasketch's formula - about 0.15 of the
128 entries of a 900-shingle document.  Pieces of a document are merged by minimum.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ..kernels import dispatch
from .params import MinHashParams
from .shingling import batch_shingles

__all__ = [
    "EMPTY",
    "MERSENNE_PRIME",
    "estimated_similarity",
    "from_lean_minhash",
    "permutations",
    "signature",
    "signatures",
    "signatures_from_shingles",
    "to_lean_minhash",
]

MERSENNE_PRIME = (1 << 61) - 1
# The C kernel where it has its AVX2/AVX-512 variant; built for SSE2 only it was slower
# than the numpy kernel (71 vs 57 us per 900-character document, measured).
_C_KERNEL = dispatch.fingerprint is not None and dispatch.fingerprint.minhash_simd()
_MASK32 = (1 << 32) - 1
EMPTY = _MASK32
"""Signature value of a document without shingles (datasketch's initial value)."""

_PIECE = 2048  # shingle positions per row: longer documents are cut into pieces
_BLOCK = 1 << 21  # uint32 values per block (permutations x rows x row length): 8 MiB
_MAX_SOLUTIONS = 1 << 12  # exceptional hashes per congruence before a perm goes dense

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]


@functools.lru_cache(maxsize=32)
def permutations(num_perm: int, seed: int) -> tuple[U64, U64]:
    """``(a, b)``, each of length ``num_perm``: datasketch's permutation parameters."""
    gen = np.random.RandomState(seed)
    a = np.empty(num_perm, dtype=np.uint64)
    b = np.empty(num_perm, dtype=np.uint64)
    for j in range(num_perm):
        a[j] = gen.randint(1, MERSENNE_PRIME, dtype=np.uint64)
        b[j] = gen.randint(0, MERSENNE_PRIME, dtype=np.uint64)
    a.flags.writeable = False
    b.flags.writeable = False
    return a, b


def _solve(a: int, c: int, bits: int) -> list[int] | None:
    """All ``h`` in ``[0, 2**32)`` with ``a*h = c (mod 2**bits)``; ``None`` if there
    are more than :data:`_MAX_SOLUTIONS`."""
    modulus = 1 << bits
    a %= modulus
    c %= modulus
    if a == 0:
        return None if c == 0 else []
    shift = (a & -a).bit_length() - 1  # trailing zeros of a
    if c & ((1 << shift) - 1):
        return []
    step = 1 << (bits - shift)
    first = ((c >> shift) * pow(a >> shift, -1, step)) % step
    if first >= 1 << 32:
        return []
    count = ((1 << 32) - first + step - 1) // step
    if count > _MAX_SOLUTIONS:
        return None
    return list(range(first, first + count * step, step))


def _exact(h: U64, a: U64, b: U64) -> U64:
    """datasketch's permuted value, elementwise (broadcasting)."""
    with np.errstate(over="ignore"):
        return (a * h + b) % np.uint64(MERSENNE_PRIME) & np.uint64(_MASK32)


class _Kernel:
    """Per-(num_perm, seed) tables: the permutations, their low halves, the hashes that
    need the exact formula and the permutations that always do."""

    def __init__(self, num_perm: int, seed: int) -> None:
        self.a, self.b = permutations(num_perm, seed)
        self.a32 = self.a.astype(np.uint32)  # low 32 bits
        self.b32 = self.b.astype(np.uint32)
        exceptional: set[int] = set()
        dense: list[int] = []
        for j, (a, b) in enumerate(zip(self.a.tolist(), self.b.tolist(), strict=True)):
            found: set[int] = set()
            for r in range(8):
                # v(h) >= 2**32 - 8: v + hi may wrap past 2**32.
                wrap = _solve(a, (1 << 32) - 8 + r - b, 32)
                # lo >= 2**61 - 8: x mod p may be hi + lo - p.
                near = _solve(a, (1 << 61) - 8 + r - b, 61)
                if wrap is None or near is None:
                    dense.append(j)
                    break
                found.update(wrap)
                found.update(near)
            else:
                exceptional |= found
        self.exceptional = np.array(sorted(exceptional), dtype=np.uint32)
        self.buckets = np.zeros(1 << 16, dtype=bool)
        self.buckets[self.exceptional >> np.uint32(16)] = True
        self.dense = np.array(dense, dtype=np.int64)


@functools.lru_cache(maxsize=32)
def _kernel(num_perm: int, seed: int) -> _Kernel:
    return _Kernel(num_perm, seed)


def _dense_cells(
    hashes: U32, starts: I64, stops: I64, perms: I64, kernel: _Kernel
) -> npt.NDArray[np.uint32]:
    """Minimum of datasketch's formula for permutation ``perms[i]`` over
    ``hashes[starts[i]:stops[i]]`` (each span non-empty)."""
    result = np.empty(len(perms), dtype=np.uint32)
    for first in range(0, len(perms), 256):  # bounded temporaries
        lo = starts[first : first + 256]
        n = stops[first : first + 256] - lo
        j = perms[first : first + 256]
        begin = np.zeros(len(n), dtype=np.int64)
        np.cumsum(n[:-1], out=begin[1:])
        cell = np.repeat(np.arange(len(n)), n)
        pos = lo[cell] + np.arange(int(n.sum())) - begin[cell]
        values = _exact(hashes[pos].astype(np.uint64), kernel.a[j][cell], kernel.b[j][cell])
        result[first : first + 256] = np.minimum.reduceat(values, begin)
    return result


def _pieces(offsets: I64) -> tuple[I64, I64, I64]:
    """``(doc, start, stop)`` of every piece: each non-empty document cut into runs of
    at most :data:`_PIECE` shingle positions."""
    counts = np.diff(offsets)
    per_doc = (counts + _PIECE - 1) // _PIECE
    doc = np.repeat(np.arange(len(counts), dtype=np.int64), per_doc)
    first_piece = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(per_doc[:-1], out=first_piece[1:])
    rank = np.arange(len(doc), dtype=np.int64) - first_piece[doc]
    start = offsets[doc] + rank * _PIECE
    stop = np.minimum(start + _PIECE, offsets[doc + 1])
    return doc, start, stop


def _piece_rows(hashes: U32, start: I64, length: I64, width: int) -> U32:
    """Rows of ``width`` hashes: each piece's distinct hashes (sorted) with every
    repeat and the padding replaced by the row's first hash."""
    index = np.minimum(np.arange(width, dtype=np.int64)[None, :], length[:, None] - 1)
    index += start[:, None]
    rows = hashes[index]
    rows.sort(axis=1)
    repeat = rows[:, 1:] == rows[:, :-1]
    np.copyto(rows[:, 1:], np.broadcast_to(rows[:, :1], repeat.shape), where=repeat)
    return rows


def _block_minima(rows: U32, kernel: _Kernel, buffer: U32, out: U32) -> npt.NDArray[np.bool_]:
    """Set ``out`` (rows x perms) to ``T(e0)`` per row and permutation, where ``e0``
    minimises ``v``; return the (perm, row) mask of near ties, which need the exact
    formula over the whole row."""
    n_rows, width = rows.shape
    k = len(kernel.a)
    cells = k * n_rows
    v = buffer[: cells * width].reshape(k, n_rows, width)
    np.multiply(kernel.a32[:, None, None], rows[None, :, :], out=v)
    np.add(v, kernel.b32[:, None, None], out=v)
    first = v.argmin(axis=2).reshape(-1)  # per (perm, row)
    flat = v.reshape(-1)
    at = np.arange(0, cells * width, width, dtype=np.int64)
    at += first
    v_first = flat[at]
    flat[at] = EMPTY
    second = v.min(axis=2).reshape(-1)
    second -= v_first  # >= 0: v_first is the minimum
    tie: npt.NDArray[np.bool_] = (second <= 7).reshape(k, n_rows)
    if width == 1:
        tie[:] = False
    at -= np.arange(cells, dtype=np.int64) // n_rows * (n_rows * width)  # row-major in rows
    h_first = rows.reshape(-1)[at].astype(np.uint64).reshape(k, n_rows)
    with np.errstate(over="ignore"):
        x = kernel.a[:, None] * h_first
        x += kernel.b[:, None]
        x += x >> np.uint64(61)
    out[...] = x.astype(np.uint32).T
    return tie


def _exceptional_at(hashes: U32, kernel: _Kernel) -> I64:
    """Positions in ``hashes`` of the exceptional hashes (cheap pre-filter on the top
    16 bits, exact test on the few suspects)."""
    if not len(kernel.exceptional):
        return np.empty(0, dtype=np.int64)
    suspects = np.flatnonzero(kernel.buckets[hashes >> np.uint32(16)])
    at = np.searchsorted(kernel.exceptional, hashes[suspects])
    found = kernel.exceptional[np.minimum(at, len(kernel.exceptional) - 1)]
    marked: I64 = suspects[found == hashes[suspects]]
    return marked


def signatures_from_shingles(hashes: U32, offsets: I64, params: MinHashParams) -> U32:
    """Signatures (``uint32``, shape ``(len(offsets) - 1, num_perm)``) of documents
    given as concatenated shingle hashes and offsets (see
    :func:`~zhnorm.neardup.shingling.batch_shingles`)."""
    kernel = _kernel(params.num_perm, params.seed)
    if _C_KERNEL:
        return _signatures_c(hashes, offsets, kernel)
    return _signatures_numpy(hashes, offsets, kernel)


def _signatures_c(hashes: U32, offsets: I64, kernel: _Kernel) -> U32:
    """The C kernel (``zhnorm.kernels._fingerprint.minhash_many``): the same two bounds
    as the numpy kernel, per document and permutation, in two vectorised 32-bit passes."""
    assert dispatch.fingerprint is not None
    n_docs = len(offsets) - 1
    out = np.full((n_docs, len(kernel.a)), EMPTY, dtype=np.uint32)
    exact_doc = np.zeros(n_docs, dtype=np.uint8)
    marked = _exceptional_at(hashes, kernel)
    exact_doc[np.searchsorted(offsets, marked, side="right") - 1] = 1
    exact_perm = np.zeros(len(kernel.a), dtype=np.uint8)
    exact_perm[kernel.dense] = 1
    dispatch.fingerprint.minhash_many(
        np.ascontiguousarray(hashes, dtype=np.uint32),
        np.ascontiguousarray(offsets, dtype=np.int64),
        kernel.a,
        kernel.b,
        exact_doc,
        exact_perm,
        out,
    )
    return out


def _signatures_numpy(hashes: U32, offsets: I64, kernel: _Kernel) -> U32:
    """The numpy kernel (see the module docstring): the C kernel's twin, used in the
    pure-Python build and where the C kernel has no wide-vector variant."""
    n_docs = len(offsets) - 1
    k = len(kernel.a)
    out = np.full((n_docs, k), EMPTY, dtype=np.uint32)
    if int(offsets[-1]) == 0:
        return out
    doc, start, stop = _pieces(offsets)
    length = stop - start
    order = np.argsort(length, kind="stable")
    sorted_length = length[order]
    piece_sig = np.empty((len(doc), k), dtype=np.uint32)
    unsure: list[tuple[I64, I64]] = []  # (pieces, perms) to recompute densely
    buffer = np.empty(max(_BLOCK, k * _PIECE), dtype=np.uint32)
    begin = 0
    while begin < len(order):
        # Rows of similar length (sorted), as many as fit in one block.
        n_rows = len(order) - begin
        width = int(sorted_length[-1])
        while n_rows > 1 and n_rows * width * k > _BLOCK:
            n_rows = max(1, _BLOCK // (k * width))
            width = int(sorted_length[begin + n_rows - 1])
        chosen = order[begin : begin + n_rows]
        begin += n_rows
        rows = _piece_rows(hashes, start[chosen], length[chosen], width)
        block_sig = np.empty((n_rows, k), dtype=np.uint32)
        tie = _block_minima(rows, kernel, buffer, block_sig)
        piece_sig[chosen] = block_sig
        if tie.any():
            perm, row = np.nonzero(tie)
            unsure.append((chosen[row], perm))
    if len(kernel.dense):
        every = np.arange(len(doc), dtype=np.int64)
        for j in kernel.dense.tolist():
            unsure.append((every, np.full(len(doc), j, dtype=np.int64)))
    marked = _exceptional_at(hashes, kernel)
    if len(marked):
        piece = np.unique(np.searchsorted(start, marked, side="right") - 1)
        every_perm = np.arange(k, dtype=np.int64)
        unsure.append((np.repeat(piece, k), np.tile(every_perm, len(piece))))
    if unsure:
        piece = np.concatenate([u[0] for u in unsure])
        perm = np.concatenate([u[1] for u in unsure])
        piece_sig[piece, perm] = _dense_cells(hashes, start[piece], stop[piece], perm, kernel)
    if len(doc) == n_docs - int(np.count_nonzero(offsets[1:] == offsets[:-1])) and (
        len(doc) == 0 or bool((np.diff(doc) > 0).all())
    ):
        out[doc] = piece_sig  # one piece per non-empty document
    else:
        np.minimum.at(out, doc, piece_sig)
    return out


def signatures(keys: Sequence[str], params: MinHashParams | None = None) -> U64:
    """MinHash signatures of ``keys`` (matching keys, see :func:`zhnorm.match_key`):
    ``uint64`` array of shape ``(len(keys), num_perm)``, values ``< 2**32``, equal to
    ``datasketch.MinHash(num_perm, seed, hashfunc=shingle_hash)`` updated with the
    key's shingles.  A key without shingles (empty) gets :data:`EMPTY` everywhere."""
    params = params or MinHashParams()
    hashes, offsets = batch_shingles(keys, params.ngram, words=params.words)
    return signatures_from_shingles(hashes, offsets, params).astype(np.uint64)


def signature(key: str, params: MinHashParams | None = None) -> U64:
    """The signature of one key (a row of :func:`signatures`)."""
    row: U64 = signatures([key], params)[0]
    return row


def estimated_similarity(sig_a: npt.NDArray[np.integer], sig_b: npt.NDArray[np.integer]) -> float:
    """MinHash estimate of the Jaccard similarity: the share of equal entries (0.0 when
    either side is the empty-document signature)."""
    if len(sig_a) != len(sig_b):
        raise ValueError(f"signature lengths differ: {len(sig_a)} != {len(sig_b)}")
    if bool((sig_a == EMPTY).all()) or bool((sig_b == EMPTY).all()):
        return 0.0
    return float(np.count_nonzero(sig_a == sig_b)) / len(sig_a)


def datasketch_scheme() -> dict[str, str]:
    """Keyword arguments that make a ``datasketch.MinHash`` or ``LeanMinHash`` use the
    permutations zhnorm's signatures equal: ``{"scheme": "legacy"}`` with datasketch 2.x
    (whose default scheme differs), ``{}`` with 1.x (which has only that one).

    >>> from datasketch import MinHash
    >>> from zhnorm.neardup import shingle_hash
    >>> m = MinHash(num_perm=128, seed=1, hashfunc=shingle_hash, **datasketch_scheme())
    """
    import inspect

    from datasketch import MinHash

    return {"scheme": "legacy"} if "scheme" in inspect.signature(MinHash).parameters else {}


def to_lean_minhash(signature_row: npt.NDArray[np.integer], params: MinHashParams) -> object:
    """A ``datasketch.LeanMinHash`` holding ``signature_row`` (seed from ``params``; the
    legacy scheme under datasketch 2.x, see :func:`datasketch_scheme`)."""
    from datasketch import LeanMinHash

    if len(signature_row) != params.num_perm:
        raise ValueError(
            f"signature has {len(signature_row)} values, params say num_perm={params.num_perm}"
        )
    values = np.asarray(signature_row, dtype=np.uint64)
    return LeanMinHash(seed=params.seed, hashvalues=values, **datasketch_scheme())


def from_lean_minhash(lean_minhash: object, params: MinHashParams) -> U64:
    """The signature row (``uint64``) of a datasketch ``(Lean)MinHash`` made with the
    same ``num_perm`` and ``seed`` as ``params`` (and, with datasketch 2.x, the legacy
    scheme: another scheme permutes differently and is refused)."""
    seed = getattr(lean_minhash, "seed", None)
    values = np.asarray(getattr(lean_minhash, "hashvalues", None), dtype=np.uint64)
    if seed != params.seed or len(values) != params.num_perm:
        raise ValueError(
            f"MinHash has seed={seed}, num_perm={len(values)}; params say "
            f"seed={params.seed}, num_perm={params.num_perm}"
        )
    scheme = getattr(lean_minhash, "scheme", "legacy")
    if scheme != "legacy":
        raise ValueError(
            f"MinHash uses datasketch's scheme {scheme!r}; zhnorm's signatures are its "
            "'legacy' scheme: make it with scheme='legacy' (zhnorm.neardup.datasketch_scheme())"
        )
    copied: U64 = values.copy()
    return copied
