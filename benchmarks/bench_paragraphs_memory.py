"""Peak memory and time of ``zhnorm paragraphs`` on one huge record and on many tiny ones.

Inputs are built in a temporary folder from the research corpora (never written into
the repository): THUCNews, DRCD and the Taiwan dev set joined without line breaks
(``--sizes`` megabytes of UTF-8, the pool cycled when it is shorter), and ``--tiny``
records of 5 to 20 characters cut from THUCNews.  Each run is a fresh process
(``zhnorm paragraphs INPUT -o OUT --quiet``); its wall time and peak resident set size
(``os.wait4``, per child) are printed, with the baseline of a run
on five tiny records (interpreter, imports, dictionaries).

Run from the repository root::

    .venv/bin/python benchmarks/bench_paragraphs_memory.py --sizes 5 50 --tiny 200000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("ZHNORM_SHARED_DATA", REPO.parent / "shared" / "data"))
SOURCES = [
    DATA / "thucnews-cnews-sample" / "cnews_val_1000.jsonl",
    DATA / "drcd-zh-tw" / "drcd_paragraphs.jsonl",
    DATA / "taiwan-news-2017-dev" / "articles.jsonl",
]


def _texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle]


def _write(path: Path, records: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def _run(path: Path, out: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one ``zhnorm paragraphs`` child process."""
    code = "import sys; from zhnorm.cli.app import main; main(sys.argv[1:])"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", code, "paragraphs", str(path), "-o", str(out), "--quiet"],
        env=env,
    )
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"zhnorm paragraphs {path} failed (status {status})")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[5], help="MB per record")
    parser.add_argument("--tiny", type=int, default=0, help="number of tiny records")
    args = parser.parse_args()
    pool = "".join(t.replace("\n", "") for path in SOURCES for t in _texts(path))
    thucnews = _texts(SOURCES[0])
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        runs: list[tuple[str, Path, int]] = []
        base = tmp / "base.jsonl"
        _write(base, [{"id": str(i), "text": thucnews[i][:15]} for i in range(5)])
        runs.append(("5 tiny records (baseline)", base, 0))
        for size in args.sizes:
            data = (pool * (size * 1_000_000 // len(pool.encode()) + 1)).encode()
            text = data[: size * 1_000_000].decode("utf-8", "ignore")
            path = tmp / f"big{size}.jsonl"
            _write(path, [{"id": "big", "text": text}])
            runs.append((f"one {size} MB record", path, len(text)))
        if args.tiny:
            records = []
            for i in range(args.tiny):
                source = thucnews[i % len(thucnews)]
                at = rng.randrange(0, max(1, len(source) - 20))
                records.append({"id": str(i), "text": source[at : at + rng.randint(5, 20)]})
            path = tmp / "tiny.jsonl"
            _write(path, records)
            runs.append((f"{args.tiny:,} tiny records", path, sum(len(r["text"]) for r in records)))
        print(f"load average at start: {os.getloadavg()}")
        for label, path, chars in runs:
            seconds, peak = _run(path, tmp / "out.jsonl")
            size_mb = path.stat().st_size / 1e6
            print(
                f"{label}: {size_mb:.1f} MB file, {chars:,} characters, "
                f"{seconds:.1f} s, {peak:.0f} MB"
            )


if __name__ == "__main__":
    main()
