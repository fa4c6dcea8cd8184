"""UTF-8 mojibake pairs: one garbled sentence inside clean Chinese text, zhnorm vs ftfy.

Pairs: UTF-8 read as windows-1252 the way browsers and MySQL do (the undefined bytes
81 8D 8F 90 9D become the C1 controls U+0081 ...), UTF-8 read as Latin-1, and UTF-8
double-encoded (read as web cp1252, written as UTF-8, read as web cp1252 again).
For each pair and each of N documents (THUCNews and DRCD, alternately) one sentence
is garbled in place; "exact" counts documents restored exactly, "clean changed"
counts untouched documents either tool changed.

    python benchmarks/bench_mojibake_pairs.py [--per-pair 60] [--data-dir ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Callable
from pathlib import Path

import ftfy

from zhnorm.repair import fix_text

REPO = Path(__file__).resolve().parents[1]


def web_cp1252(data: bytes) -> str:
    """Bytes read as windows-1252 by a browser or MySQL: undefined bytes become C1."""
    return "".join(
        bytes((b,)).decode("cp1252", errors="strict")
        if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
        else chr(b)
        for b in data
    )


PAIRS: dict[str, Callable[[str], str]] = {
    "utf-8 as web cp1252": lambda s: web_cp1252(s.encode("utf-8")),
    "utf-8 as latin-1": lambda s: s.encode("utf-8").decode("latin-1"),
    "utf-8 double-encoded": lambda s: web_cp1252(web_cp1252(s.encode("utf-8")).encode("utf-8")),
    # Other pairs, watched for regressions (a sentence the writer cannot encode is
    # skipped, and so is a UTF-8 sentence GBK cannot read whole: lossless cases only).
    "gbk as latin-1": lambda s: s.encode("gbk").decode("latin-1"),
    "big5 as latin-1": lambda s: s.encode("big5").decode("latin-1"),
    "utf-8 as gbk": lambda s: s.encode("utf-8").decode("gbk"),
}

_SENTENCE = re.compile(r"[^。！？；]{6,60}[。！？；]")


def documents(data_dir: Path) -> list[str]:
    def texts(path: Path) -> list[str]:
        with path.open(encoding="utf-8") as handle:
            return [json.loads(line)["text"] for line in handle]

    simp = texts(data_dir / "thucnews-cnews-sample" / "cnews_val_1000.jsonl")
    trad = texts(data_dir / "drcd-zh-tw" / "drcd_paragraphs.jsonl")
    out: list[str] = []
    for a, b in zip(simp, trad, strict=False):
        out += [a[:600], b[:600]]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-pair", type=int, default=60)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--show", type=int, default=0, help="print N failures per pair")
    args = parser.parse_args()
    docs = documents(args.data_dir)
    rng = random.Random(args.seed)
    # ftfy.fix_encoding: ftfy's encoding repair alone (fix_text also folds full-width
    # punctuation, which changes every Chinese document).
    tools: dict[str, Callable[[str], str]] = {"zhnorm": fix_text, "ftfy": ftfy.fix_encoding}
    sample = docs[: 4 * args.per_pair]
    clean = {name: sum(tool(d) != d for d in sample) for name, tool in tools.items()}
    changed = ", ".join(f"{k} {v}" for k, v in clean.items())
    print(f"clean documents changed ({len(sample)}): {changed}")
    print(f"{'pair':24} {'zhnorm':>8} {'ftfy':>8}")
    for pair, garble in PAIRS.items():
        cases: list[tuple[str, str]] = []
        for doc in docs:
            if len(cases) == args.per_pair:
                break
            sentences = list(_SENTENCE.finditer(doc))
            if not sentences:
                continue
            m = rng.choice(sentences)
            try:
                garbled = garble(m.group())
            except UnicodeError:
                continue
            cases.append((doc[: m.start()] + garbled + doc[m.end() :], doc))
        scores = {}
        for name, tool in tools.items():
            ok = 0
            shown = 0
            for garbled, want in cases:
                got = tool(garbled)
                if got == want:
                    ok += 1
                elif name == "zhnorm" and shown < args.show:
                    shown += 1
                    pairs = zip(got + "\0", want + "\0", strict=False)
                    k = next(i for i, (a, b) in enumerate(pairs) if a != b)
                    print("  FAIL", repr(garbled[max(0, k - 10) : k + 60]))
                    print("   ->", repr(got[max(0, k - 10) : k + 40]))
                    print("  want", repr(want[max(0, k - 10) : k + 40]))
            scores[name] = ok
        n = len(cases)
        print(f"{pair:24} {scores['zhnorm']:>4}/{n:<3} {scores['ftfy']:>4}/{n:<3}")


if __name__ == "__main__":
    main()
