"""What an input is: the kinds of file zhnorm reads, the codecs, directories, and the
raw lines of a JSONL input.

* :func:`input_kind` says how a file is read from its name: JSONL (``.jsonl``,
  ``.json``, ``.ndjson``, each also compressed, see :data:`CODECS`), Parquet, a text
  document (``.txt``), or a Spark/Hadoop ``part-*`` file (JSONL, also compressed);
  suffixes in any case.  Anything else is :class:`~zhnorm.io.files.InputError`,
  never a skip.
* :func:`input_files` expands the inputs: a directory is read recursively, sorted by
  path, ignoring hidden and ``_``-prefixed names (``_SUCCESS``, ``.part-0.crc``) as
  Hadoop does.
* :func:`jsonl_stream` opens a JSONL input, decompressing it; a truncated or corrupt
  compressed stream is an :class:`~zhnorm.io.files.InputError` naming the file, never
  a short read.  :func:`raw_lines` numbers its lines and drops a leading UTF-8 BOM.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal, cast

from .files import InputError, open_input, optional_module

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
    "raw_lines",
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

    >>> [input_kind(n) for n in ["a.NDJSON.xz", "b.parquet", "c.TXT", "part-00001.gz", "d.csv"]]
    ['jsonl', 'parquet', 'txt', 'jsonl', None]
    """
    base = os.path.basename(name).lower()
    codec = codec_of(base)
    stem = base[: -len(codec)] if codec else base
    if stem.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if codec is None and stem.endswith(PARQUET_SUFFIX):
        return "parquet"
    if codec is None and stem.endswith(TEXT_SUFFIX):
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
        elif os.path.isdir(path):
            yield from _directory_files(path)
        else:
            kind = input_kind(path)
            if kind is None and not os.path.exists(path):
                raise InputError(f"{path}: cannot open: No such file or directory")
            if kind is None:
                raise _unknown(path)
            yield InputFile(path, path, kind)


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
    a truncated stream is never a short, clean end."""

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
            return cast(int, self._inner.readinto(buffer))  # type: ignore[attr-defined]
        except EOFError as exc:
            size = os.fstat(self._raw.fileno()).st_size
            raise InputError(
                f"{self._name}: cannot decompress: truncated {self._codec} stream, the file "
                f"ends at byte {size} ({exc})"
            ) from None
        except self._errors as exc:
            raise InputError(
                f"{self._name}: cannot decompress: corrupt {self._codec} stream ({exc})"
            ) from None

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


def jsonl_stream(path: str, name: str | None = None) -> tuple[str, BinaryIO]:
    """``(display name, binary stream)`` of a JSONL input (``-``: stdin), decompressed
    on the fly when its name ends with a :data:`CODECS` suffix."""
    shown, stream = open_input(path)
    name = name or shown
    codec = codec_of(path) if path != "-" else None
    if codec is None:
        return name, stream
    inner, errors = _codec_reader(path, stream, codec)
    checked = _Checked(inner, stream, name, CODECS[codec], errors)
    return name, cast(BinaryIO, io.BufferedReader(checked))


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
