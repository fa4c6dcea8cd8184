"""Remove leaked ruby (pinyin) annotations such as ``現(xiàn)代快報`` -> ``現代快報``.

Spam/content-farm tool chains (a simplified->traditional rewriter that also emits the
pinyin of the characters it touched) leak readings into running text as
``character(syllable)``.  This module decides, per document, whether that is what
happened, and removes only the parenthesised syllables that are provably a reading of
the character in front of them.

What is removed
    A *group* is an ASCII or full-width parenthesis holding one lower-case pinyin
    syllable: tone marks (``xiàn``, also decomposed combining marks), tone numbers
    (``xian4``; ``5`` = neutral), ``ü``/``v``/``u:`` spellings, optional spaces inside
    the parentheses and at most one space before them (removed with the group).

    * **Annotation** - the group directly follows a Han character and its syllable is,
      *tone-exactly*, one of the readings ``pypinyin`` (``heteronym=True``) gives for
      that character or for its simplified form (``zhnorm.convert(ch, "t2s")``).
    * **Neutral tone** - a syllable written without a tone mark or number is read as the
      neutral tone, and only matches a character whose dictionary readings include the
      neutral tone (``們(men)``, ``的(de)``).  ``現(xian)`` is therefore *not* an
      annotation.  Toneless groups are removed only together with a document that
      qualifies on toned evidence (they never count towards the gate below).
    * **Mangled annotation** - a GBK byte-shift garble upstream can destroy the
      annotated character, leaving only the trail byte as an ASCII character
      (``區`` = GBK ``85 5E`` -> ``輩^(qū)``, ``發`` -> ``戆l(fā)``, ``進`` -> ``斑M(jìn)``).
      In a document that passes the gate, a group whose syllable carries an explicit
      tone (mark or digit 1-4) and is a valid pinyin syllable is removed when it follows
      such a garble remnant: an ASCII ``@``-``~`` character other than a bracket, ``?``
      or U+FFFD, which itself follows a Han character or U+FFFD.  The edit is
      ``lossy=True`` - the annotated character cannot be restored here (the garble
      fixer owns that span); when re-pairing the GBK bytes yields a character that has
      the annotated reading, it is reported as ``detail["gbk_candidate"]``.

Document gate (why a textbook's ``蹓(liù)跶`` survives)
    Unless ``aggressive=True``, nothing is changed unless the document has at least
    :data:`MIN_ANNOTATIONS` (3) toned annotations *and* at least half of them sit on
    characters that only exist in traditional script (``t2s`` changes them), or - a
    short title such as ``網(wǎng)站建設(shè)`` - at least :data:`MIN_SHORT_ANNOTATIONS` (2)
    toned annotations that *all* sit on traditional-only characters.  The leak
    is produced by a simplified->traditional rewriter, so it annotates converted
    characters, repeatedly (real samples have several on a short excerpt, counted in
    ``docs/repair-measurements.md``).  Deliberate ruby - a textbook glossing
    ``银行(háng)`` or a learner text ``你(nǐ)好(hǎo)`` - is one or two rare characters,
    or characters common to both scripts, and is kept.  A count alone would remove
    learner-text ruby; a density alone would fire on a short sentence with one gloss.
    ``aggressive=True`` skips the gate for annotations on Han characters; mangled
    annotations still require the gate, since without it nothing shows the document is
    garbled.

Never touched: parentheses holding anything that is not one syllable (``(部分)``,
``(icash)``, ``(A)``, ``(xiàndài)``), syllables that are not a reading of the preceding
character, upper-case text, and any text without a toned pinyin group - checked by one
compiled regular expression before anything else, so clean text costs one regex scan.

Removing a group can make the next group adjacent to the same character
(``現(xiàn)(xiàn)``); decisions are taken on that output view so the fixer is
idempotent.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from ..chardata import DBCS_ASCII_TRAILS, is_han_or_zero
from .types import Edit

__all__ = ["MIN_ANNOTATIONS", "MIN_SHORT_ANNOTATIONS", "find_ruby", "fix_ruby"]

MIN_ANNOTATIONS = 3
"""Toned annotations a document needs before anything is removed (unless aggressive)."""

MIN_SHORT_ANNOTATIONS = 2
"""Fewer toned annotations suffice when every one of them is on a traditional-only
character (``網(wǎng)站建設(shè)``): a gloss of two converted characters, each exactly
with its own reading, is what the leak looks like in a short title."""

_TONE_MARKED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜḿńňǹếề"
_COMBINING_TONES = "\u0300\u0301\u0304\u030c"
_SYLLABLE_CHARS = f"a-zêü:{_TONE_MARKED}{_COMBINING_TONES}\u0302\u0308"
_SPACE = "[ \u3000]"

_PREFILTER = re.compile(
    f"[(（]{_SPACE}?[a-zêü:\u0302\u0308]*(?:[{_TONE_MARKED}{_COMBINING_TONES}]|[a-zêü:][1-5])"
)
"""Cheap test: is there any opening parenthesis followed by a toned pinyin spelling?"""

_GROUP = re.compile(f"[(（]{_SPACE}?(?P<syl>[{_SYLLABLE_CHARS}]{{1,8}}[1-5]?){_SPACE}?[)）]")
"""One candidate group; at most one space in front of it belongs to it too (added in
:func:`_scan`: a leading optional space in the pattern would defeat the regex engine's
fast scan for the opening parenthesis)."""

_TONE_OF_MARK = {"\u0304": 1, "\u0301": 2, "\u030c": 3, "\u0300": 4}
_GARBLE_REMNANT = frozenset(
    [chr(c) for c in DBCS_ASCII_TRAILS if chr(c) not in "[]{}"] + ["?", "\ufffd"]
)


@dataclass(frozen=True)
class _Syllable:
    """A parsed syllable: ``key`` is pypinyin's TONE3 spelling (``lv4``, ``men5``)."""

    key: str
    explicit_tone: bool


@lru_cache(maxsize=4096)
def _parse_syllable(written: str) -> _Syllable | None:
    """Parse a written syllable into TONE3 form, or ``None`` if it is not pinyin-shaped.

    At most one tone (mark or trailing digit); ``ü``, ``u:`` and ``v`` are the same
    letter; a syllable with no tone is the neutral tone (``5``).
    """
    digit = written[-1] if written[-1] in "12345" else ""
    body = unicodedata.normalize("NFD", written[:-1] if digit else written)
    letters: list[str] = []
    tone = int(digit) if digit else 0
    for ch in body:
        if ch in _TONE_OF_MARK:
            if tone or not letters:
                return None
            tone = _TONE_OF_MARK[ch]
        elif ch in "\u0308:":
            if not letters or letters[-1] != "u":
                return None
            letters[-1] = "v"
        elif ch == "\u0302":
            if not letters or letters[-1] != "e":
                return None
            letters[-1] = "ê"
        elif "a" <= ch <= "z":
            letters.append(ch)
        else:
            return None
    if not letters:
        return None
    return _Syllable("".join(letters) + str(tone or 5), explicit_tone=bool(tone) and tone != 5)


@lru_cache(maxsize=1 << 16)
def _readings(ch: str) -> tuple[frozenset[str], tuple[str, ...], str]:
    """TONE3 readings of ``ch`` and of its simplified form, their tone-marked display
    spellings, and the simplified form itself."""
    from ..script.converter import convert
    from .readings import char_readings  # pypinyin's, from a table on disk

    simplified = convert(ch, "t2s")
    keys: set[str] = set()
    shown: list[str] = []
    forms = [ch] if len(simplified) != 1 or simplified == ch else [ch, simplified]
    for form in forms:
        marked, numbered = char_readings(form)
        for display, key in zip(marked, numbered, strict=False):
            if key not in keys:
                keys.add(key)
                shown.append(display)
    return frozenset(keys), tuple(shown), simplified


@lru_cache(maxsize=1)
def _valid_syllables() -> frozenset[str]:
    """Every TONE3 syllable that is a reading of some character in pypinyin's table."""
    from pypinyin.pinyin_dict import pinyin_dict

    valid: set[str] = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            parsed = _parse_syllable(reading.strip()) if reading.strip() else None
            if parsed is not None:
                valid.add(parsed.key)
    return frozenset(valid)


def _gbk_candidate(before: str, remnant: str) -> str | None:
    """Re-pair the last GBK byte of ``before`` with the ASCII ``remnant`` (the trail byte
    left by a byte-shift garble) and return the character that spells, if any."""
    if ord(remnant) not in DBCS_ASCII_TRAILS:
        return None
    try:
        encoded = before.encode("gbk")
        if len(encoded) != 2:
            return None
        candidate = bytes([encoded[1], ord(remnant)]).decode("gbk")
    except (UnicodeError, ValueError):
        return None
    return candidate if len(candidate) == 1 and is_han_or_zero(candidate) else None


@lru_cache(maxsize=1 << 16)
def _verdict(char: str, written: str) -> tuple[bool, bool] | None:
    """Is ``written`` (a group's syllable) a reading of the Han character ``char``?
    ``None`` if not, else (explicit tone, ``char`` is traditional-only).  Cached: a
    document repeats the same few pairs hundreds of times."""
    syllable = _parse_syllable(written)
    if syllable is None:
        return None
    keys, _shown, simplified = _readings(char)
    if syllable.key not in keys:
        return None
    return syllable.explicit_tone, simplified != char


def _mangled(text: str, at: int, before_at: int, written: str) -> bool:
    """Does the group with syllable ``written`` follow a garble remnant at ``at``?"""
    syllable = _parse_syllable(written)
    if syllable is None or not syllable.explicit_tone or text[at] not in _GARBLE_REMNANT:
        return False
    before = text[before_at] if before_at >= 0 else ""
    return (
        bool(before)
        and (before == "\ufffd" or is_han_or_zero(before))
        and syllable.key in _valid_syllables()
    )


class _Group(NamedTuple):
    """A group to remove: ``text[start:end]``, after the character at ``at``
    (``before`` is the character in front of that one, for mangled groups)."""

    start: int
    end: int
    at: int
    before: int
    mangled: bool


def _scan(text: str, *, allow_mangled: bool) -> tuple[list[_Group], int, int]:
    """Classify every candidate group; return those that would be removed plus the
    number of toned annotations and how many of those are on traditional-only chars."""
    groups: list[_Group] = []
    back: dict[int, int] = {}  # end of a removed span -> its start (output view)
    toned = traditional = 0
    last = 0
    for match in _GROUP.finditer(text):
        # One space in front of the parenthesis, if not in the previous group, is part of
        # the group (as if the pattern began with an optional space).
        start, end = match.span()
        if start > last and text[start - 1] in " \u3000":
            start -= 1
        last = end
        at = start
        while at in back:
            at = back[at]
        at -= 1
        if at < 0:
            continue
        char = text[at]
        written = match.group("syl")
        if is_han_or_zero(char):
            verdict = _verdict(char, written)
            if verdict is None:
                continue
            if verdict[0]:
                toned += 1
                traditional += verdict[1]
            groups.append(_Group(start, end, at, -1, False))
        elif allow_mangled:
            before_at = at
            while before_at in back:
                before_at = back[before_at]
            before_at -= 1
            if not _mangled(text, at, before_at, written):
                continue
            groups.append(_Group(start, end, at, before_at, True))
        else:
            continue
        back[end] = start
    return groups, toned, traditional


def _gate(toned: int, traditional: int) -> bool:
    """Does the document show the leak repeatedly, on traditional-only characters?
    Either :data:`MIN_ANNOTATIONS` toned annotations, at least half on traditional-only
    characters, or (a short title) :data:`MIN_SHORT_ANNOTATIONS`, all of them on
    traditional-only characters."""
    if toned >= MIN_SHORT_ANNOTATIONS and traditional == toned:
        return True
    return toned >= MIN_ANNOTATIONS and 2 * traditional >= toned


_GATE_MIN = min(MIN_ANNOTATIONS, MIN_SHORT_ANNOTATIONS)
"""Fewest toned annotations that can pass the gate."""


def _removed(text: str, aggressive: bool) -> list[_Group]:
    first = _PREFILTER.search(text)
    if first is None:
        return []
    if not aggressive and _GATE_MIN > 1 and _PREFILTER.search(text, first.end()) is None:
        # Every toned group (mangled ones too) opens with a pre-filter match of its own,
        # so a text with one match has at most one toned annotation: no gate passes.
        return []
    groups, toned, traditional = _scan(text, allow_mangled=True)
    if _gate(toned, traditional):
        return groups
    if not aggressive:
        return []
    return _scan(text, allow_mangled=False)[0]


@lru_cache(maxsize=1 << 14)
def _annotation(char: str, written: str) -> tuple[str, dict[str, object]]:
    """Reason and detail of removing the reading ``written`` of ``char`` (the detail is
    shared by every such edit: copy it before use)."""
    simplified = _readings(char)[2]
    syllable = _parse_syllable(written)
    assert syllable is not None
    detail: dict[str, object] = {
        "char": char,
        "simplified": simplified,
        "syllable": written,
        "tone3": syllable.key,
    }
    return f"leaked ruby annotation: {written!r} is a reading of {char!r}", detail


def _edit(text: str, group: _Group) -> Edit:
    """The explained edit removing ``group``."""
    original = text[group.start : group.end]
    match = _GROUP.search(original)
    assert match is not None
    written = match.group("syl")
    char = text[group.at]
    if not group.mangled:
        reason, base = _annotation(char, written)
        detail = dict(base)
        detail["readings"] = list(_readings(char)[1])
        return Edit(group.start, group.end, original, "", reason, False, detail)
    syllable = _parse_syllable(written)
    assert syllable is not None
    mangled: dict[str, object] = {
        "char": char,
        "syllable": written,
        "tone3": syllable.key,
        "annotated_char": None,
        "note": "the annotated character was destroyed by an upstream "
        "(GBK byte-shift) garble and is unrecoverable here",
    }
    before = text[group.before] if group.before >= 0 else ""
    candidate = _gbk_candidate(before, char)
    if candidate and syllable.key in _readings(candidate)[0]:
        mangled["gbk_candidate"] = candidate
    return Edit(
        group.start,
        group.end,
        original,
        "",
        f"leaked ruby annotation {written!r} after a garbled character "
        f"{char!r}; the annotated character is unrecoverable here",
        lossy=True,
        detail=mangled,
    )


def find_ruby(text: str, *, aggressive: bool = False) -> list[Edit]:
    """Edits (sorted, non-overlapping) removing leaked pinyin annotations from ``text``.

    See the module docstring for what counts as an annotation and for the document
    gate; ``aggressive=True`` removes annotations on Han characters without the gate.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    return [_edit(text, group) for group in _removed(text, aggressive)]


def fix_ruby(text: str, *, aggressive: bool = False) -> str:
    """``text`` with leaked pinyin annotations removed (see :func:`find_ruby`); the
    same result as applying those edits, without building their explanations."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    pieces: list[str] = []
    cursor = 0
    for group in _removed(text, aggressive):
        pieces.append(text[cursor : group.start])
        cursor = group.end
    if not pieces:
        return text
    pieces.append(text[cursor:])
    return "".join(pieces)
