"""The ``zhnorm`` command line: a thin shell over the library.

:mod:`._base` holds the group, the shared input/output options and the conversion and
repair commands; each further capability registers its commands from its own module.
"""

from __future__ import annotations

from ._base import main

__all__ = ["main"]
