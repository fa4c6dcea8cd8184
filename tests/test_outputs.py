"""Output paths: checked before any work (:func:`zhnorm.io.check_outputs`), temporary
files removed on SIGTERM and, after SIGKILL, by the next run writing there."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import zhnorm
from zhnorm.cli import main
from zhnorm.io import OutputError, check_outputs, remove_leftovers
from zhnorm.neardup.files import dedup_files
from zhnorm.pipeline.files import default_config_toml

TEXTS = [
    "今天天气很好，我们去公园散步。",
    "这是另一篇完全不同的文章。",
    "今天天气很好，我们去公园散步。",
]


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A folder with a JSONL corpus, the same texts as .txt files, and a pipeline file."""
    with (tmp_path / "in.jsonl").open("w", encoding="utf-8") as out:
        for i, text in enumerate(TEXTS):
            out.write(json.dumps({"id": f"d{i}", "text": text}, ensure_ascii=False) + "\n")
    (tmp_path / "a.txt").write_text(TEXTS[0], encoding="utf-8")
    (tmp_path / "b.txt").write_text(TEXTS[1], encoding="utf-8")
    (tmp_path / "pipe.toml").write_text(default_config_toml(), encoding="utf-8")
    (tmp_path / "a_file").write_text("", encoding="utf-8")
    return tmp_path


def listing(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*")}


def refused(work: Path, args: list[str], message: str) -> None:
    """The command fails with one line naming the problem, and writes nothing."""
    before = listing(work)
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    error = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and message in error[0], result.stderr
    assert "Traceback" not in result.output
    assert listing(work) == before


# --- dedup: every case --------------------------------------------------------------


DEDUP_CASES = {
    "missing dir": (["-o", "{w}/nope/kept.jsonl"], "does not exist"),
    "missing dir, clusters": (["-o", "{w}/k.jsonl", "--clusters", "{w}/nope/c.jsonl"], "exist"),
    "missing dir, pairs": (["-o", "{w}/k.jsonl", "--pairs", "{w}/nope/p.jsonl"], "exist"),
    "missing dir, rejects": (
        ["-o", "{w}/k.jsonl", "--skip-bad", "--rejects", "{w}/nope/r.jsonl"],
        "exist",
    ),
    "output = input": (["-o", "{w}/in.jsonl"], "output is also an input"),
    "clusters = input": (["-o", "{w}/k.jsonl", "--clusters", "{w}/in.jsonl"], "also an input"),
    "two outputs equal": (["-o", "{w}/k.jsonl", "--clusters", "{w}/k.jsonl"], "two outputs"),
    "pairs = rejects": (
        ["-o", "{w}/k.jsonl", "--pairs", "{w}/x.jsonl", "--skip-bad", "--rejects", "{w}/x.jsonl"],
        "two outputs",
    ),
    "output = index": (["-o", "{w}/k.jsonl", "--index", "{w}/k.jsonl"], "also the index"),
    "output = existing index": (["-o", "{w}/a_file", "--index", "{w}/a_file"], "the index"),
    "output is a directory": (["-o", "{w}/k.jsonl", "--clusters", "{w}/sub"], "is a directory"),
    "output under a file": (["-o", "{w}/a_file/k.jsonl"], "does not exist"),
    "stdout twice": (["-o", "-", "--clusters", "-"], "only one output can be stdout"),
}


@pytest.mark.parametrize("case", DEDUP_CASES)
def test_dedup_refuses_bad_output_paths(work: Path, case: str) -> None:
    (work / "sub").mkdir()
    args, message = DEDUP_CASES[case]
    command = ["dedup", str(work / "in.jsonl"), *(a.format(w=work) for a in args), "-q"]
    refused(work, command, message)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_dedup_refuses_unwritable_directory(work: Path) -> None:
    locked = work / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        args = ["dedup", str(work / "in.jsonl"), "-o", str(locked / "k.jsonl"), "-q"]
        refused(work, args, "is not writable")
    finally:
        locked.chmod(0o700)


def test_dedup_files_checks_outputs_first(work: Path) -> None:
    """Python users get the same check, before any record is read."""
    source = str(work / "in.jsonl")
    with pytest.raises(OutputError, match="also an input"):
        dedup_files([source], str(work / "k.jsonl"), source, quiet=True)
    with pytest.raises(OutputError, match="does not exist"):
        dedup_files(["/nonexistent/in.jsonl"], str(work / "nope" / "k.jsonl"), quiet=True)
    assert not (work / "k.jsonl").exists()


def test_good_dedup_run_with_every_output(work: Path) -> None:
    outs = [work / name for name in ("k.jsonl", "c.jsonl", "p.jsonl", "r.jsonl")]
    args = ["-o", "--clusters", "--pairs", "--rejects"]
    flat = [x for pair in zip(args, map(str, outs), strict=True) for x in pair]
    result = CliRunner().invoke(main, ["dedup", str(work / "in.jsonl"), *flat, "-q"])
    assert result.exit_code == 0, result.output
    assert all(path.exists() for path in outs[:3])


# --- every other command: missing directory and output = input ----------------------


def other_cases(w: Path) -> list[tuple[list[str], str]]:
    """(arguments, message) for every other command and output option."""
    src, a, b = str(w / "in.jsonl"), str(w / "a.txt"), str(w / "b.txt")
    missing = str(w / "nope" / "out.jsonl")
    return [
        (["convert", a, "-o", missing], "does not exist"),
        (["convert", a, "-o", a], "also an input"),
        (["convert", "--jsonl", src, "-o", str(w / "o.jsonl"), "--skip-bad",
          "--rejects", missing], "does not exist"),
        (["fix", a, "-o", missing], "does not exist"),
        (["fix", a, "-o", a], "also an input"),
        (["fix", a, "-o", str(w / "o.txt"), "--explain", "--explain-file", missing], "exist"),
        (["fix", a, "-o", str(w / "o.txt"), "--explain", "--explain-file", a], "an input"),
        (["align", a, b, "--html", missing], "does not exist"),
        (["align", a, b, "--html", b], "also an input"),
        (["summary", a, "-o", str(w / "a_file" / "sub")], "is not a directory"),
        (["summary", a, str(w / "a.fixed.txt"), "-o", str(w)], "also an input"),
        (["paragraphs", src, "-o", missing], "does not exist"),
        (["paragraphs", src, "-o", src], "also an input"),
        (["paragraphs", src, "--drop-repeats", "-O", missing], "does not exist"),
        (["paragraphs", src, "--drop-repeats", "-O", src], "also an input"),
        (["reuse", src, "-o", missing], "does not exist"),
        (["reuse", src, "-o", src], "also an input"),
        (["reuse", src, "--html", missing], "does not exist"),
        (["reuse", src, "--stories", src], "also an input"),
        (["run", str(w / "pipe.toml"), src, "-o", missing], "does not exist"),
        (["run", str(w / "pipe.toml"), src, "-o", src], "also an input"),
        (["run", str(w / "pipe.toml"), src, "--skip-bad", "--rejects", src], "also an input"),
    ]  # fmt: skip


def test_every_command_refuses_bad_output_paths(work: Path) -> None:
    (work / "a.fixed.txt").write_text(TEXTS[2], encoding="utf-8")
    for args, message in other_cases(work):
        refused(work, [*args, *(["-q"] if args[0] in ("paragraphs", "reuse") else [])], message)


def test_check_outputs_rules(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("{}\n", encoding="utf-8")
    link = tmp_path / "link.jsonl"
    link.symlink_to(source)
    check_outputs([str(source)], [None, "-", str(tmp_path / "out.jsonl")], index=None)
    with pytest.raises(OutputError, match="also an input"):
        check_outputs([str(source)], [str(link)])  # the same file under another name
    with pytest.raises(OutputError, match="two outputs"):
        check_outputs([], [str(tmp_path / "x"), str(tmp_path / "." / "x")])


# --- signals and leftovers ----------------------------------------------------------


def zhnorm_process(*args: str) -> subprocess.Popen[bytes]:
    """``zhnorm ARGS`` in a new process, running this checkout's package."""
    env = {**os.environ, "PYTHONPATH": str(Path(zhnorm.__file__).parents[1])}
    code = "import sys; from zhnorm.cli import main; sys.exit(main())"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def big_input(folder: Path) -> Path:
    path = folder / "big.txt"
    line = "汉字转换测试：这是一个相当长的句子，用来让转换持续一段时间。\n" * 1000
    with path.open("w", encoding="utf-8") as out:
        for _ in range(800):  # about 70 MB
            out.write(line)
    return path


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[bytes]) -> None:
    """Poll ``condition`` while ``process`` runs (bounded by the test's own input)."""
    for _ in range(6000):
        if condition():
            return
        if process.poll() is not None:
            pytest.fail(f"zhnorm ended before the test could signal it: {process.stderr!r}")
        time.sleep(0.01)
    process.kill()
    pytest.fail("zhnorm never started writing")


def partials(folder: Path) -> list[Path]:
    return sorted(folder.glob(".zhnorm-*.partial"))


def writing(folder: Path) -> Callable[[], bool]:
    return lambda: any(p.stat().st_size > 0 for p in partials(folder) if p.exists())


def test_sigterm_removes_the_temporary_file(tmp_path: Path) -> None:
    source = big_input(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    process = zhnorm_process("convert", "-c", "s2t", str(source), "-o", str(out_dir / "o.txt"))
    wait_for(writing(out_dir), process)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert b"Traceback" not in stderr
    assert list(out_dir.iterdir()) == []


def test_sigkill_leftover_is_removed_by_the_next_run(tmp_path: Path) -> None:
    source = big_input(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    process = zhnorm_process("convert", "-c", "s2t", str(source), "-o", str(out_dir / "o.txt"))
    wait_for(writing(out_dir), process)
    process.kill()
    process.communicate(timeout=120)
    (left,) = partials(out_dir)
    assert left.name.startswith(f".zhnorm-{process.pid}-")
    # a live writer's file (this process) is kept; the dead one's goes with the next run
    mine = out_dir / f".zhnorm-{os.getpid()}-x.partial"
    mine.write_text("", encoding="utf-8")
    small = tmp_path / "small.txt"
    small.write_text(TEXTS[0], encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", str(small), "-o", str(out_dir / "o.txt")])
    assert result.exit_code == 0, result.output
    assert partials(out_dir) == [mine]
    assert (out_dir / "o.txt").read_text("utf-8").startswith("今天天氣")


def test_remove_leftovers_keeps_newer_and_foreign_files(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, check=True)  # fmt: skip
    pid = int(dead.stdout)
    old = tmp_path / f".zhnorm-{pid}-abc.partial"
    old.write_text("x", encoding="utf-8")
    other = tmp_path / ".zhnorm-keys-abc.tmp"
    other.write_text("x", encoding="utf-8")
    assert remove_leftovers(tmp_path, before=0.0) == []  # written after the cutoff
    assert remove_leftovers(tmp_path) == [str(old)]
    assert other.exists()
