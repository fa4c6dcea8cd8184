"""The furniture step of zhnorm.spark.reuse, run as grouped tasks (templates, whole
segments, affix chains, each search, set phrases, items), gives find_furniture's items
and spans line for line: outlets with datelines, share lines, bylines with names, app
promotions glued on, near repeats, set phrases across outlets, documents without an
outlet, and the corpus as one source."""

from __future__ import annotations

import json
import pickle
import random
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from pyspark.sql import SparkSession

from zhnorm.io import dumps_record
from zhnorm.spark._furniture import furniture
from zhnorm.spark._reuse import _cut
from zhnorm.textreuse.document import doc_key
from zhnorm.textreuse.furniture import FurnitureOptions, find_furniture

from .conftest import SHARED_DATA, local_spark, needs_shared_data


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    yield from local_spark(
        {"spark.sql.execution.arrow.maxRecordsPerBatch": "64", "spark.sql.shuffle.partitions": "3"}
    )


POOL = (
    "的一是在不了有和人這中大為上個國我以要他時來用們生到作地於出就分對成會可主發年動"
    "同工也能下過子說產種面而方後多定行學法所民得經十三之進著等部度家電力裡如水化高自"
)
REPORTERS = ["王小明", "李大華", "陳美玲", "張志強", "林雅婷", "黃建國", "吳佩珊"]
CITIES = ["台北", "台中", "高雄", "新竹"]


def _sentence(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(POOL) for _ in range(n)) + rng.choice("。！？")


def _outlets(seed: int, n: int) -> tuple[list[str], list[str | None]]:
    """Five outlets: datelines glued in front and a share line; an app promotion glued at
    the end in both scripts, one character changed; bylines and photo credits with
    names; a copyright line with one character changed; a set phrase several print;
    some documents without an outlet, some empty."""
    rng = random.Random(seed)
    promos = [
        "更多新聞請下載華視新聞APP，掌握第一手消息",
        "更多新闻请下载华视新闻APP，掌握第一手消息",
        "更多新聞請下載華視新聞App，掌握第一時消息",
    ]
    phrase = "自殺不能解決問題，生命一定可以找到出路"
    line = "本報記者特稿版權所有轉載請註明出處"
    texts: list[str] = []
    sources: list[str | None] = []
    for _ in range(n):
        source = rng.choice("ABCDE")
        body = "".join(_sentence(rng, rng.randint(8, 30)) for _ in range(rng.randint(2, 7)))
        name, city = rng.choice(REPORTERS), rng.choice(CITIES)
        if source == "A":
            text = f"（中央社記者{name}{city}{rng.randint(1, 28)}日電）{body} 分享   facebook"
        elif source == "B":
            text = body[:-1] + rng.choice(promos)
        elif source == "C":
            text = f"【記者{name}／{city}報導】{body}\n▲{_sentence(rng, 14)}記者{name}／攝影"
        elif source == "D":
            changed = line.replace(rng.choice("記特版轉"), rng.choice(POOL), 1)
            text = body + "\n" + (line if rng.random() < 0.6 else changed)
        else:
            text = body
        if rng.random() < 0.3:
            text += "\n" + phrase
        texts.append("" if rng.random() < 0.04 else text)
        sources.append(None if rng.random() < 0.05 else source)
    return texts, sources


Found = tuple[list[str], dict[int, list[int]]]


def _local(texts: Sequence[str], sources: Sequence[str | None] | None, **options: Any) -> Found:
    result = find_furniture(texts, sources, **options)
    ids = [f"d{d}" for d in range(len(texts))]
    lines = [dumps_record(item.to_dict(ids)).rstrip("\n") for item in result.items]
    spans = {d: [v for s in result.key_spans(d) for v in s] for d in range(len(texts))}
    return lines, {d: s for d, s in spans.items() if s}


def _on_spark(
    spark: SparkSession, texts: Sequence[str], sources: Sequence[str | None] | None,
    **options: Any,
) -> Found:  # fmt: skip
    rows = [
        (d, f"d{d}", None if sources is None else sources[d], pickle.dumps(doc_key(t)))
        for d, t in enumerate(texts)
    ]
    keyed = spark.createDataFrame(rows, "idx long, id string, source string, key binary")
    has_sources = sources is not None and any(s is not None for s in sources)
    doc_spans, items = furniture(keyed, has_sources, FurnitureOptions(**options), _cut)
    lines = [r.value for r in items.orderBy("item").collect()]
    spans = {int(r.idx): list(r.spans) for r in doc_spans.collect()}
    return lines, spans


def _same(spark: SparkSession, texts: Sequence[str], sources: Any, **options: Any) -> list[str]:
    has_sources = sources is not None and any(s is not None for s in sources)
    local = _local(texts, sources if has_sources else None, **options)
    assert _on_spark(spark, texts, sources, **options) == local
    return local[0]


def test_outlets_equal_local(spark: SparkSession) -> None:
    texts, sources = _outlets(1, 260)
    lines = _same(spark, texts, sources)
    kinds = {json.loads(line)["kind"] for line in lines}
    assert kinds == {"segment", "prefix", "suffix", "template"}
    assert any(json.loads(line)["source"] is None for line in lines)  # a set phrase
    # small outlets, every search with its own threshold; exact repeats only
    _same(spark, texts[:90], sources[:90], min_docs=3, min_share=0.0)
    _same(spark, texts[:90], sources[:90], threshold=1.0)


def test_one_source_and_no_furniture_equal_local(spark: SparkSession) -> None:
    texts, _ = _outlets(2, 120)
    assert _same(spark, texts, None)
    assert _same(spark, texts[:3], None) == []


def test_taiwan_news_equal_local(spark: SparkSession) -> None:
    path = needs_shared_data(SHARED_DATA / "taiwan-news-2017-dev" / "articles.jsonl")
    records = [json.loads(line) for line in path.open(encoding="utf-8")]
    texts = [r["text"] for r in records]
    sources = [r["site"] for r in records]
    assert _same(spark, texts, sources, min_docs=3, min_share=0.0)
