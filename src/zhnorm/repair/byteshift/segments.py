"""Stage 3, scoring without lattices: single-candidate layers split a lattice into
independent segments, and a segment of one or two multi-candidate layers has a closed
form over the few candidates that earn a bigram bonus (:func:`segment1`,
:func:`_segment2`, :func:`segment_value`); :func:`segment_bound` bounds a longer one, and
:func:`lattice_value` is a lattice's score computed this way.
"""

from __future__ import annotations

from collections.abc import Collection

from .candidates import NEG, Opts, lex_linked, lex_pairs
from .evidence import Doc
from .lattice import Lattice

__all__ = [
    "incoming",
    "lattice_value",
    "outgoing",
    "segment1",
    "segment1_arg",
    "segment_bound",
    "segment_value",
]

# --- score only ----------------------------------------------------------------------
#
# Choosing between the hypotheses of a run needs only their best scores; the path (and
# the tie-breaking that picks it) is needed only for the winner.  Single-candidate
# layers split a lattice into independent segments, and a segment of one or two
# multi-candidate layers has a closed form in terms of the few bigram-earning
# candidates, so a hypothesis is scored without visiting its 100-14,000 candidates.


def _first_outside(o: Opts, taken: Collection[int]) -> float:
    """The best ``char_score`` among the candidates not in ``taken``."""
    for k in o.order:
        if k not in taken:
            return o.scores[k]
    return NEG


def _sparse_top(o: Opts, base: float, exc: dict[int, float]) -> float:
    """Best score of a layer whose candidate ``k`` is reached with ``exc.get(k, base)``."""
    top = base + _first_outside(o, exc)
    for k, v in exc.items():
        top = max(top, v + o.scores[k])
    return top


def incoming(doc: Doc, a: str, o: Opts) -> dict[int, float]:
    """``bonus(a, o[k])`` for the candidates that earn one."""
    exc: dict[int, float] = {}
    for k, b in doc.after(a, o):
        if b > exc.get(k, 0.0):
            exc[k] = b
    return exc


def outgoing(doc: Doc, o: Opts, b: str) -> dict[int, float]:
    """``bonus(o[k], b)`` for the candidates that earn one."""
    out: dict[int, float] = {}
    for k, v in doc.before(o, b):
        if v > out.get(k, 0.0):
            out[k] = v
    return out


def segment1(doc: Doc, a: str, w: Opts, b: str) -> float:
    """``max(bonus(a, x) + char_score(x) + bonus(x, b) for x in w)``."""
    key = (a, w.key, b)
    got = doc.memo.get(key)
    if got is None:
        inc = incoming(doc, a, w)
        out = outgoing(doc, w, b)
        got = _first_outside(w, inc.keys() | out.keys())
        for k in inc.keys() | out.keys():
            got = max(got, inc.get(k, 0.0) + w.scores[k] + out.get(k, 0.0))
        doc.memo[key] = got
    return got


def segment1_arg(doc: Doc, a: str, w: Opts, b: str) -> int:
    """The candidate of ``w`` that :func:`segment1` takes: the first among equals, as
    :func:`search_lattice` picks it."""
    inc = incoming(doc, a, w)
    out = outgoing(doc, w, b)
    best, arg = NEG, -1
    for k in w.order:
        if k not in inc and k not in out:
            best, arg = w.scores[k], k
            break
    for k in inc.keys() | out.keys():
        value = inc.get(k, 0.0) + w.scores[k] + out.get(k, 0.0)
        if value > best or (value == best and k < arg):
            best, arg = value, k
    return arg


def _advance(doc: Doc, p: Opts, base: float, exc: dict[int, float], o: Opts) -> float:
    """One exact step between two multi-candidate layers, in place on ``exc``.

    On entry candidate ``k`` of ``p`` is reached with ``exc.get(k, base)``; on exit ``exc``
    holds the same for ``o`` and the new base is returned.
    """
    top = _sparse_top(p, base, exc)
    new: dict[int, float] = {}
    for k, j, b in doc.between(p, o):
        v = exc.get(k, base) + p.scores[k] + b
        if v > new.get(j, top):
            new[j] = v
    exc.clear()
    exc.update(new)
    return top


def _segment2(doc: Doc, u: Opts, base: float, exc: dict[int, float], t: Opts, b: str) -> float:
    """``max(s(k) + bonus(u[k], t[j]) + char_score(t[j]) + bonus(t[j], b))`` where
    ``s(k) = exc.get(k, base) + char_score(u[k])``, over all ``(k, j)``.

    Exact: a pair without bigram is beaten by the best ``s`` with the best ``t``; the
    ``t[j]`` with a bigram into ``b`` are scored one by one; the phrase-list pairs through
    a cached per-``k`` summary; quote and document pairs one by one.
    """
    scores_u, scores_t = u.scores, t.scores
    top_u = _sparse_top(u, base, exc)
    out = outgoing(doc, t, b)
    best = top_u + _first_outside(t, out)
    lex = lex_pairs(u, t)
    for j, g in out.items():  # t[j] followed by a bigram into b: exact
        inc = top_u
        for k in lex.preds(j):
            inc = max(inc, exc.get(k, base) + scores_u[k] + 1.5)
        best = max(best, inc + scores_t[j] + g)  # (quote, document pairs: below)
    best = max(best, base + lex.top + 1.5)
    for k, v in exc.items():
        if k in lex.best:
            best = max(best, v + scores_u[k] + 1.5 + lex.best[k])
    for k, j in lex.quotes:
        best = max(best, exc.get(k, base) + scores_u[k] + 3.0 + scores_t[j] + out.get(j, 0.0))
    for k, j in doc.doc_pairs(u, t):
        best = max(best, exc.get(k, base) + scores_u[k] + 2.5 + scores_t[j] + out.get(j, 0.0))
    return best


def segment_bound(doc: Doc, a: str, layers: list[Opts], b: str) -> float:
    """An upper bound of ``segment_value(doc, a, layers, b)``, much cheaper than the value:
    the best character score of each layer plus the largest bonus each bigram (into the
    first layer, between layers, out of the last) could earn with any candidates."""
    total = doc.max_bonus_after(a, layers[0]) + doc.max_bonus_before(layers[-1], b)
    for k, t in enumerate(layers):
        total += t.top
        if k:
            u = layers[k - 1]
            if u.has_end and t.has_quote:
                total += 3.0
            elif not (u.charset.isdisjoint(doc.chars) or t.charset.isdisjoint(doc.chars)):
                total += 2.5
            elif lex_linked(u, t):
                total += 1.5
    return total


def segment_value(doc: Doc, a: str, wides: list[Opts], b: str) -> float:
    """Best score of a run of multi-candidate layers between the fixed characters ``a``
    and ``b`` (either may be empty): characters, the bigrams inside, into and out of it."""
    if len(wides) == 1:
        return segment1(doc, a, wides[0], b)
    exc = incoming(doc, a, wides[0])
    base = 0.0
    for idx in range(1, len(wides) - 1):
        base = _advance(doc, wides[idx - 1], base, exc, wides[idx])
    return _segment2(doc, wides[-2], base, exc, wides[-1], b)


def lattice_value(lat: Lattice, doc: Doc) -> float:
    """The score :func:`search_lattice` would find for ``lat``, without its path."""
    opts = lat.opts
    total = 0.0
    a = lat.left
    i, n = 0, len(opts)
    while i < n:
        o = opts[i]
        if len(o.chars) == 1:
            c = o.chars[0]
            total += o.scores[0] + (doc.bonus(a, c) if a else 0.0)
            a = c
            i += 1
            continue
        j = i + 1
        while j < n and len(opts[j].chars) > 1:
            j += 1
        b = opts[j].chars[0] if j < n else lat.right
        total += segment_value(doc, a, opts[i:j], b)
        if j == n:
            return total - 1.5 * lat.run.n_unknown
        total += opts[j].scores[0]
        a = b
        i = j + 1
    if a and lat.right:
        total += doc.bonus(a, lat.right)
    return total - 1.5 * lat.run.n_unknown
