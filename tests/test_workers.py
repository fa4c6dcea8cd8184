"""``zhnorm.workers``: results in input order, whatever the pool does."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import zhnorm
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


STOPPED = textwrap.dedent(
    """
    import os, signal, time
    from zhnorm.workers import imap_ordered, process_pool

    def work(blob):
        time.sleep(0.2)
        return len(blob)

    def blobs():
        while True:
            yield b"x" * 4_000_000  # more than a pipe holds: the feeder thread blocks

    if __name__ == "__main__":
        try:
            with process_pool(2) as pool:
                results = imap_ordered(work, blobs(), pool, window=16)
                next(results)
                results.close()  # stopped early: the calls not yet started are cancelled
                for process in list(pool._processes.values()):
                    os.kill(process.pid, signal.SIGKILL)  # as a signal to the group does
                raise KeyboardInterrupt
        except KeyboardInterrupt:
            print("unwound")
    """
)


def test_a_pool_left_by_a_signal_lets_the_process_exit(tmp_path: Path) -> None:
    """Workers killed after the pending calls were cancelled (what SIGTERM to the process
    group does to ``zhnorm reuse -j2``): the process unwinds and exits.  On Python 3.11
    a plain pool hangs here for ever (CPython gh-107219); the timeout only bounds a
    hang, it measures nothing."""
    script = tmp_path / "stopped.py"
    script.write_text(STOPPED, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(zhnorm.__file__).parents[1])}
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, timeout=120, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, b"unwound"), done.stderr[-2000:]
