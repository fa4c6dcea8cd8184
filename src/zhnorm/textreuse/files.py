"""Shared passages over JSONL, Parquet or text files, and the record reader the text-reuse
commands share: what ``zhnorm reuse`` and ``zhnorm summary --reuse`` run (``zhnorm
paragraphs`` is in :mod:`.paragraph_files`).

Records follow the contract of :mod:`zhnorm.io` (ids by :func:`zhnorm.io.record_id`,
which must be unique here; bad records fatal, or with ``skip_bad`` written to the
rejects with their reason; atomic outputs; ``in = out + rejected``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..io import (
    DEFAULT_ENCODING,
    AtomicOutput,
    BadRecord,
    Progress,
    Record,
    Rejects,
    RunCounts,
    check_outputs,
    dumps_record,
    iter_records,
    record_id,
    rejects_for,
)
from ..io.rejects import duplicate_id
from ..options import resolve
from .corpus import ReuseOptions, ReuseResult, reuse, reuse_keys
from .document import DocKey, doc_key
from .repeats import (
    RepeatGroup,
    repeated_paragraphs,
)
from .report import render_report

__all__ = [
    "REPORT_FILES",
    "FileDocument",
    "ReuseReport",
    "read_documents",
    "reuse_files",
    "reuse_report",
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
    keyer: Callable[[str], DocKey] = doc_key,
) -> list[FileDocument]:
    """Every record of ``inputs`` (stdin when there are none; text and JSONL in
    ``encoding``, see :func:`zhnorm.io.iter_records`), keyed by ``keyer``; bad records,
    and records repeating an earlier id, go to ``rejects``."""
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
            docs.append(FileDocument(doc_id, item, keyer(item.text)))
    finally:
        progress.close()
    return docs


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
