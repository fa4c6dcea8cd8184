"""``zhnorm dedup --engine spark``: deduplicate JSONL, text or Parquet files on Spark.

The records, ids, rejects and outputs follow the local engine
(:func:`zhnorm.neardup.files.dedup_files`) and the record contract of :mod:`zhnorm.io`:
records are read in input order (the files in the order given, a directory's files
sorted by path, lines in file order) and numbered densely, so ``first`` keeps the same
record; a record's id follows :func:`zhnorm.io.record_id`; bad records (malformed JSON,
invalid UTF-8, text missing or not a string, id missing, an id given twice:
:func:`zhnorm.io.rejects.duplicate_id`) stop the run with a one-line error naming the
first one, or with ``skip_bad`` go to the rejects with the reason; the clusters file
has one line per good record, ``{"id", "cluster", "duplicate_of", "similarity"}``,
``cluster`` being the id of the kept member; the counts are a
:class:`zhnorm.io.DedupCounts` (``read == kept + removed + rejected``).

Inputs are what the input layer reads (:mod:`._inputs`: files or directories, JSONL -
also ``.gz``/``.zst``/``.bz2``/``.xz`` -, Spark ``part-*`` files, ``.txt`` documents,
Parquet, in ``encoding``) on the local file system, or on any file system Spark reads
(``hdfs://``, ``s3a://``...: plain, ``.gz`` or ``.bz2`` UTF-8 JSONL, and Parquet); one
run reads Parquet or the others.  Outputs are directories of part files, in input order
(part-00000 first): JSONL, or Parquet when the output name ends with ``.parquet``; they
are checked before Spark starts, written beside their final names and moved into place
when every one is complete (:mod:`._outputs`), so a failed or killed run leaves no
output that looks finished.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import unquote

import pandas as pd
from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ..io import BadRecord, DedupCounts, Rejects, dumps_record, rejects_path
from ..io import rejects as reasons
from ..io.encodings import DEFAULT_ENCODING, check_encoding
from ..neardup.cluster import KEEP_POLICIES
from ..neardup.params import MinHashParams
from ._common import session
from ._dedup import BROADCAST_LIMIT, dedup_result
from ._frame import SPILL, with_row_index
from ._inputs import (
    SparkFile,
    first_rows,
    is_local,
    list_inputs,
    local_inputs,
    local_path,
    raise_read_errors,
    read_failure,
    read_lines,
)
from ._outputs import Outputs, check_spark_outputs, scratch_dir

__all__ = ["DedupCounts", "dedup_files"]


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)


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
    files: list[SparkFile],
    text_field: str,
    id_field: str | None,
) -> tuple[DataFrame, list[str]]:
    """The rows of Parquet ``files`` with the columns of
    :data:`~zhnorm.spark._inputs.PARSED_SCHEMA` (``_zh_payload`` for bad rows only)."""
    rank = {f.uri: f.rank for f in files}
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
        [(f.uri, f.name, f.rank) for f in files], "_zh_uri string, _zh_name string, _zh_rank long"
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
        given: Any = F.lit(True)
    elif "id" in types and isinstance(types["id"], (T.StringType, T.IntegralType)):
        record_id = F.coalesce(F.col("id").cast("string"), file_line)
        given = F.col("id").isNotNull()
    else:
        record_id = file_line
        given = F.lit(False)
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
        "_zh_rank",
        "_zh_block",
        line.alias("_zh_lineno"),
        reason.isNull().alias("_zh_ok"),
        record_id.alias("_zh_id"),
        given.alias("_zh_given"),
        text.alias("_zh_text"),
        F.when(reason.isNotNull(), bad).alias("_zh_payload"),
    )
    return parsed, original


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


def _write_text(frame: DataFrame, path: str) -> None:
    frame.write.mode("overwrite").text(path)


_Result = TypeVar("_Result")


def run_committed(
    command: str,
    work: Callable[[SparkSession, Outputs], _Result],
    *,
    output: str,
    spark: SparkSession | None,
    master: str | None,
    tmp_dir: str | None,
    spark_conf: Mapping[str, str] | None,
    conf: Mapping[str, str] | None = None,
) -> _Result:
    """Run ``work(spark, outputs)`` in ``spark`` or in a session started here (``conf``,
    then ``spark_conf`` over it; Spark spills into a directory of this run's, beside a
    local ``output`` or in ``tmp_dir``, removed at the end; the session is stopped at
    the end), then commit its outputs; on any failure they are aborted and no half
    output is left (a task still running when the run failed may write into a temporary
    output after it was removed: it is removed again once the session is stopped)."""
    from pyspark.sql import SparkSession as _Session

    owned = spark is None and _Session.getActiveSession() is None
    if tmp_dir is not None and not owned:
        raise ValueError(
            f"tmp_dir= sets spark.local.dir of a session started by {command}; "
            "a running session keeps its own (set spark.local.dir when building it)"
        )
    if spark_conf and not owned:
        raise ValueError(
            f"spark_conf= configures a session started by {command}; a running session "
            "keeps its settings (set them when building it)"
        )
    spills_here = tmp_dir is not None or (master or "").startswith("local")
    scratch = scratch_dir(output, tmp_dir) if owned and spills_here else None
    try:
        settings = {} if scratch is None else {"spark.local.dir": scratch}
        settings.update(conf or {})
        settings.update(spark_conf or {})
        app_name = "zhnorm " + command.removesuffix("_files")
        spark = spark or session(master, app_name=app_name, conf=settings)
        outputs = Outputs(spark)
        leftovers: list[str] = []
        try:
            result = work(spark, outputs)
            outputs.commit()
        except BaseException as exc:
            leftovers = [local_path(t) for t, _ in outputs.pending if is_local(t)]
            outputs.abort()
            unreadable = read_failure(exc)
            if unreadable is not None:
                raise unreadable from None
            raise
        finally:
            if owned:
                spark.stop()
            for temp in leftovers:
                shutil.rmtree(temp, ignore_errors=True)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return result


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
    encoding: str = DEFAULT_ENCODING,
    skip_bad: bool = False,
    tmp_dir: str | None = None,
    spark: SparkSession | None = None,
    spark_conf: Mapping[str, str] | None = None,
) -> DedupCounts:
    """Deduplicate ``inputs`` on Spark (module docstring) and write the kept records to
    ``output``, one line per good record to ``clusters`` and every verified pair to
    ``pairs``.  A bad record is an :class:`~zhnorm.io.InputError` naming the first one
    (file:line and reason), before any output is written; with ``skip_bad`` bad records
    go to ``rejects`` (default ``OUTPUT.rejects.jsonl``; only when there are some).
    Returns the counts (:meth:`DedupCounts.summary` is the command's closing line;
    :meth:`~zhnorm.io.RunCounts.failure` says whether the run failed).

    Every output path is checked before Spark starts (:func:`._outputs.check_spark_outputs`),
    and so are the local inputs (:func:`zhnorm.io.input_files`).  ``encoding``: one of
    :data:`zhnorm.io.ENCODING_NAMES` for JSONL and text inputs (``auto``: per file).
    ``errors``: ``strict`` rejects a line with invalid UTF-8, ``replace`` substitutes
    U+FFFD.  ``tmp_dir``: where Spark spills (``spark.local.dir``, in a directory of
    this run's, removed at the end; default: beside a local output, for a local master);
    it needs a session started here.  ``master``: ``local[2]``, ``spark://host:7077``,
    ``yarn``... or ``None`` under ``spark-submit``.  ``spark_conf``: Spark settings
    of the session started here (``{"spark.driver.memory": "4g"}``; the ``--spark-conf``
    of the command, :func:`zhnorm.spark.parse_spark_conf`), applied over this run's
    own (``spark.local.dir``).  ``spark``: use this session instead (not stopped at the
    end); otherwise a session started here is stopped at the end."""
    check_encoding(encoding)
    params = params or MinHashParams()
    rejects = rejects_path(output, rejects)
    check_spark_outputs(inputs, [output, clusters, pairs, rejects], tmp_dir)
    local = local_inputs(inputs)

    def work(spark: SparkSession, outputs: Outputs) -> DedupCounts:
        return _run(
            spark, outputs, inputs, local, output, clusters, params, threshold, keep,
            id_field, text_field, rejects if skip_bad else None, pairs, errors, encoding,
        )  # fmt: skip

    counts = run_committed(
        "dedup_files", work, output=output, spark=spark, master=master, tmp_dir=tmp_dir,
        spark_conf=spark_conf,
    )  # fmt: skip
    counts.check()
    return counts


def _run(
    spark: SparkSession,
    outputs: Outputs,
    inputs: Sequence[str],
    local: dict[int, Any],
    output: str,
    clusters: str | None,
    params: MinHashParams,
    threshold: float,
    keep: str,
    id_field: str | None,
    text_field: str,
    rejects: str | None,
    pairs_path: str | None,
    errors: str,
    encoding: str,
) -> DedupCounts:
    files = list_inputs(spark, inputs, local)
    parquet_in = files[0].kind == "parquet"
    keep_field = None if keep in KEEP_POLICIES else keep
    original: list[str] = []
    if parquet_in:
        parsed, original = _read_parquet(spark, files, text_field, id_field)
        keep_col = keep
        if keep_field is not None and keep_field not in original:
            parsed = parsed.withColumn(keep_field, F.lit(None).cast("string"))
        raw: Any = F.to_json(F.struct(*[F.col(c) for c in original]))
    else:
        parsed = read_lines(
            spark, files, text_field=text_field, id_field=id_field, keep_field=keep_field,
            errors=errors, encoding=encoding,
        )  # fmt: skip
        keep_col = keep if keep_field is None else "_zh_value"
        raw = F.col("_zh_payload")
    parsed = parsed.persist(SPILL)
    if not parquet_in:
        raise_read_errors(parsed)

    # Bad records: unreadable ones, then ids given twice (the first one stays).
    names = {f.rank: f.name for f in files}
    repeated = _repeated_ids(parsed).persist(StorageLevel.MEMORY_AND_DISK)
    n_repeated = repeated.count()
    bad = parsed.where(~F.col("_zh_ok")).select("_zh_rank", "_zh_lineno", "_zh_payload")
    if n_repeated:
        bad = bad.unionByName(_repeated_rejects(parsed, repeated, names, raw, parquet_in))
    if rejects is None:
        first = first_rows(bad, ["_zh_payload"])
        if first:
            Rejects(None).add(BadRecord(**_bad_fields(first[0][0])))  # raises InputError

    good = parsed.where(F.col("_zh_ok"))
    order: list[Any] | None = [F.col("_zh_rank"), F.col("_zh_block")]
    if n_repeated:
        keys = repeated.select("_zh_rank", "_zh_lineno")
        if n_repeated <= BROADCAST_LIMIT:  # the documents keep their order
            good = good.join(F.broadcast(keys), ["_zh_rank", "_zh_lineno"], "left_anti")
        else:
            good = good.join(keys, ["_zh_rank", "_zh_lineno"], "left_anti").orderBy(
                "_zh_rank", "_zh_lineno"
            )
            order = None  # the sorted frame's own order
    good = with_row_index(good, "_zh_idx", order, persist=order is None)
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

    n_bad = bad.count()
    if n_bad:
        assert rejects is not None
        ordered = bad.orderBy("_zh_rank", "_zh_lineno").select(F.col("_zh_payload").alias("value"))
        _write_text(ordered, outputs.temporary(rejects))
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


def _bad_fields(payload: str) -> dict[str, Any]:
    """The :class:`BadRecord` fields of a rejects line."""
    data = json.loads(payload)
    return {
        "source": data["file"],
        "line": data["line"],
        "reason": data["reason"],
        "raw": data["raw"],
    }


def _repeated_ids(parsed: DataFrame) -> DataFrame:
    """``(_zh_rank, _zh_lineno, _zh_id, _zh_first_rank, _zh_first_line)`` of each good
    record whose own id (:func:`zhnorm.io.records.given_id`; not a ``file:line``) an
    earlier record already gave."""
    earlier = Window.partitionBy("_zh_id").orderBy("_zh_rank", "_zh_lineno")
    given = parsed.where(F.col("_zh_ok") & F.col("_zh_given")).select(
        "_zh_rank", "_zh_lineno", "_zh_id"
    )
    return (
        given.select(
            "*",
            F.row_number().over(earlier).alias("_zh_n"),
            F.first("_zh_rank").over(earlier).alias("_zh_first_rank"),
            F.first("_zh_lineno").over(earlier).alias("_zh_first_line"),
        )
        .where(F.col("_zh_n") > 1)
        .drop("_zh_n")
    )


def _repeated_rejects(
    parsed: DataFrame, repeated: DataFrame, names: dict[int, str], raw: Any, parquet_in: bool
) -> DataFrame:
    """The rejects lines of the ``repeated`` records, worded by
    :func:`zhnorm.io.rejects.duplicate_id` as the local engine words them."""
    keys = ["_zh_rank", "_zh_lineno"]
    rows = parsed.select(*keys, raw.alias("_zh_raw")).join(repeated, keys)

    def word(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            lines = []
            for rank, line, doc_id, first_rank, first_line, text in zip(
                batch["_zh_rank"].tolist(),
                batch["_zh_lineno"].tolist(),
                batch["_zh_id"].tolist(),
                batch["_zh_first_rank"].tolist(),
                batch["_zh_first_line"].tolist(),
                batch["_zh_raw"].tolist(),
                strict=True,
            ):
                first = f"{names[int(first_rank)]}:{int(first_line)}"
                reason = reasons.duplicate_id(doc_id, first)
                # as the local engine words the record: its fields, re-serialised
                shown = text if parquet_in else dumps_record(json.loads(text)).rstrip()
                bad = BadRecord(names[int(rank)], int(line), reason, shown)
                lines.append(_dumps(bad.to_dict()))
            yield pd.DataFrame(
                {
                    "_zh_rank": batch["_zh_rank"],
                    "_zh_lineno": batch["_zh_lineno"],
                    "_zh_payload": lines,
                }
            )

    return rows.mapInPandas(word, "_zh_rank long, _zh_lineno long, _zh_payload string")
