"""``zhnorm paragraphs``, ``zhnorm reuse`` and ``zhnorm align``: repeated paragraphs and
shared passages, as JSONL (and an HTML page), with the record rules of the other
commands: atomic outputs, bad records fatal or (``--skip-bad``) rejected with their
reason, and a summary on stderr with *in = out + rejected*."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from ..io import (
    AtomicOutput,
    BadRecord,
    InputError,
    Progress,
    Record,
    RecordWriter,
    dumps_record,
    iter_records,
    open_input,
    read_text_chunks,
)
from ..textreuse.alignment import AlignOptions, Passage, align_keys
from ..textreuse.corpus import ReuseOptions, reuse_keys
from ..textreuse.document import DocKey, doc_key
from ..textreuse.repeats import Paragraph, RepeatGroup, find_repeats, paragraphs_of
from ..textreuse.report import render_report
from ._base import ERRORS, Counts, main

__all__ = ["align_command", "paragraphs_command", "reuse_command"]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class _Doc:
    id: str
    record: Record
    key: DocKey


def _record_options(command: F) -> F:
    options = [
        click.argument("inputs", nargs=-1, type=click.Path(allow_dash=True)),
        click.option(
            "--text-field",
            "--field",
            "text_field",
            default="text",
            show_default=True,
            help="Text field of JSONL/Parquet records.",
        ),
        click.option(
            "--id-field",
            help="Id field of the records (default: 'id' when present, else FILE:LINE).",
        ),
        click.option(
            "--errors",
            type=ERRORS,
            default="strict",
            show_default=True,
            help="Undecodable input bytes: fail with file and offset, or substitute U+FFFD.",
        ),
        click.option(
            "--skip-bad",
            is_flag=True,
            help="Reject bad records (with the reason) instead of failing.",
        ),
        click.option(
            "--rejects",
            type=click.Path(dir_okay=False),
            help="Where --skip-bad writes rejected records (default OUTPUT.rejects.jsonl).",
        ),
        click.option("-q", "--quiet", is_flag=True, help="No progress display."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _load(
    inputs: tuple[str, ...],
    text_field: str,
    id_field: str | None,
    errors: str,
    skip_bad: bool,
    reject_out: AtomicOutput | None,
    counts: Counts,
    label: str,
    quiet: bool,
) -> list[_Doc]:
    """Read and key every record; bad records fail or go to ``reject_out``."""
    docs: list[_Doc] = []
    seen: set[str] = set()
    progress = Progress(label, quiet=quiet)
    try:
        for item in iter_records(inputs or ("-",), text_field=text_field, errors=errors):
            counts.read += 1
            progress.update()
            if isinstance(item, Record):
                item, doc_id = _with_id(item, id_field, seen)
            if isinstance(item, BadRecord):
                if reject_out is None:
                    raise InputError(
                        f"{item.source}:{item.line}: {item.reason} "
                        "(use --skip-bad to write bad records to a rejects file)"
                    )
                reject_out.write(dumps_record(item.to_dict()))
                counts.rejected += 1
                continue
            seen.add(doc_id)
            docs.append(_Doc(doc_id, item, doc_key(item.text)))
    finally:
        progress.close()
    return docs


def _with_id(
    record: Record, id_field: str | None, seen: set[str]
) -> tuple[Record | BadRecord, str]:
    raw = dumps_record(record.data).rstrip("\n")
    if id_field is not None:
        if record.data.get(id_field) is None:
            reason = f"record has no field {id_field!r}"
            return BadRecord(record.source, record.line, reason, raw), ""
        doc_id = str(record.data[id_field])
    elif record.data.get("id") is not None:
        doc_id = str(record.data["id"])
    else:
        doc_id = record.id
    if doc_id in seen:
        return BadRecord(record.source, record.line, f"duplicate id {doc_id!r}", raw), ""
    return record, doc_id


def _rejects_path(skip_bad: bool, rejects: str | None, output: str | None) -> str | None:
    if skip_bad and rejects is None:
        return f"{output}.rejects.jsonl" if output not in (None, "-") else "zhnorm.rejects.jsonl"
    return rejects


# --- zhnorm paragraphs ----------------------------------------------------------------


def _line_start(text: str, at: int) -> int:
    return text.rfind("\n", 0, at) + 1


def _without(text: str, paras: Sequence[Paragraph], drop: set[int]) -> str:
    """``text`` without the lines of the paragraphs numbered in ``drop``."""
    cuts: list[tuple[int, int]] = []
    for position, para in enumerate(paras):
        if para.index not in drop:
            continue
        start = _line_start(text, para.start)
        if position + 1 < len(paras):
            end = _line_start(text, paras[position + 1].start)
        else:
            line_end = text.find("\n", para.end)
            end = len(text) if line_end < 0 else line_end
            if position > 0:  # last paragraph: take the break before it instead
                previous_end = text.find("\n", paras[position - 1].end)
                start = previous_end if previous_end >= 0 else start
        cuts.append((start, end))
    pieces: list[str] = []
    cursor = 0
    for start, end in cuts:
        start = max(start, cursor)
        pieces.append(text[cursor:start])
        cursor = max(cursor, end)
    pieces.append(text[cursor:])
    return "".join(pieces)


@main.command("paragraphs")
@_record_options
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Report (JSONL, default stdout): one line per repeat group, furniture paragraph "
    "and document kept whole.",
)
@click.option(
    "--drop-repeats",
    is_flag=True,
    help="Write the records without repeated paragraphs (first occurrences kept) to -O.",
)
@click.option(
    "-O",
    "--clean-output",
    type=click.Path(dir_okay=False),
    help="Where --drop-repeats writes the records (JSONL, or Parquet for .parquet).",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0.5, 1.0),
    default=0.9,
    show_default=True,
    help="Key similarity of near-duplicate paragraphs (1.0: exact repeats only).",
)
@click.option(
    "--boilerplate-docs",
    type=click.IntRange(min=2),
    default=3,
    show_default=True,
    help="A paragraph in at least this many documents is reported as boilerplate.",
)
def paragraphs_command(
    inputs: tuple[str, ...],
    text_field: str,
    id_field: str | None,
    errors: str,
    skip_bad: bool,
    rejects: str | None,
    quiet: bool,
    output: str | None,
    drop_repeats: bool,
    clean_output: str | None,
    threshold: float,
    boilerplate_docs: int,
) -> None:
    """Find paragraphs repeated within documents and across INPUTS (JSONL, .gz/.zst,
    Parquet, .txt files or directories of them; stdin JSONL by default).

    Paragraphs are split after repair (a paragraph broken across columns is one) and
    compared on their matching keys.  With --drop-repeats, every repeat after its first
    occurrence is removed; a document that would lose every paragraph is written
    unchanged and reported ("kept-whole"), never emptied silently.

    \b
    Examples:
      zhnorm paragraphs seeds/ -o repeats.jsonl
      zhnorm paragraphs corpus.jsonl -o repeats.jsonl --drop-repeats -O clean.jsonl
    """
    if drop_repeats and not clean_output:
        raise click.UsageError("--drop-repeats needs -O CLEAN.jsonl")
    rejects = _rejects_path(skip_bad, rejects, output)
    counts = Counts(rejects_path=rejects)
    dropped = kept_whole = 0
    try:
        with ExitStack() as stack:
            report = stack.enter_context(AtomicOutput(output))
            reject_out = stack.enter_context(AtomicOutput(rejects)) if skip_bad else None
            docs = _load(
                inputs, text_field, id_field, errors, skip_bad, reject_out, counts,
                "zhnorm paragraphs", quiet,
            )  # fmt: skip
            split = [(doc.id, paragraphs_of(doc.key)) for doc in docs]
            groups = find_repeats(split, threshold=threshold, boilerplate_docs=boilerplate_docs)
            for group in groups:
                report.write(dumps_record({"type": "repeat", **group.to_dict()}))
            for doc_id, paras in split:
                for para in paras:
                    if para.furniture:
                        report.write(
                            dumps_record({"type": "furniture", "id": doc_id, **para.to_dict()})
                        )
            drops = _drops(groups, len(docs), {doc.id: d for d, doc in enumerate(docs)})
            writer = stack.enter_context(RecordWriter(clean_output)) if drop_repeats else None
            for d, doc in enumerate(docs):
                paras = split[d][1]
                drop = drops[d]
                if drop and len(drop) == len(paras):
                    kept_whole += 1
                    report.write(
                        dumps_record(
                            {
                                "type": "kept-whole",
                                "id": doc.id,
                                "paragraphs": len(paras),
                                "reason": "every paragraph repeats an earlier one; "
                                "the document is written unchanged, not emptied",
                            }
                        )
                    )
                    drop = set()
                dropped += len(drop)
                if writer is not None:
                    data = dict(doc.record.data)
                    field = text_field if text_field in data else "text"
                    data[field] = _without(doc.record.text, paras, drop)
                    writer.write(data)
                counts.written += 1
    except InputError as exc:
        raise click.ClickException(str(exc)) from exc
    assert counts.read == counts.written + counts.rejected
    boilerplate = sum(g.boilerplate for g in groups)
    verb = "dropped" if drop_repeats else "droppable"
    click.echo(
        f"{counts.summary('paragraphs')}; {len(groups)} repeat groups ({boilerplate} "
        f"boilerplate), {dropped} repeated paragraphs {verb}, {kept_whole} documents "
        "kept whole",
        err=True,
    )


def _drops(groups: Sequence[RepeatGroup], n_docs: int, index: dict[str, int]) -> list[set[int]]:
    """Paragraph numbers to drop per document: every occurrence after the first."""
    drops: list[set[int]] = [set() for _ in range(n_docs)]
    for group in groups:
        for occurrence in group.occurrences[1:]:
            drops[index[occurrence.doc]].add(occurrence.paragraph)
    return drops


# --- zhnorm reuse ---------------------------------------------------------------------


def _align_options(min_len: int, threshold: float) -> AlignOptions:
    return AlignOptions(min_len=min_len, threshold=threshold)


_MIN_LEN = click.option(
    "--min-len",
    type=click.IntRange(min=1),
    default=AlignOptions.min_len,
    show_default=True,
    help="Shared key characters a passage needs on each side.",
)
_THRESHOLD = click.option(
    "--threshold",
    type=click.FloatRange(0.0, 1.0),
    default=AlignOptions.threshold,
    show_default=True,
    help="Minimum passage score (share of both spans covered by exact matches).",
)


@main.command("reuse")
@_record_options
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
@_MIN_LEN
@_THRESHOLD
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
    """Find passages shared between documents of INPUTS (JSONL, .gz/.zst, Parquet, .txt
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
    rejects = _rejects_path(skip_bad, rejects, output)
    counts = Counts(rejects_path=rejects)
    try:
        with ExitStack() as stack:
            out = stack.enter_context(AtomicOutput(output))
            reject_out = stack.enter_context(AtomicOutput(rejects)) if skip_bad else None
            docs = _load(
                inputs, text_field, id_field, errors, skip_bad, reject_out, counts,
                "zhnorm reuse", quiet,
            )  # fmt: skip
            counts.written = len(docs)
            sources = None
            if source_field is not None:
                sources = [_source(doc.record.data.get(source_field)) for doc in docs]
            result = reuse_keys(
                [doc.id for doc in docs],
                [doc.key for doc in docs],
                sources=sources,
                options=_align_options(min_len, threshold),
                corpus=ReuseOptions(max_df=max_df, cross_source=sources is not None),
            )
            for passage in result.passages:
                out.write(dumps_record(passage.to_dict()))
            if stories_path:
                with AtomicOutput(stories_path) as stories_out:
                    for story in result.stories:
                        stories_out.write(dumps_record(story.to_dict()))
            if html_path:
                texts = {doc.id: doc.record.text for doc in docs}
                with AtomicOutput(html_path) as page:
                    page.write(render_report(texts, result.passages, title="zhnorm reuse"))
    except InputError as exc:
        raise click.ClickException(str(exc)) from exc
    assert counts.read == counts.written + counts.rejected
    pairs = len({(p.a_id, p.b_id) for p in result.passages})
    click.echo(
        f"{counts.summary('reuse')}; {len(result.passages)} shared passages between {pairs} "
        f"document pairs in {len(result.stories)} stories ({result.candidates} candidate "
        "pairs aligned)" + (f"; report: {html_path}" if html_path else ""),
        err=True,
    )


def _source(value: Any) -> str | None:
    return None if value is None else str(value)


# --- zhnorm align ---------------------------------------------------------------------


def _read_text(path: str, errors: str) -> str:
    name, stream = open_input(path)
    try:
        return "".join(read_text_chunks(stream, name, errors=errors))
    finally:
        if path != "-":
            stream.close()


def _describe(number: int, passage: Passage) -> Iterator[str]:
    yield (
        f"#{number}  score {passage.score:.3f}  key chars {passage.length}  "
        f"A[{passage.a_start}:{passage.a_end}]  B[{passage.b_start}:{passage.b_end}]"
    )
    yield f"  A: {passage.a_text}"
    yield f"  B: {passage.b_text}"


@main.command("align")
@click.argument("a_path", metavar="A", type=click.Path(dir_okay=False, allow_dash=True))
@click.argument("b_path", metavar="B", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per passage.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), help="Write an HTML report.")
@_MIN_LEN
@_THRESHOLD
@click.option("--errors", type=ERRORS, default="strict", show_default=True)
def align_command(
    a_path: str,
    b_path: str,
    as_json: bool,
    html_path: str | None,
    min_len: int,
    threshold: float,
    errors: str,
) -> None:
    """Passages texts A and B share (text files), in offsets of the original texts:
    matched after repair, script folding (t2s) and width folding, so a Traditional
    page with leaked pinyin aligns with its Simplified source.

    \b
    Examples:
      zhnorm align seeds/000_*.txt seeds/001_*.txt
      zhnorm align a.txt b.txt --json --html report.html
    """
    if a_path == "-" and b_path == "-":
        raise click.UsageError("only one of A and B can be stdin")
    try:
        a_text, b_text = _read_text(a_path, errors), _read_text(b_path, errors)
    except InputError as exc:
        raise click.ClickException(str(exc)) from exc
    passages = align_keys(
        doc_key(a_text),
        doc_key(b_text),
        _align_options(min_len, threshold),
        a_id=a_path,
        b_id=b_path,
    )
    for number, passage in enumerate(passages):
        if as_json:
            click.echo(dumps_record(passage.to_dict()), nl=False)
        else:
            for line in _describe(number, passage):
                click.echo(line)
    if html_path:
        docs = {a_path: a_text, b_path: b_text}
        with AtomicOutput(html_path) as page:
            page.write(render_report(docs, passages, title="zhnorm align"))
    if not as_json:
        click.echo(
            f"{len(passages)} shared passages" + (f"; report: {html_path}" if html_path else ""),
            err=True,
        )
