"""Plausibility gates: which candidate spans are accepted.

:func:`acceptable` is applied to the whole garbled run, holes and lost marks included:
the repaired text must be clearly more plausible (character-frequency class plus
share of linked pairs; GB2312 symbols such as ``◆`` count as punctuation) than the
garbled one (hanzi-looking mojibake: the model alone, below); GBK read as Latin-1 must
be half letters (``××××`` stays) or repair to Chinese text (three hanzi or more, half
the wide characters, scored :data:`READS_CHINESE_MEAN` per character by the character
model: Big5's common leads A4-C6 read as symbols ``¤``-``Æ``, so Big5 runs are rarely
half letters; the model replaced the phrase-list share and the frequency classes);
GBK read as a DOS page must be varied and repair to common hanzi with phrase-list
bigrams (box-drawing rules stay). For every single-byte reading, a span that reads as
alphabetic prose (:func:`reads_as_words`: words of one script, cased as words are,
punctuation only between them) is left alone, so Russian, Ukrainian, Kazakh, Greek or
accented Latin text next to Chinese is never touched.

The character model (:func:`zhnorm.language_model.char_model`) alone judges a
hanzi-looking span (UTF-8 read as GBK, GB18030 or Big5): it is accepted when the model
finds its reading far likelier (:func:`model_prefers`, :data:`MODEL_GAIN` per
character), else not (the frequency-class and phrase-list gates that used to follow
added nothing on the codec-pair benchmark, seed 1); a GBK/Big5 reading of
single-byte text must score :data:`MIN_DBCS_MEAN` per character at least.

GBK<->Big5 (:func:`dbcs_acceptable`): six or more non-ASCII garbled characters, 20%
rare, at most a quarter U+FFFD (the structural evidence); the model judges the rest:
the reading scores :data:`DBCS_MIN_MEAN` per character and gains
:data:`DBCS_MODEL_GAIN` per wide character over the garbled text (it replaced the
phrase-list bigram share and the frequency-class plausibility; seed 1 GBK<->Big5 pairs
59.0/25.9/15.7% -> 63.0/28.2/15.7% sentence/document/phrase).
"""

from __future__ import annotations

import unicodedata

from ...chardata import LOST_MARKS, is_han
from ..model import char_model
from ..plausibility import bigram_share, fluency, is_rare, lenient_plausibility
from .common import DOS_CODECS, DOUBLE_BYTE_CODECS, LATIN_CODECS

_APOSTROPHES = frozenset("'\u2019\u02bc")
_PROSE_SYMBOLS = frozenset("\u2116\u00a7\u00b0")  # numero, section, degree


def dbcs_acceptable(garbled: str, repl: str) -> bool:
    """Gates for GBK<->Big5: the garbled stretch is hanzi-looking, visibly rare and
    without linked pairs; the repaired one is common text full of them."""
    core = repl.replace("\ufffd", "")
    wide = [c for c in garbled if not c.isascii()]
    han = sum(1 for c in core if is_han(c))
    if len(wide) < DBCS_MIN or han < DBCS_MIN:
        return False
    if 4 * repl.count("\ufffd") > len(repl):
        return False
    if sum(1 for c in wide if is_rare(c)) < _DBCS_RARE * len(wide):
        return False
    lm = char_model()
    if lm.mean_logprob(core) < DBCS_MIN_MEAN:
        return False
    kept = "".join(c for c in garbled if c not in LOST_MARKS)
    return lm.logprob(core) - lm.logprob(kept) >= DBCS_MODEL_GAIN * len(wide)


DBCS_MIN = 6
_DBCS_RARE = 0.2
DBCS_MIN_MEAN = -9.0
"""Mean log-probability per character a GBK<->Big5 reading must reach (Chinese text
scores -4 to -8, hanzi read from bytes out of step -11 and below)."""
DBCS_MODEL_GAIN = 1.0
"""Log-probability per wide garbled character a GBK<->Big5 reading must gain (the
private-use characters of a Windows reader score as symbols, so a garble keeps some
likelihood: a right reading gains 1-6 per character)."""


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


def reads_as_words(window: str, start: int, end: int) -> bool:
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


def acceptable(garbled: str, repl: str, encoded_as: str, decoded_as: str) -> bool:
    """Safety gates: only clearly garbled spans with a clearly better reading."""
    core = repl.replace("\ufffd", "")
    if sum(1 for c in core if ord(c) >= 0x2E80) < 2:
        return False
    if decoded_as in DOUBLE_BYTE_CODECS:
        # Hanzi-looking mojibake (UTF-8 read as GBK, GB18030 or Big5): the model alone.
        return model_prefers(garbled, repl)
    if encoded_as != "utf-8" and char_model().mean_logprob(core) < MIN_DBCS_MEAN:
        return False  # not Chinese by the model (``ÄÖÜß`` -> 闹苓, -12.3 per character)
    after = lenient_plausibility(core)
    if after < 1.5 or fluency(repl) - fluency(garbled) < 1.0:
        return False
    if encoded_as != "utf-8" and decoded_as in LATIN_CODECS:
        # Symbol runs such as ``××××`` or ``°±`` are not mojibake: the garbled run must
        # be half letters (GBK's leads B0-F7 read as À-÷), or its reading must be a
        # Chinese sentence, three hanzi or more with linked pairs (Big5's leads
        # A4-C6 read as symbols ¤-Æ, its trails 40-7E as ASCII inside the run).
        letters = sum(1 for c in garbled if c.isalpha() and not c.isascii())
        if 2 * letters < len(garbled.strip(LOST_MARKS)) and not _reads_chinese(core):
            return False
    # Box-drawing rules (``────``, ``╔══╗``) are real text: GBK read in a DOS code page
    # must be a varied run whose repaired reading is common hanzi with phrase-list
    # bigrams (both characters of a two-hanzi file name must form one).
    if encoded_as != "utf-8" and decoded_as in DOS_CODECS:
        han = sum(1 for c in core if is_han(c))
        share = bigram_share(core)
        if len(set(garbled)) < max(3, len(garbled) // 2) or after < 1.8:
            return False
        if share < (1.0 if han <= 2 else 0.15):
            return False
    return True


def model_prefers(garbled: str, repl: str) -> bool:
    """The character model's gate for a hanzi-looking span (UTF-8 read as GBK, GB18030
    or Big5): the reading has two hanzi or more, its other wide characters are
    punctuation or lost marks (at most a third of it), and its log-probability beats
    the garbled span's by at least :data:`MODEL_GAIN` per wide character read (spans of
    clean text that happen to re-read stay under 4.4, ``路路`` -> ``··``; real UTF-8
    read as GBK gains 5.1 and more, most 8-12)."""
    core = repl.replace("\ufffd", "")
    wide = [c for c in core if not c.isascii() and not c.isspace()]
    han = sum(1 for c in wide if is_han(c))
    if han < 2 or 3 * (len(repl) - len(core)) > len(repl):
        return False
    if any(not is_han(c) and unicodedata.category(c)[0] != "P" for c in wide):
        return False
    lm = char_model()
    return lm.logprob(core) - lm.logprob(garbled) >= MODEL_GAIN * len(wide)


MODEL_GAIN = 5.0
# A GBK/Big5 reading of single-byte text must score at least this per character by
# the model (Chinese text scores -5 to -7, a two-hanzi name -10.7; the model scores
# Latin letters in a row well, so their own score is no yardstick).
MIN_DBCS_MEAN = -11.0


def _reads_chinese(core: str) -> bool:
    """A GBK/Big5 reading that is Chinese text: three hanzi or more, at least half of its
    wide characters, which the character model scores :data:`READS_CHINESE_MEAN` per
    character at least (Chinese phrases score -4 to -8.5, the hanzi and symbols a
    symbol run such as ``×××`` or ``°±`` reads as -9 and below)."""
    wide = "".join(c for c in core if not c.isascii())  # ASCII reads the same either way
    han = sum(1 for c in wide if is_han(c))
    if han < 3 or 2 * han < len(wide):
        return False
    return char_model().mean_logprob(wide) >= READS_CHINESE_MEAN


READS_CHINESE_MEAN = -8.5
