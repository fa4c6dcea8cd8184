"""Rejoin paragraphs that column layout broke mid-sentence; report page furniture.

Newspaper pages flow a story through several columns; a text export often turns each
column end into a paragraph break, so a sentence is cut mid-word::

    张建华指出,通州要争当全市高

    质量发展排头兵,关键靠项目。

The phenomenon is recognised, not the sample: a break is **one** blank line (possibly
holding spaces) between a line *A* and a line *B* where

* *A* stops mid-sentence: its last character is a Han character or a clause mark
  (``，、；,;``), never sentence-final punctuation, a closing quote/bracket or a colon
  (which introduces what follows);
* *A* is prose, not a title: it contains punctuation, is not a Markdown heading, list
  item (``一、`` ``（一）`` ``1.`` ``第二章``) or page furniture, is not a two-part title
  of balanced halves (``一年春作首，万事竞争先``), and is not a short line that opens
  the text or follows a title line (a subtitle such as ``16个新开工项目，计划总投资83.2亿元``);
* *A*'s last clause does not follow a colon (``包括：甲乙丙`` introduces a list or a
  value and may legitimately end without punctuation);
* *B* continues it: it starts with a Han character with no indentation (an indented
  ``　　`` line is a new paragraph by typographic convention), is not a heading, list
  item or dateline (``本报讯``, ``新华社``), and is prose (sentence-final punctuation,
  or clause punctuation on a line of 20+ characters);
* unless *A* ends with a clause mark, *B* does not open with a sentence connective
  (``但``, ``因此``, ``此外``, ``若不`` ...): a sentence that goes on with one has a
  comma before it, so this is a paragraph whose final full stop is missing.

Two or more blank lines are a deliberate section break and are never joined.  The join
removes the blank line (and trailing spaces of *A*); Chinese needs no space.

Layout damage that cannot be repaired safely is *reported*, never dropped:
:func:`layout_notes` returns ``fragment`` notes for a paragraph that opens with one or
two characters and a full stop (``益。区委副书记…`` - the tail of a sentence the layout
duplicated or orphaned) and ``furniture`` notes for page references (``详见A2版``,
``（下转第3版）``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from ..chardata import HAN_CLASS
from .types import Edit

__all__ = ["LayoutNote", "find_layout", "layout_notes"]

_BREAK = re.compile(r"\n[^\S\n]*\n")
_A_TAIL = re.compile(f"[{HAN_CLASS}，、；,;]")  # matched against A's last character
_B_HEAD = re.compile(f"[{HAN_CLASS}]")
_PUNCT = re.compile(r"[，、；：。！？,;:!?…]")
_FINAL = re.compile(r"[。！？!?…]")
_CLAUSE = re.compile(r"[，、；,;]")
_NUM = "一二三四五六七八九十百零〇两"
_HEADING = re.compile(
    r"#|>|[-*•·●■▪◆➢]"  # Markdown heading/quote, bullets
    rf"|第[{_NUM}\d]+[章节条部分篇回编卷]"
    rf"|[{_NUM}]+[、.．]"
    rf"|[（(][{_NUM}\d]+[）)]"
    r"|\d{1,3}[、.．)）]"
    r"|[①-⑳⑴-⒇]"
)
_DATELINE = re.compile(r"本报|新华社|中新社|中新网|【")
# Words that open a sentence; a sentence continuing with one would have a comma before it.
_OPENER = re.compile(
    r"若[不是]|如果|但|然而|因此|所以|此外|另外|而且|[並并]且|[雖虽]然|不[過过]|同[時时]"
    r"|由[於于]|因[為为]|[總总]之|例如|另一方面"
)
_PUNCT_SET = frozenset("，、；：。！？,;:!?…")
_COUPLET = re.compile(rf"([{HAN_CLASS}\w]{{2,12}})[，,\s]([{HAN_CLASS}\w]{{2,12}})")
_FURNITURE = re.compile(
    r"[（(]?(?:详见|下转|上接|转|接|见)第?[A-Za-z]?\d{1,3}版[）)]?|[（(]?(?:下转|上接|转|接)第?[A-Za-z]?[一二三四五六七八九十]{1,3}版[）)]?"
)
_SHORT = 20  # B without a full stop must be at least this long to count as prose
_TITLE_MAX = 30  # a standalone A up to this long, opening the text or after a title, is a title


@dataclass(frozen=True)
class LayoutNote:
    """A layout problem reported, not repaired: ``text == source[start:end]``."""

    kind: Literal["fragment", "furniture"]
    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "start": self.start, "end": self.end, "text": self.text}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LayoutNote:
        kind = data["kind"]
        if kind not in ("fragment", "furniture"):
            raise ValueError(f"unknown layout note kind {kind!r}")
        return cls(kind, int(data["start"]), int(data["end"]), str(data["text"]))


def _is_titleish(line: str) -> bool:
    """A line that reads as a heading, caption or byline rather than prose."""
    stripped = line.strip()
    if not stripped or _HEADING.match(stripped):
        return True
    return len(stripped) <= 30 and not _FINAL.search(stripped) and not _A_TAIL.match(stripped[-1])


def _previous_line(text: str, line_start: int) -> str | None:
    """The nearest non-blank line before the line starting at ``line_start``."""
    end = line_start - 1
    while end > 0:
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end]
        if line.strip():
            return line
        end = start - 1
    return None


def _a_continues(text: str, a_start: int, a: str) -> bool:
    body = a.strip()
    if not body or not _A_TAIL.match(body[-1]) or _HEADING.match(body) or _FURNITURE.search(body):
        return False
    if not _PUNCT.search(body):
        return False
    if _last_punctuation(body) in ("：", ":"):
        return False  # "包括：甲乙丙" introduces a list or value, not a running sentence
    couplet = _COUPLET.fullmatch(body)
    if couplet and len(couplet.group(1)) == len(couplet.group(2)):
        return False
    if len(body) <= _TITLE_MAX and (a_start == 0 or _blank_before(text, a_start)):
        prev = _previous_line(text, a_start)
        if prev is None or _is_titleish(prev):
            return False
    return True


def _last_punctuation(body: str) -> str:
    """The last punctuation mark of ``body`` ("" if none); scans back from the end."""
    for i in range(len(body) - 1, -1, -1):
        if body[i] in _PUNCT_SET:
            return body[i]
    return ""


def _blank_before(text: str, line_start: int) -> bool:
    prev_end = line_start - 1
    if prev_end <= 0:
        return prev_end == 0
    prev_start = text.rfind("\n", 0, prev_end) + 1
    return not text[prev_start:prev_end].strip()


def _b_continues(b: str) -> bool:
    if not b or not _B_HEAD.match(b) or _HEADING.match(b) or _DATELINE.match(b):
        return False
    if _FINAL.search(b):
        return len(b) >= 4
    return len(b) >= _SHORT and bool(_CLAUSE.search(b))


def find_layout(text: str) -> list[Edit]:
    """Edits that remove column-layout breaks inside sentences (module docstring)."""
    if "\n" not in text or not _BREAK.search(text):
        return []
    edits: list[Edit] = []
    for match in _BREAK.finditer(text):
        a_end, b_start = match.span()
        a_start = text.rfind("\n", 0, a_end) + 1
        b_end = text.find("\n", b_start)
        if b_end < 0:
            b_end = len(text)
        a = text[a_start:a_end]
        b = text[b_start:b_end]
        if (
            _b_continues(b)
            and _a_continues(text, a_start, a)
            and not (_OPENER.match(b) and not _CLAUSE.match(a.rstrip()[-1]))
        ):
            cut = a_start + len(a.rstrip())
            edits.append(
                Edit(
                    cut,
                    b_start,
                    text[cut:b_start],
                    "",
                    "layout-join",
                    detail={"before": a.rstrip()[-8:], "after": b[:8]},
                )
            )
    return edits


def layout_notes(text: str) -> list[LayoutNote]:
    """Fragments and page furniture in ``text``, in order (see the module docstring)."""
    notes: list[LayoutNote] = []
    if "版" in text:
        for match in _FURNITURE.finditer(text):
            notes.append(LayoutNote("furniture", match.start(), match.end(), match.group()))
    if "\n" in text:
        for match in _PARAGRAPH_FRAGMENT.finditer(text):
            start, end = match.span(1)
            notes.append(LayoutNote("fragment", start, end, match.group(1)))
    notes.sort(key=lambda n: (n.start, n.end))
    return notes


# A paragraph (after a blank line) that opens with one or two Han
# characters and sentence-final punctuation, followed by more text or line end.
_PARAGRAPH_FRAGMENT = re.compile(rf"\n[^\S\n]*\n([{HAN_CLASS}]{{1,2}}[。！？])")
