"""``zhnorm run``: a pipeline configuration file applied to JSONL, Parquet or text files
(:func:`zhnorm.pipeline.run_files`)."""

from __future__ import annotations

import click

from ..io import WRITE_FORMATS, write_format
from ..pipeline import FINGERPRINT_COLUMN, Pipeline, PipelineConfigError, run_files
from ..pipeline.files import default_config_toml
from .options import (
    encoding_option,
    errors_option,
    finish,
    quiet_option,
    skip_bad_options,
    text_field_option,
    workers_option,
)

__all__ = ["run"]


def _print_default_config(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(default_config_toml(), nl=False)
    ctx.exit()


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
@encoding_option()
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
@workers_option("Worker processes (output order is kept).")
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
    encoding: str,
    skip_bad: bool,
    rejects: str | None,
    annotations: bool,
    provenance: bool,
    batch_size: int,
    workers: int,
    quiet: bool,
) -> None:
    """Run the PIPELINE configuration (TOML, YAML or JSON) over INPUTS: JSONL files
    (.gz/.zst/.bz2/.xz too), Parquet files, .txt files (one document each) or
    directories of them; stdin (JSONL) when no INPUTS are given.

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
    if write_format(output, out_format) == "parquet" and output in (None, "-"):
        raise click.UsageError("Parquet output needs a file: -o OUTPUT.parquet")
    counts = run_files(
        pipe, inputs, output, out_format=out_format, text_field=text_field, errors=errors,
        encoding=encoding, skip_bad=skip_bad, rejects=rejects, annotations=annotations,
        provenance=provenance, batch_size=batch_size, workers=workers, quiet=quiet,
    )  # fmt: skip
    finish(counts)
