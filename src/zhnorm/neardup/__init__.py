"""Near-duplicate documents: MinHash + LSH with exact verification, clusters, and an
incremental SQLite index.

One job per module:

* :mod:`.params`     :class:`MinHashParams` - what every signature depends on.
* :mod:`.keys`       the default matching key (:func:`zhnorm.match_keys`).
* :mod:`.shingling`  character n-grams of a key, hashed to 32 bits.
* :mod:`.minhash`    signatures in one vectorised pass; datasketch interop.
* :mod:`.lsh`        banding for a threshold, band hashes, candidate pairs.
* :mod:`.similarity` exact Jaccard of shingle sets (the verification).
* :mod:`.verify`     verification with cached shingle sets, on forked processes.
* :mod:`.cluster`    clusters (:mod:`zhnorm.unionfind`) and keep policies.
* :mod:`.sketch`     text -> key -> signature -> bands, on a process pool.
* :mod:`.spool`      keys kept in a temporary file (the command line).
* :mod:`.inherit`    values handed to forked children without pickling.
* :mod:`.api`        :func:`dedup` and its result.
* :mod:`.files`      :func:`dedup_files`, the file-level engine of ``zhnorm dedup``
                     (streaming, rejects, index, workers): the local twin of
                     :func:`zhnorm.spark.dedup_files`.
* :mod:`.index`      :class:`DedupIndex`, persisted in SQLite.
* :mod:`.synthetic`  a seeded corpus with planted near-duplicates and ground truth.
"""

from .api import DedupResult, DuplicatePair, dedup
from .cluster import KEEP_POLICIES, choose_kept, cluster_pairs
from .files import dedup_files
from .index import DedupIndex, IndexMatch
from .keys import DEDUP_KEY_CONFIG, dedup_keys
from .lsh import band_hashes, candidate_pairs, lsh_bands
from .minhash import (
    EMPTY,
    datasketch_scheme,
    estimated_similarity,
    from_lean_minhash,
    signature,
    signatures,
    to_lean_minhash,
)
from .params import DEFAULT_NGRAM, DEFAULT_THRESHOLD, SHINGLE_HASH, MinHashParams
from .shingling import shingle_hash, shingles
from .similarity import exact_similarity

__all__ = [
    "DEDUP_KEY_CONFIG",
    "DEFAULT_NGRAM",
    "DEFAULT_THRESHOLD",
    "EMPTY",
    "KEEP_POLICIES",
    "SHINGLE_HASH",
    "DedupIndex",
    "DedupResult",
    "DuplicatePair",
    "IndexMatch",
    "MinHashParams",
    "band_hashes",
    "candidate_pairs",
    "choose_kept",
    "cluster_pairs",
    "datasketch_scheme",
    "dedup",
    "dedup_files",
    "dedup_keys",
    "estimated_similarity",
    "exact_similarity",
    "from_lean_minhash",
    "lsh_bands",
    "shingle_hash",
    "shingles",
    "signature",
    "signatures",
    "to_lean_minhash",
]
