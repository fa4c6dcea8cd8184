"""Find and undo codec mojibake in Chinese text, span by span.

A mis-decoded span is bytes that were written in one codec (``encoded_as``) and
read in another (``decoded_as``).  Evidence used:

1. *Pre-filter* (:func:`_trigger`): one compiled regex that fires only on the
   shapes mojibake of Chinese takes, never on rare hanzi as such:

   * UTF-8 of CJK read as GBK/GB18030 or Big5: three or more consecutive
     characters whose double-byte codes are exactly the byte pattern of UTF-8
     ``[E4-E9][80-BF] | [80-BF][E4-E9] | [80-BF][80-BF]`` (e.g. ``鍙戝竷``) and whose
     bytes decode as UTF-8 to two *common* hanzi (rare hanzi alone never fire);
   * UTF-8 read as cp1252/latin-1: a lead ``â``-``ï`` followed by two
     continuation-byte characters (``æµ‹``);
   * GBK/Big5 read as cp1252/latin-1: four high Latin-1 characters in a row
     (``ËùÊô``); the repair also needs half of the span to be Latin letters, so
     symbol runs like ``××××`` stay;
   * ``锟斤拷``.

   Clean text returns ``[]`` after that one scan; edits must overlap a match.
2. *Round trip*: inside a window, maximal runs of characters encodable in
   ``decoded_as`` are re-encoded; the sub-spans whose bytes strictly decode in
   ``encoded_as`` and start/end on character boundaries of both readings are
   candidates.
3. *Plausibility*: a candidate is accepted only when the repaired text is clearly
   more plausible (character-frequency class plus phrase-list bigram share) than
   the garbled one.  Layered mojibake (UTF-8 read as cp1252 twice) is undone by
   repeating the step on the replacement.

Lossy inputs are repaired as far as possible and flagged ``lossy=True``:
a UTF-8 character cut short at the end of a span (odd byte count, trailing ``?``
or U+FFFD) is completed with the candidate that forms a known bigram with its
left neighbour, else replaced by U+FFFD; bytes that cp1252 cannot display
(0x81, 0x8D, 0x8F, 0x90, 0x9D) and that were dropped are re-inserted;
``锟斤拷`` (UTF-8 of U+FFFD read as GBK) becomes U+FFFD.

The pairs Big5<->GBK (Big5 bytes read as GBK and vice versa) were *dropped*: both
readings are hanzi of similar frequency, no gate separated them from clean
traditional text (DRCD: ``禮物的特展──``, ``大使───``), and no real example of them
was at hand.  Box-drawing runs such as ``──`` are legitimate text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .plausibility import char_score, is_common, lexicon_bigrams, lexicon_index, plausibility
from .types import Edit, apply_edits

__all__ = ["PAIRS", "find_mojibake", "fix_mojibake"]

# (encoded_as, decoded_as): bytes written in the first codec were read in the second.
PAIRS: tuple[tuple[str, str], ...] = (
    ("utf-8", "gbk"),
    ("utf-8", "gb18030"),
    ("utf-8", "big5"),
    ("utf-8", "cp1252"),
    ("utf-8", "latin-1"),
    ("utf-8", "ptcp154"),
    ("gbk", "cp1252"),
    ("gbk", "latin-1"),
    ("big5", "cp1252"),
    ("big5", "latin-1"),
)

# Characters cp1252/latin-1 show for bytes 0x80-0xBF (UTF-8 continuation bytes).
_CONT_LATIN = (
    "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
)
_SPACE = frozenset(" \t\n\r\f\v\u3000")
_KUNKUN = re.compile("(?:锟斤拷)+")
_CP1252_HOLES = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
_WINDOW_CAP = 40
_LOST_MARKS = "?\ufffd"


@lru_cache(maxsize=262144)
def _enc(ch: str, codec: str) -> bytes | None:
    try:
        return ch.encode(codec)
    except UnicodeEncodeError:
        return None


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
    cps.sort()
    parts: list[str] = []
    start = prev = cps[0]
    for cp in [*cps[1:], -2]:
        if cp == prev + 1:
            prev = cp
            continue
        a, b = re.escape(chr(start)), re.escape(chr(prev))
        parts.append(a if start == prev else f"{a}-{b}")
        start = prev = cp
    return "[" + "".join(parts) + "]"


@lru_cache(maxsize=1)
def _trigger() -> re.Pattern[str]:
    """The pre-filter regex (see the module docstring), built once per process."""
    lead, cont = range(0xE4, 0xEA), range(0x80, 0xC0)
    # Every alternative starts with one character class and checks the rest after a
    # one-character look-behind, so the regex engine scans with a fast charset test.
    firsts: list[str] = ["\u00a1-\u00ff", "锟"]
    alts: list[str] = []
    for codec in ("gbk", "big5"):
        a = _codec_class(codec, lead, cont)
        b = _codec_class(codec, cont, lead)
        c = _codec_class(codec, cont, cont)
        firsts.append(a[1:-1])
        alts.append(f"(?<={a}){b}{c}")
    alts.append(f"(?<=[\u00e2-\u00ef])[{_CONT_LATIN}]{{2}}")
    alts.append("(?<=[\u00a1-\u00ff])[\u00a1-\u00ff]{3}")
    alts.append("(?<=锟)斤拷")
    return re.compile("[" + "".join(firsts) + "](?:" + "|".join(alts) + ")")


def _hit_ok(hit: str) -> bool:
    """A GBK/Big5-shaped hit counts only if its bytes are UTF-8 of common hanzi."""
    if not 0x4E00 <= ord(hit[0]) <= 0x9FFF:
        return True
    for codec in ("gbk", "big5"):
        try:
            decoded = hit.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
        if all(is_common(c) for c in decoded):
            return True
    return False


def _fluency(s: str) -> float:
    core = s.replace("\ufffd", "")
    if not core:
        return -6.0
    p = plausibility(core)
    if len(core) < 2 or core.isascii():
        return p
    rights = lexicon_index()[1]
    hits = sum(1 for i in range(len(core) - 1) if core[i + 1] in rights.get(core[i]))
    return p + 2.0 * hits / (len(core) - 1)


def _complete_utf8(prefix: bytes, left: str) -> str | None:
    """Best completion of a truncated UTF-8 sequence, or None without evidence.

    The evidence is a phrase-list bigram with the left neighbour, so only the right
    neighbours of ``left`` in those bigrams are tried (in code point order, which is
    the order of their UTF-8 bytes: the first of equally scored completions wins)."""
    need = 3 - len(prefix) if 0xE0 <= prefix[0] <= 0xEF else 0
    if need <= 0 or need > 2 or not left:
        return None
    best: tuple[float, str] | None = None
    for ch in sorted(lexicon_index()[1].get(left)):
        if "\ud800" <= ch <= "\udfff":
            continue  # (not UTF-8)
        encoded = ch.encode("utf-8")
        if len(encoded) != 3 or not encoded.startswith(prefix) or char_score(ch) <= 0:
            continue
        score = lexicon_bigrams()[left + ch] + char_score(ch)
        if best is None or score > best[0]:
            best = (score, ch)
    return best[1] if best else None


def _decode_dropped(data: bytes, encoded_as: str, decoded_as: str) -> tuple[str, int] | None:
    """Strict decode; for cp1252 retry by re-inserting bytes cp1252 cannot show."""
    try:
        return data.decode(encoded_as), 0
    except UnicodeDecodeError:
        if decoded_as != "cp1252" or encoded_as != "utf-8":
            return None
    inserted = 0
    while inserted < 4:
        try:
            return data.decode("utf-8"), inserted
        except UnicodeDecodeError as err:
            best: bytes | None = None
            for hole in _CP1252_HOLES:
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


def _spans(segment: str, encoded_as: str, decoded_as: str) -> list[tuple[int, int, str, int]]:
    """Candidate (start, end, repaired, lossy_count) inside one encodable segment."""
    offs = [0]
    chunks: list[bytes] = []
    for ch in segment:
        b = _enc(ch, decoded_as)
        if b is None:
            return []
        chunks.append(b)
        offs.append(offs[-1] + len(b))
    data = b"".join(chunks)
    out: list[tuple[int, int, str, int]] = []
    # Walk greedily: from each non-ASCII char boundary take the longest decodable span.
    i = 0
    n = len(segment)
    while i < n:
        if segment[i].isascii():
            i += 1
            continue
        found = False
        for j in range(min(n, i + 80), i, -1):
            if j - i < 2:
                break
            piece = data[offs[i] : offs[j]]
            res = _decode_dropped(piece, encoded_as, decoded_as)
            if res is None or res[0] == segment[i:j] or res[0].isascii():
                continue
            out.append((i, j, res[0], res[1]))
            i = j
            found = True
            break
        if not found:
            # Truncated UTF-8 at the end of the segment (lossy case).
            if encoded_as == "utf-8" and i < n:
                piece = data[offs[i] :]
                try:
                    piece.decode("utf-8")
                except UnicodeDecodeError as err:
                    if err.start > 0 and err.reason == "unexpected end of data":
                        head = piece[: err.start].decode("utf-8")
                        filled = _complete_utf8(piece[err.start :], head[-1:])
                        out.append((i, n, head + (filled or "\ufffd"), 1))
                        break
            i += 1
    return out


def _segments(window: str, codec: str) -> list[tuple[int, int]]:
    segs: list[tuple[int, int]] = []
    start = -1
    for k, ch in enumerate(window):
        ok = _enc(ch, codec) is not None and ch not in _LOST_MARKS
        if ok and start < 0:
            start = k
        elif not ok and start >= 0:
            segs.append((start, k))
            start = -1
    if start >= 0:
        segs.append((start, len(window)))
    return segs


def _acceptable(garbled: str, repl: str, encoded_as: str, decoded_as: str) -> bool:
    """Safety gates: only clearly garbled spans with a clearly better reading."""
    core = repl.replace("\ufffd", "")
    if sum(1 for c in core if ord(c) >= 0x2E80) < 2:
        return False
    before, after = plausibility(garbled.strip(_LOST_MARKS)), plausibility(core)
    if after < 1.5 or _fluency(repl) - _fluency(garbled) < 1.0:
        return False
    if encoded_as != "utf-8" and decoded_as in ("cp1252", "latin-1"):
        letters = sum(1 for c in garbled if c.isalpha() and not c.isascii())
        if 2 * letters < len(garbled.strip(_LOST_MARKS)):
            return False  # symbol runs such as ``××××`` or ``°±`` are not mojibake
    if decoded_as in ("gbk", "gb18030", "big5"):
        # Hanzi-looking mojibake: demand visibly rare characters and a longer span.
        hanzi = sum(1 for c in garbled if 0x4E00 <= ord(c) <= 0x9FFF)
        return before < 1.0 and hanzi >= max(3, int(0.8 * len(garbled)))
    return True


def _repair_once(window: str) -> list[Edit]:
    cands: list[tuple[float, Edit]] = []
    for encoded_as, decoded_as in PAIRS:
        for s0, s1 in _segments(window, decoded_as):
            seg = window[s0:s1]
            if seg.isascii():
                continue
            for a, b, repl, lossy in _spans(seg, encoded_as, decoded_as):
                start, end = s0 + a, s0 + b
                garbled = window[start:end]
                if lossy and end < len(window) and window[end] in _LOST_MARKS:
                    end += 1
                    garbled = window[start:end]
                if not _acceptable(garbled, repl, encoded_as, decoded_as):
                    continue
                gain = _fluency(repl) - _fluency(garbled)
                detail: dict[str, object] = {"encoded_as": encoded_as, "decoded_as": decoded_as}
                if lossy:
                    detail["lossy_note"] = "bytes lost; truncated or undisplayable bytes restored"
                cands.append(
                    (
                        gain * len(garbled),
                        Edit(start, end, garbled, repl, "codec mojibake", bool(lossy), detail),
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
    hits = [(m.start(), m.end()) for m in trig.finditer(text) if _hit_ok(m.group())]
    if not hits:
        return []
    edits: list[Edit] = []
    covered = -1
    for m_start, m_end in hits:
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
        lo = max(lo, covered)
        window = text[lo:hi]
        for e in _repair_once(window):
            s, t = e.start + lo, e.end + lo
            if not any(s < h1 and h0 < t for h0, h1 in hits):
                continue  # only spans that contain mojibake evidence are touched
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
