from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SHARED_DATA = REPO.parent / "shared" / "data"


def read_jsonl_texts(path: Path, field: str = "text") -> Iterator[tuple[str, str]]:
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, 1):
            record = json.loads(line)
            yield str(record.get("id", record.get("paragraph_id", lineno))), record[field]


@pytest.fixture(scope="session")
def seed_texts() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


@pytest.fixture(scope="session")
def simplified_corpus() -> list[str]:
    path = SHARED_DATA / "thucnews-cnews-sample" / "cnews_val_1000.jsonl"
    return [text for _, text in read_jsonl_texts(path)]


@pytest.fixture(scope="session")
def traditional_corpus() -> list[str]:
    path = SHARED_DATA / "drcd-zh-tw" / "drcd_paragraphs.jsonl"
    return [text for _, text in read_jsonl_texts(path)]
