"""Stage 4, what is kept: an inferred character stays only when the document singles it
out (:func:`sure`), else it is rendered as U+FFFD (:func:`render_lattice`).
"""

from __future__ import annotations

from ...chardata import LOST_MARK, encode_char
from .candidates import Opts
from .evidence import Doc
from .lattice import Lattice
from .segments import incoming, outgoing

__all__ = ["confident", "next_lead", "render_lattice", "sure"]


def next_lead(right: str) -> int:
    """First byte of the right context when it is a GBK double-byte character, else -1."""
    if right:
        enc = encode_char(right, "gbk")
        if enc is not None and len(enc) == 2:
            return enc[0]
    return -1


def confident(idx: int, lat: Lattice, doc: Doc) -> bool:
    """An inferred character needs a supporting bigram and a clear margin."""
    path = lat.path
    lft = path[idx - 1] if idx > 0 else lat.left
    rgt = path[idx + 1] if idx + 1 < len(path) else lat.right
    o = lat.opts[idx]
    return sure(doc, lft, o, o.pos[path[idx]], rgt)


def _evidence(bonus: float, ch: str, neighbour: str) -> bool:
    """Does a bigram bonus between an inferred ``ch`` and a ``neighbour`` single it out?

    Only document evidence does: a quote after a sentence end (3.0), or a bigram of two
    letters that occurs elsewhere in the document (2.5).  A phrase-list bigram (1.5) does
    not: among the ~100 candidates of a lost byte one or more form some phrase with a
    given neighbour by chance, and on shifted real text about half of the characters
    picked that way were wrong.  A document bigram with punctuation does not either
    (almost anything precedes ``。``).
    """
    if bonus >= 3.0:
        return True
    return bonus >= 2.5 and ch.isalpha() and neighbour.isalpha()


def sure(doc: Doc, lft: str, o: Opts, k0: int, rgt: str) -> bool:
    """Is candidate ``k0`` of ``o``, between ``lft`` and ``rgt``, supported by document
    evidence (:func:`_evidence`) and at least 1.0 ahead of every other candidate (see
    :func:`confident`)?"""
    inc = incoming(doc, lft, o)
    out = outgoing(doc, o, rgt)
    ch = o.chars[k0]
    if not (_evidence(inc.get(k0, 0.0), ch, lft) or _evidence(out.get(k0, 0.0), ch, rgt)):
        return False
    # The two sides must not disagree: where some candidate has a bigram with a
    # neighbour, the chosen one must be among the best there (unless it is singled out
    # by the typographic rule, which no bigram outweighs).
    if max(inc.get(k0, 0.0), out.get(k0, 0.0)) < 3.0:
        for side in (inc, out):
            if side and side.get(k0, 0.0) < max(side.values()):
                return False
    support = inc.get(k0, 0.0) + out.get(k0, 0.0)
    chosen = o.scores[k0] + support
    # Only neighbours-by-bigram can earn a bonus; every other candidate scores
    # char_score(ch) exactly, so start from the histogram of those and adjust.
    hist = dict(o.hist)
    for k in inc.keys() | out.keys():
        hist[o.scores[k]] -= 1
        s = o.scores[k] + inc.get(k, 0.0) + out.get(k, 0.0)
        hist[s] = hist.get(s, 0) + 1
    runner = max((s for s, c in hist.items() if c and s != chosen), default=-99.0)
    return hist.get(chosen, 0) == 1 and chosen - runner >= 1.0


def render_lattice(lat: Lattice, doc: Doc) -> tuple[str, int]:
    """The replacement text and how many characters in it are U+FFFD."""
    out: list[str] = []
    lost = 0
    for idx, ch in enumerate(lat.path):
        o = lat.opts[idx]
        if o.unknown and len(o.chars) > 1 and not confident(idx, lat, doc):
            out.append(LOST_MARK)
            lost += 1
        else:
            out.append(ch)
    return "".join(out), lost
