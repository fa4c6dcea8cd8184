"""Stories and passages on real news from several outlets, against hand-labelled pairs.

Development set: ``../shared/data/taiwan-news-2017-dev`` (one week, three Taiwanese
outlets, research use only) with its labelled article pairs (``story_pairs.jsonl``)
and the project's own extra labels (``benchmarks/labels/``, ids and labels only).
A pair labelled ``same_event`` should be in one story; ``same_topic`` and
``unrelated`` should not.  Reported, for the default options and a few story
values of ``event_similarity`` around them (to show the curve, not to pick a decimal):

* pairwise story precision and recall on the labelled pairs;
* the share of passage-linked labelled pairs that are unrelated (and same_topic);
* stories, the largest story, documents in stories, multi-outlet stories;
* the same for the stories of zhnorm 0.1 (connected components over every passage);
* passages, passage clusters, furniture items per outlet.

    .venv/bin/python benchmarks/bench_stories.py [--data ../shared/data/taiwan-news-2017-dev]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import zhnorm
from zhnorm.stories import Story, StoryMember
from zhnorm.textreuse.corpus import ReuseResult

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "taiwan-news-2017-dev"
LABELS = REPO / "benchmarks" / "labels"


def load(data: Path) -> tuple[list[dict[str, str]], list[dict[str, object]]]:
    articles = [json.loads(line) for line in (data / "articles.jsonl").open(encoding="utf-8")]
    ids = {a["id"] for a in articles}
    pairs: list[dict[str, object]] = []
    files = [data / "story_pairs.jsonl", *sorted(LABELS.glob("*.jsonl"))]
    seen: set[frozenset[str]] = set()
    for path in files:
        if not path.exists():
            continue
        for line in path.open(encoding="utf-8"):
            pair = json.loads(line)
            key = frozenset((str(pair["a"]), str(pair["b"])))
            if pair["a"] in ids and pair["b"] in ids and key not in seen:
                seen.add(key)
                pairs.append({**pair, "file": path.name})
    return articles, pairs


def evaluate(result: ReuseResult, pairs: list[dict[str, object]]) -> dict[str, object]:
    story_of = {m.id: s.id for s in result.stories for m in s.members}
    linked = {frozenset((p.a_id, p.b_id)) for p in result.passages}
    tp = fp = fn = 0
    linked_labels: Counter[str] = Counter()
    for pair in pairs:
        a, b, label = str(pair["a"]), str(pair["b"]), str(pair["label"])
        together = a in story_of and story_of.get(a) == story_of.get(b)
        positive = label == "same_event"
        tp += together and positive
        fp += together and not positive
        fn += positive and not together
        if frozenset((a, b)) in linked:
            linked_labels[label] += 1
    n_linked = sum(linked_labels.values())
    sizes = [len(s.members) for s in result.stories]
    return {
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / (tp + fn), 3) if tp + fn else None,
        "tp/fp/fn": f"{tp}/{fp}/{fn}",
        "linked labelled": n_linked,
        "linked unrelated": round(linked_labels["unrelated"] / n_linked, 3) if n_linked else None,
        "linked same_topic": round(linked_labels["same_topic"] / n_linked, 3) if n_linked else None,
        "stories": len(sizes),
        "largest": max(sizes, default=0),
        "in stories": sum(sizes),
        "multi-outlet": sum(len(s.outlets) > 1 for s in result.stories),
        "passages": len(result.passages),
        "clusters": len(result.clusters),
        "furniture": len(result.furniture.items) if result.furniture is not None else 0,
    }


def components_baseline(
    docs: dict[str, str], meta: dict[str, dict[str, str]], pairs: list[dict[str, object]]
) -> dict[str, object]:
    """The stories of zhnorm 0.1 in the same run: connected components of the documents
    linked by any passage (every passage reported, no significance floor, furniture
    not set apart)."""
    from zhnorm.unionfind import components

    result = zhnorm.reuse(
        docs, cross_source=True, min_significance=0.0, mask_furniture=False, **meta
    )
    ids = list(docs)
    index = {doc_id: d for d, doc_id in enumerate(ids)}
    roots = components(len(ids), ((index[p.a_id], index[p.b_id]) for p in result.passages))
    groups: dict[int, list[str]] = {}
    for d, root in enumerate(roots):
        groups.setdefault(root, []).append(ids[d])
    stories = [
        Story(n, tuple(StoryMember(doc_id, 1.0) for doc_id in group))
        for n, group in enumerate(g for g in groups.values() if len(g) > 1)
    ]
    return evaluate(replace(result, stories=tuple(stories)), pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--similarities", default="0.12,0.14,0.16,0.18,0.2,0.24")
    args = parser.parse_args()
    articles, pairs = load(args.data)
    labels = Counter(str(p["label"]) for p in pairs)
    print(f"{len(articles)} articles; {len(pairs)} labelled pairs {dict(labels)}")
    docs = {a["id"]: a["text"] for a in articles}
    meta = {
        "sources": {a["id"]: a["site"] for a in articles},
        "dates": {a["id"]: a["date"] for a in articles},
        "titles": {a["id"]: a["title"] for a in articles},
    }
    default = zhnorm.ReuseOptions()
    rows = []
    values = sorted({default.event_similarity, *map(float, args.similarities.split(","))})
    for value in values:
        started = time.perf_counter()
        result = zhnorm.reuse(docs, event_similarity=value, cross_source=True, **meta)
        row = {"event_similarity": value, **evaluate(result, pairs)}
        row["seconds"] = round(time.perf_counter() - started, 1)
        rows.append(row)
        if value == default.event_similarity and result.furniture is not None:
            print(
                "furniture per outlet:", json.dumps(result.furniture.summary(), ensure_ascii=False)
            )
    baseline = components_baseline(docs, meta, pairs)
    rows.append({"event_similarity": "components (0.1)", **baseline, "seconds": "-"})
    print("| " + " | ".join(rows[0]) + " |")
    print("|" + "---|" * len(rows[0]))
    for row in rows:
        print("| " + " | ".join(str(v) for v in row.values()) + " |")


if __name__ == "__main__":
    main()
