"""The ``zhnorm`` command line: a thin shell over the library."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from .._version import __version__
from ..io import AtomicOutput, BadRecord, InputError, dumps_record, open_input, read_jsonl
from ..io import read_text_chunks as _read_chunks
from ..script import CONFIG_NAMES, Converter, detect_script
from ..script.dictionary import DictionaryFormatError

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


F = TypeVar("F", bound=Callable[..., Any])


def _record_io_options(verb: str) -> Callable[[F], F]:
    """INPUTS, -o, --jsonl/--field, --errors, --skip-bad/--rejects: shared by the
    commands that stream documents to an output."""
    options = [
        click.argument("inputs", nargs=-1, type=click.Path(dir_okay=False, allow_dash=True)),
        click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False, allow_dash=True),
            help="Output file (default stdout). Written atomically: it appears only on success.",
        ),
        click.option(
            "--jsonl", is_flag=True, help=f"Inputs are JSONL; {verb} one field per record."
        ),
        click.option(
            "--field", default="text", show_default=True, help=f"Field to {verb} with --jsonl."
        ),
        click.option(
            "--errors",
            type=ERRORS,
            default="strict",
            show_default=True,
            help="Undecodable input bytes: fail with file and byte offset, or substitute U+FFFD.",
        ),
        click.option(
            "--skip-bad", is_flag=True, help="With --jsonl: reject bad lines instead of failing."
        ),
        click.option(
            "--rejects",
            type=click.Path(dir_okay=False),
            help="Where --skip-bad writes rejected lines (default OUTPUT.rejects.jsonl).",
        ),
    ]

    def decorate(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


@main.command()
@click.option(
    "-c",
    "--config",
    default="s2t",
    show_default=True,
    help=f"OpenCC configuration: {', '.join(CONFIG_NAMES)} (a .json suffix is accepted).",
)
@_record_io_options("convert")
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
                _map_jsonl(
                    lambda text: (converter.convert(text), []),
                    None,
                    inputs,
                    out,
                    field,
                    errors,
                    skip_bad,
                    rejects,
                    output,
                    counts,
                )
            else:
                for _name, chunks in _text_chunks(inputs, errors):
                    for converted in converter.iter_convert(chunks):
                        out.write(converted)
    except InputError as exc:
        _fail(str(exc))
    if jsonl:
        click.echo(counts.summary("convert"), err=True)


def _map_jsonl(
    transform: Callable[[str], tuple[str, list[dict[str, Any]]]],
    record_steps: Callable[[str, int | None, list[dict[str, Any]]], None] | None,
    inputs: tuple[str, ...],
    out: AtomicOutput,
    field: str,
    errors: str,
    skip_bad: bool,
    rejects: str | None,
    output: str | None,
    counts: Counts,
) -> None:
    """Stream JSONL records through ``transform`` (applied to ``field``)."""
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
            for lineno, item in read_jsonl(stream, name, field=field, errors=errors):
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
                item[field], steps = transform(item[field])
                if record_steps is not None:
                    record_steps(name, lineno, steps)
                out.write(dumps_record(item))
                counts.written += 1
    assert counts.read == counts.written + counts.rejected


def _fix_config(disable: tuple[str, ...], aggressive_ruby: bool) -> Any:
    from ..repair import FIXER_ORDER, FixConfig

    unknown = set(disable) - set(FIXER_ORDER)
    if unknown:
        raise click.UsageError(
            f"unknown fixer(s) {', '.join(sorted(unknown))}; valid: {', '.join(FIXER_ORDER)}"
        )
    switches: dict[str, Any] = {name: False for name in disable}
    return FixConfig.from_dict({**switches, "ruby_aggressive": aggressive_ruby})


@main.command()
@_record_io_options("repair")
@click.option(
    "--explain", is_flag=True, help="Write every repair step as a JSON line to --explain-file."
)
@click.option(
    "--explain-file",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Where --explain writes (default OUTPUT.explain.jsonl, or stderr).",
)
@click.option(
    "--to",
    "target",
    metavar="SCRIPT",
    help="After repair, convert to simplified/traditional/tw/hk or an OpenCC config.",
)
@click.option(
    "--disable",
    multiple=True,
    metavar="FIXER",
    help="Switch a fixer off (repeatable): clutter, mojibake, byteshift, ruby, layout.",
)
@click.option(
    "--aggressive-ruby",
    is_flag=True,
    help="Remove pinyin readings even where the document-level gate does not fire.",
)
def fix(
    inputs: tuple[str, ...],
    output: str | None,
    jsonl: bool,
    field: str,
    explain: bool,
    explain_file: str | None,
    target: str | None,
    disable: tuple[str, ...],
    aggressive_ruby: bool,
    errors: str,
    skip_bad: bool,
    rejects: str | None,
) -> None:
    """Repair damaged Chinese text: mojibake, GBK byte-shift garble, leaked pinyin,
    HTML/Unicode clutter, broken layout.  A text file is one document; with --jsonl
    each record is one and the run streams.

    \b
    Examples:
      zhnorm fix seeds/001_*.txt --to simplified
      zhnorm fix --jsonl in.jsonl -o out.jsonl --explain
    """
    from ..repair import fix_and_explain, normalize

    config = _fix_config(disable, aggressive_ruby)
    if target is not None:
        try:
            normalize("", to=target, fix=False)  # validates the target name
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc

    def repair(text: str) -> tuple[str, list[dict[str, Any]]]:
        explained = fix_and_explain(text, config)
        result = explained.text
        if target is not None:
            result = normalize(result, to=target, fix=False)
        lines = [step.to_dict() for step in explained.steps]
        lines += [{"note": note.to_dict()} for note in explained.notes]
        return result, lines

    if explain and explain_file is None and output not in (None, "-"):
        explain_file = f"{output}.explain.jsonl"
    counts = Counts()
    try:
        with ExitStack() as stack:
            out = stack.enter_context(AtomicOutput(output))
            explain_out = None
            if explain and explain_file not in (None, "-"):
                explain_out = stack.enter_context(AtomicOutput(explain_file))

            def record_steps(source: str, line: int | None, steps: list[dict[str, Any]]) -> None:
                for step in steps:
                    text = dumps_record({"source": source, "line": line, **step})
                    if explain_out is not None:
                        explain_out.write(text)
                    elif explain:
                        click.echo(text, nl=False, err=True)

            if jsonl:
                _map_jsonl(
                    repair,
                    record_steps,
                    inputs,
                    out,
                    field,
                    errors,
                    skip_bad,
                    rejects,
                    output,
                    counts,
                )
            else:
                for name, chunks in _text_chunks(inputs, errors):
                    fixed, steps = repair("".join(chunks))
                    record_steps(name, None, steps)
                    out.write(fixed)
    except InputError as exc:
        _fail(str(exc))
    if jsonl:
        click.echo(counts.summary("fix"), err=True)


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
@click.option(
    "--reuse",
    is_flag=True,
    help="Also find repeated paragraphs and the passages the documents share; write "
    "report.html, repeats.jsonl and passages.jsonl to the output directory.",
)
def summary(inputs: tuple[str, ...], output_dir: str, reuse: bool) -> None:
    """Summarise documents: script detected, repairs made, and copies repaired and
    converted to the other script; with --reuse, also what the documents repeat and
    share (repeated paragraphs, passages aligned across scripts, an HTML report).

    INPUTS are files or directories (their *.txt files)."""
    from collections import Counter

    from ..repair import fix_and_explain

    files: list[Path] = []
    for item in map(Path, inputs):
        files.extend(sorted(item.glob("*.txt")) if item.is_dir() else [item])
    target = Path(output_dir)
    target.mkdir(parents=True, exist_ok=True)
    texts: dict[str, str] = {}
    for path in files:
        try:
            with path.open("rb") as stream:
                text = "".join(_read_chunks(stream, str(path)))
        except InputError as exc:
            _fail(str(exc))
        texts[path.name] = text
        report = detect_script(text)
        click.echo(f"{path.name}  ({len(text)} characters)")
        click.echo(
            f"  script: {report.script}  (simplified-only chars {report.simplified}, "
            f"traditional-only {report.traditional}, Han {report.han}, "
            f"confidence {report.confidence:.3f})"
        )
        started = time.perf_counter()
        explained = fix_and_explain(text)
        elapsed = time.perf_counter() - started
        edits = Counter[str]()
        lossy = 0
        for step in explained.steps:
            edits[step.fixer] += len(step.edits)
            lossy += sum(edit.lossy for edit in step.edits)
        done = ", ".join(f"{fixer} {n}" for fixer, n in edits.items()) or "nothing to repair"
        click.echo(f"  repair: {done} edits ({lossy} lossy) in {elapsed * 1000:.1f} ms")
        for note in explained.notes:
            click.echo(f"    reported, kept: {note.kind} {note.text!r}")
        fixed = explained.text
        fixed_path = target / f"{path.stem}.fixed.txt"
        with AtomicOutput(str(fixed_path)) as out:
            out.write(fixed)
        config = {"simplified": "s2t", "traditional": "t2s"}.get(detect_script(fixed).script)
        if config is None:
            click.echo("  no conversion: the script is not clear-cut")
            continue
        started = time.perf_counter()
        converted = Converter(config).convert(fixed)
        elapsed = time.perf_counter() - started
        changed = sum(a != b for a, b in zip(fixed, converted, strict=False))
        out_path = target / f"{path.stem}.fixed.{config}.txt"
        with AtomicOutput(str(out_path)) as out:
            out.write(converted)
        click.echo(
            f"  {config}: {changed} of {len(fixed)} characters changed in {elapsed * 1000:.1f} ms"
        )
        first = next((line for line in converted.splitlines() if line.strip()), "")
        click.echo(f"  first line: {first[:60]}")
        click.echo(f"  written: {fixed_path}, {out_path}")
    if reuse:
        _summarise_reuse(texts, target)


def _summarise_reuse(texts: dict[str, str], target: Path, *, shown: int = 6) -> None:
    """The --reuse part of ``summary``: repeated paragraphs, shared passages (the
    longest ``shown`` printed), and the files written."""
    from ..textreuse import repeated_paragraphs
    from ..textreuse import reuse as find_reuse
    from ..textreuse.report import render_report

    groups = repeated_paragraphs(texts)
    boilerplate = sum(g.boilerplate for g in groups)
    click.echo(f"repeated paragraphs: {len(groups)} groups ({boilerplate} boilerplate)")
    for group in groups[:shown]:
        where = ", ".join(
            f"{o.doc} ¶{o.paragraph} [{o.start}:{o.end}]" for o in group.occurrences[:4]
        )
        click.echo(f"  {group.count}x {group.kind}: {group.text[:40]}…")
        click.echo(f"      at {where}")
    result = find_reuse(texts)
    pairs = sorted({(p.a_id, p.b_id) for p in result.passages})
    click.echo(
        f"shared passages: {len(result.passages)} between {len(pairs)} document pairs "
        f"({len(result.stories)} stories)"
    )
    for passage in sorted(result.passages, key=lambda p: -p.length)[:shown]:
        click.echo(
            f"  {passage.score:.2f}  {passage.a_id}[{passage.a_start}:{passage.a_end}] ~ "
            f"{passage.b_id}[{passage.b_start}:{passage.b_end}]"
        )
        click.echo(f"      A: {passage.a_text[:50]}")
        click.echo(f"      B: {passage.b_text[:50]}")
    paths = [target / "report.html", target / "repeats.jsonl", target / "passages.jsonl"]
    with AtomicOutput(str(paths[0])) as out:
        note = "Made by zhnorm summary --reuse."
        out.write(render_report(texts, result.passages, repeats=groups, note=note))
    with AtomicOutput(str(paths[1])) as out:
        for group in groups:
            out.write(dumps_record(group.to_dict()))
    with AtomicOutput(str(paths[2])) as out:
        for passage in result.passages:
            out.write(dumps_record(passage.to_dict()))
    click.echo(f"written: {', '.join(map(str, paths))}")
    click.echo(f"open {paths[0].resolve().as_uri()} in a browser to compare them side by side")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
