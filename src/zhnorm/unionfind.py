"""Connected components of pairs (union-find): the one implementation every clustering uses."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["components"]


def components(n: int, pairs: Iterable[tuple[int, int]]) -> list[int]:
    """Component of each of ``n`` items, merging every pair (transitively).  A
    component's id is its smallest member index, so singletons are their own id.

    >>> components(5, [(3, 1), (4, 3)])
    [0, 1, 2, 1, 1]
    """
    parent = list(range(n))

    def find(item: int) -> int:
        root = item
        while parent[root] != root:
            root = parent[root]
        while parent[item] != root:  # path compression
            parent[item], item = root, parent[item]
        return root

    for a, b in pairs:
        if not (0 <= a < n and 0 <= b < n):
            raise IndexError(f"pair ({a}, {b}) outside 0..{n - 1}")
        root_a, root_b = find(a), find(b)
        if root_a != root_b:  # the smaller index becomes the root
            if root_a < root_b:
                parent[root_b] = root_a
            else:
                parent[root_a] = root_b
    return [find(item) for item in range(n)]
