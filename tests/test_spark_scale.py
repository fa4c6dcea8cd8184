"""Spark dedup on a real corpus: Spark settings from the command line and from Python
(``--spark-conf``, ``spark_conf=``), nothing per document through the driver, and the
verification join restricted to the documents of candidate pairs."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pyspark.sql import SparkSession

import zhnorm.spark as zs
from zhnorm.cli import main
from zhnorm.neardup import dedup
from zhnorm.neardup.files import dedup_files as local_dedup_files

from .conftest import REPO, local_spark

POOL = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把"
)


def _texts(n: int, length: int, every: int, seed: int) -> list[str]:
    """``n`` documents of ``length`` random characters; every ``every``-th one a
    near-copy (three characters changed) of an earlier one."""
    rng = random.Random(seed)
    texts: list[str] = []
    for i in range(n):
        if i % every == every - 1:
            copy = list(texts[rng.randrange(len(texts))])
            for _ in range(3):
                copy[rng.randrange(len(copy))] = rng.choice(POOL)
            texts.append("".join(copy))
        else:
            texts.append("".join(rng.choice(POOL) for _ in range(length)))
    return texts


# --- KEY=VALUE settings ----------------------------------------------------------------


def test_parse_spark_conf() -> None:
    assert zs.parse_spark_conf([]) == {}
    assert zs.parse_spark_conf(
        ["spark.driver.memory=4g", "spark.x=a=b", "spark.y=", "spark.driver.memory=8g"]
    ) == {"spark.driver.memory": "8g", "spark.x": "a=b", "spark.y": ""}
    for bad, said in [
        ("spark.driver.memory", "expected KEY=VALUE"),
        ("=4g", "expected KEY=VALUE"),
        (" =4g", "expected KEY=VALUE"),
        ("spark.driver memory=4g", "white space in the key"),
        (" spark.driver.memory=4g", "white space in the key"),
    ]:
        with pytest.raises(ValueError, match=said) as caught:
            zs.parse_spark_conf(["spark.ok=1", bad])
        assert repr(bad) in str(caught.value)


def test_malformed_spark_conf_is_a_usage_error(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "一二三四五六"}\n', encoding="utf-8")
    out = str(tmp_path / "k.jsonl")
    for args, said in [
        (["--engine", "spark", "--spark-conf", "spark.driver.memory"], "expected KEY=VALUE"),
        (["--engine", "spark", "--spark-conf", "a b=1"], "white space in the key"),
        (["--spark-conf", "spark.driver.memory=4g"], "works with --engine spark only"),
    ]:
        ran = CliRunner().invoke(main, ["dedup", str(source), "-o", out, "-q", *args])
        assert ran.exit_code == 2, ran.output
        errors = [line for line in ran.output.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1 and said in errors[0], ran.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]  # nothing written


# --- settings reach the session; nothing per document through the driver -------------

_PROBE = """
import json, sys
from pyspark.sql import SparkSession
from zhnorm.cli import main

seen = {}
stop = SparkSession.stop

def watching_stop(self):
    conf = self.sparkContext.getConf()
    seen["probe"] = conf.get("spark.zhnorm.probe")
    seen["max_result"] = conf.get("spark.driver.maxResultSize")
    seen["auto_broadcast"] = self.conf.get("spark.sql.autoBroadcastJoinThreshold")
    seen["master"] = self.sparkContext.master
    try:  # the control: collecting the input does exceed the limit
        self.read.text(sys.argv[1]).collect()
        seen["collect"] = "fine"
    except Exception as exc:
        seen["collect"] = "maxResultSize" if "maxResultSize" in str(exc) else str(exc)[:300]
    stop(self)

SparkSession.stop = watching_stop
try:
    main(sys.argv[2:], standalone_mode=False)
finally:
    print(json.dumps(seen))
"""


def test_cli_spark_conf_reaches_the_session_and_no_corpus_through_the_driver(
    tmp_path: Path,
) -> None:
    """``--spark-conf`` and ``--master`` reach the session; with
    ``spark.driver.maxResultSize=1m`` (its minimum) a 4 MB corpus dedups to the local
    engine's result, while collecting it to the driver fails on that limit.

    Spark's own broadcast of any join side under ``autoBroadcastJoinThreshold`` (10 MB
    by default, whatever the corpus size) is switched off here: at this size the
    candidate documents' keys are under it, and would pass through the driver."""
    texts = _texts(3000, 450, every=4, seed=3)
    source = tmp_path / "in.jsonl"
    with source.open("w", encoding="utf-8") as handle:
        for i, text in enumerate(texts):
            handle.write(json.dumps({"id": f"d{i}", "text": text}, ensure_ascii=False) + "\n")
    assert source.stat().st_size > 3 * 2**20
    local = local_dedup_files([str(source)], str(tmp_path / "local.jsonl"))
    out = tmp_path / "spark"
    out.mkdir()
    command = [sys.executable, "-c", _PROBE, str(source), "dedup", str(source), "-q"]
    command += ["--engine", "spark", "--master", "local[1]", "-o", str(out / "k.jsonl")]
    command += ["--spark-conf", "spark.zhnorm.probe=a=b", "--spark-conf", "spark.ui.enabled=false"]
    command += ["--spark-conf", "spark.driver.maxResultSize=1m"]
    command += ["--spark-conf", "spark.sql.autoBroadcastJoinThreshold=-1"]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "PYSPARK_PYTHON": sys.executable}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {
        "probe": "a=b",
        "max_result": "1m",
        "auto_broadcast": "-1",
        "master": "local[1]",
        "collect": "maxResultSize",
    }
    kept = []
    for part in sorted((out / "k.jsonl").glob("part-*")):
        kept.extend(part.read_text("utf-8").splitlines())
    assert kept == (tmp_path / "local.jsonl").read_text("utf-8").splitlines()
    assert (local.removed or 0) > 500


# --- the verification join: candidate documents only ----------------------------------


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    yield from local_spark()


def test_spark_conf_with_a_running_session_is_refused(spark: SparkSession, tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text('{"text": "一二三四五六"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="spark_conf= configures a session started"):
        zs.dedup_files(
            [str(tmp_path / "in.jsonl")],
            str(tmp_path / "k.jsonl"),
            spark_conf={"spark.driver.memory": "2g"},
        )


def _same_as_local(spark: SparkSession, texts: list[str]) -> Any:
    local = dedup(texts, threshold=0.8)
    frame = spark.createDataFrame([(t,) for t in texts], "text string")
    result = zs.dedup_result(frame, threshold=0.8)
    rows = sorted(result.frame.collect(), key=lambda row: row["row_index"])
    assert [r.cluster for r in rows] == local.cluster
    assert [r.duplicate_of for r in rows] == local.duplicate_of
    assert [r.similarity for r in rows] == local.similarity
    pairs = sorted(tuple(p) for p in result.pairs.collect())
    assert pairs == sorted((p.a, p.b, p.band, p.estimated, p.exact) for p in local.pairs)
    assert result.candidates == local.candidates
    result.unpersist()
    return local, result


def test_verification_with_few_candidate_documents_same_as_local(spark: SparkSession) -> None:
    """A corpus where one document in 40 is a near-copy: the documents of candidate
    pairs (the only ones whose keys and signatures travel to the verification) are a
    small part of the corpus, and the result is the local one."""
    texts = _texts(2400, 200, every=40, seed=11)
    texts[500] = texts[100][:150]  # a truncated copy: a candidate, below the threshold
    local, result = _same_as_local(spark, texts)
    members = {p.a for p in local.pairs} | {p.b for p in local.pairs}
    assert len(local.removed) >= 55
    assert len(members) <= result.candidate_docs <= len(texts) // 10
    assert result.candidates > len(local.pairs)  # the truncated copy was proposed, not kept


def test_verification_with_only_candidate_documents_same_as_local(
    spark: SparkSession,
) -> None:
    """The other end: every document in some candidate pair."""
    base = _texts(150, 200, every=1000, seed=5)
    texts = [text for text in base for _ in range(2)]
    local, result = _same_as_local(spark, texts)
    assert result.candidate_docs == len(texts)
    assert len(local.removed) == len(base)
