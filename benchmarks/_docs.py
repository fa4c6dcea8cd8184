"""The one way a benchmark script rewrites its own section of ``docs/benchmarks.md``.

A section is the text between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``, both
markers included; everything outside it is left alone.
"""

from __future__ import annotations

from pathlib import Path

DOC_TITLE = "# Benchmarks"


def markers(name: str) -> tuple[str, str]:
    """The start and end markers of section ``name``."""
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def write_section(path: Path, name: str, section: str) -> None:
    """Replace section ``name`` of ``path`` with ``section`` (which carries both markers),
    or add it at the end; a missing file is created with the page title."""
    start, end = markers(name)
    if not (section.startswith(start) and section.rstrip("\n").endswith(end)):
        raise ValueError(f"section text must run from {start} to {end}")
    document = path.read_text(encoding="utf-8") if path.exists() else DOC_TITLE + "\n"
    head, found, rest = document.partition(start)
    if found and end in rest:
        document = head + section.rstrip("\n") + rest.split(end, 1)[1]
    else:
        document = document.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    path.write_text(document, encoding="utf-8")
