"""``run_files``: a :class:`~zhnorm.pipeline.Pipeline` over JSONL, Parquet or text files,
streaming - what ``zhnorm run`` runs, the pipeline's counterpart of
:func:`zhnorm.neardup.files.dedup_files`.

Records follow the contract of :mod:`zhnorm.io`.  One block per stage (:func:`run_files`):

1. **open the outputs** (and the workers) - the records (JSONL or Parquet) or texts (``.txt``), the
   rejects, and with ``workers > 1`` a pool of processes that each receive the pipeline
   once, when they start, not with every batch; outputs are atomic: they appear only
   when the run succeeds;
2. **read** - the records in batches; a bad record stops the run, naming its file and
   line, or with ``skip_bad`` goes to the rejects with its reason;
3. **normalise** - each batch's texts through the pipeline, with its annotations, in
   input order, at most ``2 * workers`` batches in flight
   (:func:`zhnorm.workers.imap_ordered`);
4. **write** - every good record, normalised, its other fields unchanged, plus the
   annotation columns and, with ``provenance``, the pipeline's fingerprint;
5. **count** - ``in = out + rejected``, the flags raised and the pipeline fingerprint.
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack

from ..io import (
    DEFAULT_ENCODING,
    BadRecord,
    Progress,
    Record,
    RecordWriter,
    RunCounts,
    TextWriter,
    check_outputs,
    iter_records,
    record_batches,
    rejects_for,
    with_text,
    write_format,
)
from ..workers import imap_ordered, process_pool
from .core import FINGERPRINT_COLUMN, Annotated, Pipeline
from .steps import FLAGS_COLUMN

__all__ = ["run_files"]

# The pipeline of a worker process, set once by the pool's initializer.
_held: dict[str, Pipeline] = {}


def _hold_pipeline(pipe: Pipeline) -> None:
    _held["pipe"] = pipe


def _process(pipe: Pipeline, texts: list[str], *, annotate: bool) -> Annotated:
    """The pipeline over ``texts``: with ``annotate``, with its annotation columns."""
    if annotate:
        return pipe.annotate_batch(texts)
    done: list[str | None] = [*pipe.batch(texts)]
    return Annotated(done, {})


def _process_in_worker(texts: list[str], *, annotate: bool) -> Annotated:
    return _process(_held["pipe"], texts, annotate=annotate)


def run_files(
    pipe: Pipeline,
    inputs: Sequence[str],
    output: str | None,
    *,
    out_format: str | None = None,
    text_field: str = "text",
    errors: str = "strict",
    encoding: str = DEFAULT_ENCODING,
    skip_bad: bool = False,
    rejects: str | None = None,
    annotations: bool = True,
    provenance: bool = False,
    batch_size: int = 256,
    workers: int = 1,
    quiet: bool = False,
) -> RunCounts:
    """Run ``pipe`` over ``inputs`` (JSONL, also compressed, Parquet, ``.txt`` files,
    directories of them, ``-`` for stdin; stdin when there are none; see
    :func:`zhnorm.io.iter_records`, text and JSONL in ``encoding``)
    and write every record, normalised, to ``output`` (stdout for ``None`` or ``-``) in
    ``out_format`` (:data:`zhnorm.io.WRITE_FORMATS`; default from the name of
    ``output``, see :func:`zhnorm.io.write_format`).  Stages: module docstring.

    ``annotations``: add the filters' ``zhnorm_*`` columns (not to text output);
    ``provenance``: add :attr:`Pipeline.fingerprint` as ``zhnorm_fingerprint``.  Bad
    records raise :class:`zhnorm.io.InputError`, or with ``skip_bad`` go to ``rejects``
    (default beside ``output``, :func:`zhnorm.io.rejects_path`).  ``batch_size``
    records go to the pipeline at a time, on ``workers`` processes (the output is the
    same).  ``quiet=False`` shows progress on a terminal.  Parquet output needs a file
    (:class:`ValueError` otherwise).  Every output path is checked first
    (:func:`zhnorm.io.check_outputs`).  Returns the counts;
    :meth:`~zhnorm.io.RunCounts.summary` is the command's line."""
    fmt = write_format(output, out_format)
    if fmt == "parquet" and output in (None, "-"):
        raise ValueError("Parquet output needs a file: output='NAME.parquet'")
    annotate = annotations and fmt != "txt" and bool(pipe.annotation_columns)
    bad = rejects_for(skip_bad, output, rejects)
    check_outputs(inputs, [output or "-", bad.path])
    counts = RunCounts("run", rejects_path=bad.path)
    flagged: Counter[str] = Counter()
    progress = Progress("zhnorm run", quiet=quiet)
    try:
        with ExitStack() as stack:
            # 1. Open the outputs (and the workers).
            columns = dict(pipe.annotation_columns) if annotate else {}
            if provenance:
                columns[FINGERPRINT_COLUMN] = "string"
            writer = (
                TextWriter(output)
                if fmt == "txt"
                else RecordWriter(output, columns=columns, inputs=inputs)
            )
            stack.enter_context(writer)
            stack.enter_context(bad)
            if workers > 1:
                pool = stack.enter_context(
                    process_pool(workers, initializer=_hold_pipeline, initargs=(pipe,))
                )
                process = functools.partial(_process_in_worker, annotate=annotate)
            else:
                pool = None
                process = functools.partial(_process, pipe, annotate=annotate)

            # 2. Read.
            records = iter_records(
                inputs or ("-",), text_field=text_field, errors=errors, encoding=encoding
            )
            batches, to_process = itertools.tee(record_batches(records, batch_size, bad))

            # 3. Normalise.
            texts = (
                [item.text for item in batch if isinstance(item, Record)] for batch in to_process
            )
            results = imap_ordered(process, texts, pool, window=2 * workers)

            # 4. Write.
            for batch, result in zip(batches, results, strict=True):
                good = 0
                for item in batch:
                    counts.read += 1
                    if isinstance(item, BadRecord):
                        bad.add(item)
                        counts.rejected += 1
                        continue
                    text = result.texts[good]
                    assert text is not None
                    row = {name: values[good] for name, values in result.annotations.items()}
                    good += 1
                    flagged.update(row.get(FLAGS_COLUMN) or ())
                    if isinstance(writer, TextWriter):
                        writer.write(text)
                    else:
                        if provenance:
                            row[FINGERPRINT_COLUMN] = pipe.fingerprint
                        writer.write({**with_text(item, text_field, text), **row})
                    counts.written += 1
                progress.update(len(batch))
    finally:
        progress.close()

    # 5. Count.
    counts.check()
    if pipe.annotation_columns:
        detail = ", ".join(f"{name} {n}" for name, n in sorted(flagged.items()))
        counts.notes.append(f"flags: {detail or 'none'}")
    counts.notes.append(f"pipeline {pipe.fingerprint}")
    return counts
