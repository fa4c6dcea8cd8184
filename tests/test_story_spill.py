"""The story model with its rows spilled to disk (``spill=``) against the in-memory model:
the same rows (bit for bit, the terms in one document only sharing one column), scores and
candidates, and the in-memory vocabulary, weights and document frequencies restricted to
the terms in two documents or more, whatever the block sizes; the files go with their
directory."""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import pytest

from zhnorm.stories import similarity
from zhnorm.stories.similarity import SpilledRows, StoryModel, StoryOptions, StoryVectors

BASE = [
    "台风海葵今晨登陆花莲全台停班停课",
    "颱風海葵今晨登陸花蓮全臺停班停課",
    "股市今日收盘上涨120点",
    "台北市长2017年宣布新政 abc",
    "",
    "花莲县政府表示灾情已获控制",
]


def texts(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    alphabet = "中国人民大学台北市长的了记者表示今天花莲风雨" + "abc0129 -"
    out = []
    for d in range(n):
        noise = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 60)))
        out.append(f"{BASE[d % len(BASE)]}{noise}第{d}则{d * 7 % 13}号")
    return out


def rows_of(vectors: StoryVectors) -> tuple[list[int], np.ndarray, np.ndarray]:
    matrix = vectors.matrix
    if isinstance(matrix, SpilledRows):
        end = int(matrix.indptr[-1])
        indices, data = matrix.block(0, end)
        return np.asarray(matrix.indptr).tolist(), indices, data
    return np.asarray(matrix.indptr).tolist(), matrix.indices, matrix.data


def spilled_columns(memory: StoryVectors) -> tuple[np.ndarray, int | None]:
    """Per column of the in-memory fit its column in the spilled fit: its rank among the
    terms in two documents or more, or the one column after them; and that column."""
    many = memory.document_frequency >= 2
    single = len(np.flatnonzero(many)) if not many.all() else None
    columns = np.where(many, np.cumsum(many) - 1, -1 if single is None else single)
    return columns, single


def assert_same_vectors(memory: StoryVectors, spilled: StoryVectors) -> None:
    assert isinstance(spilled.matrix, SpilledRows)
    many = memory.document_frequency >= 2
    kept = np.flatnonzero(many)
    assert spilled.vocabulary.terms() == [memory.vocabulary.terms()[c] for c in kept]
    assert spilled.vocabulary.is_char.tolist() == memory.vocabulary.is_char[kept].tolist()
    assert spilled.weights.tobytes() == memory.weights[kept].tobytes()
    assert spilled.document_frequency.tolist() == memory.document_frequency[kept].tolist()
    columns, single = spilled_columns(memory)
    assert spilled.matrix.single_column == single
    assert spilled.matrix.shape == (memory.matrix.shape[0], len(kept) + (single is not None))
    indptr, indices, data = rows_of(memory)
    spilled_indptr, spilled_indices, spilled_data = rows_of(spilled)
    assert spilled_indptr == indptr
    assert spilled_indices.tolist() == columns[np.asarray(indices, dtype=np.int64)].tolist()
    assert spilled_data.tobytes() == np.asarray(data, dtype=np.float64).tobytes()
    assert spilled.present().tolist() == memory.present().tolist()
    usable = spilled.indexable_columns(StoryOptions())
    expected = np.zeros(spilled.matrix.shape[1], dtype=bool)
    expected[columns[memory.indexable_columns(StoryOptions())]] = True
    assert usable.tolist() == expected.tolist()


@pytest.mark.parametrize(
    ("row_block", "entries", "pairs", "tally"),
    [(4096, 1 << 22, 1 << 12, 1 << 21), (3, 7, 2, 5), (1, 1, 1, 1)],
)
def test_spilled_model_is_the_model(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    row_block: int,
    entries: int,
    pairs: int,
    tally: int,
) -> None:
    monkeypatch.setattr(similarity, "ROW_BLOCK", row_block)
    monkeypatch.setattr(similarity, "TALLY_RECORDS", tally)  # the frequencies in parts
    monkeypatch.setattr(similarity, "SPILL_ENTRIES", entries)
    monkeypatch.setattr(similarity, "SCORE_PAIRS", pairs)
    docs = texts(60)
    titles = [f"标题{d % 5}" if d % 3 else "" for d in range(len(docs))]
    keys = [t + k for t, k in zip(titles, docs, strict=True)]
    memory = StoryModel.from_keys(keys, titles)
    spilled = StoryModel.from_keys(keys, titles, spill=str(tmp_path))
    assert_same_vectors(memory.texts, spilled.texts)
    assert memory.titles is not None and spilled.titles is not None
    assert_same_vectors(memory.titles, spilled.titles)
    # counted and made unit on two processes: the same model
    on_workers = StoryModel.from_keys(keys, titles, spill=str(tmp_path), workers=2)
    assert_same_vectors(memory.texts, on_workers.texts)
    assert on_workers.titles is not None
    assert_same_vectors(memory.titles, on_workers.titles)
    in_memory_on_workers = StoryModel.from_keys(keys, titles, workers=2)
    assert in_memory_on_workers.texts.matrix.data.tobytes() == memory.texts.matrix.data.tobytes()
    assert in_memory_on_workers.texts.vocabulary.terms() == memory.texts.vocabulary.terms()
    assert len(spilled) == len(memory) == len(docs)
    rng = np.random.default_rng(1)
    index = rng.integers(0, len(docs), size=(300, 2))
    index[::7, 1] = index[::7, 0]  # a document with itself: its single terms count
    assert spilled.similarities(index).tobytes() == memory.similarities(index).tobytes()
    assert spilled.similarity(4, 10) == memory.similarity(4, 10)
    found = memory.candidates(0.05, 3)
    assert found and spilled.candidates(0.05, 3) == found
    assert spilled.candidates(0.05, 3, workers=2) == found


def test_spilled_without_titles_and_empty(tmp_path: Path) -> None:
    docs = texts(25, seed=3)
    memory = StoryModel.from_keys(docs)
    spilled = StoryModel.from_keys(docs, spill=str(tmp_path))
    assert_same_vectors(memory.texts, spilled.texts)
    assert spilled.candidates(0.05, 2) == memory.candidates(0.05, 2)
    for keys in ([], [""], ["", ""]):
        memory = StoryModel.from_keys(keys)
        spilled = StoryModel.from_keys(keys, spill=str(tmp_path))
        assert_same_vectors(memory.texts, spilled.texts)
        assert spilled.candidates() == memory.candidates() == []
        if keys:
            assert spilled.similarity(0, -1) == memory.similarity(0, -1) == 0.0


def test_files_live_in_the_spill_directory(tmp_path: Path) -> None:
    spilled = StoryModel.from_keys(texts(10), spill=str(tmp_path))
    matrix = spilled.matrix
    assert isinstance(matrix, SpilledRows)
    assert {Path(matrix.indices_path).parent, Path(matrix.data_path).parent} == {tmp_path}
    entries = int(matrix.indptr[-1])
    assert os.path.getsize(matrix.indices_path) == 4 * entries
    assert os.path.getsize(matrix.data_path) == 8 * entries


def test_story_weights_as_the_in_memory_model_gives_them_and_leave_no_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    from zhnorm.stories.detect import story_weights
    from zhnorm.textreuse.corpus import ReuseOptions
    from zhnorm.textreuse.passages import REPORTED_SIGNIFICANCE, DocMeta

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    docs = texts(30, seed=5)
    evidence = {(0, 7): 0.5, (1, 2): 90.0, (3, 9): 20.0}
    options = ReuseOptions()
    weights = story_weights(docs, [DocMeta() for _ in docs], evidence, options)
    assert list(tmp_path.iterdir()) == []
    support, even = options.story_support, options.event_similarity
    model = StoryModel.from_keys(docs)  # in memory: the reference
    expected: dict[tuple[int, int], float] = {}
    for i, j, score in model.candidates(even / 2, options.neighbours):
        expected[(min(i, j), max(i, j))] = min(1.0, score / even * support)
    for pair, significance in evidence.items():
        known = expected.get(pair, min(1.0, model.similarity(*pair) / even * support))
        expected[pair] = max(known, min(1.0, significance / REPORTED_SIGNIFICANCE * support))
    assert weights == expected and list(weights) == list(expected)


@pytest.mark.parametrize("workers", [1, 2])
def test_story_weights_with_titles_read_from_files_are_those_of_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """The titles' keys and the titled keys go through files (in chunks of titles), the
    keys may be a :class:`SpilledTexts`: the weights of the in-memory model of lists."""
    import tempfile

    from zhnorm.key import match_keys
    from zhnorm.stories import detect
    from zhnorm.textreuse.corpus import ReuseOptions
    from zhnorm.textreuse.passages import REPORTED_SIGNIFICANCE, DocMeta
    from zhnorm.textreuse.spill import SpilledTexts

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(detect, "TITLE_CHUNK", 7)  # several chunks of titles
    docs = texts(40, seed=9)
    meta = [
        DocMeta(title=None if d % 5 == 3 else BASE[d % len(BASE)][: 4 + d % 6]) for d in range(40)
    ]
    options = ReuseOptions(window_days=None)
    weights = detect.story_weights(
        SpilledTexts(docs), meta, {(2, 30): 0.7}, options, workers=workers
    )
    assert list(tmp_path.iterdir()) == []
    titles = match_keys([m.title or "" for m in meta])
    model = StoryModel.from_keys([t + k for t, k in zip(titles, docs, strict=True)], titles)
    even, support = options.event_similarity, options.story_support
    expected: dict[tuple[int, int], float] = {}
    for i, j, score in model.candidates(even / 2, options.neighbours):
        expected[(min(i, j), max(i, j))] = min(1.0, score / even * support)
    known = expected.get((2, 30), min(1.0, model.similarity(2, 30) / even * support))
    expected[(2, 30)] = max(known, min(1.0, 0.7 / REPORTED_SIGNIFICANCE * support))
    assert len(expected) > 10 and weights == expected and list(weights) == list(expected)


def test_rows_read_back_are_the_in_memory_rows(tmp_path: Path) -> None:
    docs = texts(40, seed=3)
    memory = StoryModel.from_keys(docs).matrix
    spilled = StoryModel.from_keys(docs, spill=str(tmp_path)).matrix
    assert isinstance(spilled, SpilledRows)
    columns, _ = spilled_columns(StoryModel.from_keys(docs).texts)
    rng = random.Random(7)
    for wanted in ([], [0], [39], [3, 4, 5, 9], sorted(rng.sample(range(40), 17)), list(range(40))):
        got = spilled.rows(np.asarray(wanted, dtype=np.int64))
        expected = memory[wanted] if wanted else None
        assert np.asarray(got.indptr).tolist() == (
            np.asarray(expected.indptr).tolist() if expected is not None else [0]
        )
        if expected is not None:
            assert np.asarray(got.indices).tolist() == columns[expected.indices].tolist()
            assert np.asarray(got.data).tobytes() == expected.data.astype(np.float64).tobytes()


def test_a_spill_shorter_than_its_index_is_a_one_line_error(tmp_path: Path) -> None:
    spilled = StoryModel.from_keys(texts(12), spill=str(tmp_path)).matrix
    assert isinstance(spilled, SpilledRows)
    with open(spilled.data_path, "r+b") as handle:
        handle.truncate(os.path.getsize(spilled.data_path) - 8)
    last = np.asarray([spilled.shape[0] - 1], dtype=np.int64)
    with pytest.raises(OSError, match="shorter than their index") as raised:
        spilled.rows(last)
    assert spilled.data_path in str(raised.value)
    assert "\n" not in str(raised.value)
