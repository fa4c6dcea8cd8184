"""Golden repair cases as data: one JSON file per fixer or phenomenon.

Each file is a list of cases::

    {"label": "what the case shows", "group": "the test that also reads it",
     "original": "damaged text", "fixed": "what fix_text must give",
     "expect": "pass" | "lossy" | "known-failure",
     "fixers": ["the fixers in the plan, in order"],        (optional)
     "options": {"a FixOptions field": "its value"}}         (optional)

``pass``: ``fix_text(original) == fixed``.  ``lossy``: the same, and an edit of the plan
is marked lossy (something could not be restored, U+FFFD marks it).  ``known-failure``:
what it should give but does not yet; its test is a strict xfail, so it reports when it
starts passing.  :mod:`tests.test_repair_cases` runs every case; fixer tests select
theirs with :func:`cases` and a group.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

HERE = Path(__file__).resolve().parent

Expect = Literal["pass", "lossy", "known-failure"]


@dataclass(frozen=True)
class Case:
    file: str
    label: str
    group: str
    original: str
    fixed: str
    expect: Expect
    fixers: tuple[str, ...] | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.file}: {self.label}"


def cases(file: str | None = None, group: str | None = None) -> list[Case]:
    """The cases of ``file`` (every file when ``None``), of ``group`` when given."""
    paths = sorted(HERE.glob("*.json")) if file is None else [HERE / f"{file}.json"]
    out = []
    for path in paths:
        for raw in json.loads(path.read_text(encoding="utf-8")):
            if raw["expect"] not in ("pass", "lossy", "known-failure"):
                raise ValueError(f"{path.name}: {raw['label']}: bad expect {raw['expect']!r}")
            fixers = raw.get("fixers")
            case = Case(
                path.stem,
                raw["label"],
                raw["group"],
                raw["original"],
                raw["fixed"],
                raw["expect"],
                None if fixers is None else tuple(fixers),
                dict(raw.get("options", {})),
            )
            if group is None or case.group == group:
                out.append(case)
    return out
