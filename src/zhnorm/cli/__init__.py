"""The ``zhnorm`` command line: a thin shell over the library.

:mod:`.app` holds the group and registers every command; each command lives in its
own module (:mod:`.convert`, :mod:`.fix`, :mod:`.detect`, :mod:`.summary`,
:mod:`.dedup`, :mod:`.paragraphs`, :mod:`.reuse`, :mod:`.align`, :mod:`.run`) and the
options they share in :mod:`.options`.
"""

from __future__ import annotations

from .app import main

__all__ = ["main"]
