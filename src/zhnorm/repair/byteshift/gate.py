"""Stage 2 and the final gate: a sound upper bound of the gate (:func:`may_pass`; on clean
text the re-aligned characters that do decode are rare ones and the position is
dropped), and the fluency scores the gate compares (:func:`doc_fluency`,
:func:`text_fluency`).
"""

from __future__ import annotations

from ...chardata import QUOTES, SENTENCE_END
from ..plausibility import lexicon_index, pair_fluency, plausibility
from .candidates import EMPTY, Opts, lex_pairs
from .evidence import Doc
from .hypotheses import MIN_CHARS
from .lattice import Lattice

__all__ = ["doc_fluency", "may_pass", "text_fluency"]


def doc_fluency(s: str, doc: Doc) -> float:
    """Character plausibility plus twice the share of bigrams the document or the phrase
    lists vouch for (:func:`zhnorm.repair.plausibility.pair_fluency`)."""
    return pair_fluency(s, plausibility, lambda a, b: doc.bonus(a, b) in (3.0, 1.5))


def text_fluency(s: str) -> float:
    """:func:`doc_fluency` of a piece of the document itself: each of its bigrams occurs in
    the document (bonus 2.5, not a hit) unless it is a quote after a sentence end."""
    return pair_fluency(s, plausibility, lambda a, b: a in SENTENCE_END and b in QUOTES)


def _may_hit(a: Opts, b: Opts) -> bool:
    """Can some candidate pair of ``a`` and ``b`` count as a bigram hit in
    :func:`doc_fluency` (a phrase-list bigram or a quote after a sentence end)?"""
    if len(a.chars) == 1 and len(b.chars) == 1:
        x, y = a.chars[0], b.chars[0]
        return (x in SENTENCE_END and y in QUOTES) or y in lexicon_index()[1].get(x, EMPTY)
    return bool(lex_pairs(a, b).hits)


def may_pass(text: str, lat: Lattice, doc: Doc) -> bool:
    """``False`` when no path through ``lat`` can pass the final gate of
    :func:`find_byteshift` (three characters, fluency gain >= 1.0).

    A sound upper bound of the repair's fluency: its fixed characters score what they
    score, an inferred one at most the best score among its candidates (if it is kept at
    all: a stripped-pair hypothesis keeps all, see :func:`.finder._best`), and every bigram that
    some candidate pair could make a hit, plus one per droppable inner character, is a
    hit.  On clean text after a real question mark the re-aligned characters that do
    decode are mostly rare ones, so this rejects the position without a search.
    """
    run = lat.run
    core = text[run.start : run.end].strip("?")
    opts = lat.opts
    if len(core) < MIN_CHARS or len(opts) < MIN_CHARS:
        return False
    total = 0.0
    counted = 0
    tops: list[float] = []
    for o in opts:
        if len(o.chars) > 1:
            tops.append(o.top)
        elif not o.chars[0].isspace():
            total += o.scores[0]
            counted += 1
    # Mean score: the kept inferred characters are best the highest-scoring ones.
    bound = total / counted if counted else 0.0
    for top in sorted(tops, reverse=True):
        total += top
        counted += 1
        bound = max(bound, total / counted)
    hits = sum(1 for k in range(len(opts) - 1) if _may_hit(opts[k], opts[k + 1]))
    if run.stripped_pair:
        span = len(opts) - 1
    else:
        hits += sum(1 for o in opts[1:-1] if len(o.chars) > 1)  # joins over a dropped one
        span = max(1, len(opts) - len(tops) - 1)
    bound += 2.0 * min(1.0, hits / span)
    return bound - text_fluency(core) >= 1.0
