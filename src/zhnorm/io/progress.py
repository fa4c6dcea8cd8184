"""Progress: documents per second on a terminal."""

from __future__ import annotations

import sys
import time
from typing import IO

__all__ = ["Progress"]


class Progress:
    """``label: N docs, R docs/s`` on stderr, refreshed twice a second, only when
    stderr is a terminal and not ``quiet``."""

    def __init__(self, label: str, *, quiet: bool = False, stream: IO[str] | None = None):
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = not quiet and self.stream.isatty()
        self.count = 0
        self._started = self._shown = time.monotonic()

    def update(self, n: int = 1) -> None:
        self.count += n
        now = time.monotonic()
        if self.enabled and now - self._shown >= 0.5:
            self._shown = now
            self._show(now)

    def _show(self, now: float) -> None:
        rate = self.count / max(now - self._started, 1e-9)
        self.stream.write(f"\r{self.label}: {self.count} docs, {rate:,.0f} docs/s")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._show(time.monotonic())
            self.stream.write("\n")
