"""``zhnorm paragraphs``: repeated paragraphs of JSONL, Parquet or text records."""

from __future__ import annotations

import click

from ..key import KeyOptions
from ..textreuse.furniture import FurnitureOptions
from ..textreuse.paragraph_files import paragraphs_files
from ..textreuse.repeats import RepeatOptions
from .options import finish, record_options

__all__ = ["paragraphs_command"]


@click.command("paragraphs")
@record_options
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Report (JSONL, default stdout): one line per repeat group, furniture paragraph "
    "and document kept whole.",
)
@click.option(
    "--drop-repeats",
    is_flag=True,
    help="Write the records without repeated paragraphs (first occurrences kept) to -O.",
)
@click.option(
    "-O",
    "--clean-output",
    type=click.Path(dir_okay=False),
    help="Where --drop-repeats writes the records (JSONL, or Parquet for .parquet).",
)
@click.option(
    "--drop-furniture",
    is_flag=True,
    help="With --drop-repeats, also remove furniture (text recurring across many records "
    "of one source) from the records written to -O.",
)
@click.option(
    "--source-field",
    help="Field naming each record's outlet: furniture is found per outlet (and set "
    "phrases across outlets); without it the input is one source.",
)
@click.option(
    "--furniture-docs",
    type=click.IntRange(min=2),
    default=FurnitureOptions.min_docs,
    show_default=True,
    help="Text in at least this many records of a source (and --furniture-share of them) "
    "is furniture.",
)
@click.option(
    "--furniture-share",
    type=click.FloatRange(0.0, 1.0),
    default=FurnitureOptions.min_share,
    show_default=True,
    help="Least share of a source's records furniture is found in.",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0.5, 1.0),
    default=RepeatOptions.threshold,
    show_default=True,
    help="Key similarity of near-duplicate paragraphs (1.0: exact repeats only).",
)
@click.option(
    "--boilerplate-docs",
    type=click.IntRange(min=2),
    default=RepeatOptions.boilerplate_docs,
    show_default=True,
    help="A paragraph in at least this many documents is reported as boilerplate.",
)
def paragraphs_command(
    inputs: tuple[str, ...],
    text_field: str,
    id_field: str | None,
    errors: str,
    encoding: str,
    skip_bad: bool,
    rejects: str | None,
    quiet: bool,
    key: KeyOptions | None,
    output: str | None,
    drop_repeats: bool,
    clean_output: str | None,
    drop_furniture: bool,
    source_field: str | None,
    furniture_docs: int,
    furniture_share: float,
    threshold: float,
    boilerplate_docs: int,
) -> None:
    """Find paragraphs repeated within documents and across INPUTS (JSONL, .gz/.zst/.bz2/.xz,
    Parquet, .txt files or directories of them; stdin JSONL by default).

    Paragraphs are split after repair (a paragraph broken across columns is one; any
    line break counts, a lone \\r too; a text without breaks is split into sentences)
    and compared on their matching keys.  With --drop-repeats, every repeat after its
    first occurrence is removed; a document that would lose every paragraph is written
    unchanged and reported ("kept-whole"), never emptied silently.

    Furniture (share lines, bylines, photo credits, app promotions: text recurring in
    many records of one source, per --source-field) is reported as "furniture" records
    with their occurrences, and a "furniture-summary" record per source (its share of
    characters).  -O keeps furniture unless --drop-furniture is given.

    \b
    Examples:
      zhnorm paragraphs seeds/ -o repeats.jsonl
      zhnorm paragraphs news.jsonl -o repeats.jsonl --source-field site
      zhnorm paragraphs corpus.jsonl -o repeats.jsonl --drop-repeats -O clean.jsonl
    """
    if drop_repeats and not clean_output:
        raise click.UsageError("--drop-repeats needs -O CLEAN.jsonl")
    if drop_furniture and not drop_repeats:
        raise click.UsageError("--drop-furniture needs --drop-repeats -O CLEAN.jsonl")
    counts = paragraphs_files(
        inputs,
        output,
        clean_output=clean_output if drop_repeats else None,
        furniture_options=FurnitureOptions(min_docs=furniture_docs, min_share=furniture_share),
        drop_furniture=drop_furniture,
        source_field=source_field,
        threshold=threshold,
        boilerplate_docs=boilerplate_docs,
        text_field=text_field,
        id_field=id_field,
        errors=errors,
        encoding=encoding,
        skip_bad=skip_bad,
        rejects=rejects,
        quiet=quiet,
        key=key,
    )
    finish(counts)
