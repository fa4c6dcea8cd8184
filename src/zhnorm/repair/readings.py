"""Pinyin readings of one character, as pypinyin gives them, from a table kept on disk.

The ruby gate asks for the readings of the few characters in front of a parenthesis;
importing pypinyin for them costs about 0.25 s of a process's first call (at import it
loads its phrase dictionary and trains its segmenter).  So the readings of every
character in pypinyin's character table are asked of pypinyin once - the very calls
the gate makes, :func:`pypinyin.pinyin` of the character with ``heteronym=True`` in
tone marks and in TONE3 with 5 for the neutral tone - and kept in the zhnorm cache
folder (:func:`zhnorm.cache.stamped_cache_file`, named after pypinyin's table file), so
a later process reads them without importing pypinyin.  A character outside the table is
asked of pypinyin directly, so the answer is pypinyin's in every case.
"""

from __future__ import annotations

import importlib.util
import json
import os
from bisect import bisect_left
from functools import lru_cache
from pathlib import Path

from ..cache import stamped_cache_file, write_cache_file

__all__ = ["char_readings"]

_READING = ","  # between the readings of one character (pypinyin's own table uses it)
_ENTRY = "\n"  # between characters


def _asked(ch: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Readings of ``ch`` from pypinyin: tone marks, and TONE3 (neutral tone 5)."""
    from pypinyin import Style, pinyin

    marked = pinyin(ch, style=Style.TONE, heteronym=True, errors="ignore")
    numbered = pinyin(
        ch, style=Style.TONE3, heteronym=True, errors="ignore", neutral_tone_with_five=True
    )
    return (
        tuple(r for group in marked for r in group),
        tuple(r for group in numbered for r in group),
    )


def _build() -> list[str]:
    """[characters, their marked readings, their TONE3 readings] (entries in the order
    of the characters), asked of pypinyin one character at a time."""
    from pypinyin.pinyin_dict import pinyin_dict

    chars: list[str] = []
    marked: list[str] = []
    numbered: list[str] = []
    for code in sorted(pinyin_dict):  # code point order, for the binary search
        ch = chr(code)
        shown, keys = _asked(ch)
        if any(_READING in r or _ENTRY in r for r in (*shown, *keys)):
            continue  # not representable here: asked of pypinyin when needed
        chars.append(ch)
        marked.append(_READING.join(shown))
        numbered.append(_READING.join(keys))
    return ["".join(chars), _ENTRY.join(marked), _ENTRY.join(numbered)]


_MAGIC = "pinyin-readings-1"  # the file's format: JSON [characters, marked, TONE3]


def _table_file() -> Path | None:
    """Where the table is kept: named after pypinyin's character table and package files
    (path, size, time: :func:`zhnorm.cache.stamped_cache_file`); ``None`` without pypinyin or with
    caching off (then every character is asked of pypinyin: building the whole table
    for one process costs more than the few characters it will ask about)."""
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or spec.origin is None:
        return None
    table = os.path.join(os.path.dirname(spec.origin), "pinyin_dict.py")
    return stamped_cache_file("pinyin-readings", _MAGIC, [table, spec.origin], "json")


def _read(path: Path) -> list[str] | None:
    try:
        with path.open(encoding="utf-8") as handle:
            stored = json.load(handle)
    except (OSError, ValueError):
        return None
    if isinstance(stored, list) and len(stored) == 3 and all(isinstance(s, str) for s in stored):
        return stored
    return None


@lru_cache(maxsize=1)
def _table() -> tuple[str, list[str], list[str]]:
    """The characters (in code point order) and their readings (marked, TONE3), read
    from the cache folder (built there by the first process that needs it)."""
    path = _table_file()
    if path is None:
        return "", [], []
    stored = _read(path)
    table = None if stored is None else _unpacked(stored)
    if table is None:
        built = _build()
        write_cache_file(path, lambda handle: json.dump(built, handle, ensure_ascii=False))
        table = _unpacked(built)
    return table or ("", [], [])


def _unpacked(stored: list[str]) -> tuple[str, list[str], list[str]] | None:
    """The three columns of a stored table, ``None`` if they do not line up."""
    chars, marked, numbered = stored
    if not chars:
        return "", [], []
    marks, keys = marked.split(_ENTRY), numbered.split(_ENTRY)
    if not len(chars) == len(marks) == len(keys):
        return None
    return chars, marks, keys


def _stored(ch: str) -> tuple[str, str] | None:
    """The stored readings of ``ch`` (a binary search: no dictionary of 40,000 entries
    to build on a process's first call), ``None`` if it is not in the table."""
    chars, marked, numbered = _table()
    at = bisect_left(chars, ch)
    if at == len(chars) or chars[at] != ch:
        return None
    return marked[at], numbered[at]


def _split(readings: str) -> tuple[str, ...]:
    return tuple(readings.split(_READING)) if readings else ()


def char_readings(ch: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The readings pypinyin gives the single character ``ch`` (``heteronym=True``): in
    tone marks and in TONE3 with 5 for the neutral tone, in pypinyin's order.

    >>> char_readings("行")[1][:2]
    ('xing2', 'hang2')
    """
    found = _stored(ch)
    if found is None:
        return _asked(ch)
    return _split(found[0]), _split(found[1])
