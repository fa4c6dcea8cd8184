"""``zhnorm run``: a pipeline configuration file applied to JSONL, Parquet or text files,
streaming, with the rejects and atomic-output rules of the other record commands."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from typing import Any

import click

from ..io import (
    AtomicOutput,
    BadRecord,
    InputError,
    Progress,
    Record,
    RecordWriter,
    dumps_record,
    iter_records,
)
from ..pipeline import FINGERPRINT_COLUMN, FLAGS_COLUMN, Annotated, Pipeline, PipelineConfigError
from ..pipeline.files import default_config_toml
from ._base import ERRORS, Counts, main

__all__ = ["run"]

FORMATS = ("jsonl", "parquet", "txt")

# The pipeline of a worker process of ``--workers``, set once by the pool initializer
# (so it is unpickled once per process, not once per batch).
_worker: dict[str, Pipeline] = {}


def _init_worker(pipe: Pipeline) -> None:
    _worker["pipe"] = pipe


def _annotate_in_worker(texts: list[str], annotate: bool) -> Annotated:
    return _annotate_local(_worker["pipe"], texts, annotate)


def _print_default_config(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(default_config_toml(), nl=False)
    ctx.exit()


def _chunks(
    items: Iterable[Record | BadRecord], size: int, skip_bad: bool
) -> Iterator[list[Record | BadRecord]]:
    """Batches of ``size`` items; a bad record is fatal here, before any work is sent
    out, unless ``skip_bad``."""
    chunk: list[Record | BadRecord] = []
    for item in items:
        if isinstance(item, BadRecord) and not skip_bad:
            raise InputError(
                f"{item.source}:{item.line}: {item.reason} "
                "(use --skip-bad to write bad records to a rejects file)"
            )
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _output_format(output: str | None, chosen: str | None) -> str:
    if chosen is not None:
        return chosen
    if output and output.endswith(".parquet"):
        return "parquet"
    if output and output.endswith(".txt"):
        return "txt"
    return "jsonl"


class _TextWriter:
    """Each document's text, ending with a newline (added when missing)."""

    def __init__(self, path: str | None) -> None:
        self._out = AtomicOutput(path)

    def write(self, text: str) -> None:
        self._out.write(text if text.endswith("\n") else text + "\n")

    def __enter__(self) -> _TextWriter:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._out.__exit__(*exc_info)


@main.command("run")
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
    type=click.Choice(FORMATS),
    help="Output format (default: .parquet/.txt suffix of -o, else jsonl).",
)
@click.option(
    "--field", default="text", show_default=True, help="Text field of JSONL/Parquet records."
)
@click.option(
    "--errors",
    type=ERRORS,
    default="strict",
    show_default=True,
    help="Undecodable input bytes: fail with file and offset, or substitute U+FFFD.",
)
@click.option(
    "--skip-bad", is_flag=True, help="Reject bad records (with the reason) instead of failing."
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False),
    help="Where --skip-bad writes rejected records (default OUTPUT.rejects.jsonl).",
)
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
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
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
    field: str,
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
    fmt = _output_format(output, out_format)
    if fmt == "parquet" and output in (None, "-"):
        raise click.UsageError("Parquet output needs a file: -o OUTPUT.parquet")
    annotate = annotations and fmt != "txt" and bool(pipe.annotation_columns)
    if skip_bad and rejects is None:
        rejects = f"{output}.rejects.jsonl" if output not in (None, "-") else "zhnorm.rejects.jsonl"
    counts = Counts(rejects_path=rejects)
    flagged: Counter[str] = Counter()
    progress = Progress("zhnorm run", quiet=quiet)
    try:
        with ExitStack() as stack:
            writer: Any = stack.enter_context(
                _TextWriter(output) if fmt == "txt" else RecordWriter(output)
            )
            reject_out = stack.enter_context(AtomicOutput(rejects)) if skip_bad else None
            pool = None
            if workers > 1:
                pool = stack.enter_context(
                    ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(pipe,))
                )
            records = iter_records(inputs or ("-",), text_field=field, errors=errors)
            chunks = _chunks(records, batch_size, skip_bad)
            for chunk, result in _process(pipe, pool, workers, chunks, annotate):
                good = 0
                for item in chunk:
                    counts.read += 1
                    if isinstance(item, BadRecord):
                        counts.rejected += 1
                        assert reject_out is not None
                        reject_out.write(dumps_record(item.to_dict()))
                        continue
                    text = result.texts[good]
                    assert text is not None
                    row = {name: values[good] for name, values in result.annotations.items()}
                    good += 1
                    flagged.update(row.get(FLAGS_COLUMN) or ())
                    if fmt == "txt":
                        writer.write(text)
                    else:
                        writer.write(_output_record(item, field, text, row, provenance, pipe))
                    counts.written += 1
                progress.update(len(chunk))
    except InputError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        progress.close()
    assert counts.read == counts.written + counts.rejected
    summary = counts.summary("run")
    if pipe.annotation_columns:
        detail = ", ".join(f"{name} {n}" for name, n in sorted(flagged.items()))
        summary += f"; flags: {detail or 'none'}"
    click.echo(f"{summary}; pipeline {pipe.fingerprint}", err=True)


def _output_record(
    record: Record,
    field: str,
    text: str,
    annotations: dict[str, Any],
    provenance: bool,
    pipe: Pipeline,
) -> dict[str, Any]:
    data = dict(record.data)
    data[field if field in data else "text"] = text
    data.update(annotations)
    if provenance:
        data[FINGERPRINT_COLUMN] = pipe.fingerprint
    return data


def _process(
    pipe: Pipeline,
    pool: ProcessPoolExecutor | None,
    workers: int,
    chunks: Iterator[list[Record | BadRecord]],
    annotate: bool,
) -> Iterator[tuple[list[Record | BadRecord], Annotated]]:
    """``(chunk, result)`` in input order; with a pool, at most ``2 * workers``
    batches are in flight, so memory stays bounded."""
    window: deque[tuple[list[Record | BadRecord], Future[Annotated]]] = deque()
    for chunk in chunks:
        texts = [item.text for item in chunk if isinstance(item, Record)]
        if pool is None:
            yield chunk, _annotate_local(pipe, texts, annotate)
            continue
        window.append((chunk, pool.submit(_annotate_in_worker, texts, annotate)))
        if len(window) >= 2 * workers:
            done, future = window.popleft()
            yield done, future.result()
    while window:
        done, future = window.popleft()
        yield done, future.result()


def _annotate_local(pipe: Pipeline, texts: list[str], annotate: bool) -> Annotated:
    if annotate:
        return pipe.annotate_batch(texts)
    done: list[str | None] = [*pipe.batch(texts)]
    return Annotated(done, {})
