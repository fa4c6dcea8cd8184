"""Progress and the ``zhnorm`` logger: what a long run says while it works.

Every phase of a run (reading and sketching, candidates, verification, writing ...) is a
:class:`Progress`, used as a context manager or closed explicitly:

* on a terminal, a progress bar (tqdm) with the count, the rate and - when the total is
  known - the share done and the time left;
* when stderr is not a terminal (a log file, a scheduler), a plain line on the
  ``zhnorm`` logger every :func:`period` seconds (``ZHNORM_PROGRESS_SECONDS``, default
  30), with the same numbers;
* for a phase without a count (``unit=None``: furniture, stories ...), a line on the
  ``zhnorm`` logger every :func:`period` seconds saying it is still running and for how
  long, so that a phase of many minutes is never silent;
* always, a debug message when the phase starts and an info message when it ends (its
  count and seconds), and a record in :func:`finished_phases` (``zhnorm --stats FILE``).

The library only logs: it installs no handler beyond a ``NullHandler``, so messages go
where the application's logging configuration sends them.  The command line sends them to
stderr (``-v`` for debug, ``-q`` for warnings only; ``-q`` also hides the bars).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from dataclasses import asdict, dataclass
from types import TracebackType
from typing import IO, Any

__all__ = ["Progress", "finished_phases", "logger", "period", "reset_phases", "set_silent"]

logger = logging.getLogger("zhnorm")
logger.addHandler(logging.NullHandler())

_SILENT = False


def set_silent(silent: bool) -> None:
    """Hide every progress bar of this process (the command line's ``-q``)."""
    global _SILENT
    _SILENT = silent


@dataclass
class _Phase:
    phase: str
    count: int | None
    unit: str | None
    seconds: float


_PHASES: list[_Phase] = []


def finished_phases() -> list[dict[str, Any]]:
    """The phases finished in this process since :func:`reset_phases`, in order:
    ``{"phase", "count", "unit", "seconds"}`` each."""
    return [asdict(p) for p in _PHASES]


def reset_phases() -> None:
    _PHASES.clear()


def period() -> float:
    """Seconds between progress lines when stderr is not a terminal."""
    try:
        return max(0.0, float(os.environ.get("ZHNORM_PROGRESS_SECONDS", "30")))
    except ValueError:
        return 30.0


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


class Progress:
    """One phase of a run (module docstring).  ``label`` names it (``zhnorm dedup:
    sketching``); ``total`` is the count expected, when known; ``unit=None`` makes a
    phase without a count (its start, end and duration are told, and every
    :func:`period` seconds that it is still running); ``quiet`` hides the bar and the
    periodic lines, not the log messages."""

    def __init__(
        self,
        label: str,
        *,
        total: int | None = None,
        unit: str | None = "docs",
        quiet: bool = False,
        stream: IO[str] | None = None,
    ) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.count = 0
        self.stream = stream or sys.stderr
        shown = not quiet and not _SILENT and unit is not None
        self._bar: Any = None
        self._periodic = False
        if shown and self.stream.isatty():
            from tqdm import tqdm

            self._bar = tqdm(
                total=total,
                desc=label,
                unit=f" {unit}",
                file=self.stream,
                leave=False,
                dynamic_ncols=True,
                mininterval=0.5,
            )
        elif shown:
            self._periodic = True
        self._started = self._told = time.monotonic()
        self._closed = False
        self._ended = threading.Event()
        self._heartbeat: threading.Thread | None = None
        if not quiet and not _SILENT and unit is None and period() > 0:
            self._heartbeat = threading.Thread(target=self._still_running, daemon=True)
            self._heartbeat.start()
        expected = f" ({total:,} {unit})" if total is not None and unit else ""
        logger.debug("%s: started%s", label, expected)

    def update(self, n: int = 1) -> None:
        self.count += n
        if self._bar is not None:
            self._bar.update(n)
        elif self._periodic:
            now = time.monotonic()
            if now - self._told >= period():
                self._told = now
                logger.info("%s", self._line(now))

    def _line(self, now: float) -> str:
        elapsed = max(now - self._started, 1e-9)
        rate = self.count / elapsed
        line = f"{self.label}: {self.count:,}"
        if self.total:
            left = (self.total - self.count) / rate if rate > 0 else None
            line += f"/{self.total:,} {self.unit} ({self.count / self.total:.0%})"
            line += (
                f", {rate:,.0f} {self.unit}/s, ETA {_duration(left) if left is not None else '?'}"
            )
            return line
        return f"{line} {self.unit}, {rate:,.0f} {self.unit}/s"

    def _still_running(self) -> None:
        while not self._ended.wait(period()):
            elapsed = time.monotonic() - self._started
            logger.info("%s: running, %s so far", self.label, _duration(elapsed))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._ended.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
        if self._bar is not None:
            self._bar.close()
        seconds = time.monotonic() - self._started
        counted = self.unit is not None
        _PHASES.append(
            _Phase(self.label, self.count if counted else None, self.unit, round(seconds, 3))
        )
        what = f"{self.count:,} {self.unit} in " if counted else "done in "
        logger.info("%s: %s%.1f s", self.label, what, seconds)

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
