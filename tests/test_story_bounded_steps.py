"""The story model's steps done a bounded piece at a time give what the whole does at once:
the background probabilities looked up a slice of the vocabulary at a time, and the
candidate index chosen in spans of entries (rows split anywhere) and built as CSR rows
directly - the same index as the (row, column, value) triples the model used to build
it from, so the same candidates; for a spilled model the index and its postings on disk
(written span by span, the postings in passes over column ranges), the same entries and
pairs, the files gone once the candidates are found."""

from __future__ import annotations

import itertools
import os
import random
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from zhnorm import match_keys
from zhnorm.stories import similarity
from zhnorm.stories.background import background
from zhnorm.stories.similarity import (
    StoryModel,
    TermCounts,
    indexed_positions,
    nearest_by_index,
)

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def corpus_keys() -> list[str]:
    """Paragraphs of the seeds, some repeated with a character changed (shared terms,
    tied scores) and some with ASCII runs of every length (terms of three characters or
    more), shuffled."""
    paragraphs = [
        p.strip()
        for path in sorted(SEEDS.glob("*.txt"))
        for p in path.read_text(encoding="utf-8").split("\n\n")
        if len(p.strip()) >= 40
    ][:120]
    docs = list(paragraphs)
    for p in paragraphs[:6]:
        docs += [p[:15] + "甲" + p[16:], p[:35] + "乙" + p[36:], p]
    docs += [f"{p[:25]} abc abd ab 2017 20170 x1 {p[25:70]}" for p in paragraphs[6:14]]
    docs += ["", "a", "中"]
    random.Random(3).shuffle(docs)
    return match_keys(docs)


def test_terms_of_a_slice_are_the_slice_of_the_terms() -> None:
    vocabulary = TermCounts.of([*corpus_keys(), "\x00a", "a\x00b", "一\x00二"]).vocabulary
    spelled = vocabulary.terms()
    assert len(spelled) == len(vocabulary) > 1000
    for start, stop in [(0, 1), (5, 5), (3, 977), (len(spelled) - 4, None), (0, None)]:
        assert vocabulary.terms(start, stop) == spelled[start:stop]


@pytest.mark.parametrize("at_once", [1, 7, 1 << 16])
def test_background_probability_a_slice_at_a_time(
    monkeypatch: pytest.MonkeyPatch, at_once: int
) -> None:
    vocabulary = TermCounts.of(corpus_keys()).vocabulary
    whole = background().probabilities(vocabulary.terms())
    monkeypatch.setattr(similarity, "SPELLED_TERMS", at_once)
    sliced = similarity._background_probability(vocabulary)
    assert sliced.tobytes() == whole.tobytes()


def index_from_triples(model: StoryModel) -> sparse.csr_matrix:
    """The candidate index as the model built it before: every row's indexed entries as
    (row, column, value) triples, given to scipy as a COO matrix."""
    matrix = model.texts.matrix
    rows_all, cols_all, values_all = [], [], []
    for d in range(len(model)):
        lo, hi = int(matrix.indptr[d]), int(matrix.indptr[d + 1])
        if isinstance(matrix, similarity.SpilledRows):
            cols, values = matrix.block(lo, hi)
        else:
            cols, values = matrix.indices[lo:hi], matrix.data[lo:hi]
        usable = model.texts.indexable_columns(model.options)
        rows = np.full(hi - lo, d, dtype=np.int64)
        top = indexed_positions(rows, values, usable[cols], model.options.index_terms)
        rows_all.append(rows[top])
        cols_all.append(cols[top])
        values_all.append(values[top])
    return sparse.csr_matrix(
        (np.concatenate(values_all), (np.concatenate(rows_all), np.concatenate(cols_all))),
        shape=matrix.shape,
    )


def assert_same_csr(a: sparse.csr_matrix, b: sparse.csr_matrix) -> None:
    assert a.shape == b.shape
    assert np.asarray(a.indptr).tolist() == np.asarray(b.indptr).tolist()
    assert np.asarray(a.indices).tolist() == np.asarray(b.indices).tolist()
    assert np.asarray(a.data).tobytes() == np.asarray(b.data).tobytes()


@pytest.mark.parametrize("spilled", [False, True])
@pytest.mark.parametrize("entries", [50, 997, 1 << 20])
def test_index_in_spans_of_entries_is_the_index_of_triples(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, spilled: bool, entries: int
) -> None:
    keys = corpus_keys()
    model = StoryModel.from_keys(keys, spill=str(tmp_path) if spilled else None, index_terms=8)
    expected = index_from_triples(model)
    wanted = model.candidates(0.05, 3)
    monkeypatch.setattr(similarity, "SPILL_ENTRIES", entries)
    spans = similarity._entry_spans(np.asarray(model.texts.matrix.indptr, dtype=np.int64))
    assert spans[0][0] == 0 and spans[-1][1] == len(model)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    if entries == 50:
        assert len(spans) > 20  # rows split into many spans
    for workers in (1, 2):
        index = model._index_matrix(workers)
        assert index.has_sorted_indices
        assert_same_csr(index, expected)
        assert model.candidates(0.05, 3, workers=workers) == wanted
    assert len(wanted) > 20


def as_csr(rows: similarity.SpilledRows) -> sparse.csr_matrix:
    whole = rows.rows(np.arange(rows.shape[0], dtype=np.int64))
    return sparse.csr_matrix((whole.data, whole.indices, whole.indptr), shape=rows.shape)


def assert_same(got: sparse.csr_matrix, expected: sparse.csr_matrix) -> None:
    assert got.shape == expected.shape
    assert np.asarray(got.indptr).tolist() == np.asarray(expected.indptr).tolist()
    assert np.asarray(got.indices).tolist() == np.asarray(expected.indices).tolist()
    assert got.data.tobytes() == expected.data.tobytes()


@pytest.mark.parametrize(
    ("posting_entries", "spill_entries"), [(1, 50), (97, 997), (1 << 22, 1 << 20)]
)
def test_spilled_index_is_the_index_and_its_transpose(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, posting_entries: int, spill_entries: int
) -> None:
    model = StoryModel.from_keys(corpus_keys(), spill=str(tmp_path), index_terms=8)
    memory = similarity._MemoryIndex.of(model._index_matrix())
    before = set(os.listdir(tmp_path))
    monkeypatch.setattr(similarity, "POSTING_ENTRIES", posting_entries)
    monkeypatch.setattr(similarity, "SPILL_ENTRIES", spill_entries)
    for workers in (1, 2):
        spilled = model._spilled_index(str(tmp_path), workers)
        assert_same(as_csr(spilled.index), memory.index)
        assert_same(as_csr(spilled.postings), memory.postings)
        assert spilled.products_per_row().tobytes() == memory.products_per_row().tobytes()
        assert memory.products_per_row().sum() > len(model)  # terms shared, postings > 1
        spilled.close()
    assert set(os.listdir(tmp_path)) == before


@pytest.mark.parametrize("blocks", [(0, 1), (3, 40), (0, 200), (50, 201)])
def test_a_spilled_block_finds_the_pairs_of_the_whole_index(
    tmp_path: Path, blocks: tuple[int, int]
) -> None:
    model = StoryModel.from_keys(corpus_keys(), spill=str(tmp_path), index_terms=8)
    index = model._index_matrix()
    spilled = model._spilled_index(str(tmp_path))
    start, stop = blocks
    stop = min(stop, len(model))
    rows = np.arange(start, stop, dtype=np.int64)
    expected = nearest_by_index(index[start:stop], index.T.tocsr(), rows, 3)
    queries, postings = spilled.search_block(start, stop)
    assert queries.shape[1] == postings.shape[0] <= 8 * (stop - start)  # the block's terms
    got = nearest_by_index(queries, postings, rows, 3)
    assert [g.tolist() for g in got] == [e.tolist() for e in expected]
    spilled.close()


def test_spilled_candidates_are_the_in_memory_ones_and_leave_no_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    keys = [*corpus_keys(), "孤零零", "无人共享的一段字"]  # rows with no indexed term
    wanted = StoryModel.from_keys(keys).candidates(0.05, 3)
    assert len(wanted) > 20
    model = StoryModel.from_keys(keys, spill=str(tmp_path))
    before = set(os.listdir(tmp_path))
    monkeypatch.setattr(similarity, "POSTING_ENTRIES", 64)
    monkeypatch.setattr(similarity, "PRODUCTS_PER_BLOCK", 64)  # many blocks, some empty
    for workers in (1, 2):
        assert model.candidates(0.05, 3, workers=workers) == wanted
    assert set(os.listdir(tmp_path)) == before


def test_nothing_indexed(tmp_path: Path) -> None:
    keys = ["甲乙丙丁", "戊己庚辛", ""]  # no term in two documents
    model = StoryModel.from_keys(keys, spill=str(tmp_path))
    assert model.candidates(0.0, 3) == []
    assert StoryModel.from_keys([], spill=str(tmp_path)).candidates(0.0, 3) == []
