"""``zhnorm reuse``: passages shared between JSONL, Parquet or text records."""

from __future__ import annotations

from typing import Any

import click

from ..key import KeyOptions
from ..textreuse.corpus import ReuseOptions
from ..textreuse.files import MetaFields, reuse_files
from .options import (
    finish,
    passage_options,
    record_options,
    spark_options,
    workers_option,
)

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
    help="Field naming each record's outlet: only passages across different outlets, "
    "furniture found per outlet.",
)
@click.option(
    "--date-field",
    help="Field giving each record's date (2017-06-29 14:03, 2017/11/26 10:00, ISO 8601, "
    "epoch seconds): stories keep within --window-days, passages say who printed first.",
)
@click.option("--title-field", help="Field giving each record's title (story evidence, reports).")
@click.option(
    "--ignore-bad-dates",
    is_flag=True,
    help="A record whose date cannot be read is kept undated (counted) instead of rejected.",
)
@click.option("--html", "html_path", type=click.Path(dir_okay=False), help="Write an HTML report.")
@click.option(
    "--stories",
    "stories_path",
    type=click.Path(dir_okay=False),
    help="Write the stories (JSONL: story, title, outlets, first/last date, members, clusters).",
)
@click.option(
    "--clusters",
    "clusters_path",
    type=click.Path(dir_okay=False),
    help="Write the passage clusters (JSONL: one text printed by several documents, "
    "its likely source and who follows whom).",
)
@click.option(
    "--furniture",
    "furniture_path",
    type=click.Path(dir_okay=False),
    help="Write the furniture set apart (JSONL: per outlet, text, documents, share).",
)
@passage_options
@click.option(
    "--min-significance",
    type=click.FloatRange(0.0, 1.0),
    default=ReuseOptions.min_significance,
    show_default=True,
    help="Passages holding less rare text are coincidence, not reuse (0 keeps all).",
)
@click.option(
    "--event-similarity",
    type=click.FloatRange(0.0, 1.0, min_open=True),
    default=ReuseOptions.event_similarity,
    show_default=True,
    help="Story similarity at which two articles are as likely as not one event "
    "(lower: larger stories).",
)
@click.option(
    "--story-support",
    type=click.FloatRange(0.0, 1.0, min_open=True),
    default=ReuseOptions.story_support,
    show_default=True,
    help="Mean weight a story member needs to the other members.",
)
@click.option(
    "--window-days",
    type=click.FloatRange(min=0.0),
    default=ReuseOptions.window_days,
    show_default=True,
    help="Longest time one story may span (with --date-field).",
)
@click.option(
    "--keep-furniture",
    is_flag=True,
    help="Do not set furniture apart before the search.",
)
@click.option(
    "--max-df",
    type=click.IntRange(min=2),
    default=ReuseOptions.max_df,
    show_default=True,
    help="Shingles in more documents are common phrases: no evidence of reuse.",
)
@workers_option(
    "Processes keying the records, finding furniture, hashing, counting candidate pairs,"
    " aligning them and searching story candidates (the output is the same)."
)
@click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    default="local",
    show_default=True,
    help="local: this process (--workers, --html); spark: Apache Spark (extra 'spark'), "
    "JSONL or text files in, directories of JSONL part files out (the same lines).",
)
@spark_options
def reuse_command(
    inputs: tuple[str, ...],
    text_field: str,
    id_field: str | None,
    errors: str,
    encoding: str,
    skip_bad: bool,
    rejects: str | None,
    quiet: bool,
    key: KeyOptions | None,
    workers: int,
    output: str | None,
    source_field: str | None,
    date_field: str | None,
    title_field: str | None,
    ignore_bad_dates: bool,
    html_path: str | None,
    stories_path: str | None,
    clusters_path: str | None,
    furniture_path: str | None,
    min_len: int,
    threshold: float,
    min_significance: float,
    event_similarity: float,
    story_support: float,
    window_days: float,
    keep_furniture: bool,
    max_df: int,
    engine: str,
    master: str,
    spark_conf: dict[str, str],
) -> None:
    """Find passages shared between documents of INPUTS (JSONL, .gz/.zst/.bz2/.xz, Parquet, .txt
    files or directories; stdin JSONL by default), across scripts and repairs, group
    each text printed by several documents into a passage cluster with its likely
    source, and the articles reporting one event into stories.  Furniture (text an
    outlet repeats in many articles) is set apart first.

    Each output line: {"a_id", "b_id", "a_start", "a_end", "b_start", "b_end", "score",
    "significance", "a_text", "b_text", "story", "cluster", "a_source", "b_source",
    "a_date", "b_date", "direction"}, offsets in code points of each record's original
    text field.

    \b
    Examples:
      zhnorm reuse corpus.jsonl -o passages.jsonl --html report.html
      zhnorm reuse news/ --id-field url --source-field site --date-field date \\
          --title-field title --stories stories.jsonl -o passages.jsonl
    """
    if engine == "spark":
        counts = _spark_reuse(locals())
        finish(counts)
        return
    if spark_conf:
        raise click.UsageError("--spark-conf works with --engine spark only")
    counts = reuse_files(
        inputs,
        output,
        html=html_path,
        stories=stories_path,
        clusters=clusters_path,
        furniture=furniture_path,
        fields=MetaFields(source_field, date_field, title_field, ignore_bad_dates),
        min_len=min_len,
        threshold=threshold,
        min_significance=min_significance,
        event_similarity=event_similarity,
        story_support=story_support,
        window_days=window_days,
        mask_furniture=not keep_furniture,
        max_df=max_df,
        text_field=text_field,
        id_field=id_field,
        errors=errors,
        encoding=encoding,
        skip_bad=skip_bad,
        rejects=rejects,
        quiet=quiet,
        key=key,
        workers=workers,
    )
    finish(counts)


def _spark_reuse(given: dict[str, Any]) -> Any:
    """``--engine spark``: :func:`zhnorm.spark.reuse_files` with the same options."""
    from ..io import InputError

    if given["html_path"] is not None:
        raise click.UsageError("--html works with the local engine only")
    if given["output"] in (None, "-"):
        raise click.UsageError("--engine spark writes a directory: give -o")
    from ..spark._reuse_files import reuse_files as spark_reuse_files

    try:
        return spark_reuse_files(
            given["inputs"], given["output"], stories=given["stories_path"],
            clusters=given["clusters_path"], furniture=given["furniture_path"],
            fields=MetaFields(given["source_field"], given["date_field"],
                              given["title_field"], given["ignore_bad_dates"]),
            min_len=given["min_len"], threshold=given["threshold"],
            min_significance=given["min_significance"],
            event_similarity=given["event_similarity"], story_support=given["story_support"],
            window_days=given["window_days"], mask_furniture=not given["keep_furniture"],
            max_df=given["max_df"], text_field=given["text_field"], id_field=given["id_field"],
            errors=given["errors"], encoding=given["encoding"], skip_bad=given["skip_bad"],
            rejects=given["rejects"], key=given["key"], master=given["master"],
            spark_conf=given["spark_conf"],
        )  # fmt: skip
    except (ImportError, InputError) as exc:
        raise click.ClickException(str(exc)) from exc
