"""The byte-shift fixer: each ``?`` position through the stages, the best hypothesis, its
edit (:func:`find_byteshift`, :func:`fix_byteshift`).
"""

from __future__ import annotations

from ...chardata import LOST_MARK
from ..types import Edit, apply_edits
from .evidence import Doc
from .gate import doc_fluency, may_pass, text_fluency
from .hypotheses import FULLWIDTH_ASCII, MIN_CHARS, Run, hypotheses
from .keeping import render_lattice
from .lattice import Lattice
from .position import Position

__all__ = ["find_byteshift", "fix_byteshift"]


def _best(runs: list[Run], position: Position, doc: Doc) -> tuple[Lattice, str, int] | None:
    """The highest-scoring hypothesis (first among equals) with its rendering.

    A stripped-pair hypothesis is only believed when fully resolved (no U+FFFD) and not
    contradicted by the known character it splits (:meth:`Position.contradicted`).  The
    others come first in search order, so they are scored first; a stripped-pair
    hypothesis then needs a higher score to win (its upper bound is tried before its
    score), and the contenders are checked for resolution best first, so only the
    winner and those above it are looked at closely.  Hypotheses are scored without
    their lattices (:meth:`Position.score`); only the winner is rendered.
    """
    winner: Run | None = None
    top = 0.0
    contenders: list[tuple[float, int, Run]] = []
    for index, run in enumerate(runs):
        if run.stripped_pair:
            score = position.score(run, None if winner is None else top)
            if winner is None or score > top:
                contenders.append((-score, index, run))
            continue
        score = position.score(run)
        if winner is None or score > top:
            winner, top = run, score
    for _neg, _index, run in sorted(contenders):
        if winner is not None and -_neg <= top:
            break
        if not position.contradicted(run) and position.resolved(run):
            winner = run
            break
    if winner is None:
        return None
    lat = position.solve(winner)
    repl, lost = render_lattice(lat, doc)
    return lat, repl, lost


def find_byteshift(text: str) -> list[Edit]:
    """Find runs of one-byte-shifted GBK text and propose re-aligned replacements.

    Returns sorted, non-overlapping edits; ``[]`` for text without ``?``.
    """
    if "?" not in text:
        return []
    edits: list[Edit] = []
    doc: Doc | None = None
    pos = text.find("?")
    cursor = 0
    while pos != -1:
        nxt = text[pos + 1 : pos + 2]
        if pos < cursor or not nxt or (ord(nxt) < 0x80 and nxt not in FULLWIDTH_ASCII):
            pos = text.find("?", pos + 1)
            continue
        scan, runs = hypotheses(text, pos)
        if runs:
            if doc is None:
                doc = Doc(text)
            position = Position(text, scan, pos, doc)
            found = None
            if any(may_pass(text, position.lattice(run), doc) for run in runs):
                found = _best(runs, position, doc)
            if found is not None:
                lat, repl, lost = found
                run = lat.run
                garbled = text[run.start : run.end]
                known = repl.replace(LOST_MARK, "")
                core = garbled.strip("?")
                if (
                    len(known) >= MIN_CHARS
                    and len(core) >= MIN_CHARS
                    and doc_fluency(known, doc) - text_fluency(core) >= 1.0
                ):
                    edits.append(
                        Edit(
                            run.start,
                            run.end,
                            garbled,
                            repl,
                            "GBK stream decoded one byte out of step; re-aligned",
                            lossy=lost > 0,
                            detail={
                                "codec": "gbk",
                                "shift": 1,
                                "tail_lost": run.unknown_tail,
                                "stripped_pairs": int(run.stripped_pair),
                                "unrecovered": lost,
                            },
                        )
                    )
                    cursor = run.end
        pos = text.find("?", max(pos + 1, cursor))
    return edits


def fix_byteshift(text: str) -> str:
    """Apply :func:`find_byteshift`."""
    return apply_edits(text, find_byteshift(text))
