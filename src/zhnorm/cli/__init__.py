"""The ``zhnorm`` command line: a thin shell over the library.

:mod:`._base` holds the group, the shared input/output options and the conversion and
repair commands; each further capability registers its commands from its own module.
"""

from __future__ import annotations

from ._base import main
from .dedup import dedup
from .reuse import reuse_command as _reuse  # noqa: F401  (paragraphs, reuse, align)
from .run import run as _run  # noqa: F401  (registers `zhnorm run`)

main.add_command(dedup)

__all__ = ["main"]
