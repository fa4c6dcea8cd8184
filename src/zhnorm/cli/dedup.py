"""``zhnorm dedup``: remove near-duplicate documents from JSONL, Parquet or text files,
in this process (:func:`zhnorm.neardup.files.dedup_files`) or on Spark
(:func:`zhnorm.spark.dedup_files`)."""

from __future__ import annotations

import click

from ..io import InputError
from ..key import KeyOptions
from ..neardup.files import dedup_files
from ..neardup.index import IndexParamsError
from ..neardup.params import DEFAULT_THRESHOLD, MinHashParams
from .options import (
    encoding_option,
    errors_option,
    finish,
    id_field_option,
    key_option,
    quiet_option,
    skip_bad_options,
    text_field_option,
    workers_option,
)

__all__ = ["dedup"]


@click.command("dedup")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Kept records, all fields unchanged: JSONL, or Parquet for a .parquet name.",
)
@click.option(
    "--clusters",
    type=click.Path(dir_okay=False, allow_dash=True),
    help='One JSON line per input record: {"id", "cluster", "duplicate_of", "similarity"}.',
)
@click.option("--pairs", type=click.Path(dir_okay=False), help="Every verified pair (why merged).")
@click.option(
    "--threshold",
    type=click.FloatRange(0.0, 1.0, min_open=True, max_open=True),
    help="Exact Jaccard similarity of shingle sets at which documents merge "
    f"[default {DEFAULT_THRESHOLD}].",
)
@click.option(
    "--ngram", type=click.IntRange(1, 64), help="Characters (or words) per shingle [default 2]."
)
@click.option(
    "--words",
    is_flag=True,
    default=None,
    help="Shingles of words (jieba, extra 'words') instead of characters.",
)
@click.option(
    "--num-perm", type=click.IntRange(2, 1 << 16), help="MinHash permutations [default 128]."
)
@click.option("--seed", type=click.IntRange(0, (1 << 32) - 1), help="Permutation seed [default 1].")
@click.option(
    "--keep",
    default="first",
    show_default=True,
    help="Member kept per cluster: first, longest, or a FIELD (its smallest value, e.g. a date).",
)
@click.option(
    "--index",
    "index_path",
    type=click.Path(dir_okay=False),
    help="SQLite index of earlier runs: documents matching it are removed, and this run's "
    "documents are added to it.",
)
@text_field_option()
@id_field_option(
    "Field holding the record id [default: the 'id' field when present, else file:line]."
)
@workers_option("Processes for keys, signatures and exact verification (the result is the same).")
@key_option
@skip_bad_options(
    "Reject bad records (malformed, without the text field, repeating an earlier id) "
    "to the rejects file, with the reason, instead of failing at the first one.",
)
@click.option(
    "--tmp-dir",
    type=click.Path(file_okay=False),
    help="An existing directory for the spools of a local run (keys, ids, signatures) "
    "and Spark's scratch [default: the output's directory; for -o - that of "
    "--clusters/--pairs, else TMPDIR]; a killed run's leftovers there are removed.",
)
@errors_option(None)
@encoding_option()
@click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    default="local",
    show_default=True,
    help="local: this process (--workers, --index); spark: Apache Spark (extra 'spark'), "
    "JSONL or Parquet files or directories in, directories of part files out.",
)
@click.option(
    "--master",
    default="local[2]",
    show_default=True,
    help="Spark master for --engine spark: local[N], spark://HOST:PORT, yarn, k8s://...",
)
@quiet_option("--quiet", "-q")
def dedup(
    inputs: tuple[str, ...],
    output: str,
    clusters: str | None,
    pairs: str | None,
    threshold: float | None,
    ngram: int | None,
    words: bool | None,
    num_perm: int | None,
    seed: int | None,
    keep: str,
    index_path: str | None,
    text_field: str,
    id_field: str | None,
    workers: int,
    key: KeyOptions | None,
    rejects: str | None,
    skip_bad: bool,
    tmp_dir: str | None,
    errors: str,
    encoding: str,
    quiet: bool,
    engine: str,
    master: str,
) -> None:
    """Remove near-duplicate documents: MinHash + LSH candidates, exact verification,
    clusters.  INPUTS are JSONL (.gz/.zst/.bz2/.xz), Parquet, .txt files or directories
    of them (read recursively; Spark part-* files are JSONL).

    \b
    Examples:
      zhnorm dedup news.jsonl -o kept.jsonl --clusters clusters.jsonl
      zhnorm dedup part-*.parquet -o kept.parquet --keep date --workers 2
      zhnorm dedup today.jsonl -o new.jsonl --index seen.sqlite
    """
    if engine == "spark" and index_path is not None:
        raise click.UsageError("--index works with the local engine only")
    if engine == "spark" and key is not None:
        raise click.UsageError("--key works with the local engine only")
    chosen = {"num_perm": num_perm, "ngram": ngram, "seed": seed, "words": words}
    explicit = {name: value for name, value in chosen.items() if value is not None}
    try:
        params = MinHashParams(**{**MinHashParams().to_dict(), **explicit})
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    try:
        if engine == "spark":
            from ..spark import dedup_files as spark_dedup_files

            counts = spark_dedup_files(
                inputs, output, clusters, master=master, pairs=pairs, keep=keep,
                threshold=DEFAULT_THRESHOLD if threshold is None else threshold, params=params,
                text_field=text_field, id_field=id_field, rejects=rejects, errors=errors,
                skip_bad=skip_bad, tmp_dir=tmp_dir, encoding=encoding,
            )  # fmt: skip
        else:  # outputs checked, then the index opened and locked, then the inputs read
            counts = dedup_files(
                inputs, output, clusters, pairs=pairs, keep=keep, index=index_path,
                threshold=threshold, params=params if explicit else None,
                text_field=text_field, id_field=id_field, workers=workers, rejects=rejects,
                skip_bad=skip_bad, errors=errors, encoding=encoding, quiet=quiet,
                tmp_dir=tmp_dir, key=key,
            )  # fmt: skip
    except IndexParamsError as exc:
        raise click.UsageError(str(exc)) from exc
    except (ImportError, InputError) as exc:
        raise click.ClickException(str(exc)) from exc
    finish(counts)
