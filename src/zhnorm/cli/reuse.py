"""``zhnorm reuse``: passages shared between JSONL, Parquet or text records."""

from __future__ import annotations

import click

from ..textreuse.corpus import ReuseOptions
from ..textreuse.files import reuse_files
from .options import MIN_LEN, PASSAGE_THRESHOLD, finish, record_options

__all__ = ["reuse_command"]


@click.command("reuse")
@record_options
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Passages (JSONL, default stdout): one line per shared passage.",
)
@click.option(
    "--source-field",
    help="Field naming each record's outlet: only passages across different outlets.",
)
@click.option("--html", "html_path", type=click.Path(dir_okay=False), help="Write an HTML report.")
@click.option(
    "--stories",
    "stories_path",
    type=click.Path(dir_okay=False),
    help="Write the overlapping-story clusters (JSONL: story, docs, passages).",
)
@MIN_LEN
@PASSAGE_THRESHOLD
@click.option(
    "--max-df",
    type=click.IntRange(min=2),
    default=ReuseOptions.max_df,
    show_default=True,
    help="Shingles in more documents are common phrases: no evidence of reuse.",
)
def reuse_command(
    inputs: tuple[str, ...],
    text_field: str,
    id_field: str | None,
    errors: str,
    encoding: str,
    skip_bad: bool,
    rejects: str | None,
    quiet: bool,
    output: str | None,
    source_field: str | None,
    html_path: str | None,
    stories_path: str | None,
    min_len: int,
    threshold: float,
    max_df: int,
) -> None:
    """Find passages shared between documents of INPUTS (JSONL, .gz/.zst/.bz2/.xz, Parquet, .txt
    files or directories; stdin JSONL by default), across scripts and repairs, and
    group the documents into overlapping-story clusters.

    Each output line: {"a_id", "b_id", "a_start", "a_end", "b_start", "b_end", "score",
    "a_text", "b_text", "story"}, offsets in code points of each record's original text
    field.  Line n is passage n of the --html report.

    \b
    Examples:
      zhnorm reuse corpus.jsonl -o passages.jsonl --html report.html
      zhnorm reuse a.jsonl b.jsonl --id-field url --source-field site -o passages.jsonl
    """
    counts = reuse_files(
        inputs,
        output,
        html=html_path,
        stories=stories_path,
        source_field=source_field,
        min_len=min_len,
        threshold=threshold,
        max_df=max_df,
        text_field=text_field,
        id_field=id_field,
        errors=errors,
        encoding=encoding,
        skip_bad=skip_bad,
        rejects=rejects,
        quiet=quiet,
    )
    finish(counts)
