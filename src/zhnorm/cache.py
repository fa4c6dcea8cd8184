"""Where zhnorm caches what it derives from its data files (conversion tries, the
repair lexicon): the one rule every cache follows."""

from __future__ import annotations

import os

__all__ = ["cache_dir"]


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
