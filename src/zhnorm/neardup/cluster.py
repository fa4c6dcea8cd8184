"""Clusters from verified pairs (union-find) and the member each cluster keeps."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..unionfind import components

__all__ = ["KEEP_POLICIES", "choose_kept", "cluster_pairs"]

KEEP_POLICIES = ("first", "longest")
"""Named keep policies; any other name is a field whose smallest value is kept."""


def cluster_pairs(n: int, pairs: Iterable[tuple[int, int]]) -> list[int]:
    """Cluster id of each of ``n`` items, merging every pair (transitively).  A
    cluster's id is its smallest member index, so singletons are their own id."""
    return components(n, pairs)


def _value_order(value: Any) -> tuple[int, Any]:
    """Sort key: numbers before strings before anything else, missing values last."""
    if value is None:
        return (3, 0)
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, str):
        return (1, value)
    return (2, str(value))


def choose_kept(
    members: Sequence[int],
    keep: str = "first",
    lengths: Sequence[int] | None = None,
    values: Sequence[Any] | None = None,
) -> int:
    """The member of a cluster to keep (``members`` are item indices).

    ``first``    the smallest index.
    ``longest``  the largest ``lengths[i]``.
    otherwise    ``keep`` names a field; the smallest ``values[i]`` is kept (the
                 earliest date, for ISO dates; missing values never win unless all are
                 missing; numbers sort before strings).

    Ties go to the smallest index."""
    if not members:
        raise ValueError("a cluster has at least one member")
    if keep == "first":
        return min(members)
    if keep == "longest":
        if lengths is None:
            raise ValueError("keep='longest' needs lengths")
        return min(members, key=lambda i: (-lengths[i], i))
    if values is None:
        raise ValueError(f"keep={keep!r} (a field) needs the field's values")
    return min(members, key=lambda i: (_value_order(values[i]), i))
