"""A lost character guessed from the words around it, or not at all.

Where a reader lost bytes of a character, the bytes that survived fix its candidates
(every character whose encoding holds them); which of them it was is a question for
the words around it.  :func:`word_guess` scores each candidate with the word model
(:func:`zhnorm.language_model.word_model`: every split of up to :data:`CONTEXT`
decoded hanzi on each side plus the candidate into words of jieba's list) and names the
best when it holds :data:`GUESS_SHARE` of the probability of all candidates, forms that
fold together (``审``/``審``) counting once.

Measured on holes cut into clean Simplified and Traditional news (THUCNews, DRCD; one
or two known bytes of a three-byte character, GBK and Big5 readers, 1,500 holes on each
half of the documents, ``benchmarks/bench_mojibake_pairs.py --holes 1500``): 693 and 710
guessed, 28 and 23 of them wrong.  On one same set of holes per half, the bigram of the
two nearest neighbours this replaces guessed 475 and 467 at the same share, 13 and 23
wrong; the word model 698 and 685, 20 and 21 wrong.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ...chardata import is_han
from ..model import word_model

GUESS_SHARE = 0.9
"""Share of the probability of all candidates the best must hold to be guessed."""

CONTEXT = 3
"""Decoded hanzi on each side of a lost character that its guess looks at: a word of up
to four characters (:data:`zhnorm.language_model.WORD_LENGTH`) holding the lost one."""


def hanzi_context(chars: Iterable[str]) -> str:
    """The hanzi at the head of ``chars`` (nearest first), up to :data:`CONTEXT` and up
    to the first other character (a lost one, a mark, punctuation)."""
    out = ""
    for ch in chars:
        if len(out) == CONTEXT or len(ch) != 1 or not is_han(ch):
            break
        out += ch
    return out


def word_guess(candidates: Iterable[str], left: str, right: str) -> list[str] | None:
    """The candidates (forms that fold together) the word model singles out between the
    hanzi ``left`` and ``right`` (module docstring), or None: no context, no
    candidate, or no sure one."""
    if not (left or right):
        return None
    words = word_model()
    folds: dict[str, list[str]] = {}
    best: dict[str, float] = {}
    for ch in candidates:
        fold = words.fold(ch)
        folds.setdefault(fold, []).append(ch)
        if fold not in best:
            best[fold] = words.logprob(left + ch + right)
    if not best:
        return None
    top = max(best, key=best.__getitem__)
    if best[top] == -math.inf:
        return None
    share = 1.0 / sum(math.exp(v - best[top]) for v in best.values())
    return folds[top] if share >= GUESS_SHARE else None
