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

import multiprocessing
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
    """A pool of ``workers`` processes of the default start method (use it in ``with``)."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(),
        initializer=initializer,
        initargs=initargs,
    )


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
