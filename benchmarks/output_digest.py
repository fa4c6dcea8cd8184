"""Digests of zhnorm's outputs, for changes that must not change them (a refactoring, a
speed-up): run it before and after, on the same data, and compare the lines.

    python benchmarks/output_digest.py [--data-dir ../shared/data] [--docs 20000]

To digest another checkout (e.g. the commit before a change) put its ``src`` first:
``PYTHONPATH=OTHER/src python benchmarks/output_digest.py``.  Only the public API and the
command line are used, so the script runs against older versions too.

One line per output: ``name  sha256-prefix  count``.

* ``convert``   every OpenCC configuration over the THUCNews and DRCD samples;
* ``repair``    ``fix_and_explain`` (text and plan) over the corpora, the seeds, the real
  garbled strings, and clean sentences garbled through 14 codec pairs and a GBK byte
  shift (seeded), bare and inside clean text; ``fix_text`` and the style folds on them;
* ``keys``      ``match_keys`` and ``keyed`` on the corpora and seeds;
* ``reuse``     ``reuse``, ``align``, ``paragraphs`` and ``repeated_paragraphs`` on the
  seeds and the Taiwan news week;
* ``dedup``     ``zhnorm.dedup`` on a seeded synthetic corpus, and ``zhnorm dedup`` on it
  as JSONL (kept, clusters, pairs and the summary line) with one and two workers, and
  twice against an index.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import zhnorm

REPO = Path(__file__).resolve().parents[1]


def digest(items: Iterable[Any]) -> tuple[str, int]:
    h = hashlib.sha256()
    n = 0
    for item in items:
        h.update(json.dumps(item, ensure_ascii=False, sort_keys=True, default=str).encode())
        h.update(b"\n")
        n += 1
    return h.hexdigest()[:16], n


def texts_of(path: Path, field: str = "text") -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line)[field] for line in handle if line.strip()]


def garbled(sentences: list[str], seed: int) -> list[str]:
    """Clean sentences through the codec mix-ups and the byte shift repair handles."""
    rng = random.Random(seed)
    pairs = [
        ("utf-8", "gbk", "replace"), ("utf-8", "gbk", "ignore"), ("utf-8", "cp1252", "replace"),
        ("utf-8", "latin-1", "replace"), ("utf-8", "big5", "replace"),
        ("gbk", "big5", "replace"), ("gbk", "big5", "ignore"), ("big5", "gbk", "replace"),
        ("big5", "gbk", "ignore"), ("big5", "gb18030", "replace"), ("gbk", "latin-1", "replace"),
        ("big5", "cp1252", "replace"), ("gbk", "cp437", "replace"), ("gb18030", "big5", "replace"),
    ]  # fmt: skip
    out = []
    for writer, reader, errors in pairs:
        for sentence in sentences:
            try:
                out.append(sentence.encode(writer).decode(reader, errors))
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
    for sentence in sentences:  # one GBK byte lost, the rest of the line re-paired
        try:
            raw = sentence.encode("gbk")
        except UnicodeEncodeError:
            continue
        leads = [i for i, byte in enumerate(raw) if byte >= 0x81]
        if leads:
            cut = rng.choice(leads)
            out.append(
                raw[:cut].decode("gbk", "replace") + "?" + raw[cut + 1 :].decode("gbk", "replace")
            )
    return out + ["前文很正常。" + text + "后文也很正常，没有问题。" for text in out[::7]]


def run_cli(*args: str, stdin: bytes | None = None) -> str:
    """The command's stderr (its summary line), the command run from the same source."""
    code = "import sys; from zhnorm.cli import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", code, *args], input=stdin, capture_output=True, check=False
    )
    return f"exit {done.returncode}: " + done.stderr.decode("utf-8", "replace").strip()


def make_corpus(texts: list[str], docs: int) -> Any:
    try:
        from zhnorm.neardup.synthetic import make_corpus as make
    except ImportError:  # before the package was named neardup
        from zhnorm.dedup.synthetic import make_corpus as make  # type: ignore[no-redef]
    return make(texts, n_docs=docs, seed=7)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--docs", type=int, default=20_000, help="synthetic dedup corpus size")
    args = parser.parse_args()
    data: Path = args.data_dir
    thucnews = texts_of(data / "thucnews-cnews-sample" / "cnews_val_1000.jsonl")
    drcd = texts_of(data / "drcd-zh-tw" / "drcd_paragraphs.jsonl")
    seeds = {p.name: p.read_text("utf-8") for p in sorted((REPO / "seeds").glob("*.txt"))}
    garbles = [
        json.loads(line)["garbled"]
        for line in (data / "mojibake-examples" / "mojibake_examples.jsonl").open(encoding="utf-8")
    ]
    garbles += texts_of(data / "pinyin-paren-garble" / "examples.jsonl")
    news = [
        json.loads(line)
        for line in (data / "taiwan-news-2017-dev" / "articles.jsonl").open(encoding="utf-8")
    ]
    sentences = [
        s + "。"
        for text in thucnews[::5] + drcd[::10]
        for s in re.split("[。！？]", text)
        if 8 <= len(s) <= 80
    ]
    damaged = garbled(sentences[:300], seed=7)
    every_text = thucnews + drcd + list(seeds.values())

    lines: list[tuple[str, tuple[str, int]]] = []

    def add(name: str, items: Iterable[Any]) -> None:
        lines.append((name, digest(items)))
        print(f"{name:<16} {lines[-1][1][0]}  {lines[-1][1][1]}", flush=True)

    add(
        "convert",
        (
            zhnorm.convert(t, c)
            for c in sorted(zhnorm.CONFIG_NAMES)
            for t in thucnews[:200] + drcd[:200]
        ),
    )
    add("repair/corpora", (zhnorm.fix_and_explain(t).to_dict() for t in every_text))
    add("repair/real", (zhnorm.fix_and_explain(t).to_dict() for t in garbles))
    add("repair/garbled", (zhnorm.fix_and_explain(t).to_dict() for t in damaged))
    add("repair/fix_text", (zhnorm.fix_text(t) for t in damaged + garbles))
    style = zhnorm.FixConfig(
        fullwidth_ascii=True, halfwidth_katakana=True, spaces=True, punctuation="cjk"
    )
    add("repair/style", (zhnorm.fix_text(t, style) for t in damaged[:500] + list(seeds.values())))
    add("keys", zhnorm.match_keys(every_text))
    add(
        "keys/keyed",
        ((k.key, list(k.starts), list(k.ends)) for k in map(zhnorm.keyed, seeds.values())),
    )

    def passages(found: Iterable[Any]) -> list[Any]:
        return [p.to_dict() for p in found]

    articles = {a["id"]: a["text"] for a in news}
    sites = {a["id"]: a["site"] for a in news}
    for name, result in (
        ("reuse/news", zhnorm.reuse(articles)),
        ("reuse/outlets", zhnorm.reuse(articles, sources=sites, cross_source=True, min_len=20)),
        ("reuse/seeds", zhnorm.reuse(seeds)),
    ):
        add(name, [passages(result.passages), [s.to_dict() for s in result.stories]])
    names = sorted(seeds)
    add(
        "align/seeds",
        [passages(zhnorm.align(seeds[a], seeds[b])) for a in names for b in names if a < b],
    )
    add("paragraphs", [[p.to_dict() for p in zhnorm.paragraphs(t)] for t in seeds.values()])
    add("repeats/news", [g.to_dict() for g in zhnorm.repeated_paragraphs(articles)])

    corpus = make_corpus(thucnews, args.docs)
    result = zhnorm.dedup(corpus.texts)
    add("dedup/library", [result.duplicate_of, [p.to_dict() for p in result.pairs]])
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "corpus.jsonl")
        with open(source, "w", encoding="utf-8") as out:
            for i, text in enumerate(corpus.texts):
                out.write(json.dumps({"id": f"d{i}", "text": text}, ensure_ascii=False) + "\n")
        half = args.docs // 2
        runs: list[tuple[str, list[str]]] = [
            ("dedup/cli w1", ["--workers", "1"]),
            ("dedup/cli w2", ["--workers", "2"]),
        ]
        for name, extra in runs:
            summary = run_cli(
                "dedup", source, "-o", f"{tmp}/kept.jsonl", "--clusters", f"{tmp}/c.jsonl",
                "--pairs", f"{tmp}/p.jsonl", "-q", *extra,
            )  # fmt: skip
            add(
                name,
                [
                    summary,
                    *(
                        Path(tmp, f).read_text("utf-8")
                        for f in ("kept.jsonl", "c.jsonl", "p.jsonl")
                    ),
                ],
            )
        lines_in = Path(source).read_text("utf-8").splitlines(keepends=True)
        Path(tmp, "a.jsonl").write_text("".join(lines_in[: half + 500]), "utf-8")
        Path(tmp, "b.jsonl").write_text("".join(lines_in[half - 500 :]), "utf-8")
        index_runs = []
        for part in ("a", "b"):
            summary = run_cli("dedup", f"{tmp}/{part}.jsonl", "-o", f"{tmp}/k.jsonl", "--clusters",
                              f"{tmp}/c.jsonl", "--index", f"{tmp}/seen.sqlite", "-q")  # fmt: skip
            summary = summary.replace(tmp, "TMP")
            index_runs += [
                summary,
                Path(tmp, "k.jsonl").read_text("utf-8"),
                Path(tmp, "c.jsonl").read_text("utf-8"),
            ]
        add("dedup/index", index_runs)
    overall = digest(line for line in lines)
    print(f"{'all':<16} {overall[0]}  {overall[1]}")


if __name__ == "__main__":
    main()
