"""Average-linkage clustering of a sparse weighted graph: the story partition.

Single linkage (connected components) chains: one weak link between two unrelated
stories merges them, and on a large corpus everything ends in one component.  Here two
clusters merge only while the **average** weight over *all* pairs of their members
(a missing edge weighs 0) is at least ``threshold``, so a member must be supported by
the cluster as a whole, not by one link to one member.  With dates, a merge that would
make a cluster span more than ``max_span`` is refused, so no story spans months.

Greedy agglomeration with a heap over the sparse inter-cluster weight sums: each merge
costs the degree of the two clusters, so a graph of ``E`` edges is clustered in about
``E log E``.

**Per connected component.** The graph is clustered one connected component of its
positive-weight edges at a time (:func:`weight_components`,
:func:`average_linkage_component`), which gives exactly the labels of one
agglomeration over the whole graph (:func:`_agglomerate`; tested):

* two clusters merge only when the heap holds an entry for them, and an entry is made
  only for a pair with a positive weight sum, i.e. an edge between their members: a
  cluster never leaves its component;
* every quantity a merge reads - the heap entry ``(-mean, i, j, sizes)``, the sums, the
  sizes, the dates - belongs to the two clusters' component, so a component's merges
  are the subsequence of the global merges on its nodes, in the same order (the heap
  pops entries of one component in their own order whatever else it holds);
* nodes renumbered in increasing order (a component's ``0 .. m-1``) compare as
  before, so the tie-breaks (the smaller index first, the root is the smallest member)
  are the same, and the weight sums are the same additions of the same numbers.

So a component can be clustered in its own task (``zhnorm.spark.reuse``) and the
labels mapped back.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from itertools import pairwise

from ..unionfind import components

__all__ = ["average_linkage", "average_linkage_component", "cohesion", "weight_components"]


def average_linkage(
    n: int,
    edges: Iterable[tuple[int, int, float]],
    threshold: float,
    *,
    dates: Sequence[datetime | None] | None = None,
    max_span: timedelta | None = None,
) -> list[int]:
    """A cluster label per node ``0..n-1`` (the smallest member index of its cluster).

    ``edges``: ``(i, j, weight)`` with weights in [0, 1]; repeated pairs keep the
    largest weight.  Two clusters merge while the mean weight over all their member
    pairs is at least ``threshold``, best pair first; with ``dates`` and ``max_span``
    no cluster's dates spread over more than ``max_span`` (undated members do not
    count).

    >>> average_linkage(4, [(0, 1, 0.9), (1, 2, 0.9), (2, 3, 0.9)], 0.5)
    [0, 0, 2, 2]
    >>> average_linkage(3, [(0, 1, 0.9), (1, 2, 0.9), (0, 2, 0.9)], 0.5)
    [0, 0, 0]

    Clustered per connected component (module docstring).
    """
    weight = _strongest(edges)
    component = components(n, weight)
    if len({component[i] for i, _ in weight}) <= 1:  # one component (and lone nodes)
        return _cluster(n, weight, threshold, dates=dates, max_span=max_span)
    edges_of: dict[int, dict[tuple[int, int], float]] = {}
    for (i, j), w in weight.items():
        edges_of.setdefault(component[i], {})[(i, j)] = w
    nodes: dict[int, list[int]] = {}
    for node, root in enumerate(component):
        nodes.setdefault(root, []).append(node)
    labels = list(range(n))
    for root, inside in edges_of.items():
        members = nodes[root]
        found = average_linkage_component(
            members,
            ((i, j, w) for (i, j), w in inside.items()),
            threshold,
            dates=None if dates is None else [dates[m] for m in members],
            max_span=max_span,
        )
        for node, label in zip(members, found, strict=True):
            labels[node] = label
    return labels


def weight_components(n: int, edges: Iterable[tuple[int, int, float]]) -> list[int]:
    """The connected component of each node ``0..n-1`` over the edges of positive
    weight (its smallest node): no story crosses two of them (module docstring).

    >>> weight_components(5, [(0, 1, 0.9), (3, 4, 0.2), (1, 2, 0.0)])
    [0, 0, 2, 3, 3]
    """
    return components(n, ((i, j) for i, j, w in edges if w > 0 and i != j))


def average_linkage_component(
    nodes: Sequence[int],
    edges: Iterable[tuple[int, int, float]],
    threshold: float,
    *,
    dates: Sequence[datetime | None] | None = None,
    max_span: timedelta | None = None,
) -> list[int]:
    """:func:`average_linkage` of one connected component: ``nodes`` (increasing node
    numbers), ``edges`` between them (node numbers, any order), ``dates`` of the
    nodes; the label (a node number) of each node in ``nodes``.  The labels are those
    of the whole graph's clustering (module docstring)."""
    local = {node: n for n, node in enumerate(nodes)}
    if any(b <= a for a, b in pairwise(nodes)):
        raise ValueError("nodes must be increasing")
    found = _agglomerate(
        len(nodes),
        ((local[i], local[j], w) for i, j, w in edges),
        threshold,
        dates=dates,
        max_span=max_span,
    )
    return [nodes[label] for label in found]


def _strongest(edges: Iterable[tuple[int, int, float]]) -> dict[tuple[int, int], float]:
    """Each pair ``(i < j)`` with its largest positive weight."""
    weight: dict[tuple[int, int], float] = {}
    for i, j, w in edges:
        if i == j or w <= 0:
            continue
        pair = (i, j) if i < j else (j, i)
        if w > weight.get(pair, 0.0):
            weight[pair] = w
    return weight


def _agglomerate(
    n: int,
    edges: Iterable[tuple[int, int, float]],
    threshold: float,
    *,
    dates: Sequence[datetime | None] | None = None,
    max_span: timedelta | None = None,
) -> list[int]:
    """The greedy agglomeration of the module docstring over the whole graph at once."""
    return _cluster(n, _strongest(edges), threshold, dates=dates, max_span=max_span)


def _cluster(
    n: int,
    weight: Mapping[tuple[int, int], float],
    threshold: float,
    *,
    dates: Sequence[datetime | None] | None,
    max_span: timedelta | None,
) -> list[int]:
    """:func:`_agglomerate` of the positive ``weight`` of each pair ``(i < j)``."""
    links: list[dict[int, float]] = [{} for _ in range(n)]  # cluster -> cluster -> sum
    for (i, j), w in weight.items():
        links[i][j] = w
        links[j][i] = w
    size = [1] * n
    alive = [True] * n
    members: list[list[int]] = [[i] for i in range(n)]
    first: list[datetime | None] = list(dates) if dates is not None else [None] * n
    last: list[datetime | None] = list(first)
    heap = [(-w, i, j, 1, 1) for (i, j), w in weight.items() if w >= threshold]
    heapq.heapify(heap)
    while heap:
        _, a, b, size_a, size_b = heapq.heappop(heap)
        if not (alive[a] and alive[b]) or size[a] != size_a or size[b] != size_b:
            continue  # stale: one side has merged since
        if max_span is not None and _span(first, last, a, b) > max_span:
            continue
        if len(links[a]) < len(links[b]):
            a, b = b, a
        alive[b] = False
        members[a] += members[b]
        members[b] = []
        size[a] += size[b]
        first[a] = _min(first[a], first[b])
        last[a] = _max(last[a], last[b])
        for c, w in links[b].items():
            del links[c][b]
            if c == a:
                continue
            total = links[a].get(c, 0.0) + w
            links[a][c] = total
            links[c][a] = total
        links[b] = {}
        for c, total in links[a].items():
            mean = total / (size[a] * size[c])
            if mean >= threshold:
                heapq.heappush(
                    heap, (-mean, min(a, c), max(a, c), size[min(a, c)], size[max(a, c)])
                )
    labels = [0] * n
    for cluster in members:
        if cluster:
            root = min(cluster)
            for node in cluster:
                labels[node] = root
    return labels


def _min(x: datetime | None, y: datetime | None) -> datetime | None:
    return y if x is None else x if y is None else min(x, y)


def _max(x: datetime | None, y: datetime | None) -> datetime | None:
    return y if x is None else x if y is None else max(x, y)


def _span(first: list[datetime | None], last: list[datetime | None], a: int, b: int) -> timedelta:
    low, high = _min(first[a], first[b]), _max(last[a], last[b])
    return timedelta(0) if low is None or high is None else high - low


def cohesion(members: Sequence[int], weight: Mapping[tuple[int, int], float]) -> list[float]:
    """Each member's mean weight to the other members (0 for a missing edge; 1.0 for
    a cluster of one): how well the cluster supports it.  ``weight`` is keyed by
    ``(i, j)`` with ``i < j``."""
    if len(members) < 2:
        return [1.0] * len(members)
    scores = []
    for i in members:
        total = sum(weight.get((min(i, j), max(i, j)), 0.0) for j in members if j != i)
        scores.append(total / (len(members) - 1))
    return scores
