"""Input and output for the CLI: strict streaming decoding, atomic output, rejects.

* :func:`read_text_chunks` decodes a byte stream incrementally and reports the file
  and byte offset of the first undecodable byte.
* :func:`read_jsonl` yields parsed records or :class:`BadRecord` with file:line.
* :class:`AtomicOutput` writes to a temporary file and moves it into place only when
  the whole job succeeded, so an interrupted run never leaves a truncated output that
  looks complete (for stdout, the output is spooled and copied at the end).
* :func:`iter_records` reads documents from JSONL (also ``.gz`` / ``.zst``), Parquet,
  ``.txt`` files and directories of them, as :class:`Record` or :class:`BadRecord`;
  :class:`RecordWriter` writes records back as JSONL or Parquet, atomically.
* :class:`Progress` shows documents per second on a terminal.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, BinaryIO, cast

__all__ = [
    "AtomicOutput",
    "BadRecord",
    "InputError",
    "Progress",
    "Record",
    "RecordWriter",
    "check_record",
    "is_jsonl_path",
    "iter_records",
    "jsonl_lines",
    "open_input",
    "read_jsonl",
    "read_text_chunks",
]

CHUNK_BYTES = 1 << 20


class InputError(Exception):
    """Input that cannot be processed; the message names the file and position."""


@dataclass(frozen=True)
class BadRecord:
    source: str
    line: int
    reason: str
    raw: str

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.source, "line": self.line, "reason": self.reason, "raw": self.raw}


def open_input(path: str) -> tuple[str, BinaryIO]:
    """``(display name, binary stream)`` for a path, ``-`` meaning stdin."""
    if path == "-":
        return "<stdin>", sys.stdin.buffer
    try:
        return path, open(path, "rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot open: {exc.strerror}") from exc


def read_text_chunks(
    stream: BinaryIO, name: str, *, errors: str = "strict", chunk_bytes: int = CHUNK_BYTES
) -> Iterator[str]:
    """Decode UTF-8 incrementally; an undecodable byte raises :class:`InputError`
    naming ``name`` and the absolute byte offset (unless ``errors="replace"``).
    A leading byte-order mark is kept as U+FEFF (the text is not altered)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors)
    consumed = 0
    while True:
        block = stream.read(chunk_bytes)
        pending = len(decoder.getstate()[0])
        try:
            text = decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            offset = consumed - pending + exc.start
            bad = exc.object[exc.start : exc.start + 4]
            raise InputError(
                f"{name}: byte offset {offset}: invalid UTF-8 ({bad!r}: {exc.reason}); "
                "use --errors replace to substitute U+FFFD"
            ) from None
        consumed += len(block)
        if text:
            yield text
        if not block:
            return


def parse_jsonl_line(
    raw: bytes, name: str, lineno: int, errors: str = "strict"
) -> dict[str, Any] | BadRecord | None:
    """One line of a JSONL file (``raw`` with its line break): the record, a
    :class:`BadRecord` saying what is wrong with it, or ``None`` for a blank line."""
    try:
        line = raw.decode("utf-8", errors)
    except UnicodeDecodeError as exc:
        reason = f"invalid UTF-8 at byte {exc.start} of the line"
        return BadRecord(name, lineno, reason, raw.decode("utf-8", "replace"))
    if not line.strip():
        return None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return BadRecord(name, lineno, f"malformed JSON: {exc.msg} (column {exc.colno})", line)
    if not isinstance(record, dict):
        return BadRecord(name, lineno, "record is not a JSON object", line)
    return record


def read_jsonl(
    stream: BinaryIO, name: str, *, field: str | None, errors: str = "strict"
) -> Iterator[tuple[int, dict[str, Any] | BadRecord]]:
    """``(line number, record)`` for each record of a JSONL stream whose ``field`` is a
    string, or ``(line number, BadRecord)``.

    Blank lines are skipped (they are not records)."""
    for lineno, raw in enumerate(stream, 1):
        record = parse_jsonl_line(raw, name, lineno, errors)
        if record is None:
            continue
        if isinstance(record, BadRecord) or field is None:
            yield lineno, record
            continue
        if field not in record:
            reason = f"record has no field {field!r}"
        elif not isinstance(record[field], str):
            reason = f"field {field!r} is {type(record[field]).__name__}, expected a string"
        else:
            yield lineno, record
            continue
        yield lineno, BadRecord(name, lineno, reason, raw.decode("utf-8", errors))


class AtomicOutput:
    """A text file that appears at ``path`` (or on stdout) only when the job succeeds."""

    def __init__(self, path: str | None, *, encoding: str = "utf-8") -> None:
        self.path = None if path in (None, "-") else path
        directory = os.path.dirname(os.path.abspath(self.path)) if self.path else None
        self._handle: IO[str] = tempfile.NamedTemporaryFile(  # noqa: SIM115
            "w",
            encoding=encoding,
            errors="surrogatepass",
            newline="",
            dir=directory,
            prefix=".zhnorm-",
            suffix=".partial",
            delete=False,
        )

    def write(self, text: str) -> None:
        self._handle.write(text)

    def __enter__(self) -> AtomicOutput:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._handle.close()
        name = self._handle.name
        if exc_type is not None:
            os.unlink(name)
            return
        if self.path is None:
            try:
                with open(name, "rb") as spooled:
                    shutil.copyfileobj(spooled, sys.stdout.buffer)
                sys.stdout.buffer.flush()
            finally:
                os.unlink(name)
        else:
            _publish(name, self.path)


def _publish(temp: str, path: str) -> None:
    """Give a finished temporary file the usual permissions and move it into place."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temp, 0o666 & ~umask)
    os.replace(temp, path)


def dumps_record(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


# --- records: documents with an id, a text and every original field -----------------


@dataclass
class Record:
    """One document: where it came from, its id, its text and all its original fields
    (``data``, which writers emit unchanged apart from what the caller sets)."""

    source: str
    line: int
    id: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)


def _optional(module: str, extra: str, what: str) -> Any:
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        raise InputError(
            f"{what} needs the optional package {module!r}: pip install 'zhnorm[{extra}]'"
        ) from None


def _jsonl_stream(path: str) -> tuple[str, BinaryIO]:
    name, stream = open_input(path)
    if path.endswith(".gz"):
        return name, cast(BinaryIO, gzip.GzipFile(fileobj=stream))
    if path.endswith(".zst"):
        zstandard = _optional("zstandard", "zstd", f"{path}: reading .zst")
        reader = zstandard.ZstdDecompressor().stream_reader(stream, read_across_frames=True)
        return name, cast(BinaryIO, io.BufferedReader(reader))
    return name, stream


def is_jsonl_path(path: str) -> bool:
    """Whether :func:`iter_records` reads ``path`` as JSONL lines (not stdin, a directory,
    Parquet or a ``.txt`` document)."""
    return path != "-" and not path.endswith((".parquet", ".txt")) and not os.path.isdir(path)


def jsonl_lines(path: str) -> Iterator[tuple[str, int, bytes]]:
    """``(name, line number, raw line)`` for every line of a JSONL file (also ``.gz`` /
    ``.zst``), unparsed: how a second pass copies records it has already read."""
    name, stream = _jsonl_stream(path)
    try:
        for lineno, raw in enumerate(stream, 1):
            yield name, lineno, raw
    except (OSError, EOFError) as exc:
        raise InputError(f"{name}: cannot decompress: {exc}") from None
    finally:
        stream.close()


def check_record(
    record: dict[str, Any], name: str, line: int, text_field: str, id_field: str | None
) -> Record | BadRecord:
    """``record`` (a parsed JSON object or Parquet row from ``name`` at ``line``) as a
    :class:`Record`, or a :class:`BadRecord` saying why it is not a document."""

    def bad(reason: str) -> BadRecord:
        return BadRecord(name, line, reason, json.dumps(record, ensure_ascii=False, default=str))

    if text_field not in record or record[text_field] is None:
        return bad(f"record has no field {text_field!r}")
    text = record[text_field]
    if not isinstance(text, str):
        return bad(f"field {text_field!r} is {type(text).__name__}, expected a string")
    if id_field is None:
        return Record(name, line, f"{name}:{line}", text, record)
    if record.get(id_field) is None:
        return bad(f"record has no id field {id_field!r}")
    return Record(name, line, str(record[id_field]), text, record)


def _parquet_records(
    path: str, text_field: str, id_field: str | None
) -> Iterator[Record | BadRecord]:
    parquet = _optional("pyarrow.parquet", "parquet", f"{path}: reading Parquet")
    try:
        handle = parquet.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for unreadable files
        raise InputError(f"{path}: not a readable Parquet file: {exc}") from None
    row = 0
    for batch in handle.iter_batches():
        for record in batch.to_pylist():
            row += 1
            yield check_record(record, path, row, text_field, id_field)


def _txt_record(path: Path, name: str, errors: str) -> Record | BadRecord:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8", errors)
    except UnicodeDecodeError as exc:
        return BadRecord(name, 0, f"invalid UTF-8 at byte offset {exc.start}", "")
    return Record(name, 0, name, text, {"id": name, "text": text})


def iter_records(
    paths: Iterable[str],
    *,
    text_field: str = "text",
    id_field: str | None = None,
    errors: str = "strict",
) -> Iterator[Record | BadRecord]:
    """Every document of ``paths``, in order, as :class:`Record` or :class:`BadRecord`.

    * ``*.jsonl`` / ``*.json`` / ``-`` (stdin): one JSON object per line; ``.gz`` and
      ``.zst`` (extra ``zstd``) are decompressed on the fly.
    * ``*.parquet`` (extra ``parquet``): one record per row.
    * ``*.txt``: the whole file is one document, id = its path;  a directory: every
      ``*.txt`` below it, sorted, id = the path relative to the directory.

    Records whose ``text_field`` is missing or not a string, or (with ``id_field``)
    whose id is missing, and malformed lines are yielded as :class:`BadRecord` with
    ``file:line`` and the reason; the caller decides whether that is fatal.  Records
    without ``id_field`` get the id ``file:line``.
    """
    for path in paths:
        if path != "-" and os.path.isdir(path):
            root = Path(path)
            for file in sorted(root.rglob("*.txt")):
                yield _txt_record(file, file.relative_to(root).as_posix(), errors)
        elif path.endswith(".parquet"):
            yield from _parquet_records(path, text_field, id_field)
        elif path.endswith(".txt"):
            try:
                yield _txt_record(Path(path), path, errors)
            except OSError as exc:
                raise InputError(f"{path}: cannot open: {exc.strerror}") from None
        else:
            name, stream = _jsonl_stream(path)
            try:
                for lineno, item in read_jsonl(stream, name, field=None, errors=errors):
                    if isinstance(item, BadRecord):
                        yield item
                    else:
                        yield check_record(item, name, lineno, text_field, id_field)
            except (OSError, EOFError) as exc:
                raise InputError(f"{name}: cannot decompress: {exc}") from None
            finally:
                if path != "-":
                    stream.close()


class RecordWriter:
    """Write records (dicts) atomically as JSONL, or Parquet for a ``.parquet`` path.

    Parquet output is collected in memory and written when the job succeeds."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.count = 0
        self._rows: list[dict[str, Any]] | None = None
        self._text: AtomicOutput | None = None
        if path and path.endswith(".parquet"):
            _optional("pyarrow.parquet", "parquet", f"{path}: writing Parquet")
            self._rows = []
        else:
            self._text = AtomicOutput(path)

    @property
    def writes_jsonl(self) -> bool:
        return self._text is not None

    def write(self, record: dict[str, Any]) -> None:
        self.count += 1
        if self._rows is not None:
            self._rows.append(record)
        else:
            assert self._text is not None
            self._text.write(dumps_record(record))

    def write_line(self, line: str) -> None:
        """One JSONL line as it was read (JSONL output only), line break added."""
        assert self._text is not None
        self.count += 1
        self._text.write(line.rstrip("\r\n") + "\n")

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
            return
        if exc_type is not None:
            return
        assert self.path is not None and self._rows is not None
        import pyarrow as pa
        import pyarrow.parquet as pq

        directory = os.path.dirname(os.path.abspath(self.path))
        fd, temp = tempfile.mkstemp(prefix=".zhnorm-", suffix=".partial", dir=directory)
        os.close(fd)
        try:
            pq.write_table(pa.Table.from_pylist(self._rows), temp)
            _publish(temp, self.path)
        except BaseException:
            os.unlink(temp)
            raise


class Progress:
    """``label: N docs, R docs/s`` on stderr, refreshed twice a second, only when
    stderr is a terminal and not ``quiet``."""

    def __init__(self, label: str, *, quiet: bool = False, stream: IO[str] | None = None):
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = not quiet and self.stream.isatty()
        self.count = 0
        self._started = self._shown = time.monotonic()

    def update(self, n: int = 1) -> None:
        self.count += n
        now = time.monotonic()
        if self.enabled and now - self._shown >= 0.5:
            self._shown = now
            self._show(now)

    def _show(self, now: float) -> None:
        rate = self.count / max(now - self._started, 1e-9)
        self.stream.write(f"\r{self.label}: {self.count} docs, {rate:,.0f} docs/s")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._show(time.monotonic())
            self.stream.write("\n")
