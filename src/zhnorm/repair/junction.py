"""How well two characters read straight on, against the same two with something between
them: the language-model score the ``ruby`` and ``layout`` gates share.

``junction_logodds(a, b, gap)`` is ``log P(b | a) - (log P(gap[0] | a) + log P(b | gap[-1]))``
under :mod:`zhnorm.language_model` (natural logarithms): the two edges of ``gap`` against
the one junction without it; what is inside ``gap`` does not count.  The model is a
character bigram, so the score says whether ``a`` and ``b`` are one word (high) or a
word boundary (a constant that depends on ``gap`` only: about 7.1 around a parenthesis,
3.8 around a full stop).  The model is imported on the first call.
"""

from __future__ import annotations

from functools import lru_cache

from .model import char_model

__all__ = ["junction_logodds"]


@lru_cache(maxsize=1 << 14)
def junction_logodds(a: str, b: str, gap: str) -> float:
    """``log P(b | a) - (log P(gap[0] | a) + log P(b | gap[-1]))`` for single characters
    ``a`` and ``b`` and a non-empty ``gap``; with ``b`` empty (the text ends after ``a``),
    ``-log P(gap[0] | a)``.

    >>> junction_logodds("網", "站", "()") > junction_logodds("網", "，", "()")
    True
    """
    if len(a) != 1 or len(b) > 1 or not gap:
        raise ValueError(
            f"junction_logodds needs two characters and a gap, got {a!r} {b!r} {gap!r}"
        )
    # One pass over a, b, a, gap[0], gap[-1], b: in a bigram model each score depends on
    # the character before it only.
    scores = char_model().pair_logprobs(f"{a}{b}{a}{gap[0]}{gap[-1]}{b}" if b else f"{a}{gap[0]}")
    if not b:
        return -float(scores[1])
    return float(scores[1] - (scores[3] + scores[5]))
