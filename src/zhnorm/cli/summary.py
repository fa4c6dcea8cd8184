"""``zhnorm summary``: what each document is, what repair and conversion do to it, and
(``--reuse``) what the documents repeat and share."""

from __future__ import annotations

import os
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import click

from ..io import (
    BadRecord,
    OutputGroup,
    RunCounts,
    check_output_dir,
    check_outputs,
    iter_records,
    output_stems,
    record_id,
    rejects_for,
    unique_records,
)
from ..script import Converter, detect_script
from .options import (
    encoding_option,
    errors_option,
    finish,
    id_field_option,
    quiet_option,
    skip_bad_options,
    text_field_option,
)

__all__ = ["summary"]

WRITTEN = (".fixed.txt", ".fixed.s2t.txt", ".fixed.t2s.txt")
"""What the summary of one document may write, after its stem."""


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False),
    default="build/summary",
    show_default=True,
    help="Where the converted copies are written (all of them, or none when the run fails).",
)
@click.option(
    "--reuse",
    is_flag=True,
    help="Also find repeated paragraphs and the passages the documents share; write "
    "report.html, repeats.jsonl and passages.jsonl to the output directory.",
)
@text_field_option()
@id_field_option()
@errors_option()
@encoding_option("Encoding of the documents; auto: detect each (said on stderr).")
@skip_bad_options(rejects_help="Where --skip-bad writes rejected records "
                  "(default OUTPUT_DIR.rejects.jsonl).")  # fmt: skip
@quiet_option()
def summary(
    inputs: tuple[str, ...],
    output_dir: str,
    reuse: bool,
    text_field: str,
    id_field: str | None,
    errors: str,
    encoding: str,
    skip_bad: bool,
    rejects: str | None,
    quiet: bool,
) -> None:
    """Summarise documents: script detected, repairs made, and copies repaired and
    converted to the other script; with --reuse, also what the documents repeat and
    share (repeated paragraphs, passages aligned across scripts, an HTML report).

    INPUTS are read as every record command reads them: .txt files (one document
    each), JSONL (also compressed), Parquet, or directories of them.  Every input is
    read before anything is written; a bad record stops the run with nothing written
    (or, with --skip-bad, goes to the rejects file)."""
    target = Path(output_dir)
    check_output_dir(target, inputs)
    bad = rejects_for(skip_bad, output_dir, rejects)
    counts = RunCounts("summary", rejects_path=bad.path)
    made = _make_directory(target)
    try:
        check_outputs(inputs, [bad.path])
        with ExitStack() as stack:
            stack.enter_context(bad)
            texts: dict[str, str] = {}
            records = iter_records(
                inputs, text_field=text_field, id_field=id_field, errors=errors, encoding=encoding
            )
            for item in unique_records(records, id_field):
                counts.read += 1
                if isinstance(item, BadRecord):
                    bad.add(item)  # without --skip-bad: the error, before anything is written
                    counts.rejected += 1
                else:
                    texts[record_id(item, id_field)] = item.text
            stems = output_stems(texts)
            planned = [str(target / f"{stem}{suffix}") for stem in stems for suffix in WRITTEN]
            if reuse:
                from ..textreuse.files import REPORT_FILES

                planned += [str(target / name) for name in REPORT_FILES]
            check_outputs(inputs, [*planned, bad.path])
            group = stack.enter_context(OutputGroup())
            for (doc_id, text), stem in zip(texts.items(), stems, strict=True):
                _summarise(doc_id, text, target / stem, group)
                counts.written += 1
            if reuse and texts:
                _summarise_reuse(texts, target)
    except BaseException:
        for directory in reversed(made):
            try:
                directory.rmdir()
            except OSError:
                break
        raise
    counts.check()
    finish(counts)


def _make_directory(target: Path) -> list[Path]:
    """Create ``target`` and its missing parents; the ones created, outermost first."""
    made: list[Path] = []
    current = Path(os.path.abspath(target))
    while not current.exists():
        made.append(current)
        current = current.parent
    target.mkdir(parents=True, exist_ok=True)
    return made[::-1]


def _summarise(doc_id: str, text: str, stem: Path, group: OutputGroup) -> None:
    """One document: its script, its repairs, and the repaired and converted copies
    (``STEM.fixed.txt``, ``STEM.fixed.CONFIG.txt``, published with the whole run)."""
    from ..repair import fix_and_explain

    report = detect_script(text)
    click.echo(f"{doc_id}  ({len(text)} characters)")
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
    fixed_path = stem.with_name(f"{stem.name}{WRITTEN[0]}")
    group.write(str(fixed_path), fixed)
    config = {"simplified": "s2t", "traditional": "t2s"}.get(detect_script(fixed).script)
    if config is None:
        click.echo("  no conversion: the script is not clear-cut")
        return
    started = time.perf_counter()
    converted = Converter(config).convert(fixed)
    elapsed = time.perf_counter() - started
    changed = sum(a != b for a, b in zip(fixed, converted, strict=False))
    out_path = stem.with_name(f"{stem.name}.fixed.{config}.txt")
    group.write(str(out_path), converted)
    click.echo(
        f"  {config}: {changed} of {len(fixed)} characters changed in {elapsed * 1000:.1f} ms"
    )
    first = next((line for line in converted.splitlines() if line.strip()), "")
    click.echo(f"  first line: {first[:60]}")
    click.echo(f"  written: {fixed_path}, {out_path}")


def _summarise_reuse(texts: dict[str, str], target: Path, *, shown: int = 6) -> None:
    """The --reuse part: repeated paragraphs, shared passages (the longest ``shown``
    printed), and the files written."""
    from ..textreuse.files import reuse_report

    report = reuse_report(texts, target, note="Made by zhnorm summary --reuse.")
    groups, result = report.groups, report.result
    boilerplate = sum(g.boilerplate for g in groups)
    click.echo(f"repeated paragraphs: {len(groups)} groups ({boilerplate} boilerplate)")
    for group in groups[:shown]:
        where = ", ".join(
            f"{o.doc} ¶{o.paragraph} [{o.start}:{o.end}]" for o in group.occurrences[:4]
        )
        click.echo(f"  {group.count}x {group.kind}: {group.text[:40]}…")
        click.echo(f"      at {where}")
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
    click.echo(f"written: {', '.join(map(str, report.paths))}")
    click.echo(
        f"open {report.paths[0].resolve().as_uri()} in a browser to compare them side by side"
    )
