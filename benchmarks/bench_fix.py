"""Repair throughput: zhnorm.fix_text against ftfy.fix_text, same documents, same run.

Three inputs:
* clean -- THUCNews (Simplified) and DRCD (Traditional) documents, unchanged;
* dirty -- seed 001 (leaked pinyin + GBK byte-shift garble), repeated as documents;
* real garbled strings -- every string of ``mojibake-examples`` and ``pinyin-paren-garble``
  (short; one document each, repeated 20 times).

For each: characters per second (best of N timed passes after a warm-up; the passes of
the two tools alternate), how many documents each tool changed, and the ratio
zhnorm/ftfy.

    python benchmarks/bench_fix.py [--repeats 3] [--data-dir ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Callable
from pathlib import Path

import ftfy

import zhnorm
from zhnorm.repair import fix_text

REPO = Path(__file__).resolve().parents[1]


def load(data_dir: Path) -> dict[str, list[str]]:
    def texts(path: Path) -> list[str]:
        with path.open(encoding="utf-8") as handle:
            return [json.loads(line)["text"] for line in handle]

    clean = texts(data_dir / "thucnews-cnews-sample" / "cnews_val_1000.jsonl")
    clean += texts(data_dir / "drcd-zh-tw" / "drcd_paragraphs.jsonl")
    seed = next((REPO / "seeds").glob("001_*.txt")).read_text(encoding="utf-8")

    def field(path: Path, name: str) -> list[str]:
        with path.open(encoding="utf-8") as handle:
            return [json.loads(line)[name] for line in handle]

    garbled = field(data_dir / "mojibake-examples" / "mojibake_examples.jsonl", "garbled")
    garbled += field(data_dir / "pinyin-paren-garble" / "examples.jsonl", "text")
    return {
        "clean": clean,
        "dirty (seed 001 x 20)": [seed] * 20,
        f"real garbled strings ({len(garbled)} x 20)": garbled * 20,
    }


def best_rates(
    funcs: list[Callable[[str], str]], docs: list[str], repeats: int
) -> list[tuple[float, int]]:
    """(M chars/s of the best pass, documents changed) per function.

    The timed passes alternate between the functions (pass 1 of each, pass 2 of each,
    ...), so a change in machine load affects them alike."""
    changed = [sum(func(d) != d for d in docs) for func in funcs]  # warm-up, change count
    chars = sum(map(len, docs))
    best = [float("inf")] * len(funcs)
    for _ in range(repeats):
        for k, func in enumerate(funcs):
            started = time.perf_counter()
            for doc in docs:
                func(doc)
            best[k] = min(best[k], time.perf_counter() - started)
    return [(chars / seconds / 1e6, n) for seconds, n in zip(best, changed, strict=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    print(
        f"python {platform.python_version()}, zhnorm {zhnorm.__version__}, "
        f"ftfy {ftfy.__version__}, best of {args.repeats}"
    )
    print(
        "| input | docs | chars | zhnorm M chars/s | ftfy M chars/s | ratio | "
        "docs changed zhnorm / ftfy |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|")
    for name, docs in load(args.data_dir).items():
        (ours, ours_changed), (theirs, theirs_changed) = best_rates(
            [fix_text, ftfy.fix_text], docs, args.repeats
        )
        print(
            f"| {name} | {len(docs)} | {sum(map(len, docs))} | {ours:.2f} | {theirs:.2f} | "
            f"{ours / theirs:.2f}x | {ours_changed} / {theirs_changed} |"
        )


if __name__ == "__main__":
    main()
