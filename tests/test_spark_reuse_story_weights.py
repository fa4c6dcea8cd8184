"""The story weights of ``zhnorm.spark.reuse`` (step 7), made on the executors row by
row, equal to :func:`zhnorm.stories.detect.story_weights` pair for pair and bit for
bit: on a corpus where partners tie (documents printed many times, so the search's
order decides which are kept), with and without titles, with dates outside the
window and with passage evidence on pairs the search does not find."""

from __future__ import annotations

import pickle
import random
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from pyspark.sql import SparkSession

from zhnorm import match_keys
from zhnorm.spark._reuse import SCORE_BLOCK, _story_weights
from zhnorm.stories.detect import story_weights
from zhnorm.textreuse import ReuseOptions
from zhnorm.textreuse.passages import DocMeta

from .conftest import local_spark
from .test_story_candidate_rows import tied_keys


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    yield from local_spark(
        {"spark.sql.execution.arrow.maxRecordsPerBatch": "16", "spark.sql.shuffle.partitions": "3"}
    )


def spark_weights(
    spark: SparkSession,
    keys: list[str],
    meta: list[DocMeta],
    evidence: dict[tuple[int, int], float],
    options: ReuseOptions,
    score_block: int = SCORE_BLOCK,
) -> dict[tuple[int, int], float]:
    docs = spark.createDataFrame(
        [(n, str(n), pickle.dumps(m), k) for n, (m, k) in enumerate(zip(meta, keys, strict=True))],
        "idx long, id string, meta binary, story_key string",
    )
    passages = spark.createDataFrame(
        [(a, b, s) for (a, b), s in evidence.items()], "a long, b long, significance double"
    )
    titled = any(m.title for m in meta)
    found = _story_weights(docs, passages, len(keys), titled, options, score_block).collect()
    return {(r.a, r.b): r.weight for r in found}


@pytest.mark.parametrize(("titles", "score_block"), [(False, 7), (True, 16)])
def test_weights_equal_local_on_tied_corpus(
    spark: SparkSession, titles: bool, score_block: int
) -> None:
    """Scored in small blocks (many groups, a document's rows in several of them)."""
    keys = [*tied_keys(), ""]  # and a document left with no story key
    rng = random.Random(3)
    day = date(2024, 5, 1)
    meta = [
        DocMeta(
            None,
            day + timedelta(days=rng.choice([0, 0, 1, 9])) if n % 3 else None,
            (key[:12] if n % 2 else None) if titles else None,
        )
        for n, key in enumerate(keys)
    ]
    evidence = {(a, b): rng.choice([3.0, 8.0, 30.0]) for a, b in [(0, 5), (2, 90), (7, 8)]}
    evidence[(1, len(keys) - 1)] = 12.0
    options = ReuseOptions(neighbours=3)
    local = story_weights(keys, meta, evidence, options)
    found = spark_weights(spark, keys, meta, evidence, options, score_block)
    assert found == {pair: w for pair, w in local.items() if w > 0}
    assert len(found) > 100
    assert any(w == 1.0 for w in found.values()) and any(w < 1.0 for w in found.values())


def test_weights_equal_local_with_default_options(spark: SparkSession) -> None:
    keys = match_keys([k[::-1] for k in tied_keys()[:60]])
    meta = [DocMeta() for _ in keys]
    local = story_weights(keys, meta, {}, ReuseOptions())
    assert spark_weights(spark, keys, meta, {}, ReuseOptions()) == local and local
