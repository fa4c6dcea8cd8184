"""The structure of a shifted run, from the bytes alone (:func:`scan_run`).

GBK text decoded with ``errors="replace"``: an unmapped pair (a user-defined code such
as the paragraph mark ``FD A3``, or an invalid one) gives one ``?`` and the decoder
advances ONE byte.  From there it reads trail byte + next lead byte as characters (the
shifted run), until such a pair does not decode: one ``?`` for that trail byte, and the
stream is back in step.  Re-aligning is then exact: the shifted characters' bytes, with
the unknown byte of the leading ``?`` in front and the unknown byte of the closing
``?`` at the back, read two by two, are the text.  The unknown bytes are the only
freedom, and the decoder's own rules narrow them:

* the head: ``?`` + a character whose first byte is ``A3`` (a full-width form) after a
  line start or a sentence end is the paragraph mark ``FD A3``; otherwise the ``?`` is a
  lead byte lost at a chunk boundary and the character it starts is one of the GBK
  characters with that trail byte (:func:`head_candidates`);
* the resync ``?``: the trail byte ``T`` of the last character, one that does not pair
  with the byte after it (before a GB2312 byte ``T`` is in AA-AF or F8-FE, or 80, or
  makes a gap of GBK's symbol rows: about 15 candidates; before ASCII any trail byte)
  (:func:`trail_candidates`);
* a trail byte in the ASCII range (``進`` = ``DF 4D``) shows as that letter and ends the
  run in step; so does an ASCII letter of the text after the last character, which the
  decoder paired with that character's trail byte (a shifted character whose second
  byte is ASCII).

A run that breaks these rules (a pair that does not decode, a line end or digit
without the ``?`` the decoder would have written) is not a shifted run.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ...chardata import (
    DBCS_ASCII_TRAILS,
    GB2312_FULLWIDTH_LEAD,
    GBK_LEADS,
    encode_char,
    gbk_pair,
    gbk_rows,
)

__all__ = [
    "MARK",
    "MARK_TRAIL",
    "NORMALISED_FULLWIDTH",
    "PARAGRAPH_MARK",
    "Lost",
    "Piece",
    "Run",
    "head_candidates",
    "scan_run",
    "trail_candidates",
]

PARAGRAPH_MARK = (0xFD, 0xA3)
"""The GBK user-defined code some news sites put at the start of every paragraph."""

MARK_TRAIL = PARAGRAPH_MARK[1]

NORMALISED_FULLWIDTH = frozenset("!,;:")
"""Full-width punctuation a source normalised to ASCII (``！`` -> ``!``); after the
leading ``?`` it stands for its full-width form (A3 + the byte with its high bit)."""


@dataclass(frozen=True)
class Lost:
    """A character one of whose bytes the decoder turned into ``?``: its candidates."""

    candidates: str


Piece = str | Lost  # a re-aligned character, or a lost one; "" marks a paragraph mark


@dataclass
class Run:
    """A shifted run from the ``?`` at ``start`` to ``end`` (exclusive) and its re-aligned
    pieces: characters, :class:`Lost` characters, and ``MARK`` for a paragraph mark."""

    start: int
    end: int
    pieces: list[Piece]


MARK = ""  # the piece of a paragraph mark (a line break in the repair)


_DOUBLES: dict[str, tuple[int, int] | None] = {}


def _double(ch: str) -> tuple[int, int] | None:
    """The two GBK bytes of ``ch``; ``None`` when it is not a double-byte character."""
    if ch in _DOUBLES:
        return _DOUBLES[ch]
    enc = encode_char(ch, "gbk")
    got = (enc[0], enc[1]) if enc is not None and len(enc) == 2 else None
    if len(_DOUBLES) < 65536:
        _DOUBLES[ch] = got
    return got


@lru_cache(maxsize=65536)
def trail_candidates(lead: int, after: int) -> str:
    """The characters ``lead`` + ``T`` whose trail byte ``T`` the decoder shows as one
    ``?`` when the byte ``after`` follows (``-1``: the end of the text): ``T`` is not
    ASCII and ``T after`` does not decode."""
    rows = gbk_rows()
    row = rows[lead]
    out = []
    for trail in range(0x80, 0xFF):  # (an ASCII-range trail shows as itself)
        ch = row[trail]
        if ch != "\0" and (after < 0 or rows[trail][after] == "\0"):
            out.append(ch)
    return "".join(out)


@lru_cache(maxsize=256)
def head_candidates(trail: int) -> str:
    """The characters whose trail byte is ``trail``: the lead byte was lost (``?``)."""
    return "".join(ch for lead in GBK_LEADS if (ch := gbk_pair(lead, trail)) is not None)


def _first_byte(ch: str) -> int:
    if not ch:
        return -1
    enc = encode_char(ch, "gbk")
    return enc[0] if enc else 0x3F  # (a character GBK lacks: treat as any byte)


def scan_run(text: str, q: int, boundary: bool) -> Run | None:
    """The shifted run starting at the ``?`` at ``q``, or ``None`` when the text after it
    breaks the decoder's rules (module docstring).  ``boundary``: the ``?`` is at a line
    start or after a sentence end, where an ``A3`` head is the paragraph mark."""
    n = len(text)
    if q + 1 >= n:
        return None
    first = text[q + 1]
    if first in NORMALISED_FULLWIDTH:
        pair: tuple[int, int] | None = (GB2312_FULLWIDTH_LEAD, ord(first) | 0x80)
    else:
        pair = _double(first)
    if pair is None:
        return None
    t0, pending = pair
    pieces: list[Piece] = []
    if t0 == MARK_TRAIL and boundary:
        pieces.append(MARK)
    else:
        pieces.append(Lost(head_candidates(t0)))
    i = q + 2
    while i < n:
        ch = text[i]
        code = ord(ch)
        if ch == "?":
            after = _first_byte(text[i + 1 : i + 2])
            cands = trail_candidates(pending, after)
            if not cands:
                return None
            pieces.append(Lost(cands))
            return Run(q, i + 1, pieces)
        if code < 0x80:
            if code not in DBCS_ASCII_TRAILS:
                return None  # the decoder would have written '?' before it
            got = gbk_pair(pending, code)
            if got is None:
                return None
            pieces.append(got)
            return Run(q, i + 1, pieces)
        pair = _double(ch)
        if pair is None:
            return None
        a, b = pair
        got = gbk_pair(pending, a)
        if got is not None:
            pieces.append(got)
        elif (pending, a) == PARAGRAPH_MARK:
            pieces.append(MARK)
        else:
            return None
        if b < 0x80:  # (an ASCII byte after the last character, read as its trail)
            pieces.append(chr(b))
            return Run(q, i + 1, pieces)
        pending = b
        i += 1
    return None  # the decoder would have written '?' for the last lone byte
