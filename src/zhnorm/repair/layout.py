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
  value and may legitimately end without punctuation) - unless a quotation opens after
  the colon (``他說：「…``, a running sentence), or the language model says the break cuts
  a word and the colon does not close a field label (below);
* *B* continues it: it starts with a Han character with no indentation (an indented
  ``　　`` line is a new paragraph by typographic convention), is not a heading, list
  item or dateline (``本报讯``, ``新华社``), and is prose (sentence-final punctuation,
  or clause punctuation on a line of 20+ characters);
* unless *A* ends with a clause mark, *B* does not open a sentence: with a connective
  (``但``, ``因此``, ``此外``, ``若不`` ...), a pronoun and a verb of saying (``他表示，``
  ``她們認為，``; not a named speaker, the column may break inside a name) or a time and
  a comma (``昨（26）日，`` ``目前，``): a sentence that goes on with one has a comma
  before it, so *A* is a paragraph (or a label) whose final full stop is missing.

The language model (:mod:`zhnorm.language_model`) scores the junction: how much better
the last character of *A* reads running straight into the first of *B* than with a
sentence end between them (:func:`_junction`: ``log P(b | a)`` against ``log P(。 | a) +
log P(b | 。)``).  A character bigram cannot tell a sentence end from any other word
boundary (both score about 3.8), but it does know when the two characters are one word
(``局|部`` 8.0, ``原|因`` 9.2): at :data:`JOIN_INSIDE_LOGODDS` the break cuts a word, and
the colon and opener rules, which only guess that *A* is complete, give way (the edit's
detail carries the score).  A field label before the colon (``来源：`` ``電話：``, at most
five characters after a separator) keeps its value on its own line; captions and credits
are never joined, whatever the model says.  The model is loaded only for such a break.

Neither *A* nor *B* may be a photo caption or a credit line.  Pictures leave their
captions and credits between paragraphs, and those lines end without punctuation like a
cut sentence; what gives them away is their shape, not their words:

* a caption opens with a caption mark (``图为`` ``圖為`` ``上圖`` ``左起`` ``▲``) or
  names a position in the picture (``（中）`` ``（左二）``);
* a credit is short (at most 40 characters), holds no sentence-final punctuation, and
  carries a role word where a credit puts it: ending a clause (``张三 摄``
  ``王小明攝，106年11月26日`` ``供圖，`` ``資料照``; verbs prose uses too, ``北市府提供``
  ``台北報導``, only at the end of the line), at the start before a separator (``圖／``
  ``攝影：`` ``來源：`` ``本文来源：`` ``稿源：`` ``作者：`` ``photo:``), or a reporter or author
  word with a name (``記者王小明／`` ``记者 张三`` ``记者：李四`` ``撰文／王小明``, not
  ``记者接到``); a line in brackets (``（示意圖）`` ``（记者 王某 摄）``) too;
* *A* must not end with such a credit after a space or a punctuation mark, whatever its
  length (``图为…现场。 新华社记者 张三 摄``): the credit closes it; nor may *B* (a
  caption with no full stop before its credit, ``…现场，攝影：王小明``, or one sentence of
  at most 150 characters closed by a photo credit, ``这是…拍摄的雪景。新华社记者 王某 摄``;
  a byline closing a paragraph, ``…。（记者：李四）``, is no photo credit).

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
from .types import Edit, LazyPattern

__all__ = ["LayoutNote", "find_layout", "layout_notes", "scan_layout"]

_BREAK = re.compile(r"\n[^\S\n]*\n")
_A_TAIL = LazyPattern(f"[{HAN_CLASS}，、；,;]")  # matched against A's last character
_B_HEAD = LazyPattern(f"[{HAN_CLASS}]")
_PUNCT = re.compile(r"[，、；：。！？,;:!?…]")
_FINAL_MARKS = "。！？!?…"
_FINAL = re.compile(f"[{_FINAL_MARKS}]")
_CLAUSE = re.compile(r"[，、；,;]")
_NUM = "一二三四五六七八九十百零〇两"
_HEADING = LazyPattern(
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
# Clauses that open a sentence: a pronoun and a verb of saying, or a time, then a comma.
# (Not a named speaker: a column break can fall inside the name, "曾荫" + "权强调，".)
_NEW_SENTENCE = LazyPattern(
    r"[他她我你][们們]?[也还還則则更]?(?:表示|指出|[說说]|[強强][調调]|[認认][為为]|坦言|透露|直言|[指提]出)[，,：:]"
    r"|(?:[昨今明前][天日晚]|[昨今明][（(]\d{1,2}[）)]日|日前|近日|目前|稍早|[上下]午|[晚当當][间間天])[，,]"
)
_PUNCT_SET = frozenset("，、；：。！？,;:!?…")
_COUPLET = LazyPattern(rf"([{HAN_CLASS}\w]{{2,12}})[，,\s]([{HAN_CLASS}\w]{{2,12}})")
_FURNITURE = re.compile(
    r"[（(]?(?:详见|下转|上接|转|接|见)第?[A-Za-z]?\d{1,3}版[）)]?|[（(]?(?:下转|上接|转|接)第?[A-Za-z]?[一二三四五六七八九十]{1,3}版[）)]?"
)
# Captions: a caption mark at the start of the line, or a position in the picture.
_CAPTION_HEAD = re.compile(
    r"[图圖]片?[为為示]|[上下左右][图圖]|[左右]起|[图圖][说說注註]|[▲△▼▽►↑↓※]"
)
_POSITION = re.compile(r"[（(](?:[左中右]|前排|後排|后排)[一二三四五六七八九\d]?起?[）)]")
# Credits: a role word where a credit puts it.  Role words that are only ever credits
# may end any clause; verbs that prose uses too (提供 报道 整理) only the whole line, where
# a date may follow them.
_ONLY_CREDIT_END = (
    r"(?:(?<!拍)[摄攝](?:影|制|製)?|社[发發]|翻[摄攝]\S*|供[图圖稿]|[资資]料[照图圖]片?|示意[图圖]"
    r"|截[图圖]|[制製绘繪][图圖]|photo|Photo|PHOTO)[）)]?(?=[，,、\s]|$)"
)
_VERB_CREDIT_END = r"(?:提供|[报報][道导導]|整理)[\s\d年月日号號/.\-，,]*[）)]?$"
_ROLE_HEAD = (
    r"[（(]?(?:本文|文章)?(?:(?:[图圖](?:片|文|說|说)?|照片|相片|影片|影音|[摄攝]影)(?:提供)?"
    r"|文字?|[图圖]?片?[来來]源|[资資]料[来來]源|稿源|出[处處]|作者|photo|image|credit|source|via)"
    r"\s*[／/:：|｜]"
)
# A person's name in a credit: two to four Han characters, none of them a grammatical word
# (``记者接到`` ``记者们开`` are prose).
_NAME = rf"(?:(?![们在这那了的到看说是有和对向也都就把被将会要])[{HAN_CLASS}]){{2,4}}"
_REPORTER_NAME = (
    r"(?:[记記]者|通[讯訊][员員]|[实實][习習]生|特派[员員]|特[约約][记記]者|[编編][辑輯]|作者|撰文)"
    rf"\s*[：:／/]?\s*{_NAME}(?=[\s／/、）)]|$)"
)
_CREDIT = LazyPattern(
    rf"^{_ROLE_HEAD}|{_REPORTER_NAME}|{_ONLY_CREDIT_END}|{_VERB_CREDIT_END}", re.IGNORECASE
)
# The credit that may close a longer caption line, after a space or a punctuation mark:
# a role head opening it, or a reporter name / credit word anywhere in it.
_APPENDED_HEAD = re.compile(_ROLE_HEAD, re.IGNORECASE)
_APPENDED_INSIDE = LazyPattern(rf"{_REPORTER_NAME}|{_ONLY_CREDIT_END}", re.IGNORECASE)
# A photo credit closing a line: a photo word at its end, or a picture role opening it.
_PHOTO_TAIL = LazyPattern(
    r"(?:(?<![拍])[摄攝](?:影|制|製)?|社[发發]|翻[摄攝]|供[图圖]|[资資]料[照图圖]片?|示意[图圖]"
    r"|截[图圖]|photo)[）)]?\s*$"
    r"|^[（(]?(?:[图圖]片?|照片|相片|影片|[摄攝]影)(?:提供|[来來]源)?\s*[／/:：|｜]",
    re.IGNORECASE,
)
_CREDIT_SEP = re.compile(r"[\s。！？…，,；;]+")
_QUOTE_OPEN = frozenset("「『“‘\"'")
# A field label before a colon (来源： 地址： 電話：): what follows is a value, whatever
# the model says about the break after it.
_LABEL = LazyPattern(rf"(?:^|[\s，、；,;。！？])[{HAN_CLASS}]{{1,5}}[：:][^：:]*$")
JOIN_INSIDE_LOGODDS = 8.0
""":func:`_junction` at or above which the break cuts a word: the model reads the two
characters as one word far more often than across a sentence end (0.2% of sentence ends
in THUCNews and DRCD score this high, 30% of mid-sentence cuts)."""
_CREDIT_MAX = 40  # a credit line is at most this long
_CAPTION_MAX = 150  # a caption line closed by a photo credit is at most this long
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


def _is_caption_or_credit(line: str) -> bool:
    """A photo caption or a credit line (module docstring), never part of a cut sentence."""
    body = line.strip()
    if not body:
        return False
    if _CAPTION_HEAD.match(body) or (("（" in body or "(" in body) and _POSITION.search(body)):
        return True
    if len(body) <= _CREDIT_MAX and not _FINAL.search(body):
        if body[0] in "（(" and body[-1] in "）)":
            return True
        if _CREDIT.search(body):
            return True
    return False


def _credit_tail(line: str) -> int:
    """Where a credit closing ``line`` after a space or a punctuation mark starts ("图为…
    现场。 新华社记者 张三 摄", "…，攝影：王小明"), or -1."""
    body = line.rstrip()
    # A tail holding sentence-final punctuation is no credit, nor is any longer one (it
    # holds the same mark): only separator runs from the last such mark on (a mark is a
    # separator itself) can end where one starts.
    window = max(0, len(body) - _CREDIT_MAX - 1)
    final = max([body.rfind(mark, window) for mark in _FINAL_MARKS])
    starts = [sep.end() for sep in _CREDIT_SEP.finditer(body, max(window, final))]
    if not starts:
        return -1
    # Every tail is a suffix of the first one, and a credit word found inside a tail is
    # found inside the first tail too (the character before a tail is a separator, never
    # the 拍 a credit word's look-behind excludes): one search rules them all out.
    inside = _APPENDED_INSIDE.search(body, starts[0]) is not None
    for start in starts:
        tail = body[start:]
        if (
            tail
            and not _FINAL.search(tail)
            and (_APPENDED_HEAD.match(tail) or (inside and _APPENDED_INSIDE.search(tail)))
        ):
            return start
    return -1


def _caption_with_credit(b: str) -> bool:
    """*B* is a caption closed by its credit: no full stop before the credit, or one
    sentence closed by a photo credit (``这是…拍摄的雪景。新华社记者 王某 摄``
    ``…。图/王某``); a paragraph that ends with a byline ("…。（记者：李四）"), or a long
    one that ends with its picture's credit, is prose and may still continue *A*."""
    start = _credit_tail(b)
    if start < 0:
        return False
    if not _FINAL.search(b, 0, start):
        return True
    return (
        len(b) <= _CAPTION_MAX
        and len(_FINAL.findall(b, 0, start)) == 1
        and bool(_PHOTO_TAIL.search(b[start:]))
    )


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
    """*A* may stop mid-sentence (module docstring), the colon rule apart: the caller
    weighs it with the model."""
    body = a.strip()
    if not body or not _A_TAIL.match(body[-1]) or _HEADING.match(body):
        return False
    if "版" in body and _FURNITURE.search(body):  # every furniture pattern names a 版
        return False
    if not _PUNCT.search(body):
        return False
    couplet = _COUPLET.fullmatch(body)
    if couplet and len(couplet.group(1)) == len(couplet.group(2)):
        return False
    if len(body) <= _TITLE_MAX and (a_start == 0 or _blank_before(text, a_start)):
        prev = _previous_line(text, a_start)
        if prev is None or _is_titleish(prev):
            return False
    return True


def _after_colon(body: str) -> bool:
    """Does ``body``'s last clause follow a colon that introduces a list or a value?  Not
    when a quotation opens after the colon (``他說：「…``: the quoted sentence runs on)."""
    if _last_punctuation(body) not in ("：", ":"):
        return False
    colon = max(body.rfind("："), body.rfind(":"))
    return body[colon + 1 : colon + 2] not in _QUOTE_OPEN


def _junction(a: str, b: str) -> float:
    """How much better the model reads the last character of *A* running straight on into
    the first of *B* than with a sentence end between them (natural log):
    ``log P(b | a) - (log P(。 | a) + log P(b | 。))``
    (:func:`~zhnorm.repair.junction.junction_logodds`).  About 3.8 between two words,
    higher when ``a`` and ``b`` are a word the break cuts (``局|部`` 8.0, ``電|影`` 10)."""
    from .junction import junction_logodds

    return junction_logodds(a, b, "。")


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
    return scan_layout(text)[0]


def scan_layout(text: str) -> tuple[list[Edit], bool]:
    """:func:`find_layout`'s edits, and whether it would find none in the text they make.

    It would when every break was joined: a join removes the whole break and the
    character after it is a Han character (:data:`_B_HEAD`), so no line break is left
    that could pair with another, and the text holds no break at all.  (A break kept
    apart may be decided otherwise once a join beside it makes a longer line.)"""
    if "\n" not in text or not _BREAK.search(text):
        return [], True
    edits: list[Edit] = []
    breaks = 0
    for match in _BREAK.finditer(text):
        breaks += 1
        a_end, b_start = match.span()
        a_start = text.rfind("\n", 0, a_end) + 1
        b_end = text.find("\n", b_start)
        if b_end < 0:
            b_end = len(text)
        a = text[a_start:a_end]
        b = text[b_start:b_end]
        if not (
            _b_continues(b)
            and _a_continues(text, a_start, a)
            and not _is_caption_or_credit(a)
            and _credit_tail(a) < 0
            and not _caption_with_credit(b)
            and not _is_caption_or_credit(b)
        ):
            continue
        body = a.rstrip()
        detail: dict[str, object] = {"before": body[-8:], "after": b[:8]}
        # "包括：甲乙丙" introduces a list or a value; "但…" "他表示，" open a sentence: A
        # may be complete, unless the break cuts a word (the model) - not a label's value.
        colon = _after_colon(body)
        if colon or (not _CLAUSE.match(body[-1]) and (_OPENER.match(b) or _NEW_SENTENCE.match(b))):
            score = _junction(body[-1], b[0])
            if score < JOIN_INSIDE_LOGODDS or (colon and _LABEL.search(body)):
                continue
            detail["junction_logodds"] = round(score, 2)
        cut = a_start + len(body)
        edits.append(Edit(cut, b_start, text[cut:b_start], "", "layout-join", detail=detail))
    return edits, len(edits) == breaks


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
_PARAGRAPH_FRAGMENT = LazyPattern(rf"\n[^\S\n]*\n([{HAN_CLASS}]{{1,2}}[。！？])")
