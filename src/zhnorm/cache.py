"""Where zhnorm caches what it derives from its data files (conversion tries, the
language model of the repair, character tables built from the codecs): the one rule every cache
follows."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

__all__ = ["cache_dir", "cached_strings", "stamped_cache_file", "write_cache_file"]


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


def stamped_cache_file(name: str, magic: str, sources: Iterable[str], suffix: str) -> Path | None:
    """Where a table derived from the files ``sources`` is cached: ``NAME-DIGEST.SUFFIX``
    in :func:`cache_dir`, the digest of ``magic`` (the table's format) and each source's
    path, size and modification time (a source that cannot be read is left out), so a
    changed source builds a new table; ``None`` when caching is off."""
    root = cache_dir()
    if root is None:
        return None
    stamp = [magic]
    for source in sources:
        try:
            info = os.stat(source)
        except OSError:
            continue
        stamp.append(f"{source}:{info.st_size}:{info.st_mtime_ns}")
    digest = hashlib.sha256("|".join(stamp).encode()).hexdigest()[:32]
    return Path(root) / f"{name}-{digest}.{suffix}"


def write_cache_file(
    path: Path, write: Callable[[IO[Any]], object], *, binary: bool = False
) -> None:
    """Write a cache file atomically with ``write(handle)`` (text, UTF-8, unless
    ``binary``); a cache folder that cannot be written only costs a rebuild next time."""
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
        pass


def cached_strings(name: str, inputs: str, build: Callable[[], list[str]]) -> list[str]:
    """``build()``, read from the cache folder when an earlier process stored it.

    For tables derived from Python itself (the codecs, ``unicodedata``): the file is
    keyed by ``name``, ``inputs`` (everything the table depends on, e.g. the repr of
    the byte ranges it decodes) and the interpreter's version, so a new Python or new
    ranges build a new table.  A missing, unreadable or malformed file is rebuilt; a
    cache folder that cannot be written only costs the rebuild next time.
    """
    root = cache_dir()
    if root is None:
        return build()
    stamp = f"{name}|{inputs}|{sys.version}".encode()
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
