"""``zhnorm.workers``: results in input order, whatever the pool does."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
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


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_reuse_on_two_workers_stopped_by_a_signal_to_its_group_exits(
    tmp_path: Path, signum: int
) -> None:
    """A terminal's Ctrl-C or a supervisor's SIGTERM reaches the workers too: the run
    still ends with 128 + signal, one line, no traceback, nothing half-written.  It hung
    at exit when the workers died of the signal (:func:`zhnorm.workers.process_pool`).
    Where the signal lands varies; the timeout only bounds a hang."""
    rng = random.Random(signum)
    pool = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动"
    corpus = tmp_path / "in.jsonl"
    with corpus.open("w", encoding="utf-8") as out:
        for n in range(30000):
            text = "".join(rng.choice(pool) for _ in range(rng.randint(60, 200)))
            out.write(json.dumps({"id": f"d{n}", "text": text, "source": f"s{n % 3}"}) + "\n")
    env = {**os.environ, "PYTHONPATH": str(Path(zhnorm.__file__).parents[1])}
    command = [sys.executable, "-m", "zhnorm", "reuse", str(corpus), "--source-field", "source"]
    command += ["-o", str(tmp_path / "out.jsonl"), "-j", "2"]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, start_new_session=True)
    time.sleep(4)
    os.killpg(process.pid, signum)
    _, stderr = process.communicate(timeout=120)
    if process.returncode == 0:  # finished before the signal: nothing to check
        return
    assert process.returncode == 128 + signum
    assert b"Traceback" not in stderr, stderr[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]
