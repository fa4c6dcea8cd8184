from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
# The research corpora live beside the checkout (../shared/data), not in the repository.
SHARED_DATA = Path(os.environ.get("ZHNORM_SHARED_DATA", REPO.parent / "shared" / "data"))


def pytest_sessionstart(session: pytest.Session) -> None:
    if not (SHARED_DATA / "thucnews-cnews-sample").is_dir():
        pytest.exit(
            f"the evaluation corpora were not found at {SHARED_DATA}: check out the project "
            "beside its shared/data folder or set ZHNORM_SHARED_DATA to that folder",
            returncode=2,
        )


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
