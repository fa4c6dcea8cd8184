"""The ``zhnorm`` command line: a thin shell over the library."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import click

from . import __version__
from .io import AtomicOutput, BadRecord, InputError, dumps_record, open_input, read_jsonl
from .io import read_text_chunks as _read_chunks
from .script import CONFIG_NAMES, Converter, detect_script
from .script.dictionary import DictionaryFormatError

ERRORS = click.Choice(["strict", "replace"])


@dataclass
class Counts:
    read: int = 0
    written: int = 0
    rejected: int = 0
    rejects_path: str | None = None
    sources: list[str] = field(default_factory=list)

    def summary(self, command: str) -> str:
        text = (
            f"zhnorm {command}: {self.read} records in, {self.written} out, "
            f"{self.rejected} rejected"
        )
        if self.rejected and self.rejects_path:
            text += f" (see {self.rejects_path})"
        return text


def _fail(message: str) -> None:
    raise click.ClickException(message)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="zhnorm")
def main() -> None:
    """Chinese text normalisation: OpenCC-exact script conversion and script detection."""


def _text_chunks(inputs: tuple[str, ...], errors: str) -> Iterator[tuple[str, Iterator[str]]]:
    for path in inputs or ("-",):
        name, stream = open_input(path)
        try:
            yield name, _read_chunks(stream, name, errors=errors)
        finally:
            if path != "-":
                stream.close()


@main.command()
@click.option(
    "-c",
    "--config",
    default="s2t",
    show_default=True,
    help=f"OpenCC configuration: {', '.join(CONFIG_NAMES)} (a .json suffix is accepted).",
)
@click.argument("inputs", nargs=-1, type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Output file (default stdout). Written atomically: it appears only on success.",
)
@click.option("--jsonl", is_flag=True, help="Inputs are JSONL; convert one field per record.")
@click.option("--field", default="text", show_default=True, help="Field to convert with --jsonl.")
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
@click.option(
    "--errors",
    type=ERRORS,
    default="strict",
    show_default=True,
    help="Undecodable input bytes: fail with file and byte offset, or substitute U+FFFD.",
)
@click.option("--skip-bad", is_flag=True, help="With --jsonl: reject bad lines instead of failing.")
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False),
    help="Where --skip-bad writes rejected lines (default OUTPUT.rejects.jsonl).",
)
def convert(
    config: str,
    inputs: tuple[str, ...],
    output: str | None,
    jsonl: bool,
    field: str,
    user_dict: str | None,
    protect: tuple[str, ...],
    errors: str,
    skip_bad: bool,
    rejects: str | None,
) -> None:
    """Convert INPUTS (files, or stdin) between Chinese scripts, streaming.

    \b
    Examples:
      zhnorm convert -c s2t seeds/000_*.txt
      zhnorm convert -c t2s --jsonl --field text corpus.jsonl -o out.jsonl
    """
    import re

    try:
        patterns = [re.compile(p) for p in protect]
        converter = Converter(config, user_dict=user_dict, protect=patterns)
    except (ValueError, DictionaryFormatError, re.error) as exc:
        raise click.UsageError(str(exc)) from exc
    counts = Counts()
    try:
        with AtomicOutput(output) as out:
            if jsonl:
                _convert_jsonl(
                    converter, inputs, out, field, errors, skip_bad, rejects, output, counts
                )
            else:
                for _name, chunks in _text_chunks(inputs, errors):
                    for converted in converter.iter_convert(chunks):
                        out.write(converted)
    except InputError as exc:
        _fail(str(exc))
    if jsonl:
        click.echo(counts.summary("convert"), err=True)


def _convert_jsonl(
    converter: Converter,
    inputs: tuple[str, ...],
    out: AtomicOutput,
    field: str,
    errors: str,
    skip_bad: bool,
    rejects: str | None,
    output: str | None,
    counts: Counts,
) -> None:
    if skip_bad and rejects is None:
        rejects = (
            (output + ".rejects.jsonl") if output and output != "-" else "zhnorm.rejects.jsonl"
        )
    counts.rejects_path = rejects
    with ExitStack() as stack:
        reject_out: AtomicOutput | None = None
        if skip_bad:
            reject_out = stack.enter_context(AtomicOutput(rejects))
        for path in inputs or ("-",):
            name, stream = open_input(path)
            if path != "-":
                stack.callback(stream.close)
            for item in read_jsonl(stream, name, field=field, errors=errors):
                counts.read += 1
                if isinstance(item, BadRecord):
                    if reject_out is None:
                        raise InputError(
                            f"{item.source}:{item.line}: {item.reason} "
                            "(use --skip-bad to write bad lines to a rejects file)"
                        )
                    reject_out.write(dumps_record(item.to_dict()))
                    counts.rejected += 1
                    continue
                item[field] = converter.convert(item[field])
                out.write(dumps_record(item))
                counts.written += 1
    assert counts.read == counts.written + counts.rejected


@main.command()
@click.argument("inputs", nargs=-1, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input.")
@click.option("--errors", type=ERRORS, default="strict", show_default=True)
def detect(inputs: tuple[str, ...], as_json: bool, errors: str) -> None:
    """Detect the script (simplified / traditional / mixed / none) of each input."""
    try:
        for name, chunks in _text_chunks(inputs, errors):
            report = detect_script("".join(chunks))
            if as_json:
                click.echo(json.dumps({"input": name, **report.to_dict()}, ensure_ascii=False))
            else:
                click.echo(
                    f"{name}\t{report.script}\tsimplified-only={report.simplified}"
                    f"\ttraditional-only={report.traditional}\than={report.han}"
                    f"\tconfidence={report.confidence:.3f}"
                )
    except InputError as exc:
        _fail(str(exc))


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False),
    default="build/summary",
    show_default=True,
    help="Where the converted copies are written.",
)
def summary(inputs: tuple[str, ...], output_dir: str) -> None:
    """Summarise documents: script detected, and a copy converted to the other script.

    INPUTS are files or directories (their *.txt files)."""
    files: list[Path] = []
    for item in map(Path, inputs):
        files.extend(sorted(item.glob("*.txt")) if item.is_dir() else [item])
    target = Path(output_dir)
    target.mkdir(parents=True, exist_ok=True)
    for path in files:
        try:
            with path.open("rb") as stream:
                text = "".join(_read_chunks(stream, str(path)))
        except InputError as exc:
            _fail(str(exc))
        report = detect_script(text)
        config = {"simplified": "s2t", "traditional": "t2s"}.get(report.script)
        click.echo(f"{path.name}")
        click.echo(
            f"  script: {report.script}  (simplified-only chars {report.simplified}, "
            f"traditional-only {report.traditional}, Han {report.han}, "
            f"confidence {report.confidence:.3f})"
        )
        if config is None:
            click.echo("  no conversion: the script is not clear-cut")
            continue
        converter = Converter(config)
        started = time.perf_counter()
        converted = converter.convert(text)
        elapsed = time.perf_counter() - started
        changed = sum(a != b for a, b in zip(text, converted, strict=False))
        out_path = target / f"{path.stem}.{config}.txt"
        with AtomicOutput(str(out_path)) as out:
            out.write(converted)
        first = next((line for line in converted.splitlines() if line.strip()), "")
        click.echo(
            f"  {config}: {changed} of {len(text)} characters changed in {elapsed * 1000:.1f} ms"
            f" -> {out_path}"
        )
        click.echo(f"  first line: {first[:60]}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
