"""Value types shared by every fixer: an :class:`Edit` is one explainable change."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

__all__ = ["Edit", "LazyPattern", "apply_edits", "edit_span"]

edit_span = attrgetter("start", "end")
"""Sort key of edits: by start, then end."""


@dataclass(frozen=True, init=False)
class Edit:
    """Replace ``original == text[start:end]`` with ``replacement``.

    Offsets are code-point offsets into the text the fixer was given.  ``reason`` says
    why in words; ``detail`` holds JSON-serialisable facts needed to explain or replay
    the edit (codec pair, pinyin syllable, restored byte, ...).  ``lossy`` is set when
    the edit could not restore everything (a character is marked unrecoverable).
    """

    start: int
    end: int
    original: str
    replacement: str
    reason: str
    lossy: bool = False
    detail: dict[str, Any] = field(default_factory=dict, compare=False)

    def __init__(
        self,
        start: int,
        end: int,
        original: str,
        replacement: str,
        reason: str,
        lossy: bool = False,
        detail: dict[str, Any] | None = None,
    ) -> None:
        # Frozen: fields are set once, here, through the instance dictionary (the
        # generated __init__ goes through object.__setattr__ per field, ~3x slower;
        # fixers create one Edit per repaired span, hundreds per dirty document).
        fields = self.__dict__
        fields["start"] = start
        fields["end"] = end
        fields["original"] = original
        fields["replacement"] = replacement
        fields["reason"] = reason
        fields["lossy"] = lossy
        fields["detail"] = {} if detail is None else detail

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "original": self.original,
            "replacement": self.replacement,
            "reason": self.reason,
            "lossy": self.lossy,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Edit:
        return cls(
            int(data["start"]),
            int(data["end"]),
            str(data["original"]),
            str(data["replacement"]),
            str(data.get("reason", "")),
            bool(data.get("lossy", False)),
            dict(data.get("detail", {})),
        )


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply sorted, non-overlapping edits; each must match the text it replaces."""
    ordered: Sequence[Edit] = sorted(edits, key=edit_span)
    pieces: list[str] = []
    append = pieces.append
    cursor = 0
    size = len(text)
    for edit in ordered:
        start, end = edit.start, edit.end
        if start < cursor or end < start or end > size:
            raise ValueError(f"edit {start}:{end} overlaps or lies outside the text")
        if text[start:end] != edit.original:
            raise ValueError(
                f"edit {start}:{end} expects {edit.original!r}, found {text[start:end]!r}"
            )
        append(text[cursor:start])
        append(edit.replacement)
        cursor = end
    append(text[cursor:])
    return "".join(pieces)


class LazyPattern:
    """A regular expression compiled on its first use.

    For a fixer's decision patterns, which only text past its pre-filter needs: patterns
    over the Han class (``zhnorm.chardata.HAN_CLASS``) take milliseconds each to compile,
    and a process's first :func:`zhnorm.repair.fix_text` should not pay for them.
    """

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    def compiled(self) -> re.Pattern[str]:
        found = self._compiled
        if found is None:
            found = self._compiled = re.compile(self.pattern, self.flags)
        return found

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled().search(string, pos, endpos)

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled().match(string, pos, endpos)

    def fullmatch(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> re.Match[str] | None:
        return self.compiled().fullmatch(string, pos, endpos)

    def finditer(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        return self.compiled().finditer(string, pos, endpos)
