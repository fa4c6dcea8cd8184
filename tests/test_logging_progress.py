"""The ``zhnorm`` logger, progress (bars on a terminal, periodic lines elsewhere) and
``zhnorm --stats``."""

from __future__ import annotations

import io
import json
import logging
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from zhnorm.cli import main
from zhnorm.io.progress import Progress, finished_phases, reset_phases
from zhnorm.neardup import dedup_files

TEXTS = ["第一篇报道的正文内容很长", "第一篇报道的正文内容很长", "另一篇完全不同的文章内容"]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in enumerate(TEXTS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def records(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    logger = logging.getLogger("zhnorm")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG, logger="zhnorm")
    yield caplog
    logger.removeHandler(caplog.handler)


def test_dedup_logs_a_message_per_phase(
    corpus: Path, tmp_path: Path, records: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHNORM_PROGRESS_SECONDS", "0")  # a line at every update
    dedup_files([str(corpus)], str(tmp_path / "out.jsonl"), index=str(tmp_path / "ix.sqlite"))
    messages = [r.getMessage() for r in records.records if r.name == "zhnorm"]
    for phase in (
        "sketching",
        "candidate pairs",
        "verifying candidate pairs",
        "matching the index",
        "writing",
        "adding to the index",
    ):
        assert any(m.startswith(f"zhnorm dedup: {phase}: started") for m in messages)
        assert any(m.startswith(f"zhnorm dedup: {phase}: ") and " s" in m for m in messages)
    # stderr is not a terminal here: periodic lines, with the total where it is known.
    assert any(m.startswith("zhnorm dedup: writing: 2/3 docs (67%), ") for m in messages)
    assert any(m.endswith("docs/s, ETA 0 s") for m in messages)


def test_a_terminal_gets_a_bar_with_total_and_eta() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    with Progress("zhnorm test: counting", total=4, stream=screen) as progress:
        for _ in range(4):
            progress.update()
    shown = screen.getvalue()
    assert "zhnorm test: counting:" in shown and "/4 [" in shown and "docs/s" in shown
    quiet = Terminal()
    with Progress("zhnorm test: quiet", total=4, stream=quiet, quiet=True) as progress:
        progress.update(4)
    assert quiet.getvalue() == ""


def test_a_phase_without_a_count_says_it_is_still_running(
    records: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHNORM_PROGRESS_SECONDS", "0.02")

    def running(label: str) -> list[str]:
        return [r.getMessage() for r in records.records if r.getMessage().startswith(label)]

    with Progress("zhnorm test: settling", unit=None):
        deadline = time.monotonic() + 5
        while not any("running" in m for m in running("zhnorm test: settling")):
            assert time.monotonic() < deadline, "no line while the phase ran"
            time.sleep(0.01)
    told = len(running("zhnorm test: settling"))
    time.sleep(0.1)
    assert len(running("zhnorm test: settling")) == told  # silent once closed
    assert running("zhnorm test: settling")[-1].startswith("zhnorm test: settling: done in")
    with Progress("zhnorm test: hushed", unit=None, quiet=True):
        time.sleep(0.1)
    assert [m for m in running("zhnorm test: hushed") if "running" in m] == []


def test_phases_are_recorded() -> None:
    reset_phases()
    with Progress("a", unit=None):
        pass
    with Progress("b", total=2) as progress:
        progress.update(2)
    phases = finished_phases()
    assert [(p["phase"], p["count"], p["unit"]) for p in phases] == [
        ("a", None, None),
        ("b", 2, "docs"),
    ]
    assert all(p["seconds"] >= 0 for p in phases)


def test_stats_file_and_verbosity(corpus: Path, tmp_path: Path) -> None:
    stats = tmp_path / "stats.json"
    out = tmp_path / "out.jsonl"
    done = CliRunner().invoke(main, ["--stats", str(stats), "dedup", str(corpus), "-o", str(out)])
    assert done.exit_code == 0, done.output
    data = json.loads(stats.read_text("utf-8"))
    assert (data["command"], data["read"], data["written"], data["removed"]) == ("dedup", 3, 2, 1)
    assert data["summary"] in done.stderr and data["failure"] is None
    assert [p["phase"] for p in data["phases"]][:2] == [
        "zhnorm dedup: sketching",
        "zhnorm dedup: candidate pairs",
    ]
    assert "zhnorm dedup: writing: 3 docs in" in done.stderr  # info by default
    assert ": started" not in done.stderr
    verbose = CliRunner().invoke(main, ["-v", "dedup", str(corpus), "-o", str(out)])
    assert "zhnorm dedup: sketching: started" in verbose.stderr
    quiet = CliRunner().invoke(main, ["-q", "dedup", str(corpus), "-o", str(out)])
    assert quiet.exit_code == 0 and quiet.stderr.splitlines() == [data["summary"]]
    missing = tmp_path / "nowhere" / "stats.json"
    refused = CliRunner().invoke(main, ["--stats", str(missing), "dedup", str(corpus), "-o", "-"])
    assert refused.exit_code != 0 and "nowhere" in refused.output and not missing.exists()
