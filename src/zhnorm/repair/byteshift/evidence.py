"""The evidence a document gives about its own characters (:class:`Doc`): bigrams seen
elsewhere in it, phrase-list bigrams, and the rule that a quote mark follows ``。！？``.
"""

from __future__ import annotations

from ...chardata import QUOTES, SENTENCE_END
from ..plausibility import lexicon_index
from .candidates import EMPTY, Hit, Opts, lex_pairs

__all__ = ["Doc"]


class Doc:
    """Bigram evidence for one document: its own bigrams, the phrase lists, punctuation.

    ``bonus(a, b)`` is 3.0 for a quote after a sentence end, 2.5 for a bigram that occurs
    in the document, 1.5 for a phrase-list bigram, else 0.0: the largest that applies.
    :meth:`after`, :meth:`before` and :meth:`between` list the few candidates that earn
    a bonus, each with the value of one rule that applies (a candidate may be listed
    once per rule; the largest value is its bonus).  The document's neighbour sets are
    built per character, on first use.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.chars = frozenset(text)
        self.memo: dict[tuple[str, int, str], float] = {}
        self._shared: dict[int, frozenset[str]] = {}
        self._lefts: dict[str, frozenset[str]] = {}
        self._rights: dict[str, frozenset[str]] = {}
        self.lex_lefts, self.lex_rights = lexicon_index()

    def bonus(self, a: str, b: str) -> float:
        if a in SENTENCE_END and b in QUOTES:
            return 3.0
        if b in self.doc_rights(a):
            return 2.5
        if b in self.lex_rights.get(a, EMPTY):
            return 1.5
        return 0.0

    def _neighbours(self, ch: str) -> None:
        """Fill the left and right neighbour sets of ``ch`` (one split of the text)."""
        lefts: set[str] = set()
        rights: set[str] = set()
        if ch in self.chars:
            pieces = self.text.split(ch)
            lefts = {p[-1] for p in pieces[:-1] if p}
            rights = {p[0] for p in pieces[1:] if p}
            if not all(pieces[1:-1]):  # two occurrences in a row
                lefts.add(ch)
                rights.add(ch)
        self._lefts[ch] = frozenset(lefts)
        self._rights[ch] = frozenset(rights)

    def doc_lefts(self, ch: str) -> frozenset[str]:
        """The characters that precede ``ch`` somewhere in the document."""
        got = self._lefts.get(ch)
        if got is None:
            self._neighbours(ch)
            got = self._lefts[ch]
        return got

    def doc_rights(self, ch: str) -> frozenset[str]:
        """The characters that follow ``ch`` somewhere in the document."""
        got = self._rights.get(ch)
        if got is None:
            self._neighbours(ch)
            got = self._rights[ch]
        return got

    def after(self, p: str, o: Opts) -> list[tuple[int, float]]:
        """``(j, bonus)`` for the candidates ``o[j]`` with ``bonus(p, o[j]) > 0``."""
        if not p:
            return []
        pos = o.pos
        out = [(pos[q], 1.5) for q in o.charset.intersection(self.lex_rights.get(p, EMPTY))]
        if p in self.chars:
            out += [(pos[q], 2.5) for q in o.charset.intersection(self.doc_rights(p))]
        if p in SENTENCE_END and o.has_quote:
            out += [(pos[q], 3.0) for q in o.charset & QUOTES]
        return out

    def before(self, o: Opts, q: str) -> list[tuple[int, float]]:
        """``(k, bonus)`` for the candidates ``o[k]`` with ``bonus(o[k], q) > 0``."""
        if not q:
            return []
        pos = o.pos
        out = [(pos[p], 1.5) for p in o.charset.intersection(self.lex_lefts.get(q, EMPTY))]
        if q in self.chars:
            out += [(pos[p], 2.5) for p in o.charset.intersection(self.doc_lefts(q))]
        if q in QUOTES and o.has_end:
            out += [(pos[p], 3.0) for p in o.charset & SENTENCE_END]
        return out

    def shared(self, o: Opts) -> frozenset[str]:
        """The candidates of ``o`` that occur in the document."""
        got = self._shared.get(o.key)
        if got is None:
            got = self._shared[o.key] = o.charset & self.chars
        return got

    def max_bonus_after(self, p: str, o: Opts) -> float:
        """``max(bonus(p, q) for q in o)``, without listing the ``q``."""
        if not p:
            return 0.0
        if p in SENTENCE_END and o.has_quote:
            return 3.0
        if p in self.chars and not o.charset.isdisjoint(self.doc_rights(p)):
            return 2.5
        return 0.0 if o.charset.isdisjoint(self.lex_rights.get(p, EMPTY)) else 1.5

    def max_bonus_before(self, o: Opts, q: str) -> float:
        """``max(bonus(p, q) for p in o)``, without listing the ``p``."""
        if not q:
            return 0.0
        if q in QUOTES and o.has_end:
            return 3.0
        if q in self.chars and not o.charset.isdisjoint(self.doc_lefts(q)):
            return 2.5
        return 0.0 if o.charset.isdisjoint(self.lex_lefts.get(q, EMPTY)) else 1.5

    def doc_pairs(self, a: Opts, b: Opts) -> list[tuple[int, int]]:
        """``(k, j)`` for the bigrams ``a[k] b[j]`` that occur in the document."""
        in_a = self.shared(a)
        if not in_a:
            return []
        in_b = self.shared(b)
        if not in_b:
            return []
        out: list[tuple[int, int]] = []
        if len(in_a) <= len(in_b):
            for p in in_a:
                k = a.pos[p]
                out.extend((k, b.pos[q]) for q in in_b.intersection(self.doc_rights(p)))
        else:
            for q in in_b:
                j = b.pos[q]
                out.extend((a.pos[p], j) for p in in_a.intersection(self.doc_lefts(q)))
        return out

    def between(self, a: Opts, b: Opts) -> list[Hit]:
        """``(k, j, bonus)`` for the pairs with ``bonus(a[k], b[j]) > 0``."""
        hits = lex_pairs(a, b).hits
        doc = self.doc_pairs(a, b)
        return hits + [(k, j, 2.5) for k, j in doc] if doc else hits
