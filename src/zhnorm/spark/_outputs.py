"""The outputs of the Spark file engine: checked before any work, written beside their
final names and moved into place when every one is complete, scratch space in a
directory of its own.

* :func:`check_spark_outputs` is :func:`zhnorm.io.check_outputs` for outputs that are
  directories of part files: an earlier Spark output (only ``part-*`` and Hadoop's
  ``_``/``.`` files) may be replaced, any other existing directory is refused.
* :class:`Outputs` names each temporary output ``.zhnorm-PID-NAME-TAG.partial`` beside
  its target (:func:`zhnorm.io.files.temp_prefix`, so a killed run's leftovers are
  removed by the next run, :func:`zhnorm.io.remove_leftovers`), and commits or aborts
  them all.
* :func:`scratch_dir` is where Spark spills (``spark.local.dir``): a
  ``.zhnorm-PID-spark-*.partial`` directory in ``tmp_dir``, else beside the output
  (:func:`zhnorm.neardup.files.spool_dir`, the local engine's rule), never ``/tmp``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Sequence

from pyspark.sql import SparkSession

from ..io import InputError, OutputError, check_output_dir, check_outputs, remove_leftovers
from ..io.files import temp_prefix
from ..io.inputs import is_ignored
from ..neardup.files import spool_dir
from ._inputs import hadoop_path, is_local, local_path

__all__ = ["Outputs", "check_spark_outputs", "scratch_dir"]

PART_PREFIX = "part-"


def _is_spark_output(directory: str) -> bool:
    """Whether ``directory`` holds only what Spark writes: part files and hidden or
    ``_`` files (``_SUCCESS``, ``.part-*.crc``)."""
    for folder, _, names in os.walk(directory):
        for name in names:
            relative = os.path.relpath(os.path.join(folder, name), directory)
            if not (is_ignored(relative) or name.startswith(PART_PREFIX)):
                return False
    return True


def _inside(path: str, other: str) -> bool:
    """``path`` is ``other`` or lies below it."""
    a, b = os.path.realpath(path), os.path.realpath(other)
    return a == b or a.startswith(b.rstrip(os.sep) + os.sep)


def check_spark_outputs(
    inputs: Sequence[str],
    outputs: Sequence[str | None],
    tmp_dir: str | os.PathLike[str] | None = None,
) -> None:
    """Raise :class:`~zhnorm.io.OutputError` unless every local output can be written
    (:func:`zhnorm.io.check_outputs`; an existing output directory must be an earlier
    Spark output, not an input nor inside one, nor hold one) and ``tmp_dir`` can be
    (:func:`zhnorm.io.check_output_dir`).  Paths on other file systems are checked by
    Spark when it writes them.  Nothing is started or written."""
    sources = [local_path(p) for p in inputs if is_local(p)]
    checked: list[str | None] = []
    for item in outputs:
        if item is None or not is_local(item):
            checked.append(None)
            continue
        path = local_path(item).rstrip("/") or "/"
        if os.path.isdir(path):
            if not _is_spark_output(path):
                raise OutputError(
                    f"{item}: output is a directory that is not an earlier Spark output "
                    "(it holds other files than part-*); not replaced"
                )
            if any(_inside(path, s) or _inside(s, path) for s in sources):
                raise OutputError(f"{item}: output is also an input")
            path += ".zhnorm-replaced"  # its directory and the other outputs still checked
        checked.append(path)
    check_outputs(sources, checked)
    if tmp_dir is not None:
        check_output_dir(tmp_dir)
        remove_leftovers(tmp_dir)


def scratch_dir(output: str, tmp_dir: str | os.PathLike[str] | None) -> str | None:
    """A new directory for ``spark.local.dir``: in ``tmp_dir``, else beside a local
    ``output`` (``None`` for an output on another file system: the cluster's own)."""
    if tmp_dir is None and not is_local(output):
        return None
    try:
        parent = spool_dir(local_path(output), tmp_dir)
        return tempfile.mkdtemp(prefix=f"{temp_prefix()}spark-", suffix=".partial", dir=parent)
    except OSError as exc:
        raise OutputError(
            f"{tmp_dir or output}: cannot make Spark's scratch directory: {exc.strerror}"
        ) from None


class Outputs:
    """Directories written beside their final names, moved in at :meth:`commit`."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark
        self.pending: list[tuple[str, str]] = []
        self.tag = uuid.uuid4().hex[:12]

    def temporary(self, path: str) -> str:
        """Where the output ``path`` is written until :meth:`commit`."""
        head, _, tail = path.rstrip("/").rpartition("/")
        temp = f"{temp_prefix()}{tail}-{self.tag}.partial"
        temp = f"{head}/{temp}" if head or path.startswith("/") else temp
        self.pending.append((temp, path))
        return temp

    def commit(self) -> None:
        """Move every finished output into place (an earlier one there is replaced)."""
        for temp, final in self.pending:
            if is_local(final):
                target = local_path(final).rstrip("/")
                if os.path.isdir(target):
                    shutil.rmtree(target)
                elif os.path.lexists(target):
                    os.unlink(target)
                os.rename(local_path(temp), target)
                continue
            source, fs = hadoop_path(self.spark, temp)
            target_path, _ = hadoop_path(self.spark, final)
            if fs.exists(target_path):
                fs.delete(target_path, True)
            if not fs.rename(source, target_path):
                raise InputError(f"{final}: could not move the finished output into place")
        self.pending = []

    def abort(self) -> None:
        """Remove every temporary output (the local ones without the JVM, which a
        signal may have stopped)."""
        for temp, _ in self.pending:
            if is_local(temp):
                shutil.rmtree(local_path(temp), ignore_errors=True)
                continue
            try:
                path, fs = hadoop_path(self.spark, temp)
                if fs.exists(path):
                    fs.delete(path, True)
            except Exception:  # the JVM is gone: nothing more can be done here
                pass
        self.pending = []
