"""The window driver: windows around pre-filter hits, the best edits in each.

Around each pre-filter hit (:mod:`.prefilter`) a window runs to the nearest ASCII or
ideographic space (up to 40 characters either side; several hits of one long run
widen it, up to 240).  In each window, the segments a reader can show are read for
every pair of :data:`PAIRS` (:mod:`.roundtrip`) and for GBK<->Big5
(:mod:`.big5_read_as_gbk`, :mod:`.gbk_read_as_big5`); candidates that pass the gates
(:mod:`.gates`) are ranked by their gain in fluency times their length, and the best
non-overlapping ones kept, each only if it overlaps a hit of its own kind.  Layered
mojibake (UTF-8 read as cp1252 twice) is undone by repeating the step on the
replacement, and a candidate is judged by its innermost reading.  ``锟斤拷`` (UTF-8 of
U+FFFD read as GBK) becomes U+FFFD.

Before the windows, a run that a cp1252 or Latin-1 reader can show and whose bytes are
UTF-8 from end to end, layer after layer, is read whole, however long
(:func:`_whole_runs`), and so is one whose bytes read whole as GB18030 or Big5-HKSCS
(:mod:`.dbcs_whole_run`), a line a Windows reader showed (private use, no lost mark) is
read in step whole (:func:`_lossless_lines`), and one a double-byte reader showed with
lost marks is read as
UTF-8, then as GBK<->Big5, by :mod:`.lattice`; a short text read whole
(:mod:`.short_text`); GBK<->Big5 windows also get the in-step readings of
:mod:`.dbcs_in_step`; a cp1252 reader may be a browser's, showing its undefined bytes as
C1 controls (:func:`.common.reader_bytes`).  :func:`mojibake_runs` tells the clutter fixer
which characters are bytes of a garbled run (a soft hyphen is byte AD).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from itertools import pairwise

from ...chardata import LOST_MARKS, is_han
from ..model import char_model
from ..plausibility import fluency, is_rare
from ..types import Edit, apply_edits
from .big5_read_as_gbk import DBCS_PAIRS, DBCS_PROOF, dbcs_bytes, dbcs_spans
from .clean_text import edges_ok
from .common import LATIN_CODECS, PAIRS, RUN_CAP, SINGLE_BYTE_CODECS, reader_bytes, shown_run
from .dbcs_as_single_byte import pick_dbcs_reading
from .dbcs_in_step import GAP, in_step_spans, reread
from .dbcs_whole_run import whole_dbcs_runs
from .gates import acceptable, dbcs_acceptable, reads_as_words
from .gbk_read_as_big5 import SHIFT_PAIRS, shift_spans, worth_searching
from .lattice import DBCS_COMBOS, four_byte_marks, lattice_edits
from .prefilter import SHORT_MAX, evidence_hits, hit_is_text, rare_spans
from .roundtrip import roundtrip_spans
from .short_text import (
    short_lossy_edit,
    short_private_use_edit,
    short_single_byte_edit,
    short_text_edit,
)

_SPACE = frozenset(" \t\n\r\f\v\u3000")
_KUNKUN = re.compile("(?:锟斤拷)+")
_WINDOW_CAP = 40
# An in-step GBK<->Big5 reading accounts for every byte; it outranks the readings
# that search for lost bytes over the same characters.
_IN_STEP_BONUS = 0.0


def _segments(
    window: str, shows: Callable[[str, str], object], codec: str
) -> list[tuple[int, int]]:
    """Maximal runs of characters a reader in ``codec`` can show (``shows(ch, codec)``
    is not ``None``) or lost marks."""
    segs: list[tuple[int, int]] = []
    start = -1
    for k, ch in enumerate(window):
        ok = ch in LOST_MARKS or shows(ch, codec) is not None
        if ok and start < 0:
            start = k
        elif not ok and start >= 0:
            segs.append((start, k))
            start = -1
    if start >= 0:
        segs.append((start, len(window)))
    return segs


def _lossy_note(info: dict[str, int]) -> str:
    restored = info.get("restored_bytes", 0)
    if restored:
        return (
            f"{restored} byte(s) that cp1252 cannot display were dropped and have been re-inserted"
        )
    guessed, unrecovered = info.get("guessed", 0), info.get("unrecovered", 0)
    return (
        f"bytes of {guessed + unrecovered} character(s) were lost: {guessed} guessed by the "
        f"language model between their neighbours, from their remaining bytes, "
        f"{unrecovered} left as U+FFFD"
    )


def _repair_once(
    window: str,
    *,
    pairs: bool = True,
    dbcs: bool = True,
    shift_at: Sequence[tuple[int, int]] = (),
    layers: bool = True,
) -> list[Edit]:
    """Candidate edits of :data:`PAIRS` (unless ``pairs=False``) and of GBK<->Big5
    (unless ``dbcs=False``) in ``window``, the best non-overlapping ones.  A GBK<->Big5
    segment without a lost mark is searched for dropped bytes only where it overlaps
    one of the pre-filter hits ``shift_at``.  With ``layers``, a UTF-8 reading that is
    itself mojibake is judged by its innermost reading (:func:`_unlayered`)."""
    cands: list[tuple[float, Edit]] = []
    # GBK/Big5 read as cp1252/latin-1: candidates per (reader, segment) and writer.
    dbcs_single: dict[tuple[str, int, int], dict[str, list[tuple[bool, tuple[float, Edit]]]]] = {}
    for encoded_as, decoded_as in PAIRS if pairs else ():
        for s0, s1 in _segments(window, reader_bytes, decoded_as):
            seg = window[s0:s1]
            if seg.isascii():
                continue
            around = (window[max(0, s0 - 8) : s0], window[s1 : s1 + 8])
            for a, b, repl, info in roundtrip_spans(seg, encoded_as, decoded_as, *around):
                start, end = s0 + a, s0 + b
                garbled = window[start:end]
                # UTF-8 read as a single-byte page twice: the first reading is itself
                # mojibake, so the span is judged by what its last layer reads.
                judged = repl
                if layers and encoded_as == "utf-8" and decoded_as in SINGLE_BYTE_CODECS:
                    judged = _unlayered(repl)
                ok = acceptable(garbled, judged, encoded_as, decoded_as) and not (
                    decoded_as in SINGLE_BYTE_CODECS and reads_as_words(window, start, end)
                )
                dbcs_single_pair = encoded_as != "utf-8" and decoded_as in LATIN_CODECS
                if not ok and not dbcs_single_pair:
                    continue
                gain = fluency(judged) - fluency(garbled)
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
        cands += pick_dbcs_reading(window, by_codec)
    for encoded_as, decoded_as in DBCS_PAIRS if dbcs else ():
        for s0, s1 in _segments(window, dbcs_bytes, decoded_as):
            seg = window[s0:s1]
            if seg.isascii():
                continue
            # GBK read as Big5 is searched for lost bytes, marked or not (its spans are
            # gated where they are found); Big5 read as GBK is re-read in step with its
            # lost marks, and only if it has some.
            marked = DBCS_PROOF.search(seg) is not None
            if (encoded_as, decoded_as) in SHIFT_PAIRS:
                hit = any(
                    h0 < s1 and s0 < h1 and worth_searching(window[h0:h1], encoded_as, decoded_as)
                    for h0, h1 in shift_at
                )
                spans = shift_spans(seg, encoded_as, decoded_as) if marked or hit else []
            else:
                spans = [
                    (a, b, repl, info)
                    for a, b, repl, info in dbcs_spans(seg, encoded_as, decoded_as)
                    if dbcs_acceptable(seg[a:b], repl)
                ]
            for a, b, repl, info in spans:
                start, end = s0 + a, s0 + b
                garbled = window[start:end]
                gain = fluency(repl) - fluency(garbled)
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
    for encoded_as, decoded_as in DBCS_PAIRS if dbcs and "\ufffd" not in window else ():
        # No byte lost: the character model picks the characters to re-read in step.
        # Big5 read as GBK only from a reader known to lose nothing (one that shows
        # user-defined pairs as private use): silent drops leave too little to tell.
        if decoded_as == "gbk" and DBCS_PROOF.search(window) is None:
            continue
        lossless = DBCS_PROOF.search(window) is not None  # private use, no lost mark
        for start, end, repl, _info in in_step_spans(window, encoded_as, decoded_as, lossless):
            garbled = window[start:end]
            gain = fluency(repl) - fluency(garbled)
            detail = {"encoded_as": encoded_as, "decoded_as": decoded_as, "in_step": True}
            edit = Edit(start, end, garbled, repl, "codec mojibake", False, detail)
            cands.append((max(gain, 0.0) * len(garbled) + _IN_STEP_BONUS * len(garbled), edit))
    chosen: list[Edit] = []
    for _g, e in sorted(cands, key=lambda t: -t[0]):
        if all(e.end <= c.start or e.start >= c.end for c in chosen):
            chosen.append(e)
    return sorted(chosen, key=lambda e: e.start)


def _latin_high(ch: str) -> bool:
    """A character a cp1252 or Latin-1 reader shows for a byte 80-FF."""
    return not ch.isascii() and any(reader_bytes(ch, codec) is not None for codec in LATIN_CODECS)


def _inner_ascii(ch: str) -> bool:
    return ch.isascii() and ch.isprintable() and ch != " "


# Characters the clutter fixer deletes that a cp1252/Latin-1 reader shows for a byte.
_CLUTTER_BYTES = frozenset("\u00ad")


def mojibake_runs(text: str) -> list[tuple[int, int]]:
    """Spans the other fixers leave to this one: maximal runs of characters a
    cp1252/Latin-1 reader shows for high bytes that hold a pre-filter hit.  Inside
    them an invisible-looking character (U+00AD is byte AD, a byte of ``中`` in UTF-8
    and of ``经`` in GBK) is a byte of the garbled text, not clutter.  A run counts if
    such characters are at most a third of it and it has two other characters."""
    runs: list[tuple[int, int]] = []
    for h0, h1 in evidence_hits(text):
        if runs and h0 < runs[-1][1]:
            continue
        # ASCII inside a run is bytes of it too (Big5's trails 40-7E), not its ends.
        lo, hi = h0, h1
        while lo > 0 and (_latin_high(text[lo - 1]) or _inner_ascii(text[lo - 1])):
            lo -= 1
        while hi < len(text) and (_latin_high(text[hi]) or _inner_ascii(text[hi])):
            hi += 1
        while text[lo].isascii():
            lo += 1
        while text[hi - 1].isascii():
            hi -= 1
        # The run's own characters must be the evidence: soft hyphens in a row (a
        # hyphenation hint repeated) are clutter, not bytes of a garbled run.
        run = text[lo:hi]
        if len(set(run) - _CLUTTER_BYTES) >= 2 and 3 * sum(
            run.count(c) for c in _CLUTTER_BYTES
        ) <= len(run):
            runs.append((lo, hi))
    return runs


def _inner_layers(text: str) -> list[Edit]:
    """The further layers of mojibake a whole replacement ``text`` is (at most two),
    each one edit covering all of the previous layer's text."""
    out: list[Edit] = []
    for _ in range(2):
        if not evidence_hits(text):
            break  # the replacement shows no mojibake
        inner = _repair_once(text, layers=False)
        if len(inner) != 1 or inner[0].start != 0 or inner[0].end != len(text):
            break
        out.append(inner[0])
        text = inner[0].replacement
    return out


def _unlayered(text: str) -> str:
    """``text`` with its further layers of mojibake undone."""
    inner = _inner_layers(text)
    return inner[-1].replacement if inner else text


def _layered(edit: Edit) -> Edit:
    """Undo further layers (e.g. UTF-8 read as cp1252 twice) inside one edit."""
    inner = _inner_layers(edit.replacement)
    if not inner:
        return edit
    detail = dict(edit.detail)
    detail["layers"] = [dict(edit.detail), *(dict(e.detail) for e in inner)]
    lossy = edit.lossy or any(e.lossy for e in inner)
    return Edit(
        edit.start, edit.end, edit.original, inner[-1].replacement, edit.reason, lossy, detail
    )


_MAX_LAYERS = 3


def _utf8_layers(run: str, codec: str) -> tuple[str, int] | None:
    """``run`` read back while its bytes in ``codec`` are UTF-8 from end to end: the
    innermost reading and how many layers it took (``None`` if not even one)."""
    text, layers = run, 0
    while layers < _MAX_LAYERS:
        chunks = [reader_bytes(ch, codec) for ch in text]
        if any(chunk is None for chunk in chunks):
            break
        try:
            inner = b"".join(chunk or b"" for chunk in chunks).decode("utf-8")
        except UnicodeDecodeError:
            break
        if inner == text:
            break
        text, layers = inner, layers + 1
    return (text, layers) if layers else None


def _whole_runs(text: str, hits: list[tuple[int, int]]) -> list[Edit]:
    """UTF-8 read as cp1252 or Latin-1, once or more, over a whole run: the maximal
    stretch around a hit that such a reader can show (ASCII included, up to a line),
    trimmed to its non-ASCII ends, whose bytes are UTF-8 from end to end, layer after
    layer.  A sentence is read whole however long it is (the window walk caps its
    spans); the innermost reading must pass the same gates as any other span."""
    edits: list[Edit] = []
    covered = 0
    failed = dict.fromkeys(LATIN_CODECS, 0)  # a later hit inside a failed run fails too
    for h0, h1 in hits:
        if h0 < covered:
            continue
        for codec in LATIN_CODECS:
            if h0 < failed[codec]:
                continue
            lo, hi = shown_run(text, h0, codec)
            failed[codec] = hi
            # Punctuation next to the run that the reader can also show (``”`` is byte
            # 94 in cp1252) is not part of it: the run starts on a UTF-8 lead byte and
            # may shed up to three characters at its end.
            lo = max(lo, covered)
            while lo < h0 and not _utf8_lead(text[lo], codec):
                lo += 1
            found = None
            for _ in range(4):
                while hi > lo and text[hi - 1].isascii():
                    hi -= 1
                if hi < h1:
                    break
                found = _utf8_layers(text[lo:hi], codec)
                if found is not None:
                    break
                hi -= 1
            if found is None:
                continue
            garbled = text[lo:hi]
            repl, layers = found
            if not _whole_acceptable(garbled, repl, codec) or not edges_ok(
                garbled, 0, len(garbled), repl
            ):
                continue
            detail: dict[str, object] = {"encoded_as": "utf-8", "decoded_as": codec}
            if layers > 1:
                detail["layers"] = [dict(detail) for _ in range(layers)]
            edits.append(Edit(lo, hi, garbled, repl, "codec mojibake", False, detail))
            covered = hi
            break
    return edits


def _whole_acceptable(garbled: str, repl: str, codec: str) -> bool:
    """The gates of a whole run: those of any span, or, since a run of four or more
    characters that is UTF-8 from end to end is no accident, a reading that is Chinese
    (besides ASCII, four fifths hanzi and punctuation), mostly common hanzi, and more
    fluent than the garbled run (``华夏全球上涨4.2%`` scores low on its digits)."""
    if acceptable(garbled, repl, "utf-8", codec):
        return True
    wide = [c for c in repl if not c.isascii()]
    han = [c for c in wide if is_han(c)]
    if len(wide) < 4 or len(han) < 2 or sum(1 for c in han if is_rare(c)) * 4 > len(han):
        return False
    other = sum(1 for c in wide if not is_han(c) and unicodedata.category(c)[0] not in "PZ")
    if 5 * other > len(wide):
        return False  # mostly letters of other scripts (``Chloé`` inside is fine)
    return fluency(repl) - fluency(garbled) >= 1.0


def _utf8_lead(ch: str, codec: str) -> bool:
    """Whether the byte a reader in ``codec`` showed as ``ch`` starts a UTF-8 sequence
    of two or more bytes."""
    got = reader_bytes(ch, codec)
    return got is not None and 0xC2 <= got[0] <= 0xF4


def find_mojibake(text: str) -> list[Edit]:
    """Return sorted, non-overlapping edits undoing codec mojibake in ``text``."""
    if text.isascii():
        return []
    edits = _find_mojibake(text)
    if not edits and len(text) <= 2 * SHORT_MAX:
        # A short text garbled whole (by a single-byte reader, or a double-byte one
        # that left lost marks), which the windows' gates (made for runs inside text)
        # turned down.
        short = short_single_byte_edit(text)
        if short is None and "\ufffd" in text:
            short = short_lossy_edit(text)
        elif short is None:
            short = short_private_use_edit(text)
        if short is not None:
            return [short]
    return edits


def _shifted_left_out(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` without those inside a run the byte-shift fixer re-aligns
    (:func:`~zhnorm.repair.byteshift.byteshift_spans`): GBK read one byte out of step is
    made of rare characters, and that fixer's structure (a ``?`` where the decoder lost
    a byte, every shifted pair decoding) and its reading explain them; no codec pair's
    reading does.  Only a text with a ``?`` is asked."""
    if not spans or "?" not in text:
        return spans
    from ..byteshift import byteshift_spans

    shifted = byteshift_spans(text)
    if not shifted:
        return spans
    return [(a, b) for a, b in spans if not any(s <= a and b <= e for s, e in shifted)]


def _find_mojibake(text: str) -> list[Edit]:
    hits = evidence_hits(text)
    rare_hits = _shifted_left_out(text, rare_spans(text))
    # Rare characters that read as words of the text are no evidence (model test).
    dbcs_hits = [(a, b) for a, b in rare_hits if not hit_is_text(text[a:b])]
    if dbcs_hits and DBCS_PROOF.search(text) is None:
        # Without a lost mark only GBK read as Big5 is looked for, where a hit reads so.
        dbcs_hits = [(a, b) for a, b in dbcs_hits if worth_searching(text[a:b], "gbk", "big5")]
    four = four_byte_marks(text) if "\ufffd" in text else []
    if not hits and not four and len(text) <= 2 * SHORT_MAX:
        short = short_text_edit(text)
        if short is not None:
            return [short]
    if not hits and not rare_hits:
        return four
    whole = sorted(four + _whole_runs(text, hits), key=lambda e: e.start)
    whole = sorted(whole + whole_dbcs_runs(text, hits, whole), key=lambda e: e.start)
    whole = sorted(whole + _lossless_lines(text, dbcs_hits, whole), key=lambda e: e.start)
    whole = sorted(whole + lattice_edits(text, hits, rare_hits, whole), key=lambda e: e.start)
    whole = sorted(
        whole + lattice_edits(text, [], rare_hits, whole, combos=DBCS_COMBOS), key=lambda e: e.start
    )
    if not hits and not dbcs_hits:
        return whole
    every = sorted(hits + dbcs_hits)
    edits: list[Edit] = list(whole)
    covered = -1
    for m_start, m_end in every:
        if m_start < covered:
            continue
        if any(w.start <= m_start < w.end for w in whole):
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
        # RUN_CAP) so that the run is not cut at the window's edge.
        for h_start, h_end in every:
            if h_start < m_end or h_start >= hi or hi - lo >= RUN_CAP:
                continue
            edge = h_end
            while edge < len(text) and text[edge] not in _SPACE and edge - h_end < _WINDOW_CAP:
                edge += 1
            hi = max(hi, edge)
        lo = max([lo, covered, *(w.end for w in whole if w.end <= m_start)])
        hi = min([hi, *(w.start for w in whole if w.start >= m_end)])
        window = text[lo:hi]
        # Only the kinds of repair this window has evidence for.
        regular = any(lo <= h0 < hi for h0, _ in hits)
        own_dbcs = [(h0 - lo, h1 - lo) for h0, h1 in dbcs_hits if lo <= h0 < hi]
        for e in _repair_once(window, pairs=regular, dbcs=bool(own_dbcs), shift_at=own_dbcs):
            s, t = e.start + lo, e.end + lo
            own = (
                dbcs_hits
                if (e.detail["encoded_as"], e.detail["decoded_as"]) in DBCS_PAIRS
                else hits
            )
            if not any(s < h1 and h0 < t for h0, h1 in own):
                continue  # only spans that contain mojibake evidence of their kind are touched
            if any(s < w.end and w.start < t for w in whole):
                continue  # read whole already
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


def _lossless_lines(text: str, dbcs_hits: list[tuple[int, int]], taken: list[Edit]) -> list[Edit]:
    """GBK<->Big5 from a Windows reader (private-use characters, no lost mark), a whole
    line at once: such a reader drops no byte, so every character is one pair in step
    and the line is read by :func:`.dbcs_in_step.in_step_spans` without the windows'
    cuts (a 600-character paragraph cut every 40 characters left a character at each
    cut).  Of the two directions the one whose spans make the line likelier wins; each
    span must overlap a hit and nothing read already."""
    if "\ufffd" in text or DBCS_PROOF.search(text) is None or not dbcs_hits:
        return []
    lm = char_model()
    edits: list[Edit] = []
    lo = 0
    for line in text.split("\n"):
        hi = lo + len(line)
        own = [(a - lo, b - lo) for a, b in dbcs_hits if lo <= a < hi]
        if own and DBCS_PROOF.search(line) and not any(lo < e.end and e.start < hi for e in taken):
            best: tuple[float, str, str, list[tuple[int, int, str]]] | None = None
            for encoded_as, decoded_as in DBCS_PAIRS:
                found = [
                    (a, b, repl)
                    for a, b, repl, _info in in_step_spans(line, encoded_as, decoded_as, True)
                ]
                spans = _joined_spans(line, found, own, encoded_as, decoded_as)
                if not spans:
                    continue
                gain = sum(
                    lm.logprob(line[max(0, a - 1) : a] + repl + line[b : b + 1])
                    - lm.logprob(line[max(0, a - 1) : b + 1])
                    for a, b, repl in spans
                )
                if best is None or gain > best[0]:
                    best = (gain, encoded_as, decoded_as, spans)
            if best is not None:
                _gain, encoded_as, decoded_as, spans = best
                detail = {"encoded_as": encoded_as, "decoded_as": decoded_as, "in_step": True}
                for a, b, repl in spans:
                    edits.append(
                        Edit(lo + a, lo + b, line[a:b], repl, "codec mojibake", False, dict(detail))
                    )
        lo = hi + 1
    return edits


def _joined_spans(
    line: str,
    found: list[tuple[int, int, str]],
    own: list[tuple[int, int]],
    encoded_as: str,
    decoded_as: str,
) -> list[tuple[int, int, str]]:
    """The in-step spans ``found`` of a lossless line that overlap a hit ``own``, and
    those joined to them: a Windows reader drops no byte, so a span that only ASCII and
    at most :data:`.dbcs_in_step.GAP` symbols stand between it and one taken is the same
    byte stream (``Z280減婥賸EXILIM`` = Z280搭载了EXILIM, ``燭眥×掛惆`` = 离职⊙本报).
    The symbols between taken spans, which the walk splits at, are re-read too, and
    so is a symbol that only a reader's garble shows (:func:`_shown_punctuation`)
    right at a taken span's edge (``ㄘ中`` = ）中)."""
    taken = [s for s in found if any(s[0] < h1 and h0 < s[1] for h0, h1 in own)]
    rest = [s for s in found if s not in taken]
    grew = bool(taken)
    while grew and rest:
        grew = False
        for s in list(rest):
            gaps = (line[s[1] : t[0]] if s[1] <= t[0] else line[t[1] : s[0]] for t in taken)
            if any(_symbols_between(g, encoded_as, decoded_as) is not None for g in gaps):
                taken.append(s)
                rest.remove(s)
                grew = True
    taken.sort()
    edits = list(taken)
    for (_, b, _r), (c, _, _s) in pairwise(taken):
        edits += [
            (b + k, b + k + 1, got)
            for k, got in _symbols_between(line[b:c], encoded_as, decoded_as) or ()
        ]
    covered = {k for a, b, _r in edits for k in range(a, b)}
    for a, b, _r in taken:
        for k in (a - 1, b):
            if 0 <= k < len(line) and k not in covered and _shown_punctuation(line[k]):
                got = reread(line[k], encoded_as, decoded_as)
                if got is not None and unicodedata.category(got)[0] == "P":
                    edits.append((k, k + 1, got))
                    covered.add(k)
    return sorted(edits)


def _symbols_between(gap: str, encoded_as: str, decoded_as: str) -> list[tuple[int, str]] | None:
    """Where in ``gap`` its wide characters are and what they re-read as, if they are
    at most :data:`.dbcs_in_step.GAP` symbols (no hanzi) that re-read as symbols or
    punctuation (``×`` = ⊙, ``﹝`` = 。); else None."""
    wide = [(k, ch) for k, ch in enumerate(gap) if not ch.isascii()]
    if len(wide) > GAP:
        return None
    out: list[tuple[int, str]] = []
    for k, ch in wide:
        got = None if is_han(ch) else reread(ch, encoded_as, decoded_as)
        if got is None or unicodedata.category(got)[0] not in "PS":
            return None
        out.append((k, got))
    return out


def _shown_punctuation(ch: str) -> bool:
    """Bopomofo, small form variants and spacing modifier letters: how a Big5 reader
    shows GBK punctuation (``ㄛ`` = ，, ``﹝`` = 。, ``ˋ`` = ？), and no punctuation of
    Chinese text of its own."""
    return "\u3105" <= ch <= "\u312f" or "\ufe50" <= ch <= "\ufe6b" or "\u02b0" <= ch <= "\u02ff"


def fix_mojibake(text: str) -> str:
    """Apply :func:`find_mojibake`."""
    return apply_edits(text, find_mojibake(text))
