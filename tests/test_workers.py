"""``zhnorm.workers``: results in input order, whatever the pool does."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from zhnorm.workers import imap_ordered, process_pool


def _late_square(n: int) -> int:
    time.sleep(0.01 * (n % 3))  # later items often finish first
    return n * n


@pytest.mark.parametrize("window", [1, 4])
def test_imap_ordered_keeps_order_and_reads_at_most_window_ahead(window: int) -> None:
    pulled = 0

    def items() -> Iterator[int]:
        nonlocal pulled
        for n in range(12):
            pulled += 1
            yield n

    results = []
    with process_pool(2) as pool:
        for done, result in enumerate(imap_ordered(_late_square, items(), pool, window=window)):
            assert pulled <= done + window
            results.append(result)
    assert results == [n * n for n in range(12)]


def test_imap_ordered_in_this_process_is_lazy() -> None:
    seen: list[int] = []

    def record(n: int) -> int:  # a closure: it never has to pickle here
        seen.append(n)
        return -n

    results = imap_ordered(record, range(3), None, window=1)
    assert seen == []
    assert next(results) == 0 and seen == [0]
    assert list(results) == [-1, -2]
