"""Worker processes: the one way zhnorm runs work on ``workers`` processes.

* :func:`process_pool` - a process pool of the default start method, optionally with an
  initializer (state a worker sets up once instead of receiving it with every task).
* :func:`forks` - whether pool workers are forked, so they inherit this process's
  memory (:mod:`zhnorm.neardup.inherit` relies on it).
* :func:`map_ordered` - ``func`` over items, results in input order, in chunks.
* :func:`imap_ordered` - ``func`` over a stream of items on a given pool, lazily,
  results in input order, with a bounded number of calls in flight.

Results never depend on ``workers``: a pool only changes where the work runs.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any, TypeVar

__all__ = ["forks", "imap_ordered", "map_ordered", "process_pool"]

T = TypeVar("T")
R = TypeVar("R")


def forks() -> bool:
    """Whether :func:`process_pool` workers are forked from this process."""
    return multiprocessing.get_context().get_start_method() == "fork"


def process_pool(
    workers: int,
    *,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes of the default start method (use it in ``with``).
    The workers ignore SIGINT and SIGTERM, and on Linux die with this process: a Ctrl-C
    or a SIGTERM sent to the whole process group is this process's to handle, and a
    ``with`` block left by it (or by any error) cancels the calls not yet started and
    waits for the running ones only.  A worker killed by a signal in the middle of
    sending its result would leave Python 3.11's pool waiting for the rest of it, and
    the interpreter's exit waiting for the pool, for ever (CPython gh-107219 is one of
    the ways)."""
    return _Pool(
        max_workers=workers,
        mp_context=multiprocessing.get_context(),
        initializer=_start_worker,
        initargs=(initializer, initargs),
    )


class _Pool(ProcessPoolExecutor):
    """A process pool whose ``with`` block, left by an exception, cancels the calls not
    yet started instead of running them."""

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool | None:
        self.shutdown(wait=True, cancel_futures=exc_type is not None)
        return None


_PR_SET_PDEATHSIG = 1
"""Linux ``prctl`` option: the signal a process gets when its parent dies."""


def _start_worker(initializer: Callable[..., object] | None, initargs: tuple[Any, ...]) -> None:
    """A pool worker's start (:func:`process_pool`), then the caller's ``initializer``."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        parent = os.getppid()
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the call
            os._exit(1)
    if initializer is not None:
        initializer(*initargs)


def map_ordered(
    func: Callable[[T], R], items: Iterable[T], workers: int, *, chunks_per_worker: int = 4
) -> list[R]:
    """``[func(item) for item in items]``, on ``workers`` processes when ``workers > 1``
    and there are at least two items (``func`` must pickle), in ``workers *
    chunks_per_worker`` chunks.

    >>> map_ordered(abs, [-2, 3, -4], workers=1)
    [2, 3, 4]
    """
    listed: Sequence[T] = items if isinstance(items, Sequence) else list(items)
    if workers <= 1 or len(listed) < 2:
        return [func(item) for item in listed]
    chunk = max(1, len(listed) // (workers * chunks_per_worker))
    with process_pool(workers) as pool:
        return list(pool.map(func, listed, chunksize=chunk))


def imap_ordered(
    func: Callable[[T], R], items: Iterable[T], pool: Executor | None, *, window: int
) -> Iterator[R]:
    """``func(item)`` for each of ``items``, lazily, in input order.

    With a ``pool`` the calls run there (``func`` and the items must pickle), and at
    most ``window`` (at least 1) are submitted and not yet yielded, so a long stream of
    items keeps memory bounded; the items are read only as far ahead as that.  With
    ``None`` each call runs here, when its result is asked for.  Calls not yet started
    are cancelled when the iteration stops early.

    >>> list(imap_ordered(abs, iter([-2, 3, -4]), None, window=2))
    [2, 3, 4]
    """
    if pool is None:
        yield from map(func, items)
        return
    pending: deque[Future[R]] = deque()
    try:
        for item in items:
            pending.append(pool.submit(func, item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
