"""``zhnorm reuse --engine spark``: shared passages, passage clusters, furniture and
stories of JSONL or text files on Spark (:func:`._reuse.reuse`), with the records, ids,
dates and rejects of the local command (:func:`zhnorm.textreuse.files.reuse_files`).

Records are read as ``zhnorm dedup --engine spark`` reads them (:mod:`._inputs`: input
order, the input layer's bad records, an id given twice rejected with the local
wording); each record's outlet, date and title are read on the executors by
:class:`zhnorm.textreuse.files.MetaFields` (an unreadable date rejects the record, or
with ``ignore_bad_dates`` leaves it undated and counted).  Outputs are directories of
JSONL part files in order (``part-00000`` first), written beside their final names and
moved into place when all are complete (:mod:`._outputs`).  Parquet inputs and the
HTML report are the local engine's.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ..io import BadRecord, InputError, Rejects, RunCounts, dumps_record, rejects_path
from ..io.dates import DateError
from ..io.encodings import DEFAULT_ENCODING, check_encoding
from ..io.records import Record
from ..key import KeyOptions
from ..options import resolve
from ..textreuse.corpus import ReuseOptions
from ..textreuse.files import MetaFields
from ._files import _bad_fields, _repeated_ids, _repeated_rejects, run_committed
from ._frame import SPILL, with_row_index
from ._inputs import (
    first_rows,
    list_inputs,
    local_inputs,
    raise_read_errors,
    read_lines,
)
from ._outputs import Outputs, check_spark_outputs
from ._reuse import reuse

__all__ = ["reuse_files"]

_META_SCHEMA = (
    "_zh_rank long, _zh_lineno long, _zh_source string, _zh_date string, _zh_title string, "
    "_zh_ignored boolean, _zh_bad string"
)


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)


def _read_meta(
    batches: Iterator[pd.DataFrame], fields: MetaFields, names: Mapping[int, str]
) -> Iterator[pd.DataFrame]:
    """Each good record's outlet, date (ISO, re-read by ``reuse``) and title, by
    :meth:`MetaFields.read`; a record whose date cannot be read gets its rejects line."""
    columns = [name.split()[0] for name in _META_SCHEMA.split(", ")]
    for batch in batches:
        rows: list[tuple[Any, ...]] = []
        for rank, line, doc_id, text, payload in zip(
            batch["_zh_rank"].tolist(),
            batch["_zh_lineno"].tolist(),
            batch["_zh_id"].tolist(),
            batch["_zh_text"].tolist(),
            batch["_zh_payload"].tolist(),
            strict=True,
        ):
            data = json.loads(payload)
            record = Record(names[int(rank)], int(line), doc_id, text, data)
            before = fields.ignored_dates
            try:
                meta = fields.read(record)
            except DateError as error:
                raw = dumps_record(data).rstrip("\n")
                bad = BadRecord(record.source, record.line, str(error), raw)
                rows.append((rank, line, None, None, None, False, _json(bad.to_dict())))
                continue
            date = None if meta.date is None else meta.date.isoformat()
            ignored = fields.ignored_dates > before
            rows.append((rank, line, meta.source, date, meta.title, ignored, None))
        yield pd.DataFrame(rows, columns=columns)


def _local_partitions(master: str | None) -> dict[str, str]:
    """Shuffle partitions for a session on a local master: 4 per core (Spark's default,
    200, makes every one of this engine's few dozen shuffles 200 tasks, which dominated
    a run of a hundred documents on 2 cores); ``--spark-conf`` overrides it."""
    found = re.fullmatch(r"local(?:\[(\d+|\*)(?:,\d+)?\])?", master or "")
    if found is None:
        return {}
    cores = found.group(1)
    if cores is None:
        n = 1
    elif cores == "*":
        n = os.cpu_count() or 1
    else:
        n = int(cores)
    return {"spark.sql.shuffle.partitions": str(4 * n)}


def _write_text(frame: DataFrame, path: str) -> None:
    frame.write.mode("overwrite").text(path)


def reuse_files(
    inputs: Sequence[str],
    output: str,
    *,
    stories: str | None = None,
    clusters: str | None = None,
    furniture: str | None = None,
    fields: MetaFields | None = None,
    options: ReuseOptions | None = None,
    text_field: str = "text",
    id_field: str | None = None,
    errors: str = "strict",
    encoding: str = DEFAULT_ENCODING,
    skip_bad: bool = False,
    rejects: str | None = None,
    key: KeyOptions | None = None,
    master: str | None = "local[2]",
    tmp_dir: str | None = None,
    spark: SparkSession | None = None,
    spark_conf: Mapping[str, str] | None = None,
    **overrides: Any,
) -> RunCounts:
    """:func:`zhnorm.textreuse.files.reuse_files` on Spark (module docstring): passages
    to ``output``, ``stories``, ``clusters`` and ``furniture`` (each a directory of
    JSONL part files with the local command's lines, in its order).  ``master``,
    ``tmp_dir``, ``spark``, ``spark_conf``: as :func:`zhnorm.spark.dedup_files`.
    Returns the counts (``.summary()`` is the command's closing line)."""
    check_encoding(encoding)
    search = resolve(ReuseOptions, options, overrides)
    fields = fields or MetaFields()
    rejects = rejects_path(output, rejects)
    check_spark_outputs(inputs, [output, stories, clusters, furniture, rejects], tmp_dir)
    local = local_inputs(inputs)

    def work(spark: SparkSession, outputs: Outputs) -> RunCounts:
        return _run(
            spark, outputs, inputs, local, output, stories, clusters, furniture, fields,
            search, text_field, id_field, errors, encoding, rejects if skip_bad else None, key,
        )  # fmt: skip

    counts = run_committed(
        "reuse_files", work, output=output, spark=spark, master=master, tmp_dir=tmp_dir,
        spark_conf=spark_conf, conf=_local_partitions(master),
    )  # fmt: skip
    counts.check()
    return counts


def _run(
    spark: SparkSession,
    outputs: Outputs,
    inputs: Sequence[str],
    local: dict[int, Any],
    output: str,
    stories: str | None,
    clusters: str | None,
    furniture: str | None,
    fields: MetaFields,
    search: ReuseOptions,
    text_field: str,
    id_field: str | None,
    errors: str,
    encoding: str,
    rejects: str | None,
    key: KeyOptions | None,
) -> RunCounts:
    files = list_inputs(spark, inputs, local)
    if any(f.kind == "parquet" for f in files):
        raise InputError(
            f"{files[0].name}: Parquet inputs are read by the local engine of zhnorm reuse"
        )
    parsed = read_lines(
        spark, files, text_field=text_field, id_field=id_field, keep_field=None,
        errors=errors, encoding=encoding,
    ).persist(SPILL)  # fmt: skip
    raise_read_errors(parsed)
    names = {f.rank: f.name for f in files}
    keys = ["_zh_rank", "_zh_lineno"]

    # Bad records: unreadable ones, ids given twice (the first stays), unreadable dates.
    repeated = _repeated_ids(parsed).localCheckpoint(eager=True)
    n_repeated = repeated.count()
    bad = parsed.where(~F.col("_zh_ok")).select(*keys, "_zh_payload")
    if n_repeated:
        raw = F.col("_zh_payload")
        bad = bad.unionByName(_repeated_rejects(parsed, repeated, names, raw, False))
    good = parsed.where(F.col("_zh_ok")).join(repeated.select(*keys), keys, "left_anti")
    meta = (
        good.select(*keys, "_zh_id", "_zh_text", "_zh_payload")
        .mapInPandas(lambda b: _read_meta(b, fields, names), _META_SCHEMA)
        .persist(SPILL)
    )
    bad = bad.unionByName(
        meta.where(F.col("_zh_bad").isNotNull()).select(
            *keys, F.col("_zh_bad").alias("_zh_payload")
        )
    )
    if rejects is None:
        first = first_rows(bad.orderBy(*keys), ["_zh_payload"])
        if first:
            Rejects(None).add(BadRecord(**_bad_fields(first[0][0])))  # raises InputError
    good = (
        good.join(meta.where(F.col("_zh_bad").isNull()).drop("_zh_bad"), keys)
        .orderBy(*keys)
        .select(*keys, "_zh_id", "_zh_text", "_zh_source", "_zh_date", "_zh_title", "_zh_ignored")
    )
    good = with_row_index(good, "_zh_idx")
    has_sources = good.where(F.col("_zh_source").isNotNull()).limit(1).count() > 0
    result = reuse(
        good,
        replace(search, cross_source=search.cross_source or has_sources),
        text_field="_zh_text",
        id_field="_zh_id",
        source_field="_zh_source",
        date_field="_zh_date",
        title_field="_zh_title",
        index_col="_zh_idx",
        key_options=key,
    )
    _write_text(result.passages.orderBy("pn").select("value"), outputs.temporary(output))
    if stories:
        _write_text(result.stories.orderBy("story").select("value"), outputs.temporary(stories))
    if clusters:
        _write_text(result.clusters.orderBy("cluster").select("value"), outputs.temporary(clusters))
    if furniture:
        _write_text(result.furniture.orderBy("item").select("value"), outputs.temporary(furniture))
    n_bad = bad.count()
    if n_bad:
        assert rejects is not None
        ordered = bad.orderBy(*keys).select(F.col("_zh_payload").alias("value"))
        _write_text(ordered, outputs.temporary(rejects))
    counts = RunCounts("reuse", rejects_path=rejects)
    counts.read = result.documents + n_bad
    counts.written = result.documents
    counts.rejected = n_bad
    n_passages = result.passages.count()
    pairs = result.passages.select("a_id", "b_id").distinct().count()
    n_clusters = result.clusters.count()
    sizes = result.stories.select(
        F.size(F.from_json("value", "members array<struct<id:string>>").getField("members")).alias(
            "n"
        )
    )
    n_stories = sizes.count()
    story_docs = int(sizes.agg(F.sum("n")).collect()[0][0] or 0)
    counts.notes.append(
        f"{n_passages} shared passages between {pairs} document pairs in "
        f"{n_clusters} clusters; {n_stories} stories of {story_docs} documents "
        f"({result.candidates} candidate pairs aligned)"
    )
    if search.mask_furniture and result.documents:
        counts.notes.append(f"{result.furniture.count()} furniture items set apart")
    outlets = good.select("_zh_source").where(F.col("_zh_source").isNotNull()).distinct()
    named = [row[0] for row in outlets.limit(2).collect()]
    if fields.source_field and len(named) == 1:
        counts.notes.append(
            f"one outlet only ({named[0]}): no passages across outlets; stories still found"
        )
    ignored = good.where(F.col("_zh_ignored")).count()
    if ignored:
        counts.notes.append(f"{ignored} unparsable dates ignored")
    result.unpersist()
    return counts
