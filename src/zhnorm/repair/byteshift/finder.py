"""The byte-shift fixer: each ``?`` that starts a well-formed shifted run
(:func:`.runs.scan_run`), its lost characters guessed or marked, and the gate that
compares the re-aligned reading with the text as it stands under the language model
(:func:`find_byteshift`, :func:`fix_byteshift`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...chardata import CLOSERS, LOST_MARK, SENTENCE_END
from ...language_model import CharModel, char_model
from ..types import Edit, apply_edits
from .runs import MARK, NORMALISED_FULLWIDTH, Lost, Run, scan_run

__all__ = ["GUESS_MARGIN", "MIN_GAIN", "SHORT_GAIN", "find_byteshift", "fix_byteshift"]

GUESS_MARGIN = 2.5
"""A lost character is guessed when its best candidate is at least this far (natural log
of the model's probability with both neighbours) ahead of the runner-up."""

MIN_GAIN = 2.0
"""The re-aligned reading must be this much more probable (natural log, the run with one
character of context each side) than the text as it stands."""

SHORT_GAIN = 4.0
"""The same for a run of fewer than three re-aligned characters (lost ones included),
which is taken only where the structure is strong: the paragraph-mark head or a lost
lead byte, and the resync ``?``."""

_BOUNDARY = SENTENCE_END | CLOSERS | frozenset("?\ufffd")


def _boundary(text: str, q: int) -> bool:
    """Is the ``?`` at ``q`` where a paragraph starts: the text's start, a line start, or
    after a sentence end or a closing mark?"""
    if q == 0:
        return True
    before = text[q - 1]
    return before.isspace() or before in _BOUNDARY


@dataclass
class _Reading:
    text: str  # the repair (U+FFFD for a lost character not guessed)
    scored: str  # the same with every lost character at its best candidate
    guessed: int
    unrecovered: int
    marks: int
    known: int  # re-aligned characters that are fully known


def _guess(lm: CharModel, before: str, cands: str, after: str) -> tuple[str, float]:
    """The best candidate between two neighbours and its margin over the runner-up."""
    if len(cands) == 1:
        return cands, float("inf")
    n = len(cands)
    before = before or "\n"  # (the text's start: as after a line break)
    step = 2 + len(after)
    lp = lm.pair_logprobs("".join(before + c + after for c in cands))
    scores = lp[1::step][:n] + (lp[2::step][:n] if after else 0.0)
    order = scores.argsort()
    best = int(order[-1])
    return cands[best], float(scores[best] - scores[order[-2]])


def _read(lm: CharModel, run: Run, left: str, right: str, at_line_start: bool) -> _Reading:
    pieces = run.pieces
    shown: list[str] = []
    scored: list[str] = []
    guessed = unrecovered = marks = known = 0
    for k, piece in enumerate(pieces):
        if isinstance(piece, Lost):
            before = scored[-1] if scored else left
            nxt = pieces[k + 1] if k + 1 < len(pieces) else right
            after = "\n" if nxt == MARK else (nxt if isinstance(nxt, str) else "")
            best, margin = _guess(lm, before[-1:] if before else "", piece.candidates, after)
            scored.append(best)
            if margin >= GUESS_MARGIN:
                shown.append(best)
                guessed += 1
            else:
                shown.append(LOST_MARK)
                unrecovered += 1
        elif piece == MARK:
            marks += 1
            scored.append("\n")
            shown.append("" if k == 0 and at_line_start else "\n")
        else:
            known += 1
            scored.append(piece)
            shown.append(piece)
    return _Reading("".join(shown), "".join(scored), guessed, unrecovered, marks, known)


def _decide(lm: CharModel, text: str, run: Run) -> Edit | None:
    left = text[run.start - 1] if run.start else ""
    right = text[run.end] if run.end < len(text) else ""
    at_line_start = not left or left in "\r\n"
    reading = _read(lm, run, left, right, at_line_start)
    garbled = text[run.start : run.end]
    gain = lm.logprob(left + reading.scored + right) - lm.logprob(left + garbled + right)
    size = reading.known + reading.guessed + reading.unrecovered
    if gain < (MIN_GAIN if size >= 3 else SHORT_GAIN):
        return None
    if not reading.known and not reading.guessed:
        return None  # nothing but marks and U+FFFD: too little to tell
    return Edit(
        run.start,
        run.end,
        garbled,
        reading.text,
        "GBK stream decoded one byte out of step; re-aligned"
        + ("; paragraph mark FD A3 restored as a line break" if reading.marks else ""),
        lossy=reading.unrecovered > 0,
        detail={
            "codec": "gbk",
            "shift": 1,
            "paragraph_marks": reading.marks,
            "guessed": reading.guessed,
            "unrecovered": reading.unrecovered,
        },
    )


def find_byteshift(text: str) -> list[Edit]:
    """Find runs of one-byte-shifted GBK text and propose re-aligned replacements.

    Returns sorted, non-overlapping edits; ``[]`` for text without ``?``.
    """
    if "?" not in text:
        return []
    lm: CharModel | None = None
    edits: list[Edit] = []
    pos = text.find("?")
    while pos != -1:
        nxt = text[pos + 1 : pos + 2]
        if nxt and (ord(nxt) >= 0x80 or nxt in NORMALISED_FULLWIDTH):
            run = scan_run(text, pos, _boundary(text, pos))
            if run is not None:
                if lm is None:
                    lm = char_model()
                edit = _decide(lm, text, run)
                if edit is not None:
                    edits.append(edit)
                    pos = text.find("?", run.end)
                    continue
        pos = text.find("?", pos + 1)
    return edits


def fix_byteshift(text: str) -> str:
    """Apply :func:`find_byteshift`."""
    return apply_edits(text, find_byteshift(text))
