"""The inputs of the Spark file engine: zhnorm's input layer (:mod:`zhnorm.io.inputs`),
on Spark.

* :func:`local_inputs` lists the inputs on the local file system with
  :func:`zhnorm.io.input_files` itself (the kinds read, directories recursively, sorted,
  hidden and ``_`` names ignored, an unknown kind an error naming the file), before any
  Spark session is started; :func:`list_inputs` qualifies them for Spark and lists the
  inputs of other file systems (``hdfs://``, ``s3a://``...) through Hadoop with the same
  rules (:func:`zhnorm.io.inputs.input_kind`, :func:`~zhnorm.io.inputs.is_ignored`).
* :func:`read_lines` reads JSONL and text files into rows of one schema
  (:data:`PARSED_SCHEMA`): plain UTF-8 JSONL by Spark's own splittable reader, line by
  line; every other file - compressed, ``.txt``, or in another encoding (``encoding=``,
  ``auto`` per file) - on an executor, one task per file, through
  :func:`zhnorm.io.inputs.jsonl_stream` and :func:`zhnorm.io.records.file_records`,
  so a truncated or corrupt stream or an undecodable byte is the input layer's
  :class:`~zhnorm.io.InputError` naming the file (:func:`raise_read_errors` raises it
  on the driver, before any output).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ..io import (
    BadRecord,
    InputError,
    Record,
    check_record,
    dumps_record,
    parse_jsonl_line,
    record_id,
)
from ..io.encodings import DEFAULT_ENCODING
from ..io.inputs import (
    KINDS_READ,
    InputFile,
    Kind,
    codec_of,
    input_files,
    input_kind,
    is_ignored,
    jsonl_stream,
    raw_lines,
)
from ..io.records import file_records, given_id
from ._frame import with_row_index

__all__ = [
    "PARSED_SCHEMA",
    "SparkFile",
    "hadoop_path",
    "is_local",
    "list_inputs",
    "local_inputs",
    "raise_read_errors",
    "read_failure",
    "read_lines",
]

PARSED_SCHEMA = (
    "_zh_rank long, _zh_block long, _zh_lineno long, _zh_ok boolean, _zh_id string, "
    "_zh_given boolean, _zh_text string, _zh_value string, _zh_payload string, "
    "_zh_error string"
)
"""One row per record read: the file's rank among the inputs, the split it was read in,
its line (1-based; 0 for a text file), whether it is a document, its id (and whether
the record gave it, :func:`zhnorm.io.records.given_id`), text, keep value (JSON), the
line to copy (or, for a bad record, its rejects line), and a read error that stops the
run."""

_COLUMNS = PARSED_SCHEMA.replace(",", "").split()[::2]


def is_local(path: str) -> bool:
    """Whether ``path`` is on the local file system (no scheme, or ``file:``)."""
    scheme = urlsplit(path).scheme
    return scheme in ("", "file") or len(scheme) == 1  # (a drive letter)


def local_path(path: str) -> str:
    """The local file system path of a local ``path`` or ``file:`` URI."""
    return unquote(urlsplit(path).path) if path.startswith("file:") else path


@dataclass(frozen=True)
class SparkFile:
    """One input file: ``uri`` as Hadoop names it (qualified, not URL-encoded),
    ``path`` on the local file system (``None`` elsewhere), ``name`` as its records
    report it (:class:`zhnorm.io.InputFile`), its kind and its rank among the inputs."""

    uri: str
    path: str | None
    name: str
    kind: Kind
    rank: int

    @property
    def plain(self) -> bool:
        """Uncompressed JSONL, which Spark's own reader can split."""
        return self.kind == "jsonl" and codec_of(self.uri) is None


def local_inputs(inputs: Sequence[str]) -> dict[int, list[InputFile]]:
    """The files of each local input (by its position in ``inputs``), as
    :func:`zhnorm.io.input_files` lists them; stdin is an :class:`InputError`."""
    if "-" in inputs:
        raise InputError("the Spark engine cannot read stdin: pass files or directories")
    local = {
        i: list(input_files([local_path(arg)])) for i, arg in enumerate(inputs) if is_local(arg)
    }
    for files in local.values():
        for file in files:
            if not os.path.isfile(file.path):
                raise InputError(f"{file.path}: cannot open: No such file")
    if len(local) == len(inputs) and not any(local.values()):
        raise InputError(f"no input files in {', '.join(inputs)}")
    return local


def hadoop_path(spark: SparkSession, path: str) -> tuple[Any, Any]:
    """The Hadoop ``Path`` of ``path`` and its file system."""
    jvm: Any = spark._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    return hpath, hpath.getFileSystem(spark._jsc.hadoopConfiguration())


def _unknown(name: str) -> InputError:
    return InputError(f"{name}: not a file zhnorm reads (it reads {KINDS_READ})")


def _remote_files(spark: SparkSession, arg: str) -> list[tuple[str, str, Kind]]:
    """``(uri, name, kind)`` of a path on another file system, as
    :func:`zhnorm.io.input_files` lists a local one."""
    path, fs = hadoop_path(spark, arg)
    if not fs.exists(path):
        raise InputError(f"{arg}: cannot open: No such file or directory")
    status = fs.getFileStatus(path)
    if not status.isDirectory():
        kind = input_kind(arg)
        if kind is None:
            raise _unknown(arg)
        return [(status.getPath().toString(), arg, kind)]
    root = status.getPath().toString().rstrip("/")
    found = []
    listing = fs.listFiles(path, True)
    while listing.hasNext():
        uri = listing.next().getPath().toString()
        relative = uri[len(root) + 1 :]
        if is_ignored(relative):
            continue
        kind = input_kind(relative)
        if kind is None:
            raise _unknown(f"{arg.rstrip('/')}/{relative}")
        shown = relative if kind == "txt" else f"{arg.rstrip('/')}/{relative}"
        found.append((relative.split("/"), (uri, shown, kind)))
    return [item for _, item in sorted(found, key=lambda pair: pair[0])]


def list_inputs(
    spark: SparkSession, inputs: Sequence[str], local: dict[int, list[InputFile]]
) -> list[SparkFile]:
    """Every input file, in order: the ``local`` ones (:func:`local_inputs`) qualified
    for Spark, the others listed through Hadoop."""
    listed: list[tuple[str, str | None, str, Kind]] = []
    for i, arg in enumerate(inputs):
        if i not in local:
            listed.extend((uri, None, name, kind) for uri, name, kind in _remote_files(spark, arg))
            continue
        for file in local[i]:
            absolute = os.path.abspath(file.path)  # (executors may run elsewhere)
            path, fs = hadoop_path(spark, absolute)
            listed.append((fs.makeQualified(path).toString(), absolute, file.name, file.kind))
    if not listed:
        raise InputError(f"no input files in {', '.join(inputs)}")
    files = [SparkFile(*entry, rank) for rank, entry in enumerate(listed)]
    if len({f.kind == "parquet" for f in files}) > 1:
        raise InputError("the Spark engine reads JSONL and text or Parquet in one run, not both")
    return files


# --- reading ---------------------------------------------------------------------------


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)


def _row(
    item: Record | BadRecord,
    rank: int,
    block: int,
    line: int,
    id_field: str | None,
    keep_field: str | None,
    payload: str | None,
) -> tuple[Any, ...]:
    if isinstance(item, BadRecord):
        return (rank, block, line, False, None, False, None, None, _dumps(item.to_dict()), None)
    value = None if keep_field is None else json.dumps(item.data.get(keep_field))
    given = given_id(item, id_field) is not None
    line_copy = payload if payload is not None else dumps_record(item.data).rstrip("\n")
    doc_id = record_id(item, id_field)
    return (rank, block, line, True, doc_id, given, item.text, value, line_copy, None)


def _line_row(
    raw: bytes,
    name: str,
    rank: int,
    block: int,
    lineno: int,
    text_field: str,
    id_field: str | None,
    keep_field: str | None,
    errors: str,
) -> tuple[Any, ...] | None:
    """The row of one JSONL line (``raw`` with its line break), or ``None`` for a blank
    line: :func:`zhnorm.io.read_jsonl` and :func:`zhnorm.io.check_record`."""
    parsed = parse_jsonl_line(raw, name, lineno, errors)
    if parsed is None:
        return None
    item = (
        parsed
        if isinstance(parsed, BadRecord)
        else check_record(parsed, name, lineno, text_field, id_field)
    )
    # The line itself is a good record's payload: kept JSONL lines are copied as they
    # are, as the local command does.
    payload = None if isinstance(item, BadRecord) else raw.decode("utf-8", errors).rstrip("\r\n")
    return _row(item, rank, block, lineno, id_field, keep_field, payload)


def _parse_split_lines(
    batches: Iterator[pd.DataFrame],
    names: dict[str, tuple[int, str]],
    text_field: str,
    id_field: str | None,
    keep_field: str | None,
    errors: str,
) -> Iterator[pd.DataFrame]:
    """Lines read by Spark's text reader: the rows of :func:`_line_row`."""
    for batch in batches:
        rows: list[tuple[Any, ...]] = []
        lines = zip(
            batch["raw"].tolist(),
            batch["_zh_file"].tolist(),
            batch["_zh_block"].tolist(),
            batch["_zh_lineno"].tolist(),
            strict=True,
        )
        for raw, path, block, index in lines:
            rank, name = names[unquote(path)]
            lineno = int(index) + 1
            data = bytes(raw)
            if lineno == 1:
                _, data = next(raw_lines([data]))  # a UTF-8 BOM is not part of the record
            row = _line_row(
                data + b"\n", name, rank, int(block), lineno, text_field, id_field, keep_field,
                errors,
            )  # fmt: skip
            if row is not None:
                rows.append(row)
        yield pd.DataFrame(rows, columns=_COLUMNS)


def _read_file(
    file: SparkFile,
    text_field: str,
    id_field: str | None,
    keep_field: str | None,
    errors: str,
    encoding: str,
) -> Iterator[tuple[Any, ...]]:
    """The rows of one file read by the input layer on an executor; a read error is
    the last row (``_zh_error``)."""
    assert file.path is not None
    try:
        if file.kind == "txt":
            entry = InputFile(file.path, file.name, "txt")
            for item in file_records(
                entry, text_field=text_field, errors=errors, encoding=encoding
            ):
                yield _row(item, file.rank, 0, item.line, id_field, keep_field, None)
            return
        name, stream = jsonl_stream(file.path, file.name, encoding=encoding, errors=errors)
        with stream:
            for lineno, raw in raw_lines(stream):
                row = _line_row(
                    raw, name, file.rank, 0, lineno, text_field, id_field, keep_field, errors
                )
                if row is not None:
                    yield row
    except InputError as exc:
        yield (file.rank, 0, 0, False, None, False, None, None, None, str(exc))


def read_lines(
    spark: SparkSession,
    files: list[SparkFile],
    *,
    text_field: str,
    id_field: str | None,
    keep_field: str | None,
    errors: str,
    encoding: str = DEFAULT_ENCODING,
) -> DataFrame:
    """The records of JSONL and text ``files`` as rows of :data:`PARSED_SCHEMA`, the
    rows of a file in order within one partition (module docstring)."""
    by_spark = [f for f in files if f.plain and encoding == DEFAULT_ENCODING]
    by_python = [f for f in files if f not in by_spark]
    remote = [f for f in by_python if f.path is None and not _hadoop_decodes(f, encoding)]
    if remote:
        raise InputError(
            f"{remote[0].name}: the Spark engine reads .xz, .zst, .txt and encodings other "
            "than UTF-8 from the local file system only"
        )
    by_spark += [f for f in by_python if f.path is None]
    by_python = [f for f in by_python if f.path is not None]
    frames = []
    if by_spark:
        frames.append(_spark_lines(spark, by_spark, text_field, id_field, keep_field, errors))
    if by_python:
        read = (text_field, id_field, keep_field, errors, encoding)
        rdd = spark.sparkContext.parallelize(by_python, len(by_python)).flatMap(
            lambda file: _read_file(file, *read)
        )
        frames.append(spark.createDataFrame(rdd, PARSED_SCHEMA, verifySchema=False))
    parsed = frames[0]
    for frame in frames[1:]:
        parsed = parsed.unionByName(frame)
    return parsed


def _hadoop_decodes(file: SparkFile, encoding: str) -> bool:
    """A file on another file system that Hadoop's codecs read as UTF-8 JSONL."""
    return (
        encoding == DEFAULT_ENCODING
        and file.kind == "jsonl"
        and codec_of(file.uri) in (None, ".gz", ".bz2")
    )


def _spark_lines(
    spark: SparkSession,
    files: list[SparkFile],
    text_field: str,
    id_field: str | None,
    keep_field: str | None,
    errors: str,
) -> DataFrame:
    names = {f.uri: (f.rank, f.name) for f in files}
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
        order=lambda v: (names[unquote(v[0])][0], v[1]),
        within="_zh_lineno",
        persist=False,  # a file scan: the same rows in the same order every time
    )
    return numbered.mapInPandas(
        lambda b: _parse_split_lines(b, names, text_field, id_field, keep_field, errors),
        PARSED_SCHEMA,
    )


def raise_read_errors(parsed: DataFrame) -> None:
    """Raise the first read error of ``parsed`` (in input order) as the
    :class:`InputError` the input layer raised on the executor."""
    found = (
        parsed.where(F.col("_zh_error").isNotNull())
        .orderBy("_zh_rank")
        .select("_zh_error")
        .limit(1)
        .collect()
    )
    if found:
        raise InputError(found[0][0])


def first_rows(frame: DataFrame, columns: Iterable[str], n: int = 1) -> list[Any]:
    """The first ``n`` rows of ``frame`` in input order (rank, line)."""
    return frame.orderBy("_zh_rank", "_zh_lineno").select(*columns).limit(n).collect()


_FAILED_READ = re.compile(
    r"\[FAILED_READ_FILE[^\]]*\] Encountered error while reading file (\S+)\.(?=\s|$)[ \t]*([^\n]*)"
)


def read_failure(exc: BaseException) -> InputError | None:
    """The :class:`InputError` naming the file when ``exc`` is Spark failing to read
    one (a corrupt or truncated Parquet file), else ``None``."""
    match = _FAILED_READ.search(str(exc))
    if match is None:
        return None
    uri = unquote(match[1])
    detail = re.sub(r"\s*SQLSTATE: \w+", "", match[2]).strip() or "unreadable"
    return InputError(f"{local_path(uri) if is_local(uri) else uri}: cannot read: {detail}")
