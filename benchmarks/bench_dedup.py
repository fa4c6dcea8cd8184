"""Near-duplicate detection: zhnorm against datasketch, same documents, same run.

Corpus: :func:`zhnorm.neardup.synthetic.make_corpus` over the THUCNews sample (real
sentences, ~900-character documents, ~30 % planted near-duplicates: edits, sentence
changes, truncation, punctuation noise, Simplified->Traditional, leaked pinyin), seeded.

Measured (best of ``--repeats`` timed runs after a warm-up, one process unless said):

* sketching throughput, end to end from raw text (matching key + shingles + MinHash
  signatures) on the first ``--sketch-docs`` documents: zhnorm (``dedup_keys`` +
  ``signatures``, chunks of 2,048) against datasketch (the same keys, the same
  character n-grams as UTF-8 bytes, ``MinHash(num_perm=128)`` + ``update_batch`` per
  document, default SHA-1 hash); also from precomputed keys, and datasketch with its
  permutations made once and shared;
* ``workers=2`` against ``workers=1`` (``sketch_chunks`` on process pools) on all
  ``--docs`` documents;
* LSH recall on the planted pairs (within-family pairs whose exact Jaccard is at least
  the threshold): zhnorm's banding (then exact verification) against
  ``datasketch.MinHashLSH(threshold, num_perm=128)`` with its default weights, fed the
  same signatures (as ``LeanMinHash``);
* recall and precision of ``zhnorm.dedup`` (precision checked with Python string sets);
* the command line ``zhnorm dedup --workers 2`` on the corpus: wall time and peak RSS
  (the process tree, sampled every 0.2 s, and the largest single process);
* the n-gram study behind the default ``ngram=3``;
* ``--big N``: the command line on N documents (written to ``build/bench_dedup/``);
* ``--rensa N [N ...]``: end to end against rensa (issue 18 point 4) on ``make_corpus``
  of N documents, each contender in its own fresh process, rounds alternating: rensa
  given the texts in memory (its time includes the character bigrams it is given and
  ``RMinHash``/``RMinHashLSH`` with 128 permutations, insert and query of every
  document; also its bulk matrix API), zhnorm as the command line ``zhnorm dedup``
  (``--workers 1`` and ``2``) and as the library ``dedup`` with the default key and the
  plain key; wall time, CPU time (process tree) and peak RSS.  ``--only-rensa`` skips
  everything else and writes its own section (``bench_dedup_rensa``).

    .venv/bin/python benchmarks/bench_dedup.py [--docs 20000] [--repeats 3]
    .venv/bin/python benchmarks/bench_dedup.py --big 1000000 --write docs/benchmarks.md
    .venv/bin/python benchmarks/bench_dedup.py --only-rensa --rensa 20000 200000 \
        --write docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import datasketch
import numpy as np
import psutil
import rensa
from datasketch import LeanMinHash, MinHash, MinHashLSH

import zhnorm
from _docs import markers, write_section
from zhnorm.neardup import MinHashParams, dedup, dedup_keys, exact_similarity, lsh_bands
from zhnorm.neardup.api import CHUNK_DOCS as CHUNK
from zhnorm.neardup.lsh import collision_probability
from zhnorm.neardup.minhash import signatures_from_shingles
from zhnorm.neardup.params import DEFAULT_NGRAM
from zhnorm.neardup.shingling import batch_shingles, shingle_set
from zhnorm.neardup.sketch import sketch_chunks
from zhnorm.neardup.synthetic import SyntheticCorpus, make_corpus

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO.parent / "shared" / "data"
BUILD = REPO / "build" / "bench_dedup"
ZHNORM_EXE = Path(sys.executable).with_name("zhnorm")
SECTION, RENSA_SECTION = "bench_dedup", "bench_dedup_rensa"
SECTION_START, SECTION_END = markers(SECTION)
RENSA_START, RENSA_END = markers(RENSA_SECTION)
SEED = 2026


def paragraphs(data_dir: Path) -> list[str]:
    path = data_dir / "thucnews-cnews-sample" / "cnews_val_1000.jsonl"
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle]


def best_of(func: Callable[[], object], repeats: int) -> float:
    func()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - started)
    return best


def chunks(items: Sequence[str]) -> list[Sequence[str]]:
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


def ngram_bytes(key: str, n: int) -> list[bytes]:
    if len(key) < n:
        return [key.encode()] if key else []
    return [key[i : i + n].encode() for i in range(len(key) - n + 1)]


# --- throughput ----------------------------------------------------------------------


def zhnorm_from_text(texts: Sequence[str], params: MinHashParams) -> None:
    for chunk in chunks(texts):
        hashes, offsets = batch_shingles(dedup_keys(chunk), params.ngram)
        signatures_from_shingles(hashes, offsets, params)


def zhnorm_from_keys(keys: Sequence[str], params: MinHashParams) -> None:
    for chunk in chunks(keys):
        hashes, offsets = batch_shingles(chunk, params.ngram)
        signatures_from_shingles(hashes, offsets, params)


def datasketch_from_keys(keys: Sequence[str], params: MinHashParams, shared: bool) -> None:
    perms = MinHash(num_perm=params.num_perm, seed=params.seed).permutations
    for key in keys:
        if shared:
            m = MinHash(num_perm=params.num_perm, seed=params.seed, permutations=perms)
        else:
            m = MinHash(num_perm=params.num_perm, seed=params.seed)
        m.update_batch(ngram_bytes(key, params.ngram))


def datasketch_from_text(texts: Sequence[str], params: MinHashParams, shared: bool) -> None:
    for chunk in chunks(texts):
        datasketch_from_keys(dedup_keys(chunk), params, shared)


def throughput(texts: Sequence[str], params: MinHashParams, repeats: int) -> dict[str, float]:
    keys = dedup_keys(texts)
    n = len(texts)
    rates = {
        "zhnorm, from text": n / best_of(lambda: zhnorm_from_text(texts, params), repeats),
        "datasketch, from text": n
        / best_of(lambda: datasketch_from_text(texts, params, False), repeats),
        "datasketch (shared permutations), from text": n
        / best_of(lambda: datasketch_from_text(texts, params, True), repeats),
        "zhnorm, from keys": n / best_of(lambda: zhnorm_from_keys(keys, params), repeats),
        "datasketch, from keys": n
        / best_of(lambda: datasketch_from_keys(keys, params, False), repeats),
        "key alone (dedup_keys)": n / best_of(lambda: dedup_keys(texts), repeats),
    }
    return rates


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def _two_jobs(job: Callable[[int], int], size: int, workers: int) -> None:
    if workers == 1:
        job(size)
        job(size)
        return
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(job, [size, size]))


def _halves(run: Callable[[Sequence[str]], None], texts: Sequence[str]) -> None:
    """``run`` on each half of ``texts``, one half in a forked child, with no exchange at
    all: the ceiling of any split of this work on this machine at this moment."""
    half = len(texts) // 2
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        run(texts[:half])
        os._exit(0)
    run(texts[half:])
    os.waitpid(pid, 0)


def worker_scaling(texts: Sequence[str], params: MinHashParams, rounds: int) -> dict[Any, float]:
    """Docs/s of ``sketch_chunks`` with 1 and 2 workers, and two controls: the same
    sketching split in halves over two processes that exchange nothing (the ceiling for
    this work), and trivially parallel pure-Python work; all interleaved round by round
    so that quiet moments benefit each alike; best of ``rounds`` each."""
    bands, rows = lsh_bands(0.8, params.num_perm)
    best: dict[Any, float] = {}

    def sketch(part: Sequence[str], workers: int = 1) -> None:
        for _ in sketch_chunks(chunks(part), params, None, bands, rows, workers):
            pass

    sketch(texts)  # warm-up
    for _ in range(rounds):
        for name, job in (
            (1, lambda: sketch(texts)),
            (2, lambda: sketch(texts, 2)),
            ("halves", lambda: _halves(sketch, texts)),
            ("control 1", lambda: _two_jobs(_spin, 2_000_000, 1)),
            ("control 2", lambda: _two_jobs(_spin, 2_000_000, 2)),
        ):
            started = time.perf_counter()
            job()
            best[name] = min(best.get(name, float("inf")), time.perf_counter() - started)
    return {
        1: len(texts) / best[1],
        2: len(texts) / best[2],
        "halves": best[1] / best["halves"],
        "control": best["control 1"] / best["control 2"],
    }


# --- quality -------------------------------------------------------------------------


def truth_pairs(
    corpus: SyntheticCorpus, keys: Sequence[str], threshold: float, ngram: int
) -> set[tuple[int, int]]:
    return {
        (a, b)
        for a, b in corpus.family_pairs()
        if exact_similarity(keys[a], keys[b], ngram) >= threshold
    }


def string_jaccard(a: str, b: str, n: int) -> float:
    sa, sb = shingle_set(a, n), shingle_set(b, n)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def quality(corpus: SyntheticCorpus, threshold: float, params: MinHashParams) -> dict[str, Any]:
    started = time.perf_counter()
    result = dedup(corpus.texts, threshold=threshold, params=params)
    elapsed = time.perf_counter() - started
    keys = result.keys
    truth = truth_pairs(corpus, keys, threshold, params.ngram)
    found = {(p.a, p.b) for p in result.pairs}
    precise = sum(
        string_jaccard(keys[p.a], keys[p.b], params.ngram) >= threshold for p in result.pairs
    )
    clustered = sum(result.cluster[a] == result.cluster[b] for a, b in truth)
    # datasketch's LSH with its default banding, fed the same signatures.
    lsh = MinHashLSH(threshold=threshold, num_perm=params.num_perm)
    sigs = zhnorm.signatures(keys, params)
    with lsh.insertion_session() as session:
        for i, row in enumerate(sigs):
            session.insert(i, LeanMinHash(seed=params.seed, hashvalues=row))
    ds_found = 0
    for a, b in truth:
        ds_found += b in lsh.query(LeanMinHash(seed=params.seed, hashvalues=sigs[a]))
    bands, rows = lsh_bands(threshold, params.num_perm)
    return {
        "threshold": threshold,
        "docs": len(corpus.texts),
        "truth": len(truth),
        "reported": len(result.pairs),
        "candidates": result.candidates,
        "recall": len(truth & found) / len(truth),
        "cluster_recall": clustered / len(truth),
        "precision": precise / max(1, len(result.pairs)),
        "cross_family": sum(corpus.family[p.a] != corpus.family[p.b] for p in result.pairs),
        "ds_recall": ds_found / len(truth),
        "ds_bands": (lsh.b, lsh.r),
        "bands": (bands, rows),
        "p_at_threshold": collision_probability(threshold, bands, rows),
        "ds_p_at_threshold": collision_probability(threshold, lsh.b, lsh.r),
        "seconds": elapsed,
    }


def ngram_study(corpus: SyntheticCorpus, data_dir: Path) -> list[dict[str, Any]]:
    """Per n: planted light variants (copy, noise, script, ruby, <= 2 % edits, sentence
    change) at or above 0.8, against distinct same-category THUCNews articles."""
    keys = dedup_keys(corpus.texts)

    def light(how: str) -> bool:
        steps = how.split(", ")
        edits = [float(s.split()[1].rstrip("%")) for s in steps if s.startswith("edit")]
        return all(e <= 2.0 for e in edits) and "truncate" not in steps

    variants = [
        (corpus.family[j], j) for j, how in enumerate(corpus.how) if how != "base" and light(how)
    ]
    path = data_dir / "thucnews-cnews-sample" / "cnews_val_1000.jsonl"
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    article_keys = dedup_keys([r["text"] for r in rows])
    same_category = [
        (i, j)
        for i in range(len(rows))
        for j in range(i + 1, len(rows))
        if rows[i]["category"] == rows[j]["category"]
    ]
    sample = random.Random(0).sample(same_category, 5000)
    study = []
    for n in (2, 3, 4, 5, 6):
        light_j = sorted(exact_similarity(keys[a], keys[b], n) for a, b in variants)
        negative = sorted(
            (exact_similarity(article_keys[a], article_keys[b], n) for a, b in sample),
            reverse=True,
        )
        study.append(
            {
                "n": n,
                "light": len(light_j),
                "light_at_08": sum(j >= 0.8 for j in light_j) / len(light_j),
                "light_p2": light_j[len(light_j) // 50],
                "negative_p999": negative[len(negative) // 1000],
                "margin": light_j[len(light_j) // 50] - negative[len(negative) // 1000],
            }
        )
    return study


# --- command line: wall time and peak RSS --------------------------------------------


def write_corpus(corpus: SyntheticCorpus, path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for i, text in enumerate(corpus.texts):
            out.write(json.dumps({"id": f"doc{i}", "text": text}, ensure_ascii=False) + "\n")


def big_corpus_file(source: list[str], n: int) -> Path:
    """``build/bench_dedup/corpus-N.jsonl`` (made once; not held in memory while the
    command line runs)."""
    path = BUILD / f"corpus-{n}.jsonl"
    if not path.exists():
        BUILD.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        write_corpus(make_corpus(source, n, seed=SEED), partial)
        partial.replace(path)
    return path


def run_cli(source: Path, out_dir: Path, workers: int) -> dict[str, Any]:
    args = [
        str(ZHNORM_EXE),
        "dedup",
        str(source),
        "-o",
        str(out_dir / "kept.jsonl"),
        "--clusters",
        str(out_dir / "clusters.jsonl"),
        "--pairs",
        str(out_dir / "pairs.jsonl"),
        "--workers",
        str(workers),
        "-q",
    ]
    # GNU time reports the largest resident set of the command and its workers.
    timer = Path("/usr/bin/time")
    maxrss_file = out_dir / "maxrss.txt"
    if timer.exists():
        args = [str(timer), "-f", "%M", "-o", str(maxrss_file), *args]
    started = time.perf_counter()
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
    parent = psutil.Process(proc.pid)
    peak_tree = peak_process = 0
    while proc.poll() is None:
        try:
            sizes = [p.memory_info().rss for p in parent.children(recursive=True)]
            peak_tree = max(peak_tree, sum(sizes))
            peak_process = max(peak_process, *sizes, 0)
        except psutil.Error:
            pass
        time.sleep(0.2)
    stderr = proc.stderr.read() if proc.stderr else ""
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"zhnorm dedup failed: {stderr}")
    if maxrss_file.exists():
        peak_process = max(peak_process, int(maxrss_file.read_text().split()[-1]) * 1024)
    return {
        "seconds": elapsed,
        "peak_tree_mib": peak_tree / 2**20,
        "peak_process_mib": peak_process / 2**20,
        "summary": stderr.strip().splitlines()[-1],
    }


def cli_quality(
    corpus: SyntheticCorpus, out_dir: Path, threshold: float, ngram: int, check: int
) -> dict[str, Any]:
    """Recall of the planted pairs among the verified pairs the CLI wrote, and precision
    on (a sample of) them with Python string sets."""
    pairs = [json.loads(line) for line in (out_dir / "pairs.jsonl").open(encoding="utf-8")]
    found = {(p["a"], p["b"]) for p in pairs}
    family_pairs = corpus.family_pairs()
    involved = sorted({i for pair in family_pairs for i in pair} | {i for p in found for i in p})
    keys = dict(zip(involved, dedup_keys([corpus.texts[i] for i in involved]), strict=True))
    truth = {
        (a, b) for a, b in family_pairs if exact_similarity(keys[a], keys[b], ngram) >= threshold
    }
    sample = random.Random(0).sample(sorted(found), min(check, len(found)))
    precise = sum(string_jaccard(keys[a], keys[b], ngram) >= threshold for a, b in sample)
    return {
        "truth": len(truth),
        "reported": len(found),
        "recall": len(truth & found) / max(1, len(truth)),
        "precision": precise / max(1, len(sample)),
        "checked": len(sample),
    }


# --- end to end against rensa (issue 18, point 4) -------------------------------------


def char_bigrams(text: str) -> list[str]:
    """The tokens rensa is given: overlapping character bigrams of the raw text."""
    return [text[i : i + 2] for i in range(len(text) - 1)]


def rensa_dedup(texts: Sequence[str], threshold: float = 0.8, num_perm: int = 128) -> int:
    """rensa as its documentation deduplicates: one ``RMinHash`` per document (its
    bigrams), inserted into an ``RMinHashLSH``, then every document queried; the number
    of documents with another candidate."""
    lsh = rensa.RMinHashLSH(threshold=threshold, num_perm=num_perm, num_bands=16)
    sketches = []
    for i, text in enumerate(texts):
        sketch = rensa.RMinHash(num_perm=num_perm, seed=42)
        sketch.update(char_bigrams(text))
        lsh.insert(i, sketch)
        sketches.append(sketch)
    return sum(len(lsh.query(sketch)) > 1 for sketch in sketches)


def rensa_bulk_dedup(texts: Sequence[str], threshold: float = 0.8, num_perm: int = 128) -> int:
    """rensa's bulk path: one digest matrix for every document, inserted and queried in
    one call (``insert_matrix_and_query_duplicate_flags``)."""
    matrix = rensa.RMinHash.digest_matrix_from_token_sets(
        (char_bigrams(t) for t in texts), num_perm, 42
    )
    lsh = rensa.RMinHashLSH(threshold=threshold, num_perm=num_perm, num_bands=16)
    return int(sum(lsh.insert_matrix_and_query_duplicate_flags(matrix)))


def _versus_child(kind: str, path: Path) -> None:
    """Child process of :func:`versus_rensa`: read the corpus, time one contender, print
    JSON (seconds, CPU seconds, peak RSS in MiB, the result's size)."""
    import resource

    with path.open(encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for line in handle]
    started, cpu = time.perf_counter(), time.process_time()
    if kind == "rensa":
        found = rensa_dedup(texts)
    elif kind == "rensa bulk":
        found = rensa_bulk_dedup(texts)
    else:
        from zhnorm.key import named_key

        key = None if kind == "zhnorm library" else named_key("plain")
        found = len(dedup(texts, key_config=key).removed)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "cpu": cpu, "peak_mib": peak, "found": found}))


def _timed_cli(path: Path, out_dir: Path, workers: int) -> dict[str, Any]:
    """``zhnorm dedup`` on ``path``: wall time, CPU of the process tree, peak RSS."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = run_cli(path, out_dir, workers)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    run["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    run["peak_mib"] = run["peak_process_mib"]
    return run


VERSUS = (
    "rensa",
    "rensa bulk",
    "zhnorm dedup --workers 1",
    "zhnorm dedup --workers 2",
    "zhnorm library",
    "zhnorm library, plain key",
)


def versus_rensa(
    source: list[str], docs: int, rounds: int, kinds: Sequence[str] = VERSUS
) -> dict[str, Any]:
    """Each contender of ``kinds`` (default every one of :data:`VERSUS`; rensa always) on
    ``make_corpus(source, docs)``, each run in a fresh process, ``rounds`` rounds
    alternating; the best wall time of each with the CPU time and peak RSS of that run."""
    BUILD.mkdir(parents=True, exist_ok=True)
    path = big_corpus_file(source, docs)
    best: dict[str, dict[str, Any]] = {}
    load: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(rounds):
            for kind in [k for k in VERSUS if k == "rensa" or k in kinds]:
                load.append(os.getloadavg()[0])
                if kind.startswith("zhnorm dedup"):
                    run = _timed_cli(path, Path(tmp), int(kind[-1]))
                else:
                    out = subprocess.run(
                        [sys.executable, __file__, "--versus-child", kind, str(path)],
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    run = json.loads(out.stdout)
                print(docs, kind, run, flush=True)
                if kind not in best or run["seconds"] < best[kind]["seconds"]:
                    best[kind] = run
    return {"docs": docs, "rounds": rounds, "best": best, "load": [min(load), max(load)]}


def versus_report(
    runs: list[dict[str, Any]], command: str, date: str, notes: Sequence[str] = ()
) -> str:
    lines = [
        RENSA_START,
        "## Dedup end to end against rensa (bench_dedup.py --rensa)",
        "",
        f"Command (from the repository root): `{command}`",
        "",
        f"- Date: {date}; machine: {machine()}, shared with other engineers' runs "
        "(load average during the runs in the table)",
        f"- Python {platform.python_version()}; zhnorm {zhnorm.__version__}, "
        f"rensa {getattr(rensa, '__version__', '0.5')}",
        f"- Corpus: `make_corpus(THUCNews sample, N, seed={SEED})` (about 30 % planted "
        "near-duplicates, some Traditional, some with leaked pinyin)",
        "- Each contender in a fresh process, rounds alternating, best wall time of each "
        "(CPU = user + system of the process tree in that run; on a shared machine the CPU "
        "ratio is the steadier one, the wall ratio is what a user sees).  rensa is given the texts "
        "in memory; its time includes making the character bigrams and building, "
        "inserting and querying 128-permutation sketches (16 bands); 'rensa' is "
        "`RMinHash.update` + `RMinHashLSH.insert`/`query` per document, 'rensa bulk' its "
        "matrix API.  zhnorm's time is the whole command (reading the JSONL, matching "
        "key, signatures, LSH, exact verification, clusters, writing kept, clusters and "
        "pairs) or the library `dedup` on the texts in memory (keys to clusters).",
        "",
        "| documents | contender | wall s | CPU s | peak RSS MiB | rensa / this (wall) "
        "| rensa / this (CPU) | load |",
        "|--:|---|--:|--:|--:|--:|--:|--:|",
    ]
    for run in runs:
        anchor = run["best"]["rensa"]
        low, high = run["load"]
        for kind in [k for k in VERSUS if k in run["best"]]:
            r = run["best"][kind]
            lines.append(
                f"| {run['docs']:,} | {kind} | {r['seconds']:.1f} | {r['cpu']:.1f} | "
                f"{r['peak_mib']:.0f} | {anchor['seconds'] / r['seconds']:.2f}x | "
                f"{anchor['cpu'] / r['cpu']:.2f}x | {low:.1f}-{high:.1f} |"
            )
    lines += ["", *notes, "", RENSA_END, ""] if notes else ["", RENSA_END, ""]
    return "\n".join(lines)


# --- what the default key costs, per fixer (issue 18 point 4) --------------------------


def _tags(how: str) -> list[str]:
    """The planted changes of a ``make_corpus`` document (``base`` for an original)."""
    return [part.split(" ")[0] for part in how.split(", ")]


def key_costs(corpus: SyntheticCorpus) -> dict[str, Any]:
    """CPU of each part of the dedup key (:data:`zhnorm.neardup.keys.DEDUP_KEY_CONFIG`)
    on every document of ``corpus``, one process: each fixer's evidence test (its
    "nothing here" pre-filter) and its repair, timed by wrapping the entries of
    :mod:`zhnorm.repair.fix`'s registry for the run (restored after; the pipeline is
    the one :func:`zhnorm.repair.fix_text` runs), then ``t2s`` and the fold.  Per part:
    seconds, calls, documents it ran on, and the seconds by planted change (``base``,
    ``ruby``, ``s2t`` ...), so what triggers the cost is visible; also the most costly
    documents."""
    from zhnorm.key import fold_texts
    from zhnorm.neardup.keys import DEDUP_KEY_CONFIG
    from zhnorm.repair import fix as fix_module
    from zhnorm.script import Converter

    options = DEDUP_KEY_CONFIG.fix
    assert options is not None
    spent: dict[str, float] = {}
    calls: dict[str, int] = {}
    by_tag: dict[str, dict[str, float]] = {}
    current: list[str] = ["base"]

    def timed(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return func(*args, **kwargs)
            finally:
                took = time.process_time() - started
                spent[name] = spent.get(name, 0.0) + took
                calls[name] = calls.get(name, 0) + 1
                for tag in current:
                    share = by_tag.setdefault(name, {})
                    share[tag] = share.get(tag, 0.0) + took / len(current)

        return run

    saved = (fix_module._REGISTRY, fix_module._SCANNERS, fix_module._EVIDENCE)
    registry = []
    scanners = {}
    for name, enabled, find, fix in saved[0]:
        wrapped = timed(f"{name}: repair", find)
        if find in saved[1]:
            scanners[wrapped] = timed(f"{name}: repair", saved[1][find])
        registry.append(
            (name, enabled, wrapped, None if fix is None else timed(f"{name}: repair", fix))
        )
    evidence = {name: timed(f"{name}: evidence test", test) for name, test in saved[2].items()}
    texts = corpus.texts
    for text in texts[:500]:  # warm: tables, regexes, lazily imported fixers
        fix_module.fix_text(text, options)
    per_doc: list[tuple[float, int]] = []
    try:
        fix_module._REGISTRY = tuple(registry)
        fix_module._SCANNERS = scanners
        fix_module._EVIDENCE = evidence
        for index, text in enumerate(texts):
            current[:] = _tags(corpus.how[index])
            started = time.process_time()
            fix_module.fix_text(text, options)
            per_doc.append((time.process_time() - started, index))
    finally:
        fix_module._REGISTRY, fix_module._SCANNERS, fix_module._EVIDENCE = saved
    fixed = [fix_module.fix_text(text, options) for text in texts]
    repair_total = sum(took for took, _ in per_doc)
    converter = Converter(DEDUP_KEY_CONFIG.script or "t2s")
    started = time.process_time()
    converted = converter.convert_batch(fixed)
    spent["t2s"], calls["t2s"] = time.process_time() - started, len(texts)
    started = time.process_time()
    fold_texts(converted)
    spent["fold"], calls["fold"] = time.process_time() - started, len(texts)
    tag_docs: dict[str, int] = {}
    for how in corpus.how:
        for tag in _tags(how):
            tag_docs[tag] = tag_docs.get(tag, 0) + 1
    per_doc.sort(reverse=True)
    return {
        "docs": len(texts),
        "repair": repair_total,
        "spent": spent,
        "calls": calls,
        "by_tag": by_tag,
        "tag_docs": tag_docs,
        "changed": sum(a is not b for a, b in zip(texts, fixed, strict=True)),
        "top": [
            {"seconds": took, "how": corpus.how[i], "changed": texts[i] != fixed[i],
             "start": texts[i][:40]}
            for took, i in per_doc[:10]
        ],
        "top_share": sum(took for took, _ in per_doc[:20]) / repair_total if repair_total else 0,
    }  # fmt: skip


def key_costs_report(costs: dict[str, Any]) -> str:
    """Markdown table of :func:`key_costs`."""
    docs = costs["docs"]
    total = costs["repair"] + costs["spent"]["t2s"] + costs["spent"]["fold"]
    lines = [
        f"Default dedup key on {docs:,} documents: {total:.2f} s CPU "
        f"({total / docs * 1e6:.0f} us a document); repair {costs['repair']:.2f} s, "
        f"{costs['changed']:,} documents changed by it; the 20 most costly documents take "
        f"{costs['top_share']:.0%} of the repair.",
        "",
        "| part | CPU s | share of key | us per document (all) | calls | "
        "where it goes (s by planted change, documents) |",
        "|---|--:|--:|--:|--:|---|",
    ]
    for name, seconds in sorted(costs["spent"].items(), key=lambda item: -item[1]):
        where = costs["by_tag"].get(name, {})
        spread = ", ".join(
            f"{tag} {s:.2f} ({costs['tag_docs'][tag]:,})"
            for tag, s in sorted(where.items(), key=lambda item: -item[1])[:4]
        )
        lines.append(
            f"| {name} | {seconds:.2f} | {seconds / total:.0%} | {seconds / docs * 1e6:.1f} | "
            f"{costs['calls'][name]:,} | {spread} |"
        )
    lines += ["", "Most costly documents (repair):", ""]
    for top in costs["top"][:6]:
        lines.append(
            f"- {top['seconds'] * 1e3:.0f} ms, {top['how']}, "
            f"{'changed' if top['changed'] else 'unchanged'}: `{top['start']}`"
        )
    return "\n".join(lines)


# --- report --------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Linux {platform.release()}"


def report(results: dict[str, Any], args: argparse.Namespace) -> str:
    scale = results["workers"]
    lines = [
        SECTION_START,
        "## Dedup (bench_dedup.py)",
        "",
        f"Command (from the repository root): `{results['command']}`",
        "",
        f"- Date: {results['date']}",
        f"- Machine: {machine()}; shared with other engineers' test runs, benchmarks and "
        "Spark jobs while this ran (see the control row), hence best-of-N timings",
        f"- Python {platform.python_version()}; zhnorm {zhnorm.__version__}, "
        f"datasketch {datasketch.__version__}, numpy {np.__version__}",
        f"- Corpus: `make_corpus(THUCNews sample, {args.docs:,}, seed={SEED})`: "
        f"{results['chars'] / args.docs:.0f} characters per document on average, "
        f"{results['variants']:,} planted variants; MinHash 128 permutations, "
        f"{DEFAULT_NGRAM}-grams",
        f"- Timing: best of {args.repeats} after a warm-up; sketching throughput on the first "
        f"{args.sketch_docs:,} documents of the corpus, and on its first {args.sketch_docs:,} "
        "base (unvaried) documents, both tools on the same documents in the same run",
        "",
        "| Measure | zhnorm | datasketch | Ratio | Target | Result |",
        "|---|---:|---:|---:|---|---|",
    ]
    for name, label in (("corpus", "corpus documents"), ("clean", "base documents")):
        rates = results["throughput"][name]
        e2e = rates["zhnorm, from text"] / rates["datasketch, from text"]
        shared = rates["zhnorm, from text"] / rates["datasketch (shared permutations), from text"]
        keyed = rates["zhnorm, from keys"] / rates["datasketch, from keys"]
        lines += [
            f"| {label}: sketching from raw text (key + shingles + signatures), docs/s | "
            f"{rates['zhnorm, from text']:,.0f} | {rates['datasketch, from text']:,.0f} | "
            f"{e2e:.1f}x | >= 15x | {'pass' if e2e >= 15 else 'FAIL'} |",
            f"| {label}: ... datasketch with permutations made once, not per document | "
            f"{rates['zhnorm, from text']:,.0f} | "
            f"{rates['datasketch (shared permutations), from text']:,.0f} | {shared:.1f}x |  |  |",
            f"| {label}: from precomputed keys (shingles + signatures), docs/s | "
            f"{rates['zhnorm, from keys']:,.0f} | {rates['datasketch, from keys']:,.0f} | "
            f"{keyed:.1f}x |  |  |",
            f"| {label}: the matching key alone (`dedup_keys`, part of both tools' "
            f"from-text rows), docs/s | {rates['key alone (dedup_keys)']:,.0f} | — | — |  |  |",
        ]
    lines += [
        f"| `sketch_chunks` workers=2 vs workers=1 ({args.scaling_docs:,} docs, best of "
        f"{args.rounds} interleaved rounds), docs/s | "
        f"{scale[2]:,.0f} vs {scale[1]:,.0f} | — | {scale[2] / scale[1]:.2f}x | >= 1.8x | "
        f"{'pass' if scale[2] / scale[1] >= 1.8 else 'FAIL'} |",
        f"| ... control, interleaved with it: 2 processes vs 1 on trivially parallel "
        "pure-Python work | "
        f"— | — | {_ratio(scale.get('control'))} |  |  |",
        "| ... ceiling, interleaved with it: the same sketching in two forked processes, "
        "each on half of the documents, exchanging nothing | — | — | "
        f"{_ratio(scale.get('halves'))} |  |  |",
    ]
    for q in results["quality"]:
        t = q["threshold"]
        lines.append(
            f"| LSH recall of planted pairs with exact J >= {t} ({q['truth']:,} pairs; "
            f"zhnorm {q['bands'][0]}x{q['bands'][1]}, datasketch default "
            f"{q['ds_bands'][0]}x{q['ds_bands'][1]}) | {q['recall']:.4f} | "
            f"{q['ds_recall']:.4f} | — | >= 0.98 | {'pass' if q['recall'] >= 0.98 else 'FAIL'} |"
        )
        lines.append(
            f"| Precision of reported pairs at {t} (string-set check, {q['reported']:,} "
            f"pairs from {q['candidates']:,} candidates) | {q['precision']:.4f} | — | — | "
            f"1.0 | {'pass' if q['precision'] == 1.0 else 'FAIL'} |"
        )
    cli = results["cli"]
    lines += [
        f"| `zhnorm dedup --workers 2` on the {args.docs:,} docs: wall s / peak RSS "
        f"(tree, largest process) MiB | {cli['seconds']:.1f} s / {cli['peak_tree_mib']:.0f}, "
        f"{cli['peak_process_mib']:.0f} | — | — |  |  |",
    ]
    big = results.get("big")
    if big:
        ok = big["seconds"] <= 600 and big["peak_tree_mib"] <= 4096
        q = big["quality"]
        good = q["recall"] >= 0.98 and q["precision"] == 1.0
        lines.append(
            f"| **{big['docs']:,} documents** (~{big['chars_per_doc']:.0f} chars): "
            f"`zhnorm dedup --workers 2` wall time / peak RSS (tree, largest process) | "
            f"{big['seconds'] / 60:.1f} min / {big['peak_tree_mib'] / 1024:.2f} GiB, "
            f"{big['peak_process_mib'] / 1024:.2f} GiB | — | — | <= 10 min, <= 4 GB | "
            f"{'pass' if ok else 'FAIL'} |"
        )
        lines.append(
            f"| ... recall / precision ({big['quality']['truth']:,} planted pairs; precision "
            f"checked on {big['quality']['checked']:,} of {big['quality']['reported']:,}) | "
            f"{big['quality']['recall']:.4f} / {big['quality']['precision']:.4f} | — | — | "
            f">= 0.98 / 1.0 | "
            f"{'pass' if good else 'FAIL'} |"
        )
    lines += ["", f"N-gram study (the default `ngram={DEFAULT_NGRAM}`): share of light planted "
              "variants "
              "(copies, punctuation noise, Traditional, leaked pinyin, <= 2 % edits, a sentence "
              "changed) at Jaccard >= 0.8, their 2nd percentile, and the 99.9th percentile of "
              "distinct same-category THUCNews articles (5,000 pairs):", "",
              "| n | light variants >= 0.8 | light p2 | distinct articles p99.9 | margin |",
              "|---:|---:|---:|---:|---:|"]  # fmt: skip
    for row in results["ngram"]:
        lines.append(
            f"| {row['n']} | {row['light_at_08']:.3f} | {row['light_p2']:.3f} | "
            f"{row['negative_p999']:.3f} | {row['margin']:.3f} |"
        )
    lines += ["", *results["notes"], SECTION_END, ""]
    return "\n".join(lines)


def _ratio(value: float | None) -> str:
    return "not measured" if value is None else f"{value:.2f}x"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--sketch-docs", type=int, default=3_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scaling-docs", type=int, default=32768)
    parser.add_argument("--rounds", type=int, default=6, help="interleaved rounds, workers")
    parser.add_argument("--big", type=int, default=0, help="also run the CLI on N documents")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--write", type=Path, help="replace this script's section of the file")
    parser.add_argument("--notes", type=Path, help="markdown bullets appended to the section")
    parser.add_argument(
        "--render",
        type=Path,
        help="only render (and --write) a results JSON saved by an earlier run",
    )
    parser.add_argument(
        "--rensa", type=int, nargs="+", default=[], metavar="N", help="against rensa at N docs"
    )
    parser.add_argument("--rensa-rounds", type=int, default=2)
    parser.add_argument(
        "--contenders",
        type=lambda text: [k.strip() for k in text.split(",")],
        default=list(VERSUS),
        help="comma-separated contenders of the rensa comparison (rensa always runs)",
    )
    parser.add_argument("--only-rensa", action="store_true", help="only the rensa comparison")
    parser.add_argument(
        "--render-rensa", type=Path, help="only render (and --write) a saved rensa comparison"
    )
    parser.add_argument(
        "--key-costs", type=int, metavar="N", help="only the default key's cost per part, N docs"
    )
    parser.add_argument("--versus-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.versus_child:
        _versus_child(args.versus_child[0], Path(args.versus_child[1]))
        return
    if args.key_costs:
        costs = key_costs(make_corpus(paragraphs(args.data_dir), args.key_costs, seed=SEED))
        print(f"load average {os.getloadavg()[0]:.1f}")
        print(key_costs_report(costs))
        return
    command = " ".join([".venv/bin/python", "benchmarks/bench_dedup.py", *sys.argv[1:]])
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    if args.rensa or args.render_rensa:
        if args.render_rensa:
            saved = json.loads(args.render_rensa.read_text(encoding="utf-8"))
            runs, command, date = saved["runs"], saved["command"], saved["date"]
        else:
            source = paragraphs(args.data_dir)
            unknown = set(args.contenders) - set(VERSUS)
            if unknown:
                parser.error(f"unknown contenders {sorted(unknown)}; expected {list(VERSUS)}")
            runs = [versus_rensa(source, n, args.rensa_rounds, args.contenders) for n in args.rensa]
            saved = {"runs": runs, "command": command, "date": date}
            (BUILD / "versus-rensa.json").write_text(json.dumps(saved, indent=1), "utf-8")
        notes = args.notes.read_text(encoding="utf-8").splitlines() if args.notes else []
        section = versus_report(runs, command, date, notes)
        print(section, flush=True)
        if args.write:
            write_section(args.write, RENSA_SECTION, section)
        if args.only_rensa or args.render_rensa:
            return
    if args.render:
        saved = json.loads(args.render.read_text(encoding="utf-8"))
        saved["workers"] = {(int(k) if k.isdigit() else k): v for k, v in saved["workers"].items()}
        for name in ("docs", "sketch_docs", "repeats", "scaling_docs", "rounds"):
            setattr(args, name, saved["args"].get(name, getattr(args, name)))
        saved["notes"] = args.notes.read_text(encoding="utf-8").splitlines() if args.notes else []
        section = report(saved, args)
        print(section)
        if args.write:
            write_section(args.write, SECTION, section)
        return
    params = MinHashParams()
    source = paragraphs(args.data_dir)
    corpus = make_corpus(source, args.docs, seed=SEED)
    results: dict[str, Any] = {
        "command": command,
        "date": date,
        "chars": sum(map(len, corpus.texts)),
        "variants": sum(how != "base" for how in corpus.how),
    }
    clean = [t for t, how in zip(corpus.texts, corpus.how, strict=True) if how == "base"]
    results["throughput"] = {
        "corpus": throughput(corpus.texts[: args.sketch_docs], params, args.repeats),
        "clean": throughput(clean[: args.sketch_docs], params, args.repeats),
    }
    print(json.dumps(results["throughput"], indent=1), flush=True)
    scaling = make_corpus(source, args.scaling_docs, seed=SEED).texts
    results["workers"] = worker_scaling(scaling, params, args.rounds)
    print(results["workers"], flush=True)
    results["quality"] = [quality(corpus, t, params) for t in (0.8, 0.7)]
    print(json.dumps(results["quality"], indent=1), flush=True)
    results["ngram"] = ngram_study(make_corpus(source, 3000, seed=1), args.data_dir)
    print(json.dumps(results["ngram"], indent=1), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.jsonl"
        write_corpus(corpus, path)
        results["cli"] = run_cli(path, Path(tmp), workers=2)
    print(results["cli"], flush=True)
    if args.big:
        path = big_corpus_file(source, args.big)
        run = run_cli(path, BUILD, workers=2)
        big_corpus = make_corpus(source, args.big, seed=SEED)
        run["docs"] = args.big
        run["chars_per_doc"] = statistics.fmean(map(len, big_corpus.texts))
        run["quality"] = cli_quality(big_corpus, BUILD, 0.8, params.ngram, check=20_000)
        results["big"] = run
        print(json.dumps(run, indent=1), flush=True)
    results["args"] = {
        name: getattr(args, name)
        for name in ("docs", "sketch_docs", "repeats", "scaling_docs", "rounds")
    }
    BUILD.mkdir(parents=True, exist_ok=True)
    (BUILD / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    results["notes"] = args.notes.read_text(encoding="utf-8").splitlines() if args.notes else []
    section = report(results, args)
    print(section)
    if args.write:
        write_section(args.write, SECTION, section)


if __name__ == "__main__":
    main()
