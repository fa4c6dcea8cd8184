from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import subprocess
import sys
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


def _missing_corpus(error: BaseException | None) -> bool:
    return (
        isinstance(error, FileNotFoundError)
        and error.filename is not None
        and Path(error.filename).is_relative_to(SHARED_DATA)
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Without the corpora, a test (or its fixture) that fails because a file of the
    corpora is missing is reported as skipped, with the reason."""
    outcome = yield
    error = call.excinfo.value if call.excinfo is not None else None
    if not HAVE_SHARED_DATA and _missing_corpus(error):
        report = outcome.get_result()  # type: ignore[attr-defined]
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {MISSING}")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not HAVE_SHARED_DATA:
        reports = terminalreporter.stats.get("skipped", [])
        skipped = sum(MISSING in str(report.longrepr) for report in reports)
        terminalreporter.write_line(f"zhnorm: {skipped} tests skipped: {MISSING}")


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


def compress(codec: str, data: bytes) -> bytes:
    """``data`` compressed with ``codec`` (``gz``, ``bz2``, ``xz`` or ``zst``): the
    compressed inputs of the fault and fuzzing suites."""
    if codec == "gz":
        return gzip.compress(data)
    if codec == "bz2":
        return bz2.compress(data)
    if codec == "xz":
        return lzma.compress(data)
    zstandard = pytest.importorskip("zstandard")
    return bytes(zstandard.ZstdCompressor().compress(data))


def local_spark(extra_conf: dict[str, str] | None = None) -> Iterator[Any]:
    """The body of the test modules' ``spark`` fixtures: a ``local[2]`` session whose
    executors run this venv, quiet, stopped at the end unless it was already running."""
    import sys

    from pyspark.sql import SparkSession

    import zhnorm.spark as zs

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    started = SparkSession.getActiveSession() is None
    session = zs.session(
        "local[2]",
        app_name="zhnorm-tests",
        shuffle_partitions=4,
        conf={"spark.ui.enabled": "false", "spark.default.parallelism": "2", **(extra_conf or {})},
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    if started:
        session.stop()


def run_fresh_python(code: str, *args: str) -> str:
    """``code`` run by a fresh interpreter that imports this checkout's zhnorm (its
    ``src`` first on ``PYTHONPATH``): what it printed."""
    import zhnorm

    src = str(Path(zhnorm.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout
