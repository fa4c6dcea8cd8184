"""Where zhnorm caches what it derives from its data files (conversion tries, the
repair lexicon, character tables built from the codecs): the one rule every cache
follows."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable

__all__ = ["cache_dir", "cached_strings"]


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
    try:
        os.makedirs(root, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=root, delete=False, suffix=".partial"
        ) as partial:
            json.dump(table, partial, ensure_ascii=False)
        os.replace(partial.name, path)
    except OSError:
        pass
    return table
