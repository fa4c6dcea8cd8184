"""Pre-filter: the regexes that find evidence of mojibake, and whether a hit counts.

:func:`trigger` is one regex compiled once per process; clean text returns ``[]``
after that single scan, and every edit must overlap a hit:

* UTF-8 of CJK read as GBK/GB18030 or Big5: three characters whose double-byte
  codes follow the UTF-8 byte pattern (``鍙戝竷``) and whose bytes decode as UTF-8
  to common hanzi (rare hanzi alone never fire);
* UTF-8 read as a single-byte code page: the code page's character for a lead byte
  E4-E9 followed by two of its characters for continuation bytes (``æµ‹``,
  ``иҝҷ``, ``ф╕н``); the classes come from each codec's own byte table, and
  outside cp1252/latin-1 the three bytes must be UTF-8 of a common hanzi, so
  Cyrillic or Greek words that happen to fit the shape (``дії``) do not count;
* GBK read as cp1252/latin-1 (``ËùÊô``) or as cp437/cp850 (``╓╨╬─``): four high
  characters in a row; for the DOS pages they must be GBK of two common hanzi and
  not one repeated rule character;
* GBK or Big5 read as cp1252/latin-1 with trail bytes 40-7E inside the run, which
  show as ASCII letters and punctuation (``¦b¼Ú¬w`` = 在歐洲, A6 62 ...): three
  pairs of a high lead A1-FE and any trail, counted only if they read as three
  common hanzi in GBK or Big5 (``Müller`` reads ``M黮ler`` and does not);
* ``锟斤拷``.

Several hits of one long run widen a single window over it.  Latin-script prose
(``Müller``, ``café crème``, ``São Paulo``, ``El niño está aquí``) next to Chinese
stays untouched.

GBK<->Big5: the regex above also matches a lost mark or a private-use character
alone; the second pre-filter (:func:`rare_spans`) finds two rare characters in a row
or three within five (lost marks and private use included), and a GBK<->Big5 edit
must overlap one of its hits.  (Both shapes cost nothing measurable on clean text:
``docs/repair-measurements.md``.)

The trigger's facts live in one place, :func:`trigger_shapes` (a first character, then
fixed-width shapes of character classes); :func:`trigger` writes them as the regex and
:func:`scan_tables` as the class masks of the compiled scan (``zhnorm.kernels._scan``),
which answers :func:`has_evidence`, :func:`rare_spans` and :func:`trigger_spans` with
the same results as the regexes, its pure-Python twins (``tests/test_repair_prefilter.py``),
at a table lookup a character: the pipeline asks :func:`has_evidence` of every text.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from ...cache import cached_strings
from ...chardata import (
    BIG5_LEADS,
    BIG5_TRAILS,
    GB2312_BYTES,
    GBK_LEADS,
    GBK_TRAILS,
    RUNNING_PUNCT,
    encode_text,
    is_basic_han,
    is_han,
)
from ...kernels import dispatch
from ..plausibility import is_common, is_rare
from .common import DOS_CODECS, LATIN_CODECS, OTHER_SINGLE_BYTE_CODECS, char_class

if TYPE_CHECKING:
    from ...kernels._scan import Scanner

# Characters cp1252/latin-1 show for bytes 0x80-0xBF (UTF-8 continuation bytes), and
# U+201B, which the trigger has always held (it sits inside the run U+2018-U+201E).
_CONT_LATIN = frozenset(
    [
        *range(0x80, 0xC0),
        *(0x152, 0x153, 0x160, 0x161, 0x178, 0x17D, 0x17E, 0x192, 0x2C6, 0x2DC),
        *(0x2013, 0x2014, *range(0x2018, 0x201F), *range(0x2020, 0x2023), 0x2026),
        *(0x2030, 0x2039, 0x203A, 0x20AC, 0x2122),
    ]
)
_CONT_LATIN_SET = frozenset(
    [chr(c) for c in range(0x80, 0x100)]
    + [bytes((b,)).decode("cp1252", "ignore") for b in range(0x80, 0xC0)]
) - {""}


def _codec_class(codec: str, leads: range, trails: range) -> frozenset[int]:
    """The double-byte characters ``leads x trails`` (private use aside)."""
    cps: list[int] = []
    for lead in leads:
        for trail in trails:
            try:
                ch = bytes((lead, trail)).decode(codec)
            except UnicodeDecodeError:
                continue
            if len(ch) == 1 and not 0xE000 <= ord(ch) <= 0xF8FF:
                cps.append(ord(ch))
    return frozenset(cps)


def _byte_chars(codec: str, byte_values: Iterable[int]) -> list[int]:
    """Code points a single-byte codec shows for the given bytes (non-ASCII only)."""
    cps: list[int] = []
    for value in byte_values:
        try:
            ch = bytes((value,)).decode(codec)
        except UnicodeDecodeError:
            continue
        if len(ch) == 1 and ord(ch) >= 0x80:
            cps.append(ord(ch))
    return cps


SHORT_MAX = 12
"""Longest text (stripped) the short-text readers (:mod:`.short_text`) read whole; a text
of up to twice this is tried whole, without a pre-filter hit (longer ones have hits to
go by)."""

EVIDENCE_REACH = 8
"""Characters a pre-filter hit reaches beyond an edited span (a trigger hit is at most 6
with the character its look-behind reads, a rare span 5; ``tests/test_fix.py`` checks it)."""


def has_evidence(text: str, start: int = 0, end: int | None = None) -> bool:
    """Could :func:`~zhnorm.repair.mojibake.find_mojibake` edit anything overlapping
    ``text[start:end]``?  Only where its trigger regex or a GBK<->Big5 rare-character span
    hits within :data:`EVIDENCE_REACH`, or anywhere in a non-ASCII text short enough to be
    read whole: every edit it makes is one of those."""
    if len(text) <= 2 * SHORT_MAX and not text.isascii():
        return True
    end = len(text) if end is None else end
    lo, hi = max(0, start - EVIDENCE_REACH), min(len(text), end + EVIDENCE_REACH)
    scanner = _scanner()
    if scanner is not None and lo <= hi:
        return scanner.evidence(text, lo, hi)
    return _evidence_python(text, lo, hi)


def _evidence_python(text: str, lo: int, hi: int) -> bool:
    """The twin of the compiled scan's ``evidence``: a trigger hit in ``text[lo:hi]``
    or a rare span."""
    if trigger().search(text, lo, hi) is not None:
        return True
    return bool(_rare_spans_python(text if (lo, hi) == (0, len(text)) else text[lo:hi]))


class Shape(NamedTuple):
    """One shape of the trigger: a first character in ``behind``, then one character of
    each class of ``then`` (sets of code points)."""

    behind: frozenset[int]
    then: tuple[frozenset[int], ...]


def _cps(cps: Iterable[int]) -> frozenset[int]:
    return frozenset(cps)


@lru_cache(maxsize=1)
def trigger_shapes() -> tuple[frozenset[int], tuple[Shape, ...]]:
    """The trigger (see the module docstring) as data: the class of its first character
    and its shapes, tried in order at each position.  The one home of the trigger's
    facts: :func:`trigger` writes them as a regex, :func:`scan_tables` as the tables of
    the compiled scan."""
    lead, cont = range(0xE4, 0xEA), range(0x80, 0xC0)
    firsts: set[int] = {*range(0xA1, 0x100), ord("锟")}
    shapes: list[Shape] = []
    for codec in ("gbk", "big5"):
        a = _codec_class(codec, lead, cont)
        firsts |= a
        shapes.append(Shape(a, (_codec_class(codec, cont, lead), _codec_class(codec, cont, cont))))
    shapes.append(Shape(_cps(range(0xE2, 0xF0)), (_CONT_LATIN,) * 2))
    latin_high = _cps(range(0xA1, 0x100))
    shapes.append(Shape(latin_high, (latin_high,) * 3))
    # GBK/Big5 read as cp1252/latin-1 with trail bytes 40-7E showing as ASCII inside
    # the run (``¦b¼Ú¬w`` = 在歐洲): three pairs, each a lead A1-FE (every GB2312 and
    # common Big5 character) and a GBK trail (40-7E or 80-FE).
    lead_class = _cps(GB2312_BYTES)
    trail = _cps([*GBK_TRAILS, *_byte_chars("cp1252", range(0x80, 0xA0))])
    shapes.append(Shape(lead_class, (trail, lead_class, trail, lead_class, trail)))
    # A GB18030 four-byte character read as cp1252/latin-1: a high byte, a digit, a
    # high byte, a digit (``\x820\x823`` = 㒰); it counts if it reads as a hanzi.
    four_lead = _cps(cp for codec in LATIN_CODECS for cp in _byte_chars(codec, _HIGH))
    firsts |= four_lead
    digits = _cps(range(ord("0"), ord("9") + 1))
    shapes.append(Shape(four_lead, (digits, four_lead, digits)))
    # UTF-8 of CJK read in the other single-byte codecs: the codec's own characters
    # for a lead byte E4-E9 followed by two for continuation bytes.
    for codec in OTHER_SINGLE_BYTE_CODECS:
        leads = _cps(_byte_chars(codec, lead))
        firsts |= leads
        shapes.append(Shape(leads, (_cps(_byte_chars(codec, cont)),) * 2))
    # GBK read as a DOS code page (zip file names): four high characters in a row.
    high = _cps(cp for codec in DOS_CODECS for cp in _byte_chars(codec, GBK_LEADS))
    firsts |= high
    shapes.append(Shape(high, (high,) * 3))
    shapes.append(Shape(_cps([ord("锟")]), (_cps([ord("斤")]), _cps([ord("拷")]))))
    # A lost mark or private-use character alone: the proof GBK<->Big5 repair needs.
    marks = _cps([0xFFFD, *range(0xE000, 0xF900)])
    firsts |= marks
    shapes.append(Shape(marks, ()))
    return frozenset(firsts), tuple(shapes)


@lru_cache(maxsize=1)
def trigger() -> re.Pattern[str]:
    """The pre-filter regex (see the module docstring), built once per process from
    :func:`trigger_shapes`: every alternative starts with one character class and checks
    the rest after a one-character look-behind, so the regex engine scans with a fast
    charset test."""
    first, shapes = trigger_shapes()
    alts: list[str] = []
    for shape in shapes:
        alt = f"(?<=[{char_class(list(shape.behind))}])"
        k = 0
        while k < len(shape.then):
            n = 1
            while k + n < len(shape.then) and shape.then[k + n] == shape.then[k]:
                n += 1
            alt += f"[{char_class(list(shape.then[k]))}]" + (f"{{{n}}}" if n > 1 else "")
            k += n
        alts.append(alt)
    return re.compile("[" + char_class(list(first)) + "](?:" + "|".join(alts) + ")")


def hit_ok(hit: str) -> bool:
    """Whether a pre-filter hit is evidence of mojibake.

    Hanzi-shaped hits (GBK/Big5 readings of UTF-8) and the shapes of the new
    single-byte and DOS readings count only if their bytes decode to common hanzi, so
    rare hanzi, Cyrillic or Greek words and box-drawing rules never fire on their own.
    """
    if hit == "锟斤拷":
        return True
    if is_basic_han(hit[0]):
        for codec in ("gbk", "big5"):
            try:
                decoded = hit.encode(codec).decode("utf-8")
            except UnicodeError:
                continue
            if all(is_common(c) for c in decoded):
                return True
        return False
    if len(hit) == 4 and hit[1].isdigit() and hit[3].isdigit():
        return _four_byte_hit_ok(hit)
    if len(hit) == 6 and any(c.isascii() for c in hit):
        return _dbcs_hit_ok(hit)
    if all(c in _CONT_LATIN_SET or "\u00a1" <= c <= "\u00ff" for c in hit):
        return True  # the cp1252/latin-1 shapes
    if len(hit) == 3:
        for codec in OTHER_SINGLE_BYTE_CODECS:
            try:
                decoded = hit.encode(codec).decode("utf-8")
            except UnicodeError:
                continue
            if len(decoded) == 1 and is_common(decoded):
                return True
    elif len(hit) == 4 and len(set(hit)) > 2:
        for codec in DOS_CODECS:
            try:
                decoded = hit.encode(codec).decode("gbk")
            except UnicodeError:
                continue
            if len(decoded) == 2 and all(is_common(c) for c in decoded):
                return True
    return False


_HIGH = range(0x81, 0xFF)


def _four_byte_hit_ok(hit: str) -> bool:
    """A GB18030 four-byte character read as cp1252/latin-1 counts if it is a hanzi."""
    for single in LATIN_CODECS:
        data = encode_text(hit, single)
        if data is None:
            continue
        try:
            decoded = data.decode("gb18030")
        except UnicodeDecodeError:
            continue
        if len(decoded) == 1 and is_han(decoded):
            return True
    return False


def _dbcs_hit_ok(hit: str) -> bool:
    """A three-pair hit with ASCII trail bytes counts if its bytes read as GBK or Big5
    give three common hanzi (``M黮ler`` from ``Müller`` does not)."""
    for single in LATIN_CODECS:
        data = encode_text(hit, single)
        if data is None:
            continue
        for codec in ("gbk", "big5"):
            try:
                decoded = data.decode(codec)
            except UnicodeDecodeError:
                continue
            if len(decoded) == 3 and all(is_han(c) and is_common(c) for c in decoded):
                return True
    return False


def _rare_pairs() -> list[str]:
    """The rare characters a GBK or Big5 byte pair decodes to (full-width ASCII aside)."""
    found = []
    for codec, leads, trails in (("gbk", GBK_LEADS, GBK_TRAILS), ("big5", BIG5_LEADS, BIG5_TRAILS)):
        for lead in leads:
            for trail in trails:
                try:
                    ch = bytes((lead, trail)).decode(codec)
                except UnicodeDecodeError:
                    continue
                if is_rare(ch) and not "\uff01" <= ch <= "\uff5e":
                    found.append(ch)
    return ["".join(found)]


@lru_cache(maxsize=1)
def rare_chars() -> frozenset[int]:
    """The rare characters of the GBK<->Big5 pre-filter: a lost mark, a private-use
    character, or a rare character some GBK or Big5 byte pair decodes to (full-width
    ASCII, common in mainland news as ``２０１０``, is not rare here); the rare characters
    of the two codecs are cached on disk (:func:`zhnorm.cache.cached_strings`)."""
    inputs = repr((GBK_LEADS, GBK_TRAILS, BIG5_LEADS, BIG5_TRAILS))
    (rare,) = cached_strings("dbcs-rare", inputs, _rare_pairs)
    return frozenset([0xFFFD, *range(0xE000, 0xF900), *map(ord, rare)])


def _big5_reading_gbk_common() -> list[str]:
    """The Big5 characters whose bytes, read in step as GBK, are a common character or
    the punctuation of running prose (:data:`~zhnorm.chardata.RUNNING_PUNCT`: GBK's
    ``，`` is Big5's ``ㄛ``, ``？`` is ``ˋ``):
    :func:`~.gbk_read_as_big5.worth_searching`'s reading, one character at a time."""
    from .big5_read_as_gbk import dbcs_bytes, decode_pair

    found = []
    for lead in BIG5_LEADS:
        for trail in BIG5_TRAILS:
            ch = decode_pair(lead, trail, "big5")
            got = None if ch is None else dbcs_bytes(ch, "big5")
            read = None if got is None or len(got) != 2 else decode_pair(got[0], got[1], "gbk")
            if ch is not None and read is not None and (is_common(read) or read in RUNNING_PUNCT):
                found.append(ch)
    return ["".join(found)]


@lru_cache(maxsize=1)
def gbk_shown_as_big5() -> frozenset[int]:
    """Characters a Big5 reader shows for GBK bytes of a common character, in step: the
    characters of a GBK<->Big5 garble that keeps its bytes (``扂蠅婓控儔奀潔`` =
    我们在北京时间), cached on disk like :func:`rare_chars`.  Two rare characters within
    four count as a pre-filter span only when every character from the first to the
    second is one of these: the cheap reject of text whose rare characters stand apart."""
    inputs = repr((BIG5_LEADS, BIG5_TRAILS, sorted(RUNNING_PUNCT)))
    (chars,) = cached_strings("big5-shows-gbk-common", inputs, _big5_reading_gbk_common)
    return frozenset(map(ord, chars))


@lru_cache(maxsize=1)
def rare_class() -> re.Pattern[str]:
    """One rare character of the GBK<->Big5 pre-filter (:func:`rare_chars`), compiled
    once per process."""
    return re.compile("[" + char_class(list(rare_chars())) + "]")


_Masks = tuple[int, ...]


@lru_cache(maxsize=1)
def scan_tables() -> tuple[array[int], int, int, int, tuple[tuple[int, _Masks], ...]]:
    """The tables of the compiled scan (:mod:`zhnorm.kernels.dispatch`'s ``scan``), from
    :func:`trigger_shapes` and :func:`rare_chars`: a class mask per BMP code point (bit k:
    in the k-th distinct character class), the masks of the trigger's first character
    and of a rare character, and each shape as ``(behind, then)`` masks."""
    first, shapes = trigger_shapes()
    bits: dict[frozenset[int], int] = {}
    shapes_classes = (c for shape in shapes for c in (shape.behind, *shape.then))
    for cps in [first, rare_chars(), gbk_shown_as_big5(), *shapes_classes]:
        bits.setdefault(cps, 1 << len(bits))
    if len(bits) > 64:
        raise ValueError(f"the compiled scan holds 64 character classes, not {len(bits)}")
    table = array("Q", bytes(8 * 0x10000))
    for cps, bit in bits.items():
        if max(cps) > 0xFFFF:
            raise ValueError("the compiled scan classes BMP code points only")
        for cp in cps:
            table[cp] |= bit
    coded = tuple((bits[s.behind], tuple(bits[c] for c in s.then)) for s in shapes)
    return table, bits[first], bits[rare_chars()], bits[gbk_shown_as_big5()], coded


@lru_cache(maxsize=1)
def _scanner() -> Scanner | None:
    """The compiled scan over :func:`scan_tables`, or ``None`` for the pure-Python twins
    (the trigger regex and :func:`_rare_spans_python`)."""
    if dispatch.scan is None:
        return None
    return dispatch.scan.Scanner(*scan_tables())


def rare_spans(text: str) -> list[tuple[int, int]]:
    """Hits of the GBK<->Big5 pre-filter: two rare characters (:func:`rare_chars`) in a
    row, or three within five characters on one line, or two within four whose stretch
    reads as GBK shown by a Big5 reader (:func:`gbk_shown_as_big5`), as the spans a
    left-to-right scan finds them - at a rare character the first of ``RR``, ``R.RR``,
    ``R.R.R``, ``R..RR``, ``R.R``, ``R..R`` that fits (``.`` any character but a line
    break), the next search after its end."""
    scanner = _scanner()
    if scanner is not None:
        return scanner.rare_spans(text)
    return _rare_spans_python(text)


def _rare_spans_python(text: str) -> list[tuple[int, int]]:
    """:func:`rare_spans` in Python: one scan for the rare characters (clean text has
    few), then the shapes are checked on their positions (one character class compiled
    instead of eight copies of it in one pattern: about 60 ms less on the first call)."""
    positions = [m.start() for m in rare_class().finditer(text)]
    if len(positions) < 2:
        return []
    rare = set(positions)
    spans: list[tuple[int, int]] = []
    end = 0
    for at in positions:
        if at < end:
            continue
        if at + 1 in rare:
            end = at + 2
        elif text[at + 1 : at + 2] == "\n":
            continue
        elif at + 2 in rare and at + 3 in rare:
            end = at + 4
        elif at + 4 in rare and (
            (at + 2 in rare and text[at + 3] != "\n") or (at + 3 in rare and text[at + 2] != "\n")
        ):
            end = at + 5
        elif at + 2 in rare and _garbled(text, at, at + 3):
            end = at + 3
        elif at + 3 in rare and _garbled(text, at, at + 4):
            end = at + 4
        else:
            continue
        spans.append((at, end))
    return spans


def _garbled(text: str, start: int, end: int) -> bool:
    """Every character of ``text[start:end]`` is one :func:`gbk_shown_as_big5`."""
    shown = gbk_shown_as_big5()
    return all(ord(ch) in shown for ch in text[start:end])


def trigger_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every match of :func:`trigger` in ``text``, as
    ``finditer`` finds them."""
    scanner = _scanner()
    if scanner is not None:
        return scanner.trigger_spans(text)
    return [m.span() for m in trigger().finditer(text)]


def evidence_hits(text: str) -> list[tuple[int, int]]:
    """Spans of the trigger's hits that are evidence of mojibake (:func:`hit_ok`; a
    one-character hit, a lost mark, is none on its own), by the compiled scan when it
    is built (compiling the trigger regex costs about 50 ms a process)."""
    return [(a, b) for a, b in trigger_spans(text) if b - a > 1 and hit_ok(text[a:b])]


WORD_BOND = -2.0
"""``log P(b | a)`` from which two adjacent rare characters read as one word of the
text (``忐忑`` -0.1, ``猞猁`` -0.02, ``芫荽`` -1.4); two rare characters of a GBK<->Big5
garble pair up this well in about 1 hit in 100 (THUCNews read as Big5)."""


def hit_is_text(hit: str) -> bool:
    """Whether a GBK<->Big5 pre-filter hit (:func:`rare_spans`) is rare characters of
    real text rather than evidence: no lost mark or private-use character, and its rare
    characters one character repeated (a reduplication or a name: ``婧婧``, ``忡忡``) or
    each bound to a rare neighbour as a word by the character model
    (:data:`WORD_BOND`).  A garbled run holds many hits; dismissing the few that read
    as words costs it nothing, and clean text with such a word is not searched."""
    if "\ufffd" in hit or any("\ue000" <= ch <= "\uf8ff" for ch in hit):
        return False
    rare = rare_chars()
    at = [k for k, ch in enumerate(hit) if ord(ch) in rare]
    if len({hit[k] for k in at}) < 2:
        return True
    from ..model import char_model

    lm = char_model()
    bound: set[int] = set()
    for k in at:
        if k + 1 in at and lm.conditional(hit[k], hit[k + 1]) >= WORD_BOND:
            bound.update((k, k + 1))
    return len(bound) == len(at)
