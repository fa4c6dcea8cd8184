"""Fault injection (issue 15): signals at random points of a run, truncated inputs, a
corrupt or foreign dedup index, a full disk.

Every case asserts invariants only, never timings:

* nothing half-written under an output's final name: a run that did not succeed leaves
  no output file at all;
* no ``.zhnorm-*.partial`` left after SIGTERM or SIGINT, and none after the next run
  when a SIGKILLed run left some;
* a failure is one ``Error:`` line (no traceback) and a non-zero exit status; a signal
  ends the run with ``128 + signal``;
* a run that finished accounts for every record: ``in = out (+ removed) + rejected``,
  with the output holding ``out`` records.

The random points are drawn from seeded generators (``SEED``), so a failing case can be
named and replayed; where a signal lands depends on the machine's speed, and every
outcome (stopped at start-up, mid-run, while writing, or after the run) has its own
invariants.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import zhnorm
from zhnorm.cli import main

from .conftest import compress

SEED = 15

SUMMARY = re.compile(
    r"zhnorm (\w+): (\d+) records in, (\d+) (?:out|kept), "
    r"(?:(\d+) removed as duplicates, )?(\d+) rejected"
)


def random_text(rng: random.Random, paragraphs: int) -> str:
    """Chinese-looking text no corpus shares (so that reuse and dedup stay cheap)."""

    def sentence() -> str:
        chars = (chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(rng.randrange(8, 30)))
        return "".join(chars) + rng.choice("，。！？")

    return "\n".join("".join(sentence() for _ in range(4)) for _ in range(paragraphs))


def write_jsonl(path: Path, rows: list[dict[str, object]], bad_lines: tuple[str, ...] = ()) -> None:
    lines = [json.dumps(row, ensure_ascii=False) for row in rows]
    for n, bad in enumerate(bad_lines):
        lines.insert((n + 1) * len(lines) // (len(bad_lines) + 1), bad)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Inputs sized so that a run takes about a second: the signals land before, during
    and after the work."""
    folder = tmp_path_factory.mktemp("inputs")
    rng = random.Random(SEED)

    def rows(n: int, paragraphs: int) -> list[dict[str, object]]:
        return [{"id": f"d{i}", "text": random_text(rng, paragraphs)} for i in range(n)]

    write_jsonl(folder / "fix.jsonl", rows(30, 4), ('{"id": "x", "text": 7}', "{not json"))
    write_jsonl(folder / "paragraphs.jsonl", rows(60, 5))
    write_jsonl(folder / "reuse.jsonl", rows(40, 5))
    dedup = rows(300, 3)
    dedup += [{"id": f"copy{i}", "text": row["text"]} for i, row in enumerate(dedup[:40])]
    write_jsonl(folder / "dedup.jsonl", dedup)
    (folder / "big.txt").write_text(random_text(rng, 4000), encoding="utf-8")
    return folder


def partials(folder: Path) -> list[Path]:
    return sorted(folder.glob(".zhnorm-*.partial"))


def lines_of(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


# --- signals at random points -------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """A command run under a signal: its arguments and the files it writes."""

    args: Callable[[Path, Path], list[str]]  # (inputs, output folder) -> arguments
    outputs: tuple[str, ...]  # the final names, in the output folder
    records: str | None  # the JSONL input read (for the counts), None: text
    per_record: str | None = None  # the output holding one line per record written


COMMANDS = {
    "convert": Command(
        lambda i, o: ["convert", "-c", "s2t", str(i / "big.txt"), "-o", str(o / "out.txt")],
        ("out.txt",),
        None,
    ),
    "fix --jsonl": Command(
        lambda i, o: ["fix", "--jsonl", str(i / "fix.jsonl"), "-o", str(o / "out.jsonl"),
                      "--skip-bad", "--rejects", str(o / "rejects.jsonl")],
        ("out.jsonl", "rejects.jsonl"),
        "fix.jsonl",
        "out.jsonl",
    ),
    "paragraphs": Command(
        lambda i, o: ["paragraphs", str(i / "paragraphs.jsonl"), "-o", str(o / "out.jsonl"),
                      "--drop-repeats", "-O", str(o / "clean.jsonl"), "-q"],
        ("out.jsonl", "clean.jsonl"),
        "paragraphs.jsonl",
        "clean.jsonl",
    ),
    "reuse": Command(
        lambda i, o: ["reuse", str(i / "reuse.jsonl"), "-o", str(o / "out.jsonl"),
                      "--html", str(o / "out.html"), "-q"],
        ("out.jsonl", "out.html"),
        "reuse.jsonl",
    ),
    "dedup": Command(
        lambda i, o: ["dedup", str(i / "dedup.jsonl"), "-o", str(o / "out.jsonl"),
                      "--clusters", str(o / "clusters.jsonl"), "-q"],
        ("out.jsonl", "clusters.jsonl"),
        "dedup.jsonl",
        "out.jsonl",
    ),
}  # fmt: skip

# (signal, when): "start" counts the delay from the process start (it may land while
# Python starts), "writing" from the first temporary output file seen.
SIGNALS = [
    (signal.SIGTERM, "start"),
    (signal.SIGTERM, "writing"),
    (signal.SIGINT, "writing"),
    (signal.SIGKILL, "writing"),
]


def zhnorm_process(args: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
    """``zhnorm ARGS`` in a new process, running this checkout's package."""
    env = {**os.environ, "PYTHONPATH": str(Path(zhnorm.__file__).parents[1])}
    code = "import sys; from zhnorm.cli import main; sys.exit(main())"
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-c", code, *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        **kwargs,
    )


def signalled(
    args: list[str], folder: Path, signum: int, when: str, delay: float
) -> tuple[int, str]:
    """Run ``args``, send ``signum`` ``delay`` seconds after ``when``; exit status, stderr."""
    process = zhnorm_process(args)
    if not signum:  # no signal: the undisturbed run
        _, stderr = process.communicate(timeout=300)
        return process.returncode, stderr.decode("utf-8", "replace")
    if when == "writing":
        for _ in range(3000):  # bounded: the run ends by itself at the latest
            if partials(folder) or process.poll() is not None:
                break
            time.sleep(0.01)
    time.sleep(delay)
    if process.poll() is None:
        process.send_signal(signum)
    _, stderr = process.communicate(timeout=300)
    return process.returncode, stderr.decode("utf-8", "replace")


def check_finished(command: Command, corpus: Path, folder: Path, stderr: str) -> None:
    """A run that finished: every output there, every record accounted for."""
    for name in command.outputs:
        assert (folder / name).is_file(), name
    if command.records is None:  # convert: text in, text out, line for line
        source = corpus / "big.txt"
        assert lines_of(folder / "out.txt") == lines_of(source)
        return
    match = SUMMARY.search(stderr)
    assert match, stderr
    _, read, out, removed, rejected = match.groups()
    assert int(read) == int(out) + int(removed or 0) + int(rejected)
    assert int(read) == lines_of(corpus / command.records)
    if command.per_record is not None:
        assert lines_of(folder / command.per_record) == int(out)
    if "rejects.jsonl" in command.outputs:
        assert lines_of(folder / "rejects.jsonl") == int(rejected) == 2


@pytest.mark.parametrize("name", COMMANDS)
def test_signals_at_random_points(name: str, corpus: Path, tmp_path: Path) -> None:
    command = COMMANDS[name]
    reference = tmp_path / "reference"
    reference.mkdir()
    status, stderr = signalled(command.args(corpus, reference), reference, 0, "start", 0.0)
    assert status == 0, stderr
    check_finished(command, corpus, reference, stderr)
    expected = {name: (reference / name).read_bytes() for name in command.outputs}
    rng = random.Random(f"{SEED}-{name}")
    outcomes: list[str] = []
    for number, (signum, when) in enumerate(SIGNALS):
        folder = tmp_path / f"run{number}"
        folder.mkdir()
        delay = rng.uniform(0.2, 1.5) if when == "start" else rng.uniform(0.0, 0.8)
        case = f"{name}: {signal.Signals(signum).name} {delay:.2f}s after {when}"
        status, stderr = signalled(command.args(corpus, folder), folder, signum, when, delay)
        # whatever lies under a final name is the whole output, as an undisturbed run
        # writes it (a signal may land after some outputs were published)
        written = {p.name for p in folder.iterdir()} - {p.name for p in partials(folder)}
        assert written <= set(command.outputs), (case, written)
        for output in written:
            assert (folder / output).read_bytes() == expected[output], (case, output)
        if status == 0:
            outcomes.append("finished")
            check_finished(command, corpus, folder, stderr)
            assert partials(folder) == [], case
            continue
        # stopped: by zhnorm's handler (128 + signal), by click before the command
        # started (SIGINT: "Aborted!", 1), or by the signal itself (while Python started,
        # or SIGKILL)
        assert status in (128 + signum, -signum, 1), (case, status, stderr)
        if status == 1:
            assert signum == signal.SIGINT and "Aborted!" in stderr, (case, stderr)
        if status == 128 + signum:
            outcomes.append("unwound")
            assert f"zhnorm: stopped by {signal.Signals(signum).name}" in stderr, case
            assert "Traceback" not in stderr, (case, stderr)
        else:
            outcomes.append("killed" if signum == signal.SIGKILL else "at start-up")
        if signum != signal.SIGKILL:
            assert partials(folder) == [], (case, stderr)
            continue
        # a killed run's temporary files go with the next run writing to the folder
        small = tmp_path / "small.txt"
        small.write_text("头发", encoding="utf-8")
        result = CliRunner().invoke(main, ["convert", str(small), "-o", str(folder / "n.txt")])
        assert result.exit_code == 0, result.output
        assert partials(folder) == [], case
    print(f"{name}: {outcomes}")  # which outcomes this machine produced (-s shows them)


# --- truncated inputs ---------------------------------------------------------------


def one_error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def cut_points(rng: random.Random, size: int, n: int) -> list[int]:
    return sorted({0, *(rng.randrange(1, size) for _ in range(n))})


@pytest.mark.parametrize("codec", ["gz", "zst", "bz2", "xz"])
def test_truncated_compressed_inputs_are_errors(codec: str, corpus: Path, tmp_path: Path) -> None:
    whole = compress(codec, (corpus / "dedup.jsonl").read_bytes())
    rng = random.Random(f"{SEED}-{codec}")
    commands = [
        ["convert", "--jsonl", "--skip-bad"],
        ["dedup", "-q", "--skip-bad"],
        ["paragraphs", "-q", "--skip-bad"],
    ]
    for number, offset in enumerate(cut_points(rng, len(whole), 3)):
        cut = tmp_path / f"cut{offset}.jsonl.{codec}"
        cut.write_bytes(whole[:offset])
        out = tmp_path / "out.jsonl"
        args = commands[number % len(commands)]
        result = CliRunner().invoke(main, [*args, str(cut), "-o", str(out)])
        error = one_error(result)
        assert f"{cut}: cannot decompress:" in error, (offset, error)
        assert ("truncated" in error) or ("corrupt" in error), (offset, error)
        assert not out.exists() and not Path(f"{out}.rejects.jsonl").exists()
        assert partials(tmp_path) == []
    # the whole file reads
    (tmp_path / f"whole.jsonl.{codec}").write_bytes(whole)
    fine = CliRunner().invoke(main, ["dedup", "-q", str(tmp_path / f"whole.jsonl.{codec}"),
                                     "-o", str(tmp_path / "out.jsonl")])  # fmt: skip
    assert fine.exit_code == 0 and "340 records in" in fine.stderr, fine.output


def test_jsonl_cut_mid_line(corpus: Path, tmp_path: Path) -> None:
    """A plain JSONL file cut anywhere: every complete line is a record, the cut one a
    reject (or, without --skip-bad, the one error, naming its line)."""
    whole = (corpus / "fix.jsonl").read_bytes()
    rng = random.Random(f"{SEED}-jsonl")
    for offset in cut_points(rng, len(whole), 6):
        data = whole[:offset]
        cut = tmp_path / "cut.jsonl"
        cut.write_bytes(data)
        pieces = [piece for piece in data.split(b"\n") if piece.strip()]
        bad = 0
        for piece in pieces:
            try:
                bad += not isinstance(json.loads(piece).get("text"), str)
            except (ValueError, AttributeError):
                bad += 1
        out, rejects = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
        args = ["convert", "--jsonl", str(cut), "-o", str(out), "--rejects", str(rejects)]
        result = CliRunner().invoke(main, [*args, "--skip-bad"])
        if pieces and bad < len(pieces):
            assert result.exit_code == 0, (offset, result.output)
            assert f"{len(pieces)} records in, {len(pieces) - bad} out, {bad} rejected" in (
                result.stderr
            )
            assert lines_of(out) == len(pieces) - bad and lines_of(rejects) == bad
        elif pieces:  # every record rejected: a failure, after the summary line
            assert "every record was rejected" in one_error(result)
        else:
            assert result.exit_code == 0 and "0 records in" in result.stderr
        for path in (out, rejects):
            path.unlink(missing_ok=True)
        strict = CliRunner().invoke(main, args[:-2])
        if bad:
            assert re.search(rf"{re.escape(str(cut))}:\d+: ", one_error(strict)), offset
            assert not out.exists()
        else:
            assert strict.exit_code == 0, strict.output
        out.unlink(missing_ok=True)
        assert partials(tmp_path) == []


# --- a corrupt or foreign index -----------------------------------------------------


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_corrupt_and_foreign_indexes_are_refused_untouched(corpus: Path, tmp_path: Path) -> None:
    import sqlite3

    source = tmp_path / "in.jsonl"
    source.write_bytes(b"".join((corpus / "dedup.jsonl").read_bytes().splitlines(True)[:40]))
    good = tmp_path / "good.db"
    made = CliRunner().invoke(main, ["dedup", str(source), "-o", str(tmp_path / "k.jsonl"),
                                     "--index", str(good), "-q"])  # fmt: skip
    assert made.exit_code == 0, made.output
    raw = good.read_bytes()
    rng = random.Random(f"{SEED}-index")
    bad: dict[str, bytes] = {"junk": bytes(rng.randrange(256) for _ in range(5000))}
    middle = bytearray(raw)
    start = rng.randrange(len(raw) // 4, len(raw) // 2)
    middle[start : start + 4096] = bytes(rng.randrange(256) for _ in range(4096))
    bad["corrupt pages"] = bytes(middle)
    bad["header only"] = raw[:100]
    foreign = tmp_path / "foreign.db"
    with contextlib.closing(sqlite3.connect(foreign)) as db:
        db.execute("CREATE TABLE notes (body TEXT)")
        db.execute("INSERT INTO notes VALUES ('mine')")
        db.commit()
    bad["foreign"] = foreign.read_bytes()
    for label, content in bad.items():
        index = tmp_path / f"{label.replace(' ', '_')}.db"
        index.write_bytes(content)
        before = digest(index)
        out = tmp_path / "out.jsonl"
        args = ["dedup", str(source), "-o", str(out), "--index", str(index), "-q"]
        error = one_error(CliRunner().invoke(main, args))
        assert str(index) in error, (label, error)
        assert digest(index) == before, label  # byte-identical
        assert not out.exists() and partials(tmp_path) == [], label
        assert sorted(p.name for p in tmp_path.glob(f"{index.name}*")) == [index.name], label
    again = CliRunner().invoke(main, ["dedup", str(source), "-o", str(tmp_path / "k2.jsonl"),
                                      "--index", str(good), "-q"])  # fmt: skip
    assert again.exit_code == 0 and "40 matched the index" in again.stderr, again.output


# --- a full disk --------------------------------------------------------------------


@contextlib.contextmanager
def tiny_disk(folder: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs mounted at ``folder`` (root on Linux), unmounted afterwards."""
    folder.mkdir()
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        mounted = None
    if mounted is None or mounted.returncode != 0:
        why = mounted.stderr.decode().strip() if mounted is not None else "no mount command"
        pytest.skip(f"cannot mount a tmpfs here ({why}); the RLIMIT_FSIZE test covers it")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)
        if folder.is_mount():
            subprocess.run(["umount", "-l", str(folder)], check=False)


def test_full_disk_is_one_line_and_leaves_nothing(corpus: Path, tmp_path: Path) -> None:
    with tiny_disk(tmp_path / "disk") as disk:
        cases = {
            "convert": ["convert", str(corpus / "big.txt"), "-o", str(disk / "o.txt")],
            "convert --jsonl": ["convert", "--jsonl", str(corpus / "dedup.jsonl"),
                                "-o", str(disk / "o.jsonl")],
            "summary": ["summary", str(corpus / "reuse.jsonl"), "-o", str(disk / "s")],
            "dedup": ["dedup", str(corpus / "dedup.jsonl"), "-o", str(disk / "o.jsonl"), "-q"],
            "paragraphs parquet": ["paragraphs", str(corpus / "paragraphs.jsonl"), "-q",
                                   "--drop-repeats", "-O", str(disk / "c.parquet")],
        }  # fmt: skip
        for label, args in cases.items():
            error = one_error(CliRunner().invoke(main, args))
            assert "cannot write" in error and "No space left on device" in error, (label, error)
            assert list(disk.iterdir()) == [], label  # no output, no partial, no folder


def test_full_scratch_disk_names_the_temporary_folder(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``reuse`` spills key maps and story rows to the temporary folder: when that disk is
    full, the one line says where temporary files go and how to move them; the output,
    on another disk, is not left behind."""
    with tiny_disk(tmp_path / "scratch") as scratch:
        monkeypatch.setattr(tempfile, "tempdir", str(scratch))
        out = tmp_path / "out.jsonl"
        args = ["reuse", str(corpus / "reuse.jsonl"), "-o", str(out), "-q"]
        error = one_error(CliRunner().invoke(main, args))
        assert "No space left on device" in error and str(scratch) in error, error
        assert "TMPDIR" in error, error
        assert not out.exists() and partials(tmp_path) == []
        assert list(scratch.iterdir()) == []


def test_file_size_limit_is_one_line_and_leaves_nothing(corpus: Path, tmp_path: Path) -> None:
    """The same with a file-size limit (RLIMIT_FSIZE) in the child, which needs no mount."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    out = tmp_path / "out"
    out.mkdir()
    args = ["convert", "-c", "s2t", str(corpus / "big.txt"), "-o", str(out / "o.txt")]
    process = zhnorm_process(args, preexec_fn=limit)
    _, stderr = process.communicate(timeout=300)
    text = stderr.decode()
    assert process.returncode == 1, text
    assert text.count("Error:") == 1 and "Traceback" not in text
    assert f"{out / 'o.txt'}: cannot write: File too large" in text
    assert list(out.iterdir()) == []
