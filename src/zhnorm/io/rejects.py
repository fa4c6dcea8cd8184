"""Bad records: why a record is not a document, and where it goes.

Every command and the Spark engine word their reasons with the builders below, put
rejects at :func:`rejects_path` unless told otherwise, and either stop at the first bad
record (naming its file and line) or write each one, with its reason, to the rejects
file (:class:`Rejects`).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any

from .encodings import DEFAULT_ENCODING, ENCODING_HINT, label
from .files import AtomicOutput, InputError, dumps_record

__all__ = [
    "SKIP_BAD_HINT",
    "BadRecord",
    "Rejects",
    "duplicate_id",
    "invalid_utf8_in_file",
    "invalid_utf8_in_line",
    "malformed_json",
    "no_id_field",
    "no_text_field",
    "not_a_json_object",
    "not_a_string",
    "rejects_for",
    "rejects_path",
]

SKIP_BAD_HINT = "use --skip-bad to write bad records to a rejects file"
DEFAULT_REJECTS = "zhnorm.rejects.jsonl"


@dataclass(frozen=True)
class BadRecord:
    """A record that is not a document: where it was read, why, and its raw text."""

    source: str
    line: int
    reason: str
    raw: str

    def to_dict(self) -> dict[str, Any]:
        """The record's line in a rejects file."""
        return {"file": self.source, "line": self.line, "reason": self.reason, "raw": self.raw}


# --- the reasons ----------------------------------------------------------------------


def invalid_utf8_in_line(start: int) -> str:
    return f"invalid UTF-8 at byte {start} of the line (another encoding? name it with --encoding)"


def invalid_utf8_in_file(start: int, encoding: str = DEFAULT_ENCODING) -> str:
    """A text file undecodable in ``encoding`` (named ``UTF-8`` for UTF-8), with the
    hint to name its encoding."""
    return f"invalid {label(encoding)} at byte offset {start} ({ENCODING_HINT})"


def malformed_json(message: str, column: int) -> str:
    return f"malformed JSON: {message} (column {column})"


def not_a_json_object() -> str:
    return "record is not a JSON object"


def no_text_field(field: str) -> str:
    return f"record has no field {field!r} or it is null"


def not_a_string(field: str, type_name: str) -> str:
    return f"field {field!r} is {type_name}, expected a string"


def no_id_field(field: str) -> str:
    return f"record has no id field {field!r}"


def id_not_utf8(record_id: str) -> str:
    """An id holding a lone surrogate (read from a ``\\udXXX`` escape, or a file name
    that is not UTF-8), which a dedup index, storing ids as UTF-8 text, cannot hold.

    >>> print(id_not_utf8("a" + chr(0xD800)))
    id 'a\\ud800' is not valid Unicode (a lone surrogate): the index stores ids as UTF-8
    """
    return (
        f"id {record_id!r} is not valid Unicode (a lone surrogate): the index stores ids as UTF-8"
    )


def duplicate_id(record_id: str, first: str | None = None) -> str:
    """A record repeating an earlier one's id; ``first``: where that one was read.

    >>> duplicate_id("a7", "in.jsonl:3")
    "duplicate id 'a7' (first at in.jsonl:3)"
    """
    where = f" (first at {first})" if first is not None else ""
    return f"duplicate id {record_id!r}{where}"


# --- where they go --------------------------------------------------------------------


def rejects_path(output: str | None, rejects: str | None = None) -> str:
    """``rejects`` when given, else ``OUTPUT.rejects.jsonl`` beside the output (for
    stdout: ``zhnorm.rejects.jsonl``)."""
    if rejects is not None:
        return rejects
    if output in (None, "-"):
        return DEFAULT_REJECTS
    assert output is not None
    return f"{output.rstrip('/')}.rejects.jsonl"


class Rejects:
    """Bad records, written with their reason to ``path`` (atomically, like every
    output), or - when ``path`` is ``None`` - an :class:`InputError` at the first one,
    naming its file and line.  ``eager``: the file appears even when nothing is
    rejected (the ``--skip-bad`` commands); otherwise only for a first reject.  Nothing
    is created before the block is entered (so the run can check ``path`` first)."""

    def __init__(self, path: str | None, *, eager: bool = True) -> None:
        self.path = path
        self.count = 0
        self.eager = eager
        self._out: AtomicOutput | None = None

    def add(self, item: BadRecord) -> None:
        if self.path is None:
            raise InputError(f"{item.source}:{item.line}: {item.reason} ({SKIP_BAD_HINT})")
        if self._out is None:
            self._out = AtomicOutput(self.path)
        self._out.write(dumps_record(item.to_dict()))
        self.count += 1

    def __enter__(self) -> Rejects:
        if self.path is not None and self.eager and self._out is None:
            self._out = AtomicOutput(self.path)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._out is not None:
            self._out.__exit__(exc_type, exc, tb)


def rejects_for(skip_bad: bool, output: str | None, rejects: str | None = None) -> Rejects:
    """The :class:`Rejects` of a run: fatal, or with ``skip_bad`` written to ``rejects``
    (default :func:`rejects_path` beside ``output``)."""
    return Rejects(rejects_path(output, rejects) if skip_bad else None)
