"""Round trip: the candidate spans of one segment for a pair of :data:`PAIRS`.

Inside a window, maximal runs of characters encodable in ``decoded_as`` (plus lost
marks ``?``/U+FFFD) are re-encoded and walked from each non-ASCII character boundary.
The strict reading is the longest sub-span whose bytes decode in ``encoded_as``;
single-byte readers that cannot show some continuation bytes (cp1252, cp1250, cp1251)
get those bytes re-inserted.  UTF-8 writers also get hole-tolerant readings
(:mod:`.utf8_reading`); a GBK/Big5 span may run over a whole sentence (up to 240
garbled characters), and no boundary past the first pair that fails to decode is
tried.  No span crosses a clean stretch of the garbled side (:mod:`.clean_text`).
"""

from __future__ import annotations

import bisect
import re

from ...chardata import LOST_MARKS
from .clean_text import clean_stretches, edge_byte, edges_ok, ends_sentence, fine_after, fine_next
from .common import LOST_BYTE, RUN_CAP, SINGLE_BYTE_CODECS, Span, reader_bytes
from .dbcs_as_single_byte import reading_in_step
from .utf8_reading import decode_dropped, lossy_at, prefer_lossy

# One whole UTF-8 character of two, three or four bytes.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def roundtrip_spans(
    segment: str, encoded_as: str, decoded_as: str, before: str = "", after: str = ""
) -> list[Span]:
    """Candidate spans inside one segment (characters encodable in ``decoded_as`` and
    lost marks); ``before`` and ``after`` are the window text around it."""
    chunks: list[bytes | None] = []
    for ch in segment:
        if ch in LOST_MARKS:
            chunks.append(None)
            continue
        b = reader_bytes(ch, decoded_as)
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
        stream.extend(chunk if chunk is not None else (LOST_BYTE,))
    starts.append(len(stream))
    bchar = {pos: k for k, pos in enumerate(starts)}
    lenient = encoded_as == "utf-8"
    if lenient and _UTF8_SEQUENCE.search(data) is None:
        return []  # not one whole UTF-8 character in these bytes: nothing to read
    # A GBK/Big5 sentence read as a single-byte page is twice as long as its hanzi.
    span_cap = 80 if lenient else RUN_CAP
    if lenient and decoded_as in SINGLE_BYTE_CODECS:
        whole = _whole_utf8(segment, data, offs)
        if whole is not None:
            return [whole]
    # Where the garbled side stops being mojibake: a clean-looking stretch, or the end
    # of a sentence of the reading followed by text that reads fine.  No span crosses.
    clean = clean_stretches(segment)
    clean.extend(
        k
        for k in range(1, n)
        if chunks[k - 1] is not None
        and ends_sentence(data, offs[k], encoded_as)
        and fine_after(segment, k)
    )
    clean.sort()

    def glued(i: int, j: int) -> bool:
        # GBK/Big5 read as a single-byte code page: a byte 80-A0 (” “ … or a no-break
        # space in cp1252) is no GB2312 or Big5 byte, only part of a rare GBK extension
        # pair; at an edge, next to Chinese text, it is that text's own.
        if encoded_as == "utf-8":
            return True
        if edge_byte(segment[j - 1], decoded_as) and fine_next(segment[j:] + after):
            return False
        return not (edge_byte(segment[i], decoded_as) and fine_next((before + segment[:i])[::-1]))

    def strict_at(i: int, cap: int) -> Span | None:
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
            res = decode_dropped(data[offs[i] : offs[j]], encoded_as, decoded_as)
            if res is None or res[0] == segment[i:j] or res[0].isascii():
                continue
            if not edges_ok(segment, i, j, res[0]) or not glued(i, j):
                continue
            return (i, j, res[0], {"restored_bytes": res[1]} if res[1] else None)
        return None

    out: list[Span] = []
    i = 0
    while i < n:
        if chunks[i] is None or segment[i].isascii():
            i += 1
            continue
        c = bisect.bisect_left(clean, i)
        limit = i + span_cap
        if lenient:
            # A long run is cut where a UTF-8 character starts, never inside one (the
            # tail of a cut character would read as a hole and be guessed).
            while limit < n and (chunk := chunks[limit]) is not None and 0x80 <= chunk[0] <= 0xBF:
                limit += 1
        cap = min(n, limit, clean[c] if c < len(clean) else n)
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
            strict = reading_in_step(segment, strict, strict_at(i + 1, cap))
        chosen = strict
        if lenient:
            chosen = prefer_lossy(
                segment, strict, lossy_at(segment, stream, bchar, starts, i, cap, decoded_as)
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


def _whole_utf8(segment: str, data: bytes, offs: list[int]) -> Span | None:
    """The whole segment, from its first to its last non-ASCII character, when its
    bytes are UTF-8 from end to end (however long: the walk's span cap would cut a
    sentence, and a layered reading such as UTF-8 read as cp1252 twice, six garbled
    characters a hanzi, is only whole when it is read whole)."""
    i = next((k for k, ch in enumerate(segment) if not ch.isascii()), None)
    if i is None:
        return None
    j = len(segment)
    while segment[j - 1].isascii():
        j -= 1
    if j - i < 3:
        return None  # short pieces are the walk's to judge
    try:
        repl = data[offs[i] : offs[j]].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if repl == segment[i:j] or repl.isascii() or not edges_ok(segment, i, j, repl):
        return None
    return (i, j, repl, None)
