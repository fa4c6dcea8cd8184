"""Records: documents with an id, a text and every original field.

* :func:`iter_records` reads documents from the inputs :mod:`.inputs` lists (JSONL, also
  compressed, Parquet, ``.txt`` files and directories of them), as :class:`Record` or
  :class:`~zhnorm.io.rejects.BadRecord`; :func:`read_jsonl` and
  :func:`parse_jsonl_line` are its JSONL reader, line by line.
* :func:`check_record` is the record rule (a text that is a string; with an id field,
  an id) and :func:`record_id` the id rule, for every command and the Spark engine;
  :func:`unique_records` rejects a record repeating an earlier one's id.
* :func:`text_documents` reads each file named as one plain-text document (``align``).
* :class:`RecordWriter` writes records back as JSONL or Parquet, atomically.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, BinaryIO

from . import rejects as reasons
from .counts import RunCounts
from .encodings import (
    AUTO,
    DEFAULT_ENCODING,
    announce,
    check_encoding,
    detect_encoding,
    failure_offset,
)
from .files import (
    AtomicOutput,
    InputError,
    dumps_record,
    open_input,
    optional_module,
)
from .inputs import InputFile, input_files, jsonl_stream, raw_lines, text_files
from .parquet import ParquetRows
from .rejects import BadRecord, Rejects, duplicate_id
from .remote import is_remote

__all__ = [
    "WRITE_FORMATS",
    "Record",
    "RecordWriter",
    "TextWriter",
    "check_record",
    "file_records",
    "given_id",
    "iter_records",
    "jsonl_record",
    "map_jsonl",
    "parse_jsonl_line",
    "read_jsonl",
    "record_batches",
    "record_id",
    "text_documents",
    "unique_records",
    "with_text",
    "write_format",
]


@dataclass
class Record:
    """One document: where it came from, its id, its text and all its original fields
    (``data``, which writers emit unchanged apart from what the caller sets).

    ``id`` is the ``id_field`` it was read with, else ``file:line`` (a text file's
    name); :func:`record_id` is the id the commands report."""

    source: str
    line: int
    id: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)


def record_id(record: Record, id_field: str | None) -> str:
    """The id rule of every command: the ``id_field`` the record was read with (already
    checked by the reader), else its ``id`` field when that is a string or an integer,
    else ``file:line``.

    >>> record_id(Record("a.jsonl", 3, "a.jsonl:3", "", {"id": 7}), None)
    '7'
    >>> record_id(Record("a.jsonl", 3, "a.jsonl:3", "", {"id": 1.5}), None)
    'a.jsonl:3'
    """
    given = given_id(record, id_field)
    return record.id if given is None else given


def given_id(record: Record, id_field: str | None) -> str | None:
    """The id :func:`record_id` takes from the record itself, or ``None`` when its id
    is only its place (``file:line``, which repeats when a file is read twice).

    >>> given_id(Record("a.jsonl", 3, "a.jsonl:3", "", {"id": 7}), None)
    '7'
    >>> given_id(Record("a.jsonl", 3, "a.jsonl:3", "", {}), None) is None
    True
    """
    if id_field is not None:
        return record.id
    if isinstance(record.data.get("id"), (str, int)):
        return str(record.data["id"])
    return None


def unique_records(
    items: Iterable[Record | BadRecord], id_field: str | None
) -> Iterator[Record | BadRecord]:
    """``items``, each :class:`Record` whose :func:`record_id` repeats an earlier one's
    turned into a :class:`BadRecord` saying where that id was first read.

    >>> docs = [Record("a.jsonl", n, f"a.jsonl:{n}", "x", {"id": "p"}) for n in (1, 2)]
    >>> [getattr(item, "reason", "ok") for item in unique_records(docs, None)]
    ['ok', "duplicate id 'p' (first at a.jsonl:1)"]
    """
    seen: dict[str, str] = {}
    for item in items:
        if isinstance(item, Record):
            doc_id = record_id(item, id_field)
            if doc_id in seen:
                raw = dumps_record(item.data).rstrip("\n")
                item = BadRecord(item.source, item.line, duplicate_id(doc_id, seen[doc_id]), raw)
            else:
                seen[doc_id] = f"{item.source}:{item.line}"
        yield item


def with_text(record: Record, text_field: str, text: str) -> dict[str, Any]:
    """A copy of the record's fields with ``text`` as its text: in ``text_field``, or in
    ``text`` for a record without that field (a text file's).

    >>> with_text(Record("a.txt", 0, "a.txt", "x", {"id": "a.txt", "text": "x"}), "body", "y")
    {'id': 'a.txt', 'text': 'y'}
    """
    data = dict(record.data)
    data[text_field if text_field in data else "text"] = text
    return data


def parse_jsonl_line(
    raw: bytes, name: str, lineno: int, errors: str = "strict"
) -> dict[str, Any] | BadRecord | None:
    """One line of a JSONL file (``raw`` with its line break): the record, a
    :class:`BadRecord` saying what is wrong with it, or ``None`` for a blank line."""
    try:
        line = raw.decode("utf-8", errors)
    except UnicodeDecodeError as exc:
        reason = reasons.invalid_utf8_in_line(exc.start)
        return BadRecord(name, lineno, reason, raw.decode("utf-8", "replace"))
    if not line or line.isspace():  # as ``not line.strip()``, without copying the line
        return None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return BadRecord(name, lineno, reasons.malformed_json(exc.msg, exc.colno), line)
    if not isinstance(record, dict):
        return BadRecord(name, lineno, reasons.not_a_json_object(), line)
    return record


def _text_problem(record: dict[str, Any], text_field: str) -> str | None:
    """Why ``record`` has no text in ``text_field``, or ``None``."""
    if record.get(text_field) is None:
        return reasons.no_text_field(text_field)
    if not isinstance(record[text_field], str):
        return reasons.not_a_string(text_field, type(record[text_field]).__name__)
    return None


def read_jsonl(
    stream: BinaryIO, name: str, *, field: str | None, errors: str = "strict"
) -> Iterator[tuple[int, dict[str, Any] | BadRecord]]:
    """``(line number, record)`` for each record of a JSONL stream whose ``field`` is a
    string, or ``(line number, BadRecord)``.

    Blank lines are skipped (they are not records); a UTF-8 BOM before the first line
    is dropped (:func:`~zhnorm.io.inputs.raw_lines`)."""
    for lineno, raw in raw_lines(stream):
        record = parse_jsonl_line(raw, name, lineno, errors)
        if record is None:
            continue
        if isinstance(record, BadRecord) or field is None:
            yield lineno, record
            continue
        problem = _text_problem(record, field)
        if problem is None:
            yield lineno, record
        else:
            yield lineno, BadRecord(name, lineno, problem, raw.decode("utf-8", errors))


def map_jsonl(
    transform: Callable[[str, str, int], str],
    inputs: Sequence[str],
    out: RecordWriter,
    *,
    text_field: str,
    errors: str,
    rejects: Rejects,
    counts: RunCounts,
    encoding: str = DEFAULT_ENCODING,
) -> None:
    """Stream the records of ``inputs`` (JSONL, also compressed, Parquet, text files,
    directories of them, as :func:`iter_records` reads them; stdin when there are
    none) to ``out`` (JSONL, or Parquet for a ``.parquet`` path), with
    ``transform(text, file, line)`` applied to their ``text_field``, every other field
    unchanged; bad records go to ``rejects``
    (:func:`read_jsonl` says which)."""
    check_encoding(encoding)
    for file in list(input_files(inputs or ("-",))):
        if file.kind != "jsonl":
            for record in file_records(
                file, text_field=text_field, errors=errors, encoding=encoding
            ):
                counts.read += 1
                if isinstance(record, BadRecord):
                    rejects.add(record)
                    counts.rejected += 1
                    continue
                text = transform(record.text, record.source, record.line)
                out.write(with_text(record, text_field, text))
                counts.written += 1
            continue
        name, stream = jsonl_stream(file.path, file.name, encoding=encoding, errors=errors)
        try:
            for lineno, item in read_jsonl(stream, name, field=text_field, errors=errors):
                counts.read += 1
                if isinstance(item, BadRecord):
                    rejects.add(item)
                    counts.rejected += 1
                    continue
                item[text_field] = transform(item[text_field], name, lineno)
                out.write(item)
                counts.written += 1
        finally:
            if file.path != "-":
                stream.close()
    counts.check()


def record_batches(
    items: Iterable[Record | BadRecord], size: int, rejects: Rejects
) -> Iterator[list[Record | BadRecord]]:
    """``items`` in lists of ``size``; where bad records are fatal (``rejects`` has no
    path), the first one stops the run here, before its batch is handed on."""
    batch: list[Record | BadRecord] = []
    for item in items:
        if isinstance(item, BadRecord) and rejects.path is None:
            rejects.add(item)  # raises InputError
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def check_record(
    record: dict[str, Any], name: str, line: int, text_field: str, id_field: str | None
) -> Record | BadRecord:
    """``record`` (a parsed JSON object or Parquet row from ``name`` at ``line``) as a
    :class:`Record`, or a :class:`BadRecord` saying why it is not a document."""
    problem = _text_problem(record, text_field)
    if problem is None and id_field is not None and record.get(id_field) is None:
        problem = reasons.no_id_field(id_field)
    if problem is not None:
        raw = json.dumps(record, ensure_ascii=False, default=str)
        return BadRecord(name, line, problem, raw)
    text = record[text_field]
    if id_field is None:
        return Record(name, line, f"{name}:{line}", text, record)
    return Record(name, line, str(record[id_field]), text, record)


def _parquet_records(
    path: str, text_field: str, id_field: str | None
) -> Iterator[Record | BadRecord]:
    parquet = optional_module("pyarrow.parquet", "parquet", f"{path}: reading Parquet")
    source = open_input(path)[1] if is_remote(path) else path
    try:
        handle = parquet.ParquetFile(source)
    except Exception as exc:  # pyarrow raises several types for unreadable files
        raise InputError(f"{path}: not a readable Parquet file: {exc}") from None
    row = 0
    for batch in handle.iter_batches():
        for record in batch.to_pylist():
            row += 1
            yield check_record(record, path, row, text_field, id_field)


def _txt_record(file: InputFile, errors: str, encoding: str) -> Record | BadRecord:
    """A text file (also compressed) as one document, decoded in ``encoding``
    (``auto``: detected and said on stderr); a leading BOM is dropped."""
    name, stream = jsonl_stream(file.path, file.name)
    try:
        raw = stream.read()
    finally:
        if file.path != "-":
            stream.close()
    if encoding == AUTO:
        encoding = detect_encoding(raw)
        announce(name, encoding)
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    try:  # incrementally, as every other reader: UTF-16 needs its byte-order mark
        text = codecs.getincrementaldecoder(codec)(errors).decode(raw, final=True)
    except UnicodeError as exc:
        offset = failure_offset(exc, codec, raw, True)
        return BadRecord(name, 0, reasons.invalid_utf8_in_file(offset, encoding), "")
    text = text.removeprefix("\ufeff")
    return Record(name, 0, name, text, {"id": name, "text": text})


def file_records(
    file: InputFile,
    *,
    text_field: str = "text",
    id_field: str | None = None,
    errors: str = "strict",
    encoding: str = DEFAULT_ENCODING,
) -> Iterator[Record | BadRecord]:
    """The documents of one :class:`~zhnorm.io.inputs.InputFile`, as
    :func:`iter_records` reads them."""
    if file.kind == "parquet":
        yield from _parquet_records(file.path, text_field, id_field)
    elif file.kind == "txt":
        yield _txt_record(file, errors, encoding)
    else:
        name, stream = jsonl_stream(file.path, file.name, encoding=encoding, errors=errors)
        try:
            for lineno, raw in raw_lines(stream):
                item = jsonl_record(raw, name, lineno, text_field, id_field, errors)
                if item is not None:
                    yield item
        finally:
            if file.path != "-":
                stream.close()


def jsonl_record(
    raw: bytes, name: str, lineno: int, text_field: str, id_field: str | None, errors: str
) -> Record | BadRecord | None:
    """One line of a JSONL file as :func:`iter_records` reads it: a :class:`Record`, a
    :class:`BadRecord` saying why it is not a document, or ``None`` for a blank line."""
    item = parse_jsonl_line(raw, name, lineno, errors)
    if item is None or isinstance(item, BadRecord):
        return item
    return check_record(item, name, lineno, text_field, id_field)


def text_documents(
    paths: Iterable[str], *, errors: str = "strict", encoding: str = DEFAULT_ENCODING
) -> Iterator[Record | BadRecord]:
    """Each document of ``paths`` read as plain text, as
    :func:`~zhnorm.io.inputs.text_files` lists them (a file named is one document
    whatever its name, decompressed; a directory's ``.txt`` files; ``-``: stdin), as a
    :class:`Record` (id: its name) or, undecodable in ``encoding``, a :class:`BadRecord`."""
    check_encoding(encoding)
    for file in text_files(paths):
        yield _txt_record(file, errors, encoding)


def iter_records(
    paths: Iterable[str],
    *,
    text_field: str = "text",
    id_field: str | None = None,
    errors: str = "strict",
    encoding: str = DEFAULT_ENCODING,
) -> Iterator[Record | BadRecord]:
    """Every document of ``paths``, in order, as :class:`Record` or :class:`BadRecord`.

    Which files are read, and how, is :func:`~zhnorm.io.inputs.input_files`:

    * JSONL (``.jsonl`` / ``.json`` / ``.ndjson``, also ``.gz`` / ``.zst`` (extra
      ``zstd``) / ``.bz2`` / ``.xz``; Spark ``part-*`` files; ``-``: stdin): one JSON
      object per line;
    * ``*.parquet`` (extra ``parquet``): one record per row;
    * ``*.txt`` (also compressed): the whole file is one document, id = its path (in a
      directory: the path relative to the directory);
    * a directory: all of these below it, sorted, hidden and ``_`` files ignored; any
      other file is an :class:`InputError` naming it, as is a truncated or corrupt
      compressed stream.

    Text and JSONL files are read in ``encoding``
    (:data:`~zhnorm.io.encodings.ENCODING_NAMES`; ``auto`` detects each file's and
    says so on stderr).  Records whose ``text_field`` is missing or not a string, or
    (with ``id_field``) whose id is missing, malformed lines and undecodable text files
    are yielded as :class:`BadRecord` with ``file:line`` and the reason; the caller
    decides whether that is fatal.  Records without ``id_field`` get the id
    ``file:line``.
    """
    check_encoding(encoding)
    for file in list(input_files(paths)):
        yield from file_records(
            file, text_field=text_field, id_field=id_field, errors=errors, encoding=encoding
        )


class RecordWriter:
    """Write records (dicts) atomically as JSONL, or as Parquet for a ``.parquet`` path:
    streamed in row groups, each column typed from ``columns`` (declared kinds, e.g.
    :attr:`zhnorm.Pipeline.annotation_columns`), else from the Parquet files among
    ``inputs``, else inferred (:class:`zhnorm.io.parquet.ParquetRows`)."""

    def __init__(
        self,
        path: str | None,
        *,
        columns: Mapping[str, str] | None = None,
        inputs: Sequence[str] = (),
    ) -> None:
        self.path = path
        self.count = 0
        self._parquet: ParquetRows | None = None
        self._text: AtomicOutput | None = None
        if path and path.endswith(".parquet"):
            optional_module("pyarrow.parquet", "parquet", f"{path}: writing Parquet")
            self._parquet = ParquetRows(path, columns=columns, inputs=inputs)
        else:
            self._text = AtomicOutput(path)

    @property
    def writes_jsonl(self) -> bool:
        return self._text is not None

    def write(self, record: dict[str, Any]) -> None:
        self.count += 1
        if self._parquet is not None:
            self._parquet.write(record)
        else:
            assert self._text is not None
            self._text.write(dumps_record(record))

    def write_line(self, line: str) -> None:
        """One JSONL line as it was read (JSONL output only), line break added."""
        assert self._text is not None
        self.count += 1
        self._text.write(line.rstrip("\r\n") + "\n")

    def write_raw_line(self, line: bytes) -> None:
        """One JSONL line as it was read (:meth:`write_raw_lines`)."""
        self.write_raw_lines([line])

    def write_raw_lines(self, lines: Sequence[bytes]) -> None:
        """JSONL lines as they were read, valid UTF-8, copied byte for byte with one line
        break each (JSONL output only), in one write: :meth:`write_line` without decoding
        and encoding them again."""
        assert self._text is not None
        self.count += len(lines)
        self._text.write_bytes(b"".join([line.rstrip(b"\r\n") + b"\n" for line in lines]))

    def write_raw_block(self, data: bytes, lines: int) -> None:
        """``lines`` JSONL lines as they were read, valid UTF-8, each already ending in
        one ``\\n`` (no ``\\r`` before it), written as they are (JSONL output only): what
        :meth:`write_raw_lines` would write for them, without splitting them."""
        assert self._text is not None
        self.count += lines
        self._text.write_bytes(data)

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._text is not None:
            self._text.__exit__(exc_type, exc, tb)
        elif self._parquet is not None:
            if exc_type is None:
                self._parquet.close()
            else:
                self._parquet.abort()


class TextWriter:
    """Each document's text, ending with a newline (added when missing), atomically."""

    def __init__(self, path: str | None) -> None:
        self._out = AtomicOutput(path)

    def write(self, text: str) -> None:
        self._out.write(text if text.endswith("\n") else text + "\n")

    def __enter__(self) -> TextWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._out.__exit__(exc_type, exc, tb)


WRITE_FORMATS = ("jsonl", "parquet", "txt")
"""What :class:`RecordWriter` (``jsonl``, ``parquet``) and :class:`TextWriter` write."""


def write_format(output: str | None, chosen: str | None = None) -> str:
    """``chosen``, else the format the name of ``output`` says (``.parquet``, ``.txt``),
    else ``jsonl``."""
    if chosen is not None:
        return chosen
    if output and output.endswith(".parquet"):
        return "parquet"
    if output and output.endswith(".txt"):
        return "txt"
    return "jsonl"
