"""Shared passages over JSONL, Parquet or text files, and the record reader the text-reuse
commands share: what ``zhnorm reuse`` and ``zhnorm summary --reuse`` run (``zhnorm
paragraphs`` is in :mod:`.paragraph_files`).

Records follow the contract of :mod:`zhnorm.io` (ids by :func:`zhnorm.io.record_id`,
which must be unique here; bad records fatal, or with ``skip_bad`` written to the
rejects with their reason; atomic outputs; ``in = out + rejected``).
"""

from __future__ import annotations

import contextlib
import functools
import tempfile
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
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
    unique_records,
)
from ..io.dates import DateError, parse_date
from ..key import KeyOptions
from ..options import resolve
from ..workers import imap_ordered, process_pool
from .corpus import ReuseOptions, ReuseResult, reuse, reuse_spent
from .document import DocKey, SpilledKeys, doc_key, packed, raw_texts, unpacked
from .passages import DocMeta, passage_row
from .repeats import (
    RepeatGroup,
    repeated_paragraphs,
)
from .report import render_story_report

__all__ = [
    "REPORT_FILES",
    "FileDocument",
    "MetaFields",
    "RecordReading",
    "ReuseReport",
    "read_documents",
    "read_keys",
    "reuse_files",
    "reuse_report",
]


@dataclass
class FileDocument:
    """A record read for text reuse: its id, the record, its matching key and what
    :class:`MetaFields` read of it."""

    id: str
    record: Record
    key: DocKey
    meta: DocMeta = field(default_factory=DocMeta)


@dataclass
class MetaFields:
    """Which fields of a record name its outlet, date and title.  A date that
    :func:`zhnorm.io.dates.parse_date` cannot read makes the record bad, or with
    ``ignore_bad_dates`` is dropped and counted in ``ignored_dates``."""

    source_field: str | None = None
    date_field: str | None = None
    title_field: str | None = None
    ignore_bad_dates: bool = False
    ignored_dates: int = 0
    _sources: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def read(self, record: Record) -> DocMeta:
        """The record's :class:`.DocMeta`, or :class:`~zhnorm.io.dates.DateError`."""
        data = record.data
        source = _text(data.get(self.source_field)) if self.source_field else None
        if source is not None:  # one string an outlet, not one a record
            source = self._sources.setdefault(source, source)
        title = _text(data.get(self.title_field)) if self.title_field else None
        date = None
        if self.date_field:
            value = data.get(self.date_field)
            try:
                if value is None:
                    raise DateError(f"record has no date field {self.date_field!r}")
                date = parse_date(value)
            except DateError:
                if not self.ignore_bad_dates:
                    raise
                self.ignored_dates += 1
        return DocMeta(source, date, title or None)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


KEY_CHUNK = 64
"""Records a worker process keys per task (:func:`read_documents` with ``workers``)."""


def _key_texts(keyer: Callable[[str], DocKey], texts: list[bytes]) -> list[tuple[Any, ...]]:
    return [packed(keyer(text.decode("utf-8", "surrogatepass"))) for text in texts]


def _sent(chunk: list[tuple[Record, DocMeta]]) -> list[bytes]:
    """The texts of ``chunk`` as UTF-8 for a worker: pickling a str would leave its UTF-8
    copy cached in the reader's string (3 more bytes per Chinese character, kept)."""
    return [record.text.encode("utf-8", "surrogatepass") for record, _ in chunk]


@dataclass(frozen=True)
class RecordReading:
    """How :func:`read_documents` and :func:`read_keys` read records and key them: the
    text and id fields, ``errors`` and ``encoding`` (:func:`zhnorm.io.iter_records`),
    progress shown or ``quiet``, what ``fields`` reads of a record (outlet, date, title),
    the ``keyer``, and the processes keying (``workers > 1``: ``keyer`` must pickle)."""

    text_field: str = "text"
    id_field: str | None = None
    errors: str = "strict"
    encoding: str = DEFAULT_ENCODING
    quiet: bool = False
    fields: MetaFields | None = None
    keyer: Callable[[str], DocKey] = doc_key
    workers: int = 1


def _keyed_records(
    inputs: Sequence[str], reading: RecordReading, rejects: Rejects, counts: RunCounts
) -> Iterator[tuple[Record, DocMeta, tuple[Any, ...]]]:
    """Each accepted record of ``inputs`` with its metadata and its key's :func:`.packed`
    state, in order (:func:`read_documents` says what is read and rejected)."""
    id_field, fields, workers = reading.id_field, reading.fields, reading.workers
    progress = Progress(f"zhnorm {counts.command}", quiet=reading.quiet)
    records = iter_records(
        inputs or ("-",),
        text_field=reading.text_field,
        id_field=id_field,
        errors=reading.errors,
        encoding=reading.encoding,
    )

    def accepted() -> Iterator[tuple[Record, DocMeta]]:
        for item in unique_records(records, id_field):
            counts.read += 1
            progress.update()
            meta = DocMeta()
            if isinstance(item, Record) and fields is not None:
                try:
                    meta = fields.read(item)
                except DateError as error:
                    raw = dumps_record(item.data).rstrip("\n")
                    item = BadRecord(item.source, item.line, str(error), raw)
            if isinstance(item, BadRecord):
                rejects.add(item)
                counts.rejected += 1
                continue
            yield item, meta

    waiting: deque[list[tuple[Record, DocMeta]]] = deque()  # read, keys not yet back

    def chunks() -> Iterator[list[bytes]]:
        chunk: list[tuple[Record, DocMeta]] = []
        for read in accepted():
            chunk.append(read)
            if len(chunk) == KEY_CHUNK:
                waiting.append(chunk)
                yield _sent(chunk)
                chunk = []
        if chunk:
            waiting.append(chunk)
            yield _sent(chunk)

    try:
        with contextlib.ExitStack() as stack:
            pool = stack.enter_context(process_pool(workers)) if workers > 1 else None
            work = functools.partial(_key_texts, reading.keyer)
            for keys in imap_ordered(work, chunks(), pool, window=4 * max(1, workers)):
                for (record, meta), state in zip(waiting.popleft(), keys, strict=True):
                    yield record, meta, state
    finally:
        progress.close()


def read_documents(
    inputs: Sequence[str],
    reading: RecordReading = RecordReading(),
    *,
    rejects: Rejects,
    counts: RunCounts,
) -> list[FileDocument]:
    """Every record of ``inputs`` (stdin when there are none; text and JSONL, see
    :func:`zhnorm.io.iter_records`), read and keyed as ``reading`` says; bad records,
    records repeating an earlier id and (unless ignored) records with a bad date go to
    ``rejects``.  With ``reading.workers > 1`` the records are keyed on that many
    processes, :data:`KEY_CHUNK` records a task, a few tasks ahead of the reader; the
    documents are the same, in order.  Everything is kept in memory (:func:`read_keys`
    keeps the keys on disk)."""
    return [
        FileDocument(
            record_id(record, reading.id_field), record, unpacked(record.text, state), meta
        )
        for record, meta, state in _keyed_records(inputs, reading, rejects, counts)
    ]


def read_keys(
    inputs: Sequence[str],
    reading: RecordReading = RecordReading(),
    *,
    rejects: Rejects,
    counts: RunCounts,
    spill: str | None = None,
) -> tuple[list[str], list[DocMeta], SpilledKeys]:
    """The records :func:`read_documents` reads, as their ids, their metadata and their
    keys kept on disk (:class:`.SpilledKeys`, files in ``spill``; None: the system's
    temporary directory) as they come: neither the records nor their texts stay in
    memory.  The caller closes the keys."""
    ids: list[str] = []
    meta: list[DocMeta] = []
    keys = SpilledKeys(spill)
    try:
        for record, found, state in _keyed_records(inputs, reading, rejects, counts):
            ids.append(record_id(record, reading.id_field))
            meta.append(found)
            keys.append(record.text, state)
    except BaseException:
        keys.close()
        raise
    return ids, meta, keys


# --- shared passages ------------------------------------------------------------------


def reuse_files(
    inputs: Sequence[str],
    output: str | None,
    *,
    html: str | None = None,
    stories: str | None = None,
    clusters: str | None = None,
    furniture: str | None = None,
    fields: MetaFields | None = None,
    source_field: str | None = None,
    options: ReuseOptions | None = None,
    text_field: str = "text",
    id_field: str | None = None,
    errors: str = "strict",
    encoding: str = DEFAULT_ENCODING,
    skip_bad: bool = False,
    rejects: str | None = None,
    quiet: bool = False,
    key: KeyOptions | None = None,
    workers: int = 1,
    **overrides: Any,
) -> RunCounts:
    """Passages shared between the records of ``inputs``: one JSONL line per passage to
    ``output`` (stdout for ``None``), the stories to ``stories``, the passage clusters
    to ``clusters``, the furniture found per outlet to ``furniture``, an HTML report to
    ``html``.  ``fields``: which record fields give each record's outlet, date and
    title (``source_field`` alone is the older form); with outlets, only passages
    across different outlets are reported.  ``options``: a
    :class:`~zhnorm.textreuse.ReuseOptions`, single fields as keyword overrides.
    ``key``: the matching key (:class:`zhnorm.KeyOptions`, default every repair, ``t2s``
    and the fold).  ``workers``: processes keying, finding furniture, hashing, counting
    and aligning the candidate pairs and searching story candidates (the output is the
    same).  Every output path is checked first (:func:`zhnorm.io.check_outputs`)."""
    search = resolve(ReuseOptions, options, overrides)
    if fields is None:
        fields = MetaFields(source_field=source_field)
    bad = rejects_for(skip_bad, output, rejects)
    check_outputs(inputs, [output or "-", html, stories, clusters, furniture, bad.path])
    counts = RunCounts("reuse", rejects_path=bad.path)
    with (
        AtomicOutput(output) as out,
        bad,
        tempfile.TemporaryDirectory(prefix="zhnorm-reuse-") as spill,
    ):
        # the keys, raw texts and maps live in files of ``spill`` (unlinked at once)
        reading = RecordReading(
            text_field=text_field, id_field=id_field, errors=errors, encoding=encoding,
            quiet=quiet, fields=fields, keyer=functools.partial(doc_key, options=key),
            workers=workers,
        )  # fmt: skip
        ids, meta, keys = read_keys(inputs, reading, rejects=bad, counts=counts, spill=spill)
        counts.written = len(ids)
        has_sources = any(m.source is not None for m in meta)
        try:
            result = reuse_spent(
                ids,
                keys,
                replace(search, cross_source=search.cross_source or has_sources),
                meta=meta,
                workers=workers,
                spill=spill,
            )
            texts = dict(zip(ids, raw_texts(keys), strict=True)) if html else {}
        finally:
            keys.close()
        by_id = dict(zip(ids, meta, strict=True))
        for passage in result.passages:
            out.write(dumps_record(passage_row(passage, by_id)))
        if stories:
            with AtomicOutput(stories) as stories_out:
                for story in result.stories:
                    stories_out.write(dumps_record(story.to_dict()))
        if clusters:
            with AtomicOutput(clusters) as clusters_out:
                for cluster in result.clusters:
                    clusters_out.write(dumps_record(cluster.to_dict(by_id)))
        if furniture:
            with AtomicOutput(furniture) as furniture_out:
                for record in furniture_records(result, ids):
                    furniture_out.write(dumps_record(record))
        if html:
            with AtomicOutput(html) as page:
                page.write(story_report(texts, by_id, result, title="zhnorm reuse"))
    counts.check()
    pairs = len({(p.a_id, p.b_id) for p in result.passages})
    counts.notes.append(
        f"{len(result.passages)} shared passages between {pairs} document pairs in "
        f"{len(result.clusters)} clusters; {len(result.stories)} stories of "
        f"{sum(len(s.members) for s in result.stories)} documents "
        f"({result.candidates} candidate pairs aligned)"
    )
    if result.furniture is not None:
        counts.notes.append(f"{len(result.furniture.items)} furniture items set apart")
    outlets = {m.source for m in meta} - {None}
    if fields.source_field and len(outlets) == 1:
        counts.notes.append(
            f"one outlet only ({outlets.pop()}): no passages across outlets; stories still found"
        )
    if fields.ignored_dates:
        counts.notes.append(f"{fields.ignored_dates} unparsable dates ignored")
    if html:
        counts.notes.append(f"report: {html}")
    return counts


def furniture_records(result: ReuseResult, ids: Sequence[str]) -> list[dict[str, Any]]:
    """The furniture of a run as JSON records, occurrences named by document id."""
    if result.furniture is None:
        return []
    return [item.to_dict(ids) for item in result.furniture.items]


def story_report(
    texts: Mapping[str, str],
    meta: Mapping[str, DocMeta],
    result: ReuseResult,
    *,
    repeats: Sequence[RepeatGroup] = (),
    title: str,
    note: str = "",
    explain: bool = False,
) -> str:
    """The HTML report (:func:`.render_story_report`) of a run over ``texts`` (id ->
    text; ``meta``: what is known of each)."""
    documents = [
        {"id": doc_id, **meta.get(doc_id, DocMeta()).to_dict(), "text": text}
        for doc_id, text in texts.items()
    ]
    return render_story_report(
        documents,
        stories=[s.to_dict() for s in result.stories],
        clusters=[c.to_dict(meta) for c in result.clusters],
        passages=[passage_row(p, meta) for p in result.passages],
        furniture=furniture_records(result, list(texts)),
        repeats=[g.to_dict() for g in repeats],
        title=title,
        note=note,
        explain=explain,
    )


REPORT_FILES = ["report.html", "repeats.jsonl", "passages.jsonl", "stories.jsonl"]
"""What :func:`reuse_report` writes to its directory, in this order."""


@dataclass
class ReuseReport:
    """What :func:`reuse_report` found and wrote."""

    groups: list[RepeatGroup]
    result: ReuseResult
    paths: list[Path]


def reuse_report(texts: dict[str, str], directory: Path, *, note: str = "") -> ReuseReport:
    """Repeated paragraphs, shared passages and stories of ``texts`` (id -> text),
    written to ``directory`` as the files of :data:`REPORT_FILES`: the HTML report
    (with the repairs applied to each document), the repeat groups, the passages and
    the stories, as ``zhnorm paragraphs`` and ``zhnorm reuse`` write them."""
    groups = repeated_paragraphs(texts)
    result = reuse(texts)
    meta = {doc_id: DocMeta() for doc_id in texts}
    paths = [directory / name for name in REPORT_FILES]
    page = story_report(
        texts, meta, result, repeats=groups, title="zhnorm reuse", note=note, explain=True
    )
    rows = [
        [page],
        [dumps_record(group.to_dict()) for group in groups],
        [dumps_record(passage_row(passage, meta)) for passage in result.passages],
        [dumps_record(story.to_dict()) for story in result.stories],
    ]
    for path, lines in zip(paths, rows, strict=True):
        with AtomicOutput(str(path)) as out:
            for line in lines:
                out.write(line)
    return ReuseReport(groups, result, paths)
