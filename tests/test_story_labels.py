"""The hand-labelled extra pairs of taiwan-news-2017-dev (benchmarks/labels): well formed,
about articles of the dev set, disjoint from its own labelled pairs, no article text."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import SHARED_DATA, needs_shared_data

REPO = Path(__file__).resolve().parents[1]
LABELS = REPO / "benchmarks" / "labels" / "taiwan-news-2017-dev-pairs-extra.jsonl"
DEV = SHARED_DATA / "taiwan-news-2017-dev"
STRATA = {"rare-kgram", "tfidf-neighbour", "title-moderate", "random-window", "same-outlet"}
LABEL_NAMES = {"same_event", "same_topic", "unrelated"}


def _rows(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_extra_labels_are_well_formed_and_carry_no_text() -> None:
    rows = _rows(LABELS)
    assert len(rows) >= 200
    seen: set[tuple[str, str]] = set()
    for number, row in enumerate(rows, 1):
        where = f"{LABELS.name}:{number}"
        assert set(row) == {"a", "b", "label", "unsure", "sample", "note"}, where
        assert row["label"] in LABEL_NAMES, where
        assert isinstance(row["unsure"], bool), where
        assert row["sample"] in STRATA, where
        note = row["note"]
        assert isinstance(note, str) and 0 < len(note.split()) <= 15, where
        assert note.isascii(), f"{where}: the note is English, no quoted article text"
        a, b = str(row["a"]), str(row["b"])
        assert a != b, where
        pair = (min(a, b), max(a, b))
        assert pair not in seen, f"{where}: pair labelled twice"
        seen.add(pair)


def test_extra_labels_match_the_dev_set() -> None:
    articles = _rows(needs_shared_data(DEV / "articles.jsonl"))
    site = {str(article["id"]): article["site"] for article in articles}
    labelled = {
        (min(str(p["a"]), str(p["b"])), max(str(p["a"]), str(p["b"])))
        for p in _rows(DEV / "story_pairs.jsonl")
    }
    for number, row in enumerate(_rows(LABELS), 1):
        where = f"{LABELS.name}:{number}"
        a, b = str(row["a"]), str(row["b"])
        assert a in site and b in site, f"{where}: id not in the dev set"
        assert (min(a, b), max(a, b)) not in labelled, f"{where}: already in story_pairs"
        same_outlet = site[a] == site[b]
        assert same_outlet == (row["sample"] == "same-outlet"), where
