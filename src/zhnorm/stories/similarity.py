"""Story similarity: do two texts report the same event?

Both texts are read through the matching key (:func:`zhnorm.match_key`: repair, OpenCC
``t2s``, width and case folded, punctuation dropped), so Simplified and Traditional
reports, and damaged copies, meet on one form.  A key becomes a weighted bag of terms:

* **grams**: the character bigrams of each run of non-ASCII characters (a run of one
  character is its own term) and each run of ASCII letters or digits whole (``2017``,
  ``30``, ``psy``): names, places, numbers and dates are pairs of characters or runs;
* **characters**: each non-ASCII character alone, which still matches when one outlet
  abbreviates a name or a place the other spells out (``台北市长`` / ``北市长``).

Only the first ``max_chars`` key characters are read. A term's frequency counts
``lead_weight`` times for an occurrence in the lead (the first ``lead_chars`` key
characters: a news article states its event there; a title passed first is in it) and is
dampened (``1 + log tf``); it is multiplied by the term's weight (below). Each of the
two blocks is scaled to unit length and the blocks are weighted ``1 - char_share`` and
``char_share``, so a document is one unit vector and

    score(a, b) = (1 - char_share) * cos(grams) + char_share * cos(characters)

in ``[0, 1]``: symmetric, ``1.0`` for texts with the same key, ``0.0`` when a key is
empty (no evidence).  Rare terms weigh most, so shared names, places and numbers make
the score; generic news words (``记者``, ``表示``, ``今天``) weigh little.

A term weighs ``-ln p``, ``p`` the probability that a document holds it.
:func:`story_similarity` takes ``p`` from :mod:`.background` (a table derived at run
time from the word frequencies of jieba's dictionary, extra ``words``; the same weight
for every term without it).  :class:`StoryModel` fits ``p`` on the corpus being
processed - ``(df + m * p_background) / (N + m)``, the background acting as ``m =
prior_documents`` documents - so the week's generic words and each outlet's furniture
weigh little, and scores its documents with the very same vectors
(:meth:`TermCounts.unit_rows`): :func:`story_similarity` is the model of an empty corpus.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, ItemsView, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from ..key import KeyOptions, match_keys, resolve_key_options
from ..neardup.inherit import handed_down, inherited
from ..options import resolve
from ..workers import forks, imap_ordered, process_pool
from .background import CHAR_PREFIX, background

__all__ = [
    "SpilledRows",
    "StoryModel",
    "StoryOptions",
    "StoryVectors",
    "TermCounts",
    "TermVocabulary",
    "best_partners",
    "indexable",
    "indexed_positions",
    "key_terms",
    "nearest_by_index",
    "pair_scores",
    "story_similarity",
    "story_similarity_batch",
    "term_weights",
    "unit_rows_of_terms",
    "vocabulary_order",
    "with_titles",
]


@dataclass(frozen=True)
class StoryOptions:
    """How texts are compared (module docstring).

    ``lead_chars``     key characters counted as the lead (title first, if any).
    ``lead_weight``    how many times a lead occurrence of a term counts.
    ``char_share``     the share of the single-character block in the score.
    ``max_chars``      key characters read per text (``0``: all): an article states its
                       event early, and a 5 MB text costs no more than a long article.
    ``key``            the :class:`~zhnorm.KeyOptions` of the matching key.

    :class:`StoryModel` only:
    ``prior_documents`` how many documents the background weights count for.
    ``title_share``    the share of the titles' score when two documents have titles.

    Candidate search of :meth:`StoryModel.candidates` (see there):
    ``index_terms``    gram terms per document put in the inverted index (its rarest).
    ``max_postings``   a gram in more documents than this links nothing (generic).
    """

    lead_chars: int = 120
    lead_weight: float = 2.0
    char_share: float = 0.3
    max_chars: int = 3000
    key: KeyOptions = field(default_factory=KeyOptions)
    prior_documents: float = 100.0
    title_share: float = 0.5
    index_terms: int = 32
    max_postings: int = 1000

    def __post_init__(self) -> None:
        if self.lead_chars < 0:
            raise ValueError(f"lead_chars must be >= 0, not {self.lead_chars}")
        if self.max_chars < 0:
            raise ValueError(f"max_chars must be >= 0, not {self.max_chars}")
        if self.lead_weight < 1:
            raise ValueError(f"lead_weight must be >= 1, not {self.lead_weight}")
        if not 0 <= self.char_share <= 1:
            raise ValueError(f"char_share must be in [0, 1], not {self.char_share}")
        if not 0 <= self.title_share <= 1:
            raise ValueError(f"title_share must be in [0, 1], not {self.title_share}")
        if self.prior_documents <= 0:
            raise ValueError(f"prior_documents must be > 0, not {self.prior_documents}")
        if self.index_terms < 1:
            raise ValueError(f"index_terms must be >= 1, not {self.index_terms}")
        if self.max_postings < 2:
            raise ValueError(f"max_postings must be >= 2, not {self.max_postings}")


DEFAULT = StoryOptions()


def resolve_story_options(options: StoryOptions | None = None, **overrides: Any) -> StoryOptions:
    """The :class:`StoryOptions` a function was given (``options`` with keyword
    overrides; ``key=`` also takes a dict of :class:`~zhnorm.KeyOptions` fields)."""
    if options is None and not overrides:
        return DEFAULT
    key = overrides.pop("key", None)
    resolved = resolve(StoryOptions, options, overrides)
    if key is not None:
        key_options = key if isinstance(key, KeyOptions) else resolve_key_options(**key)
        resolved = resolve(StoryOptions, resolved, {"key": key_options})
    return resolved


_RUNS = re.compile(r"[0-9a-z]+|[^0-9a-z]+")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ColumnArray = npt.NDArray[np.int32]
_Result = TypeVar("_Result")
ROW_BLOCK = 4096
"""Documents whose vectors are made (or indexed) at once: the temporaries' bound."""


def key_terms(key: str, options: StoryOptions = DEFAULT) -> dict[str, float]:
    """The lead-weighted frequencies of the terms of ``key`` (module docstring): the
    grams, and the characters as :data:`~.background.CHAR_PREFIX` + the character."""
    if options.max_chars:
        key = key[: options.max_chars]
    lead = options.lead_chars
    in_lead: list[str] = []
    after: list[str] = []
    for run in _RUNS.finditer(key):
        text, start = run.group(), run.start()
        if text[0].isascii() or len(text) == 1:
            (in_lead if start < lead else after).append(text)
            if text[0].isascii():
                continue
        cut = min(len(text), max(0, lead - start))
        chars = [CHAR_PREFIX + char for char in text]
        grams = [text[i : i + 2] for i in range(len(text) - 1)]
        in_lead += chars[:cut]
        in_lead += grams[:cut]
        after += chars[cut:]
        after += grams[cut:]
    counts: dict[str, float] = dict(Counter(after))
    boost = options.lead_weight
    for term, count in Counter(in_lead).items():
        counts[term] = counts.get(term, 0.0) + boost * count
    return counts


TERM_BLOCK_CHARS = 1 << 18
"""Key characters counted at once by :meth:`TermCounts.of` (with :data:`ROW_BLOCK` keys
at most): its temporaries are some 275 bytes per character of a block (70 MiB), in each
counting worker."""


def _blocks(items: Iterable[str], size: int, chars: int, cap: int) -> Iterable[list[str]]:
    """``items`` in consecutive lists of at most ``size`` items and, unless one item is
    longer, ``chars`` characters (an item counting ``cap`` at most; 0: no cap)."""
    block: list[str] = []
    held = 0
    for item in items:
        length = min(len(item), cap) if cap else len(item)
        if block and held + length > chars:
            yield block
            block, held = [], 0
        block.append(item)
        held += length
        if len(block) == size:
            yield block
            block, held = [], 0
    if block:
        yield block


_ONE, _TWO, _LONG = 1 << 42, 2 << 42, 3 << 42  # a term of one, two or more characters
_CHAR_PREFIX_CODE = ord(CHAR_PREFIX)


def _code_parts(codes: IntArray) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Each term code (:class:`_TermCodes`) taken apart: its tag (1, 2 or 3 for a term of
    one, two or more characters), its first character, its second character plus one
    (``0`` for none), and a longer term's number in ``long`` (meaningful for tag 3)."""
    tag = codes >> 42
    first = np.where(tag == 1, codes & 0x1FFFFF, codes >> 21 & 0x1FFFFF)
    second = np.where(tag == 2, (codes & 0x1FFFFF) + 1, 0)
    return tag, first, second, codes & (_ONE - 1)


@dataclass(frozen=True, eq=False)
class _BlockTerms:
    """The terms of one block of keys (:func:`_block_terms`), before the block's codes are
    numbered against those of the blocks before it (:meth:`_TermCodes.block`).

    ``per_key``      per key its number of distinct terms;
    ``distinct``     the block's distinct term codes, sorted, a longer term numbered by
                     its place in ``long``;
    ``first``        per distinct code its first place in the block's (key, term) order;
    ``inverse``      per (key, term), in the order of :func:`key_terms`, its code's index
                     in ``distinct``; ``frequencies`` its lead-weighted frequency;
    ``long``         the block's longer terms, in order of first sight."""

    per_key: IntArray
    distinct: IntArray
    first: IntArray
    inverse: ColumnArray
    frequencies: FloatArray
    long: list[str]


def _block_terms(keys: list[str], options: StoryOptions) -> _BlockTerms:
    """The terms of ``keys`` (:class:`_BlockTerms`): all the counting of
    :meth:`_TermCodes.block` that does not depend on other blocks, so blocks can be
    counted on worker processes and numbered in order after."""
    if options.max_chars:
        keys = [key[: options.max_chars] for key in keys]
    lengths = np.fromiter((len(k) for k in keys), dtype=np.int64, count=len(keys))
    chars = np.frombuffer(
        "".join(keys).encode("utf-32-le", "surrogatepass"), dtype=np.uint32
    ).astype(np.int64)
    total = len(chars)
    doc = np.repeat(np.arange(len(keys), dtype=np.int64), lengths)
    pos = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    alnum = ((chars >= 48) & (chars <= 57)) | ((chars >= 97) & (chars <= 122))
    new_run = pos == 0
    new_run[1:] |= alnum[1:] != alnum[:-1]
    run_first = np.flatnonzero(new_run)  # where each run starts (global offsets)
    run_sizes = np.diff(np.r_[run_first, total])
    run_of = np.repeat(np.arange(len(run_first)), run_sizes)
    run_start = pos[run_first]
    ascii_start = chars[run_first] < 128
    whole = ascii_start | (run_sizes == 1)  # the run is a term itself
    spelled = ~ascii_start  # its characters and bigrams are terms
    lead = options.lead_chars
    width = int(lengths.max()) + 1 if len(keys) else 1
    # The order of key_terms: every term counted after the lead first, then those only
    # in the lead; within each, by run, the run itself, its characters, its bigrams.
    late = np.int64(3 * width * width)

    def order(start: IntArray, part: int, at: IntArray) -> IntArray:
        return np.where(at < lead, late, 0) + start * (3 * width) + part * width + at

    parts_code: list[IntArray] = []
    parts_doc: list[IntArray] = []
    parts_order: list[IntArray] = []
    parts_lead: list[npt.NDArray[np.bool_]] = []
    # the runs that are terms themselves
    runs = np.flatnonzero(whole)
    codes = np.empty(len(runs), dtype=np.int64)
    short = run_sizes[runs] <= 2
    first = chars[run_first[runs]]
    two = run_sizes[runs] == 2
    second = chars[np.minimum(run_first[runs] + 1, max(total - 1, 0))]
    codes[short & ~two] = _ONE | first[short & ~two]
    codes[two] = _TWO | first[two] << 21 | second[two]
    long: dict[str, int] = {}
    if (~short).any():
        text = "".join(keys)
        long_ids = []
        for r in runs[~short].tolist():
            term = text[run_first[r] : run_first[r] + run_sizes[r]]
            long_ids.append(long.setdefault(term, len(long)))
        codes[~short] = _LONG | np.asarray(long_ids, dtype=np.int64)
    parts_code.append(codes)
    parts_doc.append(doc[run_first[runs]])
    parts_order.append(order(run_start[runs], 0, run_start[runs]))
    parts_lead.append(run_start[runs] < lead)
    # the characters of spelled runs
    inside = spelled[run_of]
    parts_code.append(_TWO | _CHAR_PREFIX_CODE << 21 | chars[inside])
    parts_doc.append(doc[inside])
    parts_order.append(order(run_start[run_of[inside]], 1, pos[inside]))
    parts_lead.append(pos[inside] < lead)
    # their bigrams
    gram = np.zeros(total, dtype=np.bool_)
    if total > 1:
        gram[:-1] = inside[:-1] & (run_of[1:] == run_of[:-1])
    at = np.flatnonzero(gram)
    parts_code.append(_TWO | chars[at] << 21 | chars[at + 1])
    parts_doc.append(doc[at])
    parts_order.append(order(run_start[run_of[at]], 2, pos[at]))
    parts_lead.append(pos[at] < lead)

    code = np.concatenate(parts_code)
    if not len(code):
        empty = np.zeros(0, dtype=np.int64)
        return _BlockTerms(np.zeros(len(keys), dtype=np.int64), empty, empty,
                           empty.astype(np.int32), np.zeros(0, dtype=np.float64), [])  # fmt: skip
    docs = np.concatenate(parts_doc)
    ranks = np.concatenate(parts_order)
    in_lead = np.concatenate(parts_lead)
    # distinct (term, key), each with its first place and its counts (what follows reads
    # each run of equal (term, key) by sums and minima: any sort will do); sorted by term
    # first, so the runs of equal terms are the block's distinct codes, sorted
    shift = max(len(keys) - 1, 1).bit_length()  # codes are below 2**44
    sort = np.argsort(code << shift | docs) if shift <= 19 else np.lexsort((docs, code))
    code, docs, ranks, in_lead = code[sort], docs[sort], ranks[sort], in_lead[sort]
    starts = np.flatnonzero(np.r_[True, (code[1:] != code[:-1]) | (docs[1:] != docs[:-1])])
    sizes = np.diff(np.r_[starts, len(code)])
    lead_count = np.add.reduceat(in_lead.astype(np.int64), starts)
    frequency = (sizes - lead_count) + options.lead_weight * lead_count
    code, docs, ranks = code[starts], docs[starts], np.minimum.reduceat(ranks, starts)
    # a key's terms by first place (places are distinct within a key)
    if int(ranks.max()) < (1 << 62) // (len(keys) + 1):
        rows = np.argsort(docs * (int(ranks.max()) + 1) + ranks)
    else:  # pragma: no cover - keys of tens of millions of characters
        rows = np.lexsort((ranks, docs))
    head = np.r_[True, code[1:] != code[:-1]]
    heads = np.flatnonzero(head)
    place = np.empty(len(rows), dtype=np.int64)  # each (term, key)'s place in key order
    place[rows] = np.arange(len(rows), dtype=np.int64)
    per_key = np.bincount(docs, minlength=len(keys)).astype(np.int64)
    return _BlockTerms(
        per_key,
        code[heads],
        np.minimum.reduceat(place, heads),
        (np.cumsum(head) - 1)[rows].astype(np.int32),  # fewer bytes back from a worker
        frequency[rows].astype(np.float64),
        list(long),
    )


def _counted_blocks(
    keys: Iterable[str], options: StoryOptions, workers: int
) -> Iterator[_BlockTerms]:
    """:func:`_block_terms` of each block of ``keys`` (:data:`ROW_BLOCK` keys, about
    :data:`TERM_BLOCK_CHARS` characters), in order; on ``workers`` processes when there
    are more than one (a few blocks in flight: the keys are read only as far ahead)."""
    blocks = _blocks(keys, ROW_BLOCK, TERM_BLOCK_CHARS, options.max_chars)
    if workers <= 1:
        yield from (_block_terms(block, options) for block in blocks)
        return
    count = functools.partial(_block_terms, options=options)
    with process_pool(workers) as pool:
        yield from imap_ordered(count, blocks, pool, window=workers + 1)


class _TermCodes:
    """The terms of :func:`key_terms` as integers, for many keys at once.

    A term of one character ``c`` is ``_ONE | c``, of two ``_TWO | c1 << 21 | c2``
    (so a character term, :data:`~.background.CHAR_PREFIX` + ``c``, is the two
    characters it is spelled with), a longer one (only a run starting with an ASCII
    character is) ``_LONG | n`` with ``n`` its number in ``long``: equal strings are
    equal codes.  Each distinct code gets an id in order of first sight (``codes``)."""

    def __init__(self) -> None:
        self.long: dict[str, int] = {}
        self.codes: list[IntArray] = []  # id -> code, by block
        self.sorted = np.zeros(0, dtype=np.int64)  # known codes sorted, and their ids
        self.sorted_ids = np.zeros(0, dtype=np.int64)
        self.count = 0

    def block(
        self, keys: list[str], options: StoryOptions
    ) -> tuple[IntArray, ColumnArray, FloatArray]:
        """Per key its number of distinct terms, then per (key, term) in the order of
        :func:`key_terms`: the term's id and its lead-weighted frequency."""
        return self.numbered(_block_terms(keys, options))

    def numbered(self, terms: _BlockTerms) -> tuple[IntArray, ColumnArray, FloatArray]:
        """:meth:`block` of a block counted by :func:`_block_terms` (the blocks are
        numbered in the order they are given, as :meth:`block` numbers them)."""
        ids = self._ids(self.codes_of(terms), terms.first, terms.inverse)
        return terms.per_key, ids, terms.frequencies

    def codes_of(self, terms: _BlockTerms) -> IntArray:
        """The block's distinct codes (``terms.distinct``) with its longer terms
        numbered in this vocabulary's ``long`` (each code once; the new longer ones
        ascending among themselves): the same code for the same term in every block."""
        distinct = terms.distinct
        if terms.long:  # the block's longer terms renumbered in this vocabulary's order
            numbers = np.asarray(
                [self.long.setdefault(term, len(self.long)) for term in terms.long],
                dtype=np.int64,
            )
            tail = int(np.searchsorted(distinct, _LONG))  # longer terms sort last
            # the new ones are numbered in the block's order: still ascending among
            # themselves, which is all _ids needs (known ones are only looked up)
            distinct = np.r_[distinct[:tail], _LONG | numbers[distinct[tail:] & (_ONE - 1)]]
        return distinct

    def _ids(self, distinct: IntArray, first: IntArray, inverse: ColumnArray) -> ColumnArray:
        """The id of each code ``distinct[inverse]`` (``distinct``: each code once, the
        new ones ascending; ``first``: the place each was first seen), new codes
        numbered in order of first sight."""
        at = np.minimum(np.searchsorted(self.sorted, distinct), max(len(self.sorted) - 1, 0))
        known = self.sorted[at] == distinct if len(self.sorted) else np.zeros(len(distinct), bool)
        ids = np.empty(len(distinct), dtype=np.int64)
        ids[known] = self.sorted_ids[at[known]]
        fresh = np.flatnonzero(~known)
        fresh = fresh[np.argsort(first[fresh], kind="stable")]
        ids[fresh] = self.count + np.arange(len(fresh))
        self.count += len(fresh)
        self.codes.append(distinct[fresh])
        # the new codes (ascending) merged into the known ones: no sort
        new = ~known
        at = np.searchsorted(self.sorted, distinct[new])
        self.sorted = np.insert(self.sorted, at, distinct[new])
        self.sorted_ids = np.insert(self.sorted_ids, at, ids[new])
        return ids[inverse].astype(np.int32)

    def vocabulary(self) -> tuple[TermVocabulary, ColumnArray]:
        """The terms sorted (:class:`TermVocabulary`, :func:`_vocabulary_order`), and
        each id's column."""
        codes = np.concatenate(self.codes) if self.codes else np.zeros(0, dtype=np.int64)
        spelled = list(self.long)
        order = _vocabulary_order(codes, _LongOrder.of(spelled))
        rank = np.empty(len(codes), dtype=np.int32)
        rank[order] = np.arange(len(codes), dtype=np.int32)
        return TermVocabulary(codes[order], spelled, _is_char(codes[order])), rank


@dataclass(frozen=True, eq=False)
class _LongOrder:
    """Per longer term of a :class:`_TermCodes` (by its number in ``long``) what puts
    it in the vocabulary's order: its first character, its second plus one, and its
    rank (from 1) among all the longer terms in string order."""

    first: IntArray
    second: IntArray
    later: IntArray

    @classmethod
    def of(cls, long: Sequence[str]) -> _LongOrder:
        first = np.fromiter((ord(t[0]) for t in long), dtype=np.int64, count=len(long))
        second = np.fromiter((ord(t[1]) + 1 for t in long), dtype=np.int64, count=len(long))
        later = np.zeros(len(long), dtype=np.int64)
        ranks = sorted(range(len(long)), key=long.__getitem__)
        later[np.asarray(ranks, dtype=np.int64)] = np.arange(1, len(long) + 1)
        return cls(first, second, later)


def _vocabulary_order(codes: IntArray, long: _LongOrder) -> IntArray:
    """The order of ``codes`` (:class:`_TermCodes`, distinct) in a vocabulary's columns:
    a term of one or two characters ``c1 [c2]`` sorts as ``(c1, c2 + 1)`` (``0`` for
    none: a prefix first), a longer one after the two-character term it starts with,
    in string order among its like.  A term's place among any set of codes is its
    place in the whole vocabulary's order restricted to that set."""
    tag, first, second, number = _code_parts(codes)
    later = np.zeros(len(codes), dtype=np.int64)
    longer = np.flatnonzero(tag == 3)
    if len(longer):
        numbers = number[longer]
        first[longer] = long.first[numbers]
        second[longer] = long.second[numbers]
        later[longer] = long.later[numbers]
    return np.asarray(np.lexsort((later, second, first)), dtype=np.int64)


def _is_char(codes: IntArray) -> npt.NDArray[np.bool_]:
    """Which ``codes`` are character terms (:data:`~.background.CHAR_PREFIX` + a
    character: a code of two characters, or one, starting with it)."""
    tag, first, _, _ = _code_parts(codes)
    return np.asarray((tag != 3) & (first == _CHAR_PREFIX_CODE))


def _spelled(codes: IntArray, long: Sequence[str]) -> list[str]:
    """The terms of ``codes`` (:class:`_TermCodes`, longer ones numbered in ``long``)."""
    tag, first, second, number = _code_parts(codes)
    pairs = np.zeros((len(codes), 2), dtype=np.uint32)
    pairs[:, 0] = first
    pairs[:, 1] = np.maximum(second - 1, 0)
    # numpy strings drop trailing NULs: a term ending with one is spelled in Python
    as_text = np.asarray(pairs.view("<U2").ravel().tolist(), dtype=object)
    nul = np.flatnonzero(((tag == 2) & (second == 1)) | ((tag == 1) & (first == 0)))
    as_text[nul] = [
        chr(c) + "\x00" * (t - 1)
        for c, t in zip(first[nul].tolist(), tag[nul].tolist(), strict=True)
    ]
    longer = np.flatnonzero(tag == 3)
    if len(longer):
        as_text[longer] = [long[n] for n in number[longer].tolist()]
    spelled: list[str] = as_text.tolist()
    return spelled


class TermVocabulary(Mapping[str, int]):
    """Term -> column of :class:`TermCounts`: the terms in column order, kept as the
    integer codes of :class:`_TermCodes` (8 bytes a term, where a dict of strings takes
    about 100) and spelled only when asked (:meth:`terms`, or as a mapping)."""

    def __init__(self, codes: IntArray, long: list[str], is_char: npt.NDArray[np.bool_]) -> None:
        self.codes = codes
        self.long = long
        self.is_char = is_char  # per column: a character term (CHAR_PREFIX + a character)
        self._columns: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.codes)

    def terms(self, start: int = 0, stop: int | None = None) -> list[str]:
        """The terms, spelled, in column order (columns ``start:stop``: all by default)."""
        return _spelled(self.codes[start:stop], self.long)

    def __iter__(self) -> Iterator[str]:
        return iter(self.terms())

    def items(self) -> ItemsView[str, int]:
        return ItemsView(self._mapping())

    def __getitem__(self, term: str) -> int:
        return self._mapping()[term]

    def _mapping(self) -> dict[str, int]:
        if self._columns is None:
            self._columns = {term: n for n, term in enumerate(self.terms())}
        return self._columns

    def __getstate__(self) -> tuple[IntArray, list[str], npt.NDArray[np.bool_]]:
        return self.codes, self.long, self.is_char

    def __setstate__(self, state: tuple[IntArray, list[str], npt.NDArray[np.bool_]]) -> None:
        self.codes, self.long, self.is_char = state
        self._columns = None


@dataclass(frozen=True, eq=False)
class TermCounts:
    """The term frequencies of many keys as sparse rows: ``vocabulary`` (term -> column),
    ``indptr`` / ``indices`` (``int32``) / ``frequencies`` in CSR layout."""

    vocabulary: TermVocabulary
    indptr: IntArray
    indices: ColumnArray
    frequencies: FloatArray

    @classmethod
    def of(
        cls, keys: Iterable[str], options: StoryOptions = DEFAULT, *, workers: int = 1
    ) -> TermCounts:
        """The rows of ``keys``: each row holds the terms of :func:`key_terms`, with its
        frequencies, in the same order; the columns are the terms in sorted order, so
        that a pair's dot product sums its terms in the same order whatever else was
        counted with it (a batch scores as its pairs alone).  Counted with numpy in
        blocks of :data:`ROW_BLOCK` keys (:class:`_TermCodes`), without a Python step
        per term occurrence; ``workers > 1`` counts the blocks on that many processes
        (the same rows)."""
        codes = _TermCodes()
        indptr = [np.zeros(1, dtype=np.int64)]
        ids: list[ColumnArray] = []
        frequencies: list[FloatArray] = []
        done = 0
        for terms in _counted_blocks(keys, options, workers):
            lengths, found, counts = codes.numbered(terms)
            ids.append(found)
            frequencies.append(counts)
            indptr.append(done + np.cumsum(lengths))
            done += int(lengths.sum())
        vocabulary, rank = codes.vocabulary()
        del codes  # its lookup tables (24 bytes a term): the vocabulary holds the terms
        # Into arrays of the final size, each block let go once copied: the pages of the
        # final arrays are only touched as they are filled, so memory never holds both.
        columns = np.empty(done, dtype=np.int32)
        values = np.empty(done, dtype=np.float64)
        at = 0
        for n in range(len(ids)):
            size = len(ids[n])
            columns[at : at + size] = rank[ids[n]]
            values[at : at + size] = frequencies[n]
            ids[n], frequencies[n] = np.zeros(0, dtype=np.int32), np.zeros(0)
            at += size
        return cls(vocabulary, np.concatenate(indptr), columns, values)

    @property
    def documents(self) -> int:
        return len(self.indptr) - 1

    def document_frequency(self) -> IntArray:
        return np.bincount(self.indices, minlength=len(self.vocabulary)).astype(np.int64)

    def background_probability(self) -> FloatArray:
        """Each column's background probability (:mod:`.background`)."""
        return _background_probability(self.vocabulary)

    def unit_rows(
        self, weights: FloatArray, options: StoryOptions = DEFAULT, *, in_place: bool = False
    ) -> Any:
        """The documents' unit vectors (module docstring) under the column ``weights``
        (``-ln p``), as a ``scipy.sparse.csr_matrix``: the one representation every
        score is a dot product of.  ``in_place``: the rows become the matrix (its values
        written over the frequencies, no second copy; these counts are spent)."""
        from scipy import sparse

        out = self.frequencies if in_place else np.empty(len(self.indices), dtype=np.float64)
        data = self._unit_data(weights, options, out)
        # sort_indices sorts the columns in place: in place, these rows are then the
        # matrix's (their frequencies are gone); else the matrix gets its own columns.
        columns = self.indices if in_place else self.indices.copy()
        matrix = sparse.csr_matrix(
            (data, columns, self.indptr), shape=(self.documents, len(self.vocabulary))
        )
        matrix.sort_indices()
        return matrix

    def _unit_data(
        self, weights: FloatArray, options: StoryOptions, data: FloatArray
    ) -> FloatArray:
        """The values of :meth:`unit_rows`, written to ``data`` (which may be
        ``self.frequencies``: each block of rows is read before it is written)."""
        size = self.documents
        is_char = self.vocabulary.is_char.astype(np.int64)
        indptr = self.indptr
        # In blocks of rows: each row's sums are the same, the temporaries a block's.
        for first in range(0, size, ROW_BLOCK):
            last = min(size, first + ROW_BLOCK)
            lo, hi = int(indptr[first]), int(indptr[last])
            data[lo:hi] = _unit_values(
                np.diff(indptr[first : last + 1]),
                self.indices[lo:hi],
                self.frequencies[lo:hi],
                weights,
                is_char,
                options,
            )
        return data


def _unit_values(
    lengths: IntArray,
    columns: ColumnArray,
    frequencies: FloatArray,
    weights: FloatArray,
    is_char: IntArray,
    options: StoryOptions,
) -> FloatArray:
    """The unit-vector values (:meth:`TermCounts.unit_rows`) of consecutive rows of
    ``lengths`` entries, their ``columns`` and ``frequencies`` given: each row's sums
    are its own, whatever rows are computed with it."""
    values = (1.0 + np.log(frequencies)) * weights[columns]
    rows = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    slot = 2 * rows + is_char[columns]  # (document, block): grams 0, characters 1
    block = 2 * len(lengths)
    squares = np.bincount(slot, weights=values * values, minlength=block)
    chars_present = np.bincount(slot, minlength=block)[1::2] > 0
    # A key with no character term (ASCII only) puts its whole score on the grams.
    gram_share = np.where(chars_present, 1.0 - options.char_share, 1.0)
    share = np.stack([gram_share, 1.0 - gram_share], axis=1).ravel()
    factor = np.zeros(block, dtype=np.float64)
    positive = squares > 0
    factor[positive] = np.sqrt(share[positive] / squares[positive])
    out: FloatArray = values * factor[slot]
    return out


SPELLED_TERMS = 1 << 16
"""Terms spelled at once by :func:`_background_probability` (as Python strings, some 100
bytes each, where the vocabulary keeps 8 bytes a term)."""


def _background_probability(vocabulary: TermVocabulary) -> FloatArray:
    """Each column's background probability (:mod:`.background`), spelled and looked up
    :data:`SPELLED_TERMS` columns at a time (a term's probability is its own)."""
    table = background()
    out = np.empty(len(vocabulary), dtype=np.float64)
    for first in range(0, len(vocabulary), SPELLED_TERMS):
        last = min(len(vocabulary), first + SPELLED_TERMS)
        out[first:last] = table.probabilities(vocabulary.terms(first, last))
    return out


def term_weights(
    df: IntArray, probability: FloatArray, documents: int, options: StoryOptions = DEFAULT
) -> FloatArray:
    """The weight ``-ln((df + m * p) / (N + m))`` of each term (:class:`StoryModel`),
    given its document frequency ``df`` in a corpus of ``documents`` and its background
    ``probability``: each term's alone, so a part of a vocabulary weighs as the whole."""
    prior = options.prior_documents
    expected = prior * probability
    weights: FloatArray = -np.log((df + expected) / (documents + prior))
    return weights


def indexable(df: IntArray, is_char: npt.NDArray[np.bool_], options: StoryOptions) -> Any:
    """Which terms a document may be indexed under (:meth:`StoryModel.candidates`): the
    grams in 2 to ``max_postings`` documents."""
    return (df >= 2) & (df <= options.max_postings) & ~is_char


def _term_order_key(term: str) -> tuple[int, int, bool, str]:
    return (ord(term[0]), ord(term[1]) + 1 if len(term) > 1 else 0, len(term) > 2, term)


def vocabulary_order(terms: Sequence[str]) -> IntArray:
    """Each of ``terms`` (non-empty, repeats allowed) numbered by its place among the
    distinct ones in the column order of a :class:`TermVocabulary` (the order of
    :meth:`_TermCodes.vocabulary`): rows whose columns are numbered so sum their
    products in the order the corpus's matrix does, whatever other terms it holds."""
    distinct = sorted(set(terms), key=_term_order_key)
    place = {term: n for n, term in enumerate(distinct)}
    return np.fromiter((place[t] for t in terms), dtype=np.int64, count=len(terms))


def unit_rows_of_terms(
    lengths: IntArray,
    terms: Sequence[str],
    frequencies: FloatArray,
    df: IntArray,
    documents: int,
    options: StoryOptions = DEFAULT,
) -> tuple[IntArray, FloatArray, npt.NDArray[np.bool_]]:
    """The rows :meth:`StoryVectors.fit` makes for consecutive documents of ``lengths``
    terms, given per term (in each document in the order of :func:`key_terms`) its
    lead-weighted frequency and its document frequency in a corpus of ``documents``:
    the entries' positions with each row in column order (:func:`vocabulary_order`),
    and per entry its unit value and whether it may be indexed (:func:`indexable`).  A
    row depends on nothing but its own terms and their statistics."""
    is_char = np.fromiter((t[0] == CHAR_PREFIX for t in terms), dtype=np.bool_, count=len(terms))
    weights = term_weights(df, background().probabilities(terms), documents, options)
    entries = np.arange(len(terms), dtype=np.int32)  # each entry its own column
    values = _unit_values(lengths, entries, frequencies, weights, is_char.astype(np.int64), options)
    rows = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    order = np.lexsort((vocabulary_order(terms), rows)).astype(np.int64)
    return order, values, indexable(df, is_char, options)


def indexed_positions(
    rows: IntArray, values: FloatArray, usable: npt.NDArray[np.bool_], limit: int
) -> IntArray:
    """The entries each document is indexed under (:meth:`StoryModel.candidates`), its
    entries given in column order: its ``limit`` ``usable`` ones of highest value (ties:
    the first column), by row, then by value, highest first."""
    kept = np.flatnonzero(usable)
    return np.asarray(kept[_top_per_row(rows[kept], values[kept], limit)], dtype=np.int64)


def pair_scores(matrix: Any, left: IntArray, right: IntArray) -> FloatArray:
    """The scores of rows ``left[n]`` and ``right[n]`` of :meth:`TermCounts.unit_rows`:
    their dot product, in ``[0, 1]``; a non-empty row with itself scores exactly 1.

    Each distinct left row is spread once into a dense vector, and the right rows paired
    with it are read against it, summed in column order (what a sparse product does):
    memory is one vocabulary-sized vector plus the right rows of one left row, never a
    copy of every row of every pair."""
    out = np.zeros(len(left), dtype=np.float64)
    if not len(left):
        return out
    indptr = np.asarray(matrix.indptr, dtype=np.int64)
    indices, data = matrix.indices, matrix.data
    dense = np.zeros(matrix.shape[1], dtype=np.float64)
    order = np.argsort(left, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(left[order]) != 0])
    for at, end in zip(starts, np.r_[starts[1:], len(order)], strict=True):
        i = int(left[order[at]])
        own = slice(indptr[i], indptr[i + 1])
        dense[indices[own]] = data[own]
        positions = order[at:end]
        rows = right[positions]
        lengths = indptr[rows + 1] - indptr[rows]
        filled = lengths > 0
        if filled.any():
            first = indptr[rows[filled]]
            size = lengths[filled]
            offsets = np.repeat(first - np.r_[0, np.cumsum(size)[:-1]], size)
            picked = np.arange(int(size.sum()), dtype=np.int64) + offsets
            products = dense[indices[picked]] * data[picked]
            out[positions[filled]] = np.add.reduceat(products, np.r_[0, np.cumsum(size)[:-1]])
        dense[indices[own]] = 0.0
    out = np.clip(out, 0.0, 1.0)
    out[out > 1.0 - 1e-9] = 1.0  # a unit vector with itself, up to rounding
    return out


SPILL_ENTRIES = 1 << 20
"""Entries of a spilled matrix read at once (about 80 bytes of temporaries each) when its
columns are renumbered and counted and its unit rows made."""
SCORE_PAIRS = 1 << 10
"""Pairs of a spilled matrix scored at once: the rows they name (at most two per pair,
about 12 bytes an entry) are read into memory for them and let go after."""


@dataclass(frozen=True, eq=False)
class _Rows:
    """CSR rows as :func:`pair_scores` reads them (``indptr``, ``indices``, ``data``)."""

    indptr: IntArray
    indices: ColumnArray
    data: FloatArray
    shape: tuple[int, int]


@dataclass(frozen=True, eq=False)
class SpilledRows:
    """The rows of a :class:`StoryVectors` matrix kept in two files of a spill directory
    (``indices`` as ``int32``, ``data`` as ``float64``, CSR layout, each row's columns
    sorted but for ``single_column``), only ``indptr`` in memory: the same rows as the in-memory
    ``scipy.sparse.csr_matrix``, read a block of entries at a time (:meth:`block`) or
    the rows of a bounded number of pairs (:meth:`rows`, :meth:`scores`), so a process
    holds what it reads, not the matrix.

    ``single_column``: a column that stands for every term in one document only
    (:func:`_spilled_fit`; None: no such column).  A row may hold it several times, in
    the places its terms have in the vocabulary's order; its products with another row
    are zero, as those of the terms it stands for are, and :meth:`scores` makes them so
    (a row with itself multiplies each entry by itself)."""

    indptr: IntArray
    indices_path: str
    data_path: str
    shape: tuple[int, int]
    single_column: int | None = None

    def block(self, lo: int, hi: int) -> tuple[ColumnArray, FloatArray]:
        """Entries ``lo:hi`` (their columns and values), read into memory."""
        return (
            _read(self.indices_path, np.int32, lo, hi - lo),
            _read(self.data_path, np.float64, lo, hi - lo),
        )

    def rows(self, wanted: IntArray) -> _Rows:
        """Rows ``wanted`` (in any order, repeats allowed) read into memory, as the
        consecutive rows of a small CSR matrix (row ``n`` is ``wanted[n]``).  Read with plain reads,
        not a mapping: a mapped page cache hands a process whole large folios (up to
        2 MiB on ext4 here) for each row it touches, so scoring 1,024 pairs held most of
        the files in every worker (2.5 GiB at 200k articles)."""
        first = self.indptr[wanted]
        sizes = self.indptr[wanted + 1] - first
        indptr = np.zeros(len(wanted) + 1, dtype=np.int64)
        np.cumsum(sizes, out=indptr[1:])
        indices = np.empty(int(indptr[-1]), dtype=np.int32)
        data = np.empty(int(indptr[-1]), dtype=np.float64)
        # runs of consecutive rows are consecutive in the files: one read per run
        run = np.flatnonzero(np.r_[True, np.diff(wanted) != 1]) if len(wanted) else wanted
        run_end = np.r_[run[1:], len(wanted)] if len(wanted) else wanted
        starts, ends, at = indptr[run].tolist(), indptr[run_end].tolist(), first[run].tolist()
        id_bytes, value_bytes = indices.view(np.uint8).data, data.view(np.uint8).data
        with open(self.indices_path, "rb") as ids, open(self.data_path, "rb") as values:
            read_ids, read_values = _reader(ids), _reader(values)
            got = 0
            for lo, hi, place in zip(starts, ends, at, strict=True):
                got += read_ids(id_bytes[4 * lo : 4 * hi], 4 * place)
                got += read_values(value_bytes[8 * lo : 8 * hi], 8 * place)
        if got != 12 * len(indices):
            raise OSError(f"{self.data_path}: the spilled rows are shorter than their index")
        return _Rows(indptr, indices, data, (len(wanted), self.shape[1]))

    def scores(self, left: IntArray, right: IntArray) -> FloatArray:
        """:func:`pair_scores` of each pair, :data:`SCORE_PAIRS` pairs at a time with
        the rows they name read in (a pair's score does not depend on the pairs scored
        with it, nor on which rows are in memory)."""
        out = np.zeros(len(left), dtype=np.float64)
        dense = np.zeros(self.shape[1], dtype=np.float64)  # one for all batches
        for first in range(0, len(left), SCORE_PAIRS):
            last = min(len(left), first + SCORE_PAIRS)
            out[first:last] = self._batch_scores(left[first:last], right[first:last], dense)
        out = np.clip(out, 0.0, 1.0)
        out[out > 1.0 - 1e-9] = 1.0  # as pair_scores
        return out

    def _batch_scores(self, left: IntArray, right: IntArray, dense: FloatArray) -> FloatArray:
        """The dot products of one batch of pairs, as :func:`pair_scores` sums them
        (the same products, summed by the same ``np.add.reduceat`` segments): each
        distinct left row read once and spread into ``dense`` (all zeros, and left so),
        the right rows read in the order the pairs are scored, a row once per pair, so
        a left row's pairs are one slice of entries."""
        out = np.zeros(len(left), dtype=np.float64)
        order = np.argsort(left, kind="stable")
        grouped = left[order]
        heads = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
        own = self.rows(grouped[heads])
        paired = self.rows(right[order])
        ends = np.r_[heads[1:], len(order)]
        indptr = paired.indptr
        filled = np.diff(indptr) > 0
        single = self.single_column
        for group, (at, end) in enumerate(zip(heads.tolist(), ends.tolist(), strict=True)):
            columns = own.indices[own.indptr[group] : own.indptr[group + 1]]
            dense[columns] = own.data[own.indptr[group] : own.indptr[group + 1]]
            if single is not None:  # terms in one document: no product with another
                dense[single] = 0.0
            lo, hi = int(indptr[at]), int(indptr[end])
            if hi > lo:
                products = np.take(dense, paired.indices[lo:hi]) * paired.data[lo:hi]
                if single is not None:  # ... but with itself, as pair_scores does
                    sizes = np.diff(indptr[at : end + 1])
                    itself = np.repeat(right[order[at:end]] == grouped[at], sizes)
                    squared = paired.data[lo:hi][itself]
                    products[itself] = squared * squared
                pairs = np.flatnonzero(filled[at:end]) + at
                out[order[pairs]] = np.add.reduceat(products, indptr[pairs] - lo)
            dense[columns] = 0.0
        return out


def _reader(handle: Any) -> Any:
    """``read(buffer, offset)``: fill ``buffer`` from byte ``offset`` of the open file
    ``handle`` and give the bytes read (fewer only at the end of the file): one
    ``preadv`` call where there is one."""
    preadv = getattr(os, "preadv", None)
    if preadv is not None:
        fd = handle.fileno()
        return lambda buffer, offset: preadv(fd, [buffer], offset)

    def read(buffer: memoryview, offset: int) -> int:  # pragma: no cover - no preadv
        handle.seek(offset)
        done = 0
        while done < len(buffer):
            got = handle.readinto(buffer[done:])
            if not got:
                break
            done += got
        return done

    return read


def _read(path: str, dtype: Any, first: int, count: int) -> Any:
    """``count`` items of ``dtype`` from item ``first`` of the file ``path``."""
    size = np.dtype(dtype).itemsize
    with open(path, "rb") as handle:
        handle.seek(first * size)
        return np.fromfile(handle, dtype=dtype, count=count)


@dataclass(frozen=True, eq=False)
class _UnitRows:
    """The last step of :func:`_spilled_fit` for one span of rows: each entry's term
    code (in ``codes_path``) becomes its column, its frequency (in ``data_path``) its
    unit value (:func:`_unit_values`), each row sorted in the vocabulary's order, written
    to ``indices_path`` and over the frequencies.  A term of the vocabulary (in two
    documents or more: ``shared``, sorted, with its ``columns`` and ``weights``) gets
    its column; a term in one document only gets ``single_column`` and its weight is
    made here from its own statistics (``df = 1``).  Spans are disjoint, so any process
    may do any span."""

    codes_path: str
    indices_path: str
    data_path: str
    offsets: IntArray
    shared: IntArray
    columns: ColumnArray
    weights: FloatArray
    single_column: int
    long: list[str]
    long_order: _LongOrder
    options: StoryOptions

    def __call__(self, span: tuple[int, int]) -> None:
        first, last = span
        offsets = self.offsets
        lo, hi = int(offsets[first]), int(offsets[last])
        lengths = np.diff(offsets[first : last + 1])
        terms, inverse = np.unique(
            _read(self.codes_path, np.int64, lo, hi - lo), return_inverse=True
        )
        entry_term: ColumnArray = inverse.ravel().astype(np.int32)  # each entry's term
        del inverse  # the temporaries below are those of _unit_values, as for any span
        at = np.minimum(np.searchsorted(self.shared, terms), max(len(self.shared) - 1, 0))
        known = self.shared[at] == terms if len(self.shared) else np.zeros(len(terms), bool)
        column = np.full(len(terms), self.single_column, dtype=np.int32)
        column[known] = self.columns[at[known]]
        weight = np.empty(len(terms), dtype=np.float64)
        weight[known] = self.weights[column[known]]
        single = np.flatnonzero(~known)
        if len(single):
            probability = background().probabilities(_spelled(terms[single], self.long))
            documents = len(offsets) - 1
            once = np.ones(len(single), dtype=np.int64)
            weight[single] = term_weights(once, probability, documents, self.options)
        place = np.empty(len(terms), dtype=np.int64)  # each term's place in column order
        place[_vocabulary_order(terms, self.long_order)] = np.arange(len(terms))
        with open(self.data_path, "r+b") as values:
            values.seek(8 * lo)
            frequencies = np.fromfile(values, dtype=np.float64, count=hi - lo)
            is_char = _is_char(terms).astype(np.int64)
            unit = _unit_values(lengths, entry_term, frequencies, weight, is_char, self.options)
            rows = np.repeat(np.arange(last - first, dtype=np.int64), lengths)
            order = np.argsort(rows << 32 | place[entry_term])  # a row's terms are distinct
            values.seek(8 * lo)
            unit[order].tofile(values)
        with open(self.indices_path, "r+b") as ids_file:
            ids_file.seek(4 * lo)
            column[entry_term[order]].tofile(ids_file)


TALLY_RECORDS = 1 << 21
"""(term code, count) records of :class:`_DocumentFrequencies` summed at once (16 bytes
each, 32 MiB, and their sort)."""
_MIX = np.uint64(0x9E3779B97F4A7C15)  # an odd multiplier: codes spread over the parts


class _DocumentFrequencies:
    """Each term code's number of documents, counted outside memory: each block's
    distinct codes and their documents are appended to a file of the spill directory
    (:meth:`add`); :meth:`in_two_or_more` then splits it by a hash of the code into
    parts of about :data:`TALLY_RECORDS` records, each summed alone, and keeps the
    codes of two documents or more.  Memory: a part, and the codes kept."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.path = _spill_file(directory, "story-tally-")
        self.records = 0

    def add(self, codes: IntArray, documents: IntArray) -> None:
        """A block's distinct ``codes`` and the number of its documents holding each."""
        with open(self.path, "ab") as tally:
            np.stack([codes, documents], axis=1).astype(np.int64).tofile(tally)
        self.records += len(codes)

    def in_two_or_more(self) -> tuple[IntArray, IntArray, int]:
        """The codes in two documents or more (sorted) and their document frequencies,
        and how many codes there are in all; the files are removed."""
        parts = 1 << max(0, -(-self.records // TALLY_RECORDS) - 1).bit_length()
        paths = [self.path] if parts == 1 else self._split(parts)
        kept_codes: list[IntArray] = [np.zeros(0, dtype=np.int64)]
        kept_counts: list[IntArray] = [np.zeros(0, dtype=np.int64)]
        distinct = 0
        for path in paths:
            records = np.fromfile(path, dtype=np.int64).reshape(-1, 2)
            os.unlink(path)
            order = np.argsort(records[:, 0], kind="stable")
            codes, counts = records[order, 0], records[order, 1]
            del records, order
            heads = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else codes
            sums = np.add.reduceat(counts, heads) if len(heads) else counts
            distinct += len(heads)
            two = sums >= 2
            kept_codes.append(codes[heads][two])
            kept_counts.append(sums[two])
        codes, counts = np.concatenate(kept_codes), np.concatenate(kept_counts)
        order = np.argsort(codes)
        return codes[order], counts[order], distinct

    def _split(self, parts: int) -> list[str]:
        """The tally file split into ``parts`` files by a hash of the code (a code's
        records all in one), read :data:`TALLY_RECORDS` records at a time; removed."""
        paths = [_spill_file(self.directory, "story-tally-part-") for _ in range(parts)]
        shift = np.uint64(64 - (parts.bit_length() - 1))
        with open(self.path, "rb") as tally:
            while True:
                records = np.fromfile(tally, dtype=np.int64, count=2 * TALLY_RECORDS)
                if not len(records):
                    break
                records = records.reshape(-1, 2)
                part = ((records[:, 0].astype(np.uint64) * _MIX) >> shift).astype(np.int64)
                _append_by_part(records, part, paths)
        os.unlink(self.path)
        return paths


def _append_by_part(records: Any, part: IntArray, paths: Sequence[str]) -> None:
    """Each of ``records`` appended to the file ``paths[part]`` of its part, the records
    of a part in their order here."""
    order = np.argsort(part, kind="stable")
    cuts = np.searchsorted(part[order], np.arange(len(paths) + 1))
    records = records[order]
    for n in np.flatnonzero(np.diff(cuts)).tolist():
        with open(paths[n], "ab") as out:
            records[cuts[n] : cuts[n + 1]].tofile(out)


def _entry_spans(indptr: IntArray) -> list[tuple[int, int]]:
    """Consecutive spans of the rows of ``indptr`` (CSR) of about :data:`SPILL_ENTRIES`
    entries and :data:`ROW_BLOCK` rows at most (one row at least): what a process
    reads, and makes temporaries for, at once when it works a span."""
    documents = len(indptr) - 1
    spans: list[tuple[int, int]] = []
    first = 0
    while first < documents:
        last = int(np.searchsorted(indptr, indptr[first] + SPILL_ENTRIES, side="right"))
        last = min(max(last - 1, first + 1), first + ROW_BLOCK, documents)
        spans.append((first, last))
        first = last
    return spans


def _spill_file(directory: str, prefix: str) -> str:
    """The path of a new empty file in ``directory``, its name starting with ``prefix``."""
    handle, path = tempfile.mkstemp(prefix=prefix, dir=directory)
    os.close(handle)
    return path


def _spilled_fit(
    keys: Iterable[str], options: StoryOptions, directory: str, workers: int = 1
) -> tuple[TermVocabulary, FloatArray, IntArray, SpilledRows]:
    """:meth:`StoryVectors.fit` with the rows in files of ``directory``, and a
    vocabulary of the terms in two documents or more only: each block's term codes
    and frequencies are appended to files as they are counted, the document
    frequencies counted outside memory (:class:`_DocumentFrequencies`); the terms in
    two documents or more get the columns of the in-memory fit's vocabulary
    restricted to them, a term in one document only the one column after them (each
    such entry stays in its place in its row: it cannot make a pair, but it counts in
    the row's norm and a row's sum is summed in order), then the values are turned
    into unit vectors with each row in column order, one span at a time (on
    ``workers``).  The rows' values, and every score and candidate, are those of the
    in-memory fit; its vocabulary, weights and document frequencies restricted to
    the terms in two documents or more are this one's."""
    codes_path = _spill_file(directory, "story-codes-")
    indices_path = _spill_file(directory, "story-columns-")
    data_path = _spill_file(directory, "story-values-")
    numbering = _TermCodes()  # only its numbering of the longer terms
    frequencies = _DocumentFrequencies(directory)
    indptr = [np.zeros(1, dtype=np.int64)]
    done = 0
    with open(codes_path, "wb") as codes_file, open(data_path, "wb") as values_file:
        for terms in _counted_blocks(keys, options, workers):
            distinct = numbering.codes_of(terms)
            distinct[terms.inverse].tofile(codes_file)
            terms.frequencies.tofile(values_file)
            frequencies.add(distinct, np.bincount(terms.inverse, minlength=len(distinct)))
            indptr.append(done + np.cumsum(terms.per_key))
            done += int(terms.per_key.sum())
    long = list(numbering.long)
    del numbering  # its dictionary of the longer terms: the list spells them
    offsets = np.concatenate(indptr)
    documents = len(offsets) - 1
    shared, df_by_code, distinct_terms = frequencies.in_two_or_more()
    long_order = _LongOrder.of(long)
    order = _vocabulary_order(shared, long_order)
    columns = np.empty(len(shared), dtype=np.int32)
    columns[order] = np.arange(len(shared), dtype=np.int32)
    vocabulary = _restricted_vocabulary(shared[order], long)
    df = df_by_code[order]
    weights = term_weights(df, _background_probability(vocabulary), documents, options)
    single = distinct_terms > len(shared)  # some term is in one document only
    with open(indices_path, "wb") as ids_file:
        ids_file.truncate(4 * done)
    unit = _UnitRows(
        codes_path, indices_path, data_path, offsets, shared, columns, weights,
        len(shared), long, long_order, options,
    )  # fmt: skip
    _spans_on_workers(unit, _entry_spans(offsets), workers)
    os.unlink(codes_path)
    shape = (documents, len(shared) + int(single))
    single_column = len(shared) if single else None
    spilled = SpilledRows(offsets, indices_path, data_path, shape, single_column)
    return vocabulary, weights, df, spilled


def _restricted_vocabulary(codes: IntArray, long: list[str]) -> TermVocabulary:
    """The :class:`TermVocabulary` of ``codes`` (in column order, longer terms numbered
    in ``long``), its longer terms renumbered to a ``long`` of their own."""
    codes = codes.copy()
    tag, _, _, number = _code_parts(codes)
    longer = np.flatnonzero(tag == 3)
    kept = [long[n] for n in number[longer].tolist()]
    codes[longer] = _LONG | np.arange(len(longer), dtype=np.int64)
    return TermVocabulary(codes, kept, _is_char(codes))


def story_similarity(
    a: str, b: str, options: StoryOptions | None = None, **overrides: Any
) -> float:
    """How surely ``a`` and ``b`` report the same event, in ``[0, 1]`` (module
    docstring): titles or whole articles, in either script, damaged or not.  Weights
    come from :func:`.background.background` (jieba's dictionary, extra ``words``;
    uniform without it).

    >>> story_similarity("颱風海葵登陸花蓮", "颱風海葵登陸花蓮")
    1.0
    >>> story_similarity("台风海葵今晨登陆花莲 全台停班停课", "颱風海葵今晨登陸花蓮，全臺停班停課")
    1.0
    >>> story_similarity("台风海葵今晨登陆花莲", "股市今日收盘上涨120点") < 0.1
    True
    """
    return story_similarity_batch([(a, b)], options, **overrides)[0]


def story_similarity_batch(
    pairs: Iterable[tuple[str, str]], options: StoryOptions | None = None, **overrides: Any
) -> list[float]:
    """:func:`story_similarity` of each pair, in order (every text keyed in one batch)."""
    resolved = resolve_story_options(options, **overrides)
    items = list(pairs)
    for n, pair in enumerate(items):
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            raise TypeError(f"pair {n}: expected a pair of str, got {type(pair).__name__}")
        for text in pair:
            if not isinstance(text, str):
                raise TypeError(f"pair {n}: expected str, not {type(text).__name__}")
    if not items:
        return []
    keys = match_keys([text for pair in items for text in pair], resolved.key)
    row: dict[str, int] = {}
    rows = np.fromiter((row.setdefault(key, len(row)) for key in keys), dtype=np.int64)
    counts = TermCounts.of(row, resolved)
    matrix = counts.unit_rows(-np.log(counts.background_probability()), resolved)
    scores: list[float] = pair_scores(matrix, rows[0::2], rows[1::2]).tolist()
    return scores


@dataclass(frozen=True, eq=False)
class StoryVectors:
    """One view of a corpus (texts, or titles): its ``vocabulary`` (term -> column), the
    fitted column ``weights`` and ``document_frequency``, and ``matrix``, a
    ``scipy.sparse.csr_matrix`` with the unit vector of each document as a row."""

    vocabulary: TermVocabulary
    weights: FloatArray
    document_frequency: IntArray
    matrix: Any

    @classmethod
    def fit(
        cls,
        keys: Iterable[str],
        options: StoryOptions = DEFAULT,
        *,
        spill: str | None = None,
        workers: int = 1,
    ) -> StoryVectors:
        """Weigh each term ``-ln((df + m * p) / (N + m))`` (:class:`StoryModel`).

        ``spill``: a directory where the rows are kept (``matrix`` is then a
        :class:`SpilledRows`, the same rows on disk; the files live as long as the
        directory): memory holds one block of rows at a time, not the matrix, and
        per term only the terms in two documents or more (``vocabulary``, ``weights``
        and ``document_frequency`` are theirs; the terms in one document only share
        one column after them, :attr:`SpilledRows.single_column`): the same values,
        scores and candidates (:func:`_spilled_fit`).
        ``workers > 1``: the terms are counted on that many processes (the same fit)."""
        if spill is not None:
            return cls(*_spilled_fit(keys, options, spill, workers))
        counts = TermCounts.of(keys, options, workers=workers)
        df = counts.document_frequency()
        weights = term_weights(df, counts.background_probability(), counts.documents, options)
        return cls(
            counts.vocabulary, weights, df, counts.unit_rows(weights, options, in_place=True)
        )

    def scores(self, left: IntArray, right: IntArray) -> FloatArray:
        if isinstance(self.matrix, SpilledRows):
            return self.matrix.scores(left, right)
        return pair_scores(self.matrix, left, right)

    def indexable_columns(self, options: StoryOptions) -> npt.NDArray[np.bool_]:
        """Per column of ``matrix`` whether a document may be indexed under it
        (:func:`indexable`; never the column of the terms in one document only)."""
        usable = np.zeros(self.matrix.shape[1], dtype=np.bool_)
        usable[: len(self.vocabulary)] = indexable(
            self.document_frequency, self.vocabulary.is_char, options
        )
        return usable

    def present(self) -> npt.NDArray[np.bool_]:
        """Which documents have a term."""
        return np.asarray(np.diff(self.matrix.indptr) > 0)


class StoryModel:
    """Story similarity with weights fitted on the corpus being processed.

    ``StoryModel.fit(texts, titles)`` keys every document (a title, when given, is put
    before its text, so it is in the lead), counts each term's document frequency
    ``df`` and weighs it ``-ln((df + m * p) / (N + m))``, ``p`` its background
    probability and ``m`` the option ``prior_documents``: the week's generic words and
    each outlet's furniture (in many documents) weigh little, a name or a number few
    documents share weighs much; in a small corpus the background weights prevail.
    Documents are then the same unit vectors as in :func:`story_similarity`
    (:meth:`TermCounts.unit_rows`), kept as one sparse matrix (``model.texts``), so
    ``model.similarity(i, j)`` has the same scale and meaning: :func:`story_similarity`
    is this model on an empty corpus.

    With titles, the titles alone are a second view (``model.titles``, fitted on the
    titles): a title is the outlet's one-line statement of the event, where the body
    also tells background that articles on one topic share.  Two documents that both
    have a title score ``(1 - title_share) * texts + title_share * titles``; the others
    score their texts (title included).

    :meth:`candidates` finds the pairs worth scoring without comparing all pairs.
    The model pickles (numpy / scipy arrays and vocabularies).
    """

    def __init__(
        self, texts: StoryVectors, titles: StoryVectors | None, options: StoryOptions
    ) -> None:
        self.texts = texts
        self.titles = titles
        self.options = options
        self._titled = titles.present() if titles is not None else None

    @property
    def matrix(self) -> Any:
        """The unit vectors of the texts (titles first), a row per document (a
        :class:`SpilledRows` when fitted with ``spill``)."""
        return self.texts.matrix

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        titles: Sequence[str | None] | None = None,
        options: StoryOptions | None = None,
        **overrides: Any,
    ) -> StoryModel:
        """Key ``texts`` (with their ``titles`` first, when given) and fit the model."""
        resolved = resolve_story_options(options, **overrides)
        if titles is not None and len(titles) != len(texts):
            raise ValueError(f"{len(titles)} titles for {len(texts)} texts")
        for n, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"text {n}: expected str, not {type(text).__name__}")
        if titles is None:
            return cls.from_keys(match_keys(texts, resolved.key), options=resolved)
        named: list[str] = []
        for n, title in enumerate(titles):
            if title is not None and not isinstance(title, str):
                raise TypeError(f"title {n}: expected str or None, not {type(title).__name__}")
            named.append(title or "")
        joined = [
            f"{title}\n{text}" if title else text for title, text in zip(named, texts, strict=True)
        ]
        keys = match_keys(joined + named, resolved.key)
        return cls.from_keys(keys[: len(texts)], keys[len(texts) :], resolved)

    @classmethod
    def from_keys(
        cls,
        keys: Sequence[str],
        title_keys: Sequence[str] | None = None,
        options: StoryOptions | None = None,
        *,
        spill: str | None = None,
        workers: int = 1,
        **overrides: Any,
    ) -> StoryModel:
        """Fit on matching keys already made (:func:`zhnorm.match_key` with
        ``options.key``): ``keys`` of the texts with their title first when there is
        one, ``title_keys`` of the titles alone (``""`` for none).  ``spill``: a
        directory for the rows (:meth:`StoryVectors.fit`; the same scores and
        candidates, the matrix on disk while the directory lives).  ``workers > 1``:
        the fit's counting on that many processes (the same model)."""
        resolved = resolve_story_options(options, **overrides)
        if title_keys is not None and len(title_keys) != len(keys):
            raise ValueError(f"{len(title_keys)} title keys for {len(keys)} keys")
        texts = StoryVectors.fit(keys, resolved, spill=spill, workers=workers)
        titles = (
            None
            if title_keys is None
            else StoryVectors.fit(title_keys, resolved, spill=spill, workers=workers)
        )
        return cls(texts, titles, resolved)

    def __len__(self) -> int:
        return int(self.texts.matrix.shape[0])

    def _check(self, i: int) -> int:
        if not -len(self) <= i < len(self):
            raise IndexError(f"document {i} outside 0:{len(self)}")
        return i % len(self)

    def similarity(self, i: int, j: int) -> float:
        """The story similarity of documents ``i`` and ``j`` (as :func:`story_similarity`,
        with the corpus weights; with titles as the class docstring says)."""
        i, j = self._check(i), self._check(j)
        return float(self.similarities([(i, j)])[0])

    def similarities(self, pairs: Sequence[tuple[int, int]] | npt.ArrayLike) -> FloatArray:
        """:meth:`similarity` of each pair of document indices, as one array."""
        index = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        if index.size and (index.min() < 0 or index.max() >= len(self)):
            raise IndexError(f"a document index is outside 0:{len(self)}")
        left, right = index[:, 0], index[:, 1]
        scores = self.texts.scores(left, right)
        share = self.options.title_share
        if self.titles is None or self._titled is None or share == 0.0:
            return scores
        both = self._titled[left] & self._titled[right]
        titled = self.titles.scores(left[both], right[both]) if both.any() else None
        return with_titles(scores, both, titled, share)

    def candidates(
        self, min_score: float = 0.2, k: int = 10, *, workers: int = 1
    ) -> list[tuple[int, int, float]]:
        """Pairs ``(i, j, score)`` (``i < j``) with ``score >= min_score`` among each
        document's ``k`` best partners, found without comparing all pairs.

        Each document is indexed under its ``index_terms`` gram terms of highest
        weight that occur in 2 to ``max_postings`` documents; two documents sharing an
        indexed term are a candidate, ranked by the dot product over the indexed terms;
        each document's ``4 * k`` best candidates are scored exactly.  The cost is the
        sum over indexed terms of ``min(df, max_postings)**2`` (a sparse product in
        blocks of rows) plus ``4 * k`` exact scores per document: linear in the number of
        documents when the terms' document frequencies stay bounded.  Sorted by score,
        highest first.  ``workers > 1`` scores the blocks of rows on forked processes
        (the model is inherited, not sent); the result is the same for any ``workers``.

        Each document's search is its own (:func:`nearest_by_index`, then
        :func:`best_partners`): its row, its indexed terms and their postings decide
        it, so ``zhnorm.spark.reuse`` runs the same steps on the executors, and a
        model fitted with ``spill`` keeps the index and its postings in files of the
        spill directory (:class:`_SpilledIndex`; removed after), each block of rows
        reading its own rows and their terms' postings: memory grows with neither.
        """
        if not 0 <= min_score <= 1:
            raise ValueError(f"min_score must be in [0, 1], not {min_score}")
        if k < 1:
            raise ValueError(f"k must be >= 1, not {k}")
        matrix = self.texts.matrix
        index: _MemoryIndex | _SpilledIndex
        if isinstance(matrix, SpilledRows):  # the index and its postings on disk too
            index = self._spilled_index(os.path.dirname(matrix.indices_path), workers)
        else:
            index = _MemoryIndex.of(self._index_matrix(workers))
        blocks = _row_blocks(index.products_per_row(), PRODUCTS_PER_BLOCK, 2048)
        try:
            found = _spans_on_workers(_CandidateSearch(self, index, min_score, k), blocks, workers)
        finally:
            index.close()
        left = np.concatenate([f[0] for f in found]) if found else np.zeros(0, dtype=np.int64)
        right = np.concatenate([f[1] for f in found]) if found else np.zeros(0, dtype=np.int64)
        scores = np.concatenate([f[2] for f in found]) if found else np.zeros(0)
        low, high = np.minimum(left, right), np.maximum(left, right)
        pairs, first = np.unique(np.stack([low, high], axis=1), axis=0, return_index=True)
        order = np.lexsort((pairs[:, 1], pairs[:, 0], -scores[first]))
        return [
            (int(pairs[n, 0]), int(pairs[n, 1]), float(scores[first[n]])) for n in order.tolist()
        ]

    def _indexed_spans(self, workers: int) -> Iterator[tuple[IntArray, ColumnArray, FloatArray]]:
        """Each span's rows of :meth:`_index_matrix` (:class:`_IndexedTerms`), in order,
        chosen on ``workers`` processes."""
        usable = self.texts.indexable_columns(self.options)
        matrix = self.texts.matrix
        indptr = np.asarray(matrix.indptr, dtype=np.int64)
        spans = _entry_spans(indptr)  # a span's temporaries are some 100 bytes an entry
        select = _IndexedTerms(matrix, indptr, usable, self.options.index_terms)
        return _spans_in_order(select, spans, workers)

    def _index_matrix(self, workers: int = 1) -> Any:
        """The documents' rows restricted to their indexed gram terms (see
        :meth:`candidates`), chosen in blocks of rows (on ``workers`` processes)."""
        from scipy import sparse

        matrix = self.texts.matrix
        kept = list(self._indexed_spans(workers))
        if not kept:
            return sparse.csr_matrix(matrix.shape, dtype=np.float64)
        # CSR from the spans' rows in order, no (row, column) pairs: 12 bytes an entry
        lengths = np.concatenate([k[0] for k in kept])
        index_ptr = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=index_ptr[1:])
        columns = np.concatenate([k[1] for k in kept])
        values = np.concatenate([k[2] for k in kept])
        del kept
        return sparse.csr_matrix((values, columns, index_ptr), shape=matrix.shape)

    def _spilled_index(self, directory: str, workers: int = 1) -> _SpilledIndex:
        """:meth:`_index_matrix` written to files of ``directory`` span by span as the
        workers choose it, then its postings (:func:`_spilled_postings`): neither is
        ever whole in memory."""
        terms, documents = self.matrix.shape[1], len(self)
        columns_path = _spill_file(directory, "story-index-columns-")
        values_path = _spill_file(directory, "story-index-values-")
        lengths: list[IntArray] = []
        per_term = np.zeros(terms, dtype=np.int64)
        with open(columns_path, "wb") as columns_file, open(values_path, "wb") as values_file:
            for row_lengths, columns, values in self._indexed_spans(workers):
                lengths.append(row_lengths)
                per_term += np.bincount(columns, minlength=terms)
                columns.tofile(columns_file)
                values.tofile(values_file)
        indptr = np.zeros(documents + 1, dtype=np.int64)
        if lengths:
            np.cumsum(np.concatenate(lengths), out=indptr[1:])
        index = SpilledRows(indptr, columns_path, values_path, (documents, terms))
        postings, per_row = _spilled_postings(index, per_term, directory)
        return _SpilledIndex(index, postings, per_row)


@dataclass(frozen=True, eq=False)
class _IndexedTerms:
    """One span of rows' part of :meth:`StoryModel._index_matrix`: each row's ``limit``
    usable terms of highest value, as CSR rows (per row its number of entries, then the
    entries' columns, ascending within a row, and values)."""

    matrix: Any
    indptr: IntArray
    usable: npt.NDArray[np.bool_]
    limit: int

    def __call__(self, span: tuple[int, int]) -> tuple[IntArray, ColumnArray, FloatArray]:
        first, last = span
        indptr, matrix = self.indptr, self.matrix
        lo, hi = int(indptr[first]), int(indptr[last])
        rows = np.repeat(np.arange(first, last, dtype=np.int64), np.diff(indptr[first : last + 1]))
        cols: Any
        if isinstance(matrix, SpilledRows):
            cols, values = matrix.block(lo, hi)
        else:
            cols, values = matrix.indices[lo:hi], matrix.data[lo:hi]
        top = indexed_positions(rows, values, self.usable[cols], self.limit)
        top = top[np.lexsort((cols[top], rows[top]))]  # by row, then column
        lengths = np.bincount(rows[top] - first, minlength=last - first).astype(np.int64)
        return lengths, cols[top], values[top]


@dataclass(frozen=True, eq=False)
class _MemoryIndex:
    """The candidate index of :meth:`StoryModel.candidates` in memory: ``index`` a CSR
    row per document (its indexed terms and their values), ``postings`` its transpose (a
    row per term: the documents indexed under it, ascending, and their values)."""

    index: Any
    postings: Any

    @classmethod
    def of(cls, index: Any) -> _MemoryIndex:
        return cls(index, index.T.tocsr())

    def products_per_row(self) -> FloatArray:
        """Per row the summed postings of its indexed terms (:func:`_row_blocks`)."""
        postings = np.diff(np.asarray(self.postings.indptr, dtype=np.int64))
        indptr = np.asarray(self.index.indptr, dtype=np.int64)
        rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        weights = postings[self.index.indices].astype(np.float64)
        per_row = np.bincount(rows, weights=weights, minlength=len(indptr) - 1)
        return np.asarray(per_row, dtype=np.float64)  # float64 already: no copy

    def search_block(self, start: int, stop: int) -> tuple[Any, Any]:
        """The queries and postings of :func:`nearest_by_index` for rows ``start:stop``."""
        return self.index[start:stop], self.postings

    def close(self) -> None:
        """Nothing to let go but the arrays."""


POSTING_ENTRIES = 1 << 22
"""Entries of the postings placed at once (a range of columns) by
:func:`_spilled_postings`: 16 bytes each in memory, 64 MiB, and their sort."""


@dataclass(frozen=True, eq=False)
class _SpilledIndex:
    """:class:`_MemoryIndex` with ``index`` and ``postings`` in files of the spill
    directory (:class:`SpilledRows`): memory holds their offsets (8 bytes a document
    and a term) and each row's products; a block of rows reads its own rows and the
    postings of their terms only."""

    index: SpilledRows
    postings: SpilledRows
    per_row: FloatArray

    def products_per_row(self) -> FloatArray:
        return self.per_row

    def search_block(self, start: int, stop: int) -> tuple[Any, Any]:
        """:meth:`_MemoryIndex.search_block`, the columns renumbered to the block's own
        terms in order (as :func:`nearest_by_index` allows): the same pairs."""
        from scipy import sparse

        queries = self.index.rows(np.arange(start, stop, dtype=np.int64))
        terms, local = np.unique(queries.indices, return_inverse=True)
        found = self.postings.rows(terms.astype(np.int64))
        documents = self.index.shape[0]
        return (
            sparse.csr_matrix(
                (queries.data, local.astype(np.int32).ravel(), queries.indptr),
                shape=(stop - start, len(terms)),
            ),
            sparse.csr_matrix(
                (found.data, found.indices, found.indptr), shape=(len(terms), documents)
            ),
        )

    def close(self) -> None:
        """Remove the four files."""
        for rows in (self.index, self.postings):
            for path in (rows.indices_path, rows.data_path):
                os.unlink(path)


_POSTED = np.dtype([("document", "<i4"), ("column", "<i4"), ("value", "<f8")])
"""An entry of the candidate index as :func:`_spilled_postings` files it by column range."""


def _spilled_postings(
    index: SpilledRows, per_term: IntArray, directory: str
) -> tuple[SpilledRows, FloatArray]:
    """The transpose of ``index`` (``per_term``: each column's entries) written to files
    of ``directory``, and per row of ``index`` the summed postings of its entries.  The
    index is read once, a span at a time, each entry appended to the file of its range
    of columns (:data:`POSTING_ENTRIES` entries at most, one column at least); each
    range is then read back alone and its postings placed by a stable sort of the
    columns: each term's documents ascending, as ``index.T.tocsr()``."""
    documents, terms = index.shape
    offsets = np.zeros(terms + 1, dtype=np.int64)
    np.cumsum(per_term, out=offsets[1:])
    bounds = [0]
    while bounds[-1] < terms:
        low = bounds[-1]
        high = int(np.searchsorted(offsets, offsets[low] + POSTING_ENTRIES, side="right"))
        bounds.append(min(max(high - 1, low + 1), terms))
    ranges = [_spill_file(directory, "story-postings-range-") for _ in bounds[1:]]
    indptr = index.indptr
    per_row = np.zeros(documents, dtype=np.float64)
    for first, last in _entry_spans(indptr):
        columns, values = index.block(int(indptr[first]), int(indptr[last]))
        rows = np.repeat(np.arange(first, last, dtype=np.int64), np.diff(indptr[first : last + 1]))
        # summed as _MemoryIndex.products_per_row sums them
        per_row[first:last] = np.bincount(
            rows - first, weights=per_term[columns], minlength=last - first
        )
        entries = np.empty(len(columns), dtype=_POSTED)
        entries["document"], entries["column"], entries["value"] = rows, columns, values
        part = np.searchsorted(bounds, columns, side="right") - 1
        _append_by_part(entries, part, ranges)  # each range's entries in row order
    documents_path = _spill_file(directory, "story-postings-documents-")
    values_path = _spill_file(directory, "story-postings-values-")
    with open(documents_path, "wb") as documents_file, open(values_path, "wb") as values_file:
        for path in ranges:
            entries = np.fromfile(path, dtype=_POSTED)
            os.unlink(path)
            entries = entries[np.argsort(entries["column"], kind="stable")]
            entries["document"].tofile(documents_file)
            entries["value"].tofile(values_file)
    return SpilledRows(offsets, documents_path, values_path, (terms, documents)), per_row


@dataclass(frozen=True, eq=False)
class _CandidateSearch:
    """One row block's part of :meth:`StoryModel.candidates`: its rows' candidates by the
    indexed terms, their ``4 * k`` best scored exactly, the ``k`` best kept.  A row is in
    one block only, so the blocks' results, concatenated in order, are those of all rows
    at once."""

    model: StoryModel
    index: _MemoryIndex | _SpilledIndex
    min_score: float
    k: int

    def __call__(self, span: tuple[int, int]) -> tuple[IntArray, IntArray, FloatArray]:
        start, stop = span
        rows = np.arange(start, stop, dtype=np.int64)
        queries, postings = self.index.search_block(start, stop)
        left, right = nearest_by_index(queries, postings, rows, self.k)
        scores = self.model.similarities(np.stack([left, right], axis=1))
        return best_partners(left, right, scores, self.min_score, self.k)


def nearest_by_index(
    queries: Any, postings: Any, rows: IntArray, k: int
) -> tuple[IntArray, IntArray]:
    """The first step of :meth:`StoryModel.candidates` for some documents: pairs
    ``(rows[n], j)`` of each document ``rows[n]`` and its ``4 * k`` other documents of
    highest approximate score (the dot product over indexed terms), by row, then by
    score, highest first, ties in the order the sparse product lists a row's partners.

    ``queries``: CSR, row ``n`` the indexed terms of document ``rows[n]`` with their
    values, columns sorted; ``postings``: CSR, a row per column of ``queries``, the
    documents indexed under that term (ascending) with their values.  The columns may
    be any numbering in the vocabulary's order (:func:`vocabulary_order`) of a set
    holding the rows' terms: a document's pairs depend only on its own indexed terms
    and their postings (the product visits its terms in column order and each term's
    documents in order), so documents may be searched in any groups, anywhere."""
    block = (queries @ postings).tocoo()
    left = rows[block.row]
    right = block.col.astype(np.int64)
    other = left != right
    keep = _top_per_row(left[other], block.data[other], 4 * k)
    return left[other][keep], right[other][keep]


def best_partners(
    left: IntArray, right: IntArray, scores: FloatArray, min_score: float, k: int
) -> tuple[IntArray, IntArray, FloatArray]:
    """The last step of :meth:`StoryModel.candidates`: of the pairs of
    :func:`nearest_by_index` (in its order) with their exact ``scores``, each
    document's ``k`` best with ``score >= min_score`` (ties: the first listed)."""
    good = scores >= min_score
    left, right, scores = left[good], right[good], scores[good]
    keep = _top_per_row(left, scores, k)
    return left[keep], right[keep], scores[keep]


def with_titles(
    scores: FloatArray, both: npt.NDArray[np.bool_], titled: FloatArray | None, share: float
) -> FloatArray:
    """:meth:`StoryModel.similarities` of pairs whose texts score ``scores``: those
    where ``both`` documents have a title score ``(1 - share) * text + share * title``,
    their titles scoring ``titled`` (None: no such pair)."""
    if titled is not None:
        scores[both] = (1.0 - share) * scores[both] + share * titled
    out: FloatArray = np.clip(scores, 0.0, 1.0)
    out[out > 1.0 - 1e-9] = 1.0
    return out


def _span_inherited(token: int, span: tuple[int, int]) -> Any:
    work: Callable[[tuple[int, int]], Any] = inherited(token)
    return work(span)


def _spans_on_workers(
    work: Callable[[tuple[int, int]], _Result], spans: list[tuple[int, int]], workers: int
) -> list[_Result]:
    """``work`` of each span of rows in order, on ``workers`` forked processes when there
    are more than one (``work``, model included, is inherited, not sent)."""
    return list(_spans_in_order(work, spans, workers))


def _spans_in_order(
    work: Callable[[tuple[int, int]], _Result], spans: list[tuple[int, int]], workers: int
) -> Iterator[_Result]:
    """:func:`_spans_on_workers`, each result given as it comes (a few in flight)."""
    if workers <= 1 or len(spans) < 2 or not forks():
        yield from (work(span) for span in spans)
        return
    with handed_down(work) as token, process_pool(workers) as pool:
        done = functools.partial(_span_inherited, token)
        yield from imap_ordered(done, iter(spans), pool, window=4 * workers)


PRODUCTS_PER_BLOCK = 1 << 22
"""Term products a block of :meth:`StoryModel.candidates` may make (its memory bound:
a block's sparse product has at most this many entries)."""


def _row_blocks(per_row: FloatArray, budget: int, most: int) -> list[tuple[int, int]]:
    """Consecutive row ranges (at most ``most`` rows, at least one) whose products - per
    row ``per_row``, the summed postings of its indexed terms - stay within ``budget``:
    a corpus whose indexed terms have long postings gets smaller blocks, the same rows
    and results."""
    rows = len(per_row)
    cumulative = np.cumsum(per_row)
    blocks: list[tuple[int, int]] = []
    start = 0
    while start < rows:
        before = float(cumulative[start - 1]) if start else 0.0
        stop = int(np.searchsorted(cumulative, before + budget, side="right"))
        stop = min(max(stop, start + 1), start + most, rows)
        blocks.append((start, stop))
        start = stop
    return blocks


def _top_per_row(rows: IntArray, values: FloatArray, limit: int) -> IntArray:
    """Positions of the ``limit`` largest ``values`` of each row (ties: first seen), by
    row, then by value, highest first (as ``np.lexsort((-values, rows))`` orders them).

    One sort of integers finds a few more than the ``limit`` best of each row: the row,
    the value's leading bits (a non-negative float's bits order as the float does) and
    the position, packed in one ``int64``; only those few are then ordered exactly."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    size = len(rows)
    lowest = int(rows.min())
    row_bits = max(int(rows.max()) - lowest, 1).bit_length()
    at_bits = max(size - 1, 1).bit_length()
    value_bits = 63 - row_bits - at_bits
    values = np.ascontiguousarray(values, dtype=np.float64)
    bits = values.view(np.int64)
    if value_bits < 16 or bool((bits < 0).any()) or bool(np.isnan(values).any()):
        return _top_per_row_exact(rows, values, limit, np.arange(size, dtype=np.int64))
    top = (1 << value_bits) - 1
    lower = top - (bits >> (63 - value_bits))  # smaller for a larger value
    key = (rows - lowest) << (value_bits + at_bits) | lower << at_bits
    key |= np.arange(size, dtype=np.int64)
    key.sort()
    at_mask = (1 << at_bits) - 1
    lower = key >> at_bits & top
    row = key >> (value_bits + at_bits)
    starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
    ends = np.r_[starts[1:], size]
    # each row's leading bits at its limit-th entry: the entries with those bits or
    # larger hold the row's limit best (a larger value never has smaller leading bits)
    cut = np.where(starts + limit <= ends, lower[np.minimum(starts + limit - 1, size - 1)], top + 1)
    keep = lower <= np.repeat(cut, ends - starts)
    return _top_per_row_exact(rows, values, limit, key[keep] & at_mask)


def _top_per_row_exact(rows: IntArray, values: FloatArray, limit: int, among: IntArray) -> IntArray:
    """:func:`_top_per_row` with the positions ``among`` (ascending within each row) the
    only ones that can be kept, sorted exactly."""
    order = among[np.lexsort((-values[among], rows[among]))]
    sorted_rows = rows[order]
    starts = np.flatnonzero(np.r_[True, sorted_rows[1:] != sorted_rows[:-1]])
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    rank = np.arange(len(order)) - run_start
    return np.asarray(order[rank < limit], dtype=np.int64)
