"""``zhnorm fix``: repair damaged Chinese text in text files or JSONL records."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import click

from ..io import (
    AtomicOutput,
    RecordWriter,
    RunCounts,
    check_outputs,
    dumps_record,
    map_jsonl,
    rejects_for,
    text_inputs,
)
from .options import finish, record_stream_options

__all__ = ["fix"]


def _fix_config(disable: tuple[str, ...], aggressive_ruby: bool) -> Any:
    from ..repair import FIXER_ORDER, FixConfig

    unknown = set(disable) - set(FIXER_ORDER)
    if unknown:
        raise click.UsageError(
            f"unknown fixer(s) {', '.join(sorted(unknown))}; valid: {', '.join(FIXER_ORDER)}"
        )
    switches: dict[str, Any] = {name: False for name in disable}
    return FixConfig.from_dict({**switches, "ruby_aggressive": aggressive_ruby})


@click.command()
@record_stream_options("repair")
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
    text_field: str,
    explain: bool,
    explain_file: str | None,
    target: str | None,
    disable: tuple[str, ...],
    aggressive_ruby: bool,
    errors: str,
    encoding: str,
    skip_bad: bool,
    rejects: str | None,
    quiet: bool,
) -> None:
    """Repair damaged Chinese text: mojibake, GBK byte-shift garble, leaked pinyin,
    HTML/Unicode clutter, broken layout.  A text file (also compressed; in a directory,
    each .txt file) is one document; with --jsonl each record is one and the run
    streams.

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
    if explain and explain_file is None and output not in (None, "-"):
        explain_file = f"{output}.explain.jsonl"
    bad = rejects_for(skip_bad and jsonl, output, rejects)
    explain_path = explain_file if explain and explain_file != "-" else None
    check_outputs(inputs, [output or "-", explain_path, bad.path])
    counts = RunCounts("fix", rejects_path=bad.path)
    with ExitStack() as stack:
        records = stack.enter_context(RecordWriter(output, inputs=inputs)) if jsonl else None
        out = None if jsonl else stack.enter_context(AtomicOutput(output))
        explain_out = None
        if explain and explain_file not in (None, "-"):
            explain_out = stack.enter_context(AtomicOutput(explain_file))

        def repair(text: str, source: str, line: int | None) -> str:
            explained = fix_and_explain(text, config)
            result = explained.text
            if target is not None:
                result = normalize(result, to=target, fix=False)
            steps = [step.to_dict() for step in explained.steps]
            steps += [{"note": note.to_dict()} for note in explained.notes]
            for step in steps:
                line_text = dumps_record({"source": source, "line": line, **step})
                if explain_out is not None:
                    explain_out.write(line_text)
                elif explain:
                    click.echo(line_text, nl=False, err=True)
            return result

        if jsonl:
            stack.enter_context(bad)
            assert records is not None
            map_jsonl(
                repair,
                inputs,
                records,
                text_field=text_field,
                errors=errors,
                rejects=bad,
                counts=counts,
                encoding=encoding,
            )
        else:
            assert out is not None
            for name, chunks in text_inputs(inputs, errors, encoding=encoding):
                out.write(repair("".join(chunks), name, None))
    if jsonl:
        finish(counts)
