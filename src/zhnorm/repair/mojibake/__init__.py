"""Find and undo codec mojibake in Chinese text, span by span.

A mis-decoded span is bytes that were written in one codec (``encoded_as``) and
read in another (``decoded_as``); :data:`PAIRS` lists the pairs handled: UTF-8 read
as GBK, GB18030 or Big5; UTF-8 read as a single-byte code page (cp1252, latin-1,
ptcp154, cp1251, koi8-r, cp1250, mac-roman and the DOS pages cp437, cp850, cp866);
GBK read as cp1252, latin-1, cp437 or cp850 (zip file names from Chinese Windows,
``╓╨╬─`` = 中文); GB18030 (four-byte characters too), Big5 and Big5-HKSCS read as
cp1252 or latin-1.  GBK<->Big5 (``笢恅`` = 中文) is repaired in step where no byte was
lost, where the reader marked lost bytes, and for GBK read as Big5 also where it
dropped bytes silently; UTF-8 read as GBK, GB18030 or Big5 also where the reader marked
lost bytes (:mod:`.lattice`).  The character model (:mod:`zhnorm.language_model`) is the
plausibility evidence of the newer gates.

The steps, one submodule each:

* :mod:`.prefilter`: the pre-filter regexes; clean text returns ``[]`` after one
  scan, and every edit must overlap a hit.
* :mod:`.driver`: windows around the hits, candidate edits of every pair, the best
  non-overlapping ones, layered mojibake and ``锟斤拷``; :func:`find_mojibake`.
* :mod:`.roundtrip`: a segment re-encoded and walked for decodable spans.
* :mod:`.utf8_reading`: UTF-8 readings, strict, with cp1252's dropped bytes
  re-inserted, or hole-tolerant with the holes filled.
* :mod:`.dbcs_whole_run`: GBK/GB18030 or Big5/HKSCS read as cp1252/latin-1, a whole
  run at once (before the windows).
* :mod:`.dbcs_as_single_byte`: GBK or Big5 read as cp1252/latin-1, the better writer.
* :mod:`.big5_read_as_gbk`: Big5 read as GBK where the reader marked lost bytes
  (and the byte helpers both GBK<->Big5 directions share).
* :mod:`.gbk_read_as_big5`: GBK read as Big5, in step or one byte out of step after
  a lost byte.
* :mod:`.dbcs_in_step`: GBK<->Big5 without lost bytes, the characters to re-read
  chosen by the character model.
* :mod:`.lattice`: UTF-8 read as GBK/GB18030/Big5 where the reader marked lost bytes,
  each lost byte a set of candidates the reader fails on, the reading and the lost
  characters chosen by the character model (before the windows); GB18030 four-byte
  characters read as GBK.
* :mod:`.guess`: a lost character guessed from the words around it (the word model of
  :mod:`zhnorm.language_model`), for the hole-tolerant reading and the lattice.
* :mod:`.clean_text`: where the garbled side stops being mojibake (clean neighbours).
* :mod:`.gates`: the plausibility gates every span must pass.
* :mod:`.common`: codec lists, :data:`PAIRS` and the candidate span type (character
  facts are in :mod:`zhnorm.chardata`, scores in :mod:`zhnorm.repair.plausibility`).
"""

from .common import PAIRS
from .driver import find_mojibake, fix_mojibake, mojibake_runs

__all__ = ["PAIRS", "find_mojibake", "fix_mojibake", "mojibake_runs"]
