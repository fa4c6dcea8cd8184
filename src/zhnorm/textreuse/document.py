"""One document prepared for comparison: its matching key, the repaired text, and
exact maps from both back to the raw input.

:class:`DocKey` runs the repair pipeline once: :func:`zhnorm.keyed` without conversion
gives the repaired text with a map to the raw text; :func:`zhnorm.keyed` without repair
then keys the repaired text, and the two maps compose.  So every key character ``i``
knows the raw span ``key_starts[i]:key_ends[i]`` that produced it, through repair
edits (a leaked ``現(xiàn)`` is one raw span for one key character) and conversion
phrases.  Maps are stored as ``int32`` arrays: compact and cheap to pickle.
"""

from __future__ import annotations

import array
import mmap
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

import numpy as np
import numpy.typing as npt

from ..key import KeyOptions, keyed, resolve_key_options
from .spill import ReadInRanges, SpilledTexts, spill_file

__all__ = ["DocKey", "Documents", "SpilledKeys", "as_documents", "doc_key"]

IntArray = npt.NDArray[np.int32]


@dataclass(frozen=True, eq=False)
class DocKey:
    """A document's key and repaired text, each mapped back to ``raw``.

    ``key_starts[i]:key_ends[i]`` is the raw span behind key character ``i``;
    ``rep_starts[j]:rep_ends[j]`` the raw span behind repaired character ``j``;
    ``key_rep_starts[i]`` the repaired character where key character ``i`` starts;
    ``dropped`` marks raw characters that repair removed (``None``: none were).
    """

    raw: str
    repaired: str
    key: str
    key_starts: IntArray
    key_ends: IntArray
    rep_starts: IntArray
    rep_ends: IntArray
    key_rep_starts: IntArray
    dropped: npt.NDArray[np.bool_] | None = None

    def snap(self, start: int, end: int) -> tuple[int, int]:
        """Widen key span ``start:end`` so that it does not split the key characters of
        one raw character or conversion phrase (they share a raw span)."""
        starts, ends = self.key_starts, self.key_ends
        while start > 0 and starts[start - 1] == starts[start]:
            start -= 1
        while end < len(self.key) and ends[end] == ends[end - 1]:
            end += 1
        return start, end

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw ``(start, end)`` behind key characters ``start:end`` (``start < end``).

        The end takes in raw text that repair removed right after the last character
        unless it is only white space: a leaked reading ``題(tí)`` belongs to ``題``,
        a line break that layout repair joined does not.
        """
        if not 0 <= start < end <= len(self.key):
            raise IndexError(f"key span {start}:{end} outside 0:{len(self.key)}")
        raw_start, raw_end = int(self.key_starts[start]), int(self.key_ends[end - 1])
        dropped = self.dropped
        if dropped is not None and raw_end < len(dropped) and dropped[raw_end]:
            tail = raw_end
            while tail < len(dropped) and dropped[tail]:
                tail += 1
            if self.raw[raw_end:tail].strip():
                raw_end = tail
        return raw_start, raw_end

    def raw_span_of_repaired(self, start: int, end: int) -> tuple[int, int]:
        """Raw ``(start, end)`` behind repaired characters ``start:end``."""
        if not 0 <= start < end <= len(self.repaired):
            raise IndexError(f"span {start}:{end} outside 0:{len(self.repaired)}")
        return int(self.rep_starts[start]), int(self.rep_ends[end - 1])


def _array(values: object) -> IntArray:
    return np.asarray(values, dtype=np.int32)


_IDENTITY = np.arange(1, dtype=np.int32)
_IDENTITY.flags.writeable = False


def _identity(n: int) -> tuple[IntArray, IntArray]:
    """``arange(n)`` and ``arange(1, n + 1)`` as read-only views of one shared array: the
    maps of a text that repair left alone cost no memory per document."""
    global _IDENTITY
    if len(_IDENTITY) < n + 1:
        _IDENTITY = np.arange(max(n + 1, 2 * len(_IDENTITY)), dtype=np.int32)
        _IDENTITY.flags.writeable = False
    return _IDENTITY[:n], _IDENTITY[1 : n + 1]


def doc_key(
    text: str,
    options: KeyOptions | None = None,
    *,
    config: KeyOptions | None = None,
    **overrides: Any,
) -> DocKey:
    """Key ``text`` (a whole document: repair decisions are document-level); ``options``
    as in :func:`zhnorm.match_key` (``config``: their former keyword)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    options = resolve_key_options(options, config=config, **overrides)
    if options.fix is None:
        repaired = text
        rs, re_ = _identity(len(text))
    else:
        fixed = keyed(text, KeyOptions(fix=options.fix, script=None, fold=False))
        repaired, rs, re_ = fixed.key, _array(fixed.starts), _array(fixed.ends)
        same, next_ = _identity(len(text))
        if repaired == text and np.array_equal(rs, same) and np.array_equal(re_, next_):
            repaired, rs, re_ = text, same, next_  # nothing repaired: no copy kept
    key = keyed(repaired, KeyOptions(fix=None, script=options.script, fold=options.fold))
    if key.key:
        krs = _array(key.starts)
        if repaired is text:  # identity maps: raw and repaired positions are one array
            krs.flags.writeable = False
            ks = krs
        else:
            ks = rs[krs]
        ke = re_[_array(key.ends) - 1]
    else:
        krs = ks = ke = np.zeros(0, dtype=np.int32)
    dropped = None
    if repaired != text:
        depth = np.zeros(len(text) + 1, dtype=np.int32)
        np.add.at(depth, rs, 1)
        np.add.at(depth, re_, -1)
        dropped = np.cumsum(depth[:-1]) == 0
    return DocKey(text, repaired, key.key, ks, ke, rs, re_, krs, dropped)


def packed(key: DocKey) -> tuple[Any, ...]:
    """``key`` without its raw text, to send back from a worker process: the reader
    already holds the raw text (:func:`unpacked` puts it back, so it is kept once), and
    a repaired text or map that is the raw text or the identity is sent as None."""
    same = key.repaired is key.raw or key.repaired == key.raw
    identity = same and _is_identity(key.rep_starts, key.rep_ends, len(key.raw))
    return (
        None if same else key.repaired,
        key.key,
        key.key_starts,
        key.key_ends,
        None if identity else key.rep_starts,
        None if identity else key.rep_ends,
        key.key_rep_starts,
        key.dropped,
    )


def unpacked(raw: str, state: tuple[Any, ...]) -> DocKey:
    """The :class:`DocKey` that :func:`packed` sent, with ``raw`` its raw text."""
    repaired, key, ks, ke, rs, re_, krs, dropped = state
    if rs is None:
        rs, re_ = _identity(len(raw))
    return DocKey(raw, raw if repaired is None else repaired, key, ks, ke, rs, re_, krs, dropped)


_REPAIRED, _REPAIR_MAPS, _SAME_STARTS, _DROPPED = 1, 2, 4, 8
""":class:`SpilledKeys`' flags of a document: its repaired text differs from the raw,
its repair maps are not the identity, its ``key_starts`` is its ``key_rep_starts``
(one array), it has ``dropped``."""


class SpilledKeys(ReadInRanges[DocKey]):
    """Documents' keys kept on disk, not in memory: each :func:`packed` state added
    (:meth:`append`, in document order, one writer) goes to four unlinked temporary
    files - the raw texts, the keys and the repaired texts that differ from the raw
    (:class:`.SpilledTexts`) and the maps, written one after the other and mapped read
    only when first read - and ``keys[d]`` builds document ``d``'s :class:`DocKey`
    when it is read (equal to :func:`unpacked`'s: the same texts and map values, the
    maps views of the mapping, read only).  Memory holds 33 bytes a document (four
    offsets and the flags) and the keys being read; a process holds only the pages of
    the maps it reads (:func:`release_mapped_pages` lets them go).  :attr:`raw_texts`
    and :attr:`key_texts` read the raw texts or keys alone; forked processes read the
    same files (positioned reads)."""

    def __init__(self, directory: str | None = None) -> None:
        self.raw_texts = SpilledTexts(directory=directory)
        self.key_texts = SpilledTexts(directory=directory)
        self._repaired = SpilledTexts(directory=directory)  # "" where it is the raw
        self._maps = spill_file(directory)
        self._size = 0
        self._starts = array.array("q")  # where each document's maps start
        self._flags = array.array("B")
        self._mapping: npt.NDArray[np.uint8] | None = None
        self._mapped_size = 0

    def append(self, raw: str, state: tuple[Any, ...]) -> None:
        """Add the document with raw text ``raw`` and :func:`packed` state ``state``."""
        repaired, key, ks, ke, rs, re_, krs, dropped = state
        flags = (
            (_REPAIRED if repaired is not None else 0)
            | (_REPAIR_MAPS if rs is not None else 0)
            | (_SAME_STARTS if ks is krs else 0)
            | (_DROPPED if dropped is not None else 0)
        )
        arrays = [None if ks is krs else ks, ke, rs, re_, krs]
        self._starts.append(self._size)
        self._flags.append(flags)
        for values in arrays:
            if values is not None:
                self._write(np.ascontiguousarray(values, dtype=np.int32))
        if dropped is not None:
            self._write(np.ascontiguousarray(dropped, dtype=np.bool_).view(np.uint8))
        self.raw_texts.append(raw)
        self.key_texts.append(key)
        self._repaired.append("" if repaired is None else repaired)

    def _write(self, values: npt.NDArray[Any]) -> None:
        """Append ``values`` to the maps' file, padded to 8 bytes."""
        data = values.tobytes()
        pad = -len(data) % 8
        self._maps.write(data + b"\0" * pad)
        self._size += len(data) + pad

    def _mapped(self) -> npt.NDArray[np.uint8] | None:
        """The maps' file mapped (again when it grew since), as bytes; None while empty."""
        if self._size and self._mapped_size < self._size:
            self._maps.flush()
            self._mapping = _mapped(self._maps.fileno())
            self._mapped_size = self._size
        return self._mapping

    def __len__(self) -> int:
        return len(self._starts)

    def _read(self, first: int, last: int) -> list[DocKey]:
        """Documents ``first:last``, each text file read with one positioned read."""
        raws = self.raw_texts[first:last]
        keys = self.key_texts[first:last]
        repaired = self._repaired[first:last]
        return [
            self._built(first + n, raw, rep, key)
            for n, (raw, rep, key) in enumerate(zip(raws, repaired, keys, strict=True))
        ]

    def _built(self, d: int, raw: str, repaired: str, key: str) -> DocKey:
        """Document ``d``'s :class:`DocKey` from its texts and its maps' place."""
        flags, mapping = self._flags[d], self._mapped()
        at = self._starts[d]

        def take(count: int, dtype: type[np.generic] = np.int32) -> npt.NDArray[Any]:
            nonlocal at
            size = count * np.dtype(dtype).itemsize
            if mapping is None or not count:
                return np.zeros(0, dtype=dtype)
            values = mapping[at : at + size].view(dtype)
            at += size + (-size % 8)
            return values

        if not flags & _REPAIRED:
            repaired = raw
        starts = None if flags & _SAME_STARTS else take(len(key))
        ends = take(len(key))
        if flags & _REPAIR_MAPS:
            rs, re_ = take(len(repaired)), take(len(repaired))
        else:
            rs, re_ = _identity(len(raw))
        krs = take(len(key))
        dropped = take(len(raw), np.uint8).view(np.bool_) if flags & _DROPPED else None
        ks = krs if starts is None else starts
        return DocKey(raw, repaired, key, ks, ends, rs, re_, krs, dropped)

    def __iter__(self) -> Iterator[DocKey]:
        for first in range(0, len(self), KEYS_READ):
            yield from self._read(first, min(len(self), first + KEYS_READ))

    def close(self) -> None:
        """Remove the files (the keys can no longer be read; keys already built keep
        their maps while they live)."""
        for texts in (self.raw_texts, self.key_texts, self._repaired):
            texts.close()
        self._maps.close()
        self._mapping = None


KEYS_READ = 256
"""Documents :meth:`SpilledKeys.__iter__` reads at once."""


def key_texts(keys: Sequence[DocKey]) -> Sequence[str]:
    """Every document's key (a ``str`` sequence): from :class:`SpilledKeys`' file of
    keys alone (no map read), else each :class:`DocKey`'s."""
    return keys.key_texts if isinstance(keys, SpilledKeys) else [k.key for k in keys]


def raw_texts(keys: Sequence[DocKey]) -> Sequence[str]:
    """Every document's raw text, as :func:`key_texts` gives the keys."""
    return keys.raw_texts if isinstance(keys, SpilledKeys) else [k.raw for k in keys]


_MAPPINGS: weakref.WeakSet[mmap.mmap] = weakref.WeakSet()
"""The mappings of the key maps' files (:class:`SpilledKeys`) still alive."""


def _mapped(fileno: int) -> Any:
    """The file ``fileno`` mapped read only, as bytes (``uint8``), the mapping noted for
    :func:`release_mapped_pages`."""
    mapping = mmap.mmap(fileno, 0, access=mmap.ACCESS_READ)
    _MAPPINGS.add(mapping)
    return np.frombuffer(mapping, dtype=np.uint8)


def release_mapped_pages() -> None:
    """Let go of the pages of the key maps' files (:class:`SpilledKeys`) that this
    process has read: they stay in the page cache and are read again on demand, and
    the maps are unchanged.  A mapped page cache hands a process whole large folios
    (up to 2 MiB) for each map it reads, so a pass over every document's maps (the
    furniture segments, the aligned pairs) would otherwise hold the whole files in
    each process that made it until the keys are let go.  Nothing where ``madvise`` is
    missing."""
    advice = getattr(mmap, "MADV_DONTNEED", None)
    if advice is None:  # pragma: no cover - not Linux or macOS
        return
    for mapping in list(_MAPPINGS):
        mapping.madvise(advice)


def _is_identity(starts: IntArray, ends: IntArray, n: int) -> bool:
    same, next_ = _identity(n)
    return len(starts) == n and bool(np.array_equal(starts, same) and np.array_equal(ends, next_))


Documents = Union[str, Mapping[str, str], Iterable[str], Iterable[tuple[str, str]]]  # noqa: UP007


def as_documents(docs: Documents) -> list[tuple[str, str]]:
    """``(id, text)`` pairs from one text (id ``"0"``), a mapping ``id -> text``, texts
    (ids ``"0"``, ``"1"``, ...) or ``(id, text)`` pairs."""
    if isinstance(docs, str):
        return [("0", docs)]
    if isinstance(docs, Mapping):
        items = [(str(key), value) for key, value in docs.items()]
    else:
        items = []
        for index, item in enumerate(docs):
            if isinstance(item, tuple) and len(item) == 2:
                items.append((str(item[0]), item[1]))
            else:
                items.append((str(index), item))
    for doc_id, text in items:
        if not isinstance(text, str):
            raise TypeError(f"document {doc_id!r}: text must be str, not {type(text).__name__}")
    return items
