"""UTF-8 readings: strict with dropped bytes re-inserted, and hole-tolerant.

*Dropped bytes*: single-byte readers that cannot show some continuation bytes
(cp1252: 81 8D 8F 90 9D; cp1250, cp1251) get those bytes re-inserted
(:func:`decode_dropped`).

*Hole-tolerant UTF-8* (lossy readers): a reader that dropped bytes it could not
decode, or replaced them by ``?``/U+FFFD, leaves holes.  The walk then accepts a
truncated sequence (lead byte with missing continuation bytes) ending on a character
boundary of the garbled text or on a lost mark, and stray continuation bytes starting
on one, as long as holes are isolated (at least two decoded non-ASCII characters
between two holes, twice as many decoded characters as holes, never stray bytes
first): clean GBK text read as UTF-8 is a dense chain of holes and never qualifies.
A run may also end inside a character, leaving a truncated tail, when the rest of that
character's bytes make up clean garbled characters (``鎽樿。``: the A1 A3 of ``。``
would otherwise complete ``衣``), so a truncated tail stays one edit with the run it
ends.  Each hole is filled (:func:`_fill_hole`) with the three-byte character
matching the known bytes whose missing bytes the reader could not have shown (a hard
rule inside a run, a preference at its end, which may be a plain truncation) and that
the words around it single out (:func:`.guess.word_guess`), the script of the run
choosing between a Simplified form and its Traditional one; when they do not, the
hole becomes U+FFFD.  The strict and
lossy readings of a start are compared on the same stretch of text, and a lossy one
must be clearly better.  Lossy edits carry ``lossy=True`` and say how many characters
were guessed and how many were left U+FFFD.
"""

from __future__ import annotations

import codecs
import itertools
from functools import lru_cache

from ...script.detect import detect_script, script_character_sets
from ..plausibility import bigram_share, char_score, lenient_plausibility
from .clean_text import edges_ok
from .common import LOST_BYTE, SINGLE_BYTE_CODECS, Span
from .guess import hanzi_context, word_guess


def _reader_drops(missing: bytes, decoded_as: str) -> bool:
    """Whether a reader in ``decoded_as`` fails at the first of ``missing`` (and so may
    have dropped or replaced those bytes instead of showing a character)."""
    try:
        missing.decode(decoded_as)
    except UnicodeDecodeError as err:
        return err.start == 0
    return False


@lru_cache(maxsize=64)
def _hole_candidates(known: bytes, is_prefix: bool) -> tuple[tuple[str, bytes], ...]:
    """Every three-byte character (BMP hanzi, CJK punctuation) whose UTF-8 bytes hold
    ``known`` at their start (``is_prefix``) or end, with the bytes it would have lost;
    only characters of GB2312/Big5 (:func:`char_score` above 0)."""
    if is_prefix:
        tails = itertools.product(range(0x80, 0xC0), repeat=3 - len(known))
        shapes = [known + bytes(t) for t in tails]
    else:
        heads = itertools.product(range(0x80, 0xC0), repeat=2 - len(known))
        shapes = [bytes((lead, *h)) + known for lead in range(0xE0, 0xF0) for h in heads]
    out: list[tuple[str, bytes]] = []
    for data in shapes:
        try:
            ch = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if char_score(ch) > 0:
            out.append((ch, data[len(known) :] if is_prefix else data[: -len(known)]))
    return tuple(out)


def _script_pick(group: list[str], script: str) -> str | None:
    """The one of characters the model cannot tell apart (a Simplified form and its
    Traditional one, which fold together) that fits the ``script`` of the surrounding
    text; None when the script does not decide."""
    if len(group) == 1:
        return group[0]
    simplified_only, traditional_only = script_character_sets()
    ruled_out = traditional_only if script == "simplified" else simplified_only
    if script not in ("simplified", "traditional"):
        return None
    fits = [ch for ch in group if ch not in ruled_out]
    return fits[0] if len(fits) == 1 else None


@lru_cache(maxsize=4096)
def _fill_hole(
    known: bytes,
    is_prefix: bool,
    left: str,
    right: str,
    decoded_as: str,
    dropped: bool,
    script: str = "none",
) -> str | None:
    """The character lost in a hole of a UTF-8 run, or None without clear evidence.

    ``known`` are the bytes of the lost character still present (its first bytes if
    ``is_prefix``, else its last ones).  Only three-byte characters are tried
    (:func:`_hole_candidates`).  With ``dropped`` (a hole inside a run, or one whose
    bytes the reader replaced by a mark) the missing bytes must be ones the reader in
    ``decoded_as`` cannot show, else it would have shown them; for a hole at the end of
    a run, which may be a plain truncation, such candidates are preferred when there
    are any.  The words around it (``left`` and ``right``: decoded hanzi) pick one
    (:func:`.guess.word_guess`); the ``script`` of the run (``"simplified"``,
    ``"traditional"``) then picks between forms that fold together (``审``/``審``)."""
    if not known or len(known) > 2:
        return None
    pool = _hole_candidates(known, is_prefix)
    fits = [ch for ch, missing in pool if _reader_drops(missing, decoded_as)]
    if not dropped and not fits:
        fits = [ch for ch, _ in pool]
    if not fits:
        return None
    group = word_guess(fits, left, right)
    return None if group is None else _script_pick(group, script)


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


def decode_dropped(data: bytes, encoded_as: str, decoded_as: str) -> tuple[str, int] | None:
    """Strict decode; for a single-byte reader that cannot show some continuation
    bytes (cp1252, cp1250, cp1251), retry by re-inserting such bytes."""
    try:
        return data.decode(encoded_as), 0
    except UnicodeDecodeError:
        if encoded_as != "utf-8" or decoded_as not in SINGLE_BYTE_CODECS:
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
    """Hole-tolerant UTF-8 decode of ``stream[p:pmax]`` (bytes, or ``LOST_BYTE`` for a
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
        if b == LOST_BYTE:
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
        if q < pmax and stream[q] == LOST_BYTE:
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
    script = detect_script("".join(u[0] for u in units)).script
    for x, (text, known, is_prefix, marked) in enumerate(units):
        if known is None:
            parts.append(text)
            continue
        left = hanzi_context(u[0] if u[1] is None else "" for u in reversed(units[:x]))[::-1]
        right = hanzi_context(u[0] if u[1] is None else "" for u in units[x + 1 :])
        # A prefix hole inside the run (or under a lost mark) was dropped by the reader;
        # one at the end may also be a truncation.
        dropped = is_prefix and (marked or x < last)
        filled = _fill_hole(known, is_prefix, left, right, decoded_as, dropped, script)
        if filled is None:
            unrecovered += 1
            parts.append("\ufffd")
        else:
            guessed += 1
            parts.append(filled)
    return "".join(parts), guessed, unrecovered


def lossy_at(
    segment: str,
    stream: list[int],
    bchar: dict[int, int],
    starts: list[int],
    i: int,
    cap: int,
    decoded_as: str,
) -> list[Span]:
    """Hole-tolerant candidates starting at character ``i`` (at least one hole each)."""
    out: list[Span] = []
    for k, units in _lenient(segment, stream, bchar, starts[i], starts[cap]):
        holes = sum(1 for u in units if u[1] is not None)
        decoded = sum(1 for u in units if u[1] is None and not u[0].isascii())
        if not holes or decoded < 2 * holes:
            continue
        text, guessed, unrecovered = _render(units, decoded_as)
        if not edges_ok(segment, i, k, text):
            continue
        out.append((i, k, text, {"guessed": guessed, "unrecovered": unrecovered}))
    return out


def prefer_lossy(segment: str, strict: Span | None, lossy: list[Span]) -> Span | None:
    """Pick between the strict span and the hole-tolerant ones, all judged on the same
    stretch of text (repaired part plus the rest left garbled); a lossy reading must be
    clearly better than the strict one."""
    if not lossy:
        return strict
    end = max([s[1] for s in lossy] + ([strict[1]] if strict else []))

    def score(span: Span) -> float:
        core = (span[2] + segment[span[1] : end]).replace("\ufffd", "")
        return lenient_plausibility(core) + 2.0 * bigram_share(core)

    best = max(lossy, key=lambda s: (score(s), s[1]))
    if strict is None or score(best) > score(strict) + 0.3:
        return best
    return strict
