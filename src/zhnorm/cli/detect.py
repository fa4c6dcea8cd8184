"""``zhnorm detect``: the script of each input, or of each record with ``--jsonl``."""

from __future__ import annotations

import json

import click

from ..io import Record, RunCounts, iter_records, record_id, rejects_for, text_inputs
from ..script import detect_script
from .options import (
    encoding_option,
    errors_option,
    finish,
    id_field_option,
    quiet_option,
    records_by_name,
    skip_bad_options,
    text_field_option,
)

__all__ = ["detect"]


@click.command()
@click.argument("inputs", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input.")
@click.option(
    "--jsonl",
    is_flag=True,
    help="Inputs are records (JSONL, Parquet, .txt): one JSON line per record, with its id "
    "(implied when every input is named .jsonl/.ndjson/.json or .parquet).",
)
@text_field_option("Field to detect with --jsonl.")
@id_field_option()
@errors_option(None)
@encoding_option()
@skip_bad_options(
    "With --jsonl: reject bad records (with the reason) instead of failing.",
    "Where --skip-bad writes rejected records (default zhnorm.rejects.jsonl).",
)
@quiet_option()
def detect(
    inputs: tuple[str, ...],
    as_json: bool,
    jsonl: bool,
    text_field: str,
    id_field: str | None,
    errors: str,
    encoding: str,
    skip_bad: bool,
    rejects: str | None,
    quiet: bool,
) -> None:
    """Detect the script (simplified / traditional / mixed / none) of each input (files,
    also compressed, directories of .txt files, or stdin), or with --jsonl of each
    record: a bad record stops the run, naming its file and line, or with --skip-bad
    goes to the rejects file; the summary line says in = out + rejected.

    \b
    Examples:
      zhnorm detect seeds/
      zhnorm detect --jsonl --text-field body corpus.jsonl.gz
    """
    jsonl = records_by_name(inputs, jsonl, skip_bad)
    if jsonl:
        bad = rejects_for(skip_bad, None, rejects)
        counts = RunCounts("detect", rejects_path=bad.path)
        records = iter_records(
            inputs or ("-",),
            text_field=text_field,
            id_field=id_field,
            errors=errors,
            encoding=encoding,
        )
        with bad:
            for item in records:
                counts.read += 1
                if not isinstance(item, Record):
                    bad.add(item)  # without --skip-bad: raises InputError
                    counts.rejected += 1
                    continue
                found = detect_script(item.text).to_dict()
                line = {"id": record_id(item, id_field), "input": item.source, **found}
                click.echo(json.dumps(line, ensure_ascii=False))
                counts.written += 1
        counts.check()
        finish(counts)
        return
    for name, chunks in text_inputs(inputs, errors, encoding=encoding):
        report = detect_script("".join(chunks))
        if as_json:
            click.echo(json.dumps({"input": name, **report.to_dict()}, ensure_ascii=False))
        else:
            click.echo(
                f"{name}\t{report.script}\tsimplified-only={report.simplified}"
                f"\ttraditional-only={report.traditional}\than={report.han}"
                f"\tconfidence={report.confidence:.3f}"
            )
