"""``zhnorm summary``: what each document is, what repair and conversion do to it, and
(``--reuse``) what the documents repeat and share."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import click

from ..io import AtomicOutput, OutputError, check_output_dir, check_outputs, read_text
from ..script import Converter, detect_script
from .options import encoding_option

__all__ = ["summary"]


@click.command()
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
@encoding_option("Encoding of the documents; auto: detect each (said on stderr).")
def summary(inputs: tuple[str, ...], output_dir: str, reuse: bool, encoding: str) -> None:
    """Summarise documents: script detected, repairs made, and copies repaired and
    converted to the other script; with --reuse, also what the documents repeat and
    share (repeated paragraphs, passages aligned across scripts, an HTML report).

    INPUTS are files or directories (their *.txt files)."""
    files: list[Path] = []
    for item in map(Path, inputs):
        files.extend(sorted(item.glob("*.txt")) if item.is_dir() else [item])
    target = Path(output_dir)
    check_output_dir(target)
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    names = [name for path in files for name in _written_names(path)]
    if reuse:
        from ..textreuse.files import REPORT_FILES

        names += REPORT_FILES
    try:
        check_outputs(map(str, files), [str(target / name) for name in names])
    except OutputError:
        if created:
            target.rmdir()
        raise
    texts: dict[str, str] = {}
    for path in files:
        text = read_text(str(path), encoding=encoding)
        texts[path.name] = text
        _summarise(path, text, target)
    if reuse:
        _summarise_reuse(texts, target)


def _written_names(path: Path) -> list[str]:
    """The names the summary of ``path`` may write (checked before any work)."""
    return [f"{path.stem}.fixed.txt", f"{path.stem}.fixed.s2t.txt", f"{path.stem}.fixed.t2s.txt"]


def _summarise(path: Path, text: str, target: Path) -> None:
    """One document: its script, its repairs, and the repaired and converted copies."""
    from ..repair import fix_and_explain

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
        return
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
