"""Repair GBK text whose byte stream was decoded one byte out of step.

The phenomenon (seen in scraped news, e.g. SogouCA and pinyin-annotated mirrors):
the GBK bytes were decoded in chunks, a chunk ended inside a two-byte character, its
lone lead byte came out as ``?`` and the next chunk started on a *trail* byte.  From
there every "character" is a trail byte glued to the next lead byte, e.g.
``。”南通`` = ``A1A3 A1B1 C4CF CDA8`` shows as ``?`` + ``A3A1 B1C4 CFCD`` =
``?！蹦贤`` (``！`` later normalised to ``!``).  The stream falls back into step at
an ASCII byte that was really a GBK trail byte (``進`` = ``DF 4D`` -> ``斑M``), or at
another lone lead byte shown as ``?``; decoder output in the user-defined areas
(private-use code points) was usually stripped on the way.

Evidence used, per candidate run ``?`` + shifted characters:

* the shifted characters re-encode to GBK; prefixing the unknown lost byte re-aligns
  them; the aligned reading must decode and be clearly more plausible
  (:func:`zhnorm.repair.plausibility.plausibility`) than the shifted one;
* bytes that are unknown (the lead byte shown as ``?``, a final lone byte, a stripped
  private-use pair) are inferred with a small lattice search scored by character
  frequency class, bigrams seen elsewhere in the same document, bigrams of phrase
  lists shipped with dependencies, and the typographic rule that a quote mark follows
  ``。！？`` (the lost lead byte in front of ``”“`` is usually that of ``。``);
* the search picks the best path, but an inferred character is *kept* only when the
  document singles it out (:func:`.keeping.sure`): a quote after a sentence end, or a bigram
  of two letters that occurs elsewhere in the document, a margin of 1.0 over the
  runner-up, and no neighbour preferring another candidate.  A phrase-list bigram is
  not enough: a lost byte leaves ~100 candidates, some of which form a phrase with any
  neighbour by chance (on shifted real sentences about half of the characters chosen
  that way were wrong).  Otherwise the character is emitted as U+FFFD and the edit is
  ``lossy=True`` with ``detail["unrecovered"]`` giving the count;
* a stripped private-use pair splits a decodable, fully known pair into two inferred
  characters, so it is believed only when both (and the head and tail) are kept by
  that rule and the known character it discards has no bigram with a known
  neighbour (:meth:`.position.Position.contradicted`).  Known bytes are never replaced by
  guessed ones otherwise, and a pair none of whose bytes is known is never proposed.

How often it restores what, and what it costs, is measured in
``docs/repair-measurements.md``.

Cost.  Most ``?`` in Chinese text are real question marks, so the work is staged,
each stage exact (the result is that of scoring every hypothesis with the full
lattice search, :func:`.lattice.search_lattice`, which the tests check):

1. structure, no tables (:func:`.hypotheses._scan`, :func:`.hypotheses.hypotheses`):
   a hypothesis's fully known byte pairs must decode (a shifted reading of clean text
   breaks on an invalid pair within a few characters, and the scan stops there), and
   some hypothesis must be long enough for the final gate (three characters);
2. a sound upper bound of the final gate (:func:`.gate.may_pass`): on clean text the
   re-aligned characters that do decode are rare ones and the position is dropped;
3. scoring without lattices (:class:`.position.Position`): single-candidate layers
   split a lattice into independent segments; the hypotheses of a run share a
   prefix/suffix chain (:class:`.position.Chain`), each differs in one short segment,
   and a segment of one or two multi-candidate layers has a closed form over the few
   candidates that earn a bigram bonus (:func:`.segments.segment1`,
   :func:`.segments._segment2`); a stripped-pair hypothesis is first bounded
   (:func:`.segments.segment_bound`) against the best score so far;
4. only the winner gets its path and rendering (for a stripped pair, the contenders
   above the best plain hypothesis are checked for full resolution best first).

The phrase-list bigram tables (:func:`zhnorm.repair.plausibility.lexicon_index`) are
loaded at the first position that survives stage 1, from an on-disk cache.

One module per stage: :mod:`.hypotheses` (1), :mod:`.gate` (2 and the final gate),
:mod:`.segments` and :mod:`.position` (3), :mod:`.keeping` (4), on the candidates of a
byte slot (:mod:`.candidates`) and the document's evidence (:mod:`.evidence`);
:mod:`.lattice` is the plain search they must equal, :mod:`.finder` runs them.
"""

from .finder import find_byteshift, fix_byteshift

__all__ = ["find_byteshift", "fix_byteshift"]
