"""Find and undo codec mojibake in Chinese text, span by span.

A mis-decoded span is bytes that were written in one codec (``encoded_as``) and
read in another (``decoded_as``); :data:`PAIRS` lists the pairs handled: UTF-8 read
as GBK, GB18030 or Big5; UTF-8 read as a single-byte code page (cp1252, latin-1,
ptcp154, cp1251, koi8-r, cp1250, mac-roman and the DOS pages cp437, cp850, cp866);
GBK read as cp1252, latin-1, cp437 or cp850 (zip file names from Chinese Windows,
``╓╨╬─`` = 中文); Big5 read as cp1252 or latin-1.

1. *Pre-filter* (:func:`_trigger`, one regex compiled once per process; clean text
   returns ``[]`` after that single scan, and every edit must overlap a hit):

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

   Several hits of one long run widen a single window over it.

   *Clean neighbours*: an edit stops where the text stops being mojibake, so a
   garbled sentence followed or preceded directly by clean text (a paragraph with one
   sentence garbled) is repaired without touching that text.  On the garbled side,
   a run of three or more common hanzi each forming a phrase-list bigram with a
   neighbour is clean text (mojibake shows at most two in a row), and so is a
   ``。！？`` next to text that reads fine (up to four wide characters, all hanzi or
   Chinese punctuation, none rare, lost or private use); no edit covers either.  No
   reading runs past a sentence-final mark of its own (``。”`` included) into text
   that reads fine (``…。1998年`` read as Big5 gave ``。1998爛``, UTF-8 read as
   GB18030 ``？要`` gave ``？Ҫ``).  An edge character of a span that reads as clean
   Chinese must not re-read into a hole or a letter of another script (``小，`` ->
   ``С�``); for GBK/Big5 read as a single-byte page, an edge character for a byte
   80-A0 (``”``, no-break space: only part of rare GBK extension pairs) next to
   Chinese text belongs to that text.  Measured with paragraph embeds (a sentence of
   a THUCNews/DRCD document garbled among its clean sentences, first, middle or last,
   seed 7): edits reaching into the clean text went from 8 in 1800 GBK<->Big5 cases
   and 74 in 6080 cases of the other pairs to 0, and repair rates stayed or rose.
2. *Round trip*: inside a window, maximal runs of characters encodable in
   ``decoded_as`` (plus lost marks ``?``/U+FFFD) are re-encoded and walked from
   each non-ASCII character boundary.  The strict reading is the longest sub-span
   whose bytes decode in ``encoded_as``; single-byte readers that cannot show some
   continuation bytes (cp1252, cp1250, cp1251) get those bytes re-inserted.
3. *Hole-tolerant UTF-8* (lossy readers): a reader that dropped bytes it could not
   decode, or replaced them by ``?``/U+FFFD, leaves holes.  The walk then accepts
   a truncated sequence (lead byte with missing continuation bytes) ending on a
   character boundary of the garbled text or on a lost mark, and stray continuation
   bytes starting on one, as long as holes are isolated (at least two decoded
   non-ASCII characters between two holes, twice as many decoded characters as
   holes, never stray bytes first): clean GBK text read as UTF-8 is a dense chain of
   holes and never qualifies.  A run may also end inside a character, leaving a
   truncated tail, when the rest of that character's bytes make up clean garbled
   characters (``鎽樿。``: the A1 A3 of ``。`` would otherwise complete ``衣``), so a
   truncated tail stays one edit with the run it ends.  Each hole is filled
   (:func:`_fill_hole`) with the three-byte character matching the known bytes
   that forms phrase-list bigrams with its decoded left and/or right neighbour and
   whose missing bytes the reader could not have shown (a hard rule inside a run, a
   preference at its end, which may be a plain truncation); when the evidence does
   not single one candidate out, the hole becomes U+FFFD.  The strict and lossy
   readings of a start are compared on the same stretch of text, and a lossy one
   must be clearly better.  Lossy edits carry ``lossy=True`` and say how many
   characters were guessed and how many were left U+FFFD.
4. *Plausibility gates* (:func:`_acceptable`, applied to the whole garbled run,
   holes and lost marks included): the repaired text must be clearly more plausible
   (character-frequency class plus phrase-list bigram share; GB2312 symbols such as
   ``◆`` count as punctuation) than the garbled one; hanzi-looking mojibake must be
   mostly hanzi, visibly rare and at least three characters; GBK read as Latin-1
   must be half letters (``××××`` stays) or repair to Chinese text (three hanzi or
   more, half the wide characters, plausibility >= 1.8 and bigram share >= 0.1, or
   eight hanzi and more that are nearly all common: Big5's common leads A4-C6 read
   as symbols ``¤``-``Æ``, so Big5 runs are rarely half letters, and the phrase list
   knows few traditional names); GBK read as a DOS page must be varied and
   repair to common hanzi with phrase-list bigrams (box-drawing rules stay).  For
   every single-byte reading, a span that reads as alphabetic prose
   (:func:`_reads_as_words`: words of one script, cased as words are, punctuation
   only between them) is left alone, so Russian, Ukrainian, Kazakh, Greek or
   accented Latin text next to Chinese is never touched.  Layered mojibake (UTF-8
   read as cp1252 twice) is undone by repeating the step on the replacement.

*GBK or Big5 read as cp1252/latin-1.*  Both writers share the byte shape (leads 81-FE,
trails 40-7E and 80-FE), so a run can decode in both, and a wrong writer often decodes
a few sub-spans (Big5 ``º¾Ç³`` = 的學 read as GBK gave ``壕浅``).  Both readings of a
segment are made with the same walk, whose spans cover the ASCII trail characters; a
span may run over a whole sentence (up to 240 garbled characters), and no boundary past
the first pair that fails to decode is tried.  The writer whose spans, accepted by the
gates or not, make the union of both writers' spans read better (plausibility plus
twice the bigram share of that same stretch) wins, and only its accepted spans are
kept: a wrong writer never wins with garbage because the right reading failed a gate.
After a lost mark (cp1252 has no character for 81 8D 8F 90 9D, which a reader may
replace) the next character may be a lead or the trail of the lost lead; both
alignments are read and compared on the same stretch.

Measured through :func:`find_mojibake` (300 sentences each, seed 7, THUCNews for GBK,
DRCD for Big5, read as latin-1 and as cp1252 with ``ignore`` and ``replace``; wrapped
in clean text and embedded among the same document's clean sentences; the numbers are
the same for all six ways, as no sentence of either corpus has a byte cp1252 lacks):

=======================  =============  ==========  ===========  ==============
writer                   exact          chars right wrong chars  into neighbours
=======================  =============  ==========  ===========  ==============
Big5, before             0/300          0.3%        591          0
Big5, now                295/300        99.2%       0            0
GBK, before              242/300        91.8%       26           0
GBK, now                 299/300        99.8%       0            0
=======================  =============  ==========  ===========  ==============

A GBK sentence with one extension character holding such a byte (synthetic, 100
sentences): with ``replace`` 104 wrong characters before, 1 now; with ``ignore`` the
reader drops the byte silently and the rest of the run is read a byte out of step (153
wrong characters before, 141 now): not handled.  The extra pre-filter shape costs
nothing measurable: find_mojibake over all 3000 THUCNews and DRCD documents, best of
5, took 8.3 ms before and 8.2 ms after (no document edited), and Latin-script prose
(``Müller``, ``café crème``, ``São Paulo``, ``El niño está aquí``) next to Chinese
stays untouched.

``锟斤拷`` (UTF-8 of U+FFFD read as GBK) becomes U+FFFD.

GBK<->Big5 (GBK bytes read as Big5, ``笢恅`` = 中文, and Big5 read as GBK) is
repaired only where the reader is known not to have dropped bytes silently.  A
reader that drops a byte without a mark (``errors="ignore"``, iconv ``-c``) leaves
the following pairs one byte out of step, and that shifted stretch decodes to common
hanzi that the frequency classes and phrase-list bigrams cannot tell from real text.
So a segment (a run of characters the reader can show) is looked at only if it holds
a lost mark U+FFFD or a private-use character (a GBK reader that shows user-defined
pairs as private use, as Windows, browsers and ``gb18030`` do, never loses a byte);
text without either, lossless GBK read as Big5 included, is left alone.

* *Pre-filter*: the regex above also matches a lost mark or a private-use character
  alone; only then is a second regex run, three rare characters (lost marks and
  private use included) within five, and a GBK<->Big5 edit must overlap one of its
  hits.
* *Strict re-reading* (:func:`_dbcs_read`): the characters are turned back into the
  reader's bytes, a lost mark into one unknown byte (Python's readers replace one
  byte per error), and the bytes are read pair by pair in the writer's codec; a pair
  with an unknown byte is lost and becomes U+FFFD.  There is no shift hypothesis.
  A reading starts only where the reader is known to be in step: at the segment
  start, after an ASCII character, or where an accepted span ended, never between a
  lost mark followed by a wide character and the next ASCII character.  Its first
  character must be a hanzi forming a phrase-list bigram with the next one, or a
  common hanzi read from a rare one.
* *Cut* (:func:`_dbcs_keep`): a character is *lone* if it forms no phrase-list bigram
  with its neighbours (lost pairs and ASCII letters glued between wide characters
  count as lone, Chinese punctuation does not); the reading is cut before the run of
  lone characters holding the first rare one (or the first glued letter), or before
  the last run when the reading fails; a lost pair is kept only with a cleanly read
  left neighbour and a linked hanzi on its right (so a mark that stood for a whole
  pair, as browsers write it, is cut there); the span ends where a garbled character
  ends.  The reading also stops where the garbled side stops being mojibake (see
  *Clean neighbours* above), and clean characters just before such a stretch that
  re-read into lone ones are left (``。据英国`` would give ``。誹``).  The rest of
  the segment may start a new span only where the reader is in step.  Lost pairs are
  never guessed: edits with U+FFFD are ``lossy``.
* *Gates* (:func:`_dbcs_acceptable`): six or more non-ASCII garbled characters, 20%
  rare, garbled bigram share <= 0.1; repaired bigram share >= 0.3, plausibility >=
  1.8, at most a quarter U+FFFD.

Measured through :func:`find_mojibake` (sentences wrapped in clean text, THUCNews for
GBK and DRCD for Big5, seed 7, 300 sentences each way; "wrong" counts edits that put
in a character that is neither the clean one nor U+FFFD):

=====================================  ==========  ===========  =====
style                                  exact       chars right  wrong
=====================================  ==========  ===========  =====
GBK read as Big5, nothing lost         0/131       0% (left)    0
GBK read as Big5, ``replace``          0/169       31%          0
GBK read as Big5, ``ignore``           0/169       0% (left)    0
Big5 read as ``gb18030`` (lossless)    181/300     68%          0
Big5 read as GBK, ``replace``          0/300       10%          0
Big5 read as GBK, ``ignore``           0/300       0% (left)    0
=====================================  ==========  ===========  =====

Seed 11 (400 each way) gives the same picture (232/400 exact for ``gb18030``, no wrong
character), and so does a reader that writes one U+FFFD for a whole pair (GBK->Big5
28% right, Big5->GBK 5%, no wrong character).  The pre-filter costs nothing
measurable on clean text (find_mojibake over all of THUCNews and DRCD, best of 5, the
same before and after within 2%), and none of their 3000 documents is edited, even
with a U+FFFD put into the middle of each.
"""

from __future__ import annotations

import bisect
import codecs
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

from .plausibility import char_score, is_common, lexicon_bigrams, lexicon_index
from .types import Edit, apply_edits

__all__ = ["PAIRS", "find_mojibake", "fix_mojibake"]

# Single-byte codecs a UTF-8 byte stream gets read in: Western Windows/ISO, Cyrillic
# and Kazakh Windows, KOI8, Central European, classic Mac, and the DOS code pages that
# consoles and zip tools still use for file names.
_LATIN = ("cp1252", "latin-1")
_SINGLE = (*_LATIN, "ptcp154", "cp1251", "koi8-r", "cp1250", "mac-roman", "cp437", "cp850", "cp866")
_NEW_SINGLE = _SINGLE[2:]
_DOS = ("cp437", "cp850")
_DOUBLE = ("gbk", "gb18030", "big5")

# (encoded_as, decoded_as): bytes written in the first codec were read in the second.
PAIRS: tuple[tuple[str, str], ...] = (
    ("utf-8", "gbk"),
    ("utf-8", "gb18030"),
    ("utf-8", "big5"),
    *(("utf-8", codec) for codec in _SINGLE),
    ("gbk", "cp1252"),
    ("gbk", "latin-1"),
    ("gbk", "cp437"),
    ("gbk", "cp850"),
    ("big5", "cp1252"),
    ("big5", "latin-1"),
)

# Characters cp1252/latin-1 show for bytes 0x80-0xBF (UTF-8 continuation bytes).
_CONT_LATIN = (
    "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
)
_CONT_LATIN_SET = frozenset(
    [chr(c) for c in range(0x80, 0x100)]
    + [bytes((b,)).decode("cp1252", "ignore") for b in range(0x80, 0xC0)]
) - {""}
_SPACE = frozenset(" \t\n\r\f\v\u3000")
_KUNKUN = re.compile("(?:锟斤拷)+")
_WINDOW_CAP = 40
_RUN_CAP = 240
_LOST_MARKS = "?\ufffd"
_LOST = -1  # a lost-mark character in the byte stream of a segment
_APOSTROPHES = frozenset("'\u2019\u02bc")
_PROSE_SYMBOLS = frozenset("\u2116\u00a7\u00b0")  # numero, section, degree


@lru_cache(maxsize=262144)
def _enc(ch: str, codec: str) -> bytes | None:
    try:
        return ch.encode(codec)
    except UnicodeEncodeError:
        return None


def _class_of(cps: list[int]) -> str:
    """Regex character class (without brackets) of the given code points."""
    cps = sorted(set(cps))
    parts: list[str] = []
    start = prev = cps[0]
    for cp in [*cps[1:], -2]:
        if cp == prev + 1:
            prev = cp
            continue
        a, b = re.escape(chr(start)), re.escape(chr(prev))
        parts.append(a if start == prev else f"{a}-{b}")
        start = prev = cp
    return "".join(parts)


def _codec_class(codec: str, leads: range, trails: range) -> str:
    """Regex character class of the double-byte characters ``leads x trails``."""
    cps: list[int] = []
    for lead in leads:
        for trail in trails:
            try:
                ch = bytes((lead, trail)).decode(codec)
            except UnicodeDecodeError:
                continue
            if len(ch) == 1 and not 0xE000 <= ord(ch) <= 0xF8FF:
                cps.append(ord(ch))
    return "[" + _class_of(cps) + "]"


def _byte_chars(codec: str, byte_values: range) -> list[int]:
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


@lru_cache(maxsize=1)
def _trigger() -> re.Pattern[str]:
    """The pre-filter regex (see the module docstring), built once per process."""
    lead, cont = range(0xE4, 0xEA), range(0x80, 0xC0)
    # Every alternative starts with one character class and checks the rest after a
    # one-character look-behind, so the regex engine scans with a fast charset test.
    firsts: list[int] = [*range(0xA1, 0x100), ord("锟")]
    first_classes: list[str] = []
    alts: list[str] = []
    for codec in ("gbk", "big5"):
        a = _codec_class(codec, lead, cont)
        b = _codec_class(codec, cont, lead)
        c = _codec_class(codec, cont, cont)
        first_classes.append(a[1:-1])
        alts.append(f"(?<={a}){b}{c}")
    alts.append(f"(?<=[\u00e2-\u00ef])[{_CONT_LATIN}]{{2}}")
    alts.append("(?<=[\u00a1-\u00ff])[\u00a1-\u00ff]{3}")
    # GBK/Big5 read as cp1252/latin-1 with trail bytes 40-7E showing as ASCII inside
    # the run (``¦b¼Ú¬w`` = 在歐洲): three pairs, each a lead A1-FE (every GB2312 and
    # common Big5 character) and a trail 40-7E or 80-FE.
    trail = _class_of(
        [*range(0x40, 0x7F), *range(0x80, 0xFF), *_byte_chars("cp1252", range(0x80, 0xA0))]
    )
    alts.append(f"(?<=[\u00a1-\u00fe])[{trail}](?:[\u00a1-\u00fe][{trail}]){{2}}")
    # UTF-8 of CJK read in the other single-byte codecs: the codec's own characters
    # for a lead byte E4-E9 followed by two for continuation bytes.
    for codec in _NEW_SINGLE:
        leads = _byte_chars(codec, lead)
        firsts += leads
        alts.append(f"(?<=[{_class_of(leads)}])[{_class_of(_byte_chars(codec, cont))}]{{2}}")
    # GBK read as a DOS code page (zip file names): four high characters in a row.
    high = [cp for codec in _DOS for cp in _byte_chars(codec, range(0x81, 0xFF))]
    firsts += high
    alts.append(f"(?<=[{_class_of(high)}])[{_class_of(high)}]{{3}}")
    alts.append("(?<=锟)斤拷")
    # A lost mark or private-use character alone: the proof GBK<->Big5 repair needs.
    firsts += [0xFFFD, *range(0xE000, 0xF900)]
    alts.append("(?<=[\ufffd\ue000-\uf8ff])")
    first = "[" + _class_of(firsts) + "".join(first_classes) + "]"
    return re.compile(first + "(?:" + "|".join(alts) + ")")


def _hit_ok(hit: str) -> bool:
    """Whether a pre-filter hit is evidence of mojibake.

    Hanzi-shaped hits (GBK/Big5 readings of UTF-8) and the shapes of the new
    single-byte and DOS readings count only if their bytes decode to common hanzi, so
    rare hanzi, Cyrillic or Greek words and box-drawing rules never fire on their own.
    """
    if hit == "锟斤拷":
        return True
    if 0x4E00 <= ord(hit[0]) <= 0x9FFF:
        for codec in ("gbk", "big5"):
            try:
                decoded = hit.encode(codec).decode("utf-8")
            except UnicodeError:
                continue
            if all(is_common(c) for c in decoded):
                return True
        return False
    if len(hit) == 6 and any(c.isascii() for c in hit):
        return _dbcs_hit_ok(hit)
    if all(c in _CONT_LATIN_SET or "\u00a1" <= c <= "\u00ff" for c in hit):
        return True  # the cp1252/latin-1 shapes
    if len(hit) == 3:
        for codec in _NEW_SINGLE:
            try:
                decoded = hit.encode(codec).decode("utf-8")
            except UnicodeError:
                continue
            if len(decoded) == 1 and is_common(decoded):
                return True
    elif len(hit) == 4 and len(set(hit)) > 2:
        for codec in _DOS:
            try:
                decoded = hit.encode(codec).decode("gbk")
            except UnicodeError:
                continue
            if len(decoded) == 2 and all(is_common(c) for c in decoded):
                return True
    return False


def _dbcs_hit_ok(hit: str) -> bool:
    """A three-pair hit with ASCII trail bytes counts if its bytes read as GBK or Big5
    give three common hanzi (``M黮ler`` from ``Müller`` does not)."""
    for single in _LATIN:
        data = _enc_text(hit, single)
        if data is None:
            continue
        for codec in ("gbk", "big5"):
            try:
                decoded = data.decode(codec)
            except UnicodeDecodeError:
                continue
            if len(decoded) == 3 and all(_is_han(c) and is_common(c) for c in decoded):
                return True
    return False


def _enc_text(text: str, codec: str) -> bytes | None:
    try:
        return text.encode(codec)
    except UnicodeEncodeError:
        return None


@lru_cache(maxsize=1)
def _gb_symbols() -> frozenset[str]:
    """Symbols and numerals of GB2312 rows A1-A2 (``◆``, ``※``, ``①``): ordinary in
    Chinese text, so a repaired reading is not penalised for them."""
    out: set[str] = set()
    for lead in (0xA1, 0xA2):
        for trail in range(0xA1, 0xFF):
            try:
                ch = bytes((lead, trail)).decode("gb2312")
            except UnicodeDecodeError:
                continue
            if unicodedata.category(ch)[0] in "PSN":
                out.add(ch)
    return frozenset(out)


def _plaus(s: str) -> float:
    """:func:`plausibility`, with the GB2312 symbols scored as punctuation."""
    syms = _gb_symbols()
    total = 0.0
    n = 0
    for ch in s:
        if ch.isspace():
            continue
        score = char_score(ch)
        total += max(score, 1.5) if ch in syms else score
        n += 1
    return total / n if n else 0.0


def _fluency(s: str) -> float:
    core = s.replace("\ufffd", "")
    if not core:
        return -6.0
    p = _plaus(core)
    if len(core) < 2 or core.isascii():
        return p
    rights = lexicon_index()[1]
    hits = sum(1 for i in range(len(core) - 1) if core[i + 1] in rights.get(core[i]))
    return p + 2.0 * hits / (len(core) - 1)


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or ch >= "\U00020000"


def _bigram_share(s: str) -> float:
    """Share of adjacent hanzi pairs of ``s`` that are phrase-list bigrams."""
    rights = lexicon_index()[1]
    pairs = [(a, b) for a, b in itertools.pairwise(s) if _is_han(a) and _is_han(b)]
    if not pairs:
        return 0.0
    return sum(1 for a, b in pairs if b in rights.get(a)) / len(pairs)


def _reader_drops(missing: bytes, decoded_as: str) -> bool:
    """Whether a reader in ``decoded_as`` fails at the first of ``missing`` (and so may
    have dropped or replaced those bytes instead of showing a character)."""
    try:
        missing.decode(decoded_as)
    except UnicodeDecodeError as err:
        return err.start == 0
    return False


@lru_cache(maxsize=4096)
def _fill_hole(
    known: bytes, is_prefix: bool, left: str, right: str, decoded_as: str, dropped: bool
) -> str | None:
    """The character lost in a hole of a UTF-8 run, or None without clear evidence.

    ``known`` are the bytes of the lost character still present (its first bytes if
    ``is_prefix``, else its last ones).  Only three-byte characters (BMP hanzi and CJK
    punctuation) are tried, and only those forming a phrase-list bigram with the
    decoded neighbour on the left and/or right.  With ``dropped`` (a hole inside a run,
    or one whose bytes the reader replaced by a mark) the missing bytes must also be
    ones the reader in ``decoded_as`` cannot show, else it would have shown them; for a
    hole at the end of a run, which may be a plain truncation, that is a preference.
    Candidates are ranked by bigram sides, then that reader consistency; a candidate is
    returned only if no other one of the same rank comes within a third of its phrase
    count (``内外`` against ``内容``, or ``备查`` against ``审查``, is a coin toss: U+FFFD)."""
    if not known or len(known) > 2:
        return None
    lefts, rights = lexicon_index()
    pool: set[str] = set()
    if left:
        pool |= rights.get(left)
    if right:
        pool |= lefts.get(right)
    bigrams = lexicon_bigrams()
    ranked: list[tuple[int, bool, int, str]] = []
    for ch in pool:
        if "\ud800" <= ch <= "\udfff" or char_score(ch) <= 0:
            continue
        encoded = ch.encode("utf-8")
        if len(encoded) != 3:
            continue
        if is_prefix:
            if not encoded.startswith(known):
                continue
            missing = encoded[len(known) :]
        else:
            if not encoded.endswith(known):
                continue
            missing = encoded[: -len(known)]
        consistent = _reader_drops(missing, decoded_as)
        if dropped and not consistent:
            continue
        hit_l = bigrams.get(left + ch, 0) if left else 0
        hit_r = bigrams.get(ch + right, 0) if right else 0
        ranked.append(((hit_l > 0) + (hit_r > 0), consistent, hit_l + hit_r, ch))
    if not ranked:
        return None
    ranked.sort(key=lambda t: (-t[0], -t[1], -t[2], t[3]))
    top = ranked[0]
    rivals = [t for t in ranked[1:] if t[:2] == top[:2]]
    if rivals and top[2] < 3 * rivals[0][2]:
        return None
    return top[3]


@lru_cache(maxsize=32)
def _undisplayable(codec: str) -> tuple[int, ...]:
    """Continuation bytes a single-byte codec cannot show (cp1252: 81 8D 8F 90 9D)."""
    out: list[int] = []
    for value in range(0x80, 0xC0):
        try:
            bytes((value,)).decode(codec)
        except UnicodeDecodeError:
            out.append(value)
    return tuple(out)


def _decode_dropped(data: bytes, encoded_as: str, decoded_as: str) -> tuple[str, int] | None:
    """Strict decode; for a single-byte reader that cannot show some continuation
    bytes (cp1252, cp1250, cp1251), retry by re-inserting such bytes."""
    try:
        return data.decode(encoded_as), 0
    except UnicodeDecodeError:
        if encoded_as != "utf-8" or decoded_as not in _SINGLE:
            return None
    holes = _undisplayable(decoded_as)
    if not holes:
        return None
    inserted = 0
    while inserted < 4:
        try:
            return data.decode("utf-8"), inserted
        except UnicodeDecodeError as err:
            best: bytes | None = None
            for hole in holes:
                trial = data[: err.end] + bytes((hole,)) + data[err.end :]
                try:
                    trial.decode("utf-8")
                    best = trial
                    break
                except UnicodeDecodeError as err2:
                    if err2.start > err.start + 1 and best is None:
                        best = trial
            if best is None:
                return None
            data = best
            inserted += 1
    return None


# One unit of a hole-tolerant UTF-8 decode: (character, None, False, False) for a
# decoded character, ("", known bytes, is_prefix, marked) for a hole, where ``marked``
# says that a ``?``/U+FFFD of the garbled text stands for the missing bytes.
_Unit = tuple[str, bytes | None, bool, bool]
_prefix_decoder = codecs.getincrementaldecoder("utf-8")


def _utf8_prefix_ok(data: bytes) -> bool:
    try:
        _prefix_decoder().decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _lenient(
    segment: str, stream: list[int], bchar: dict[int, int], p: int, pmax: int
) -> list[tuple[int, list[_Unit]]]:
    """Hole-tolerant UTF-8 decode of ``stream[p:pmax]`` (bytes, or ``_LOST`` for a
    lost mark).  Returns the possible run ends: (segment character index, units).

    A hole is a truncated sequence (lead byte with too few continuation bytes) ending
    on a character boundary of the garbled text or on a lost mark, or one or two stray
    continuation bytes starting on such a boundary; two holes need at least two decoded
    non-ASCII characters between them, and a run never starts with stray bytes.  A run
    may also end inside a decoded character, on a boundary of the garbled text: the
    bytes before that boundary become a truncated tail."""
    units: list[_Unit] = []
    out: list[tuple[int, list[_Unit]]] = []
    since_hole = -1  # decoded non-ASCII characters since the last hole; -1: no hole yet

    def tail_ok(k: int, q: int) -> bool:
        # Ending inside a complete character is only an alternative when its other
        # bytes make up whole garbled characters that read as clean text (``。`` =
        # A1 A3 completing the E8 of ``鎽樿``); leftover continuation characters of a
        # single-byte reading never are.
        k_end = bchar.get(q)
        if k_end is None or bchar.get(q - 1) is not None:
            return False  # (in a single-byte reading every byte is a character)
        return all(char_score(c) >= 1.5 for c in segment[k:k_end])

    def record(pos: int) -> None:
        k = bchar.get(pos)
        if k is not None:
            out.append((k, list(units)))

    while p < pmax:
        b = stream[p]
        spaced = since_hole < 0 or since_hole >= 2
        if b == _LOST:
            if units and units[-1][1] is not None and units[-1][2] and not units[-1][3]:
                units[-1] = ("", units[-1][1], True, True)
                p += 1
                record(p)
                continue
            break
        if b < 0x80:
            units.append((chr(b), None, False, False))
            p += 1
            record(p)
            continue
        if b <= 0xBF:
            if not units or p not in bchar or not spaced:
                break
            q = p
            while q < pmax and q - p < 2 and 0x80 <= stream[q] <= 0xBF:
                q += 1
            units.append(("", bytes(stream[p:q]), False, False))
            since_hole = 0
            p = q
            record(p)
            continue
        need = 2 if 0xE0 <= b <= 0xEF else 1 if 0xC2 <= b <= 0xDF else 3 if 0xF0 <= b <= 0xF4 else 0
        if need == 0:
            break
        q = p + 1
        while q < pmax and q - p <= need and 0x80 <= stream[q] <= 0xBF:
            q += 1
        got = bytes(stream[p:q])
        if spaced:
            for pos in range(p + 1, q):
                k = bchar.get(pos)
                if k is not None and _utf8_prefix_ok(bytes(stream[p:pos])):
                    if q - p == need + 1 and not tail_ok(k, q):
                        continue
                    out.append((k, [*units, ("", bytes(stream[p:pos]), True, False)]))
        if q - p == need + 1:
            try:
                ch = got.decode("utf-8")
            except UnicodeDecodeError:
                break
            units.append((ch, None, False, False))
            if since_hole >= 0:
                since_hole += 1
            p = q
            record(p)
            continue
        if not spaced or not _utf8_prefix_ok(got):
            break
        if q < pmax and stream[q] == _LOST:
            units.append(("", got, True, True))
            q += 1
        elif q in bchar:
            units.append(("", got, True, False))
        else:
            break
        since_hole = 0
        p = q
        record(p)
    return out


def _render(units: list[_Unit], decoded_as: str) -> tuple[str, int, int]:
    """Text of a hole-tolerant decode: (text, holes guessed, holes left U+FFFD)."""
    parts: list[str] = []
    guessed = unrecovered = 0
    last = len(units) - 1
    for x, (text, known, is_prefix, marked) in enumerate(units):
        if known is None:
            parts.append(text)
            continue
        left = units[x - 1][0] if x > 0 and units[x - 1][1] is None else ""
        right = units[x + 1][0] if x < last and units[x + 1][1] is None else ""
        # A prefix hole inside the run (or under a lost mark) was dropped by the reader;
        # one at the end may also be a truncation.
        dropped = is_prefix and (marked or x < last)
        filled = _fill_hole(known, is_prefix, left, right, decoded_as, dropped)
        if filled is None:
            unrecovered += 1
            parts.append("\ufffd")
        else:
            guessed += 1
            parts.append(filled)
    return "".join(parts), guessed, unrecovered


# A candidate inside a segment: (start, end, repaired, detail of lost bytes or None).
_Span = tuple[int, int, str, dict[str, int] | None]


def _spans(
    segment: str, encoded_as: str, decoded_as: str, before: str = "", after: str = ""
) -> list[_Span]:
    """Candidate spans inside one segment (characters encodable in ``decoded_as`` and
    lost marks); ``before`` and ``after`` are the window text around it."""
    chunks: list[bytes | None] = []
    for ch in segment:
        if ch in _LOST_MARKS:
            chunks.append(None)
            continue
        b = _enc(ch, decoded_as)
        if b is None:
            return []
        chunks.append(b)
    n = len(segment)
    offs = [0]
    for chunk in chunks:
        offs.append(offs[-1] + (len(chunk) if chunk is not None else 0))
    data = b"".join(chunk or b"" for chunk in chunks)
    stream: list[int] = []
    starts: list[int] = []
    for chunk in chunks:
        starts.append(len(stream))
        stream.extend(chunk if chunk is not None else (_LOST,))
    starts.append(len(stream))
    bchar = {pos: k for k, pos in enumerate(starts)}
    lenient = encoded_as == "utf-8"
    # A GBK/Big5 sentence read as a single-byte page is twice as long as its hanzi.
    span_cap = 80 if lenient else _RUN_CAP
    # Where the garbled side stops being mojibake: a clean-looking stretch, or the end
    # of a sentence of the reading followed by text that reads fine.  No span crosses.
    clean = _clean_stretches(segment)
    clean.extend(
        k
        for k in range(1, n)
        if chunks[k - 1] is not None
        and _ends_sentence(data, offs[k], encoded_as)
        and _fine_after(segment, k)
    )
    clean.sort()

    def glued(i: int, j: int) -> bool:
        # GBK/Big5 read as a single-byte code page: a byte 80-A0 (” “ … or a no-break
        # space in cp1252) is no GB2312 or Big5 byte, only part of a rare GBK extension
        # pair; at an edge, next to Chinese text, it is that text's own.
        if encoded_as == "utf-8":
            return True
        if _edge_byte(segment[j - 1], decoded_as) and _fine_next(segment[j:] + after):
            return False
        return not (_edge_byte(segment[i], decoded_as) and _fine_next((before + segment[:i])[::-1]))

    def strict_at(i: int, cap: int) -> _Span | None:
        """The longest strictly decodable span from character ``i`` (up to ``cap``)."""
        stop = next((k for k in range(i, cap) if chunks[k] is None), cap)
        if not lenient:
            # A double-byte writer: no span reaches past the first pair that does not
            # decode, so only character boundaries before it are tried.
            try:
                data[offs[i] : offs[stop]].decode(encoded_as)
            except UnicodeDecodeError as err:
                stop = max(i, bisect.bisect_right(offs, offs[i] + err.start) - 1)
        for j in range(stop, i + 1, -1):
            res = _decode_dropped(data[offs[i] : offs[j]], encoded_as, decoded_as)
            if res is None or res[0] == segment[i:j] or res[0].isascii():
                continue
            if not _edges_ok(segment, i, j, res[0]) or not glued(i, j):
                continue
            return (i, j, res[0], {"restored_bytes": res[1]} if res[1] else None)
        return None

    out: list[_Span] = []
    i = 0
    while i < n:
        if chunks[i] is None or segment[i].isascii():
            i += 1
            continue
        c = bisect.bisect_left(clean, i)
        cap = min(n, i + span_cap, clean[c] if c < len(clean) else n)
        if cap <= i:
            i += 1
            continue
        strict = strict_at(i, cap)
        if (
            not lenient
            and i > 0
            and chunks[i - 1] is None
            and i + 1 < cap
            and not segment[i + 1].isascii()
            and chunks[i + 1] is not None
        ):
            # A double-byte stream after a lost byte: the character here is a lead, or
            # the trail of a lost lead; the better reading of the same stretch decides.
            strict = _in_step(segment, strict, strict_at(i + 1, cap))
        chosen = strict
        if lenient:
            chosen = _prefer_lossy(
                segment, strict, _lossy_at(segment, stream, bchar, starts, i, cap, decoded_as)
            )
        if chosen is None:
            i += 1
            continue
        first, last, repl, info = chosen
        # Trailing ASCII (``.txt`` after a file name) reads the same either way.
        while last - first > 2 and segment[last - 1].isascii() and repl.endswith(segment[last - 1]):
            last -= 1
            repl = repl[:-1]
        out.append((first, last, repl, info))
        i = last
    return out


def _in_step(segment: str, here: _Span | None, shifted: _Span | None) -> _Span | None:
    """The reading from the character after a lost mark or from the one after it,
    compared on the same stretch (plausibility plus twice the bigram share)."""
    if here is None or shifted is None:
        return here or shifted
    end = max(here[1], shifted[1])

    def score(span: _Span) -> float:
        core = (span[2] + segment[span[1] : end]).replace("\ufffd", "")
        return _plaus(core) + 2.0 * _bigram_share(core)

    return shifted if score(shifted) > score(here) else here


def _edge_byte(ch: str, codec: str) -> bool:
    """Whether ``ch`` is a single-byte reader's character for a byte 80-A0."""
    got = _enc(ch, codec)
    return got is not None and len(got) == 1 and 0x80 <= got[0] <= 0xA0


def _reads_clean(ch: str) -> bool:
    """A garbled-side character that reads as clean Chinese: a hanzi or punctuation,
    neither rare nor private use."""
    return not ch.isascii() and not _garbled_rare(ch) and (_is_han(ch) or char_score(ch) >= 1.5)


def _chinese(ch: str) -> bool:
    """A repaired character that belongs in Chinese text (hanzi or Chinese punctuation)."""
    return _is_han(ch) or (ch != "\ufffd" and not ch.isascii() and char_score(ch) >= 1.5)


def _edges_ok(segment: str, i: int, j: int, repl: str) -> bool:
    """A span's edge character that reads as clean Chinese on the garbled side must not
    re-read into a hole or a letter of another script (``小，`` -> ``С�``): it is the
    clean text next to the mojibake."""
    if not repl:
        return False
    if _reads_clean(segment[i]) and not _chinese(repl[0]):
        return False
    return not (_reads_clean(segment[j - 1]) and not _chinese(repl[-1]))


def _lossy_at(
    segment: str,
    stream: list[int],
    bchar: dict[int, int],
    starts: list[int],
    i: int,
    cap: int,
    decoded_as: str,
) -> list[_Span]:
    """Hole-tolerant candidates starting at character ``i`` (at least one hole each)."""
    out: list[_Span] = []
    for k, units in _lenient(segment, stream, bchar, starts[i], starts[cap]):
        holes = sum(1 for u in units if u[1] is not None)
        decoded = sum(1 for u in units if u[1] is None and not u[0].isascii())
        if not holes or decoded < 2 * holes:
            continue
        text, guessed, unrecovered = _render(units, decoded_as)
        if not _edges_ok(segment, i, k, text):
            continue
        out.append((i, k, text, {"guessed": guessed, "unrecovered": unrecovered}))
    return out


def _prefer_lossy(segment: str, strict: _Span | None, lossy: list[_Span]) -> _Span | None:
    """Pick between the strict span and the hole-tolerant ones, all judged on the same
    stretch of text (repaired part plus the rest left garbled); a lossy reading must be
    clearly better than the strict one."""
    if not lossy:
        return strict
    end = max([s[1] for s in lossy] + ([strict[1]] if strict else []))

    def score(span: _Span) -> float:
        core = (span[2] + segment[span[1] : end]).replace("\ufffd", "")
        return _plaus(core) + 2.0 * _bigram_share(core)

    best = max(lossy, key=lambda s: (score(s), s[1]))
    if strict is None or score(best) > score(strict) + 0.3:
        return best
    return strict


# --- GBK <-> Big5 -------------------------------------------------------------------

# (encoded_as, decoded_as) pairs of the two double-byte codecs read as each other.
_DBCS: tuple[tuple[str, str], ...] = (("gbk", "big5"), ("big5", "gbk"))
# Characters that show the reader did not drop bytes silently: a lost mark, or a
# private-use character of a GBK reader that maps user-defined pairs (never loses).
_DBCS_PROOF = re.compile("[\ufffd\ue000-\uf8ff]")


@lru_cache(maxsize=65536)
def _dbcs_bytes(ch: str, codec: str) -> bytes | None:
    """The one or two bytes a reader in ``codec`` showed as ``ch``.  A GBK reader that
    maps user-defined pairs to private use (Windows, browsers) counts: those characters
    are re-encoded through GB18030's two-byte private-use table."""
    got = _enc(ch, codec)
    if got is None and codec == "gbk" and "\ue000" <= ch <= "\uf8ff":
        got = _enc(ch, "gb18030")
    if got is None or len(got) > 2:
        return None
    return got


@lru_cache(maxsize=262144)
def _pair(lead: int, trail: int, codec: str) -> str | None:
    """The character of a double-byte pair in ``codec``, or None."""
    try:
        ch = bytes((lead, trail)).decode(codec)
    except UnicodeDecodeError:
        return None
    return ch if len(ch) == 1 else None


# One character of a strict re-reading: (index in the garbled segment where it ends, or
# -1 inside a shifted stretch; the character, U+FFFD for a lost pair; whether lost).
_DUnit = tuple[int, str, bool]


def _dbcs_read(stream: list[int], p: int, bchar: dict[int, int], enc: str) -> list[_DUnit]:
    """Read ``stream`` from byte ``p`` pair by pair in ``enc``, up to the first pair
    that does not decode.  A lost mark stands for one byte (Python's readers replace
    one byte per error); the pair it falls in is lost."""
    units: list[_DUnit] = []
    n = len(stream)
    while p < n:
        b = stream[p]
        if 0 <= b < 0x80:
            units.append((bchar.get(p + 1, -1), chr(b), False))
            p += 1
            continue
        if p + 1 >= n:
            break
        t = stream[p + 1]
        if b == _LOST or t == _LOST:
            if t != _LOST and not 0x40 <= t <= 0xFE:
                break
            ch, lost = "\ufffd", True
        else:
            got = _pair(b, t, enc)
            if got is None:
                break
            ch, lost = got, False
        p += 2
        units.append((bchar.get(p, -1), ch, lost))
    return units


def _dbcs_keep(units: list[_DUnit], complete: bool, segment: str, clean_at: int) -> int:
    """How many units of a strict re-reading are kept: it is cut where it stops being
    plausible, and where the garbled side stops being mojibake (``clean_at``, the first
    index of a clean-looking stretch of ``segment``, or after a sentence-final mark
    followed by text that reads fine; see the module docstring)."""
    chars = [u[1] for u in units]
    m = len(units)
    rights = lexicon_index()[1]

    def linked(a: str, b: str) -> bool:
        return "\ufffd" not in (a, b) and b in rights.get(a)

    def lone(k: int) -> bool:
        ch = chars[k]
        if units[k][2]:
            return True
        if ch.isascii():  # a letter glued between wide characters: a stray trail byte
            inner = 0 < k < m - 1 and not chars[k - 1].isascii() and not chars[k + 1].isascii()
            return inner and not ch.isdigit() and not ch.isspace()
        if not _is_han(ch) and char_score(ch) >= 1.5:
            return False  # Chinese punctuation
        return not (
            (k > 0 and linked(chars[k - 1], ch)) or (k + 1 < m and linked(ch, chars[k + 1]))
        )

    lones = [lone(k) for k in range(m)]
    cut, run = m, -1
    for k in range(m):
        if not lones[k]:
            run = -1
            continue
        if run < 0:
            run = k
        if not units[k][2] and (chars[k].isascii() or char_score(chars[k]) < 1.5):
            cut = run  # a rare lone character: the run it ends is misread
            break
    else:
        if not complete and run >= 0:
            cut = run  # the reading failed right after a run of lone characters
    # A lost pair needs a cleanly read left neighbour and a linked hanzi on its right.
    for k in range(cut):
        if units[k][2] and not (
            k > 0
            and not units[k - 1][2]
            and k + 1 < m
            and _is_han(chars[k + 1])
            and not lones[k + 1]
        ):
            cut = k
            break
    # The garbled side stops being mojibake: a clean-looking stretch, or text that reads
    # fine after a sentence-final mark of the reading (with its closing quotes).
    for k in range(cut):
        end = units[k][0]
        if end > clean_at:
            cut = k
            # Clean characters just before the stretch re-read into lone ones (据 -> 誹).
            while cut > 0 and lones[cut - 1] and not _rare_garbled(segment, units, cut - 1):
                cut -= 1
            break
        if chars[k] in _SENTENCE_END and not units[k][2]:
            j = k + 1
            while j < m and chars[j] in _CLOSERS and not units[j][2]:
                j += 1
            if j < cut and units[j - 1][0] >= 0 and _fine_after(segment, units[j - 1][0]):
                cut = j
                break
    while cut > 0 and (units[cut - 1][2] or units[cut - 1][0] < 0):
        cut -= 1
    return cut


_SENTENCE_END = frozenset("。！？!?")
_WIDE_END = frozenset("。！？")  # on the garbled side ("?" may be a lost mark)
_CLOSERS = frozenset("”’」』）)》〉】")
_FINE_LOOKAHEAD = 4  # wide characters looked at next to a sentence-final mark
_CLEAN_RUN = 3  # common hanzi in a row, each in a phrase-list bigram, on the garbled side


def _garbled_rare(ch: str) -> bool:
    """A garbled-side character that shows mojibake: rare, a lost mark or private use."""
    return _rare(ch) or "\ue000" <= ch <= "\uf8ff"


def _rare_garbled(segment: str, units: list[_DUnit], k: int) -> bool:
    """Whether the garbled characters unit ``k`` was read from hold a rare one (True
    when they are not known: inside a shifted stretch)."""
    end = units[k][0]
    if end < 0:
        return True
    start = next((units[q][0] for q in range(k - 1, -1, -1) if units[q][0] >= 0), end - 1)
    return any(_garbled_rare(c) for c in segment[max(start, 0) : end])


def _reads_fine(chars: Iterable[str]) -> bool:
    """Whether garbled-side text reads fine as it is: its first wide characters (up to
    four) are hanzi or punctuation, none rare, lost or private use."""
    seen = 0
    for ch in chars:
        if ch.isascii() or ch.isspace():
            continue
        if not _reads_clean(ch):
            return False
        seen += 1
        if seen >= _FINE_LOOKAHEAD:
            break
    return True


def _fine_next(text: str) -> bool:
    """Whether ``text`` starts with Chinese that reads fine (at least one wide character)."""
    return any(not c.isascii() for c in text[:8]) and _reads_fine(text[:8])


def _fine_after(segment: str, pos: int) -> bool:
    return _reads_fine(itertools.islice(segment, pos, None))


def _fine_before(segment: str, pos: int) -> bool:
    return pos > 0 and not segment[pos - 1].isascii() and _reads_fine(reversed(segment[:pos]))


def _clean_stretches(segment: str) -> list[int]:
    """Sorted indices of a segment where the garbled side is clean text, not mojibake:
    the characters of runs of at least :data:`_CLEAN_RUN` common hanzi each forming a
    phrase-list bigram with a neighbour (mojibake shows at most two in a row), and a
    sentence-final mark next to text that reads fine.  An edit never covers one."""
    rights = lexicon_index()[1]
    n = len(segment)
    ok = [_is_han(c) and not _garbled_rare(c) for c in segment]
    out: list[int] = []
    run = 0
    for k in range(n):
        linked = ok[k] and (
            (k > 0 and ok[k - 1] and segment[k] in rights.get(segment[k - 1]))
            or (k + 1 < n and ok[k + 1] and segment[k + 1] in rights.get(segment[k]))
        )
        run = run + 1 if linked else 0
        if run == _CLEAN_RUN:
            out.extend(range(k - _CLEAN_RUN + 1, k + 1))
        elif run > _CLEAN_RUN or (
            segment[k] in _WIDE_END and (_fine_after(segment, k + 1) or _fine_before(segment, k))
        ):
            out.append(k)
    return out


@lru_cache(maxsize=16)
def _end_bytes(codec: str) -> tuple[tuple[bytes, ...], tuple[bytes, ...]]:
    """Bytes of the sentence-final marks and of the closing quotes in ``codec``."""
    marks = tuple(b for b in (_enc(c, codec) for c in sorted(_SENTENCE_END)) if b)
    closers = tuple(b for b in (_enc(c, codec) for c in sorted(_CLOSERS)) if b)
    return marks, closers


def _ends_sentence(data: bytes, end: int, codec: str) -> bool:
    """Whether ``data[:end]`` read in ``codec`` ends with a sentence-final mark and
    optional closing quotes."""
    marks, closers = _end_bytes(codec)
    stripped = True
    while stripped:
        stripped = False
        for c in closers:
            if data.endswith(c, 0, end):
                end -= len(c)
                stripped = True
                break
    return any(data.endswith(m, 0, end) for m in marks)


def _dbcs_spans(segment: str, enc: str, dec: str) -> list[_Span]:
    """Strict re-readings of one segment (characters a reader in ``dec`` can show, and
    lost marks), cut where they stop being plausible (see the module docstring)."""
    if _DBCS_PROOF.search(segment) is None:
        return []
    stream: list[int] = []
    starts: list[int] = []
    for ch in segment:
        starts.append(len(stream))
        got = None if ch == "\ufffd" else _dbcs_bytes(ch, dec)
        stream.extend(got if got is not None else (_LOST,))
    starts.append(len(stream))
    bchar = {pos: k for k, pos in enumerate(starts)}
    n = len(segment)
    clean = _clean_stretches(segment)
    out: list[_Span] = []
    i = 0
    in_step = True  # the reader is known to be in step with the pairs at ``i``
    while i < n:
        ch = segment[i]
        if ch.isascii() or ch == "\ufffd" or not in_step:
            # After a lost mark followed by a wide character the reader may be a byte
            # out of step; any ASCII character puts it back in step.
            in_step = ch.isascii() or (in_step and ch != "\ufffd")
            i += 1
            continue
        units = _dbcs_read(stream, starts[i], bchar, enc)
        c = bisect.bisect_left(clean, i)
        clean_at = clean[c] if c < len(clean) else n
        cut = _dbcs_keep(units, bool(units) and units[-1][0] == n, segment, clean_at)
        first = units[0][1] if units else ""
        rights = lexicon_index()[1]
        # The first character must be a linked hanzi, or a common one read from a rare one.
        start_ok = (
            cut > 0
            and _is_han(first)
            and (
                (len(units) > 1 and units[1][1] in rights.get(first))
                or (is_common(first) and char_score(ch) < 1.5)
            )
        )
        if not start_ok:
            i += 1
            continue
        j = units[cut - 1][0]
        repl = "".join(u[1] for u in units[:cut])
        while j > i + 1 and segment[j - 1].isascii() and repl.endswith(segment[j - 1]):
            j -= 1
            repl = repl[:-1]
        lost = sum(1 for u in units[:cut] if u[2])
        if repl != segment[i:j]:
            out.append((i, j, repl, {"guessed": 0, "unrecovered": lost} if lost else None))
        i = j
    return out


@lru_cache(maxsize=1)
def _dbcs_trigger() -> re.Pattern[str]:
    """Pre-filter of GBK<->Big5 mojibake: three rare characters within five (lost marks
    and private-use characters count as rare), built once per process."""
    cps = [0xFFFD, *range(0xE000, 0xF900)]
    for codec in ("gbk", "big5"):
        for lead in range(0x81, 0xFF):
            for trail in range(0x40, 0xFF):
                try:
                    ch = bytes((lead, trail)).decode(codec)
                except UnicodeDecodeError:
                    continue
                if _rare(ch):
                    cps.append(ord(ch))
    r = "[" + _class_of(cps) + "]"
    return re.compile(f"{r}(?:{r}(?:{r}|.{r}|..{r})|.{r}(?:{r}|.{r})|..{r}{r})")


def _rare(ch: str) -> bool:
    """A non-ASCII character rare in clean Chinese text (lost marks included)."""
    return ch == "\ufffd" or (not ch.isascii() and not ch.isspace() and _plaus(ch) < 1.5)


def _dbcs_acceptable(garbled: str, repl: str) -> bool:
    """Gates for GBK<->Big5: the garbled stretch is hanzi-looking, visibly rare and
    without phrase-list bigrams; the repaired one is common text full of them."""
    core = repl.replace("\ufffd", "")
    wide = [c for c in garbled if not c.isascii()]
    han = sum(1 for c in core if _is_han(c))
    if len(wide) < _DBCS_MIN or han < _DBCS_MIN:
        return False
    if 4 * repl.count("\ufffd") > len(repl):
        return False
    if sum(1 for c in wide if _rare(c)) < _DBCS_RARE * len(wide):
        return False
    if _bigram_share(garbled) > _DBCS_GARBLED_SHARE:
        return False
    return _bigram_share(core) >= _DBCS_SHARE and _plaus(core) >= _DBCS_PLAUS


_DBCS_MIN = 6
_DBCS_RARE = 0.2
_DBCS_GARBLED_SHARE = 0.1
_DBCS_SHARE = 0.3
_DBCS_PLAUS = 1.8


def _segments(
    window: str, shows: Callable[[str, str], object], codec: str
) -> list[tuple[int, int]]:
    """Maximal runs of characters a reader in ``codec`` can show (``shows(ch, codec)``
    is not ``None``) or lost marks."""
    segs: list[tuple[int, int]] = []
    start = -1
    for k, ch in enumerate(window):
        ok = ch in _LOST_MARKS or shows(ch, codec) is not None
        if ok and start < 0:
            start = k
        elif not ok and start >= 0:
            segs.append((start, k))
            start = -1
    if start >= 0:
        segs.append((start, len(window)))
    return segs


def _script(ch: str) -> str:
    return unicodedata.name(ch, "?").split(" ", 1)[0]


def _natural_word(word: str) -> bool:
    letters = "".join(c for c in word if c.isalpha())
    if len({_script(c) for c in letters}) > 1:
        return False
    return (
        letters == letters.lower()
        or letters == letters.upper()
        or (letters[0].isupper() and letters[1:] == letters[1:].lower())
    )


def _reads_as_words(window: str, start: int, end: int) -> bool:
    """Whether ``window[start:end]`` (widened to whole words) reads as alphabetic prose:
    words of one script each, cased as words are (``дії``, ``Привет``, ``ΣΤΟ``), with
    only punctuation between them and none glued inside a word.  Mojibake in a
    single-byte codec mixes cases, scripts and symbols inside its "words"."""
    while start > 0 and (window[start - 1].isalpha() or window[start - 1] in _APOSTROPHES):
        start -= 1
    while end < len(window) and (window[end].isalpha() or window[end] in _APOSTROPHES):
        end += 1
    span = window[start:end]
    word: list[str] = []
    for x, ch in enumerate(span):
        inner = 0 < x < len(span) - 1 and span[x - 1].isalpha() and span[x + 1].isalpha()
        if ch.isalpha() or (ch in _APOSTROPHES and inner):
            word.append(ch)
            continue
        if word and not _natural_word("".join(word)):
            return False
        word = []
        if ch.isascii():
            continue
        if unicodedata.category(ch)[0] not in "PZ" and ch not in _PROSE_SYMBOLS:
            return False
        if inner:
            return False  # punctuation glued inside a word
    return not word or _natural_word("".join(word))


def _acceptable(garbled: str, repl: str, encoded_as: str, decoded_as: str) -> bool:
    """Safety gates: only clearly garbled spans with a clearly better reading."""
    core = repl.replace("\ufffd", "")
    if sum(1 for c in core if ord(c) >= 0x2E80) < 2:
        return False
    before, after = _plaus(garbled.strip(_LOST_MARKS)), _plaus(core)
    if after < 1.5 or _fluency(repl) - _fluency(garbled) < 1.0:
        return False
    if encoded_as != "utf-8" and decoded_as in _LATIN:
        # Symbol runs such as ``××××`` or ``°±`` are not mojibake: the garbled run must
        # be half letters (GBK's leads B0-F7 read as À-÷), or its reading must be a
        # Chinese sentence, three hanzi or more with phrase-list bigrams (Big5's leads
        # A4-C6 read as symbols ¤-Æ, its trails 40-7E as ASCII inside the run).
        letters = sum(1 for c in garbled if c.isalpha() and not c.isascii())
        if 2 * letters < len(garbled.strip(_LOST_MARKS)) and not _reads_chinese(core):
            return False
    # Box-drawing rules (``────``, ``╔══╗``) are real text: GBK read in a DOS code page
    # must be a varied run whose repaired reading is common hanzi with phrase-list
    # bigrams (both characters of a two-hanzi file name must form one).
    if encoded_as != "utf-8" and decoded_as in _DOS:
        han = sum(1 for c in core if _is_han(c))
        share = _bigram_share(core)
        if len(set(garbled)) < max(3, len(garbled) // 2) or after < 1.8:
            return False
        if share < (1.0 if han <= 2 else 0.15):
            return False
    if decoded_as in _DOUBLE:
        # Hanzi-looking mojibake: demand visibly rare characters and a longer span.
        # (ASCII inside the run, such as the digits of ``瀹屾垚32绔``, and lost marks
        # are neither evidence nor counter-evidence.)
        hanzi = sum(1 for c in garbled if 0x4E00 <= ord(c) <= 0x9FFF)
        wide = sum(1 for c in garbled if not c.isascii() and c not in _LOST_MARKS)
        return before < 1.0 and hanzi >= max(3, int(0.8 * wide))
    return True


def _reads_chinese(core: str) -> bool:
    """A GBK/Big5 reading that is Chinese text: three hanzi or more, at least half of its
    wide characters, common ones (plausibility of the wide characters at least
    :data:`_DBCS_PLAUS`) with a phrase-list bigram share of at least :data:`_SB_SHARE`;
    a run of :data:`_SB_LONG` hanzi or more that are nearly all common needs no
    bigram (the phrase list knows few traditional or transliterated names)."""
    wide = "".join(c for c in core if not c.isascii())  # ASCII reads the same either way
    han = sum(1 for c in wide if _is_han(c))
    if han < 3 or 2 * han < len(wide):
        return False
    plaus = _plaus(wide)
    if plaus >= _SB_ALL_COMMON and han >= _SB_LONG:
        return True  # a long run of common hanzi only (names, transliterations)
    return plaus >= _DBCS_PLAUS and _bigram_share(core) >= _SB_SHARE


_SB_SHARE = 0.1
_SB_ALL_COMMON = 1.9
_SB_LONG = 8


def _lossy_note(info: dict[str, int]) -> str:
    restored = info.get("restored_bytes", 0)
    if restored:
        return (
            f"{restored} byte(s) that cp1252 cannot display were dropped and have been re-inserted"
        )
    guessed, unrecovered = info.get("guessed", 0), info.get("unrecovered", 0)
    return (
        f"bytes of {guessed + unrecovered} character(s) were lost: {guessed} guessed from the "
        f"phrase-list bigrams they form with their neighbours and their remaining bytes, "
        f"{unrecovered} left as U+FFFD"
    )


def _run_score(window: str, lo: int, hi: int, edits: list[Edit]) -> float:
    """Plausibility plus twice the bigram share of ``window[lo:hi]`` with ``edits``
    applied (the rest left as it is)."""
    parts: list[str] = []
    pos = lo
    for e in sorted(edits, key=lambda e: e.start):
        parts += [window[pos : e.start], e.replacement]
        pos = e.end
    parts.append(window[pos:hi])
    core = "".join(parts).replace("\ufffd", "")
    return _plaus(core) + 2.0 * _bigram_share(core)


def _pick_dbcs_reading(
    window: str, by_codec: dict[str, list[tuple[bool, tuple[float, Edit]]]]
) -> list[tuple[float, Edit]]:
    """GBK and Big5 readings of one single-byte segment: the codec whose spans (all of
    them, accepted or not) make the whole stretch (the union of both codecs' spans)
    read better wins, and only its accepted spans are kept.  A GBK reading of Big5
    bytes (or the reverse) thus never wins with a few sub-spans that happen to decode
    and pass the gates while the right reading, failing them, would leave the run."""
    every = [c[1] for cands in by_codec.values() for _ok, c in cands]
    lo, hi = min(e.start for e in every), max(e.end for e in every)
    best = max(
        sorted(by_codec),
        key=lambda codec: _run_score(window, lo, hi, [c[1] for _ok, c in by_codec[codec]]),
    )
    return [c for ok, c in by_codec[best] if ok]


def _repair_once(window: str, *, pairs: bool = True, dbcs: bool = True) -> list[Edit]:
    """Candidate edits of :data:`PAIRS` (unless ``pairs=False``) and of GBK<->Big5
    (unless ``dbcs=False``) in ``window``, the best non-overlapping ones."""
    cands: list[tuple[float, Edit]] = []
    # GBK/Big5 read as cp1252/latin-1: candidates per (reader, segment) and writer.
    dbcs_single: dict[tuple[str, int, int], dict[str, list[tuple[bool, tuple[float, Edit]]]]] = {}
    for encoded_as, decoded_as in PAIRS if pairs else ():
        for s0, s1 in _segments(window, _enc, decoded_as):
            seg = window[s0:s1]
            if seg.isascii():
                continue
            around = (window[max(0, s0 - 8) : s0], window[s1 : s1 + 8])
            for a, b, repl, info in _spans(seg, encoded_as, decoded_as, *around):
                start, end = s0 + a, s0 + b
                garbled = window[start:end]
                ok = _acceptable(garbled, repl, encoded_as, decoded_as) and not (
                    decoded_as in _SINGLE and _reads_as_words(window, start, end)
                )
                dbcs_single_pair = encoded_as != "utf-8" and decoded_as in _LATIN
                if not ok and not dbcs_single_pair:
                    continue
                gain = _fluency(repl) - _fluency(garbled)
                detail: dict[str, object] = {"encoded_as": encoded_as, "decoded_as": decoded_as}
                if info is not None:
                    detail.update(info)
                    detail["lossy_note"] = _lossy_note(info)
                cand = (
                    gain * len(garbled),
                    Edit(start, end, garbled, repl, "codec mojibake", info is not None, detail),
                )
                if not dbcs_single_pair:
                    cands.append(cand)
                else:
                    key = (decoded_as, s0, s1)
                    dbcs_single.setdefault(key, {}).setdefault(encoded_as, []).append((ok, cand))
    for by_codec in dbcs_single.values():
        cands += _pick_dbcs_reading(window, by_codec)
    for encoded_as, decoded_as in _DBCS if dbcs else ():
        for s0, s1 in _segments(window, _dbcs_bytes, decoded_as):
            seg = window[s0:s1]
            if seg.isascii():
                continue
            for a, b, repl, info in _dbcs_spans(seg, encoded_as, decoded_as):
                start, end = s0 + a, s0 + b
                garbled = window[start:end]
                if not _dbcs_acceptable(garbled, repl):
                    continue
                gain = _fluency(repl) - _fluency(garbled)
                detail = {"encoded_as": encoded_as, "decoded_as": decoded_as}
                if info is not None:
                    detail.update(info)
                    detail["lossy_note"] = _lossy_note(info)
                cands.append(
                    (
                        gain * len(garbled),
                        Edit(start, end, garbled, repl, "codec mojibake", info is not None, detail),
                    )
                )
    chosen: list[Edit] = []
    for _g, e in sorted(cands, key=lambda t: -t[0]):
        if all(e.end <= c.start or e.start >= c.end for c in chosen):
            chosen.append(e)
    return sorted(chosen, key=lambda e: e.start)


def _layered(edit: Edit) -> Edit:
    """Undo further layers (e.g. UTF-8 read as cp1252 twice) inside one edit."""
    layers = [dict(edit.detail)]
    text = edit.replacement
    lossy = edit.lossy
    for _ in range(2):
        inner = _repair_once(text)
        if len(inner) != 1 or inner[0].start != 0 or inner[0].end != len(text):
            break
        layers.append(dict(inner[0].detail))
        lossy = lossy or inner[0].lossy
        text = inner[0].replacement
    if len(layers) == 1:
        return edit
    detail = dict(edit.detail)
    detail["layers"] = layers
    return Edit(edit.start, edit.end, edit.original, text, edit.reason, lossy, detail)


def find_mojibake(text: str) -> list[Edit]:
    """Return sorted, non-overlapping edits undoing codec mojibake in ``text``."""
    if text.isascii():
        return []
    trig = _trigger()
    if trig.search(text) is None:
        return []
    hits: list[tuple[int, int]] = []
    proof = False
    for m in trig.finditer(text):
        if m.end() - m.start() == 1:
            proof = True
        elif _hit_ok(m.group()):
            hits.append((m.start(), m.end()))
    dbcs_hits: list[tuple[int, int]] = []
    if proof:
        dbcs_hits = [(m.start(), m.end()) for m in _dbcs_trigger().finditer(text)]
    if not hits and not dbcs_hits:
        return []
    every = sorted(hits + dbcs_hits)
    edits: list[Edit] = []
    covered = -1
    for m_start, m_end in every:
        if m_start < covered:
            continue
        # Window boundaries: only ASCII / ideographic space.  U+00A0 and U+0085 are
        # latin-1 readings of UTF-8 continuation bytes and belong to the run.
        lo = m_start
        while lo > 0 and text[lo - 1] not in _SPACE and m_start - lo < _WINDOW_CAP:
            lo -= 1
        hi = m_end
        while hi < len(text) and text[hi] not in _SPACE and hi - m_end < _WINDOW_CAP:
            hi += 1
        # A long run holds several hits: widen the window over the later ones (up to
        # _RUN_CAP) so that the run is not cut at the window's edge.
        for h_start, h_end in every:
            if h_start < m_end or h_start >= hi or hi - lo >= _RUN_CAP:
                continue
            edge = h_end
            while edge < len(text) and text[edge] not in _SPACE and edge - h_end < _WINDOW_CAP:
                edge += 1
            hi = max(hi, edge)
        lo = max(lo, covered)
        window = text[lo:hi]
        # Only the kinds of repair this window has evidence for (a GBK<->Big5 edit
        # needs a lost mark in its run, so a window without one has none).
        regular = any(lo <= h0 < hi for h0, _ in hits)
        marked = any(lo <= h0 < hi for h0, _ in dbcs_hits) and _DBCS_PROOF.search(window)
        for e in _repair_once(window, pairs=regular, dbcs=bool(marked)):
            s, t = e.start + lo, e.end + lo
            own = dbcs_hits if (e.detail["encoded_as"], e.detail["decoded_as"]) in _DBCS else hits
            if not any(s < h1 and h0 < t for h0, h1 in own):
                continue  # only spans that contain mojibake evidence of their kind are touched
            e2 = _layered(e)
            edits.append(
                Edit(
                    e2.start + lo,
                    e2.end + lo,
                    e2.original,
                    e2.replacement,
                    e2.reason,
                    e2.lossy,
                    e2.detail,
                )
            )
        for k in _KUNKUN.finditer(window):
            s, t = k.start() + lo, k.end() + lo
            if all(t <= e.start or s >= e.end for e in edits):
                edits.append(
                    Edit(
                        s,
                        t,
                        k.group(),
                        "\ufffd" * (2 * len(k.group()) // 3),
                        "UTF-8 replacement characters read as GBK",
                        True,
                        {"encoded_as": "utf-8", "decoded_as": "gbk"},
                    )
                )
        covered = hi
    return sorted(edits, key=lambda e: e.start)


def fix_mojibake(text: str) -> str:
    """Apply :func:`find_mojibake`."""
    return apply_edits(text, find_mojibake(text))
