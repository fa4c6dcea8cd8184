"""A short text garbled whole between GBK and Big5: a field label, a title, a name.

A phrase of two to :data:`SHORT_MAX` characters read in the wrong double-byte codec
(``湮瞳`` is 大利 written in GBK and read as Big5, ``爛懂`` is 年来) has no pre-filter
hit to stand on: its characters are often common ones, and there is no clean text
around it.  Its evidence is the whole text: two different characters at least, every
one re-reading in step (:func:`.dbcs_in_step.reread`) as a hanzi, and a reading the
character model finds likelier by :data:`SHORT_GAIN` per character (a kana, Greek or
pinyin mark read from a pair pays :data:`.lattice.ODD` too, as the model scores it by
its class) and Chinese by itself (:data:`SHORT_MEAN`), or, for a name or a phrase cut out
of a sentence that characters alone score lower, words by the word model
(:func:`_reads_as_chinese`).

Measured (tuning seeds 5 and 6 of random text, not the benchmark's): of 30,000 random
2-12 character pieces of THUCNews and DRCD, 15-20 re-read whole as hanzi at all, the
best gaining 0.2 per character; of garbled 2-8 hanzi phrases, 91% of GBK read as Big5
and 84% of Big5 read as GBK are restored at 3.5.  Only pieces every character of which
re-reads as a hanzi reach the model.  A Big5-HKSCS character outside plain Big5 in a
reading (``𨋢``) is left out of the model's judgement (it knows few of them).

:func:`short_single_byte_edit` does the same for a short text a cp1252 or Latin-1
reader showed for GBK or Big5 bytes, where the windows' gates (made for runs inside
text) find nothing.
"""

from __future__ import annotations

import itertools
import unicodedata

from ...chardata import LOST_MARK, is_han
from ..model import char_model, word_model
from ..types import Edit
from .common import LATIN_CODECS, reader_bytes
from .dbcs_in_step import reread
from .lattice import COMBOS, DBCS_COMBOS, ODD, Stretch, odd_mark, shown_bytes, utf8_start
from .lattice import edit_of_stretch as lattice_edit
from .lattice import reread as lattice_reread
from .prefilter import SHORT_MAX

SHORT_GAIN = 3.5
"""Log-probability per character the reading must gain over the text as it stands."""
SHORT_MEAN = -8.0
"""Mean log-probability per character the reading must score (Chinese: -4 to -7)."""
SHORT_WORDS_GAIN = 3.0
"""Log-probability per character by the character model a reading the word model
vouches for (:data:`WORDS_GAIN`) must gain: kana, Greek or bopomofo text, which the
word model knows no better than garble, gains under 2 (``のみ`` 1.96, ``その`` 1.08)."""
WORDS_GAIN = 4.0
"""Log-probability per character by the word model (:class:`zhnorm.language_model.WordModel`)
a reading must gain to be taken under :data:`SHORT_MEAN`."""
_COMBOS = (("gbk", "big5"), ("big5", "gbk"))


def _shown(ch: str) -> bool:
    """A character a double-byte reader shows for a pair: anything wide (Big5's
    common leads A4-A8 read in GBK as kana, Greek and pinyin: ``ゅて`` is 文化)."""
    return not ch.isascii() and not ch.isspace()


def short_text_edit(text: str) -> Edit | None:
    """The edit re-reading all of a short ``text`` (surrounding whitespace aside) from
    GBK read as Big5 or Big5 read as GBK, the likelier reading, if one passes."""
    core = text.strip()
    if not 2 <= len(core) <= SHORT_MAX or not all(map(_shown, core)):
        return None
    if len(set(core)) < 2:
        return None  # one character repeated (a name's 婧婧) is no evidence
    start = text.index(core)
    best: tuple[float, str, str, str] | None = None
    for writer, reader in _COMBOS:
        got = [reread(ch, writer, reader) for ch in core]
        alt = [g for g in got if g is not None and is_han(g)]
        if len(alt) != len(core):
            continue
        reading = "".join(alt)
        lm = char_model()
        # Kana, Greek, pinyin letters, box drawing read from hanzi pairs: the model
        # scores them by their class, so each pays :data:`.lattice.ODD` as well.
        odd = sum(1 for ch in core if odd_mark(ch))
        keep = [k for k, ch in enumerate(reading) if writer == "gbk" or not _hkscs_only(ch)]
        judged, shown = "".join(reading[k] for k in keep), "".join(core[k] for k in keep)
        if len(judged) < 2:
            continue
        gain = (lm.logprob(judged) - lm.logprob(shown) - ODD * odd) / len(judged)
        if not _reads_as_chinese(judged, shown, gain):
            continue
        if best is None or gain > best[0]:
            best = (gain, writer, reader, reading)
    if best is None:
        return None
    gain, writer, reader, reading = best
    return _whole_text_edit(start, core, reading, writer, reader, gain=round(gain, 2))


def _reads_as_chinese(judged: str, shown: str, gain: float) -> bool:
    """Whether a whole-text reading ``judged`` of ``shown`` (:func:`short_text_edit`),
    gaining ``gain`` per character by the character model, is taken: Chinese by the
    character model (:data:`SHORT_GAIN`, :data:`SHORT_MEAN`), or words by the word model
    (:data:`SHORT_WORDS_GAIN` of the character model and :data:`WORDS_GAIN` of the word
    model per character; a name or a phrase cut out of a sentence, ``星美凯``,
    ``况下``, scores under :data:`SHORT_MEAN` by characters).

    Measured on random 2-12 character pieces of THUCNews, DRCD, Taiwan news and Sohu
    (30,000 and 60,000, seeds 5 and 6): the best character gain of any whole reading
    is 1.1 and 2.8, the word gain 2.3 and 3.9 (not the same pieces); none passes
    both.  On 500 garbled phrases of the GBK<->Big5 pairs (benchmark seed 1, tuning)
    429 are taken by characters alone, 471 with the words, none wrong."""
    if gain >= SHORT_GAIN and char_model().mean_logprob(judged) >= SHORT_MEAN:
        return True
    if gain < SHORT_WORDS_GAIN:
        return False
    words = word_model()
    return (words.logprob(judged) - words.logprob(shown)) / len(judged) >= WORDS_GAIN


def _whole_text_edit(
    start: int, core: str, reading: str, writer: str, reader: str, **score: float
) -> Edit:
    """The edit replacing all of ``core`` (at ``start``) by its ``reading``."""
    detail = {"encoded_as": writer, "decoded_as": reader, **score, "whole_text": True}
    return Edit(start, start + len(core), core, reading, "codec mojibake", False, detail)


_SINGLE_WRITERS = ("big5hkscs", "gbk")


def short_single_byte_edit(text: str) -> Edit | None:
    """The edit re-reading all of a short ``text`` a cp1252 or Latin-1 reader showed
    for GBK or Big5 bytes (``¬P¬Û`` is 星相 in Big5: its trail bytes 40-7E show as
    ASCII).  Every byte must belong to a double-byte hanzi of the writer (a text of
    Latin words has ASCII leads and fails), and the model must find the reading
    Chinese by itself (:data:`SHORT_MEAN`); the likelier writer wins."""
    core = text.strip()
    if not 2 <= len(core) <= 2 * SHORT_MAX or core.isascii() or not core[0] > "\x7f":
        return None
    start = text.index(core)
    best: tuple[float, str, str, str] | None = None
    for reader in LATIN_CODECS:
        chunks = [reader_bytes(ch, reader) for ch in core]
        if any(c is None for c in chunks):
            continue
        data = b"".join(c for c in chunks if c is not None)
        for writer in _SINGLE_WRITERS:
            try:
                reading = data.decode(writer)
            except UnicodeDecodeError:
                continue
            if len(reading) < 2 or len(set(reading)) < 2 or not all(map(is_han, reading)):
                continue
            judged = "".join(ch for ch in reading if writer == "gbk" or not _hkscs_only(ch))
            if len(judged) < 2:
                continue
            score = char_model().mean_logprob(judged)
            if score >= SHORT_MEAN and (best is None or score > best[0]):
                name = "big5" if writer == "big5hkscs" and _plain_big5(reading) else writer
                best = (score, name, reader, reading)
    if best is None:
        return None
    score, writer, reader, reading = best
    return _whole_text_edit(start, core, reading, writer, reader, mean=round(score, 2))


def _plain_big5(text: str) -> bool:
    try:
        text.encode("big5")
    except UnicodeEncodeError:
        return False
    return True


def _hkscs_only(ch: str) -> bool:
    """A Big5-HKSCS character outside plain Big5 (``𨋢``, ``嘅``): the model knows few
    of them, so a reading is judged without them (they are evidence of the writer,
    not of the text)."""
    if ch.isascii() or _plain_big5(ch):
        return False
    try:
        ch.encode("big5hkscs")
    except UnicodeEncodeError:
        return False
    return True


_LOSSY_COMBOS = (*COMBOS, *DBCS_COMBOS)
READS_WELL = -7.0
"""Mean log-probability per character from which a short text with lost marks reads
as Chinese as it stands (a text repaired with U+FFFD left in it, ``文章摘�``) and is
not read again; its garbled forms score -9 and below."""
SHORT_LOSSY_GAIN = 4.0
"""Log-probability per character (lost marks included) a short text read with lost
bytes must gain."""
_UTF8_SHORT_MAX = 2 * SHORT_MAX
"""Longest short text read whole as UTF-8 with lost bytes: a reader shows a three-byte
character as one to three characters and marks (an eight-character phrase read as Big5
is some twenty)."""
UTF8_SHOWN_MIN = 2
"""Characters (not marks) a reader must have shown for a short text to be read whole as
UTF-8 with lost bytes: each is two known bytes that chain into UTF-8 with the bytes
around them."""


def _tells_writer(core: str, reading: str, writer: str, reader: str) -> bool:
    """Whether a short text's reading holds enough to tell its writer.  A double-byte
    writer's reading must hold two hanzi or more of known bytes and no more lost
    characters than known ones (a wrong pair of common hanzi reads as well as a right
    one).  UTF-8's evidence is the bytes themselves (the reading is one stretch, so
    every shown character's bytes chain into UTF-8 with the bytes around them): at
    least :data:`UTF8_SHOWN_MIN` characters shown, one of them a character's start, a
    lead E0-EF and a continuation byte 80-BF (GBK's and Big5's rarer half: their
    common characters start with bytes B0-D7 and A4-C6).  That holds even where every
    character lost a byte (a phrase read as Big5 loses a byte of most: ``憭拙��`` is
    天元, read back ``天�``); without a start, common characters chain through lost
    marks by chance (``��金�净``)."""
    shown = [ch for ch in core if ch != LOST_MARK and not ch.isascii()]
    if writer == "utf-8":
        return len(shown) >= UTF8_SHOWN_MIN and (
            any(utf8_start(ch, reader) for ch in shown) or _utf8_char_shown(core, reader)
        )
    known = reading.replace(LOST_MARK, "")
    return sum(map(is_han, known)) >= 2 and len(known) >= reading.count(LOST_MARK)


def _utf8_char_shown(core: str, reader: str) -> bool:
    """Whether two characters side by side in ``core`` show the three bytes of one
    UTF-8 hanzi between them (``亥悖`` read as Big5 is A5 E8 AE AF: 讯 is E8 AE AF), a
    character read whole from known bytes where no shown character starts one."""
    for a, b in itertools.pairwise(core):
        first, second = shown_bytes(a, reader), shown_bytes(b, reader)
        if first is None or second is None or len(first) != 2 or len(second) != 2:
            continue
        try:
            ch = (first[1:] + second).decode("utf-8")
        except UnicodeDecodeError:
            continue
        if is_han(ch):
            return True
    return False


def short_lossy_edit(text: str, combos: tuple[tuple[str, str], ...] = _LOSSY_COMBOS) -> Edit | None:
    """The edit re-reading all of a short ``text`` a double-byte reader showed with lost
    marks (``combos``: UTF-8 read as GBK, GB18030 or Big5; GBK read as Big5; Big5 read
    as GBK) through :func:`.lattice.reread`, the writer and reader whose reading gains
    most.
    Tried where the windows find nothing, on a text without a space inside that does
    not read as Chinese as it stands (:data:`READS_WELL`).  The reading must be one
    stretch over every character but marks at the ends, its known characters hanzi or
    punctuation, with a gain of :data:`SHORT_LOSSY_GAIN` per character, and enough
    read to tell the writer (:func:`_tells_writer`)."""
    if LOST_MARK not in text:
        return None
    return _short_lattice_edit(text, combos)


def short_private_use_edit(text: str) -> Edit | None:
    """The edit re-reading all of a short ``text`` a GB18030 or Windows GBK reader
    showed for UTF-8 bytes without losing any, user-defined pairs as private-use
    characters (``鏈\ue102\ue756`` is 本科): :func:`short_lossy_edit`'s reading and
    gates, UTF-8 writers only, on a text with a private-use character and no lost
    mark."""
    if LOST_MARK in text or not any("\ue000" <= ch <= "\uf8ff" for ch in text):
        return None
    return _short_lattice_edit(text, COMBOS)


def _short_lattice_edit(text: str, combos: tuple[tuple[str, str], ...]) -> Edit | None:
    core = text.strip()
    if not 2 <= len(core) <= _UTF8_SHORT_MAX:
        return None
    if any(ch.isspace() for ch in core):
        return None  # one run garbled whole has no space inside
    if char_model().mean_logprob(core.replace(LOST_MARK, "")) >= READS_WELL:
        return None  # it reads as Chinese as it stands (a repair's own lost marks)
    start = text.index(core)
    best: tuple[float, str, str, Stretch] | None = None
    for writer, reader in combos:
        if writer != "utf-8" and len(core) > SHORT_MAX:
            continue
        for whole_pairs in (False, True) if writer != "utf-8" else (False,):
            got = lattice_reread(core, writer, reader, whole_pairs, shaped=False)
            if got is None or len(got[1]) != 1:
                continue
            gain, (s,) = got
            if (core[: s.start] + core[s.end :]).strip(LOST_MARK):
                continue  # a character outside the stretch kept as it was
            known = s.text.replace(LOST_MARK, "")
            if not _tells_writer(core, s.text, writer, reader):
                continue
            if not all(is_han(ch) or unicodedata.category(ch)[0] == "P" for ch in known):
                continue
            if gain < SHORT_LOSSY_GAIN * len(core) or (best is not None and gain <= best[0]):
                continue
            best = (gain, writer, reader, s)
    if best is None:
        return None
    gain, writer, reader, s = best
    edit = lattice_edit(core, s.start, s.end, s, writer, reader)
    return Edit(
        start + s.start,
        start + s.end,
        edit.original,
        edit.replacement,
        edit.reason,
        edit.lossy,
        {**edit.detail, "whole_text": True},
    )
