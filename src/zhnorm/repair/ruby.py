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
    Unless ``aggressive=True``, the counts let a document's groups go when it has at
    least :data:`MIN_ANNOTATIONS` (3) toned annotations *and* at least half of them sit on
    characters that only exist in traditional script (``t2s`` changes them), or - a
    short title such as ``網(wǎng)站建設(shè)`` - at least :data:`MIN_SHORT_ANNOTATIONS` (2)
    toned annotations that *all* sit on traditional-only characters.  The leak
    is produced by a simplified->traditional rewriter, so it annotates converted
    characters, repeatedly (real samples have several on a short excerpt, counted in
    ``docs/repair-measurements.md``).  Deliberate ruby - a textbook glossing
    ``银行(háng)`` or a learner text ``你(nǐ)好(hǎo)`` - is one or two rare characters,
    or characters common to both scripts, and is kept.  A count alone would remove
    learner-text ruby; a density alone would fire on a short sentence with one gloss.
    Learner ruby fails the gate whatever the counts say, unless every annotated
    character is traditional-only: annotated characters that make one unbroken run
    whose ends are word boundaries (a word or phrase glossed, ``经(jīng)济(jì)发展``,
    ``驚(jīng)恐(kǒng)萬(wàn)狀(zhuàng)``; a run that starts or ends inside a word,
    ``拆迁(qiān)户(hù)``, is a tool's), or clauses glossed character by character
    (every Han character of each clause holding a group is followed by one,
    ``你(nǐ)好(hǎo)，我(wǒ)是(shì)``).

    Where the counts do not settle it, the language model (:mod:`zhnorm.language_model`)
    decides:

    * *Nobody glosses a common character read one way*: a gloss tells a reader how to
      read a character that has more than one syllable (``長`` cháng/zhǎng) or is rare
      (``蹓``, model unigram below :data:`COMMON_CHAR_LOGPROB`); a tool annotates ``設``
      shè too.
    * *The group cuts a word*: :func:`_junction` compares reading the character and the
      next one straight on (``log P(站 | 網)``) with reading them around the group
      (``log P('(' | 網) + log P(站 | ')')``); at :data:`INTERRUPT_LOGODDS` or above the
      two characters are a word the parenthesis interrupts.

    Two or more toned annotations pass when one of them is on an uninformative
    character, or when each is on a traditional-only character the group cuts a word
    at - in either script (issue 17 point 5): the rewriter's output converted back to
    Simplified (``网(wǎng)站建设(shè)``) leaks the same readings, and a textbook glosses
    the characters a reader could misread (``行(háng)业和长(zhǎng)辈`` stays).
    With :data:`MIN_ANNOTATIONS` or more toned annotations, a character that is read one
    way *in use* (:func:`_ambiguous_in_use`: its other dictionary readings are rare in
    pypinyin's phrase list, ``会`` kuài, ``大`` dài) counts as uninformative too - three
    glosses on characters an adult reader knows are a tool's; one or two stay (a
    textbook may gloss ``大(dà)``).  And a run of annotated characters is a learner's
    glossed word only if jieba's segmentation of the text, its groups removed, has word
    boundaries at both of its ends (:func:`_run_is_words`): ``一心一(yī)意(yì)`` ends
    where the bigram model sees a boundary, but inside the idiom.
    A single toned annotation passes only when it is on a traditional-only,
    uninformative character and cuts a word (``成都網(wǎng)站``), never at the end of a
    word (``網(wǎng)，``), on a character a gloss would help with, or on a Simplified
    character (a dictionary's or a definition's single gloss) - unless a neutral-tone
    annotation stands beside it (``我们(men)去买菜(cài)``: two annotations, one on a
    character nobody glosses, as with two toned ones; a learner's glossed word or
    clause, ``桌(zhuō)子(zi)``, stays).  Whether a character has more than one syllable
    is asked of the character itself, not of its simplified form (``臺`` is tái only;
    ``台`` also stands for tāi).  And two annotations that mix a rare character with one
    syllable and a common character read one way in use (``合(hé)奼(chà)紫``) are a
    tool's (:func:`_mixed_motives`): a person glosses a text's rare characters or its
    misreadable ones, with one motive.
    Where neither the counts nor the model settle it, how the readings are *written*
    does (:func:`_written_by_tool`, gates ``reading`` and ``digits``): a tool pasting
    each character's reading writes the character's default reading (pypinyin's reading
    of it alone, :func:`_default_reading`), a person glossing a word writes the reading
    in context (:func:`~zhnorm.repair.readings.context_readings` of a few characters
    around it).  Where the two differ (``行`` alone xíng, in ``银行`` háng), an
    annotation writing the default is a tool's - it also lifts the learner's-word test
    above - and one writing the reading in context is a gloss, which keeps the text's
    groups (and two counted annotations, ``調(diào)用``).  Tone digits on two or more
    annotations (``调(diao4)查``) are a tool's too: a reader's gloss is written with tone
    marks.  Only characters with more than one reading are read in context, so
    ``網(wǎng)站建設(shè)`` never loads pypinyin, and only in a text of at most
    :data:`CONTEXT_TEXT_MAX` characters (a longer one counts tone digits only).
    ``aggressive=True`` skips the gate for annotations on Han characters; mangled
    annotations still require the gate, since without it nothing shows the document is
    garbled.  Text without a toned candidate never loads the model.  Each edit's detail
    names the gate that let it go (``gate``: ``counts``, ``model``, ``reading``,
    ``digits`` or ``aggressive``);
    a model-gated edit adds the model's evidence (``uninformative``,
    ``junction_logodds``).

Never touched: parentheses holding anything that is not one syllable (``(部分)``,
``(icash)``, ``(A)``, ``(xiàndài)``), syllables that are not a reading of the preceding
character, upper-case text, and any text without a toned pinyin group - checked before
anything else by one compiled regular expression at each opening parenthesis, which
``str.find`` locates, so clean text costs a scan for two characters.

Removing a group can make the next group adjacent to the same character
(``現(xiàn)(xiàn)``); decisions are taken on that output view so the fixer is
idempotent.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple, cast

from ..chardata import DBCS_ASCII_TRAILS, HAN_CLASS, IDEOGRAPHIC_ZERO, is_han_or_zero
from .model import char_model
from .types import Edit

__all__ = [
    "EVIDENCE_REACH",
    "MIN_ANNOTATIONS",
    "MIN_SHORT_ANNOTATIONS",
    "find_ruby",
    "fix_ruby",
    "has_ruby_evidence",
]

MIN_ANNOTATIONS = 3
"""Toned annotations a document needs before anything is removed (unless aggressive)."""

MIN_SHORT_ANNOTATIONS = 2
"""Fewer toned annotations suffice when every one of them is on a traditional-only
character (``網(wǎng)站建設(shè)``): a gloss of two converted characters, each exactly
with its own reading, is what the leak looks like in a short title."""

INTERRUPT_LOGODDS = 9.0
""":func:`_junction` at or above which a group cuts a word in two (a group between two
words scores about 7, before punctuation about 5.5, inside ``網站`` 13.5)."""

COMMON_CHAR_LOGPROB = -11.0
"""Model unigram log-probability above which a character is common (``網`` -7.6,
``蹓`` -15.1): nobody glosses a common character that has a single syllable."""

SECOND_READING_SHARE = 0.05
"""Share of a character's phrases that must read it as its second syllable before a
gloss of it tells the reader something (``行`` háng 15%, ``长`` zhǎng 26%, ``会`` kuài
2%)."""

MIN_PHRASES = 8
"""Phrases a character needs in pypinyin's phrase list before their readings are
counted (:func:`_informative`); fewer fall back to the dictionary's readings."""

_TONE_MARKED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜḿńňǹếề"
_COMBINING_TONES = "\u0300\u0301\u0304\u030c"
_SYLLABLE_CHARS = f"a-zêü:{_TONE_MARKED}{_COMBINING_TONES}\u0302\u0308"
_SPACE = "[ \u3000]"

_PREFILTER = re.compile(
    f"[(（]{_SPACE}?[a-zêü:\u0302\u0308]{{0,8}}(?:[{_TONE_MARKED}{_COMBINING_TONES}]|[a-zêü:][1-5])"
)
"""Is the opening parenthesis at a position followed by a toned pinyin spelling?  (At
most eight letters before the tone: a group's syllable has at most eight characters.)"""

EVIDENCE_REACH = 12
"""The longest :data:`_PREFILTER` match: a parenthesis, a space, eight letters, a letter
and a tone digit."""


def has_ruby_evidence(text: str, start: int = 0, end: int | None = None) -> bool:
    """Does a toned pinyin spelling after an opening parenthesis (what every removed group
    holds) overlap ``text[start:end]``?  ``False`` means :func:`find_ruby` and
    :func:`fix_ruby` change nothing there; the repair pipeline asks it of the spans other
    fixers edited, instead of running this fixer again over the whole text."""
    stop = len(text) if end is None else end
    at = max(0, start - EVIDENCE_REACH + 1)
    for paren in "(（":
        found = text.find(paren, at, stop)
        while found >= 0:
            if _PREFILTER.match(text, found) is not None:
                return True
            found = text.find(paren, found + 1, stop)
    return False


_GROUP = re.compile(f"[(（]{_SPACE}?(?P<syl>[{_SYLLABLE_CHARS}]{{1,8}}[1-5]?){_SPACE}?[)）]")
"""One candidate group; at most one space in front of it belongs to it too (added in
:func:`_scan`: a leading optional space in the pattern would defeat the regex engine's
fast scan for the opening parenthesis)."""

_GROUP_MARK = "\x00"
_HAN = f"[{HAN_CLASS}{IDEOGRAPHIC_ZERO}]"
_HALF_GLOSSED = re.compile(f"{_HAN}{_HAN}{_GROUP_MARK}|{_HAN}{_GROUP_MARK}+{_HAN}(?!{_GROUP_MARK})")
"""In the text with each group (and a space before it) replaced by a mark: an unmarked
Han character beside a marked one in the same clause."""

_SPLIT = re.compile(f"([(（]{_SPACE}?([{_SYLLABLE_CHARS}]{{1,8}}[1-5]?){_SPACE}?[)）])")
""":data:`_GROUP` with the group and its syllable captured, for ``re.split``."""
_ALL_HAN = re.compile(f"{_HAN}*")

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


class _Toned(NamedTuple):
    """A toned annotation on the Han character ``text[at]``; ``end`` is where its group
    ends; ``traditional``: the character only exists in Traditional script."""

    at: int
    end: int
    traditional: bool


def _group_matches(text: str) -> Iterator[re.Match[str]]:
    """``_GROUP.finditer(text)``, tried only at the parentheses ``str.find`` locates (a
    group holds one opening parenthesis, its first character, so the matches are the
    same; a document with a spot or two is not stepped through character by character)."""
    ascii_at = text.find("(")
    wide_at = text.find("（")
    while ascii_at >= 0 or wide_at >= 0:
        if wide_at < 0 or 0 <= ascii_at < wide_at:
            at, ascii_at = ascii_at, text.find("(", ascii_at + 1)
        else:
            at, wide_at = wide_at, text.find("（", wide_at + 1)
        match = _GROUP.match(text, at)
        if match is not None:
            yield match


def _scan(text: str, *, allow_mangled: bool) -> tuple[list[_Group], list[_Toned]]:
    """Classify every candidate group; return those that would be removed plus the
    toned annotations among them."""
    groups: list[_Group] = []
    back: dict[int, int] = {}  # end of a removed span -> its start (output view)
    toned: list[_Toned] = []
    last = 0
    for match in _group_matches(text):
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
                toned.append(_Toned(at, end, verdict[1]))
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
    return groups, toned


def _structural_gate(toned: list[_Toned]) -> bool:
    """Does the document show the leak repeatedly, on traditional-only characters?
    Either :data:`MIN_ANNOTATIONS` toned annotations, at least half on traditional-only
    characters, or (a short title) :data:`MIN_SHORT_ANNOTATIONS`, all of them on
    traditional-only characters."""
    traditional = sum(t.traditional for t in toned)
    if len(toned) >= MIN_SHORT_ANNOTATIONS and traditional == len(toned):
        return True
    return len(toned) >= MIN_ANNOTATIONS and 2 * traditional >= len(toned)


def _gate(text: str, groups: list[_Group], toned: list[_Toned]) -> str:
    """The document gate (module docstring): ``"counts"`` when the structural test
    passes, ``"model"`` when the language model vouches for the annotations the counts
    could not, ``"reading"`` or ``"digits"`` when how the readings are written shows a
    tool wrote them (:func:`_written_by_tool`), ``""`` when the document keeps its
    groups."""
    # A phrase or a sentence glossed character by character, converted or not: learner
    # ruby (the rewriter annotates converted characters only) - unless the readings
    # themselves show a tool (a sentence glossed for a learner stays).
    if (
        len(toned) >= 2
        and not all(t.traditional for t in toned)
        and _learner_ruby(text, groups, toned)
    ):
        return ""
    if _structural_gate(toned):
        if (
            len(toned) < MIN_ANNOTATIONS
            and len(text) <= CONTEXT_TEXT_MAX
            and _readings_written(text, groups, toned)[1]
        ):
            return ""  # a short text glossing a reading in context (``調(diào)用``)
        return "counts"
    if len(toned) == 1:
        only = toned[0]
        # The cheap structural tests first: a lone gloss never asks the model.
        vouched = (only.traditional and _uninformative(text, only) and _interrupts(text, only)) or (
            _neutral_beside(groups)
            and _uninformative(text, only)
            and not _learner_ruby(text, groups, toned)
        )
    else:
        vouched = (
            any(_uninformative(text, t) for t in toned)
            or all(t.traditional and _interrupts(text, t) for t in toned)
            or (
                len(toned) >= MIN_ANNOTATIONS
                and any(not _ambiguous_in_use(text[t.at]) for t in toned)
            )
        )
    if vouched:
        return "model"
    if _mixed_motives(text, toned) and not _readings_written(text, groups, toned)[1]:
        return "model"
    return _written_by_tool(text, groups, toned)


def _learner_ruby(text: str, groups: list[_Group], toned: list[_Toned]) -> bool:
    """Are the groups a learner's: clauses glossed character by character
    (:func:`_glossed_clauses`), or one unbroken run of annotated characters that begins
    and ends at word boundaries (a word glossed) whose readings do not show a tool?"""
    if _glossed_clauses(text):
        return True
    return (
        _one_run(text, groups)
        and not _run_cuts_word(text, groups)
        and _run_is_words(text, groups)
        and not _written_by_tool(text, groups, toned)
    )


def _neutral_beside(groups: list[_Group]) -> bool:
    """Does a neutral-tone annotation (``子(zi)``, ``了(le)``) stand beside the one toned
    annotation?  Two annotations, one on a character nobody glosses
    (:func:`_uninformative`), are a tool's, as with two toned ones."""
    return sum(not g.mangled for g in groups) >= 2


def _rare_single(char: str) -> bool:
    """A rare character with one syllable (``奼`` chà): a gloss on it is for its rarity."""
    return len(_own_syllables(char)) == 1 and char_model().unigram(char) < COMMON_CHAR_LOGPROB


def _mixed_motives(text: str, toned: list[_Toned]) -> bool:
    """Do two or more annotations mix a rare character with one syllable (glossed, if by
    a person, for its rarity) and a common character read one way in use
    (:func:`_ambiguous_in_use` says no: glossed, if by a person, only where the text
    reads it another way than a reader would guess - which the caller checks: a reading
    in context that differs from the default keeps the groups)?  A person glosses with
    one motive, the rare characters of a text or its misreadable ones; a tool annotating
    characters at random mixes them (``合(hé)奼(chà)紫``).  Only in a text of at most
    :data:`CONTEXT_TEXT_MAX` characters, where the readings are read in context."""
    if len(toned) < 2 or len(text) > CONTEXT_TEXT_MAX:
        return False
    chars = [text[t.at] for t in toned]
    return any(map(_rare_single, chars)) and any(not _ambiguous_in_use(char) for char in chars)


CONTEXT_TEXT_MAX = 256
"""Longest text whose readings are compared with their context (:func:`_written_by_tool`):
a short text (a title, a caption) is where the counts cannot decide; in a longer document
pypinyin's reading of a few characters per annotation cost about 18% of the time of a
repair pass over news with a few damaged spots (``bench_fix.py``), and a leaked document
has the count the gate needs.  Beyond it, void glosses (the context reading) are not
looked for either, and only the tone digits count."""

CONTEXT_REACH = 6
"""Characters on each side of an annotated character (its groups left out) that
:func:`_readings_written` gives pypinyin to read it in context."""


def _written_syllable(text: str, group: _Group) -> str:
    match = _GROUP.search(text, group.start, group.end)
    assert match is not None
    return match.group("syl")


def _default_reading(char: str) -> str:
    """The reading pypinyin gives ``char`` alone (its first, TONE3): what a tool that
    annotates character by character writes."""
    from .readings import char_readings

    numbered = char_readings(char)[1] or char_readings(_readings(char)[2])[1]
    return numbered[0] if numbered else ""


def _readings_written(text: str, groups: list[_Group], toned: list[_Toned]) -> tuple[bool, bool]:
    """How the toned annotations' readings relate to how their characters are read in
    context, where that differs from the character's own default reading (``長`` alone
    is cháng, in ``長年`` zhǎng): (some annotation writes the default where the context
    reads otherwise - a tool annotating character by character; some writes the reading
    in context - a person glossing the word).  Where the two readings agree the written
    one says nothing (a character with one reading is not looked at).  pypinyin reads
    :data:`CONTEXT_REACH` characters on each side."""
    from .readings import context_readings

    by_end = {g.end: g for g in groups if not g.mangled}
    default_written = context_written = False
    for t in toned:
        group = by_end.get(t.end)
        if group is None:
            continue
        if len(_readings(text[t.at])[0]) < 2:
            continue  # one reading: the same alone and in context (no pypinyin asked)
        default = _default_reading(text[t.at])
        key = cast("_Syllable", _parse_syllable(_written_syllable(text, group))).key
        if key != default and default.rstrip("12345") == key.rstrip("12345"):
            continue  # a tone sandhi or the neutral tone: not a different reading
        left = _without_groups(text[max(0, t.at - 8 * CONTEXT_REACH) : t.at + 1])
        left = left[-CONTEXT_REACH:]
        right = _without_groups(text[group.end : group.end + 8 * CONTEXT_REACH])[:CONTEXT_REACH]
        in_context = context_readings(left + right)[len(left) - 1]
        if not in_context or in_context == default:
            continue
        if key == default:
            default_written = True
        elif key == in_context:
            context_written = True
    return default_written, context_written


def _written_by_tool(text: str, groups: list[_Group], toned: list[_Toned]) -> str:
    """Do the written readings show a tool, where the gate's other tests did not settle
    it?  ``"reading"``: some annotation writes its character's default reading where the
    context reads it otherwise (:func:`_readings_written`) - a converter pasting each
    character's reading (the leak's readings are pypinyin's defaults, 60 of 60 in the real
    excerpts), never a person glossing a word; at one annotation only on a
    traditional-only character (the rewriter's).  ``"digits"``: two or more annotations
    (``子(zi)`` without a tone counts), one with a tone digit (``chang3``): a reader's
    gloss is written with tone marks.
    Either is void when some annotation writes the reading in context that differs from
    the default (``長(zhǎng)年``: a gloss).  ``""`` otherwise."""
    annotations = [_written_syllable(text, g) for g in groups if not g.mangled]
    digits = len(annotations) >= 2 and any(written[-1] in "1234" for written in annotations)
    if len(text) > CONTEXT_TEXT_MAX:
        return "digits" if digits else ""
    if not digits and (len(toned) >= 2 or toned[0].traditional):
        default_written, context_written = _readings_written(text, groups, toned)
        if default_written and not context_written:
            return "reading"
        return ""
    if digits:
        context_written = _readings_written(text, groups, toned)[1]
        return "" if context_written else "digits"
    return ""


def _one_run(text: str, groups: list[_Group]) -> bool:
    """Are the annotated characters one unbroken run (``小(xiǎo)傢(jiā)伙(huo)``),
    nothing but groups between them?"""
    ats = sorted({g.at for g in groups if not g.mangled})
    return all(not _without_groups(text[x + 1 : y]).strip() for x, y in itertools.pairwise(ats))


def _without_groups(text: str) -> str:
    return _GROUP.sub("", text) if "(" in text or "（" in text else text


def _run_cuts_word(text: str, groups: list[_Group]) -> bool:
    """Does the unbroken run of annotated characters begin or end inside a word
    (``拆迁(qiān)户(hù)``: 拆迁 is a word)?  A learner glosses whole words; a tool
    annotates characters wherever they are.  The language model reads the character
    before the run and its first one, and the run's last one and the character after
    it, as :func:`_junction` does."""
    from .junction import junction_logodds

    kept = [g for g in groups if not g.mangled]
    first = min(g.at for g in kept)
    last = max(kept, key=lambda g: g.at)
    before = text[first - 1] if first > 0 else ""
    after = text[last.end : last.end + 1]
    edges = []
    if before and not before.isspace():
        edges.append(junction_logodds(before, text[first], "()"))
    if after and not after.isspace():
        edges.append(junction_logodds(text[last.at], after, "()"))
    return any(edge >= INTERRUPT_LOGODDS for edge in edges)


def _run_is_words(text: str, groups: list[_Group]) -> bool:
    """Does the unbroken run of annotated characters begin and end where jieba's
    segmentation of the text (its groups removed, read in Simplified script, which the
    segmenter's dictionary is written in) puts word boundaries?  A learner glosses whole
    words; a run of two leaked characters that the bigram model reads as bounded
    (``凤(fèng)楼(lóu)龙(lóng)阙``: 凤楼龙 ends inside the idiom 凤楼龙阙) is not.  The
    segmenter (:func:`zhnorm.neardup.shingling.word_tokens`) is loaded on the first
    call only: few texts get this far."""
    from ..neardup.shingling import word_tokens
    from ..script.converter import convert

    kept = sorted({g.at for g in groups if not g.mangled})
    pieces: list[str] = []
    first = last = -1
    cursor = 0
    for group in sorted(groups, key=lambda g: g.start):
        pieces.append(text[cursor : group.start])
        cursor = group.end
        if group.at == kept[0] and first < 0:
            first = sum(map(len, pieces)) - 1
        if group.at == kept[-1]:
            last = sum(map(len, pieces))
    pieces.append(text[cursor:])
    plain = "".join(pieces)
    simplified = convert(plain, "t2s")
    if len(simplified) == len(plain):
        plain = simplified
    bounds = set(itertools.accumulate(map(len, word_tokens(plain)), initial=0))
    return first in bounds and last in bounds


def _glossed_clauses(text: str) -> bool:
    """Is every Han character of each clause that holds a parenthesised syllable followed
    by one (a sentence glossed character by character for a learner,
    ``你(nǐ)好(hǎo)，我(wǒ)是(shì)``)?  A clause is a run of Han characters in the text
    without its groups (and the spaces in front of them); a group counts whether or not
    the dictionary has its reading
    (``思(si)``: a learner text writes the neutral tone the dictionary lacks).  Two
    regular expression passes: the groups become a mark, then a clause with a marked and
    an unmarked character side by side is looked for."""
    if _GROUP_MARK in text:
        return False
    marked = _GROUP.sub(_GROUP_MARK, text)
    while f" {_GROUP_MARK}" in marked or f"\u3000{_GROUP_MARK}" in marked:
        # Spaces in front of a group go with it.
        marked = marked.replace(f" {_GROUP_MARK}", _GROUP_MARK)
        marked = marked.replace(f"\u3000{_GROUP_MARK}", _GROUP_MARK)
    return _HALF_GLOSSED.search(marked) is None


def _uninformative(text: str, toned: _Toned) -> bool:
    return not _informative(text[toned.at])


@lru_cache(maxsize=1 << 14)
def _informative(char: str) -> bool:
    """Would a reader need this character glossed?  A character read as more than one
    syllable (``長`` cháng/zhǎng, ``行``) or a rare one (``蹓``): deliberate ruby glosses
    these.  A common character with one syllable (``網`` wǎng, ``設`` shè) is glossed
    only by a tool (tones are ignored: ``好`` hǎo/hào is one syllable).  The syllables
    are the character's own (:func:`_own_syllables`): a reader of ``臺`` meets tái only,
    whatever else its simplified form ``台`` (tāi in 天台) stands for."""
    return len(_own_syllables(char)) > 1 or char_model().unigram(char) < COMMON_CHAR_LOGPROB


def _own_syllables(char: str) -> frozenset[str]:
    """The syllables (tones left out) the dictionary gives ``char`` itself; those of its
    simplified form only when it has no entry of its own.  :func:`_readings` joins the
    two, since a group may spell either; but a traditional character the conversion
    merges with others (``臺``, ``檯`` and ``颱`` are all ``台``) is read as its own
    readings, not as the merged form's."""
    from .readings import char_readings

    own = char_readings(char)[1] or _readings(char)[0]
    return frozenset(key.rstrip("12345") for key in own)


@lru_cache(maxsize=1 << 14)
def _ambiguous_in_use(char: str) -> bool:
    """Is ``char`` read as more than one syllable in use, not only in the dictionary?
    Counted in pypinyin's phrase list (:func:`~zhnorm.repair.readings.syllable_counts`,
    of the character or its simplified form): the second syllable needs at least
    :data:`SECOND_READING_SHARE` of the phrases, so a dictionary's rare readings (``会``
    kuài in 6 phrases of 328, ``能`` tái in none) do not count.  A character in fewer
    than :data:`MIN_PHRASES` phrases counts as ambiguous (a rare one: a gloss may help).
    A rare character (:func:`_informative`) is ambiguous too."""
    from .readings import syllable_counts

    if char_model().unigram(char) < COMMON_CHAR_LOGPROB:
        return True
    # The phrase list is written in Simplified: a traditional character's own entries
    # there are a few stray phrases (``結`` in 1, ``结`` in 265), so the form with more
    # phrases is counted.
    counts = max(syllable_counts(char), syllable_counts(_readings(char)[2]), key=_phrase_total)
    total = _phrase_total(counts)
    if total < MIN_PHRASES:
        return True
    return len(counts) > 1 and counts[1][1] >= SECOND_READING_SHARE * total


def _phrase_total(counts: tuple[tuple[str, int], ...]) -> int:
    return sum(n for _syllable, n in counts)


def _junction(text: str, toned: _Toned) -> float:
    """How much better the text reads without the group, at its two edges (natural log):
    ``log P(next | char)`` against ``log P('(' | char) + log P(next | ')')``
    (:func:`~zhnorm.repair.junction.junction_logodds`).  The group's own letters are left
    out: a gloss and a leak spell them alike."""
    from .junction import junction_logodds

    following = text[toned.end : toned.end + 1]
    return junction_logodds(text[toned.at], "" if following.isspace() else following, "()")


def _interrupts(text: str, toned: _Toned) -> bool:
    """Does the group cut a word in two (``網(wǎng)站``)?  The model reads the character
    and the next one as a word clearly more often than as a word boundary."""
    return _junction(text, toned) >= INTERRUPT_LOGODDS


_GATE_MIN = 1
"""Fewest toned annotations that can pass the gate (one, when the model vouches for it)."""


def _removed(text: str, aggressive: bool, *, checked: bool = False) -> tuple[list[_Group], str]:
    """The groups to remove and the gate that let them go (``counts``, ``model`` or
    ``aggressive``; ``""`` with no group).  ``checked``: the caller has just seen
    :func:`has_ruby_evidence` say yes."""
    if not checked and not has_ruby_evidence(text):
        return [], ""
    groups, toned = _scan(text, allow_mangled=True)
    gate = _gate(text, groups, toned) if len(toned) >= _GATE_MIN else ""
    if gate:
        return groups, gate
    if not aggressive:
        return [], ""
    groups = _scan(text, allow_mangled=False)[0]
    return groups, "aggressive" if groups else ""


_FEW_GROUPS = 4
"""Up to this many parentheses, :func:`fix_ruby` scans instead of splitting."""

_NOT, _UNTONED, _TONED, _TONED_TRADITIONAL, _MANGLED = range(5)
"""What a group is, in :func:`_split_view`: no annotation, an annotation without an
explicit tone, a toned one (on a traditional-only character), a mangled annotation."""
_CODES: dict[tuple[str, str], int] = {}
_CODES_MAX = 1 << 16  # cleared past this many pairs (a document repeats a few)
_LAST = itemgetter(-1)


def _code(char: str, written: str) -> int:
    verdict = _verdict(char, written)
    if verdict is None:
        return _NOT
    if not verdict[0]:
        return _UNTONED
    return _TONED_TRADITIONAL if verdict[1] else _TONED


class _View(NamedTuple):
    """``text`` split at its candidate groups: ``segments[k]`` is the text before group
    ``k`` (the last segment the text after the last group), ``whole[k]`` the group and
    ``codes[k]`` what it is."""

    segments: list[str]
    whole: list[str]
    codes: list[int]


def _split_view(text: str) -> _View | None:
    """The groups of ``text`` classified in C-speed passes (one ``re.split``, table
    lookups keyed by character and syllable), or ``None`` when a group does not directly
    follow a non-space character of its own segment (a group at the start, after another
    group or after a space, a mangled one whose garbled neighbour is not in its segment):
    :func:`_scan` decides those."""
    parts = _SPLIT.split(text)
    segments = parts[0::3]
    try:
        chars = "".join(map(_LAST, segments[:-1]))
    except IndexError:  # an empty segment: a group at the start or right after another
        return None
    pairs = list(zip(chars, parts[2::3], strict=True))
    looked_up = list(map(_CODES.get, pairs))
    if None in looked_up:
        if len(_CODES) > _CODES_MAX:
            _CODES.clear()
        codes = [
            _CODES.setdefault(pair, _code(*pair)) if code is None else code
            for code, pair in zip(looked_up, pairs, strict=True)
        ]
    else:
        codes = cast("list[int]", looked_up)
    if _ALL_HAN.fullmatch(chars) is None:
        for found in re.finditer(f"[^{HAN_CLASS}{IDEOGRAPHIC_ZERO}]", chars):
            k = found.start()
            char, segment = chars[k], segments[k]
            if char in " \u3000" or len(segment) < 2:
                return None
            if _mangled(segment, len(segment) - 1, len(segment) - 2, parts[3 * k + 2]):
                codes[k] = _MANGLED
    return _View(segments, parts[1::3], codes)


def _run_in_view(view: _View) -> bool:
    """:func:`_one_run` on a view: the annotated characters are consecutive groups' and
    only whitespace stands between a group and the next annotated character."""
    annotated = [k for k, code in enumerate(view.codes) if _NOT < code < _MANGLED]
    return all(
        b == a + 1 and not view.segments[b][:-1].strip() for a, b in itertools.pairwise(annotated)
    )


def _fixed_in_view(text: str, view: _View) -> str | None:
    """:func:`fix_ruby`'s result where the counts decide (long leaked documents), from
    the view; ``None`` where the gate needs the positions (:func:`_scan`)."""
    codes = view.codes
    traditional = codes.count(_TONED_TRADITIONAL)
    toned = traditional + codes.count(_TONED)
    if toned < _GATE_MIN:
        return text
    if toned >= 2 and traditional < toned:
        if _glossed_clauses(text):
            return text
        if _run_in_view(view):
            return None  # is the run a learner's word?  The model reads its ends.
    counts = (toned >= MIN_SHORT_ANNOTATIONS and traditional == toned) or (
        toned >= MIN_ANNOTATIONS and 2 * traditional >= toned
    )
    if not counts:
        return None
    if _NOT not in codes:
        return "".join(view.segments)
    kept = [whole if code == _NOT else "" for whole, code in zip(view.whole, codes, strict=True)]
    return "".join(itertools.chain.from_iterable(zip(view.segments, [*kept, ""], strict=False)))


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
    groups, gate = _removed(text, aggressive)
    edits = [_edit(text, group) for group in groups]
    for edit, group in zip(edits, groups, strict=True):
        edit.detail["gate"] = gate
        if gate == "model" and not group.mangled:
            # The model's evidence for this group (module docstring).
            edit.detail["uninformative"] = not _informative(text[group.at])
            junction = _junction(text, _Toned(group.at, group.end, False))
            edit.detail["junction_logodds"] = round(junction, 2)
    return edits


def fix_ruby(text: str, *, aggressive: bool = False) -> str:
    """``text`` with leaked pinyin annotations removed (see :func:`find_ruby`); the
    same result as applying those edits, without building their explanations."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    if not has_ruby_evidence(text):
        return text
    # The view pays off on many groups; a spot or two goes straight to the scan.
    view = _split_view(text) if text.count("(") + text.count("（") > _FEW_GROUPS else None
    if view is not None:
        fixed = _fixed_in_view(text, view)
        if fixed is not None and (fixed is not text or not aggressive):
            return fixed
    pieces: list[str] = []
    cursor = 0
    for group in _removed(text, aggressive, checked=True)[0]:
        pieces.append(text[cursor : group.start])
        cursor = group.end
    if not pieces:
        return text
    pieces.append(text[cursor:])
    return "".join(pieces)
