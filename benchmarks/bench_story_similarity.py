"""Story similarity against a character-bigram TF-IDF cosine, on labelled pairs.

Two sets (research corpora under ``../shared/data`` or ``ZHNORM_SHARED_DATA``; read,
never copied):

* ``sohu2021-text-matching-sample/samples.jsonl``: pairs of Chinese news/self-media
  texts (titles and excerpts), ``labelA == "1"``: same event or topic.  Scored: ROC AUC
  of :func:`zhnorm.story_similarity` (background weights) and of the anchor.
* ``taiwan-news-2017-dev``: pairs of articles labelled ``same_event`` (positive) or
  ``same_topic`` / ``unrelated`` (negative).  Scored: the corpus-fitted
  :class:`zhnorm.stories.StoryModel` (fitted on all articles, titles first, and the
  titles alone as a second view; also without that view), the
  background :func:`story_similarity` (title + text) and the anchor; then the same on
  titles only (the model fitted on the titles).

The anchor (run in the same process): cosine of raw character-bigram counts times a
smoothed IDF, ``log((N + 1) / (df + 1)) + 1``, fitted on the texts of the same set
(sohu: every text of the file; Taiwan: the articles, or the titles), on the same
matching keys (repair, t2s, folds) so that both read the same characters.

Scale (``--scale``): the THUCNews sample and the DRCD paragraphs cut at sentence ends
into documents of about 150 characters; ``StoryModel.fit`` and ``candidates(0.3, 10)``
timed on growing prefixes, to show the cost per document staying flat.

Also printed: the score distribution of positives and negatives and the precision and
recall at a few thresholds, to choose a clustering threshold.

    .venv/bin/python benchmarks/bench_story_similarity.py [--data ../shared/data] [--scale]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from zhnorm.key import match_keys
from zhnorm.stories import StoryModel, story_similarity_batch
from zhnorm.stories.background import background

REPO = Path(__file__).resolve().parents[1]


def auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """ROC AUC (Mann-Whitney, ties count one half)."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
    return wins / (len(pos) * len(neg))


def _bigrams(key: str) -> list[str]:
    return [key[i : i + 2] for i in range(len(key) - 1)] or ([key] if key else [])


class BigramTfidf:
    """The anchor: character-bigram TF-IDF cosine, IDF fitted on ``keys``."""

    def __init__(self, keys: Sequence[str]) -> None:
        df: Counter[str] = Counter()
        for key in keys:
            df.update(set(_bigrams(key)))
        self.size = len(keys)
        self.df = df

    def _vector(self, key: str) -> dict[str, float]:
        n = self.size
        return {
            g: tf * (math.log((n + 1) / (self.df.get(g, 0) + 1)) + 1)
            for g, tf in Counter(_bigrams(key)).items()
        }

    def score(self, a: str, b: str) -> float:
        u, v = self._vector(a), self._vector(b)
        dot = sum(x * v.get(g, 0.0) for g, x in u.items())
        nu = math.sqrt(sum(x * x for x in u.values()))
        nv = math.sqrt(sum(x * x for x in v.values()))
        return dot / (nu * nv) if nu and nv else 0.0


def read_jsonl(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def quantiles(values: Sequence[float]) -> str:
    ordered = sorted(values)
    if not ordered:
        return "-"
    picks = [
        ordered[min(len(ordered) - 1, int(q * len(ordered)))] for q in (0.1, 0.25, 0.5, 0.75, 0.9)
    ]
    return " ".join(f"{v:.3f}" for v in picks)


def thresholds(scores: Sequence[float], labels: Sequence[bool]) -> list[str]:
    rows = []
    positives = sum(labels)
    for t in (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
        hit = [y for s, y in zip(scores, labels, strict=True) if s >= t]
        precision = sum(hit) / len(hit) if hit else float("nan")
        recall = sum(hit) / positives if positives else float("nan")
        rows.append(f"    >= {t:.2f}: precision {precision:.3f} recall {recall:.3f}")
    return rows


def report(name: str, scores: Sequence[float], labels: Sequence[bool], detail: bool) -> str:
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    line = f"  {name:44s} AUC {auc(scores, labels):.3f}"
    if detail:
        line += (
            f"\n    positives q10..q90: {quantiles(pos)}\n    negatives q10..q90: {quantiles(neg)}"
        )
        line += "\n" + "\n".join(thresholds(scores, labels))
    return line


def sohu(data: Path, detail: bool) -> None:
    path = data / "sohu2021-text-matching-sample" / "samples.jsonl"
    rows = read_jsonl(path)
    labels = [str(row["labelA"]) == "1" for row in rows]
    texts = [str(row["source"]) for row in rows] + [str(row["target"]) for row in rows]
    keys = match_keys(texts)
    n = len(rows)
    anchor = BigramTfidf(keys)
    base = [anchor.score(keys[i], keys[n + i]) for i in range(n)]
    started = time.perf_counter()
    ours = story_similarity_batch([(str(r["source"]), str(r["target"])) for r in rows])
    elapsed = time.perf_counter() - started
    print(f"sohu2021 sample: {n} pairs, {sum(labels)} labelA=1")
    print(report("bigram TF-IDF cosine (anchor)", base, labels, detail))
    print(report("story_similarity (background)", ours, labels, detail))
    print(f"  ({elapsed:.2f} s for story_similarity_batch, keys included)")


def taiwan(data: Path, detail: bool) -> None:
    folder = data / "taiwan-news-2017-dev"
    articles = read_jsonl(folder / "articles.jsonl")
    pairs = read_jsonl(folder / "story_pairs.jsonl")
    where = {str(a["id"]): n for n, a in enumerate(articles)}
    usable = [p for p in pairs if str(p["a"]) in where and str(p["b"]) in where]
    index = [(where[str(p["a"])], where[str(p["b"])]) for p in usable]
    labels = [p["label"] == "same_event" for p in usable]
    print(
        f"taiwan-news-2017-dev: {len(articles)} articles, {len(pairs)} labelled pairs, "
        f"{len(usable)} with both articles present ({sum(labels)} same_event)"
    )
    titles = [str(a.get("title") or "") for a in articles]
    texts = [str(a.get("text") or "") for a in articles]
    full = [f"{t}\n{x}" if t else x for t, x in zip(titles, texts, strict=True)]
    title_keys = match_keys(titles)
    everyone = np.array([(i, j) for i in range(len(articles)) for j in range(i + 1, len(articles))])
    for name, docs in (("title + text", full), ("titles only", titles)):
        keys = match_keys(docs)
        anchor = BigramTfidf(keys)
        base = [anchor.score(keys[i], keys[j]) for i, j in index]
        started = time.perf_counter()
        model = StoryModel.from_keys(keys, title_keys if docs is full else None)
        fitted = time.perf_counter() - started
        background = story_similarity_batch([(docs[i], docs[j]) for i, j in index])
        print(f" {name}:")
        print(report("bigram TF-IDF cosine (anchor)", base, labels, detail))
        if docs is full:
            untitled = StoryModel.from_keys(keys).similarities(index).tolist()
            print(report("StoryModel, titles only in the text", untitled, labels, detail))
            print(
                report(
                    "StoryModel, titles also alone (default)",
                    model.similarities(index).tolist(),
                    labels,
                    detail,
                )
            )
        else:
            print(
                report(
                    "StoryModel (corpus-fitted)", model.similarities(index).tolist(), labels, detail
                )
            )
        print(report("story_similarity (background)", background, labels, detail))
        started = time.perf_counter()
        found = model.candidates(min_score=0.0, k=10)
        elapsed = time.perf_counter() - started
        wanted = {(min(i, j), max(i, j)) for (i, j), y in zip(index, labels, strict=True) if y}
        got = {(i, j) for i, j, _ in found}
        print(
            f"  candidates(k=10): {len(found)} pairs in {elapsed:.2f} s (fit {fitted:.2f} s); "
            f"{len(wanted & got)} of {len(wanted)} same_event pairs among them"
        )
        scores = model.similarities(everyone)
        for threshold in (0.2, 0.3):
            above = {(int(i), int(j)) for i, j in everyone[scores >= threshold]}
            found = model.candidates(min_score=threshold, k=len(model))
            got = {(i, j) for i, j, _ in found}
            print(
                f"  all {len(everyone)} pairs: {len(above)} >= {threshold}; candidates(k=all) "
                f"found {len(above & got)} ({len(got - above)} others)"
            )


_SENTENCE = re.compile(r"[^。！？!?]*[。！？!?]+[”’」』\"]?|[^。！？!?]+$")


def scale(data: Path) -> None:
    texts = [
        str(r["text"]) for r in read_jsonl(data / "thucnews-cnews-sample" / "cnews_val_1000.jsonl")
    ]
    texts += [str(r["text"]) for r in read_jsonl(data / "drcd-zh-tw" / "drcd_paragraphs.jsonl")]
    docs: list[str] = []
    for text in texts:
        current = ""
        for sentence in _SENTENCE.findall(text):
            current += sentence
            if len(current) >= 150:
                docs.append(current)
                current = ""
    keys = match_keys(docs)
    print(f"scale: {len(docs)} documents of ~150 characters (THUCNews + DRCD), keys made once")
    for size in (len(keys) // 4, len(keys) // 2, len(keys)):
        started = time.perf_counter()
        model = StoryModel.from_keys(keys[:size])
        fitted = time.perf_counter() - started
        started = time.perf_counter()
        found = model.candidates(0.3, 10)
        searched = time.perf_counter() - started
        print(
            f"  {size:6d} documents: fit {fitted:6.2f} s ({1e3 * fitted / size:.2f} ms/doc), "
            f"candidates {searched:6.2f} s ({1e3 * searched / size:.2f} ms/doc), "
            f"{len(found)} pairs >= 0.3, {model.matrix.nnz / size:.0f} terms/doc"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default = os.environ.get("ZHNORM_SHARED_DATA", str(REPO.parent / "shared" / "data"))
    parser.add_argument("--data", type=Path, default=Path(default))
    parser.add_argument("--brief", action="store_true", help="AUC only, no distributions")
    parser.add_argument("--scale", action="store_true", help="also time fit and candidates")
    args = parser.parse_args()
    print(f"background weights: {background().name}")
    sohu(args.data, not args.brief)
    taiwan(args.data, not args.brief)
    if args.scale:
        scale(args.data)


if __name__ == "__main__":
    main()
