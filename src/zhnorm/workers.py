"""Worker processes: the one way zhnorm runs work on ``workers`` processes.

* :func:`process_pool` - a process pool of the default start method, optionally with an
  initializer (state a worker sets up once instead of receiving it with every task).
* :func:`forks` - whether pool workers are forked, so they inherit this process's
  memory (:mod:`zhnorm.neardup.inherit` relies on it).
* :func:`map_ordered` - ``func`` over items, results in input order, in chunks.

Results never depend on ``workers``: a pool only changes where the work runs.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

__all__ = ["forks", "map_ordered", "process_pool"]

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
