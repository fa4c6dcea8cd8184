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

import mmap
import os
import tempfile
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

import numpy as np
import numpy.typing as npt

from ..key import KeyOptions, keyed, resolve_key_options

__all__ = ["DocKey", "Documents", "as_documents", "doc_key"]

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


MAP_SPILL_BYTES = 1 << 26
"""Bytes of maps (:func:`spilled_keys`) written to one file: a file per this many."""


def map_bytes(state: tuple[Any, ...]) -> int:
    """The bytes of the maps in a :func:`packed` state."""
    return sum(a.nbytes for a in state[2:] if isinstance(a, np.ndarray))


def spilled_keys(items: Sequence[tuple[str, tuple[Any, ...]]], directory: str) -> list[DocKey]:
    """The :class:`DocKey` of each ``(raw, state)`` (:func:`unpacked`), its maps kept
    in a file of ``directory`` instead of memory: the arrays are written to one file,
    which is mapped read only and unlinked at once, and each key's maps are views of
    that mapping.  A process then holds only the pages of the maps it reads (and while
    it maps them); the file goes when the last key of it does.  The keys equal those
    :func:`unpacked` gives (the same texts and map values; the maps are read only)."""
    handle, path = tempfile.mkstemp(prefix="key-maps-", dir=directory)
    places: list[list[Any]] = []
    try:
        with os.fdopen(handle, "wb") as out:
            at = 0
            for _, state in items:
                place: list[Any] = []
                for n, array in enumerate(state[2:]):
                    if not isinstance(array, np.ndarray):
                        place.append(None)
                    elif n == 0 and array is state[6]:  # key_starts is key_rep_starts
                        place.append("same")
                    else:
                        data = array.view(np.uint8) if array.dtype == np.bool_ else array
                        data = np.ascontiguousarray(data)
                        place.append((at, len(array), array.dtype))
                        out.write(data.tobytes())
                        pad = -data.nbytes % 8
                        out.write(b"\0" * pad)
                        at += data.nbytes + pad
                places.append(place)
        mapping = _mapped(path) if at else None
    finally:
        os.unlink(path)
    keys = []
    for (raw, state), place in zip(items, places, strict=True):
        arrays: list[Any] = []
        for where in place:
            if where is None or where == "same":
                arrays.append(None)
                continue
            first, count, dtype = where
            if mapping is None or not count:
                arrays.append(np.zeros(0, dtype=dtype))
            else:
                arrays.append(mapping[first : first + count * dtype.itemsize].view(dtype))
        if place[0] == "same":
            arrays[0] = arrays[4]
        keys.append(unpacked(raw, (state[0], state[1], *arrays)))
    return keys


_MAPPINGS: weakref.WeakSet[mmap.mmap] = weakref.WeakSet()
"""The mappings of the key maps' files (:func:`spilled_keys`) still alive."""


def _mapped(path: str) -> Any:
    """The file ``path`` mapped read only, as bytes (``uint8``), the mapping noted for
    :func:`release_mapped_pages`."""
    with open(path, "rb") as handle:
        mapping = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    _MAPPINGS.add(mapping)
    return np.frombuffer(mapping, dtype=np.uint8)


def release_mapped_pages() -> None:
    """Let go of the pages of the key maps' files (:func:`spilled_keys`) that this
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
