"""Average linkage per connected component equals one agglomeration over the whole graph
(the property ``zhnorm.spark.reuse`` relies on to cluster each component in its own
task), with tied weights, dates and a window, and nodes renumbered."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from zhnorm.stories.clustering import (
    _agglomerate,
    average_linkage,
    average_linkage_component,
    weight_components,
)


def _graph(
    rng: random.Random, n: int
) -> tuple[list[tuple[int, int, float]], list[datetime | None]]:
    """Several dense clumps with weak links between some, tied weights, repeats,
    zero weights and self-loops."""
    edges: list[tuple[int, int, float]] = []
    levels = [0.0, 0.2, 0.45, 0.6, 0.6, 0.75, 0.9, 1.0]
    for _ in range(n * 2):  # clumps of 8 interleaved nodes (i, i + 3, i + 6 ...)
        i = rng.randrange(n)
        j = i + 3 * rng.randint(-3, 3) if rng.random() < 0.95 else rng.randrange(n)
        edges.append((i, min(n - 1, max(0, j)), rng.choice(levels)))
    day = datetime(2023, 2, 1)
    dates = [
        None if rng.random() < 0.2 else day + timedelta(days=rng.randint(0, 20)) for _ in range(n)
    ]
    return edges, dates


@pytest.mark.parametrize("seed", range(40))
def test_components_give_the_whole_graph_labels(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(2, 60)
    edges, dates = _graph(rng, n)
    for threshold in (0.3, 0.5, 0.6):
        for window in (None, timedelta(days=5)):
            whole = _agglomerate(n, edges, threshold, dates=dates, max_span=window)
            assert average_linkage(n, edges, threshold, dates=dates, max_span=window) == whole


def test_the_graphs_have_several_components() -> None:
    """The graphs above are not one component each (the equality would be trivial)."""
    several = 0
    for seed in range(40):
        rng = random.Random(seed)
        n = rng.randint(2, 60)
        component = weight_components(n, _graph(rng, n)[0])
        several += len({c for c in component if component.count(c) > 1}) > 1
    assert several >= 15


@pytest.mark.parametrize("seed", range(20))
def test_one_component_renumbered_in_order(seed: int) -> None:
    """A component's nodes carried to larger, spread-out numbers (increasing) and its
    edges shuffled: the same clusters, labelled by the new numbers."""
    rng = random.Random(100 + seed)
    n = rng.randint(2, 40)
    edges, dates = _graph(rng, n)
    labels = _agglomerate(n, edges, 0.5, dates=dates, max_span=timedelta(days=7))
    component = weight_components(n, edges)
    for root in set(component):
        members = [d for d in range(n) if component[d] == root]
        numbers = sorted(rng.sample(range(10 * n + 10), len(members)))
        to = dict(zip(members, numbers, strict=True))
        inside = [(to[i], to[j], w) for i, j, w in edges if i in to and j in to]
        rng.shuffle(inside)
        found = average_linkage_component(
            numbers, inside, 0.5, dates=[dates[m] for m in members], max_span=timedelta(days=7)
        )
        assert found == [to[labels[m]] for m in members]


def test_components_need_increasing_nodes() -> None:
    with pytest.raises(ValueError, match="increasing"):
        average_linkage_component([3, 1], [(3, 1, 0.9)], 0.5)
