"""griffe extension for the API reference: zhnorm's docstrings are written for ``help()``
and doctest (reStructuredText habits), the site renders Markdown.  Before rendering,
each docstring is rewritten so it reads the same on the page:

* a doctest run (``>>>`` lines, their ``...`` continuations and the expected output, up
  to a blank line) becomes a fenced ``pycon`` block, so ``[x][0]`` stays code instead of
  being read as a Markdown reference link and ``>>>`` as nested quotes;
* Sphinx roles (``:func:`~zhnorm.neardup.lsh.lsh_bands```) become code spans (the
  ``~`` form shows the last dotted name, as Sphinx does).

The docstrings themselves are not changed; ``mkdocs.yml`` loads this file through the
python handler's ``extensions`` option.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:func|meth|class|mod|data|attr|exc|obj|const|term):`(~?)([^`]+)`")


def _role(match: re.Match[str]) -> str:
    target = match[2]
    if match[1]:
        target = target.rsplit(".", 1)[-1]
    return f"`{target}`"


def fence_doctests(text: str) -> str:
    """``text`` with every doctest run inside a ```` ```pycon ```` fence."""
    out: list[str] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        if not stripped.startswith(">>>"):
            out.append(line)
            i += 1
            continue
        indent = line[: len(line) - len(stripped)]
        out.append(f"{indent}```pycon")
        while i < len(lines) and lines[i].strip():
            out.append(lines[i])
            i += 1
        out.append(f"{indent}```")
    return "\n".join(out)


def markdown_docstring(text: str) -> str:
    """A docstring written for ``help()`` as the Markdown the site renders."""
    return ROLE.sub(_role, fence_doctests(text))


class DocstringsForMarkdown(griffe.Extension):
    """Rewrites each docstring with :func:`markdown_docstring` as griffe loads it."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown_docstring(obj.docstring.value)
