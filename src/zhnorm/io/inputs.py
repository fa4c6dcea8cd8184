"""What an input is: the kinds of file zhnorm reads, the codecs, directories, and the
raw lines of a JSONL input.

* :func:`input_kind` says how a file is read from its name: JSONL (``.jsonl``,
  ``.json``, ``.ndjson``, each also compressed, see :data:`CODECS`), Parquet, a text
  document (``.txt``, also compressed), or a Spark/Hadoop ``part-*`` file (JSONL, also compressed);
  suffixes in any case.  Anything else is :class:`~zhnorm.io.files.InputError`,
  never a skip.
* :func:`input_files` expands the inputs: a directory is read recursively, sorted by
  path, ignoring hidden and ``_``-prefixed names (``_SUCCESS``, ``.part-0.crc``) as
  Hadoop does.
* :func:`text_inputs` is the plain-text side (``convert``, ``fix``, ``detect``): each
  file a document, decompressed, a directory's ``.txt`` files recursively, decoded in
  the encoding asked for (:mod:`.encodings`).
* :func:`jsonl_stream` opens a JSONL (or text) input, decompressing it and, in another
  encoding than UTF-8, recoding it to UTF-8; a truncated or corrupt compressed stream
  is an :class:`~zhnorm.io.files.InputError` naming the file, never a short read.
  :func:`raw_lines` numbers its lines and drops a leading UTF-8 BOM;
  :func:`range_lines` gives the lines of a byte range of a plain local file, so that
  processes can each read a part of one file.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import os
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal, cast

from .encodings import (
    AUTO,
    DEFAULT_ENCODING,
    announce,
    check_encoding,
    decode_failure,
    detect_encoding,
    failure_offset,
)
from .files import CHUNK_BYTES, InputError, open_input, optional_module, read_text_chunks
from .remote import is_remote, remote_listing

__all__ = [
    "BOM",
    "CODECS",
    "JSONL_SUFFIXES",
    "InputFile",
    "Kind",
    "input_files",
    "input_kind",
    "is_ignored",
    "jsonl_lines",
    "jsonl_stream",
    "range_line_spans",
    "range_lines",
    "raw_lines",
    "text_files",
    "text_inputs",
]

Kind = Literal["jsonl", "parquet", "txt"]

JSONL_SUFFIXES = (".jsonl", ".json", ".ndjson")
"""Names of JSONL files (before a codec suffix)."""

CODECS = {".gz": "gzip", ".zst": "zstd", ".bz2": "bzip2", ".xz": "xz"}
"""Compressed JSONL: the suffix and the codec's name."""

PARQUET_SUFFIX = ".parquet"
TEXT_SUFFIX = ".txt"
PART_PREFIX = "part-"  # Spark/Hadoop output files: JSONL lines

_Failures = tuple[type[BaseException], ...]  # what a codec's reader raises on bad data

BOM = b"\xef\xbb\xbf"
"""The UTF-8 byte-order mark: a file signature, dropped from the start of an input."""

KINDS_READ = (
    f"JSONL ({', '.join(JSONL_SUFFIXES)}, also {', '.join(CODECS)}), {PARQUET_SUFFIX}, "
    f"{TEXT_SUFFIX} or Spark {PART_PREFIX}* files"
)


def codec_of(name: str) -> str | None:
    """The codec suffix ``name`` ends with (any case), or ``None``.

    >>> codec_of("a.JSONL.GZ"), codec_of("a.jsonl")
    ('.gz', None)
    """
    lower = name.lower()
    return next((suffix for suffix in CODECS if lower.endswith(suffix)), None)


def input_kind(name: str) -> Kind | None:
    """How a file called ``name`` is read, or ``None`` for a file zhnorm does not read.

    >>> names = ["a.NDJSON.xz", "b.parquet", "c.TXT", "c.txt.gz", "part-00001.gz", "d.csv"]
    >>> [input_kind(n) for n in names]
    ['jsonl', 'parquet', 'txt', 'txt', 'jsonl', None]
    """
    base = os.path.basename(name).lower()
    codec = codec_of(base)
    stem = base[: -len(codec)] if codec else base
    if stem.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if codec is None and stem.endswith(PARQUET_SUFFIX):
        return "parquet"
    if stem.endswith(TEXT_SUFFIX):
        return "txt"
    if stem.startswith(PART_PREFIX):
        return "jsonl"
    return None


def is_ignored(relative: str) -> bool:
    """Whether a file at ``relative`` (below an input directory) is skipped, as Hadoop
    skips it: some part of its path starts with ``.`` or ``_``."""
    return any(part.startswith((".", "_")) for part in relative.split("/"))


@dataclass(frozen=True)
class InputFile:
    """One file to read: its ``path``, the ``name`` its records report (a text file in
    a directory: its path relative to the directory; otherwise its path) and its kind."""

    path: str
    name: str
    kind: Kind


def _unknown(path: str) -> InputError:
    return InputError(f"{path}: not a file zhnorm reads (it reads {KINDS_READ})")


def input_files(paths: Iterable[str]) -> Iterator[InputFile]:
    """The files of ``paths`` in order (``-`` is stdin, JSONL); a directory's files
    recursively, sorted by path, hidden and ``_``-prefixed ones ignored.  A file of an
    unknown kind is an :class:`InputError` naming it, raised before the directory's
    first file is handed on."""
    for path in paths:
        if path == "-":
            yield InputFile(path, "<stdin>", "jsonl")
        elif is_remote(path):
            yield from _remote_files(path)
        elif os.path.isdir(path):
            yield from _directory_files(path)
        else:
            kind = input_kind(path)
            if kind is None and not os.path.exists(path):
                raise InputError(f"{path}: cannot open: No such file or directory")
            if kind is None:
                raise _unknown(path)
            yield InputFile(path, path, kind)


def _remote_files(path: str) -> list[InputFile]:
    """A remote file, or a remote directory's files as :func:`_directory_files` lists a
    local one."""
    is_dir, listing = remote_listing(path)
    if not is_dir:
        kind = input_kind(path)
        if kind is None:
            raise _unknown(path)
        return [InputFile(path, path, kind)]
    found = []
    for url, relative in listing:
        if is_ignored(relative):
            continue
        kind = input_kind(relative)
        if kind is None:
            raise _unknown(url)
        shown = relative if kind == "txt" else f"{path.rstrip('/')}/{relative}"
        found.append(InputFile(url, shown, kind))
    return found


def _directory_files(root: str) -> list[InputFile]:
    found: list[tuple[Path, InputFile]] = []
    base = Path(root)
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith((".", "_"))]
        for name in names:
            file = Path(folder, name)
            relative = file.relative_to(base).as_posix()
            if is_ignored(relative):
                continue
            kind = input_kind(name)
            if kind is None:
                raise _unknown(str(file))
            shown = relative if kind == "txt" else f"{root.rstrip('/')}/{relative}"
            found.append((file.relative_to(base), InputFile(str(file), shown, kind)))
    return [item for _, item in sorted(found, key=lambda pair: pair[0])]


def text_files(paths: Iterable[str]) -> Iterator[InputFile]:
    """The documents of ``paths`` read as plain text (``-`` is stdin): a file given by
    name is one document whatever its name (decompressed by its codec suffix), a
    directory's ``.txt`` files (also compressed) are one each, recursively as
    :func:`input_files` lists them; Parquet and a directory's other files are
    :class:`InputError` (they hold records)."""
    for path in paths:
        if path == "-":
            yield InputFile(path, "<stdin>", "txt")
        elif (is_remote(path) and remote_listing(path)[0]) or os.path.isdir(path):
            files = _remote_files(path) if is_remote(path) else _directory_files(path)
            for file in files:
                if file.kind != "txt":
                    raise _records_in_text_mode(file.path)
            yield from files
        elif input_kind(path) == "parquet":
            raise _records_in_text_mode(path)
        else:
            yield InputFile(path, path, "txt")


def _records_in_text_mode(path: str) -> InputError:
    return InputError(f"{path}: holds records, not one text: read it with --jsonl")


def text_inputs(
    paths: Sequence[str], errors: str = "strict", *, encoding: str = DEFAULT_ENCODING
) -> Iterator[tuple[str, Iterator[str]]]:
    """``(display name, decoded chunks)`` of each document of :func:`text_files` in
    turn (stdin when there are no ``paths``), decoded in ``encoding`` as
    :func:`~zhnorm.io.files.read_text_chunks` does; each file is closed once the next
    one is asked for."""
    check_encoding(encoding)
    for file in text_files(paths or ("-",)):
        name, stream = jsonl_stream(file.path, file.name)
        try:
            yield name, read_text_chunks(stream, name, errors=errors, encoding=encoding)
        finally:
            if file.path != "-":
                stream.close()


# --- compressed streams ---------------------------------------------------------------


class _ZstdReader(io.RawIOBase):
    """Zstandard frames, one after another; the input ending inside a frame raises
    :class:`EOFError` (the ``zstandard`` stream reader stops there without a word)."""

    def __init__(self, raw: BinaryIO, zstandard: Any) -> None:
        self._raw = raw
        self._new = zstandard.ZstdDecompressor().decompressobj
        self._decoder = self._new()
        self._pending = b""
        self._offset = 0  # of the first byte of _pending not handed out yet
        self._started = False  # bytes of the current frame have been read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._offset == len(self._pending):
            block = self._raw.read(1 << 16)
            if not block:
                if self._started and not self._decoder.eof:
                    raise EOFError("the input ends inside a zstd frame")
                return 0
            self._pending, self._offset = self._feed(block), 0
        size = min(len(buffer), len(self._pending) - self._offset)
        buffer[:size] = memoryview(self._pending)[self._offset : self._offset + size]
        self._offset += size
        return size

    def _feed(self, block: bytes) -> bytes:
        out = []
        while block:
            if self._decoder.eof:
                self._decoder = self._new()
            self._started = True
            out.append(self._decoder.decompress(block))
            block = self._decoder.unused_data if self._decoder.eof else b""
        return b"".join(out)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _Checked(io.RawIOBase):
    """A decompressed stream whose failures are :class:`InputError` naming the file:
    a truncated stream is never a short, clean end, and an empty file (which holds no
    stream at all; gzip and zstd readers take it for an empty one) is truncated too."""

    def __init__(
        self, inner: BinaryIO, raw: BinaryIO, name: str, codec: str, errors: _Failures
    ) -> None:
        self._inner = inner
        self._raw = raw
        self._name = name
        self._codec = codec
        self._errors = errors

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            size = cast(int, self._inner.readinto(buffer))  # type: ignore[attr-defined]
        except EOFError as exc:
            raise self._truncated(str(exc)) from None
        except self._errors as exc:
            raise InputError(
                f"{self._name}: cannot decompress: corrupt {self._codec} stream ({exc})"
            ) from None
        if size == 0 and self._at_start():
            raise self._truncated("the file is empty")
        return size

    def _at_start(self) -> bool:
        try:
            return self._raw.tell() == 0
        except OSError:  # a pipe: its size is unknown
            return False

    def _truncated(self, detail: str) -> InputError:
        size = os.fstat(self._raw.fileno()).st_size
        return InputError(
            f"{self._name}: cannot decompress: truncated {self._codec} stream, the file "
            f"ends at byte {size} ({detail})"
        )

    def close(self) -> None:
        self._inner.close()
        self._raw.close()
        super().close()


def _codec_reader(path: str, stream: BinaryIO, codec: str) -> tuple[BinaryIO, _Failures]:
    """The decompressing reader of ``stream`` and the exceptions it fails with."""
    if codec == ".gz":
        return cast(BinaryIO, gzip.GzipFile(fileobj=stream)), (OSError, zlib.error)
    if codec == ".bz2":
        return cast(BinaryIO, bz2.BZ2File(stream)), (OSError,)
    if codec == ".xz":
        return cast(BinaryIO, lzma.LZMAFile(stream)), (OSError, lzma.LZMAError)
    zstandard = optional_module("zstandard", "zstd", f"{path}: reading .zst")
    return cast(BinaryIO, _ZstdReader(stream, zstandard)), (OSError, zstandard.ZstdError)


class _Recoded(io.RawIOBase):
    """The UTF-8 bytes of a stream in another encoding, so that its lines split as in
    UTF-8.  Read as ``utf-8`` (``auto`` found it), undecodable bytes pass through as
    they are, for the line reader to reject; otherwise they are an
    :class:`InputError` naming the file and the byte offset (or, with
    ``errors="replace"``, U+FFFD)."""

    def __init__(self, raw: BinaryIO, name: str, encoding: str, errors: str, head: bytes) -> None:
        self._raw = raw
        self._name = name
        self._encoding = encoding
        passing = encoding == "utf-8"
        self._decoder = codecs.getincrementaldecoder(encoding)(
            "surrogateescape" if passing else errors
        )
        self._encode_errors = "surrogateescape" if passing else "surrogatepass"
        self._head = head
        self._consumed = 0
        self._pending = b""
        self._offset = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._offset == len(self._pending):
            if self._done:
                return 0
            block, self._head = self._head or self._raw.read(1 << 16), b""
            waiting, first = self._decoder.getstate()
            try:
                text = self._decoder.decode(block, final=not block)
            except UnicodeError as exc:  # UnicodeDecodeError, or UTF-16 without its BOM
                data, at_start = waiting + block, self._consumed == 0 or bool(first)
                at = failure_offset(exc, self._encoding, data, at_start)
                offset = self._consumed - len(waiting) + at
                raise InputError(decode_failure(self._name, self._encoding, offset, exc)) from None
            self._consumed += len(block)
            self._done = not block
            self._pending, self._offset = text.encode("utf-8", self._encode_errors), 0
        size = min(len(buffer), len(self._pending) - self._offset)
        buffer[:size] = memoryview(self._pending)[self._offset : self._offset + size]
        self._offset += size
        return size

    def close(self) -> None:
        self._raw.close()
        super().close()


def jsonl_stream(
    path: str,
    name: str | None = None,
    *,
    encoding: str = DEFAULT_ENCODING,
    errors: str = "strict",
) -> tuple[str, BinaryIO]:
    """``(display name, binary stream)`` of a JSONL (or text) input (``-``: stdin),
    decompressed on the fly when its name ends with a :data:`CODECS` suffix; in another
    ``encoding`` than UTF-8 (:mod:`.encodings`; ``auto`` detects it from the first
    block and says so on stderr) recoded to UTF-8 with ``errors``."""
    check_encoding(encoding)
    shown, stream = open_input(path)
    name = name or shown
    codec = codec_of(path) if path != "-" else None
    if codec is not None:
        inner, failures = _codec_reader(path, stream, codec)
        checked = _Checked(inner, stream, name, CODECS[codec], failures)
        stream = cast(BinaryIO, io.BufferedReader(checked))
    if encoding == DEFAULT_ENCODING:
        return name, stream
    head = b""
    if encoding == AUTO:
        head = stream.read(CHUNK_BYTES)
        encoding = detect_encoding(head, final=len(head) < CHUNK_BYTES)
        announce(name, encoding)
    recoded = _Recoded(stream, name, encoding, errors, head)
    return name, cast(BinaryIO, io.BufferedReader(recoded))


def raw_lines(stream: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """``(line number, raw line)`` of a JSONL stream, a UTF-8 BOM before the first line
    dropped (a file signature, not part of the first record)."""
    for lineno, raw in enumerate(stream, 1):
        yield lineno, raw[len(BOM) :] if lineno == 1 and raw.startswith(BOM) else raw


def jsonl_lines(path: str, name: str | None = None) -> Iterator[tuple[str, int, bytes]]:
    """``(name, line number, raw line)`` for every line of a JSONL file (also
    compressed), unparsed: how a second pass copies records it has already read."""
    shown, stream = jsonl_stream(path, name)
    try:
        for lineno, raw in raw_lines(stream):
            yield shown, lineno, raw
    finally:
        stream.close()


def range_lines(path: str, start: int, stop: int) -> Iterator[bytes]:
    """The raw lines of the plain local file ``path`` that start at a byte in ``[start,
    stop)`` (a line starts at byte 0 or after a ``\\n``), as :func:`raw_lines` sees them
    (a UTF-8 BOM at byte 0 dropped).  Ranges that cover the file one after another give
    each of its lines once, whatever bytes they split: a line (and any character in it)
    crossing ``stop`` belongs whole to the range it starts in."""
    for _, raw in range_line_spans(path, start, stop):
        yield raw


def range_line_spans(path: str, start: int, stop: int) -> Iterator[tuple[int, bytes]]:
    """:func:`range_lines` with the byte offset in the file at which each raw line
    begins (after the BOM for the first line of a file that has one)."""
    with open(path, "rb") as handle:
        at = start
        if start > 0:  # the line holding byte start - 1 ends the range before
            handle.seek(start - 1)
            at = start - 1 + len(handle.readline())
        first = at == 0
        while at < stop:
            raw = handle.readline()
            if not raw:
                return
            begins = at
            at += len(raw)
            if first:
                first = False
                if raw.startswith(BOM):
                    raw, begins = raw[len(BOM) :], begins + len(BOM)
            yield begins, raw
