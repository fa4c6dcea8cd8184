"""DataFrame helpers: a dense row index that follows the input order, and the storage
level of the tables with one row per document (:data:`SPILL`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

__all__ = ["SPILL", "with_row_index"]

SPILL = StorageLevel.DISK_ONLY
"""Where a table with one row per document (the parsed records, the input with its row
index, the keys and signatures) is kept between the jobs that read it: on the
executors' local disks (``spark.local.dir``, ``--tmp-dir``), written as it is computed,
never held in the JVM heap.  ``MEMORY_AND_DISK`` builds whole cached blocks in the heap
first, which on Spark's default 1 GB driver (a local master's executors live in it)
died with ``OutOfMemoryError`` on a 520 MB JSONL input (docs/spark.md)."""

_MID = "_zh_mid"


def with_row_index(
    frame: DataFrame,
    name: str,
    blocks: Sequence[Column] | None = None,
    *,
    order: Callable[[tuple[Any, ...]], Any] | None = None,
    within: str | None = None,
    persist: bool = True,
    cached: list[DataFrame] | None = None,
) -> DataFrame:
    """``frame`` with a column ``name``: ``0 .. n-1`` in row order, persisted.

    Row order is the order of the ``blocks`` values (sorted on the driver by
    ``order``, default: the values themselves), then the position within a block; the
    rows of one block must be contiguous and in order within one partition.  The
    default block is the partition, so the order is the DataFrame's own (the order of
    the list a DataFrame was created from, or of a sorted DataFrame); for files read by
    Spark, pass the file and split columns (:mod:`._files`).  No sort and no Python
    worker: one small aggregation (rows per block) and a broadcast join.

    ``within`` also adds that column: the position ``0 ..`` within the group of blocks
    sharing the first block value (the line of a file, when the first block column is
    the file).

    The frame under the result is persisted (:data:`SPILL`; appended to
    ``cached`` for the caller to unpersist) because the index is computed from row
    positions, which must not change when the frame is read again.  ``persist=False``
    when they cannot change anyway: ``frame`` is itself cached, or a file scan.
    """
    keys = list(blocks) if blocks is not None else [F.spark_partition_id()]
    block_names = [f"_zh_block{i}" for i in range(len(keys))]
    framed = frame.select(
        "*",
        F.monotonically_increasing_id().alias(_MID),
        *(key.alias(block) for key, block in zip(keys, block_names, strict=True)),
    )
    if persist:
        framed = framed.persist(SPILL)
        if cached is not None:
            cached.append(framed)
    stats = (
        framed.groupBy(*block_names)
        .agg(F.count(F.lit(1)).alias("n"), F.min(_MID).alias("first"))
        .collect()
    )
    sort_key = order or (lambda values: values)
    stats.sort(key=lambda row: sort_key(tuple(row[b] for b in block_names)))
    shifts = []
    offset = 0
    group_value: Any = object()
    group_start = 0
    for row in stats:
        if row[block_names[0]] != group_value:
            group_value, group_start = row[block_names[0]], offset
        first = int(row["first"])
        shifts.append((*(row[b] for b in block_names), offset - first, group_start))
        offset += int(row["n"])
    schema = framed.select(*block_names).schema.add("_zh_shift", "long").add("_zh_group", "long")
    shift_frame = frame.sparkSession.createDataFrame(shifts, schema)
    indexed = framed.join(F.broadcast(shift_frame), block_names).withColumn(
        name, F.col(_MID) + F.col("_zh_shift")
    )
    if within is not None:
        indexed = indexed.withColumn(within, F.col(name) - F.col("_zh_group"))
    # ``framed`` stays cached: the index is a projection of it and a broadcast join.
    return indexed.drop(_MID, "_zh_shift", "_zh_group", *block_names)
