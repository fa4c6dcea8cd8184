"""Conversion engines for a tuple of :class:`~zhnorm.script.config.Stage`.

Two implementations of the same OpenCC semantics:

* :class:`ReferenceEngine` -- pure Python, written to read like the specification:
  a dictionary group with ``short_circuit`` returns the first member dictionary that
  has any prefix match; ``union`` returns the longest match of all members (the
  earlier member on a tie); a leaf returns its longest key; forward maximum matching
  converts each segment, unmatched characters pass through; the first candidate wins.
* :class:`CompiledEngine` -- the same semantics folded into one code-point trie per
  dictionary tree (every node stores the match the group semantics resolve to for the
  text spelled by its path), run by the C extension ``_fmm`` without the GIL.

The test suite checks the two against each other and against the official binding.
"""

from __future__ import annotations

import functools
from array import array
from typing import Any, Protocol

from .config import DictGroup, DictLeaf, DictNode, Stage
from .dictionary import Dictionary, load_builtin

try:  # the C fast path is optional; the reference engine is always available
    from . import _fmm
except ImportError:  # pragma: no cover - exercised only where the build had no compiler
    _fmm = None

__all__ = ["HAVE_FAST_PATH", "CompiledEngine", "Engine", "ReferenceEngine", "make_engine"]

HAVE_FAST_PATH = _fmm is not None

Match = tuple[int, str]


class Engine(Protocol):
    def convert(self, text: str) -> str: ...

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


def _leaf_dicts(node: DictNode) -> list[Dictionary]:
    if isinstance(node, DictLeaf):
        return [load_builtin(node.file)]
    return [d for child in node.children for d in _leaf_dicts(child)]


def _resolve(node: DictNode, per_leaf: list[Match | None], cursor: list[int]) -> Match | None:
    """Evaluate the group semantics given each leaf's longest match (in leaf order)."""
    if isinstance(node, DictLeaf):
        found = per_leaf[cursor[0]]
        cursor[0] += 1
        return found
    results = [_resolve(child, per_leaf, cursor) for child in node.children]
    if node.policy == "short_circuit":
        return next((r for r in results if r is not None), None)
    best: Match | None = None
    for r in results:
        if r is not None and (best is None or r[0] > best[0]):
            best = r
    return best


def compile_trie(node: DictNode | Dictionary) -> tuple[Any, list[str]]:
    """Fold a dictionary tree into one ``_fmm.Trie``.

    Walking the text from a position down the trie as far as it goes ends at node n;
    the keys that are prefixes of the text are exactly the keys on n's path, so the
    group's answer for that position depends on n alone and is stored on n.
    """
    assert _fmm is not None
    tree: DictNode
    if isinstance(node, Dictionary):
        dicts = [node]
        tree = DictLeaf(node.name)
    else:
        dicts = _leaf_dicts(node)
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
    single_leaf = isinstance(tree, DictLeaf)
    for k in range(1, n_nodes):  # parents are numbered before their children
        own = terminal.get(k)
        if own is None:
            state = inherited[parent[k]]
        else:
            as_list = list(inherited[parent[k]])
            for leaf_index, value in own:
                as_list[leaf_index] = (depth[k], value)
            state = tuple(as_list)
        inherited[k] = state
        found = state[0] if single_leaf else _resolve(tree, list(state), [0])
        if found is not None:
            length, value = found
            index = value_index.get(value)
            if index is None:
                index = value_index[value] = len(values)
                values.append(value)
            mlen[k] = length
            mval[k] = index
    return _fmm.Trie(parent, cps, mlen, mval, values), values


@functools.lru_cache(maxsize=64)
def _compiled_tree(node: DictNode) -> Any:
    return compile_trie(node)[0]


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
        result: str = _fmm.convert(self._plan, text)  # type: ignore[union-attr]
        return result

    def convert_with_offsets(self, text: str) -> tuple[str, list[int]]:
        result: tuple[str, list[int]] = _fmm.convert(self._plan, text, True)  # type: ignore[union-attr]
        return result


@functools.lru_cache(maxsize=64)
def make_engine(stages: tuple[Stage, ...], *, reference: bool = False) -> Engine:
    """The fastest available engine for ``stages`` (cached: one per process)."""
    if reference or _fmm is None:
        return ReferenceEngine(stages)
    return CompiledEngine(stages)
