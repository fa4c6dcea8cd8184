"""Repair GBK text whose byte stream was decoded one byte out of step.

The phenomenon, as scraped news shows it: the text was GBK, and every paragraph started
with a paragraph mark, the user-defined code ``FD A3``.  Python's GBK decoder with
``errors="replace"`` (U+FFFD later shown as ``?``) gives one ``?`` for the unmapped
pair and advances ONE byte, so ``A3`` pairs with the next lead byte (a full-width
character such as ``Ｐ``) and the paragraph runs shifted, trail byte + lead byte, until
a shifted pair is unmapped in turn: one ``?`` for that trail byte, and the stream is back
in step.  ``FD A3`` + ``新华社北京电`` reads ``?Ｐ禄?社北京电``: ``新`` is re-aligned
from ``Ｐ禄``, and ``华`` lost its trail byte to the ``?`` (its lead byte is known; its
trail byte is one of about 15 that do not pair with the next lead byte).  The same
shift starts at a lead byte lost at a chunk boundary (its ``?`` is a lost lead byte).

Two steps:

* the structure, from the bytes alone (:mod:`.runs`): from a ``?`` the shifted
  characters are re-encoded and read two by two; every pair must decode and the run
  must end where the decoder would have fallen back into step, or it is not a shifted
  run; what stays unknown is the lead byte of the leading ``?`` (unless it is the
  paragraph mark) and the trail byte of the closing ``?``, each a short list of
  candidate characters;
* the decision, by the one language model (:func:`zhnorm.language_model.char_model`,
  :mod:`.finder`): a lost character is guessed when its best candidate between its
  neighbours is clearly ahead of any other, else it is U+FFFD and the edit is
  ``lossy``; the run is taken when the re-aligned characters score better than the
  shifted ones (a paragraph-mark run at any length, the structure being strong; a
  lost-lead run needs three hanzi and a clear gain, or one or two hanzi, a clear gain
  per character and a lost character the model is sure of).  A paragraph mark becomes a line
  break (nothing at a line start).

All candidates and gates of a document are scored in one pass of the model.  What it
restores, what it gets wrong and what it costs is measured in
``docs/repair-measurements.md`` (``benchmarks/bench_byteshift.py``).
"""

from .finder import byteshift_spans, find_byteshift, fix_byteshift

__all__ = ["byteshift_spans", "find_byteshift", "fix_byteshift"]
