"""The story search's per-row selection (``_top_per_row``: one packed integer sort, then
an exact sort of the few kept) against the plain rule it implements: each row's
``limit`` largest values, ties by first position, ordered by row, then value, highest
first - as ``np.lexsort((-values, rows))`` orders them - on values with ties, zeros,
negative zero, infinities, NaN, tiny and huge numbers, rows in any order."""

from __future__ import annotations

import numpy as np
import pytest

from zhnorm.stories.similarity import _top_per_row


def reference(rows: np.ndarray, values: np.ndarray, limit: int) -> list[int]:
    order = np.lexsort((-values, rows))
    sorted_rows = rows[order]
    starts = np.flatnonzero(np.r_[True, sorted_rows[1:] != sorted_rows[:-1]])
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    picked: list[int] = order[rank < limit].tolist()
    return picked


def values_of(kind: int, size: int, rng: np.random.Generator) -> np.ndarray:
    if kind == 0:
        return rng.random(size)
    if kind == 1:  # many exact ties
        return rng.integers(0, 4, size) / 3.0
    if kind == 2:  # neighbours in the last bit: the packed bits tie, the values do not
        return np.where(rng.random(size) < 0.5, 1.0, np.nextafter(1.0, 0.0))
    if kind == 3:
        return rng.random(size) * 1e-300
    if kind == 4:
        return rng.random(size) * 1e300
    specials = [0.0, -0.0, np.inf, 1.0, 5e-324, -1.0, np.nan]
    return np.asarray(rng.choice(specials, size), dtype=np.float64)


@pytest.mark.parametrize("seed", range(4))
def test_top_per_row_is_the_lexsort_rule(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(400):
        size = int(rng.integers(0, 400))
        spread = int(rng.integers(1, 30))
        rows = rng.integers(0, spread, size)
        if rng.random() < 0.7:
            rows = np.sort(rows)
        rows = rows + int(rng.integers(0, 1 << 40))
        values = values_of(int(rng.integers(0, 6)), size, rng)
        limit = int(rng.integers(1, 12))
        found = _top_per_row(rows, values, limit)
        assert found.dtype == np.int64
        assert found.tolist() == reference(rows, values, limit)


def test_top_per_row_with_rows_too_wide_to_pack() -> None:
    # rows spanning 2**50 leave too few bits for the value: the exact sort of all
    rows = np.array([0, 1 << 50, 0, 1 << 50, 0], dtype=np.int64)
    values = np.array([0.5, 0.25, 0.75, 0.25, 0.5])
    assert _top_per_row(rows, values, 2).tolist() == reference(rows, values, 2)
    assert _top_per_row(rows[:0], values[:0], 3).tolist() == []
