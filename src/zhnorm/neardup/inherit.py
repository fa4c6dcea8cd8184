"""Values handed to forked child processes by inheritance instead of through a pipe.

A value registered with :func:`handed_down` is found again by :func:`inherited`, in
this process and in any process forked while it is registered (a process pool forks its
children at its first task), without ever being pickled.  Only where the pool's
processes are forked: callers check :func:`zhnorm.workers.forks`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["handed_down", "inherited"]

_VALUES: dict[int, Any] = {}
_TOKENS = itertools.count()


@contextmanager
def handed_down(value: object) -> Iterator[int]:
    """Register ``value`` for the duration of the block; yields its token."""
    token = next(_TOKENS)
    _VALUES[token] = value
    try:
        yield token
    finally:
        del _VALUES[token]


def inherited(token: int) -> Any:
    """The value registered under ``token`` (in a forked child: as it was at the fork)."""
    return _VALUES[token]
