"""Stage 3 for one ``?`` position (:class:`Position`): the hypotheses of a run share a
prefix/suffix chain (:class:`Chain`) and each differs in one short segment, so they are
scored from shared pieces and bounds, with the same numbers as the plain lattice search;
then the stage-4 checks of a stripped-pair contender and the winner's path.
"""

from __future__ import annotations

from .candidates import ANY_LEAD, ANY_TRAIL, USER_LEAD, Opts, slot_options
from .evidence import Doc
from .hypotheses import Run, Scan
from .keeping import confident, next_lead, render_lattice, sure
from .lattice import Lattice, build_lattice, search_lattice
from .segments import lattice_value, segment1, segment1_arg, segment_bound, segment_value

__all__ = ["Chain", "Position"]


class Chain:
    """The chain of fixed characters the hypotheses at one '?' share, in pieces.

    With the middle characters ``c_1 .. c_M`` (the fixed pairs ``body[2i-1], body[2i]``),
    the head layer ``W0 = (?, body[0])`` and the lost-tail layer ``WL = (body[-1], ?)``:
    ``fwd(i)`` is the best score from the left context up to and including ``c_i``, and
    ``bwd(i)`` the best score after ``c_i`` up to the right context of the full run.
    Every hypothesis replaces a piece of that chain: a resync ends it early, a stripped
    pair replaces one ``c_j`` by two layers (:meth:`cut`).
    """

    def __init__(self, body: list[int], doc: Doc, left: str, right: str) -> None:
        self.body = body
        self.doc = doc
        self.left = left
        self.right = right
        self.head = slot_options(ANY_LEAD, body[0])
        self._fwd: list[float] = []
        self._bwd: dict[int, float] = {}
        self._tail: Opts | None = None
        self._head_sure: bool | None = None
        self._tail_sure: bool | None = None

    def mid(self, i: int) -> Opts:
        found = slot_options(self.body[2 * i - 1], self.body[2 * i])
        assert found is not None
        return found

    def fwd(self, i: int) -> float:
        fwd = self._fwd
        while len(fwd) < i:
            k = len(fwd) + 1
            c = self.mid(k)
            if k == 1:
                assert self.head is not None
                fwd.append(segment1(self.doc, self.left, self.head, c.chars[0]) + c.scores[0])
            else:
                prev = self.mid(k - 1).chars[0]
                fwd.append(fwd[-1] + self.doc.bonus(prev, c.chars[0]) + c.scores[0])
        return fwd[i - 1]

    def tail(self) -> Opts:
        if self._tail is None:
            found = slot_options(self.body[-1], ANY_LEAD, next_lead(self.right))
            assert found is not None
            self._tail = found
        return self._tail

    def bwd(self, i: int) -> float:
        """Best score after ``c_i`` (``i == M``: through the lost-tail layer)."""
        got = self._bwd.get(i)
        if got is None:
            m = len(self.body) // 2 - 1
            c = self.mid(i).chars[0]
            if i == m:
                got = segment1(self.doc, c, self.tail(), self.right)
            else:
                nxt = self.mid(i + 1)
                got = self.doc.bonus(c, nxt.chars[0]) + nxt.scores[0] + self.bwd(i + 1)
            self._bwd[i] = got
        return got

    def cut(self, j: int, m: int) -> tuple[float, str, list[Opts], str]:
        """A stripped pair cut through ``c_j`` (``1 <= j <= m``) as (score of the fixed
        rest, left anchor, the run of multi-candidate layers around the cut, right
        anchor)."""
        body = self.body
        cut = 2 * j
        layers = [slot_options(body[cut - 1], USER_LEAD), slot_options(ANY_TRAIL, body[cut])]
        if j == 1:
            layers.insert(0, self.head)
        if j == m:
            layers.append(self.tail())
        value = 0.0
        if j <= 1:
            anchor_l = self.left
        else:
            anchor_l = self.mid(j - 1).chars[0]
            value += self.fwd(j - 1)
        if j >= m:
            anchor_r = self.right
        else:
            k = j + 1
            anchor_r = self.mid(k).chars[0]
            value += self.mid(k).scores[0] + self.bwd(k)
        found = [o for o in layers if o is not None]
        assert len(found) == len(layers)  # hypotheses checked that every pair decodes
        return value, anchor_l, found, anchor_r

    def stripped(self, j: int, m: int, bound: float | None) -> float:
        """Score (before the unknown-byte penalty) with a stripped pair cut through
        ``c_j``; with ``bound``, possibly an upper bound ``<= bound`` instead."""
        value, anchor_l, layers, anchor_r = self.cut(j, m)
        if bound is not None:
            upper = value + segment_bound(self.doc, anchor_l, layers, anchor_r)
            if upper <= bound:
                return upper  # cannot beat the best so far
        return value + segment_value(self.doc, anchor_l, layers, anchor_r)

    def ends_resolved(self, j: int, m: int) -> bool:
        """Can a stripped pair cut through ``c_j`` be fully resolved, as far as the head
        and lost-tail layers tell?  Away from the cut they sit between the same fixed
        characters as in the plain hypothesis, so they take the same character and are
        inferred confidently or not regardless of the cut."""
        doc = self.doc
        if j >= 2 and self.head is not None and len(self.head.chars) > 1:
            if self._head_sure is None:
                c1 = self.mid(1).chars[0]
                k0 = segment1_arg(doc, self.left, self.head, c1)
                self._head_sure = sure(doc, self.left, self.head, k0, c1)
            if not self._head_sure:
                return False
        if j <= m - 1 and len(self.tail().chars) > 1:
            if self._tail_sure is None:
                cm = self.mid(m).chars[0]
                k0 = segment1_arg(doc, cm, self.tail(), self.right)
                self._tail_sure = sure(doc, cm, self.tail(), k0, self.right)
            if not self._tail_sure:
                return False
        return True


class Position:
    """The hypotheses at one '?', scored without their lattices.

    Each hypothesis's score is a prefix, one segment and a suffix of the shared
    :class:`Chain` (:meth:`score`): the same number :func:`lattice_value` computes from
    the lattice.  A stripped-pair contender must also be fully resolved
    (:meth:`resolved`) and not contradicted (:meth:`contradicted`); only the winner gets
    its path (:meth:`solve`).
    """

    def __init__(self, text: str, scan: Scan, qpos: int, doc: Doc) -> None:
        self.text = text
        self.doc = doc
        left = text[qpos - 1] if qpos > 0 else ""
        right = text[scan.end] if 0 <= scan.end < len(text) else ""
        self.chain = Chain(scan.body, doc, left, right)

    def lattice(self, run: Run) -> Lattice:
        lat = build_lattice(self.text, run)
        assert lat is not None  # hypotheses only yields hypotheses whose pairs decode
        return lat

    def score(self, run: Run, bound: float | None = None) -> float:
        """The best score of ``run``: the number :func:`lattice_value` computes from its lattice.

        With ``bound``, a stripped-pair hypothesis may instead return an upper bound of
        its score when that is ``<= bound`` (it cannot beat a hypothesis scoring
        ``bound``)."""
        doc, chain = self.doc, self.chain
        body = chain.body
        n = len(body)
        m = n // 2 - 1
        penalty = 1.5 * run.n_unknown
        if run.kind == "resync" and run.cut >= 4:
            i = run.cut // 2 - 1  # last middle character before the resync pair
            last = slot_options(body[run.cut - 1], run.byte)
            assert last is not None
            x = last.chars[0]
            value = chain.fwd(i) + doc.bonus(chain.mid(i).chars[0], x) + last.scores[0]
            right = self.text[run.end] if run.end < len(self.text) else ""
            return value + (doc.bonus(x, right) if right else 0.0) - penalty
        if run.kind == "odd" and n >= 3:
            i = (n - 1) // 2
            value = chain.fwd(i) + (
                doc.bonus(chain.mid(i).chars[0], chain.right) if chain.right else 0.0
            )
            return value - penalty
        if run.kind == "tail" and m >= 1:
            return chain.fwd(m) + chain.bwd(m) - penalty
        if run.kind == "strip" and m >= 2:
            limit = None if bound is None else bound + penalty
            return chain.stripped(run.cut // 2, m, limit) - penalty
        return lattice_value(self.lattice(run), doc)

    def solve(self, run: Run) -> Lattice:
        """The lattice of ``run`` with its best path (as :func:`search_lattice` finds it).

        With at most one multi-candidate layer between fixed characters at each end of
        the run the path is read off :func:`segment1_arg`; otherwise searched."""
        lat = self.lattice(run)
        opts, doc, n = lat.opts, self.doc, len(self.chain.body)
        if run.kind in ("resync", "odd", "tail") and len(opts) >= 3 and n >= 3:
            path = [o.chars[0] for o in opts]
            path[0] = opts[0].chars[segment1_arg(doc, lat.left, opts[0], path[1])]
            if run.kind == "tail":
                last = segment1_arg(doc, path[-2], opts[-1], lat.right)
                path[-1] = opts[-1].chars[last]
            if all(len(o.chars) == 1 for o in opts[1:-1]):
                lat.path = tuple(path)
                return lat
        search_lattice(lat, doc)
        return lat

    def resolved(self, run: Run) -> bool:
        """``False`` when the best path of a stripped-pair hypothesis keeps a U+FFFD
        (an inferred character without a confident reading): it is not believed then.

        Segments are independent given their fixed anchors, so the layers around the cut
        are searched on their own, and the head and lost-tail layers away from the cut
        are judged as in the plain hypothesis (:meth:`Chain.ends_resolved`)."""
        m = len(self.chain.body) // 2 - 1
        if m < 2:  # (no shortcut: the full search decides)
            lat = self.lattice(run)
            search_lattice(lat, self.doc)
            return render_lattice(lat, self.doc)[1] == 0
        j = run.cut // 2
        if not self.chain.ends_resolved(j, m):
            return False
        _score, anchor_l, layers, anchor_r = self.chain.cut(j, m)
        part = Lattice(run, layers, anchor_l, anchor_r)
        search_lattice(part, self.doc)
        for idx, o in enumerate(layers):
            if len(o.chars) > 1 and not confident(idx, part, self.doc):
                return False
        return True

    def contradicted(self, run: Run) -> bool:
        """Does the known character that a stripped pair would split fit its known
        neighbours?

        A stripped-pair hypothesis cut through ``c_j`` reads the decodable pair
        ``body[2j-1], body[2j]`` as two characters with one unknown byte each.  It has
        more freedom than the plain reading (two inferred characters instead of one known
        one), so it can fit bigrams by chance; it is believed only when the character it
        discards (if the pair decodes at all) has no bigram (any kind) with a known
        neighbour."""
        chain = self.chain
        j = run.cut // 2
        m = len(chain.body) // 2 - 1
        plain = slot_options(chain.body[2 * j - 1], chain.body[2 * j])
        if plain is None:
            return False  # the plain reading does not decode here
        c = plain.chars[0]
        bonus = self.doc.bonus
        if j >= 2 and bonus(chain.mid(j - 1).chars[0], c) > 0.0:
            return True
        return j < m and bonus(c, chain.mid(j + 1).chars[0]) > 0.0
