"""Repeated paragraphs and shared passages over JSONL, Parquet or text files: what
``zhnorm paragraphs``, ``zhnorm reuse`` and ``zhnorm summary --reuse`` run.

Records follow the contract of :mod:`zhnorm.io` (ids by :func:`zhnorm.io.record_id`,
which must be unique here; bad records fatal, or with ``skip_bad`` written to the
rejects with their reason; atomic outputs; ``in = out + rejected``).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..io import (
    DEFAULT_ENCODING,
    AtomicOutput,
    BadRecord,
    Progress,
    Record,
    RecordWriter,
    Rejects,
    RunCounts,
    check_outputs,
    dumps_record,
    iter_records,
    record_id,
    rejects_for,
    with_text,
)
from ..io.rejects import duplicate_id
from ..options import resolve
from .corpus import ReuseOptions, ReuseResult, reuse, reuse_keys
from .document import DocKey, doc_key
from .repeats import (
    Paragraph,
    RepeatGroup,
    RepeatOptions,
    find_repeats,
    paragraphs_of,
    repeated_paragraphs,
)
from .report import render_report

__all__ = [
    "REPORT_FILES",
    "FileDocument",
    "ReuseReport",
    "paragraphs_files",
    "read_documents",
    "reuse_files",
    "reuse_report",
    "without_paragraphs",
]


@dataclass
class FileDocument:
    """A record read for text reuse: its id, the record and its matching key."""

    id: str
    record: Record
    key: DocKey


def read_documents(
    inputs: Sequence[str],
    *,
    text_field: str = "text",
    id_field: str | None = None,
    errors: str = "strict",
    encoding: str = DEFAULT_ENCODING,
    rejects: Rejects,
    counts: RunCounts,
    quiet: bool = False,
) -> list[FileDocument]:
    """Every record of ``inputs`` (stdin when there are none; text and JSONL in
    ``encoding``, see :func:`zhnorm.io.iter_records`), keyed; bad records, and
    records repeating an earlier id, go to ``rejects``."""
    docs: list[FileDocument] = []
    seen: dict[str, str] = {}  # id -> where it was first read
    progress = Progress(f"zhnorm {counts.command}", quiet=quiet)
    records = iter_records(
        inputs or ("-",),
        text_field=text_field,
        id_field=id_field,
        errors=errors,
        encoding=encoding,
    )
    try:
        for item in records:
            counts.read += 1
            progress.update()
            if isinstance(item, Record):
                doc_id = record_id(item, id_field)
                if doc_id in seen:
                    raw = dumps_record(item.data).rstrip("\n")
                    reason = duplicate_id(doc_id, seen[doc_id])
                    item = BadRecord(item.source, item.line, reason, raw)
            if isinstance(item, BadRecord):
                rejects.add(item)
                counts.rejected += 1
                continue
            seen[doc_id] = f"{item.source}:{item.line}"
            docs.append(FileDocument(doc_id, item, doc_key(item.text)))
    finally:
        progress.close()
    return docs


# --- repeated paragraphs --------------------------------------------------------------


def _line_start(text: str, at: int) -> int:
    return text.rfind("\n", 0, at) + 1


def without_paragraphs(text: str, paras: Sequence[Paragraph], drop: set[int]) -> str:
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


def _drops(groups: Sequence[RepeatGroup], n_docs: int, index: dict[str, int]) -> list[set[int]]:
    """Paragraph numbers to drop per document: every occurrence after the first."""
    drops: list[set[int]] = [set() for _ in range(n_docs)]
    for group in groups:
        for occurrence in group.occurrences[1:]:
            drops[index[occurrence.doc]].add(occurrence.paragraph)
    return drops


def paragraphs_files(
    inputs: Sequence[str],
    output: str | None,
    *,
    clean_output: str | None = None,
    options: RepeatOptions | None = None,
    text_field: str = "text",
    id_field: str | None = None,
    errors: str = "strict",
    encoding: str = DEFAULT_ENCODING,
    skip_bad: bool = False,
    rejects: str | None = None,
    quiet: bool = False,
    **overrides: Any,
) -> RunCounts:
    """Paragraphs repeated within and across the records of ``inputs``: one JSONL line
    per repeat group, furniture paragraph and document kept whole to ``output``
    (stdout for ``None``); with ``clean_output``, the records without their repeated
    paragraphs (first occurrences kept; a document that would lose every paragraph is
    written unchanged and reported as kept whole).  ``options``: a
    :class:`~zhnorm.textreuse.RepeatOptions`, single fields as keyword overrides.
    Every output path is checked first (:func:`zhnorm.io.check_outputs`)."""
    bad = rejects_for(skip_bad, output, rejects)
    check_outputs(inputs, [output or "-", clean_output, bad.path])
    counts = RunCounts("paragraphs", rejects_path=bad.path)
    dropped = kept_whole = 0
    with ExitStack() as stack:
        report = stack.enter_context(AtomicOutput(output))
        stack.enter_context(bad)
        docs = read_documents(
            inputs, text_field=text_field, id_field=id_field, errors=errors, rejects=bad,
            encoding=encoding,
            counts=counts, quiet=quiet,
        )  # fmt: skip
        split = [(doc.id, paragraphs_of(doc.key)) for doc in docs]
        groups = find_repeats(split, options, **overrides)
        for group in groups:
            report.write(dumps_record({"type": "repeat", **group.to_dict()}))
        for doc_id, paras in split:
            for para in paras:
                if para.furniture:
                    report.write(
                        dumps_record({"type": "furniture", "id": doc_id, **para.to_dict()})
                    )
        drops = _drops(groups, len(docs), {doc.id: d for d, doc in enumerate(docs)})
        writer = stack.enter_context(RecordWriter(clean_output)) if clean_output else None
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
                text = without_paragraphs(doc.record.text, paras, drop)
                writer.write(with_text(doc.record, text_field, text))
            counts.written += 1
    counts.check()
    boilerplate = sum(g.boilerplate for g in groups)
    verb = "dropped" if clean_output else "droppable"
    counts.notes.append(
        f"{len(groups)} repeat groups ({boilerplate} boilerplate), {dropped} repeated "
        f"paragraphs {verb}, {kept_whole} documents kept whole"
    )
    return counts


# --- shared passages ------------------------------------------------------------------


def _source(value: Any) -> str | None:
    return None if value is None else str(value)


def reuse_files(
    inputs: Sequence[str],
    output: str | None,
    *,
    html: str | None = None,
    stories: str | None = None,
    source_field: str | None = None,
    options: ReuseOptions | None = None,
    text_field: str = "text",
    id_field: str | None = None,
    errors: str = "strict",
    encoding: str = DEFAULT_ENCODING,
    skip_bad: bool = False,
    rejects: str | None = None,
    quiet: bool = False,
    **overrides: Any,
) -> RunCounts:
    """Passages shared between the records of ``inputs``: one JSONL line per passage to
    ``output`` (stdout for ``None``), the story clusters to ``stories``, an HTML
    report to ``html``.  ``source_field``: each record's outlet; only passages across
    different outlets are reported.  ``options``: a
    :class:`~zhnorm.textreuse.ReuseOptions`, single fields as keyword overrides.
    Every output path is checked first (:func:`zhnorm.io.check_outputs`)."""
    search = resolve(ReuseOptions, options, overrides)
    bad = rejects_for(skip_bad, output, rejects)
    check_outputs(inputs, [output or "-", html, stories, bad.path])
    counts = RunCounts("reuse", rejects_path=bad.path)
    with AtomicOutput(output) as out, bad:
        docs = read_documents(
            inputs, text_field=text_field, id_field=id_field, errors=errors, rejects=bad,
            encoding=encoding,
            counts=counts, quiet=quiet,
        )  # fmt: skip
        counts.written = len(docs)
        sources = None
        if source_field is not None:
            sources = [_source(doc.record.data.get(source_field)) for doc in docs]
        result = reuse_keys(
            [doc.id for doc in docs],
            [doc.key for doc in docs],
            replace(search, cross_source=sources is not None),
            sources=sources,
        )
        for passage in result.passages:
            out.write(dumps_record(passage.to_dict()))
        if stories:
            with AtomicOutput(stories) as stories_out:
                for story in result.stories:
                    stories_out.write(dumps_record(story.to_dict()))
        if html:
            texts = {doc.id: doc.record.text for doc in docs}
            with AtomicOutput(html) as page:
                page.write(render_report(texts, result.passages, title="zhnorm reuse"))
    counts.check()
    pairs = len({(p.a_id, p.b_id) for p in result.passages})
    counts.notes.append(
        f"{len(result.passages)} shared passages between {pairs} document pairs in "
        f"{len(result.stories)} stories ({result.candidates} candidate pairs aligned)"
    )
    if html:
        counts.notes.append(f"report: {html}")
    return counts


REPORT_FILES = ["report.html", "repeats.jsonl", "passages.jsonl"]
"""What :func:`reuse_report` writes to its directory, in this order."""


@dataclass
class ReuseReport:
    """What :func:`reuse_report` found and wrote."""

    groups: list[RepeatGroup]
    result: ReuseResult
    paths: list[Path]


def reuse_report(texts: dict[str, str], directory: Path, *, note: str = "") -> ReuseReport:
    """Repeated paragraphs and shared passages of ``texts`` (id -> text), written to
    ``directory`` as ``report.html``, ``repeats.jsonl`` and ``passages.jsonl``."""
    groups = repeated_paragraphs(texts)
    result = reuse(texts)
    paths = [directory / name for name in REPORT_FILES]
    with AtomicOutput(str(paths[0])) as out:
        out.write(render_report(texts, result.passages, repeats=groups, note=note))
    with AtomicOutput(str(paths[1])) as out:
        for group in groups:
            out.write(dumps_record(group.to_dict()))
    with AtomicOutput(str(paths[2])) as out:
        for passage in result.passages:
            out.write(dumps_record(passage.to_dict()))
    return ReuseReport(groups, result, paths)
