"""Repeated paragraphs over JSONL, Parquet or text files: what ``zhnorm paragraphs``
runs.  Records follow the contract of :mod:`zhnorm.io` (see :mod:`.files`)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from contextlib import ExitStack
from typing import Any

from ..io import (
    DEFAULT_ENCODING,
    AtomicOutput,
    RecordWriter,
    RunCounts,
    check_outputs,
    dumps_record,
    rejects_for,
    with_text,
)
from ..key import KeyOptions
from .files import MetaFields, RecordReading, read_documents
from .furniture import FurnitureOptions, find_furniture
from .repeats import Paragraph, RepeatGroup, RepeatOptions, find_repeats, paragraphs_of
from .segments import doc_key_in_chunks, line_of, line_starts

__all__ = ["cut_spans", "paragraph_cuts", "paragraphs_files", "without_paragraphs"]


def without_paragraphs(
    text: str,
    paras: Sequence[Paragraph],
    drop: set[int],
    also: Sequence[tuple[int, int]] = (),
) -> str:
    """``text`` without the paragraphs numbered in ``drop`` (and the raw spans ``also``:
    furniture).  A paragraph that is a whole line goes with its line (and, last in the
    text, with the break before it); a sentence of a longer line goes with the white
    space after it, and the line stays."""
    return cut_spans(text, [*paragraph_cuts(text, paras, drop), *also])


def cut_spans(text: str, cuts: Sequence[tuple[int, int]]) -> str:
    """``text`` without the spans ``cuts`` (in any order, overlapping or not)."""
    pieces: list[str] = []
    cursor = 0
    for start, end in sorted(cuts):
        start = max(start, cursor)
        pieces.append(text[cursor:start])
        cursor = max(cursor, end)
    pieces.append(text[cursor:])
    return "".join(pieces)


def paragraph_cuts(text: str, paras: Sequence[Paragraph], drop: set[int]) -> list[tuple[int, int]]:
    """The spans of ``text`` :func:`without_paragraphs` removes for ``drop``."""
    starts = line_starts(text)
    cuts: list[tuple[int, int]] = []
    for position, para in enumerate(paras):
        if para.index not in drop:
            continue
        line_start, line_end = line_of(text, starts, para.start)
        whole_line = not text[line_start : para.start].strip()
        following = paras[position + 1].start if position + 1 < len(paras) else None
        if following is not None and following < line_end:  # more of this line follows
            start, end = (line_start if whole_line else para.start), following
        elif whole_line and not text[para.end : line_end].strip():
            start = line_start
            end = line_of(text, starts, following)[0] if following is not None else line_end
            if following is None and position > 0:  # last: take the break before it
                start = paras[position - 1].end
                start = max(start, line_of(text, starts, start)[1])
        else:
            start, end = para.start, para.end
            while end < line_end and text[end].isspace():
                end += 1
        cuts.append((start, end))
    return cuts


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
    furniture_options: FurnitureOptions | None = None,
    drop_furniture: bool = False,
    text_field: str = "text",
    id_field: str | None = None,
    source_field: str | None = None,
    errors: str = "strict",
    encoding: str = DEFAULT_ENCODING,
    skip_bad: bool = False,
    rejects: str | None = None,
    quiet: bool = False,
    key: KeyOptions | None = None,
    **overrides: Any,
) -> RunCounts:
    """Paragraphs repeated within and across the records of ``inputs``: one JSONL line
    per repeat group (``"repeat"``), furniture item (``"furniture"``: text recurring
    across many records of one source, :func:`~.furniture.find_furniture`; ``"kind":
    "page"``: a page reference layout repair found in one paragraph), per-source furniture
    summary (``"furniture-summary"``) and document kept whole to ``output`` (stdout for
    ``None``).  ``source_field``: each record's outlet (furniture is found per outlet;
    without it the input is one source).  With ``clean_output``, the records without
    their repeated paragraphs (first occurrences kept; a document that would lose every
    paragraph is written unchanged and reported as kept whole) and, with
    ``drop_furniture``, without their furniture.  ``options``: a
    :class:`~zhnorm.textreuse.RepeatOptions`, single fields as keyword overrides
    (``furniture_options``: a :class:`~.furniture.FurnitureOptions`).  Every output path
    is checked first (:func:`zhnorm.io.check_outputs`).  ``key``: the matching key
    (:class:`zhnorm.KeyOptions`, default every repair, ``t2s`` and the fold)."""
    bad = rejects_for(skip_bad, output, rejects)
    check_outputs(inputs, [output or "-", clean_output, bad.path])
    counts = RunCounts("paragraphs", rejects_path=bad.path)
    dropped = kept_whole = 0
    with ExitStack() as stack:
        report = stack.enter_context(AtomicOutput(output))
        stack.enter_context(bad)
        reading = RecordReading(
            text_field=text_field, id_field=id_field, errors=errors, encoding=encoding,
            quiet=quiet, fields=MetaFields(source_field=source_field),
            keyer=functools.partial(doc_key_in_chunks, options=key),
        )  # fmt: skip
        docs = read_documents(inputs, reading, rejects=bad, counts=counts)
        split = [(doc.id, paragraphs_of(doc.key)) for doc in docs]
        groups = find_repeats(split, options, **overrides)
        for group in groups:
            report.write(dumps_record({"type": "repeat", **group.to_dict()}))
        sources = [doc.meta.source for doc in docs] if source_field is not None else None
        furniture = find_furniture([doc.key for doc in docs], sources, furniture_options)
        ids = [doc.id for doc in docs]
        for item in furniture.items:
            report.write(dumps_record({"type": "furniture", **item.to_dict(ids)}))
        for row in furniture.summary():
            report.write(dumps_record({"type": "furniture-summary", **row}))
        for doc_id, paras in split:
            for para in paras:
                if para.furniture:
                    record = {"type": "furniture", "kind": "page", "id": doc_id}
                    report.write(dumps_record({**record, **para.to_dict()}))
        drops = _drops(groups, len(docs), {doc.id: d for d, doc in enumerate(docs)})
        writer = (
            stack.enter_context(RecordWriter(clean_output, inputs=inputs)) if clean_output else None
        )
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
                also = furniture.raw_spans(d) if drop_furniture else []
                text = without_paragraphs(doc.record.text, paras, drop, also)
                writer.write(with_text(doc.record, text_field, text))
            counts.written += 1
    counts.check()
    boilerplate = sum(g.boilerplate for g in groups)
    verb = "dropped" if clean_output else "droppable"
    counts.notes.append(
        f"{len(groups)} repeat groups ({boilerplate} boilerplate), {dropped} repeated "
        f"paragraphs {verb}, {kept_whole} documents kept whole, "
        f"{len(furniture.items)} furniture items"
    )
    return counts
