"""``zhnorm run``: a pipeline configuration file applied to JSONL, Parquet or text files,
streaming, with the rejects and atomic-output rules of the other record commands."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from contextlib import ExitStack
from typing import Any

import click

from ..io import (
    WRITE_FORMATS,
    BadRecord,
    InputError,
    Progress,
    Record,
    RecordWriter,
    RunCounts,
    TextWriter,
    iter_records,
    record_batches,
    rejects_for,
    with_text,
    write_format,
)
from ..pipeline import FINGERPRINT_COLUMN, FLAGS_COLUMN, Annotated, Pipeline, PipelineConfigError
from ..pipeline.files import default_config_toml
from ..workers import process_pool
from .options import errors_option, quiet_option, skip_bad_options, text_field_option

__all__ = ["run"]

# The pipeline of a worker process of ``--workers``, set once by the pool initializer
# (so it is unpickled once per process, not once per batch).
_worker: dict[str, Pipeline] = {}


def _init_worker(pipe: Pipeline) -> None:
    _worker["pipe"] = pipe


def _annotate_in_worker(texts: list[str], annotate: bool) -> Annotated:
    return _annotate(_worker["pipe"], texts, annotate)


def _annotate(pipe: Pipeline, texts: list[str], annotate: bool) -> Annotated:
    if annotate:
        return pipe.annotate_batch(texts)
    done: list[str | None] = [*pipe.batch(texts)]
    return Annotated(done, {})


def _print_default_config(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(default_config_toml(), nl=False)
    ctx.exit()


def _in_order(
    pipe: Pipeline,
    pool: Executor | None,
    workers: int,
    batches: Iterator[list[Record | BadRecord]],
    annotate: bool,
) -> Iterator[tuple[list[Record | BadRecord], Annotated]]:
    """``(batch, result)`` in input order; with a pool, at most ``2 * workers``
    batches are in flight, so memory stays bounded."""
    window: deque[tuple[list[Record | BadRecord], Future[Annotated]]] = deque()
    for batch in batches:
        texts = [item.text for item in batch if isinstance(item, Record)]
        if pool is None:
            yield batch, _annotate(pipe, texts, annotate)
            continue
        window.append((batch, pool.submit(_annotate_in_worker, texts, annotate)))
        if len(window) >= 2 * workers:
            done, future = window.popleft()
            yield done, future.result()
    while window:
        done, future = window.popleft()
        yield done, future.result()


@click.command("run")
@click.argument("pipeline_file", metavar="PIPELINE", type=click.Path(dir_okay=False))
@click.argument("inputs", nargs=-1, type=click.Path(allow_dash=True))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Output file (default stdout). Written atomically: it appears only on success.",
)
@click.option(
    "--format",
    "out_format",
    type=click.Choice(WRITE_FORMATS),
    help="Output format (default: .parquet/.txt suffix of -o, else jsonl).",
)
@text_field_option()
@errors_option()
@skip_bad_options()
@click.option(
    "--annotations/--no-annotations",
    default=True,
    show_default=True,
    help="Add the filters' zhnorm_* columns to each record (jsonl/parquet).",
)
@click.option(
    "--provenance", is_flag=True, help=f"Add the pipeline fingerprint as {FINGERPRINT_COLUMN}."
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=256,
    show_default=True,
    help="Records per batch.",
)
@click.option(
    "-j",
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes (output order is kept).",
)
@quiet_option()
@click.option(
    "--print-default-config",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_print_default_config,
    help="Print a commented starting PIPELINE file (TOML) and exit.",
)
def run(
    pipeline_file: str,
    inputs: tuple[str, ...],
    output: str | None,
    out_format: str | None,
    text_field: str,
    errors: str,
    skip_bad: bool,
    rejects: str | None,
    annotations: bool,
    provenance: bool,
    batch_size: int,
    workers: int,
    quiet: bool,
) -> None:
    """Run the PIPELINE configuration (TOML, YAML or JSON) over INPUTS: JSONL files
    (.gz/.zst too), Parquet files, .txt files (one document each) or directories of
    .txt files; stdin (JSONL) when no INPUTS are given.

    Every record is written, normalised, with its other fields unchanged; filters add
    zhnorm_* columns and zhnorm_flags, they never drop a record.  Bad records stop the
    run with file:line, or with --skip-bad go to a rejects file with the reason; the
    summary line always satisfies in = out + rejected.

    \b
    Examples:
      zhnorm run --print-default-config > pipeline.toml
      zhnorm run pipeline.toml corpus.jsonl -o clean.jsonl --skip-bad
      zhnorm run pipeline.toml shard-*.parquet -o clean.parquet -j 2
    """
    try:
        pipe = Pipeline.from_file(pipeline_file)
    except PipelineConfigError as exc:
        raise click.UsageError(str(exc)) from exc
    fmt = write_format(output, out_format)
    if fmt == "parquet" and output in (None, "-"):
        raise click.UsageError("Parquet output needs a file: -o OUTPUT.parquet")
    annotate = annotations and fmt != "txt" and bool(pipe.annotation_columns)
    bad = rejects_for(skip_bad, output, rejects)
    counts = RunCounts("run", rejects_path=bad.path)
    flagged: Counter[str] = Counter()
    progress = Progress("zhnorm run", quiet=quiet)
    try:
        with ExitStack() as stack:
            writer: Any = stack.enter_context(
                TextWriter(output) if fmt == "txt" else RecordWriter(output)
            )
            stack.enter_context(bad)
            pool = None
            if workers > 1:
                pool = stack.enter_context(
                    process_pool(workers, initializer=_init_worker, initargs=(pipe,))
                )
            records = iter_records(inputs or ("-",), text_field=text_field, errors=errors)
            batches = record_batches(records, batch_size, bad)
            for batch, result in _in_order(pipe, pool, workers, batches, annotate):
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
                    if fmt == "txt":
                        writer.write(text)
                    else:
                        if provenance:
                            row[FINGERPRINT_COLUMN] = pipe.fingerprint
                        writer.write({**with_text(item, text_field, text), **row})
                    counts.written += 1
                progress.update(len(batch))
    except InputError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        progress.close()
    counts.check()
    if pipe.annotation_columns:
        detail = ", ".join(f"{name} {n}" for name, n in sorted(flagged.items()))
        counts.notes.append(f"flags: {detail or 'none'}")
    counts.notes.append(f"pipeline {pipe.fingerprint}")
    click.echo(counts.summary(), err=True)
