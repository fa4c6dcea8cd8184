"""TermCounts.of (numpy, in blocks) against key_terms (the reference, one key at a time):
the same vocabulary, rows, entry order and frequencies, on keys built to hit every rule
(ASCII runs, runs starting with an ASCII character, single characters, the character-term
prefix and NUL inside keys, astral and surrogate characters, lead and max_chars cuts)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from zhnorm.stories import similarity
from zhnorm.stories.similarity import StoryOptions, TermCounts, key_terms


def reference(
    keys: list[str], options: StoryOptions
) -> tuple[dict[str, int], list[int], list[int], list[float]]:
    vocabulary: dict[str, int] = {}
    indptr, indices, frequencies = [0], [], []
    for key in keys:
        counts = key_terms(key, options)
        indices += [vocabulary.setdefault(term, len(vocabulary)) for term in counts]
        frequencies += list(counts.values())
        indptr.append(len(indices))
    terms = sorted(vocabulary)
    rank = {vocabulary[term]: n for n, term in enumerate(terms)}
    return {t: n for n, t in enumerate(terms)}, indptr, [rank[i] for i in indices], frequencies


def assert_same(keys: list[str], options: StoryOptions, workers: int = 1) -> None:
    counts = TermCounts.of(keys, options, workers=workers)
    vocabulary, indptr, indices, frequencies = reference(keys, options)
    assert list(counts.vocabulary.items()) == list(vocabulary.items())
    assert counts.indptr.tolist() == indptr
    assert counts.indices.dtype == np.int32
    assert counts.indices.tolist() == indices
    assert counts.frequencies.dtype == np.float64
    assert counts.frequencies.tolist() == frequencies


ALPHABET = [*"中国人民大学台北市长的了", *"abc09xyz", " ", "-", "_", "A", "\x00", "\x01",
            "\x02", "é", "\U0001f600", "\ud800"]  # fmt: skip


@pytest.mark.parametrize("seed", range(6))
def test_random_keys_match_key_terms(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(60):
        keys = [
            "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 50)))
            for _ in range(rng.randrange(1, 10))
        ]
        options = StoryOptions(
            lead_chars=rng.choice([0, 3, 10, 120]),
            max_chars=rng.choice([0, 5, 40]),
            lead_weight=rng.choice([1.0, 1.3, 2.0]),
        )
        assert_same(keys, options)


@pytest.mark.parametrize(("rows", "chars"), [(3, 1 << 20), (4096, 20), (4096, 1)])
def test_blocks_number_terms_across_blocks(
    monkeypatch: pytest.MonkeyPatch, rows: int, chars: int
) -> None:
    monkeypatch.setattr(similarity, "ROW_BLOCK", rows)
    monkeypatch.setattr(similarity, "TERM_BLOCK_CHARS", chars)
    keys = [
        "台风海葵登陆花莲",
        "股市今日收盘上涨120点",
        "",
        "台北市长2017年",
        "a",
        "花莲 abc de",
    ] * 3
    assert_same(keys, StoryOptions())
    assert_same(keys, StoryOptions(max_chars=5))
    assert_same(keys, StoryOptions(), workers=2)


@pytest.mark.parametrize("workers", [1, 2])
def test_longer_terms_numbered_in_order_of_first_sight(
    monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    # a block counts its longer terms (ASCII runs) on its own; numbered after the blocks
    # before it, its known terms come back in another order than its own, among new ones
    monkeypatch.setattr(similarity, "ROW_BLOCK", 2)
    keys = ["abc 2017 xyz", "花莲abc", "qqq xyz 2017 abc", "新闻zzz", "zzz 9999 abc", "xyz", ""]
    assert_same(keys, StoryOptions(), workers)
    assert_same(keys[::-1], StoryOptions(), workers)
    rng = random.Random(7)
    words = ["abc", "xyz", "2017", "qqq", "zzz", "9999", "a1b2", "花莲", "台北", "中"]
    shuffled = [" ".join(rng.choice(words) for _ in range(rng.randrange(0, 8))) for _ in range(40)]
    assert_same(shuffled, StoryOptions(), workers)


def test_empty_keys() -> None:
    assert_same([""], StoryOptions())
    assert_same(["", "", ""], StoryOptions())
    counts = TermCounts.of([], StoryOptions())
    assert counts.documents == 0 and counts.vocabulary == {}


def test_background_probabilities_match_probability() -> None:
    from zhnorm.stories.background import (
        ASCII_LONG,
        ASCII_SHORT,
        CHAR_PREFIX,
        UNIFORM,
        Background,
        background,
    )

    table = background()
    terms = ["记者", "花莲", "是一", "幂住", "1", "2017", "a", "中", "的", " 中国", "-x", "\x00",
             "", "\ud800中", "\U0001f600", "中\U0001f600", "abc中", CHAR_PREFIX + "中",
             CHAR_PREFIX + "a", CHAR_PREFIX, CHAR_PREFIX + "中国", "中国人", "é", "éa"]  # fmt: skip
    counts = {**table.chars}

    def one(term: str) -> float:  # the rule as the module docstring states it, per term
        if term.startswith(CHAR_PREFIX):
            count = counts.get(term[1:], 0) + 0.5
        elif term.isascii():
            return ASCII_SHORT if len(term) == 1 else ASCII_LONG
        elif len(term) == 1:
            count = counts.get(term, 0) + 0.5
        else:
            across = table.ends.get(term[0], 0) * table.starts.get(term[-1], 0) / table.words
            count = table.within.get(term, 0) + across + 0.5
        x = 200 * count / table.characters
        return x / (1.0 + x)

    if table is not UNIFORM:
        assert table.probabilities(terms).tolist() == [one(t) for t in terms]
    assert [table.probability(t) for t in terms] == table.probabilities(terms).tolist()
    empty = Background({}, {}, {}, {}, 0, 0, "empty")
    assert empty.probabilities(terms).tolist() == [empty.uniform] * len(terms)
    assert table.probabilities([]).tolist() == []


def test_candidates_do_not_depend_on_the_product_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    from zhnorm.stories.similarity import StoryModel

    base = [
        "台风海葵今晨登陆花莲全台停班停课",
        "颱風海葵今晨登陸花蓮全臺停班停課",
        "股市今日收盘上涨120点",
    ]
    texts = [f"{base[n % 3]}第{n}则{n * 7 % 13}号消息" for n in range(40)]
    model = StoryModel.fit(texts)
    whole = model.candidates(0.05, 3)
    monkeypatch.setattr(similarity, "PRODUCTS_PER_BLOCK", 5)  # about a row a block
    index = model._index_matrix()
    per_row = similarity._MemoryIndex.of(index).products_per_row()
    assert len(similarity._row_blocks(per_row, 5, 2048)) > 10
    assert model.candidates(0.05, 3) == whole and whole
