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
import unicodedata
from bisect import bisect_left
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import cast

from ..cache import stamped_cache_file, write_cache_file

__all__ = ["char_readings", "context_readings", "syllable_counts"]

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


def context_readings(text: str) -> tuple[str, ...]:
    """The reading pypinyin gives each character of ``text`` *in context* (its phrase
    list and segmenter choose ``zhǎng`` for the 长 of ``长辈``), in TONE3 with 5 for the
    neutral tone; ``""`` for a character without a reading.  Traditional text is read in
    its Simplified form when that keeps one character per character (pypinyin's phrase
    list is written in Simplified).  Imports pypinyin (its phrase list: about 0.3 s in a
    process's first call): ask it of a few characters around a spot, not of a document.

    >>> context_readings("长辈")
    ('zhang3', 'bei4')
    """
    from pypinyin import Style, pinyin

    from ..script.converter import convert

    simplified = convert(text, "t2s")
    if len(simplified) == len(text):
        text = simplified
    # A run without readings becomes one empty reading per character (pypinyin accepts a
    # list from ``errors``; its type stubs say a string).
    no_readings = cast("Callable[[str], str]", lambda run: [""] * len(run))
    readings: list[str] = []
    for group in pinyin(text, style=Style.TONE3, errors=no_readings, neutral_tone_with_five=True):
        readings.append(group[0] if group else "")
    if len(readings) != len(text):  # pypinyin kept a run together: no per-character answer
        return ("",) * len(text)
    return tuple(readings)


_SHARES_MAGIC = "pinyin-syllable-counts-1"  # JSON {character: [[syllable, count], ...]}


def _toneless(reading: str) -> str:
    """``zhǎng`` -> ``zhang``, ``lǜ`` -> ``lv``: the syllable without its tone."""
    letters = unicodedata.normalize("NFD", reading)
    return "".join(c for c in letters if "a" <= c <= "z" or c == "\u0308").replace("u\u0308", "v")


def _count_syllables() -> dict[str, list[tuple[str, int]]]:
    """For every character of pypinyin's phrase list: how many of its phrases read it as
    each syllable (tones left out), most frequent first."""
    from pypinyin.phrases_dict import phrases_dict

    counts: dict[str, dict[str, int]] = {}
    for phrase, readings in phrases_dict.items():
        if len(phrase) != len(readings):
            continue
        for ch, reading in zip(phrase, readings, strict=True):
            if reading:
                per_char = counts.setdefault(ch, {})
                syllable = _toneless(reading[0])
                per_char[syllable] = per_char.get(syllable, 0) + 1
    return {
        ch: sorted(found.items(), key=lambda item: (-item[1], item[0]))
        for ch, found in counts.items()
    }


def _shares_file() -> Path | None:
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or spec.origin is None:
        return None
    table = os.path.join(os.path.dirname(spec.origin), "phrases_dict.py")
    return stamped_cache_file("pinyin-syllable-counts", _SHARES_MAGIC, [table, spec.origin], "json")


@lru_cache(maxsize=1)
def _syllable_counts() -> dict[str, list[tuple[str, int]]]:
    """:func:`_count_syllables`, kept in the cache folder (importing pypinyin's phrase
    list costs about 0.4 s); empty without pypinyin."""
    if importlib.util.find_spec("pypinyin") is None:
        return {}
    path = _shares_file()
    if path is not None:
        try:
            with path.open(encoding="utf-8") as handle:
                stored = json.load(handle)
            if isinstance(stored, dict):
                return {ch: [(str(s), int(n)) for s, n in rows] for ch, rows in stored.items()}
        except (OSError, ValueError, TypeError):
            pass
    built = _count_syllables()
    if path is not None:
        write_cache_file(path, lambda handle: json.dump(built, handle, ensure_ascii=False))
    return built


def syllable_counts(ch: str) -> tuple[tuple[str, int], ...]:
    """How many phrases of pypinyin's phrase list read ``ch`` as each syllable (tones left
    out), most frequent first; empty for a character in no phrase.  A measure of how
    ambiguous a character's reading is in use: ``长`` reads ``chang`` in 407 phrases and
    ``zhang`` in 144, ``会`` ``hui`` in 322 and ``kuai`` in 6.

    >>> syllable_counts("长")[0][0]
    'chang'
    """
    return tuple(_syllable_counts().get(ch, ()))
