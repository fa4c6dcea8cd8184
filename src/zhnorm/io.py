"""Input and output for the CLI: strict streaming decoding, atomic output, rejects.

* :func:`read_text_chunks` decodes a byte stream incrementally and reports the file
  and byte offset of the first undecodable byte.
* :func:`read_jsonl` yields parsed records or :class:`BadRecord` with file:line.
* :class:`AtomicOutput` writes to a temporary file and moves it into place only when
  the whole job succeeded, so an interrupted run never leaves a truncated output that
  looks complete (for stdout, the output is spooled and copied at the end).
"""

from __future__ import annotations

import codecs
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import IO, Any, BinaryIO

__all__ = [
    "AtomicOutput",
    "BadRecord",
    "InputError",
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


def read_jsonl(
    stream: BinaryIO, name: str, *, field: str, errors: str = "strict"
) -> Iterator[tuple[int, dict[str, Any] | BadRecord]]:
    """``(line number, record)`` for each record of a JSONL stream whose ``field`` is a
    string, or ``(line number, BadRecord)``.

    Blank lines are skipped (they are not records)."""
    for lineno, raw in enumerate(stream, 1):
        try:
            line = raw.decode("utf-8", errors)
        except UnicodeDecodeError as exc:
            yield (
                lineno,
                BadRecord(
                    name,
                    lineno,
                    f"invalid UTF-8 at byte {exc.start} of the line",
                    raw.decode("utf-8", "replace"),
                ),
            )
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield (
                lineno,
                BadRecord(name, lineno, f"malformed JSON: {exc.msg} (column {exc.colno})", line),
            )
            continue
        if not isinstance(record, dict):
            yield lineno, BadRecord(name, lineno, "record is not a JSON object", line)
        elif field not in record:
            yield lineno, BadRecord(name, lineno, f"record has no field {field!r}", line)
        elif not isinstance(record[field], str):
            kind = type(record[field]).__name__
            yield (
                lineno,
                BadRecord(name, lineno, f"field {field!r} is {kind}, expected a string", line),
            )
        else:
            yield lineno, record


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
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(name, 0o666 & ~umask)
            os.replace(name, self.path)


def dumps_record(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"
