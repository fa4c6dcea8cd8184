"""zhnorm.spark: the Spark engine gives the same answers as the single-process code.

One SparkSession (``local[2]``, 4 shuffle partitions, no UI) serves the whole file.
pyspark comes with the test extra; nothing here is skipped when it is missing.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from pyspark.sql import SparkSession

import zhnorm
import zhnorm.spark as zs
from zhnorm import FixConfig, KeyConfig, Pipeline

from .conftest import REPO, SEEDS, SHARED_DATA, local_spark, read_jsonl_texts


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    yield from local_spark({"spark.sql.execution.arrow.maxRecordsPerBatch": "500"})


# --- the optional dependency ---------------------------------------------------------


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=False
    )


def test_core_never_imports_pyspark() -> None:
    code = (
        "import sys, pkgutil, importlib, zhnorm\n"
        "for m in pkgutil.walk_packages(zhnorm.__path__, 'zhnorm.'):\n"
        "    if not m.name.startswith('zhnorm.spark'):\n"
        "        importlib.import_module(m.name)\n"
        "import zhnorm.spark\n"
        "print('pyspark' in sys.modules)\n"
    )
    done = _run(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_missing_extra_names_it() -> None:
    code = (
        "import sys\n"
        "sys.modules['pyspark'] = None\n"
        "import zhnorm.spark as zs\n"
        "for call in (lambda: zs.session(), lambda: zs.fix_text_column('text'),\n"
        "             lambda: zs.dedup, lambda: zs.connected_components):\n"
        "    try:\n"
        "        call()\n"
        "    except ImportError as exc:\n"
        "        print(exc)\n"
        "    else:\n"
        "        print('no error')\n"
    )
    done = _run(code)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 4
    for line in lines:
        assert "pyspark" in line and "pip install 'zhnorm[spark]'" in line, line


# --- column functions ----------------------------------------------------------------

COLUMN_TEXTS: list[str | None] = [
    "現(xiàn)代快報訊 產(chǎn)業(yè)園 發(fā)展(zhǎn)",
    "中&#x6587;\u200b字",
    "鼠标和软件，头发",
    None,
    "",
    "plain ASCII, ＶＩＰ２０１２",
    "æµ‹è¯•文本",
    "網(wǎng)站建設(shè)，產(chǎn)品發(fā)布",
]


def _column_texts() -> list[str | None]:
    seeds = [p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    return [*COLUMN_TEXTS, *seeds]


def _local(func: Any, texts: list[str | None]) -> list[str | None]:
    return [None if t is None else func(t) for t in texts]


def test_column_functions_equal_local(spark: SparkSession) -> None:
    texts = _column_texts()
    frame = spark.createDataFrame([(i, t) for i, t in enumerate(texts)], "i long, text string")
    pipe = Pipeline(["leaked_pinyin", "fix", {"step": "convert", "config": "t2s"}])
    fix = FixConfig(layout=False)
    key = KeyConfig(script="t2s")
    out = frame.select(
        "i",
        zs.fix_text_column("text").alias("fixed"),
        zs.fix_text_column("text", fix).alias("fixed_nolayout"),
        zs.convert_column("text", "s2twp").alias("converted"),
        zs.convert_column("text", "s2t", user_dict={"软件": "軟件!"}).alias("user"),
        zs.normalize_column("text", to="traditional").alias("normalized"),
        zs.match_key_column("text", key).alias("key"),
        zs.pipeline_column("text", pipe).alias("piped"),
        zs.batch_column("text", lambda batch: [t[::-1] for t in batch]).alias("reversed"),
    )
    rows = sorted(out.collect(), key=lambda row: row["i"])
    got = {name: [row[name] for row in rows] for name in out.columns}
    user = zhnorm.Converter("s2t", user_dict={"软件": "軟件!"})
    assert got["fixed"] == _local(zhnorm.fix_text, texts)
    assert got["fixed_nolayout"] == _local(lambda t: zhnorm.fix_text(t, fix), texts)
    assert got["converted"] == _local(lambda t: zhnorm.convert(t, "s2twp"), texts)
    assert got["user"] == _local(user.convert, texts)
    assert got["normalized"] == _local(lambda t: zhnorm.normalize(t, to="traditional"), texts)
    assert got["key"] == _local(lambda t: zhnorm.match_key(t, key), texts)
    assert got["piped"] == pipe.batch(texts)
    assert got["reversed"] == _local(lambda t: t[::-1], texts)
    assert got["key"][0] == "现代快报讯产业园发展"

    checks = Pipeline(
        ["leaked_pinyin", "fix", {"step": "convert", "config": "t2s"}, "detect_script"]
    )
    annotated = frame.select("i", zs.pipeline_annotated_column("text", checks).alias("z"))
    flat = sorted(annotated.select("i", "z.*").collect(), key=lambda row: row["i"])
    expected = checks.annotate_batch(texts)
    assert [r.text for r in flat] == expected.texts
    for name in checks.annotation_columns:
        assert [r[name] for r in flat] == expected.annotations[name], name


def test_column_functions_fail_early_on_bad_configuration() -> None:
    with pytest.raises(ValueError):
        zs.convert_column("text", "no-such-config")
    with pytest.raises(ValueError):
        zs.normalize_column("text", to="klingon")


# --- connected components -----------------------------------------------------------


def _tricky_graphs() -> tuple[int, list[tuple[int, int]]]:
    """Several graphs on disjoint node ranges, as one edge list."""
    import random

    rng = random.Random(6)
    edges: list[tuple[int, int]] = []
    base = 0

    def add(count: int, pairs: list[tuple[int, int]]) -> None:
        nonlocal base
        edges.extend((base + a, base + b) for a, b in pairs)
        base += count

    add(64, [(i, i + 1) for i in range(63)])  # ascending chain
    add(64, [(i + 1, i) for i in reversed(range(63))])  # same, listed backwards
    labels = list(range(80))
    rng.shuffle(labels)
    add(80, [(labels[i], labels[i + 1]) for i in range(79)])  # chain, random labels
    add(40, [(39, i) for i in range(39)])  # star centred on the largest node
    add(40, [(0, i) for i in range(1, 40)])  # star centred on the smallest node
    add(30, [(i, (i + 1) % 30) for i in range(30)])  # cycle
    add(30, [(a, b) for a in range(6) for b in range(6)])  # clique with self-loops; 6..29 alone
    add(
        200,  # a random forest of small components, with duplicates both ways
        [
            pair
            for _ in range(150)
            for a, b in [(rng.randrange(200), rng.randrange(200))]
            for pair in ((a, b), (b, a))
        ],
    )
    add(50, [(10, 40), (40, 20), (20, 49), (49, 11)])  # zigzag between ranges
    return base, edges


def test_connected_components_equal_union_find(spark: SparkSession) -> None:
    from zhnorm.neardup.cluster import cluster_pairs

    n, edges = _tricky_graphs()
    frame = spark.createDataFrame(edges, "src long, dst long")
    found = dict(zs.connected_components(frame).collect())
    expected = cluster_pairs(n, edges)
    assert [found.get(node, node) for node in range(n)] == expected
    linked = {node for edge in edges for node in edge if edge[0] != edge[1]}
    assert set(found) == linked

    empty = spark.createDataFrame([], "src long, dst long")
    assert zs.connected_components(empty).count() == 0


def test_connected_components_reports_non_convergence(spark: SparkSession) -> None:
    frame = spark.createDataFrame([(i, i + 1) for i in range(64)], "a long, b long")
    with pytest.raises(zs.ComponentsNotConverged):
        zs.connected_components(frame, "a", "b", max_rounds=1)


# --- repeated paragraphs -------------------------------------------------------------


def test_repeated_paragraphs_equal_local_exact_groups(spark: SparkSession) -> None:
    from zhnorm.textreuse import repeated_paragraphs

    seeds = [p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    byline = "本报记者 张三"
    docs = [
        *seeds,
        f"{byline}\n\n今天天气很好，我们去公园散步。\n\n详见A2版",
        f"{byline}\n\n今天天氣很好，我們去公園散步。\n\n另一段完全不同的文字。",
        f"另一段完全不同的文字。\n\n{byline}\n\n详见A2版",
        "",
        "今天天气很好，我们去公园散步。今天天气很好。",
    ]
    ids = [f"doc-{i:02d}" for i in range(len(docs))]
    local = [g for g in repeated_paragraphs(list(zip(ids, docs, strict=True)), threshold=1.0)]
    frame = spark.createDataFrame(list(zip(ids, docs, strict=True)), "id string, text string")
    groups = zs.repeated_paragraphs(frame, id_col="id").collect()

    def local_row(g: Any) -> tuple[Any, ...]:
        occ = [(o.doc, o.paragraph, o.start, o.end, o.text) for o in g.occurrences]
        return (g.id, g.key, g.text, g.count, g.documents, g.boilerplate, g.furniture, occ)

    def spark_row(r: Any) -> tuple[Any, ...]:
        occ = [(o["id"], o["paragraph"], o["start"], o["end"], o["text"]) for o in r.occurrences]
        return (r.group, r.key, r.text, r["count"], r.documents, r.boilerplate, r.furniture, occ)

    assert [g.kind for g in local] == ["exact"] * len(local)
    assert sorted(map(spark_row, groups)) == [local_row(g) for g in local]
    keys = {r.key: r for r in groups}
    assert any(k.startswith("区委副书记政法委书记徐林锋宣读2022年度表彰决定") for k in keys)
    assert keys["本报记者张三"].boilerplate
    # the Traditional copy too, and the sentence of the last text (no line breaks: split
    # into sentences, issue 16)
    assert keys["今天天气很好我们去公园散步"]["count"] == 3


# --- dedup: the same answer as local --------------------------------------------------

THUCNEWS = SHARED_DATA / "thucnews-cnews-sample" / "cnews_val_1000.jsonl"


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    """~3,100 documents cut from real THUCNews articles, a quarter of them planted
    near-duplicates (edits, truncation, noise, Traditional script, leaked pinyin), plus
    a Traditional copy, a leaked-pinyin copy and a bucket of 70 near-identical copies
    (more than the 64 of a fully paired LSH bucket)."""
    import random

    from zhnorm.neardup.synthetic import garble_ruby, make_corpus

    paragraphs = [text for _, text in read_jsonl_texts(THUCNEWS)]
    texts = make_corpus(paragraphs, 3000, seed=6, dup_fraction=0.25, doc_chars=300).texts
    texts.append(zhnorm.convert(texts[10], "s2t"))
    texts.append(garble_ruby(zhnorm.convert(texts[20], "s2t"), random.Random(1)))
    texts.extend(f"{texts[30]}（第{i}版）" for i in range(70))
    return texts


def test_dedup_same_answer_as_local(spark: SparkSession, corpus: list[str]) -> None:
    from zhnorm.neardup import dedup

    local = dedup(corpus, threshold=0.8)
    frame = spark.createDataFrame(
        [(f"doc{i}", t) for i, t in enumerate(corpus)], "id string, text string"
    )
    result = zs.dedup_result(frame, threshold=0.8)
    rows = sorted(result.frame.collect(), key=lambda row: row["row_index"])

    assert [r.row_index for r in rows] == list(range(len(corpus)))
    assert [r.id for r in rows] == [f"doc{i}" for i in range(len(corpus))]  # input kept
    assert [r.cluster for r in rows] == local.cluster
    assert [r.duplicate_of for r in rows] == local.duplicate_of
    assert [r.similarity for r in rows] == local.similarity
    kept = {r.row_index for r in rows if r.duplicate_of is None}
    assert kept == set(local.kept)
    pairs = sorted(
        tuple(p) for p in result.pairs.select("a", "b", "band", "estimated", "exact").collect()
    )
    assert pairs == sorted((p.a, p.b, p.band, p.estimated, p.exact) for p in local.pairs)
    assert result.candidates == local.candidates
    assert (result.bands, result.rows) == (local.bands, local.rows)
    assert result.duplicates == len(local.removed)

    n = len(corpus)
    assert local.cluster[n - 72] == local.cluster[10]  # the Traditional copy
    assert local.cluster[n - 71] == local.cluster[20]  # Traditional with leaked pinyin
    assert {local.cluster[i] for i in range(n - 70, n)} == {local.cluster[30]}
    assert len(local.removed) > 400  # about a quarter were planted


def test_dedup_keep_longest_same_as_local(spark: SparkSession, corpus: list[str]) -> None:
    from zhnorm.neardup import dedup

    texts = corpus[-600:]  # the 70 near-identical copies of different lengths among them
    local = dedup(texts, keep="longest")
    frame = spark.createDataFrame([(t,) for t in texts], "text string")
    rows = sorted(zs.dedup(frame, keep="longest").collect(), key=lambda row: row["row_index"])
    assert [r.cluster for r in rows] == local.cluster
    assert [r.duplicate_of for r in rows] == local.duplicate_of
    assert [r.similarity for r in rows] == local.similarity
    assert local.kept != dedup(texts).kept  # the policy mattered


def test_dedup_checks_its_arguments(spark: SparkSession) -> None:
    frame = spark.createDataFrame([("a", "b")], "text string, cluster string")
    with pytest.raises(ValueError, match="cluster"):
        zs.dedup(frame)
    with pytest.raises(ValueError, match="no text column"):
        zs.dedup(frame, text_col="body")
    with pytest.raises(ValueError, match="neither a policy"):
        zs.dedup(frame.drop("cluster"), keep="date")


def test_signature_column_equals_signatures(spark: SparkSession, corpus: list[str]) -> None:
    from zhnorm.neardup import MinHashParams, signatures

    params = MinHashParams(num_perm=64, ngram=3, seed=7)
    keys = [zhnorm.match_key(t) for t in corpus[:200]]
    frame = spark.createDataFrame(list(enumerate(keys)), "i long, key string")
    rows = sorted(frame.select("i", zs.signature_column("key", params).alias("sig")).collect())
    assert [list(r.sig) for r in rows] == signatures(keys, params).tolist()


# --- the engine behind `zhnorm dedup --engine spark` ---------------------------------


def _part_lines(directory: Any) -> list[str]:
    return [
        line
        for part in sorted(directory.glob("part-*"))
        for line in part.read_text("utf-8").splitlines()
    ]


def test_dedup_files_jsonl_same_as_local_command(
    spark: SparkSession, corpus: list[str], tmp_path: Any
) -> None:
    import json

    from click.testing import CliRunner

    from zhnorm.cli import main

    inputs = tmp_path / "in"
    (inputs / "sub").mkdir(parents=True)
    with (inputs / "a.jsonl").open("w", encoding="utf-8") as out:
        for i, text in enumerate(corpus[:400]):
            date = None if i % 7 == 0 else f"2021-{i % 12 + 1:02d}-01"
            out.write(json.dumps({"id": f"a{i}", "text": text, "date": date}, ensure_ascii=False))
            out.write("\n")
        out.write('not json\n\n{"id": "x", "text": 5}\n[1]\n{"id": "y"}\n')
    with (inputs / "sub" / "b.jsonl").open("wb") as out:
        for text in corpus[400:700]:
            out.write(json.dumps({"text": text, "date": "2020-01-01"}).encode() + b"\n")
        out.write(b'{"text": "\xff\xfe bad bytes"}\n')
    (inputs / "_SUCCESS").write_text("")
    files = [str(inputs / "a.jsonl"), str(inputs / "sub" / "b.jsonl")]

    local = tmp_path / "local"
    local.mkdir()
    command = ["dedup", *files, "-o", str(local / "kept.jsonl"), "--keep", "date", "-q"]
    command.append("--skip-bad")  # the local engine stops at a bad record without it
    ran = CliRunner().invoke(main, [*command, "--clusters", str(local / "c.jsonl")])
    assert ran.exit_code == 0, ran.output

    # Directories: the engine lists their files (sorted, skipping _SUCCESS) by itself.
    out = tmp_path / "spark"
    out.mkdir()
    counts = zs.dedup_files(
        [str(inputs)],
        str(out / "kept.jsonl"),
        str(out / "c.jsonl"),
        keep="date",
        pairs=str(out / "pairs.jsonl"),
        skip_bad=True,
        spark=spark,
    )
    assert _part_lines(out / "kept.jsonl") == (local / "kept.jsonl").read_text("utf-8").splitlines()
    spark_clusters = _part_lines(out / "c.jsonl")
    local_clusters = (local / "c.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(x) for x in spark_clusters] == [json.loads(x) for x in local_clusters]

    def reject(line: str) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(line)
        found["file"] = found["file"].rsplit("/", 1)[-1]  # the path as given differs
        return found

    local_rejects = (local / "kept.jsonl.rejects.jsonl").read_text("utf-8").splitlines()
    spark_rejects = _part_lines(out / "kept.jsonl.rejects.jsonl")
    assert [reject(x) for x in spark_rejects] == [reject(x) for x in local_rejects]
    assert len(spark_rejects) == 5

    summary = ran.output.strip().splitlines()[-1]
    assert counts.summary().split(" (see")[0] == summary.split(" (see")[0]
    assert counts.summary().split(";")[1] == summary.split(";")[1]
    assert counts.read == counts.kept + counts.removed + counts.rejected == 705
    assert len(_part_lines(out / "pairs.jsonl")) == counts.verified
    assert not list(tmp_path.glob("spark/*.partial"))


def test_dedup_files_parquet(spark: SparkSession, corpus: list[str], tmp_path: Any) -> None:
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq
    from click.testing import CliRunner

    from zhnorm.cli import main

    rows = [{"id": i, "text": t, "n": i % 5} for i, t in enumerate(corpus[2900:3060])]
    rows[3]["text"] = None
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "in.parquet")
    command = ["dedup", str(tmp_path / "in.parquet"), "-o", str(tmp_path / "local.parquet")]
    command.append("--skip-bad")  # a null text: a bad record
    ran = CliRunner().invoke(
        main,
        [*command, "--clusters", str(tmp_path / "local.jsonl"), "--keep", "n", "-q", "--skip-bad"],
    )
    assert ran.exit_code == 0, ran.output
    counts = zs.dedup_files(
        [str(tmp_path / "in.parquet")],
        str(tmp_path / "spark.parquet"),
        str(tmp_path / "spark.jsonl"),
        keep="n",  # a typed Parquet column; ties go to the first
        skip_bad=True,
        spark=spark,
    )
    local_kept = pq.read_table(tmp_path / "local.parquet").to_pylist()
    spark_kept = spark.read.parquet(str(tmp_path / "spark.parquet")).collect()
    assert sorted((r.asDict() for r in spark_kept), key=str) == sorted(local_kept, key=str)
    assert [json.loads(x) for x in _part_lines(tmp_path / "spark.jsonl")] == [
        json.loads(x) for x in (tmp_path / "local.jsonl").read_text("utf-8").splitlines()
    ]
    assert counts.rejected == 1 and counts.removed > 0
    assert counts.read == len(rows)


# --- docs/spark.md: its examples run here, in this file's session --------------------

DOC_BLOCK = re.compile(
    r"^(?:<!-- docs-test: (?P<marker>[^>]*?) -->\n)?```python\n(?P<body>.*?)^```$", re.M | re.S
)


def test_docs_examples_run(spark: SparkSession) -> None:
    """Every ```python block of docs/spark.md, in order, in one namespace; an expression
    whose line ends with ``  # <literal>`` must equal the literal.  (The documentation
    test skips the blocks that need Spark; this file has the session.)"""
    import ast

    page = (REPO / "docs" / "spark.md").read_text("utf-8")
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    checked = 0
    for match in DOC_BLOCK.finditer(page):
        body = match["body"]
        lines = body.splitlines()
        for statement in ast.parse(body).body:
            assert statement.end_lineno is not None
            comment = lines[statement.end_lineno - 1].partition("  # ")[2].strip()
            if isinstance(statement, ast.Expr) and comment:
                value = eval(
                    compile(ast.Expression(statement.value), "spark.md", "eval"), namespace
                )
                assert value == ast.literal_eval(comment), lines[statement.lineno - 1]
                checked += 1
            else:
                exec(compile(ast.Module([statement], []), "spark.md", "exec"), namespace)
    assert checked >= 6


def test_cli_engine_spark_equals_local_engine(
    spark: SparkSession, corpus: list[str], tmp_path: Any
) -> None:
    import json

    from click.testing import CliRunner

    from zhnorm.cli import main

    source = tmp_path / "in.jsonl"
    with source.open("w", encoding="utf-8") as out:
        for i, text in enumerate(corpus[:300]):
            out.write(json.dumps({"id": f"d{i}", "text": text}, ensure_ascii=False) + "\n")
    outputs = {}
    for engine in ("local", "spark"):
        kept, clusters = tmp_path / engine / "kept.jsonl", tmp_path / engine / "c.jsonl"
        kept.parent.mkdir()
        ran = CliRunner().invoke(
            main,
            [
                *("dedup", str(source), "-o", str(kept), "--clusters", str(clusters)),
                *("--id-field", "id", "--engine", engine, "-q"),
            ],
        )
        assert ran.exit_code == 0, ran.output
        read = _part_lines if engine == "spark" else lambda p: p.read_text("utf-8").splitlines()
        outputs[engine] = (read(kept), [json.loads(line) for line in read(clusters)])
    assert outputs["spark"] == outputs["local"]
    assert len(outputs["local"][0]) < 300  # the corpus holds planted duplicates
    refused = CliRunner().invoke(
        main,
        [
            *("dedup", str(source), "-o", str(tmp_path / "x.jsonl"), "--engine", "spark"),
            *("--index", str(tmp_path / "i.sqlite")),
        ],
    )
    assert refused.exit_code == 2 and "--index works with the local engine only" in refused.output
