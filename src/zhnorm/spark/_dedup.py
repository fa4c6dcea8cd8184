"""Near-duplicate documents on Spark, on the code paths of :func:`zhnorm.neardup.dedup`.

1. **Row index**: documents are numbered ``0 .. n-1`` in DataFrame order (or by a given
   index column); cluster ids and ``duplicate_of`` are these numbers, as locally.
2. **Sketch** per Arrow batch (``mapInPandas``) with
   :func:`zhnorm.neardup.sketch.sketch_texts`: matching key, MinHash signature and band
   hashes -- the same vectorised numpy code, so the same numbers.
3. **LSH**: one row per ``(band, band hash, document)``; grouping by ``(band, band
   hash)`` gives the buckets, and the bucket rule of
   :func:`zhnorm.neardup.lsh.candidate_pairs` (all pairs in a bucket of at most 64
   documents, otherwise each member with the first and with its predecessor) gives
   the candidate pairs, each with the first band that proposed it.
4. **Exact verification**: the key-and-signature table is first restricted to the
   documents of some candidate pair (a semi-join with their ids: only those travel),
   then the keys of both documents are joined to each candidate and compared with
   :class:`zhnorm.neardup.verify.ShingleSets`; only pairs at or above the threshold
   remain.
5. **Clusters**: connected components of the verified pairs (:mod:`._components`,
   large-star / small-star); the cluster id is the smallest member index.
6. **Keep**: :func:`zhnorm.neardup.choose_kept` per cluster (``first``, ``longest`` or a
   field); ``similarity`` is the exact similarity with the kept member.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.pandas.functions import pandas_udf

from ..key import KeyConfig
from ..neardup.cluster import KEEP_POLICIES, choose_kept
from ..neardup.lsh import bucket_pairs, lsh_bands
from ..neardup.minhash import signatures
from ..neardup.params import DEFAULT_THRESHOLD, MinHashParams
from ..neardup.similarity import exact_similarity
from ..neardup.sketch import sketch_texts
from ..neardup.verify import ShingleSets
from ._components import connected_components
from ._frame import SPILL, with_row_index

__all__ = ["OUTPUT_COLUMNS", "SparkDedupResult", "dedup", "dedup_result", "signature_column"]

OUTPUT_COLUMNS = ("cluster", "duplicate_of", "similarity")
ROW_INDEX = "row_index"
BROADCAST_LIMIT = 1_000_000
"""Rows of a narrow table (candidate pairs, their document ids, the cluster table) up
to which it is broadcast to its join with the documents, so that the documents are
read in place; beyond, a sort-merge join.  A broadcast passes through the driver: at
this limit some 30-60 MB, within Spark's default 1 GB driver."""

_SKETCH_SCHEMA = "idx long, key string, length long, empty boolean, sig binary, bands array<long>"
_PAIR_SCHEMA = "a long, b long, band long"
_VERIFIED_SCHEMA = "a long, b long, band long, estimated double, exact double"


def signature_column(column: Column | str, params: MinHashParams | None = None) -> Column:
    """MinHash signatures (``array<long>``, values ``< 2**32``) of a column of matching
    keys, made per Arrow batch by :func:`zhnorm.neardup.signatures`."""
    params = params or MinHashParams()

    def run(batches: Iterator[pd.Series]) -> Iterator[pd.Series]:
        for series in batches:
            keys = ["" if k is None else str(k) for k in series.tolist()]
            made = signatures(keys, params).astype(np.int64)
            yield pd.Series(list(made), index=series.index)

    udf: Any = pandas_udf(run, "array<long>")  # type: ignore[call-overload]
    out: Column = udf(column)
    return out


# --- executor-side functions --------------------------------------------------------


def _sketch(
    batches: Iterator[pd.DataFrame],
    params: MinHashParams,
    key_config: KeyConfig | None,
    bands: int,
    rows: int,
) -> Iterator[pd.DataFrame]:
    for batch in batches:
        if not len(batch):
            continue
        texts = [t if isinstance(t, str) else "" for t in batch["text"].tolist()]
        sketch = sketch_texts(texts, params, key_config, bands, rows)
        yield pd.DataFrame(
            {
                "idx": batch["idx"].to_numpy(dtype=np.int64),
                "key": sketch.keys,
                "length": [len(t) for t in texts],
                "empty": sketch.empty,
                "sig": [row.tobytes() for row in sketch.signatures.astype("<u4")],
                "bands": list(sketch.bands.view(np.int64)),
            }
        )


def _pairs(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    for batch in batches:
        for band, group in batch.groupby("band", sort=False):
            members = [np.asarray(m, dtype=np.int64) for m in group["members"]]
            sizes = np.fromiter(map(len, members), dtype=np.int64, count=len(members))
            a, b = bucket_pairs(np.concatenate(members), sizes)
            yield pd.DataFrame({"a": a, "b": b, "band": np.full(len(a), band, dtype=np.int64)})


def _verify(
    batches: Iterator[pd.DataFrame], params: MinHashParams, threshold: float
) -> Iterator[pd.DataFrame]:
    for batch in batches:
        keys: dict[int, str] = {}
        sigs: dict[int, np.ndarray[Any, np.dtype[np.uint32]]] = {}
        columns = zip(
            batch["a"].tolist(),
            batch["b"].tolist(),
            batch["key_a"].tolist(),
            batch["key_b"].tolist(),
            batch["sig_a"].tolist(),
            batch["sig_b"].tolist(),
            strict=True,
        )
        for a, b, key_a, key_b, sig_a, sig_b in columns:
            keys[a], keys[b] = key_a, key_b
            if a not in sigs:
                sigs[a] = np.frombuffer(sig_a, dtype="<u4")
            if b not in sigs:
                sigs[b] = np.frombuffer(sig_b, dtype="<u4")
        sets = ShingleSets(keys.__getitem__, params.ngram, words=params.words)
        found: list[tuple[int, int, int, float, float]] = []
        triples = zip(batch["a"].tolist(), batch["b"].tolist(), batch["band"].tolist(), strict=True)
        for a, b, band in triples:
            exact = sets.similarity(a, b)
            if exact >= threshold:
                estimated = float(np.count_nonzero(sigs[a] == sigs[b])) / len(sigs[a])
                found.append((a, b, band, estimated, exact))
        yield pd.DataFrame(found, columns=["a", "b", "band", "estimated", "exact"])


def _plain(value: Any) -> Any:
    """A pandas cell as the plain Python value a record holds (NaN: missing)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _choose(frame: pd.DataFrame, keep: str) -> pd.DataFrame:
    ordered = frame.sort_values("node")
    members = ordered["node"].tolist()
    lengths = ordered["length"].tolist()
    values = [_plain(v) for v in ordered["value"].tolist()] if "value" in ordered else None
    kept = choose_kept(range(len(members)), keep, lengths, values)
    return pd.DataFrame({"component": [int(ordered["component"].iloc[0])], "kept": [members[kept]]})


def _similarities(
    batches: Iterator[pd.DataFrame], ngram: int, words: bool
) -> Iterator[pd.DataFrame]:
    for batch in batches:
        sims = [
            exact_similarity(a, b, ngram, words=words)
            for a, b in zip(batch["key_lo"].tolist(), batch["key_hi"].tolist(), strict=True)
        ]
        yield pd.DataFrame({"node": batch["node"].to_numpy(dtype=np.int64), "similarity": sims})


# --- driver ----------------------------------------------------------------------------


@dataclass
class SparkDedupResult:
    """What :func:`dedup_result` found.

    ``frame``      the input rows with ``row_index`` (unless an index column was given),
                   ``cluster``, ``duplicate_of`` and ``similarity``.
    ``table``      the same three columns for the documents of clusters of two or more
                   only, by document index ``node`` (small: join it yourself).
    ``pairs``      verified pairs ``(a, b, band, estimated, exact)``, ``a < b``.
    ``candidates`` candidate pairs LSH proposed; ``candidate_docs`` the documents
                   in at least one (the only ones whose keys and signatures travel to
                   the verification); ``duplicates`` rows with a ``duplicate_of``;
                   ``bands`` x ``rows`` the banding.
    """

    frame: DataFrame
    table: DataFrame
    pairs: DataFrame
    candidates: int
    candidate_docs: int
    duplicates: int
    params: MinHashParams
    threshold: float
    bands: int
    rows: int
    cached: list[DataFrame] = field(default_factory=list, repr=False)

    def unpersist(self) -> None:
        """Free the cached input copy (when the row index was computed here); reading
        ``frame`` afterwards recomputes the index, which is only safe for inputs whose
        row order cannot change (a file scan)."""
        for frame in self.cached:
            frame.unpersist()
        self.cached.clear()


def _check_columns(frame: DataFrame, text_field: str, index_col: str | None, keep: str) -> None:
    names = set(frame.columns)
    if text_field not in names:
        raise ValueError(f"no text column {text_field!r} in {sorted(names)}")
    if index_col is not None and index_col not in names:
        raise ValueError(f"no index column {index_col!r} in {sorted(names)}")
    if keep not in KEEP_POLICIES and keep not in names:
        raise ValueError(
            f"keep={keep!r} is neither a policy ({', '.join(KEEP_POLICIES)}) nor a column"
        )
    added = [*OUTPUT_COLUMNS, *([ROW_INDEX] if index_col is None else [])]
    clash = sorted(names & set(added))
    if clash:
        raise ValueError(f"the input already has column(s) {', '.join(clash)}: rename them")


def dedup_result(
    frame: DataFrame,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    params: MinHashParams | None = None,
    keep: str = "first",
    key_config: KeyConfig | None = None,
    text_field: str = "text",
    index_col: str | None = None,
    keep_json: bool = False,
    text_col: str | None = None,
) -> SparkDedupResult:
    """:func:`dedup` with the verified pairs and counts (:class:`SparkDedupResult`).

    ``keep_json``: the ``keep`` column holds JSON-encoded values (as the file engine
    stores fields of JSONL records), decoded before comparison."""
    text_field = text_col if text_col is not None else text_field
    _check_columns(frame, text_field, index_col, keep)
    params = params or MinHashParams()
    bands, rows = lsh_bands(threshold, params.num_perm)
    cached: list[DataFrame] = []
    if index_col is None:
        # A cached input cannot change order when read again: no second copy.
        frame = with_row_index(frame, ROW_INDEX, persist=not frame.is_cached, cached=cached)
        index_col = ROW_INDEX
    idx = F.col(index_col).cast("long")

    docs = frame.select(idx.alias("idx"), F.col(text_field).cast("string").alias("text"))
    sketch = docs.mapInPandas(
        lambda b: _sketch(b, params, key_config, bands, rows), _SKETCH_SCHEMA
    ).persist(SPILL)

    buckets = (
        sketch.where(~F.col("empty"))
        .select("idx", F.posexplode("bands").alias("band", "hash"))
        .groupBy("band", "hash")
        .agg(F.sort_array(F.collect_list("idx")).alias("members"))
        .where(F.size("members") > 1)
        .select("band", "members")
    )
    candidates = (
        buckets.mapInPandas(_pairs, _PAIR_SCHEMA)
        .groupBy("a", "b")
        .agg(F.min("band").alias("band"))
        .localCheckpoint(eager=True)
    )
    n_candidates = candidates.count()

    # Only the documents of a candidate pair travel to the verification: the key and
    # signature table is semi-joined with their ids first (read in place when the ids
    # are few enough to broadcast), then joined to the pairs by each side.
    ids = (
        candidates.select(F.col("a").alias("idx"))
        .unionByName(candidates.select(F.col("b").alias("idx")))
        .distinct()
        .localCheckpoint(eager=True)
    )
    n_ids = ids.count()
    side = (
        sketch.select("idx", "key", "sig")
        .join(_maybe_broadcast(ids, n_ids <= BROADCAST_LIMIT), "idx", "left_semi")
        .persist(SPILL)
    )
    joined = (
        _maybe_broadcast(candidates, n_candidates <= BROADCAST_LIMIT)
        .join(side.toDF("a", "key_a", "sig_a"), "a")
        .join(side.toDF("b", "key_b", "sig_b"), "b")
        .sortWithinPartitions("a", "b")  # runs of one ``a``: its shingle set is reused
    )
    verified = joined.mapInPandas(
        lambda b: _verify(b, params, threshold), _VERIFIED_SCHEMA
    ).localCheckpoint(eager=True)
    side.unpersist()

    components = connected_components(verified, "a", "b").localCheckpoint(eager=True)
    if keep == "first":
        kept = components.groupBy("component").agg(F.col("component").alias("kept"))
    else:
        members = components.join(sketch.select(F.col("idx").alias("node"), "length"), "node")
        if keep not in KEEP_POLICIES:
            value = F.col(keep)
            if keep_json:
                value = value.cast("string")
            members = members.join(frame.select(idx.alias("node"), value.alias("value")), "node")
        kept = members.groupBy("component").applyInPandas(
            lambda group: _decode_values(group, keep_json).pipe(_choose, keep),
            "component long, kept long",
        )
    assigned = components.join(kept, "component")
    dups = assigned.where(F.col("node") != F.col("kept")).select(
        "node",
        F.least("node", "kept").alias("lo"),
        F.greatest("node", "kept").alias("hi"),
    )
    known = dups.join(
        verified.select(F.col("a").alias("lo"), F.col("b").alias("hi"), "exact"),
        ["lo", "hi"],
        "left",
    ).persist(StorageLevel.MEMORY_AND_DISK)
    sims = known.where(F.col("exact").isNotNull()).select(
        "node", F.col("exact").alias("similarity")
    )
    # Members merged through a chain (not verified against the kept one directly).
    unknown = known.where(F.col("exact").isNull()).select("node", "lo", "hi")
    n_unknown = unknown.count()
    if n_unknown:
        keys = sketch.select("idx", "key")
        computed = (
            _maybe_broadcast(unknown, n_unknown <= BROADCAST_LIMIT)
            .join(keys.toDF("lo", "key_lo"), "lo")
            .join(keys.toDF("hi", "key_hi"), "hi")
            .select("node", "key_lo", "key_hi")
            .mapInPandas(
                lambda b: _similarities(b, params.ngram, params.words),
                "node long, similarity double",
            )
        )
        sims = sims.unionByName(computed)
    table = (
        assigned.join(sims, "node", "left")
        .select(
            "node",
            F.col("component").alias("cluster"),
            F.when(F.col("node") != F.col("kept"), F.col("kept")).alias("duplicate_of"),
            "similarity",
        )
        .localCheckpoint(eager=True)
    )
    known.unpersist()
    counted = table.agg(F.count(F.lit(1)), F.count("duplicate_of")).first()
    assert counted is not None
    n_table, n_dups = int(counted[0]), int(counted[1])
    sketch.unpersist()

    right = table.withColumnRenamed("node", "_zh_node")
    if n_table <= BROADCAST_LIMIT:
        right = F.broadcast(right)
    out = frame.join(right, idx == F.col("_zh_node"), "left").select(
        *[F.col(c) for c in frame.columns],
        F.coalesce(F.col("cluster"), idx).alias("cluster"),
        F.col("duplicate_of"),
        F.col("similarity"),
    )
    return SparkDedupResult(
        out, table, verified, n_candidates, n_ids, n_dups, params, threshold, bands, rows, cached
    )


def _maybe_broadcast(frame: DataFrame, small: bool) -> DataFrame:
    return F.broadcast(frame) if small else frame


def _decode_values(group: pd.DataFrame, keep_json: bool) -> pd.DataFrame:
    if keep_json and "value" in group:
        import json

        group = group.assign(
            value=[None if v is None else json.loads(v) for v in group["value"].tolist()]
        )
    return group


def dedup(
    frame: DataFrame,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    params: MinHashParams | None = None,
    keep: str = "first",
    key_config: KeyConfig | None = None,
    text_field: str = "text",
    index_col: str | None = None,
    text_col: str | None = None,
) -> DataFrame:
    """Near-duplicate documents of ``frame``: the same clusters, kept documents and
    similarities as :func:`zhnorm.neardup.dedup` on the same documents in the same order.

    Returns ``frame``'s columns plus ``row_index`` (``0 .. n-1`` in DataFrame order;
    not added when ``index_col`` names an existing dense index), ``cluster`` (smallest
    member index), ``duplicate_of`` (index of the kept member, null for kept rows) and
    ``similarity`` (exact Jaccard with the kept member, null for kept rows).  Row
    order is not preserved by the join: sort by the index when it matters.

    ``keep``: ``"first"``, ``"longest"`` (longest text) or a column name (smallest
    value kept; nulls never win).  A null text is an empty document: never a duplicate.
    ``text_field`` names the text column (``text_col``: its former keyword).
    """
    return dedup_result(
        frame,
        threshold=threshold,
        params=params,
        keep=keep,
        key_config=key_config,
        text_field=text_col if text_col is not None else text_field,
        index_col=index_col,
    ).frame
