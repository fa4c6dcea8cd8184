"""The README's Python example runs, and every result it shows in a comment is true,
whatever its type (strings, lists, dicts, tuples, numbers): the same checker as the
documentation pages (tests/test_docs.py)."""

from __future__ import annotations

import pytest

from .conftest import REPO
from .test_docs import Block, _run_block, blocks


def test_readme_python_example() -> None:
    python = [b for b in blocks(REPO / "README.md") if b.lang == "python"]
    assert python
    namespace: dict[str, object] = {"__name__": "__readme__"}
    checked = sum(_run_block(block, "README.md", namespace) for block in python)
    assert checked >= 4


def test_list_results_are_compared() -> None:
    """The checker compares a list result too (it once skipped everything but strings)."""
    wrong = Block("python", "", "[1, 2]  # [1, 3]\n", 1)
    with pytest.raises(AssertionError):
        _run_block(wrong, "probe.md", {})


def test_readme_is_an_index_page() -> None:
    """The README is the package index page: installing from the index comes first, the
    checkout's two quick-start commands are still there, and every relative link points
    at a file of the repository (set the project URL to make them absolute on the index)."""
    import re

    text = (REPO / "README.md").read_text("utf-8")
    sections = re.findall(r"^## (.+)$", text, re.M)
    assert sections[0] == "Install"
    first_block = next(b for b in blocks(REPO / "README.md"))
    assert first_block.body.strip() == "pip install zhnorm"
    assert re.search(r"^make demo +# ", text, re.M) and re.search(r"^make test +# ", text, re.M)
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    relative = [link for link in links if not re.match(r"[a-z]+://", link)]
    assert len(relative) >= 10
    for link in relative:
        assert (REPO / link).is_file(), f"README links to {link}, which does not exist"


def test_shown_reprs_are_compared() -> None:
    """A result shown as an object's repr (``MinHashParams(num_perm=128, ...)``) is
    compared too, not run and forgotten."""
    right = Block("python", "", "import fractions\nfractions.Fraction(1, 2)  # Fraction(1, 2)\n", 1)
    assert _run_block(right, "probe.md", {}) == 1
    wrong = Block("python", "", "import fractions\nfractions.Fraction(1, 2)  # Fraction(1, 3)\n", 1)
    with pytest.raises(AssertionError):
        _run_block(wrong, "probe.md", {})
