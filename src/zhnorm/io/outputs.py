"""Output paths: checked before any work, temporary files cleaned up.

* :func:`check_outputs` is the one rule for where a run may write: every output's
  directory exists and is writable, no output is a directory, an input, another output
  of the run or the index, none lies inside an input directory where the reader would
  take it for an input (:func:`inside_input`), and stdout (``-`` or ``None``) is used
  at most once.  A problem is an :class:`OutputError` (one line, before anything is
  read or written).  Every engine and every command that writes calls it first.
* :func:`check_work_dir`: a scratch directory (``--tmp-dir``) exists and is writable.
* :func:`remove_leftovers` removes the ``.zhnorm-PID-*.partial`` files (and SQLite's
  ``-wal``/``-shm``/``-journal`` files of a partial index) a killed run left beside
  its targets (older than this run, their writer process gone);
  :func:`check_outputs` calls it for each directory it approves.
* :func:`signals_unwind` makes SIGTERM (and SIGINT) unwind like a
  :class:`KeyboardInterrupt` (:class:`Terminated`), so every
  :class:`~zhnorm.io.AtomicOutput` removes its temporary file; the command line
  exits with ``128 + signal``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from .files import OutputError
from .inputs import TEXT_SUFFIX, codec_of, is_ignored

__all__ = [
    "OutputError",
    "Terminated",
    "check_output_dir",
    "check_outputs",
    "check_work_dir",
    "inside_input",
    "output_stems",
    "remove_leftovers",
    "signals_unwind",
]

_LEFTOVER = re.compile(r"\.zhnorm-(\d+)-.*\.partial(-wal|-shm|-journal)?\Z")  # + SQLite's


def _is_stdout(path: str | os.PathLike[str] | None) -> bool:
    return path is None or os.fspath(path) == "-"


def _same(a: str, b: str) -> bool:
    """The same file: :func:`os.path.samefile` when both exist, else the same resolved path."""
    if os.path.exists(a) and os.path.exists(b):
        return os.path.samefile(a, b)
    return os.path.realpath(a) == os.path.realpath(b)


def _directory_problem(path: str, directory: str) -> str | None:
    if not os.path.isdir(directory):
        return f"{path}: directory {directory} does not exist"
    if not os.access(directory, os.W_OK | os.X_OK):
        return f"{path}: directory {directory} is not writable"
    return None


def inside_input(path: str, sources: Iterable[str]) -> str | None:
    """The input directory of ``sources`` that would list ``path`` (a file or directory
    written by the run) among its files, or ``None``.  A path below an input directory
    is read with it on the next run (or on this one), unless some part of its path
    below the directory starts with ``.`` or ``_`` (:func:`~zhnorm.io.inputs.is_ignored`).

    >>> inside_input("./out.jsonl", ["."]), inside_input("./_out/a.jsonl", ["."])
    ('.', None)
    """
    target = os.path.realpath(path)
    for source in sources:
        if not os.path.isdir(source):
            continue
        root = os.path.realpath(source)
        if target == root:
            return source
        relative = os.path.relpath(target, root)
        if relative == os.pardir or relative.startswith(os.pardir + os.sep):
            continue
        if not is_ignored(relative.replace(os.sep, "/")):
            return source
    return None


def _inside_problem(path: str, sources: Iterable[str]) -> str | None:
    folder = inside_input(path, sources)
    if folder is None:
        return None
    return (
        f"{path}: output is inside the input directory {folder} and would be read as an "
        "input; write it elsewhere (or under a name starting with '_')"
    )


def check_outputs(
    inputs: Iterable[str | os.PathLike[str]],
    outputs: Iterable[str | os.PathLike[str] | None],
    index: str | os.PathLike[str] | None = None,
) -> None:
    """Raise :class:`OutputError` unless every path of ``outputs`` can be written:
    its directory exists and is writable, it is not a directory, not one of ``inputs``,
    not inside an input directory (:func:`inside_input`; nor is ``index``), not another
    of ``outputs`` and not ``index``.  ``None`` (not written) and ``-`` (stdout) are
    skipped; ``-`` may be given once.  Then the leftovers of killed runs in those
    directories are removed (:func:`remove_leftovers`).

    >>> check_outputs(["in.jsonl"], ["in.jsonl"])
    Traceback (most recent call last):
    ...
    zhnorm.io.files.OutputError: in.jsonl: output is also an input
    """
    sources = [os.fspath(p) for p in inputs if not _is_stdout(p)]
    others = [] if index is None else [os.fspath(index)]
    seen: list[str] = []
    directories: list[str] = []
    given = list(outputs)
    if index is not None:
        problem = _inside_problem(os.fspath(index), sources)
        if problem is not None:
            raise OutputError(problem.replace("output is", "the index is", 1))
    if sum(item is not None and _is_stdout(item) for item in given) > 1:
        raise OutputError("only one output can be stdout ('-')")
    for item in given:
        if item is None or _is_stdout(item):
            continue
        path = os.fspath(item)
        if os.path.isdir(path):
            raise OutputError(f"{path}: output is a directory")
        directory = os.path.dirname(os.path.abspath(path))
        problem = _directory_problem(path, directory)
        if problem is not None:
            raise OutputError(problem)
        if any(_same(path, source) for source in sources):
            raise OutputError(f"{path}: output is also an input")
        problem = _inside_problem(path, sources)
        if problem is not None:
            raise OutputError(problem)
        if any(_same(path, other) for other in others):
            raise OutputError(f"{path}: output is also the index")
        if any(_same(path, other) for other in seen):
            raise OutputError(f"{path}: given for two outputs")
        seen.append(path)
        directories.append(directory)
    for directory in dict.fromkeys(directories):
        remove_leftovers(directory)


def check_work_dir(path: str | os.PathLike[str]) -> None:
    """Raise :class:`OutputError` unless ``path`` is an existing, writable directory: the
    rule for a scratch directory a run is given (``--tmp-dir``), which, like an output's
    directory, is never created (a typo would otherwise scatter spools)."""
    name = os.fspath(path)
    if os.path.exists(name) and not os.path.isdir(name):
        raise OutputError(f"{name}: not a directory")
    if not os.path.isdir(name):
        raise OutputError(f"{name}: directory does not exist (it is not created)")
    if not os.access(name, os.W_OK | os.X_OK):
        raise OutputError(f"{name}: directory is not writable")


_UNSAFE = re.compile(r"[^\w.-]")
STEM_CHARS = 100
"""The longest stem :func:`output_stems` gives (file names have a length limit)."""


def output_stems(ids: Iterable[str]) -> list[str]:
    """A distinct file-name stem for each document id, to name the files written per
    document: the last part of the id, without a text suffix (``.txt``, also
    compressed), characters other than letters, digits, ``.``, ``-`` and ``_`` as
    ``_``, no leading dot, at most :data:`STEM_CHARS` characters; a stem already given
    gets ``~2``, ``~3``, ...

    >>> output_stems(["seeds/000_a.txt", "b.TXT.gz", "corpus.jsonl:3", "x/000_a.txt", ".."])
    ['000_a', 'b', 'corpus.jsonl_3', '000_a~2', 'doc']
    """
    stems: list[str] = []
    used: set[str] = set()
    for doc_id in ids:
        name = doc_id.replace("\\", "/").rsplit("/", 1)[-1]
        codec = codec_of(name)
        name = name[: -len(codec)] if codec else name
        if name.lower().endswith(TEXT_SUFFIX):
            name = name[: -len(TEXT_SUFFIX)]
        stem = _UNSAFE.sub("_", name).lstrip(".")[:STEM_CHARS] or "doc"
        unique, n = stem, 1
        while unique in used:
            n += 1
            unique = f"{stem}~{n}"
        used.add(unique)
        stems.append(unique)
    return stems


def check_output_dir(
    path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = ()
) -> None:
    """Raise :class:`OutputError` unless ``path`` is a writable directory or can be
    made one (its nearest existing ancestor is a writable directory), and is not inside
    one of the directories of ``inputs`` (:func:`inside_input`)."""
    name = os.fspath(path)
    sources = [os.fspath(p) for p in inputs if not _is_stdout(p)]
    problem = _inside_problem(name, sources)
    if problem is not None:
        raise OutputError(problem)
    current = os.path.abspath(name)
    while not os.path.exists(current):
        current = os.path.dirname(current)
    if not os.path.isdir(current):
        raise OutputError(f"{name}: {current} is not a directory")
    if not os.access(current, os.W_OK | os.X_OK):
        raise OutputError(f"{name}: directory {current} is not writable")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(
    directory: str | os.PathLike[str], *, before: float | None = None
) -> list[str]:
    """Remove the temporary files (``.zhnorm-PID-*.partial``; directories for the Spark
    engine) that a killed run left in
    ``directory``: last written before ``before`` (default: now) by a process that is
    gone.  Returns the paths removed."""
    cutoff = time.time() if before is None else before
    removed: list[str] = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        match = _LEFTOVER.match(name)
        if match is None or int(match.group(1)) == os.getpid() or _alive(int(match.group(1))):
            continue
        path = os.path.join(directory, name)
        try:
            if os.lstat(path).st_mtime < cutoff:
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)  # the Spark engine's outputs and scratch
                else:
                    os.unlink(path)
                removed.append(path)
        except OSError:
            continue
    return removed


class Terminated(KeyboardInterrupt):
    """The run was stopped by a signal (``signum``); unwinds like Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _restorable(handler: Any) -> Any:
    """A handler :func:`signal.signal` accepts (``None``, one set outside Python: the default)."""
    return signal.SIG_DFL if handler is None else handler


@contextmanager
def signals_unwind(
    signums: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM),
) -> Iterator[None]:
    """Within the block, each of ``signums`` raises :class:`Terminated` in this process
    (a forked worker gets the handler it had before), so ``with``/``finally`` clean-ups
    run.  Outside the main thread this does nothing."""
    owner = os.getpid()
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: FrameType | None) -> None:
        if os.getpid() == owner:
            raise Terminated(signum)
        old = _restorable(previous.get(signum))
        signal.signal(signum, old)
        if callable(old):
            old(signum, frame)
        else:
            os.kill(os.getpid(), signum)

    try:
        for signum in signums:
            previous[signum] = signal.signal(signum, handler)
    except ValueError:  # not the main thread
        pass
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, _restorable(old))
