"""The plain lattice search (:func:`build_lattice`, :func:`search_lattice`): every candidate
of every slot scored with the full search.  It is the reference the fast stages must
equal (the tests check it), and it renders the winner.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...chardata import encode_char
from .candidates import Opts, slot_options
from .evidence import Doc
from .hypotheses import Run

__all__ = ["Lattice", "build_lattice", "search_lattice"]


@dataclass
class Lattice:
    """A hypothesis with its candidates, context and (once searched) best path."""

    run: Run
    opts: list[Opts]
    left: str
    right: str
    score: float = 0.0
    path: tuple[str, ...] = ()


def build_lattice(text: str, run: Run) -> Lattice | None:
    opts: list[Opts] = []
    right = text[run.end] if run.end < len(text) else ""
    last = len(run.pairs) - 1
    for k, (a, b) in enumerate(run.pairs):
        nxt = -1
        if k == last and run.unknown_tail and right:
            enc = encode_char(right, "gbk")
            if enc is not None and len(enc) == 2:
                nxt = enc[0]
        found = slot_options(a, b, nxt)
        if found is None:
            return None
        opts.append(found)
    left = text[run.start - 1] if run.start > 0 else ""
    return Lattice(run, opts, left, right)


class _Layer:
    """Best incoming values of one lattice layer, stored sparsely.

    Candidate ``j`` is reached with value ``exc[j][0]`` from predecessor ``exc[j][1]``
    when it earns a bigram bonus, else with ``base`` from ``arg`` (the best predecessor
    overall); its score adds ``char_score``.  A layer of 14,000 candidates therefore
    costs only as much as the few of them that have a bigram with a neighbour.
    """

    __slots__ = ("arg", "base", "exc", "opts")

    def __init__(self, opts: Opts, base: float, arg: int) -> None:
        self.opts = opts
        self.base = base
        self.arg = arg
        self.exc: dict[int, tuple[float, int]] = {}

    def score(self, j: int) -> float:
        got = self.exc.get(j)
        return (got[0] if got is not None else self.base) + self.opts.scores[j]

    def back(self, j: int) -> int:
        got = self.exc.get(j)
        return got[1] if got is not None else self.arg

    def offer(self, j: int, value: float, k: int) -> None:
        """Predecessor ``k`` reaches candidate ``j`` with ``value``; keep the better."""
        got = self.exc.get(j)
        cur, cur_k = got if got is not None else (self.base, self.arg)
        if value > cur or (value == cur and k < cur_k):
            self.exc[j] = (value, k)

    def best(self, extra: dict[int, float] | None = None) -> tuple[float, int]:
        """Highest score (``extra`` overrides some), first candidate among equals."""
        extra = extra or {}
        top = -1e9
        arg = -1

        def consider(value: float, j: int) -> None:
            nonlocal top, arg
            if value > top or (value == top and j < arg):
                top, arg = value, j

        for j, value in extra.items():
            consider(value, j)
        for j in self.exc:
            if j not in extra:
                consider(self.score(j), j)
        scores = self.opts.scores
        for j in self.opts.order:
            if j not in extra and j not in self.exc:
                consider(self.base + scores[j], j)
                break
        return top, arg


def search_lattice(lat: Lattice, doc: Doc) -> None:
    """Best path through the lattice (exact), stored in ``lat.score`` and ``lat.path``.

    The score of a path is the sum of ``char_score`` of its characters and of the
    bigram bonuses between neighbours (including the context characters), minus 1.5
    per unknown byte.  At each layer every candidate takes its best predecessor; ties go
    to the earliest predecessor, and between final states to the earliest one.  The
    bonus is zero for all but a few (predecessor, candidate) pairs, found through
    :meth:`Doc.lefts` / :meth:`Doc.rights`, so every other candidate simply takes the
    best predecessor overall (:class:`_Layer`).
    """
    layers: list[_Layer] = []
    prev: _Layer | None = None
    for o in lat.opts:
        if prev is None or len(prev.opts.chars) == 1:
            p = lat.left if prev is None else prev.opts.chars[0]
            s0 = 0.0 if prev is None else prev.score(0)
            layer = _Layer(o, s0, 0)
            for j, b in doc.after(p, o):
                layer.offer(j, s0 + b, 0)
        else:
            top, arg = prev.best()
            layer = _Layer(o, top, arg)
            score = prev.score
            for k, j, b in doc.between(prev.opts, o):
                layer.offer(j, score(k) + b, k)
        layers.append(layer)
        prev = layer
    assert prev is not None
    extra: dict[int, float] = {}
    for k, b in doc.before(prev.opts, lat.right):
        value = prev.score(k) + b
        if value > extra.get(k, -1e9):
            extra[k] = value
    best, k = prev.best(extra)
    path = [prev.opts.chars[k]]
    for i in range(len(layers) - 1, 0, -1):
        k = layers[i].back(k)
        path.append(layers[i - 1].opts.chars[k])
    path.reverse()
    lat.score = best - 1.5 * lat.run.n_unknown
    lat.path = tuple(path)
