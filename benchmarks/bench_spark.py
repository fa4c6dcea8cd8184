"""zhnorm on Spark ``local[2]`` against one process, same corpus, same run.

Corpus: :func:`zhnorm.neardup.synthetic.make_corpus` over the THUCNews sample (real
sentences, ~900-character documents, ~30 % planted near-duplicates), seeded; written
to ``build/bench_spark/corpus.jsonl`` for the end-to-end runs.

Measured (wall clock; best of ``--repeats`` runs after the first unless said):

* ``dedup``: :func:`zhnorm.neardup.dedup` (one process, ``workers=1``) against
  :func:`zhnorm.spark.dedup_result` on a cached DataFrame, output forced with a
  ``noop`` write; the first Spark run (Python workers starting, dictionaries loading)
  is reported separately as *cold*;  the two results are checked to be identical;
* end to end from the JSONL file: ``zhnorm dedup`` (one process, a subprocess) against
  :func:`zhnorm.spark.dedup_files` (JSONL directories out);
* a column function: :func:`zhnorm.fix_batch` against :func:`zhnorm.spark.fix_text_column`;
* memory: bytes per document of the tables Spark caches (the input with its row
  index, the sketch: key + signature + band hashes) as the block manager reports them,
  and the peak RSS of the JVM and of the Python workers (sampled every 0.2 s).

    .venv/bin/python benchmarks/bench_spark.py [--docs 20000] [--repeats 2]

The machine has 2 cores shared with other jobs: ``local[2]`` cannot beat one process
by much here -- the figure to read is the per-document cost, and that Spark's fixed
cost (job scheduling, shuffles) is paid once per stage, not per document.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("ZHNORM_SHARED_DATA", REPO.parent / "shared" / "data"))
OUT = REPO / "build" / "bench_spark"


class PeakRSS:
    """Peak RSS of this process's children (the JVM, and the rest: the Python workers
    under it, a ``zhnorm`` subprocess), sampled every 0.2 s while running."""

    def __init__(self) -> None:
        self.jvm = 0
        self.python = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            jvm = python = 0
            for child in me.children(recursive=True):
                try:
                    rss = child.memory_info().rss
                    name = child.name()
                except psutil.Error:
                    continue
                if "java" in name:
                    jvm += rss
                else:  # the Python workers, and the zhnorm command itself
                    python += rss
            self.jvm = max(self.jvm, jvm)
            self.python = max(self.python, python)
            self._stop.wait(0.2)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@contextmanager
def timed(into: list[float]) -> Iterator[None]:
    started = time.perf_counter()
    yield
    into.append(time.perf_counter() - started)


def make_texts(docs: int, doc_chars: int) -> list[str]:
    from zhnorm.neardup.synthetic import make_corpus

    path = DATA / "thucnews-cnews-sample" / "cnews_val_1000.jsonl"
    with path.open(encoding="utf-8") as handle:
        paragraphs = [json.loads(line)["text"] for line in handle]
    return make_corpus(paragraphs, docs, seed=0, dup_fraction=0.3, doc_chars=doc_chars).texts


def cached_bytes(spark: Any) -> int:
    """Bytes (memory + disk) of every cached RDD/DataFrame block."""
    infos = spark.sparkContext._jsc.sc().getRDDStorageInfo()
    return sum(int(info.memSize()) + int(info.diskSize()) for info in infos)


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f} docs/s ({seconds:.1f} s)"


def corpus_file(docs: int, doc_chars: int) -> Path:
    """The JSONL corpus of ``docs`` documents (``{"id", "text"}``), written once per
    size under ``build/bench_spark/`` and reused (it is seeded: the same every time)."""
    path = OUT.parent / "bench_spark_corpora" / f"corpus-{docs}-{doc_chars}.jsonl"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as handle:
        for i, text in enumerate(make_texts(docs, doc_chars)):
            handle.write(json.dumps({"id": i, "text": text}, ensure_ascii=False) + "\n")
    partial.replace(path)
    return path


def read_parts(path: Path) -> list[str]:
    """The lines of a JSONL file, or of a directory of Spark part files in order."""
    files = sorted(path.glob("part-*")) if path.is_dir() else [path]
    lines: list[str] = []
    for file in files:
        with file.open(encoding="utf-8") as handle:
            lines.extend(line.rstrip("\n") for line in handle)
    return lines


def run_command(command: list[str]) -> tuple[float, PeakRSS, str]:
    """Wall time, peak RSS (JVM and Python processes) and the closing line of one
    ``zhnorm`` subprocess."""
    started = time.perf_counter()
    with PeakRSS() as peak:
        done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{tail}")
    return seconds, peak, done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""


def scaling(args: argparse.Namespace) -> None:
    """``zhnorm dedup`` end to end on one JSONL file: the local engine, then
    ``--engine spark`` on each master, on Spark's default settings (no ``--spark-conf``:
    1 GB driver memory); time, peak RSS of the whole process tree (the Python driver,
    the JVM, the Python workers) and whether the kept records and the clusters file
    are identical to the local engine's."""
    corpus = corpus_file(args.docs, args.doc_chars)
    size_mb = corpus.stat().st_size / 2**20
    print(f"{corpus}: {args.docs} documents, {size_mb:.0f} MB", flush=True)
    out = OUT / f"scaling-{args.docs}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    zhnorm_cli = str(Path(sys.executable).with_name("zhnorm"))
    base = [zhnorm_cli, "dedup", str(corpus)]
    rows: list[dict[str, Any]] = []
    local_kept, local_clusters = out / "local-kept.jsonl", out / "local-clusters.jsonl"
    command = [*base, "-o", str(local_kept), "--clusters", str(local_clusters)]
    seconds, peak, summary = run_command(command)
    rows.append(
        {"engine": "local", "seconds": round(seconds, 1),
         "peak_rss_mb": round((peak.jvm + peak.python) / 2**20), "summary": summary}
    )  # fmt: skip
    print(rows[-1], flush=True)
    expected_kept, expected_clusters = read_parts(local_kept), read_parts(local_clusters)
    for master in args.masters.split(","):
        name = master.replace("[", "").replace("]", "")
        kept, clusters = out / f"{name}-kept.jsonl", out / f"{name}-clusters.jsonl"
        command = [*base, "--engine", "spark", "--master", master]
        command += ["-o", str(kept), "--clusters", str(clusters), "--tmp-dir", str(out)]
        seconds, peak, summary = run_command(command)
        rows.append(
            {
                "engine": f"spark {master}",
                "seconds": round(seconds, 1),
                "peak_rss_mb": round((peak.jvm + peak.python) / 2**20),
                "peak_rss_jvm_mb": round(peak.jvm / 2**20),
                "peak_rss_python_mb": round(peak.python / 2**20),
                "identical_kept": read_parts(kept) == expected_kept,
                "identical_clusters": read_parts(clusters) == expected_clusters,
                "summary": summary,
            }
        )
        print(rows[-1], flush=True)
        shutil.rmtree(kept, ignore_errors=True)
        shutil.rmtree(clusters, ignore_errors=True)
    print(json.dumps({"docs": args.docs, "input_mb": round(size_mb), "runs": rows,
                      "load_after": [round(x, 2) for x in os.getloadavg()]},
                     indent=2, ensure_ascii=False))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--doc-chars", type=int, default=900)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--partitions", type=int, default=4, help="shuffle partitions")
    parser.add_argument(
        "--scaling",
        action="store_true",
        help="only the end-to-end runs of zhnorm dedup: local, then --engine spark on "
        "each of --masters, on Spark's default settings",
    )
    parser.add_argument("--masters", default="local[1],local[2]")
    args = parser.parse_args()
    if args.scaling:
        os.environ["PYSPARK_PYTHON"] = sys.executable
        scaling(args)
        return

    os.environ["PYSPARK_PYTHON"] = sys.executable
    import zhnorm
    import zhnorm.spark as zs
    from zhnorm.neardup import dedup

    texts = make_texts(args.docs, args.doc_chars)
    n = len(texts)
    chars = sum(map(len, texts))
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    corpus = OUT / "corpus.jsonl"
    with corpus.open("w", encoding="utf-8") as handle:
        for i, text in enumerate(texts):
            handle.write(json.dumps({"id": i, "text": text}, ensure_ascii=False) + "\n")
    results: dict[str, Any] = {
        "docs": n,
        "mean_chars": round(chars / n),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_before": [round(x, 2) for x in os.getloadavg()],
    }
    print(f"{n} documents, {chars / n:.0f} characters on average", flush=True)

    local_times: list[float] = []
    for _ in range(args.repeats):
        with timed(local_times):
            local = dedup(texts)
    results["local_dedup_s"] = min(local_times)
    print("one process, zhnorm.neardup.dedup:", rate(n, min(local_times)), flush=True)

    spark = zs.session(
        f"local[{2}]",
        shuffle_partitions=args.partitions,
        conf={"spark.ui.enabled": "false", "spark.driver.memory": "2g"},
    )
    spark.sparkContext.setLogLevel("ERROR")
    with PeakRSS() as peak:
        # parallelize keeps the list order (row_index i is texts[i]); repartition would not.
        rows = spark.sparkContext.parallelize([(t,) for t in texts], 4)
        frame = spark.createDataFrame(rows, "text string").cache()
        frame.count()
        spark_times: list[float] = []
        for run in range(args.repeats + 1):
            with timed(spark_times):
                result = zs.dedup_result(frame)
                result.frame.write.format("noop").mode("overwrite").save()
            if run == 0:
                found = sorted(result.frame.select("row_index", "cluster").collect())
                results["identical_clusters"] = [r.cluster for r in found] == local.cluster
            result.unpersist()
    cold, warm = spark_times[0], min(spark_times[1:])
    results.update(spark_dedup_cold_s=cold, spark_dedup_warm_s=warm)
    print("Spark local[2], zhnorm.spark.dedup (cold):", rate(n, cold), flush=True)
    print("Spark local[2], zhnorm.spark.dedup (warm):", rate(n, warm), flush=True)
    print("identical clusters:", results["identical_clusters"], flush=True)

    # The sketch table alone, as dedup caches it.
    from zhnorm.neardup.lsh import lsh_bands
    from zhnorm.neardup.params import MinHashParams
    from zhnorm.spark._dedup import _SKETCH_SCHEMA, _sketch

    params = MinHashParams()
    bands, rows_per_band = lsh_bands(0.8, params.num_perm)
    spark.catalog.clearCache()
    docs = frame.selectExpr("monotonically_increasing_id() as idx", "text")
    sketch = docs.mapInPandas(
        lambda b: _sketch(b, params, None, bands, rows_per_band), _SKETCH_SCHEMA
    ).cache()
    sketch.count()
    results["sketch_bytes_per_doc"] = round(cached_bytes(spark) / n)
    sketch.unpersist()
    frame.cache().count()
    results["input_cached_bytes_per_doc"] = round(cached_bytes(spark) / n)
    frame.unpersist()
    results["peak_rss_jvm_mb"] = round(peak.jvm / 2**20)
    results["peak_rss_python_workers_mb"] = round(peak.python / 2**20)

    # End to end from the JSONL file.
    e2e_local: list[float] = []
    e2e_spark: list[float] = []
    command = [str(Path(sys.executable).with_name("zhnorm")), "dedup", str(corpus), "-q"]
    command += ["-o", str(OUT / "local-kept.jsonl"), "--clusters", str(OUT / "local-c.jsonl")]
    for _ in range(args.repeats):
        with timed(e2e_local):
            subprocess.run(command, check=True, capture_output=True)
        with timed(e2e_spark):
            counts = zs.dedup_files(
                [str(corpus)], str(OUT / "spark-kept.jsonl"), str(OUT / "spark-c.jsonl"),
                spark=spark,
            )  # fmt: skip
    results.update(e2e_local_s=min(e2e_local), e2e_spark_s=min(e2e_spark))
    results["e2e_summary"] = counts.summary()
    print("end to end, zhnorm dedup (one process):", rate(n, min(e2e_local)), flush=True)
    print("end to end, dedup_files on local[2]:", rate(n, min(e2e_spark)), flush=True)

    # A column function.
    fix_local: list[float] = []
    fix_spark: list[float] = []
    frame = spark.createDataFrame(spark.sparkContext.parallelize([(t,) for t in texts], 4))
    frame = frame.toDF("text").cache()
    frame.count()

    def column() -> None:
        frame.select(zs.fix_text_column("text")).write.format("noop").mode("overwrite").save()

    column()  # warm-up
    for _ in range(args.repeats):
        with timed(fix_local):
            zhnorm.fix_batch(texts)
        with timed(fix_spark):
            column()
    results.update(fix_local_s=min(fix_local), fix_spark_s=min(fix_spark))
    print("fix_batch, one process:", rate(n, min(fix_local)), flush=True)
    print("fix_text_column, local[2]:", rate(n, min(fix_spark)), flush=True)
    results["load_after"] = [round(x, 2) for x in os.getloadavg()]
    spark.stop()
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
