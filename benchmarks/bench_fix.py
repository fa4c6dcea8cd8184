"""Repair throughput: zhnorm.fix_text against ftfy.fix_text, same documents, same run.

Four inputs:
* clean -- THUCNews (Simplified) and DRCD (Traditional) documents, unchanged;
* clean with a few damaged spots -- the same documents, each with 1-3 small realistic
  defects at random places (fixed seed): a zero-width space, a leaked ruby reading after
  a Han character (``現(xiàn)``, the reading from pypinyin), an ``&nbsp;``, or a sentence
  broken by a column layout (a blank line in the middle of it);
* dirty -- seed 001 (leaked pinyin + GBK byte-shift garble), repeated as documents;
* real garbled strings -- every string of ``mojibake-examples`` and ``pinyin-paren-garble``
  (short; one document each, repeated 20 times).

For each: characters per second (best of N timed passes after a warm-up; the passes of
the two tools alternate), how many documents each tool changed, and the ratio
zhnorm/ftfy.

Then the first call in a fresh process (``--first-call N`` runs, median; 0 skips it):
``import zhnorm`` and the first ``fix_text`` of a short clean text, of a short damaged
one and of a short mojibake whose lost character is guessed, each in its own
``python -c`` process, with ``ftfy`` measured the same way.  One discarded run per
anchor first writes the bytecode and zhnorm caches.

    python benchmarks/bench_fix.py [--repeats 3] [--first-call 7] [--data-dir ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
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
        "clean with a few damaged spots": [
            damaged(doc, random.Random(k)) for k, doc in enumerate(clean)
        ],
        "dirty (seed 001 x 20)": [seed] * 20,
        f"real garbled strings ({len(garbled)} x 20)": garbled * 20,
    }


def _han_positions(doc: str) -> list[int]:
    return [i for i, ch in enumerate(doc) if "\u4e00" <= ch <= "\u9fff"]


def damaged(doc: str, rng: random.Random) -> str:
    """``doc`` with 1-3 small defects at random places (see the module docstring)."""
    from pypinyin import Style, pinyin

    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(("zwsp", "ruby", "nbsp", "break"))
        han = _han_positions(doc)
        if not han:
            break
        at = rng.choice(han) + 1  # after a Han character
        if kind == "zwsp":
            doc = doc[:at] + "\u200b" + doc[at:]
        elif kind == "nbsp":
            doc = doc[:at] + "&nbsp;" + doc[at:]
        elif kind == "ruby":
            reading = pinyin(doc[at - 1], style=Style.TONE)[0][0]
            doc = doc[:at] + f"({reading})" + doc[at:]
        else:  # a blank line after a Han character, inside a sentence
            doc = doc[:at] + "\n\n" + doc[at:]
    return doc


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
    parser.add_argument("--first-call", type=int, default=7, metavar="N")
    parser.add_argument("--only", help="run only the inputs whose name contains this")
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
        if args.only and args.only not in name:
            continue
        (ours, ours_changed), (theirs, theirs_changed) = best_rates(
            [fix_text, ftfy.fix_text], docs, args.repeats
        )
        print(
            f"| {name} | {len(docs)} | {sum(map(len, docs))} | {ours:.2f} | {theirs:.2f} | "
            f"{ours / theirs:.2f}x | {ours_changed} / {theirs_changed} |"
        )
    if args.first_call:
        first_call(args.first_call)


FIRST_CALL = """
import time
t0, c0 = time.perf_counter(), time.process_time()
{imports}
t1 = time.perf_counter()
out = {call}(TEXT)
t2, c2 = time.perf_counter(), time.process_time()
import json
print(json.dumps([t1 - t0, t2 - t1, c2 - c0]))
"""
SHORT_CLEAN = "鼠标和软件，汉字简繁转换。今天的天气很好，我们去公园散步。"
SHORT_DAMAGED = "現(xiàn)代化的&nbsp;城市\u200b建設(shè)正在進(jìn)行。"
SHORT_GUESSED = "鏂囩珷鍐呭"  # 文章内容 as UTF-8 read by GBK: 容's bytes lost, guessed by words


def first_call(runs: int) -> None:
    """Median wall time of import and first call, each run a fresh process."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO / "src")] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    anchors = {
        "zhnorm": ("import zhnorm", "zhnorm.fix_text"),
        "ftfy": ("import ftfy", "ftfy.fix_text"),
    }
    print()
    print(f"First call in a fresh process (median of {runs}, ms; CPU = process time):")
    print("| tool | text | import | first fix | total | total CPU |")
    print("|---|---|--:|--:|--:|--:|")
    texts = (
        ("short clean", SHORT_CLEAN),
        ("short damaged", SHORT_DAMAGED),
        ("short mojibake, a lost character guessed", SHORT_GUESSED),
    )
    for label, text in texts:
        for tool, (imports, call) in anchors.items():
            code = f"TEXT = {text!r}\n" + FIRST_CALL.format(imports=imports, call=call)
            samples = []
            for k in range(runs + 1):
                out = subprocess.run(
                    [sys.executable, "-c", code], env=env, capture_output=True, text=True
                )
                if out.returncode:
                    raise SystemExit(f"{tool}: {out.stderr.strip()}")
                if k:  # the first run writes the caches
                    samples.append(json.loads(out.stdout))
            imp = statistics.median(s[0] for s in samples) * 1e3
            call_ms = statistics.median(s[1] for s in samples) * 1e3
            total = statistics.median(s[0] + s[1] for s in samples) * 1e3
            cpu = statistics.median(s[2] for s in samples) * 1e3
            print(f"| {tool} | {label} | {imp:.0f} | {call_ms:.0f} | {total:.0f} | {cpu:.0f} |")


if __name__ == "__main__":
    main()
