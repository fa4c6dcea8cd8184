"""Every golden repair case of ``tests/repair_cases/*.json`` through the whole pipeline.

For each case: the text (:func:`fix_text` and :func:`fix_and_explain` agree), the
fixers of the plan, the plan replayed on the original (:func:`apply_plan`), lossy
marking, and idempotence.  A ``known-failure`` case is a strict xfail.
"""

from __future__ import annotations

import pytest

from zhnorm.repair import FixOptions, apply_plan, fix_and_explain, fix_text

from .repair_cases import Case, cases

ALL = cases()


def _param(case: Case) -> object:
    marks = []
    if case.expect == "known-failure":
        marks.append(pytest.mark.xfail(reason="known failure", strict=True))
    return pytest.param(case, id=case.id, marks=marks)


def test_cases_are_loaded() -> None:
    labels = [c.id for c in ALL]
    assert len(labels) == len(set(labels)), "case labels must be unique per file"
    assert len(ALL) >= 100


@pytest.mark.parametrize("case", [_param(c) for c in ALL])
def test_case(case: Case) -> None:
    options = FixOptions(**case.options)
    explained = fix_and_explain(case.original, options)
    assert explained.text == case.fixed
    assert fix_text(case.original, options) == case.fixed
    assert apply_plan(case.original, explained.steps) == case.fixed
    if case.fixers is not None:
        assert tuple(s.fixer for s in explained.steps) == case.fixers
    lossy = any(e.lossy for s in explained.steps for e in s.edits)
    assert lossy == (case.expect == "lossy")
    assert fix_text(case.fixed, options) == case.fixed
