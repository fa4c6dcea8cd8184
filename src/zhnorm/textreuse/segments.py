"""Units of a text: lines (paragraphs), and sentences within them.  The one place that
decides where a text breaks; every span is ``(start, end)`` in code points of the text
given, with surrounding white space left out and empty units skipped.

* **Line breaks**: ``\\n``, ``\\r\\n``, a lone ``\\r``, U+2028, U+2029, form feed, and
  the other separators :meth:`str.splitlines` knows (vertical tab, U+001C..U+001E, U+0085).
* **Sentences**: a run of sentence ends (``。！？!?；;`` and the ideographic full stop
  ``｡``, full-width or ASCII, an ellipsis ``……`` too) with the closing quotes and
  brackets right after it (``。」``, ``！）``) ends a sentence.  An ASCII ``.`` is not
  an end (numbers, URLs, abbreviations), nor an ASCII ``?`` inside a URL.
* **Soft breaks**: scraped news usually has no line breaks at all, and its blocks (a
  caption, a share line, a credit) are glued with a run of white space instead.  Two or
  more white-space characters in a row (spaces, no-break spaces, ideographic spaces)
  end a sentence too, and so does a closing ``】`` (labels and bylines:
  ``【記者王明／台北報導】``); a bullet (``▲``, ``■``, ``●``...) starts one.

:func:`unit_spans` is what repeated-paragraph detection uses: lines, and sentences in a
text without line breaks or in a line longer than ``long_line`` characters.
:func:`sentence_spans` is the finest split (furniture detection uses it).

>>> text = "標題\\r第一句。第二句！」  分享 facebook\\n"
>>> [text[a:b] for a, b in line_spans(text)]
['標題', '第一句。第二句！」  分享 facebook']
>>> [text[a:b] for a, b in sentence_spans(text)]
['標題', '第一句。', '第二句！」', '分享 facebook']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from ..key import KeyOptions
from .document import DocKey, doc_key

__all__ = [
    "CHUNK_CHARS",
    "LONG_LINE",
    "chunk_spans",
    "doc_key_in_chunks",
    "has_line_breaks",
    "line_of",
    "line_spans",
    "line_starts",
    "segments",
    "sentence_spans",
    "unit_spans",
    "unit_spans_batch",
]

LONG_LINE = 1000
"""A line longer than this (code points) is split into sentences by :func:`unit_spans`."""

CHUNK_CHARS = 100_000
"""A text longer than this is keyed in chunks of at most this many code points
(:func:`doc_key_in_chunks`)."""

_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_BREAK = re.compile(f"\r\n|[{_BREAKS}]")
_ENDS = "。｡！？；…"
# ASCII ! ? ; end a sentence unless a URL or code goes on (``a.php?id=3``).
_ASCII_END = "[!?;](?![A-Za-z0-9=&%/._-])"
_CLOSERS = "」』”’\"'）)］]】〕〗》〉"
_SPACE = " \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_BULLETS = "▲△▼▽■□●◆◇★☆※"
# A sentence end with its closers, a closing 】 (a label or byline: 【記者王明／台北報導】),
# a run of two or more spaces, or the place right before a bullet (▲ opens a caption).
_SENTENCE_END = re.compile(
    f"(?:[{_ENDS}]|{_ASCII_END})+[{re.escape(_CLOSERS)}]*|】+|[{_SPACE}]{{2,}}|(?=[{_BULLETS}])"
)


def has_line_breaks(text: str) -> bool:
    """``text`` holds a line or paragraph break (module docstring)."""
    return _LINE_BREAK.search(text) is not None


def _strip(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``start:end`` without the white space at either end; ``None`` if nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _lines(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    cursor = start
    for match in _LINE_BREAK.finditer(text, start, end):
        span = _strip(text, cursor, match.start())
        if span:
            yield span
        cursor = match.end()
    span = _strip(text, cursor, end)
    if span:
        yield span


def _sentences(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, end):
        piece = match.group()
        cut = match.start() if not piece or piece[0].isspace() else match.end()
        span = _strip(text, cursor, cut)
        if span:
            yield span
        cursor = match.end()
    span = _strip(text, cursor, end)
    if span:
        yield span


def line_of(text: str, starts: list[int], at: int) -> tuple[int, int]:
    """The line holding position ``at``: ``(start, end)`` without its break; ``starts``
    are the line starts of ``text`` (:func:`line_starts`)."""
    import bisect

    start = starts[bisect.bisect_right(starts, at) - 1]
    match = _LINE_BREAK.search(text, at)
    return start, len(text) if match is None else match.start()


def line_starts(text: str) -> list[int]:
    """Where each line of ``text`` starts (0 and after every break)."""
    return [0, *(m.end() for m in _LINE_BREAK.finditer(text))]


def line_spans(text: str) -> list[tuple[int, int]]:
    """The lines (paragraphs) of ``text``: spans between line breaks, stripped."""
    return list(_lines(text, 0, len(text)))


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """The sentences of ``text[start:end]`` (within its lines; soft breaks count), as
    spans of ``text``."""
    end = len(text) if end is None else end
    return [span for a, b in _lines(text, start, end) for span in _sentences(text, a, b)]


def unit_spans(text: str, long_line: int = LONG_LINE) -> list[tuple[int, int]]:
    """The units repeated paragraphs are found among: the lines of ``text``; in a text
    without line breaks, and in a line longer than ``long_line``, its sentences."""
    lines = line_spans(text)
    if len(lines) <= 1 and not has_line_breaks(text):
        return sentence_spans(text)
    found: list[tuple[int, int]] = []
    for a, b in lines:
        if b - a > long_line:
            found.extend(_sentences(text, a, b))
        else:
            found.append((a, b))
    return found


def unit_spans_batch(
    texts: Iterable[str], long_line: int = LONG_LINE
) -> list[list[tuple[int, int]]]:
    """:func:`unit_spans` of each text, in order."""
    return [unit_spans(text, long_line) for text in texts]


def segments(text: str, long_line: int = LONG_LINE) -> list[str]:
    """The texts of :func:`unit_spans`.

    >>> segments("第一句。第二句？第三句")
    ['第一句。', '第二句？', '第三句']
    """
    return [text[a:b] for a, b in unit_spans(text, long_line)]


def chunk_spans(text: str, size: int = CHUNK_CHARS) -> list[tuple[int, int]]:
    """Consecutive spans covering ``text``, each at most ``size`` code points, cut after the
    last line break or sentence end in the last quarter of the chunk, else after the last
    comma or space there, else at ``size``.

    >>> chunk_spans("甲乙丙。丁戊，己庚辛", 8)
    [(0, 7), (7, 10)]
    """
    if size < 4:
        raise ValueError(f"size must be at least 4, not {size}")
    spans: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > size:
        end = start + size
        cut = end
        window = max(start + 1, end - size // 4)
        for pattern in (_CHUNK_END, _CHUNK_SOFT_END):
            ends = [match.end() for match in pattern.finditer(text, window, end)]
            if ends:
                cut = ends[-1]
                break
        spans.append((start, cut))
        start = cut
    if start < len(text) or not spans:
        spans.append((start, len(text)))
    return spans


_CHUNK_END = re.compile(f"{_LINE_BREAK.pattern}|{_SENTENCE_END.pattern}")
_CHUNK_SOFT_END = re.compile(f"[，,、：:\\s{_SPACE}]")


def doc_key_in_chunks(
    text: str,
    options: KeyOptions | None = None,
    *,
    size: int = CHUNK_CHARS,
    config: KeyOptions | None = None,
    **overrides: Any,
) -> DocKey:
    """:func:`~.document.doc_key` of ``text``; a text longer than ``size`` is keyed chunk
    by chunk (:func:`chunk_spans`: cut at line breaks or sentence ends) and the pieces are
    joined into one :class:`~.document.DocKey` with exact maps to the raw text.  So a huge
    record costs the memory of one chunk while it is keyed, and repair decides per chunk
    of ``size`` characters instead of per document.  A text of ``size`` or fewer
    characters is keyed whole, exactly as :func:`~.document.doc_key` does."""
    if len(text) <= size:
        return doc_key(text, options, config=config, **overrides)
    raws: list[str] = []
    keys: list[str] = []
    arrays: dict[str, list[np.ndarray[Any, Any]]] = {
        name: [] for name in ("ks", "ke", "rs", "re", "krs", "dropped")
    }
    any_dropped = False
    rep_offset = 0
    for start, end in chunk_spans(text, size):
        piece = doc_key(text[start:end], options, config=config, **overrides)
        raws.append(piece.repaired)
        keys.append(piece.key)
        arrays["ks"].append(piece.key_starts + start)
        arrays["ke"].append(piece.key_ends + start)
        arrays["rs"].append(piece.rep_starts + start)
        arrays["re"].append(piece.rep_ends + start)
        arrays["krs"].append(piece.key_rep_starts + rep_offset)
        if piece.dropped is not None:
            any_dropped = True
            arrays["dropped"].append(piece.dropped)
        else:
            arrays["dropped"].append(np.zeros(end - start, dtype=np.bool_))
        rep_offset += len(piece.repaired)
    joined = {name: np.concatenate(parts) for name, parts in arrays.items()}
    return DocKey(
        text,
        "".join(raws),
        "".join(keys),
        joined["ks"].astype(np.int32),
        joined["ke"].astype(np.int32),
        joined["rs"].astype(np.int32),
        joined["re"].astype(np.int32),
        joined["krs"].astype(np.int32),
        joined["dropped"] if any_dropped else None,
    )
