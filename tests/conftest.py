from __future__ import annotations

import inspect
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
# The research corpora live beside the checkout (../shared/data), not in the repository.
SHARED_DATA = Path(os.environ.get("ZHNORM_SHARED_DATA", REPO.parent / "shared" / "data"))


# CI sets this (in .ci/run) so that the tests needing the corpora are required there.
REQUIRED = os.environ.get("ZHNORM_REQUIRE_SHARED_DATA", "") not in ("", "0")
HAVE_SHARED_DATA = (SHARED_DATA / "thucnews-cnews-sample").is_dir()
MISSING = (
    f"the evaluation corpora are not at {SHARED_DATA} (check the project out beside its "
    "shared/data folder, or set ZHNORM_SHARED_DATA)"
)


def pytest_sessionstart(session: pytest.Session) -> None:
    if REQUIRED and not HAVE_SHARED_DATA:
        pytest.exit(f"{MISSING}; ZHNORM_REQUIRE_SHARED_DATA makes them required", returncode=2)


def needs_shared_data(path: Path) -> Path:
    """``path`` (inside the corpora), or skip the test that asked for it."""
    if not HAVE_SHARED_DATA:
        pytest.skip(MISSING)
    return path


def _uses_shared_data(item: pytest.Item) -> bool:
    """Whether a test reads the corpora: through a corpus fixture, or by naming a
    module-level path inside them in its own source."""
    function = getattr(item, "function", None)
    module = getattr(item, "module", None)
    if function is None or module is None:
        return False
    names = [
        name
        for name, value in vars(module).items()
        if isinstance(value, Path) and value.is_relative_to(SHARED_DATA)
    ]
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return False
    return any(re.search(rf"\b{re.escape(name)}\b", source) for name in names)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if HAVE_SHARED_DATA:
        return
    skip = pytest.mark.skip(reason=MISSING)
    for item in items:
        if CORPUS_FIXTURES & set(getattr(item, "fixturenames", ())) or _uses_shared_data(item):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not HAVE_SHARED_DATA:
        skipped = len(terminalreporter.stats.get("skipped", []))
        terminalreporter.write_line(f"zhnorm: {skipped} tests skipped: {MISSING}")


CORPUS_FIXTURES = {"simplified_corpus", "traditional_corpus"}


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
    path = needs_shared_data(SHARED_DATA / "thucnews-cnews-sample" / "cnews_val_1000.jsonl")
    return [text for _, text in read_jsonl_texts(path)]


@pytest.fixture(scope="session")
def traditional_corpus() -> list[str]:
    path = needs_shared_data(SHARED_DATA / "drcd-zh-tw" / "drcd_paragraphs.jsonl")
    return [text for _, text in read_jsonl_texts(path)]
