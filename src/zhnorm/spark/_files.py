"""``zhnorm dedup --engine spark``: deduplicate JSONL or Parquet files on Spark.

The records, ids, rejects and outputs follow the local engine
(:func:`zhnorm.neardup.files.dedup_files`) and the record contract of :mod:`zhnorm.io`:
records are read in input order (the files in the order given, a directory's files
sorted by path, lines in file order) and numbered densely, so ``first`` keeps the same
record; a record's id follows :func:`zhnorm.io.record_id`; bad records (malformed JSON,
invalid UTF-8, text missing or not a string, id missing) go to the rejects with the
reason; the clusters file has one line per good record, ``{"id", "cluster",
"duplicate_of", "similarity"}``, ``cluster`` being the id of the kept member; the
counts are a :class:`zhnorm.io.DedupCounts`.

Inputs are files or directories (a directory's files whose names do not start with
``_`` or ``.``, recursively), on any file system Spark reads (local, ``hdfs://``,
``s3a://``...): ``*.parquet`` as Parquet, anything else as JSONL (``.gz`` and ``.bz2``
are decompressed by Hadoop); one run reads one of the two formats.  Outputs are
directories of part files, in input order (part-00000 first): JSONL, or Parquet when
the output name ends with ``.parquet``.  Each output is written to a temporary sibling
directory and renamed into place when every output is complete, so a failed run leaves
no output that looks finished.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import pandas as pd
from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ..io import (
    BadRecord,
    DedupCounts,
    InputError,
    Record,
    check_record,
    parse_jsonl_line,
    record_id,
    rejects_path,
)
from ..io import rejects as reasons
from ..io.inputs import is_ignored
from ..neardup.cluster import KEEP_POLICIES
from ..neardup.params import MinHashParams
from ._common import session
from ._dedup import BROADCAST_LIMIT, dedup_result
from ._frame import with_row_index

__all__ = ["DedupCounts", "dedup_files"]

_PARSED_SCHEMA = (
    "_zh_file string, _zh_block long, _zh_line long, _zh_ok boolean, _zh_id string, "
    "_zh_text string, _zh_value string, _zh_payload string"
)


# --- inputs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _File:
    uri: str  # as Hadoop lists it (not URL-encoded)
    name: str  # as reported in ids and rejects: the path given, or under the directory
    parquet: bool


def _hadoop(spark: SparkSession, path: str) -> tuple[Any, Any]:
    jvm: Any = spark._jvm
    conf = spark._jsc.hadoopConfiguration()
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    return hpath, hpath.getFileSystem(conf)


def _list_inputs(spark: SparkSession, inputs: Sequence[str]) -> list[_File]:
    files: list[_File] = []
    for arg in inputs:
        if arg == "-":
            raise InputError("the Spark engine cannot read stdin: pass files or directories")
        path, fs = _hadoop(spark, arg)
        if not fs.exists(path):
            raise InputError(f"{arg}: no such file or directory")
        status = fs.getFileStatus(path)
        if not status.isDirectory():
            found = [(status.getPath().toString(), arg)]
        else:
            root = status.getPath().toString().rstrip("/")
            found = []
            listing = fs.listFiles(path, True)
            while listing.hasNext():
                uri = listing.next().getPath().toString()
                relative = uri[len(root) + 1 :]
                if is_ignored(relative):
                    continue
                found.append((uri, f"{arg.rstrip('/')}/{relative}"))
            found.sort()
        for uri, name in found:
            if uri.endswith((".zst", ".txt")):
                raise InputError(
                    f"{name}: the Spark engine reads JSONL (.gz, .bz2) and Parquet; "
                    "use the local engine for .zst and .txt inputs"
                )
            files.append(_File(uri, name, uri.endswith(".parquet")))
    if not files:
        raise InputError(f"no input files in {', '.join(inputs)}")
    if len({f.parquet for f in files}) > 1:
        raise InputError("the Spark engine reads JSONL or Parquet in one run, not both")
    return files


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)


def _parse_jsonl(
    batches: Iterator[pd.DataFrame],
    names: dict[str, str],
    text_field: str,
    id_field: str | None,
    keep_field: str | None,
    errors: str,
) -> Iterator[pd.DataFrame]:
    """:func:`zhnorm.io.read_jsonl` + :func:`zhnorm.io.iter_records` per line."""
    columns = _PARSED_SCHEMA.replace(",", "").split()[::2]
    for batch in batches:
        rows: list[tuple[Any, ...]] = []
        lines = zip(
            batch["raw"].tolist(),
            batch["_zh_file"].tolist(),
            batch["_zh_block"].tolist(),
            batch["_zh_line"].tolist(),
            batch["_zh_lineno"].tolist(),
            strict=True,
        )
        for raw, path, block, index, lineno in lines:
            name = names[unquote(path)]
            line_no = int(lineno) + 1
            # (with its line break, as zhnorm.io.read_jsonl reads it)
            parsed = parse_jsonl_line(bytes(raw) + b"\n", name, line_no, errors)
            if parsed is None:
                continue
            item: Record | BadRecord = (
                parsed
                if isinstance(parsed, BadRecord)
                else check_record(parsed, name, line_no, text_field, id_field)
            )
            if isinstance(item, BadRecord):
                rows.append((path, block, index, False, None, None, None, _dumps(item.to_dict())))
                continue
            value = None if keep_field is None else json.dumps(item.data.get(keep_field))
            doc_id = record_id(item, id_field)
            # The line itself is the record's payload: kept JSONL lines are copied as they
            # are, as the local command does.
            line = bytes(raw).decode("utf-8", errors).rstrip("\r")
            rows.append((path, block, index, True, doc_id, item.text, value, line))
        yield pd.DataFrame(rows, columns=columns)


def _read_jsonl(
    spark: SparkSession,
    files: list[_File],
    text_field: str,
    id_field: str | None,
    keep_field: str | None,
    errors: str,
) -> DataFrame:
    rank = {f.uri: i for i, f in enumerate(files)}
    names = {f.uri: f.name for f in files}
    lines = (
        spark.read.option("lineSep", "\n")
        .text([f.uri for f in files])
        .select(
            F.col("value").cast("binary").alias("raw"),
            F.col("_metadata.file_path").alias("_zh_file"),
            F.col("_metadata.file_block_start").alias("_zh_block"),
        )
    )
    numbered = with_row_index(
        lines,
        "_zh_line",
        [F.col("_zh_file"), F.col("_zh_block")],
        order=lambda v: (rank[unquote(v[0])], v[1]),
        within="_zh_lineno",
        persist=False,  # a file scan: the same rows in the same order every time
    )
    parsed = numbered.mapInPandas(
        lambda b: _parse_jsonl(b, names, text_field, id_field, keep_field, errors),
        _PARSED_SCHEMA,
    )
    return parsed.persist(StorageLevel.MEMORY_AND_DISK)


def _python_type(data_type: T.DataType) -> str:
    """The Python type name a Parquet value of ``data_type`` reads as."""
    if isinstance(data_type, (T.IntegerType, T.LongType, T.ShortType, T.ByteType)):
        return "int"
    if isinstance(data_type, (T.FloatType, T.DoubleType)):
        return "float"
    if isinstance(data_type, T.BooleanType):
        return "bool"
    if isinstance(data_type, T.ArrayType):
        return "list"
    if isinstance(data_type, (T.StructType, T.MapType)):
        return "dict"
    if isinstance(data_type, T.BinaryType):
        return "bytes"
    return data_type.simpleString()


def _read_parquet(
    spark: SparkSession,
    files: list[_File],
    text_field: str,
    id_field: str | None,
) -> tuple[DataFrame, list[str]]:
    rank = {f.uri: i for i, f in enumerate(files)}
    frame = spark.read.parquet(*[f.uri for f in files])
    original = list(frame.columns)
    types = {field.name: field.dataType for field in frame.schema.fields}
    frame = frame.select(
        "*",
        F.col("_metadata.file_path").alias("_zh_file"),
        F.col("_metadata.file_block_start").alias("_zh_block"),
    )
    numbered = with_row_index(
        frame,
        "_zh_line",
        [F.col("_zh_file"), F.col("_zh_block")],
        order=lambda v: (rank[unquote(v[0])], v[1]),
        within="_zh_lineno",
        persist=False,  # a file scan: the same rows in the same order every time
    )
    name_frame = spark.createDataFrame(
        [(f.uri, f.name) for f in files], "_zh_uri string, _zh_name string"
    )
    decode = F.udf(unquote, "string")
    numbered = numbered.withColumn("_zh_uri", decode("_zh_file")).join(
        F.broadcast(name_frame), "_zh_uri"
    )
    line = F.col("_zh_lineno") + 1
    if text_field not in types:
        reason: Any = F.lit(reasons.no_text_field(text_field))
    elif not isinstance(types[text_field], T.StringType):
        kind = _python_type(types[text_field])
        reason = F.when(
            F.col(text_field).isNull(), F.lit(reasons.no_text_field(text_field))
        ).otherwise(F.lit(reasons.not_a_string(text_field, kind)))
    else:
        reason = F.when(F.col(text_field).isNull(), F.lit(reasons.no_text_field(text_field)))
    file_line = F.concat_ws(":", F.col("_zh_name"), line.cast("string"))
    if id_field is not None:
        missing = F.lit(reasons.no_id_field(id_field))
        if id_field not in types:
            reason = F.coalesce(reason, missing)
            record_id: Any = F.lit(None).cast("string")
        else:
            reason = F.coalesce(reason, F.when(F.col(id_field).isNull(), missing))
            record_id = F.col(id_field).cast("string")
    elif "id" in types and isinstance(types["id"], (T.StringType, T.IntegralType)):
        record_id = F.coalesce(F.col("id").cast("string"), file_line)
    else:
        record_id = file_line
    raw = F.to_json(F.struct(*[F.col(c) for c in original]))
    bad = F.to_json(
        F.struct(
            F.col("_zh_name").alias("file"),
            line.alias("line"),
            reason.alias("reason"),
            raw.alias("raw"),
        )
    )
    text = F.col(text_field).cast("string") if text_field in types else F.lit(None)
    parsed = numbered.select(
        *original,
        "_zh_file",
        "_zh_block",
        "_zh_line",
        reason.isNull().alias("_zh_ok"),
        record_id.alias("_zh_id"),
        text.alias("_zh_text"),
        F.when(reason.isNotNull(), bad).alias("_zh_payload"),
    )
    return parsed.persist(StorageLevel.MEMORY_AND_DISK), original


# --- outputs ---------------------------------------------------------------------------


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None  # null arrives as None or NaN


def _number(value: Any) -> float | None:
    return None if value is None or value != value else float(value)


def _clusters_json(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    for batch in batches:
        lines = []
        rows = zip(
            batch["id"].tolist(),
            batch["cluster"].tolist(),
            batch["duplicate_of"].tolist(),
            batch["similarity"].tolist(),
            strict=True,
        )
        for doc_id, cluster, duplicate_of, similarity in rows:
            lines.append(
                _dumps(
                    {
                        "id": doc_id,
                        "cluster": cluster,
                        "duplicate_of": _string(duplicate_of),
                        "similarity": _number(similarity),
                    }
                )
            )
        yield pd.DataFrame({"_zh_idx": batch["_zh_idx"], "value": lines})


class _Outputs:
    """Directories written beside their final names, renamed in at :meth:`commit`."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark
        self.pending: list[tuple[str, str]] = []
        self.tag = uuid.uuid4().hex[:12]

    def temporary(self, path: str) -> str:
        temp = f"{path.rstrip('/')}.zhnorm-{self.tag}.partial"
        self.pending.append((temp, path))
        return temp

    def commit(self) -> None:
        for temp, final in self.pending:
            source, fs = _hadoop(self.spark, temp)
            target, _ = _hadoop(self.spark, final)
            if fs.exists(target):
                fs.delete(target, True)
            if not fs.rename(source, target):
                raise InputError(f"{final}: could not move the finished output into place")
        self.pending = []

    def abort(self) -> None:
        for temp, _ in self.pending:
            path, fs = _hadoop(self.spark, temp)
            if fs.exists(path):
                fs.delete(path, True)
        self.pending = []


def _write_text(frame: DataFrame, path: str) -> None:
    frame.write.mode("overwrite").text(path)


def dedup_files(
    inputs: Sequence[str],
    output: str,
    clusters: str | None = None,
    *,
    master: str | None = "local[2]",
    threshold: float = 0.8,
    params: MinHashParams | None = None,
    keep: str = "first",
    id_field: str | None = None,
    text_field: str = "text",
    rejects: str | None = None,
    pairs: str | None = None,
    errors: str = "strict",
    spark: SparkSession | None = None,
) -> DedupCounts:
    """Deduplicate JSONL or Parquet ``inputs`` on Spark (module docstring) and write the
    kept records to ``output``, one line per good record to ``clusters``, bad records
    to ``rejects`` (default ``OUTPUT.rejects.jsonl``; only when there are some) and
    every verified pair to ``pairs``.  Returns the counts (:meth:`DedupCounts.summary`
    is the command's closing line).

    ``master``: ``local[2]``, ``spark://host:7077``, ``yarn``... or ``None`` under
    ``spark-submit``.  ``spark``: use this session instead (not stopped at the end);
    otherwise a session started here is stopped at the end.
    ``errors``: ``strict`` rejects a line with invalid UTF-8, ``replace`` substitutes
    U+FFFD."""
    from pyspark.sql import SparkSession as _Session

    params = params or MinHashParams()
    rejects = rejects_path(output, rejects)
    owned = spark is None and _Session.getActiveSession() is None
    spark = spark or session(master, app_name="zhnorm dedup")
    outputs = _Outputs(spark)
    try:
        counts = _run(
            spark, outputs, inputs, output, clusters, params, threshold, keep, id_field,
            text_field, rejects, pairs, errors,
        )  # fmt: skip
        outputs.commit()
    except BaseException:
        outputs.abort()
        raise
    finally:
        if owned:
            spark.stop()
    return counts


def _run(
    spark: SparkSession,
    outputs: _Outputs,
    inputs: Sequence[str],
    output: str,
    clusters: str | None,
    params: MinHashParams,
    threshold: float,
    keep: str,
    id_field: str | None,
    text_field: str,
    rejects: str,
    pairs_path: str | None,
    errors: str,
) -> DedupCounts:
    files = _list_inputs(spark, inputs)
    parquet_in = files[0].parquet
    keep_field = None if keep in KEEP_POLICIES else keep
    original: list[str] = []
    if parquet_in:
        parsed, original = _read_parquet(spark, files, text_field, id_field)
        keep_col = keep
        if keep_field is not None and keep_field not in original:
            parsed = parsed.withColumn(keep_field, F.lit(None).cast("string"))
    else:
        parsed = _read_jsonl(spark, files, text_field, id_field, keep_field, errors)
        keep_col = keep if keep_field is None else "_zh_value"
    rank = {f.uri: i for i, f in enumerate(files)}
    good = with_row_index(
        parsed.where(F.col("_zh_ok")),
        "_zh_idx",
        [F.col("_zh_file"), F.col("_zh_block")],
        order=lambda v: (rank[unquote(v[0])], v[1]),
        persist=False,  # ``parsed`` is cached
    )
    slim_cols = ["_zh_idx", "_zh_text", *([keep_col] if keep_field is not None else [])]
    result = dedup_result(
        good.select(*slim_cols),
        threshold=threshold,
        params=params,
        keep=keep_col,
        text_col="_zh_text",
        index_col="_zh_idx",
        keep_json=not parquet_in,
    )
    table = result.table
    ids = good.select(F.col("_zh_idx").alias("_zh_rep"), F.col("_zh_id").alias("_zh_rep_id"))
    named = table.select(
        F.col("node").alias("_zh_idx"),
        F.coalesce("duplicate_of", "node").alias("_zh_rep"),
        F.col("duplicate_of").alias("_zh_dup"),
        F.col("similarity").alias("_zh_sim"),
    ).join(ids, "_zh_rep")
    named = F.broadcast(named) if result.duplicates < BROADCAST_LIMIT else named
    labelled = good.join(named.drop("_zh_rep"), "_zh_idx", "left")
    kept = labelled.where(F.col("_zh_dup").isNull()).orderBy("_zh_idx")

    if output.rstrip("/").endswith(".parquet"):
        if parquet_in:
            kept.select(*original).write.mode("overwrite").parquet(outputs.temporary(output))
        else:
            json_lines = kept.select("_zh_payload").rdd.map(lambda row: row[0])
            spark.read.json(json_lines).write.mode("overwrite").parquet(outputs.temporary(output))
    elif parquet_in:
        as_json = F.to_json(F.struct(*[F.col(c) for c in original]))
        _write_text(kept.select(as_json.alias("value")), outputs.temporary(output))
    else:
        _write_text(kept.select(F.col("_zh_payload").alias("value")), outputs.temporary(output))

    if clusters:
        cluster_rows = labelled.select(
            "_zh_idx",
            F.col("_zh_id").alias("id"),
            F.coalesce("_zh_rep_id", "_zh_id").alias("cluster"),
            F.when(F.col("_zh_dup").isNotNull(), F.col("_zh_rep_id")).alias("duplicate_of"),
            F.col("_zh_sim").alias("similarity"),
        )
        lines = cluster_rows.mapInPandas(_clusters_json, "_zh_idx long, value string")
        _write_text(lines.orderBy("_zh_idx").select("value"), outputs.temporary(clusters))

    if pairs_path:
        pair_ids = good.select("_zh_idx", "_zh_id")
        pair_rows = (
            result.pairs.join(pair_ids.toDF("a", "id_a"), "a")
            .join(pair_ids.toDF("b", "id_b"), "b")
            .orderBy("a", "b")
            .select(
                F.to_json(F.struct("a", "b", "estimated", "exact", "band", "id_a", "id_b")).alias(
                    "value"
                )
            )
        )
        _write_text(pair_rows, outputs.temporary(pairs_path))

    bad = parsed.where(~F.col("_zh_ok"))
    n_bad = bad.count()
    if n_bad:
        rejected = bad.orderBy("_zh_line").select(F.col("_zh_payload").alias("value"))
        _write_text(rejected, outputs.temporary(rejects))
    n_good = good.count()
    verified = result.pairs.count()
    removed = result.duplicates
    return DedupCounts(
        read=n_good + n_bad,
        written=n_good - removed,
        removed=removed,
        rejected=n_bad,
        candidates=result.candidates,
        verified=verified,
        rejects_path=rejects,
    )
