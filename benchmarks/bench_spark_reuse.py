"""Text reuse on Spark against the local engine, on the same planted corpus: wall time
and whether every output is identical.

The corpus is ``bench_reuse.py``'s (THUCNews sentences cut into documents, planted
passages in five styles); it is handed to :func:`zhnorm.textreuse.reuse` and to
:func:`zhnorm.spark.reuse` (``local[N]``) in the same process, local first. "Equal"
compares the passages (``zhnorm reuse`` lines), passage clusters, stories and furniture
line by line.  The Spark time includes collecting the four tables to the driver; a
100-document corpus goes through Spark first (not timed), so that the first size does not
also pay for starting the JVM's code paths and the Python workers.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_spark_reuse.py --docs 1000,10000 \\
        [--master 'local[2]'] [--write]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from pathlib import Path
from typing import Any

import zhnorm.spark as zs
from _docs import markers, write_section
from bench_reuse import build_docs, plant, sentences
from zhnorm.io import dumps_record
from zhnorm.textreuse import reuse
from zhnorm.textreuse.files import furniture_records
from zhnorm.textreuse.passages import DocMeta, passage_row

REPO = Path(__file__).resolve().parents[1]
MARK = "bench_spark_reuse"


def local_lines(texts: list[str]) -> tuple[dict[str, list[Any]], float]:
    started = time.perf_counter()
    result = reuse(texts)
    elapsed = time.perf_counter() - started
    ids = [str(i) for i in range(len(texts))]
    meta = {doc_id: DocMeta() for doc_id in ids}
    return {
        "passages": [dumps_record(passage_row(p, meta)) for p in result.passages],
        "clusters": [dumps_record(c.to_dict(meta)) for c in result.clusters],
        "stories": [dumps_record(s.to_dict()) for s in result.stories],
        "furniture": [dumps_record(f) for f in furniture_records(result, ids)],
    }, elapsed


def spark_lines(spark: Any, texts: list[str]) -> tuple[dict[str, list[Any]], float]:
    frame = spark.createDataFrame([(t,) for t in texts], "text string")
    started = time.perf_counter()
    result = zs.reuse(frame)
    found = {
        "passages": [r.value + "\n" for r in result.passages.orderBy("pn").collect()],
        "clusters": [r.value + "\n" for r in result.clusters.orderBy("cluster").collect()],
        "stories": [r.value + "\n" for r in result.stories.orderBy("story").collect()],
        "furniture": [r.value + "\n" for r in result.furniture.orderBy("item").collect()],
    }
    elapsed = time.perf_counter() - started
    result.unpersist()
    return found, elapsed


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", default="1000", help="comma-separated corpus sizes")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--partitions", type=int, default=8, help="shuffle partitions")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--write", action="store_true", help="write the table into docs")
    args = parser.parse_args()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = zs.session(
        args.master,
        app_name="bench_spark_reuse",
        shuffle_partitions=args.partitions,
        conf={"spark.ui.enabled": "false"},
    )
    spark.sparkContext.setLogLevel("ERROR")
    articles = sentences(args.data_dir / "thucnews-cnews-sample" / "cnews_val_1000.jsonl")
    warm_rng = random.Random(args.seed + 1)
    spark_lines(spark, plant(build_docs(articles, 100, warm_rng), 10, warm_rng)[0])
    rows = []
    for n_docs in [int(n) for n in args.docs.split(",")]:
        rng = random.Random(args.seed)
        docs = build_docs(articles, n_docs, rng)
        texts, _ = plant(docs, n_docs // 10, rng)
        before = load()
        local, local_s = local_lines(texts)
        on_spark, spark_s = spark_lines(spark, texts)
        equal = {part: on_spark[part] == local[part] for part in local}
        row = {
            "docs": n_docs,
            "chars": sum(map(len, texts)),
            "passages": len(local["passages"]),
            "clusters": len(local["clusters"]),
            "stories": len(local["stories"]),
            "local_s": local_s,
            "spark_s": spark_s,
            "equal": equal,
            "load": f"{before} -> {load()}",
        }
        print(row, flush=True)
        rows.append(row)
        write_table(args, rows)
    spark.stop()


def write_table(args: argparse.Namespace, rows: list[dict[str, Any]]) -> None:
    table = [
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node()} "
        f"({os.cpu_count()} cores, shared with other jobs), Spark `{args.master}`, "
        f"{args.partitions} shuffle partitions, after a 100-document warm-up run, "
        f"command `PYTHONPATH=src .venv/bin/python benchmarks/bench_spark_reuse.py "
        f"--docs {args.docs} --write`.",
        "",
        "| documents | characters | passages / clusters / stories | local | Spark | "
        "passages, clusters, stories, furniture equal | load average (1, 5, 15 min) |",
        "| ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for row in rows:
        equal = ", ".join("yes" if v else "NO" for v in row["equal"].values())
        table.append(
            f"| {row['docs']:,} | {row['chars']:,} | {row['passages']:,} / {row['clusters']:,}"
            f" / {row['stories']:,} | {row['local_s']:.1f} s | {row['spark_s']:.1f} s | "
            f"{equal} | {row['load']} |"
        )
    text = "\n".join(table)
    print(text)
    if args.write:
        start, end = markers(MARK)
        write_section(REPO / "docs" / "benchmarks.md", MARK, f"{start}\n{text}\n{end}")


if __name__ == "__main__":
    main()
