"""GBK, GB18030, Big5 or Big5-HKSCS read as cp1252/Latin-1, a whole run at once.

A run is the maximal stretch around a pre-filter hit that a cp1252 or Latin-1 reader
can show (ASCII included, up to a line break), from its first non-ASCII character.
Its bytes are read whole in each writer, strictly; a writer that reads all of them
gives one reading of the run, however long (a document, a sentence or a two-character
label), so a long run is never cut into windows that lose a pair at the cut, and a
phrase is judged as one.  The writers are GB18030 (GBK and its four-byte characters:
``𠮷``, ext-A hanzi) and Big5-HKSCS (Big5 and the Hong Kong characters); the edit
names the narrower codec when it reads the bytes too.

The reading must be likelier than the run by the character model
(:func:`zhnorm.language_model.char_model`), must not be mojibake itself by the
pre-filter (UTF-8 read as cp1252 with bytes dropped reads as GBK ``浼氭夌敤``), and
must pass :func:`.gates.acceptable`, or, for a run of four or more wide characters,
be Chinese text (mostly common hanzi with linked pairs), or, for a phrase, be
hanzi the character model finds far likelier (:data:`PHRASE_GAIN`); a run that reads
as alphabetic prose (:func:`.gates.reads_as_words`) or that another single-byte
reader shows as UTF-8 is left alone.  The writer whose reading the model finds
likelier wins.  A run
a writer cannot read whole (a Latin-1 word next to the mojibake, a lost byte) is left
to the window walk of :mod:`.driver`.
"""

from __future__ import annotations

import unicodedata

from ...chardata import is_han
from ..model import char_model
from ..plausibility import bigram_share, fluency, is_rare
from ..types import Edit
from .common import LATIN_CODECS, OTHER_SINGLE_BYTE_CODECS, reader_bytes, shown_run, shows
from .gates import acceptable, reads_as_words
from .prefilter import evidence_hits

# (writer read with, narrower codec named when it reads the bytes too)
_WRITERS = (("gb18030", "gbk"), ("big5hkscs", "big5"))


def _read(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _chinese(garbled: str, repl: str) -> bool:
    """A reading of a long run that is Chinese text: four or more wide characters
    (spaces aside), at least four fifths hanzi, at most a tenth rare ones (one in a
    shorter run: GB18030's four-byte hanzi are rare), with linked pairs, and
    clearly more fluent than the run as it stands."""
    wide = [c for c in repl if not c.isascii() and not c.isspace()]
    han = [c for c in wide if is_han(c)]
    if len(wide) < 4 or 5 * len(han) < 4 * len(wide):
        return False
    if 10 * sum(1 for c in han if is_rare(c)) > max(10, len(han)):
        return False
    return bigram_share(repl) >= 0.2 and fluency(repl) - fluency(garbled) >= 1.0


def _run_reading(
    text: str, h0: int, h1: int, lo_bound: int, hi_bound: int, codec: str
) -> Edit | None:
    """The whole run around the hit ``text[h0:h1]`` a ``codec`` reader shows, read by
    the better writer, if it passes the gates."""
    lo, hi = shown_run(text, h0, codec, lo_bound, hi_bound)
    while lo < hi and text[lo].isascii():
        lo += 1
    # Spaces at the end are the clean text's (no Big5 trail is A0; a GBK one is rare).
    # ASCII and spaces at the end are the clean text's (no Big5 trail is A0, a GBK
    # one rarely), unless the last pair needs one as its trail (Big5 ``¦~`` = 年).
    end = hi
    while end > lo and (text[end - 1].isascii() or text[end - 1] in _TRAILING_SPACE):
        end -= 1
    if end < h1 or end - lo < 2:
        return None
    lm = char_model()
    readings = []
    for stop in (end, end + 1) if end < hi and text[end] != " " else (end,):
        data = b"".join(reader_bytes(ch, codec) or b"" for ch in text[lo:stop])
        for writer, narrow in _WRITERS:
            repl = _read(data, writer)
            if repl is None or repl == text[lo:stop]:
                continue
            name = narrow if _read(data, narrow) == repl else writer
            gain = lm.logprob(repl) - lm.logprob(text[lo:stop])
            readings.append((gain, name, repl, stop))
        if readings:
            break
    if not readings:
        return None
    gain, writer, repl, stop = max(readings)
    garbled = text[lo:stop]
    # Unchanged ASCII at the end is not part of the edit.
    while garbled and repl and garbled[-1] == repl[-1] and garbled[-1].isascii():
        garbled, repl = garbled[:-1], repl[:-1]
    end = lo + len(garbled)
    if reads_as_words(text, lo, end) or gain <= 0 or _looks_garbled(repl):
        return None
    if not (
        acceptable(garbled, repl, writer, codec)
        or _chinese(garbled, repl)
        or _likely_phrase(repl, gain)
    ):
        return None
    detail: dict[str, object] = {"encoded_as": writer, "decoded_as": codec}
    return Edit(lo, end, garbled, repl, "codec mojibake", False, detail)


def _likely_phrase(repl: str, gain: float) -> bool:
    """A short reading the character model finds far likelier than the run as it
    stands (its log-probability at least :data:`PHRASE_GAIN` higher): two hanzi or
    more and no other wide characters but CJK punctuation (one hanzi read from two
    Latin-1 symbols, ``§¤`` = 坐, is as likely an accident as not)."""
    wide = [c for c in repl if not c.isascii() and not c.isspace()]
    han = sum(1 for c in wide if is_han(c))
    other = sum(1 for c in wide if not is_han(c) and unicodedata.category(c)[0] != "P")
    return han >= 2 and not other and gain >= PHRASE_GAIN


PHRASE_GAIN = 6.0


def _looks_garbled(repl: str) -> bool:
    """A reading that is itself mojibake by the pre-filter (UTF-8 read as cp1252 with
    bytes dropped reads as GBK ``浼氭夌敤``, UTF-8 read as GBK) is the wrong one."""
    return bool(evidence_hits(repl))


_TRAILING_SPACE = frozenset(" \t\u00a0\u3000")


def _utf8_elsewhere(text: str, h0: int, h1: int) -> bool:
    """Whether the run around the hit ``text[h0:h1]`` that another single-byte reader
    (mac-roman, cp1251...) shows is UTF-8 from end to end: UTF-8 mojibake, left to the
    window walk (``ÊµãËØïÊñ∞Èóª`` = 测试新闻 shows partly in Latin-1 too)."""
    for codec in OTHER_SINGLE_BYTE_CODECS:
        if not all(shows(ch, codec) for ch in text[h0:h1]):
            continue
        lo, hi = shown_run(text, h0, codec)
        run = text[lo:hi].strip()
        if run.isascii():
            continue
        data = b"".join(reader_bytes(ch, codec) or b"" for ch in run)
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        return True
    return False


def whole_dbcs_runs(text: str, hits: list[tuple[int, int]], taken: list[Edit]) -> list[Edit]:
    """Edits reading whole runs around ``hits`` as GBK/GB18030 or Big5/HKSCS shown by
    a cp1252 or Latin-1 reader (the reader whose run reaches further); runs
    overlapping ``taken`` are skipped."""
    edits: list[Edit] = []
    covered = 0
    for h0, h1 in hits:
        if h0 < covered or any(e.start <= h0 < e.end for e in taken):
            continue
        if _utf8_elsewhere(text, h0, h1):
            continue
        lo_bound = max([covered, *(e.end for e in taken if e.end <= h0)])
        hi_bound = min([len(text), *(e.start for e in taken if e.start >= h1)])
        found = [_run_reading(text, h0, h1, lo_bound, hi_bound, codec) for codec in LATIN_CODECS]
        best = max((e for e in found if e is not None), key=lambda e: e.end - e.start, default=None)
        if best is not None:
            edits.append(best)
            covered = best.end
    return edits
