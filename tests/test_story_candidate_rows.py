"""The story model's candidate search, row by row: each document's unit row, its indexed
terms and its candidates depend only on its own terms, their corpus statistics and the
postings of its indexed terms, so the rows may be made and searched in any groups
(what ``zhnorm.spark.reuse`` does on the executors) and give the corpus's exactly."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from zhnorm import match_keys
from zhnorm.stories.similarity import (
    StoryModel,
    TermCounts,
    indexed_positions,
    nearest_by_index,
    unit_rows_of_terms,
    vocabulary_order,
)

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def tied_keys() -> list[str]:
    """Paragraphs of the seeds, the first four printed 16 times and a few once more
    with a character changed: documents whose partners tie in approximate and in exact
    score, more of them than the search keeps; and keys with ASCII runs of every
    length (terms longer than two characters, sharing their first two)."""
    paragraphs = [
        p.strip()
        for path in sorted(SEEDS.glob("*.txt"))
        for p in path.read_text(encoding="utf-8").split("\n\n")
        if len(p.strip()) >= 60
    ]
    docs = list(paragraphs[:40])
    for p in paragraphs[:4]:
        docs += [p] * 15
        docs += [p[:20] + "甲" + p[21:], p[:40] + "乙" + p[41:]]
    docs += [f"{p[:30]} abc abd ab 2017 20170 a x1 {p[30:80]}" for p in paragraphs[4:12]]
    random.Random(5).shuffle(docs)
    return match_keys(docs)


def test_vocabulary_order_is_the_column_order() -> None:
    keys = [*tied_keys(), "\x00a", "a\x00b", "abcd abce abc ab a", "一\x00二"]
    terms = TermCounts.of(keys).vocabulary.terms()
    assert list(vocabulary_order(terms)) == list(range(len(terms)))
    picked = random.Random(1).sample(range(len(terms)), 300)
    ranks = np.argsort(np.argsort(picked))
    assert list(vocabulary_order([terms[n] for n in picked])) == list(ranks)


def term_rows(keys: list[str]) -> tuple[list[list[str]], list[list[float]]]:
    """Each key's terms in the order of key_terms, with their frequencies."""
    counts = TermCounts.of(keys)
    spelled = counts.vocabulary.terms()
    terms, freqs = [], []
    for n in range(len(keys)):
        lo, hi = int(counts.indptr[n]), int(counts.indptr[n + 1])
        terms.append([spelled[c] for c in counts.indices[lo:hi].tolist()])
        freqs.append(counts.frequencies[lo:hi].tolist())
    return terms, freqs


def test_rows_made_in_any_group_are_the_fitted_rows() -> None:
    keys = tied_keys()
    model = StoryModel.from_keys(keys)
    spelled = model.texts.vocabulary.terms()
    df_of = dict(zip(spelled, model.texts.document_frequency.tolist(), strict=True))
    index = model._index_matrix()
    terms, freqs = term_rows(keys)
    order = list(range(len(keys)))
    random.Random(2).shuffle(order)
    for group in (order[:7], order[7:50], order[50:], [3]):
        lengths = np.asarray([len(terms[d]) for d in group], dtype=np.int64)
        flat = [t for d in group for t in terms[d]]
        at, values, usable = unit_rows_of_terms(
            lengths,
            flat,
            np.asarray([f for d in group for f in freqs[d]]),
            np.asarray([df_of[t] for t in flat], dtype=np.int64),
            len(keys),
        )
        rows = np.repeat(np.arange(len(group)), lengths)
        top = np.sort(indexed_positions(rows, values[at], usable[at], 32))
        starts = np.r_[0, np.cumsum(lengths)]
        for n, d in enumerate(group):
            row = model.matrix[d]
            mine = at[starts[n] : starts[n + 1]]
            assert [flat[e] for e in mine] == [spelled[c] for c in row.indices.tolist()]
            assert values[mine].tolist() == row.data.tolist()  # exactly, not approximately
            own = top[(top >= starts[n]) & (top < starts[n + 1])]
            indexed = index[d]
            assert [flat[e] for e in at[own]] == [spelled[c] for c in indexed.indices.tolist()]
            assert values[at[own]].tolist() == indexed.data.tolist()


@pytest.mark.parametrize("k", [1, 3, 10])
def test_search_in_any_group_of_rows_is_the_corpus_search(k: int) -> None:
    model = StoryModel.from_keys(tied_keys())
    index = model._index_matrix()
    transposed = index.T.tocsr()
    everyone = np.arange(len(model), dtype=np.int64)
    left, right = nearest_by_index(index, transposed, everyone, k)
    whole = {d: right[left == d].tolist() for d in everyone.tolist()}
    tied = sum(
        len(set(model.similarities([(d, j) for j in v]).tolist())) < len(v)
        for d, v in whole.items()
    )
    assert tied > 10  # rows whose kept partners tie (the order decides which are kept)
    rng = random.Random(k)
    order = everyone.tolist()
    rng.shuffle(order)
    for group in (order[:5], order[5:60], order[60:]):
        # the group's own columns, renumbered in order, and only their postings
        queries = index[group]
        used = np.unique(queries.indices)
        renumber = np.searchsorted(used, queries.indices)
        local = sparse.csr_matrix(
            (queries.data, renumber, queries.indptr), shape=(len(group), len(used))
        )
        got_left, got_right = nearest_by_index(
            local, transposed[used], np.asarray(group, dtype=np.int64), k
        )
        for d in group:
            assert got_right[got_left == d].tolist() == whole[d]
