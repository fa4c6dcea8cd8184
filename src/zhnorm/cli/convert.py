"""``zhnorm convert``: OpenCC script conversion of text files or JSONL records, streaming."""

from __future__ import annotations

import re

import click

from ..io import (
    AtomicOutput,
    RecordWriter,
    RunCounts,
    check_outputs,
    map_jsonl,
    rejects_for,
    text_inputs,
)
from ..script import CONFIG_NAMES, Converter
from ..script.dictionary import DictionaryFormatError
from .options import finish, record_stream_options

__all__ = ["convert"]


@click.command()
@click.option(
    "-c",
    "--config",
    default="s2t",
    show_default=True,
    help=f"OpenCC configuration: {', '.join(CONFIG_NAMES)} (a .json suffix is accepted).",
)
@record_stream_options("convert")
@click.option(
    "--user-dict",
    type=click.Path(exists=True, dir_okay=False),
    help="TSV of key<TAB>value entries that take precedence over the built-in dictionaries.",
)
@click.option(
    "--protect",
    multiple=True,
    metavar="REGEX",
    help="Regular expression whose matches pass through unconverted (repeatable).",
)
def convert(
    config: str,
    inputs: tuple[str, ...],
    output: str | None,
    jsonl: bool,
    text_field: str,
    user_dict: str | None,
    protect: tuple[str, ...],
    errors: str,
    encoding: str,
    skip_bad: bool,
    rejects: str | None,
    quiet: bool,
) -> None:
    """Convert INPUTS (files, also compressed, directories of .txt files, or stdin)
    between Chinese scripts, streaming.

    \b
    Examples:
      zhnorm convert -c s2t seeds/000_*.txt
      zhnorm convert -c t2s --jsonl --text-field text corpus.jsonl -o out.jsonl
    """
    try:
        patterns = [re.compile(p) for p in protect]
        converter = Converter(config, user_dict=user_dict, protect=patterns)
    except (ValueError, DictionaryFormatError, re.error) as exc:
        raise click.UsageError(str(exc)) from exc
    bad = rejects_for(skip_bad and jsonl, output, rejects)
    check_outputs(inputs, [output or "-", bad.path])
    counts = RunCounts("convert", rejects_path=bad.path)
    if jsonl:
        with RecordWriter(output, inputs=inputs) as records, bad:
            map_jsonl(
                lambda text, _file, _line: converter.convert(text),
                inputs,
                records,
                text_field=text_field,
                errors=errors,
                rejects=bad,
                counts=counts,
                encoding=encoding,
            )
        finish(counts)
        return
    with AtomicOutput(output) as out:
        for _name, chunks in text_inputs(inputs, errors, encoding=encoding):
            for converted in converter.iter_convert(chunks):
                out.write(converted)
