"""Files in and out: strict streaming decoding, compressed JSONL, atomic output.

* :func:`open_input` opens a path (``-`` is stdin) and :func:`read_text_chunks` decodes
  it incrementally in one of :data:`~zhnorm.io.encodings.ENCODINGS` (or ``auto``),
  reporting the file and byte offset of the first undecodable byte.
* :class:`AtomicOutput` writes to a temporary file and moves it into place only when
  the whole job succeeded, so an interrupted run never leaves a truncated output that
  looks complete (for stdout, the output is spooled and copied at the end).
* :class:`OutputGroup` does the same for a set of files that appear together or not
  at all; a write the file system refuses (full disk) is an :class:`OutputError`
  (:func:`write_failure`), one line naming the output.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from json.encoder import encode_basestring
from types import TracebackType
from typing import IO, Any, BinaryIO, TextIO, cast

from .encodings import (
    AUTO,
    DEFAULT_ENCODING,
    announce,
    check_encoding,
    decode_failure,
    detect_encoding,
    failure_offset,
)

__all__ = [
    "CHUNK_BYTES",
    "WRITE_FAILURES",
    "AtomicOutput",
    "InputError",
    "OutputError",
    "OutputGroup",
    "discard",
    "dumps_record",
    "open_input",
    "optional_module",
    "publish",
    "read_text",
    "read_text_chunks",
    "temp_prefix",
    "write_failure",
]

CHUNK_BYTES = 1 << 20


class InputError(Exception):
    """Input that cannot be processed; the message names the file and position."""


class OutputError(InputError):
    """An output path the run cannot or must not write to, or a write that failed (a
    full disk, a file-size limit); the message names the path."""


WRITE_FAILURES = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
"""The ``errno`` of a write the file system refused: disk full, file too large, quota."""


def write_failure(path: str | None, exc: OSError) -> OutputError:
    """The one-line error for an output that could not be written (a full disk, a
    file-size limit), naming ``path`` when it is known.

    >>> write_failure("out.txt", OSError(28, "No space left on device"))
    OutputError('out.txt: cannot write: No space left on device')
    """
    reason = exc.strerror or str(exc) or type(exc).__name__
    return OutputError(f"{path}: cannot write: {reason}" if path else f"cannot write: {reason}")


def optional_module(module: str, extra: str, what: str) -> Any:
    """``module`` imported, or :class:`InputError` naming the extra that installs it."""
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        raise InputError(
            f"{what} needs the optional package {module!r}: pip install 'zhnorm[{extra}]'"
        ) from None


def open_input(path: str) -> tuple[str, BinaryIO]:
    """``(display name, binary stream)`` for a path, ``-`` meaning stdin, a
    ``scheme://`` path a remote file (:mod:`.remote`)."""
    if path == "-":
        return "<stdin>", sys.stdin.buffer
    from .remote import is_remote, remote_open

    if is_remote(path):
        return path, remote_open(path)
    try:
        return path, open(path, "rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot open: {exc.strerror}") from exc


def read_text_chunks(
    stream: BinaryIO,
    name: str,
    *,
    errors: str = "strict",
    encoding: str = DEFAULT_ENCODING,
    chunk_bytes: int = CHUNK_BYTES,
) -> Iterator[str]:
    """Decode ``stream`` in ``encoding`` (:data:`~zhnorm.io.encodings.ENCODING_NAMES`;
    ``auto`` detects it from the first block and says so on stderr) incrementally; an
    undecodable byte raises :class:`InputError` naming ``name``, the absolute byte
    offset and ``--encoding`` (unless ``errors="replace"``).  In UTF-8 a leading
    byte-order mark is kept as U+FEFF (the text is not altered)."""
    check_encoding(encoding)
    block = stream.read(chunk_bytes)
    if encoding == AUTO:
        encoding = detect_encoding(block, final=len(block) < chunk_bytes)
        announce(name, encoding)
    decoder = codecs.getincrementaldecoder(encoding)(errors)
    consumed = 0
    while True:
        pending, first = decoder.getstate()
        try:
            text = decoder.decode(block, final=not block)
        except UnicodeError as exc:  # UnicodeDecodeError, or UTF-16 without its BOM
            at = failure_offset(exc, encoding, pending + block, consumed == 0 or bool(first))
            offset = consumed - len(pending) + at
            raise InputError(decode_failure(name, encoding, offset, exc)) from None
        consumed += len(block)
        if text:
            yield text
        if not block:
            return
        block = stream.read(chunk_bytes)


def read_text(path: str, errors: str = "strict", *, encoding: str = DEFAULT_ENCODING) -> str:
    """The whole text of ``path`` (``-``: stdin), decoded as :func:`read_text_chunks`."""
    name, stream = open_input(path)
    try:
        return "".join(read_text_chunks(stream, name, errors=errors, encoding=encoding))
    finally:
        if path != "-":
            stream.close()


def temp_prefix() -> str:
    """The name start of every temporary output file (``.zhnorm-PID-``, then a random
    part and ``.partial``): the pid lets a later run recognise a killed run's leftovers
    (:func:`zhnorm.io.outputs.remove_leftovers`)."""
    return f".zhnorm-{os.getpid()}-"


class AtomicOutput:
    """A text file that appears at ``path`` (or on stdout) only when the job succeeds.

    The temporary file lies beside ``path`` and is removed when the block fails or is
    interrupted (with :func:`zhnorm.io.outputs.signals_unwind`, also by SIGTERM)."""

    def __init__(self, path: str | None, *, encoding: str = "utf-8") -> None:
        self.path = None if path in (None, "-") else path
        directory = os.path.dirname(os.path.abspath(self.path)) if self.path else None
        self._handle: IO[str] = tempfile.NamedTemporaryFile(  # noqa: SIM115
            "w",
            encoding=encoding,
            errors="surrogatepass",
            newline="",
            dir=directory,
            prefix=temp_prefix(),
            suffix=".partial",
            delete=False,
        )
        self._text_pending = False  # text in the wrapper's buffer, not yet in the file's
        self._encoding = encoding

    def write(self, text: str) -> None:
        try:
            self._handle.write(text)
        except OSError as exc:
            raise write_failure(self.path or "<stdout>", exc) from None
        self._text_pending = True

    def reopen(self) -> TextIO:
        """A second text handle on the temporary file, for a forked child that writes the
        output instead of this process (which then writes nothing to it itself); the
        file still appears, or is removed, when this object's block ends."""
        return open(
            os.dup(self._handle.fileno()),
            "w",
            encoding=self._encoding,
            errors="surrogatepass",
            newline="",
        )

    def write_bytes(self, data: bytes) -> None:
        """Bytes already in the file's encoding, written as they are (after any text
        written before them)."""
        try:
            if self._text_pending:
                self._handle.flush()
                self._text_pending = False
            cast(TextIO, self._handle).buffer.write(data)
        except OSError as exc:
            raise write_failure(self.path or "<stdout>", exc) from None

    def __enter__(self) -> AtomicOutput:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        name = self._handle.name
        try:
            self._handle.close()
        except OSError as closing:  # the last buffered bytes did not fit
            discard(name)
            if exc_type is None:
                raise write_failure(self.path or "<stdout>", closing) from None
            return
        if exc_type is not None:
            discard(name)
            return
        if self.path is None:
            try:
                with open(name, "rb") as spooled:
                    shutil.copyfileobj(spooled, sys.stdout.buffer)
                sys.stdout.buffer.flush()
            finally:
                os.unlink(name)
        else:
            publish(name, self.path)


class OutputGroup:
    """Files that appear together or not at all: :meth:`write` puts each whole text in
    a temporary file beside its target (closed at once, so a group may be large), and
    the files are moved into place when the block succeeds; when it fails or is
    interrupted (with :func:`zhnorm.io.outputs.signals_unwind`, also by SIGTERM), the
    temporary files are removed and no target is touched."""

    def __init__(self) -> None:
        self._pending: list[tuple[str, str]] = []  # (temporary file, target)

    def write(self, path: str, text: str, *, encoding: str = "utf-8") -> None:
        directory = os.path.dirname(os.path.abspath(path))
        fd, temp = tempfile.mkstemp(prefix=temp_prefix(), suffix=".partial", dir=directory)
        self._pending.append((temp, path))
        try:
            with open(fd, "w", encoding=encoding, errors="surrogatepass", newline="") as out:
                out.write(text)
        except OSError as exc:
            raise write_failure(path, exc) from None

    def __enter__(self) -> OutputGroup:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        pending, self._pending = self._pending, []
        if exc_type is None:
            for temp, path in pending:
                publish(temp, path)
            return
        for temp, _ in pending:
            discard(temp)


def discard(path: str) -> None:
    """Remove the file ``path`` if it is there."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def publish(temp: str, path: str) -> None:
    """Give a finished temporary file the usual permissions and move it into place."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temp, 0o666 & ~umask)
    os.replace(temp, path)


_SURROGATE = re.compile("[\ud800-\udfff]")
_ENCODER = json.JSONEncoder(ensure_ascii=False)
"""``json.dumps(..., ensure_ascii=False)`` without building an encoder for every line."""
_encode_string = encode_basestring  # what _ENCODER.encode does with a str


def dumps_record(record: dict[str, Any]) -> str:
    r"""One JSONL line (UTF-8 as it is, line break included).  A lone surrogate (read
    from a ``\udXXX`` escape) is written as that escape again, so the line stays valid
    UTF-8 and reads back as the same record.

    >>> print(dumps_record({"text": "头" + chr(0xD800)}), end="")
    {"text": "头\ud800"}
    """
    return dumps_value(record) + "\n"


def dumps_strings(values: list[str]) -> list[str]:
    """:func:`dumps_value` of each string of ``values`` (the same text), for writers of
    many short fields: one C encoder call per string and one surrogate scan per batch.

    >>> dumps_strings(["doc1", 'a"b', "头" + chr(0xD800)])
    ['"doc1"', '"a\\\\"b"', '"头\\\\ud800"']
    """
    encoded = [_encode_string(value) for value in values]
    if _SURROGATE.search("".join(encoded)):
        encoded = [dumps_value(value) for value in values]
    return encoded


def dumps_value(value: Any) -> str:
    """One JSON value as :func:`dumps_record` writes it inside a record (for writers
    that lay out a fixed record themselves, e.g. one line per document of ``dedup``).

    >>> dumps_value("头" + chr(0xD800)), dumps_value(None), dumps_value(0.5)
    ('"头\\\\ud800"', 'null', '0.5')
    """
    line = _ENCODER.encode(value)
    if _SURROGATE.search(line):
        line = _SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", line)
    return line
