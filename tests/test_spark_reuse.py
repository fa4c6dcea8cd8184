"""zhnorm.spark.reuse: passages, passage clusters, furniture and stories on Spark equal
to the local :func:`zhnorm.textreuse.reuse`, line for line, on an in-repository corpus
(always run), on the seeds, and on THUCNews / Taiwan-news corpora when they are there.

A Spark run costs a fixed few dozen stages whatever the corpus size, so the file makes
few runs, each over several corpora at once (every equality is checked on all of them),
in one ``local[2]`` session with 2 shuffle partitions.  The big equality runs (1,000
and 10,000 documents) are ``benchmarks/bench_spark_reuse.py``'s."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pyspark.sql import DataFrame, SparkSession

import zhnorm
import zhnorm.spark as zs
from zhnorm.cli import main
from zhnorm.io import dumps_record
from zhnorm.io.dates import parse_date
from zhnorm.textreuse import ReuseResult, reuse
from zhnorm.textreuse.files import furniture_records
from zhnorm.textreuse.passages import DocMeta, passage_row

from .conftest import HAVE_SHARED_DATA, SEEDS, SHARED_DATA, local_spark


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    yield from local_spark(
        {"spark.sql.execution.arrow.maxRecordsPerBatch": "64", "spark.sql.shuffle.partitions": "2"}
    )


Row = tuple[str, str, str | None, str | None, str | None]  # id, text, source, date, title


def _local(rows: Sequence[Row], **options: Any) -> dict[str, list[Any]]:
    ids = [r[0] for r in rows]
    has_meta = any(r[2] or r[3] or r[4] for r in rows)
    kwargs: dict[str, Any] = {}
    if has_meta:
        kwargs = {
            "sources": [r[2] for r in rows],
            "dates": [r[3] for r in rows],
            "titles": [r[4] for r in rows],
        }
    result: ReuseResult = reuse([(r[0], r[1]) for r in rows], **kwargs, **options)
    meta = {
        r[0]: DocMeta(r[2], None if r[3] is None else parse_date(r[3]), r[4] or None) for r in rows
    }
    return {
        "passages": [passage_row(p, meta) for p in result.passages],
        "clusters": [dumps_record(c.to_dict(meta)).rstrip("\n") for c in result.clusters],
        "stories": [dumps_record(s.to_dict()).rstrip("\n") for s in result.stories],
        "furniture": [dumps_record(f).rstrip("\n") for f in furniture_records(result, ids)],
        "candidates": [result.candidates],
    }


def _frame(spark: SparkSession, rows: Sequence[Row]) -> DataFrame:
    schema = "id string, text string, site string, date string, title string"
    return spark.createDataFrame(list(rows), schema)


def _spark(
    spark: SparkSession, rows: Sequence[Row], *, own_ids: bool = True, **options: Any
) -> dict[str, list[Any]]:
    has_meta = any(r[2] or r[3] or r[4] for r in rows)
    fields: dict[str, Any] = {"id_field": "id"} if own_ids else {}
    if has_meta:
        fields.update(source_field="site", date_field="date", title_field="title")
    result = zs.reuse(_frame(spark, rows), **fields, **options)
    try:
        passages = [r.asDict() for r in result.passages.orderBy("pn").collect()]
        for n, row in enumerate(passages):
            assert row.pop("pn") == n
            assert json.loads(row.pop("value")) == row
        return {
            "passages": passages,
            "clusters": [r.value for r in result.clusters.orderBy("cluster").collect()],
            "stories": [r.value for r in result.stories.orderBy("story").collect()],
            "furniture": [r.value for r in result.furniture.orderBy("item").collect()],
            "candidates": [result.candidates],
        }
    finally:
        result.unpersist()


def _same(
    spark: SparkSession, rows: Sequence[Row], *, own_ids: bool = True, **options: Any
) -> dict[str, list[Any]]:
    local = _local(rows, **options)
    on_spark = _spark(spark, rows, own_ids=own_ids, **options)
    for part in local:
        assert on_spark[part] == local[part], part
    return local


# --- an in-repository corpus: always run ----------------------------------------------


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if len(p.strip()) >= 40]


def _fixture_corpus() -> list[Row]:
    """Two outlets printing the seeds' paragraphs with their own furniture (a byline
    and a share line), one passage reprinted by three documents (one of them in
    Traditional with leaked readings), dated within and across a week."""
    paragraphs = [p for seed in sorted(SEEDS.glob("*.txt")) for p in _paragraphs(seed.read_text())]
    shared = "康源电路项目由东莞康源电子有限公司投资建设，项目计划总投资50亿元，规划用地197亩。"
    rows: list[Row] = []
    for n, text in enumerate(paragraphs[:24]):
        outlet = "甲报" if n % 2 else "乙网"
        if outlet == "甲报":
            text = f"本报记者 王明 报道\n{text}\n分享到微信 朋友圈"
        else:
            text = f"{text}\n（責任編輯：李華）"
        if n in (3, 10):
            text = text + "\n" + shared
        if n == 7:
            text = "現(xiàn)" + zhnorm.convert(shared, "s2t") + "\n" + text
        day = 1 + (n % 9)
        rows.append((f"d{n:02d}", text, outlet, f"2023-02-{day:02d} 08:00", f"标题{n}"))
    return rows


def _taiwan_news() -> list[Row]:
    """160 Taiwan news articles with outlets, dates and titles (stories and furniture
    among them); none without the corpus."""
    if not HAVE_SHARED_DATA:  # required in CI (conftest)
        return []
    path = SHARED_DATA / "taiwan-news-2017-dev" / "articles.jsonl"
    records = [json.loads(line) for line in path.open(encoding="utf-8")][:160]
    return [(r["id"], r["text"], r["site"], r["date"], r["title"]) for r in records]


def _thucnews_planted() -> list[Row]:
    """200 THUCNews articles (400 characters each) with a passage planted in three of
    them across scripts."""
    if not HAVE_SHARED_DATA:
        return []
    path = SHARED_DATA / "thucnews-cnews-sample" / "cnews_val_1000.jsonl"
    texts = [json.loads(line)["text"][:400] for line in path.open(encoding="utf-8")][:200]
    shared = "康源电路项目由东莞康源电子有限公司投资建设，项目计划总投资50亿元，规划用地197亩。"
    texts[3] = texts[3][:100] + shared + texts[3][100:]
    texts[7] = texts[7][:50] + zhnorm.convert(shared, "s2t") + texts[7][50:]
    texts[9] = zhnorm.convert(shared, "s2tw") + texts[9]
    return [(f"n{i}", t, None, None, None) for i, t in enumerate(texts)]


def test_news_with_outlets_dates_titles_equal_local(spark: SparkSession) -> None:
    """The fixture corpus and (when there) 160 Taiwan news articles, in one run."""
    fixture = _fixture_corpus()
    taiwan = _taiwan_news()
    found = _same(spark, fixture + taiwan)
    assert found["passages"] and found["clusters"] and found["furniture"] and found["stories"]
    assert any(len(json.loads(c)["members"]) >= 3 for c in found["clusters"])
    outlets = {json.loads(f)["source"] for f in found["furniture"]}
    assert {"甲报", "乙网"} <= outlets
    if taiwan:
        taiwan_ids = {r[0] for r in taiwan}
        members = [m["id"] for s in found["stories"] for m in json.loads(s)["members"]]
        assert taiwan_ids & set(members)
        assert outlets - {"甲报", "乙网"}  # the Taiwan outlets' furniture


def test_default_ids_without_furniture_or_outlets(spark: SparkSession) -> None:
    """No id column: ids are the row numbers, as ``reuse`` numbers a list of texts."""
    rows = [(str(n), text, None, None, None) for n, (_, text, *_) in enumerate(_fixture_corpus())]
    found = _same(spark, rows, own_ids=False, mask_furniture=False, min_significance=0.0)
    assert found["passages"] and not found["furniture"]


def test_seeds_and_planted_thucnews_equal_local(spark: SparkSession) -> None:
    seeds = [(p.name, p.read_text(), None, None, None) for p in sorted(SEEDS.glob("*.txt"))]
    planted = _thucnews_planted()
    found = _same(spark, seeds + planted)
    assert found["passages"] and found["stories"]
    pairs = {(p["a_id"], p["b_id"]) for p in found["passages"]}
    if planted:
        assert pairs >= {("n3", "n7"), ("n3", "n9")}


def test_bad_inputs_name_the_document(spark: SparkSession) -> None:
    with pytest.raises(ValueError, match="no text column 'body'"):
        zs.reuse(spark.createDataFrame([("a",)], "text string"), text_field="body")
    null = spark.createDataFrame([("a", "正文"), ("b", None)], "id string, text string")
    with pytest.raises(TypeError, match="document 'b': text must be str, not NoneType"):
        zs.reuse(null, id_field="id")
    twice = spark.createDataFrame([("a", "正文一"), ("a", "正文二")], "id string, text string")
    with pytest.raises(ValueError, match="'a' is given twice"):
        zs.reuse(twice, id_field="id")
    dated = spark.createDataFrame(
        [("a", "正文", "昨天下午")], "id string, text string, date string"
    )
    with pytest.raises(ValueError, match="document 'a'"):
        zs.reuse(dated, id_field="id", date_field="date")


def test_empty_frame(spark: SparkSession) -> None:
    result = zs.reuse(spark.createDataFrame([], "text string"))
    assert result.documents == 0 and result.passages.count() == 0
    assert result.stories.count() == 0 and result.furniture.count() == 0


# --- the command ------------------------------------------------------------------------


def test_reuse_command_on_spark_writes_the_local_lines(spark: SparkSession, tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": i, "text": t, "site": s, "date": d, "title": h}, ensure_ascii=False)
        for i, t, s, d, h in _fixture_corpus()
    ]
    lines[4] = lines[4].replace('"2023-02-05 08:00"', '"昨天下午"')  # a date nobody can read
    lines.insert(9, lines[8])  # an id given twice
    lines.insert(15, '{"id": "broken", "text": ')  # not JSON
    corpus = tmp_path / "news.jsonl"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    common = [str(corpus), "--id-field", "id", "--source-field", "site", "--date-field", "date",
              "--title-field", "title", "--skip-bad"]  # fmt: skip
    outputs = ["passages", "stories", "clusters", "furniture", "rejects"]

    def run(tag: str, *extra: str) -> dict[str, str]:
        paths = {name: tmp_path / f"{tag}.{name}" for name in outputs}
        args = ["reuse", *common, "-o", str(paths["passages"]), *extra]
        for name in outputs[1:]:
            args += [f"--{name}", str(paths[name])]
        done = CliRunner().invoke(main, args)
        assert done.exit_code == 0, done.output
        assert "3 rejected" in done.output
        read = {}
        for name, path in paths.items():
            parts = sorted(path.glob("part-*")) if path.is_dir() else [path]
            read[name] = "".join(p.read_text("utf-8") for p in parts)
        return read

    local = run("local")
    on_spark = run("spark", "--engine", "spark")
    assert local["passages"] and local["furniture"] and local["rejects"].count("\n") == 3
    assert on_spark == local


def test_reuse_command_spark_usage_errors(tmp_path: Path) -> None:
    corpus = tmp_path / "a.jsonl"
    corpus.write_text('{"text": "正文"}\n', encoding="utf-8")
    done = CliRunner().invoke(main, ["reuse", str(corpus), "--engine", "spark"])
    assert done.exit_code == 2 and "give -o" in done.output
    out = str(tmp_path / "out")
    done = CliRunner().invoke(
        main, ["reuse", str(corpus), "--engine", "spark", "-o", out, "--html", "r.html"]
    )
    assert done.exit_code == 2 and "--html works with the local engine only" in done.output
    done = CliRunner().invoke(main, ["reuse", str(corpus), "--spark-conf", "a=b"])
    assert done.exit_code == 2 and "--spark-conf works with --engine spark only" in done.output
