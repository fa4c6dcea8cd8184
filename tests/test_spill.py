"""The partitioned hash spill behind corpus-wide k-gram statistics: the same candidate
pairs and document frequencies whatever the partitioning, and no file left behind."""

from __future__ import annotations

import functools
import os

import numpy as np
import pytest

from zhnorm.textreuse import corpus
from zhnorm.textreuse.corpus import _repeated_table, _spilled_pairs, candidate_pairs
from zhnorm.textreuse.spill import HashSpill, partitions_for


def _documents(seed: int, n: int = 300) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    pool = rng.integers(0, 2**64, 2000, dtype=np.uint64)  # shared shingles
    docs = []
    for _ in range(n):
        own = rng.integers(0, 2**64, int(rng.integers(0, 40)), dtype=np.uint64)
        shared = pool[rng.integers(0, len(pool), int(rng.integers(0, 30)))]
        docs.append(np.concatenate([own, shared, shared[:3]]))  # repeats within a doc
    return docs


def _all_pairs(docs: list[np.ndarray], max_df: int, min_shared: int) -> list[tuple[int, int, int]]:
    """The definition, by brute force over document sets."""
    sets = [set(d.tolist()) for d in docs]
    df: dict[int, int] = {}
    for s in sets:
        for h in s:
            df[h] = df.get(h, 0) + 1
    rare = [{h for h in s if 2 <= df[h] <= max_df} for s in sets]
    out = []
    for i in range(len(docs)):
        for j in range(i + 1, len(docs)):
            shared = len(rare[i] & rare[j])
            if shared >= min_shared:
                out.append((i, j, shared))
    return out


@pytest.mark.parametrize("partitions", [1, 2, 16, 64])
def test_spilled_pairs_equal_the_definition_for_any_partitioning(partitions: int) -> None:
    docs = _documents(partitions)
    expected = _all_pairs(docs, max_df=8, min_shared=2)
    assert expected  # the corpus has candidates
    with HashSpill(partitions, buffer=97) as spill:
        for d, hashes in enumerate(docs):
            spill.add(d, np.unique(hashes))
        assert _spilled_pairs(spill, len(docs), 8, 2) == expected
    assert candidate_pairs(docs, 8, 2) == expected
    with HashSpill(partitions, buffer=97) as spill:  # each partition reduced on a worker
        for d, hashes in enumerate(docs):
            spill.add(d, np.unique(hashes))
        assert _spilled_pairs(spill, len(docs), 8, 2, workers=2) == expected


def test_repeated_table_is_sorted_document_frequency_of_repeated_hashes() -> None:
    docs = _documents(5)
    sets = [set(d.tolist()) for d in docs]
    df: dict[int, int] = {}
    for s in sets:
        for h in s:
            df[h] = df.get(h, 0) + 1
    with HashSpill(8, buffer=50) as spill:
        for d, hashes in enumerate(docs):
            spill.add(d, np.unique(hashes))
        values, counts = _repeated_table(spill)
    repeated = sorted((h, c) for h, c in df.items() if c >= 2)
    assert values.tolist() == [h for h, _ in repeated]
    assert counts.tolist() == [c for _, c in repeated]
    with HashSpill(8, buffer=50) as spill:  # the partitions reduced on two workers
        for d, hashes in enumerate(docs):
            spill.add(d, np.unique(hashes))
        on_workers = _repeated_table(spill, workers=2)
    assert on_workers[0].tolist() == values.tolist()
    assert on_workers[1].tolist() == counts.tolist()


def test_usable_treats_a_hash_missing_from_the_table_as_in_one_document() -> None:
    values = np.array([5, 9, 20], dtype=np.uint64)
    counts = np.array([2, 100, 64], dtype=np.int64)
    hashes = np.array([1, 5, 9, 10, 20, 30], dtype=np.uint64)
    usable = corpus._usable(hashes, values, counts, 64)
    assert usable.tolist() == [True, True, False, True, True, True]


def test_spill_files_are_removed_and_partitions_grow_with_the_corpus(tmp_path: os.PathLike) -> None:
    spill = HashSpill(4, directory=str(tmp_path), buffer=10)
    for d in range(20):
        spill.add(d, np.arange(d, d + 5, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15))
    assert os.listdir(tmp_path)  # spilled
    assert sum(len(h) for h, _ in spill.partitions()) == 100
    spill.close()
    assert os.listdir(tmp_path) == []
    assert partitions_for(0) == 1
    assert partitions_for(10**9) > partitions_for(10**8) > 1
    with pytest.raises(ValueError, match="power of two"):
        HashSpill(3)


TEXTS = ["", "台风海葵登陆花莲", "\U0001f600 astral", "lone \ud800 surrogate", "x" * 5000, "", "末"]


def test_spilled_texts_read_back_every_text(tmp_path: os.PathLike, monkeypatch) -> None:
    from zhnorm.textreuse import spill as spill_module
    from zhnorm.textreuse.spill import SpilledTexts

    texts = SpilledTexts(TEXTS[:3], str(tmp_path))
    for text in TEXTS[3:]:
        texts.append(text)
    assert os.listdir(tmp_path) == []  # unlinked at once: nothing left if the run dies
    assert len(texts) == len(TEXTS)
    assert [texts[i] for i in range(len(TEXTS))] == TEXTS
    assert texts[-1] == "末" and texts[-len(TEXTS)] == ""
    assert texts[1:4] == TEXTS[1:4] and texts[::2] == TEXTS[::2] and texts[5:2] == []
    assert list(texts) == TEXTS
    monkeypatch.setattr(spill_module, "TEXT_READ_BYTES", 1)  # one text a read
    assert list(texts) == TEXTS
    assert list(zip(texts, TEXTS, strict=True)) == list(zip(TEXTS, TEXTS, strict=True))
    texts.append("after reading")  # appending after a read: the new text is read too
    assert texts[-1] == "after reading" and list(texts)[-2:] == ["末", "after reading"]
    for bad in (len(TEXTS) + 1, -len(TEXTS) - 2):
        with pytest.raises(IndexError):
            texts[bad]
    texts.close()
    assert len(SpilledTexts()) == 0 and list(SpilledTexts()) == []


def _inherited_text(token: int, index: int) -> str:
    from zhnorm.neardup.inherit import inherited

    return str(inherited(token)[index])


def test_spilled_texts_are_read_by_forked_workers() -> None:
    from zhnorm.neardup.inherit import handed_down
    from zhnorm.textreuse.spill import SpilledTexts
    from zhnorm.workers import forks, process_pool

    if not forks():
        pytest.skip("workers are not forked here")
    texts = SpilledTexts(TEXTS)
    with handed_down(texts) as token, process_pool(2) as pool:
        read = functools.partial(_inherited_text, token)
        assert list(pool.map(read, range(len(TEXTS)))) == TEXTS
    assert list(texts) == TEXTS  # the workers' reads moved no shared position
    # nothing was read here before the fork: the buffered writes were flushed then, so
    # no child wrote its copy of them, and texts appended afterwards land in place
    for text in TEXTS:
        texts.append(text)
    assert list(texts) == TEXTS + TEXTS
