"""Where zhnorm caches what it derives from its data files (conversion tries, the
language model of the repair, character tables built from the codecs): the one rule every cache
follows."""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "cache_dir",
    "cached_strings",
    "read_arrays_file",
    "stamped_cache_file",
    "write_arrays_file",
    "write_cache_file",
]


def cache_dir() -> str | None:
    """The cache folder: ``ZHNORM_CACHE_DIR`` when set (empty disables caching: ``None``),
    else ``zhnorm`` under ``XDG_CACHE_HOME`` or ``~/.cache``.  It may not exist yet."""
    root = os.environ.get("ZHNORM_CACHE_DIR")
    if root == "":
        return None
    if root is None:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(xdg, "zhnorm")
    return root


def _stamps(sources: Iterable[str]) -> list[str]:
    """Each source's path, size and modification time (a source that cannot be read is
    left out): what a table derived from files is keyed by."""
    stamps = []
    for source in sources:
        try:
            info = os.stat(source)
        except OSError:
            continue
        stamps.append(f"{source}:{info.st_size}:{info.st_mtime_ns}")
    return stamps


def stamped_cache_file(name: str, magic: str, sources: Iterable[str], suffix: str) -> Path | None:
    """Where a table derived from the files ``sources`` is cached: ``NAME-DIGEST.SUFFIX``
    in :func:`cache_dir`, the digest of ``magic`` (the table's format) and each source's
    path, size and modification time, so a changed source builds a new table; ``None``
    when caching is off."""
    root = cache_dir()
    if root is None:
        return None
    digest = hashlib.sha256("|".join([magic, *_stamps(sources)]).encode()).hexdigest()[:32]
    return Path(root) / f"{name}-{digest}.{suffix}"


STALE_DAYS = 30
"""A cache file of the same kind as one being written (same name before its digest) that
nobody has read or written for this many days is removed: each new version of a source
(an upgrade, another environment) writes new files, and nothing else would remove the old."""


def write_cache_file(
    path: Path, write: Callable[[IO[Any]], object], *, binary: bool = False
) -> None:
    """Write a cache file atomically with ``write(handle)`` (text, UTF-8, unless
    ``binary``), then remove stale files of its kind (:data:`STALE_DAYS`); a cache folder
    that cannot be written only costs a rebuild next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = "wb" if binary else "w"
        encoding = None if binary else "utf-8"
        with tempfile.NamedTemporaryFile(
            mode, encoding=encoding, dir=path.parent, delete=False, suffix=".partial"
        ) as handle:
            write(handle)
        os.replace(handle.name, path)
    except OSError:
        return
    _remove_stale(path)


def _remove_stale(path: Path) -> None:
    """Remove the files ``NAME-*`` beside ``path`` (``NAME-DIGEST.SUFFIX``) last read or
    written (access or modification time) more than :data:`STALE_DAYS` ago."""
    name = path.name.rpartition("-")[0]
    if not name:
        return
    oldest = time.time() - STALE_DAYS * 86400
    for other in path.parent.glob(f"{name}-*"):
        try:
            info = other.stat()
            if other != path and max(info.st_atime, info.st_mtime) < oldest:
                other.unlink()
        except OSError:
            continue


def cached_strings(
    name: str, inputs: str, build: Callable[[], list[str]], sources: Iterable[str] = ()
) -> list[str]:
    """``build()``, read from the cache folder when an earlier process stored it.

    For tables derived from Python itself (the codecs, ``unicodedata``) and from small
    data files: the file is keyed by ``name``, ``inputs`` (everything else the table
    depends on, e.g. the repr of the byte ranges it decodes), the interpreter's version
    and the ``sources`` files' stamps (as :func:`stamped_cache_file`), so a new Python,
    new ranges or a changed file build a new table.  A missing, unreadable or malformed
    file is rebuilt; a cache folder that cannot be written only costs the rebuild next
    time.
    """
    root = cache_dir()
    if root is None:
        return build()
    stamp = "|".join([name, inputs, sys.version, *_stamps(sources)]).encode()
    path = os.path.join(root, f"{name}-{hashlib.sha256(stamp).hexdigest()[:32]}.json")
    try:
        with open(path, encoding="utf-8") as handle:
            stored = json.load(handle)
        if isinstance(stored, list) and all(isinstance(item, str) for item in stored):
            return stored
    except (OSError, ValueError):
        pass
    table = build()
    write_cache_file(Path(path), lambda handle: json.dump(table, handle, ensure_ascii=False))
    return table


_ARRAYS_MAGIC = b"ZHNARRAYS1\n"
_ALIGN = 8


def write_arrays_file(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Cache numpy arrays in one file (atomically, like :func:`write_cache_file`): a
    magic line, a JSON line of each array's name, dtype and length, then their bytes,
    each at a multiple of 8 bytes from the start, so :func:`read_arrays_file` maps
    them instead of reading and copying them."""
    header = json.dumps([[name, a.dtype.str, len(a)] for name, a in arrays.items()])
    head = _ARRAYS_MAGIC + header.encode() + b"\n"

    def write(handle: IO[bytes]) -> None:
        handle.write(head)
        at = len(head)
        for array in arrays.values():
            pad = -at % _ALIGN
            handle.write(b"\0" * pad)
            data = array.tobytes()
            handle.write(data)
            at += pad + len(data)

    write_cache_file(path, write, binary=True)


def read_arrays_file(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays :func:`write_arrays_file` stored, read-only views of the file mapped
    into memory (pages are read as they are used, and processes share them); ``None``
    when the file is missing, unreadable or malformed."""
    import numpy as np

    try:
        with open(path, "rb") as handle:
            if handle.readline() != _ARRAYS_MAGIC:
                return None
            header = json.loads(handle.readline())
            at = handle.tell()
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        arrays: dict[str, np.ndarray] = {}
        for name, dtype, length in header:
            at += -at % _ALIGN
            kind = np.dtype(dtype)
            if at + kind.itemsize * length > len(data):
                return None
            arrays[name] = (
                np.frombuffer(data, dtype=kind, count=length, offset=at)
                if length
                else np.empty(0, dtype=kind)
            )
            at += kind.itemsize * length
    except (OSError, ValueError, TypeError):
        return None
    return arrays
