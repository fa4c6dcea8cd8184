"""The ``zhnorm`` command line: a thin shell over the library.

:mod:`._base` holds the group, the shared input/output options and the conversion and
repair commands; each further capability registers its commands on the group from its
own module, imported here.
"""

from __future__ import annotations

from . import dedup, reuse, run  # noqa: F401  (register dedup; paragraphs, reuse, align; run)
from ._base import main

__all__ = ["main"]
