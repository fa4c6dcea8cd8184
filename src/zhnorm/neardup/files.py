"""``dedup_files``: near-duplicate removal over JSONL, Parquet or text files, streaming,
in this process and ``workers`` more - the local twin of :func:`zhnorm.spark.dedup_files`.

One block per stage (:func:`dedup_files`):

1. **read and sketch** - stream the records (bad ones go to the rejects, with their
   reason), keep each good record's id, length, place and keep value, and sketch the
   texts (matching key, MinHash signature, LSH band hashes) on ``workers`` processes;
   keys go to a temporary file (:class:`~zhnorm.neardup.spool.KeySpool`, in ``tmp_dir``
   or beside the output), signatures stay in memory;
2. **candidates** - documents sharing an LSH band;
3. **verify** - the exact Jaccard similarity of every candidate pair;
4. **match the index** - with ``index``, the documents earlier runs kept that each one
   duplicates;
5. **cluster** - one kept member per cluster (:func:`~zhnorm.neardup.api.assign_clusters`);
6. **write** - re-read the inputs (stdin is held in memory instead) and write the kept
   records unchanged - from JSONL to JSONL their lines are copied byte for byte,
   without parsing them again (in files read in byte ranges, :mod:`~zhnorm.neardup.split`,
   not even scanned for line ends: runs of kept lines are cut out by the byte spans the
   first pass found, :mod:`~zhnorm.neardup.kept`) - the clusters and the pairs; outputs
   are atomic;
7. **update the index** - only once the outputs are in place, in one transaction; the
   index's writer lock is taken before stage 1, so a second writer fails before any work.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import os
import sqlite3
import tempfile
from array import array
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from contextlib import ExitStack, closing, contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt

from ..io import (
    DEFAULT_ENCODING,
    AtomicOutput,
    BadRecord,
    DedupCounts,
    InputError,
    InputFile,
    Progress,
    Record,
    RecordWriter,
    Rejects,
    check_outputs,
    check_work_dir,
    dumps_record,
    input_files,
    iter_records,
    jsonl_lines,
    record_id,
    rejects_for,
    remove_leftovers,
)
from ..io.files import dumps_strings, dumps_value
from ..io.inputs import BOM, codec_of
from ..io.records import given_id
from ..io.rejects import duplicate_id, id_not_utf8
from ..io.remote import is_remote
from ..key import KeyOptions
from ..workers import forks, process_pool
from .api import CHUNK_DOCS, DuplicatePair, Duplicates, cluster_duplicates, verified_pairs
from .cluster import KEEP_POLICIES
from .index import DedupIndex, IndexFileError, IndexMatch
from .inherit import handed_down, inherited
from .kept import FileSpans
from .keys import DEDUP_KEY_CONFIG
from .lsh import candidate_pairs, lsh_bands
from .params import DEFAULT_THRESHOLD, MinHashParams
from .sketch import Sketch, shared_in_order, sketch_chunks
from .split import (
    LineRange,
    RangeReading,
    line_ranges,
    range_record,
    read_range,
    read_range_to_file,
)
from .spool import KeySpool, RowSpool
from .verify import ShingleSets

__all__ = ["check_dedup_outputs", "dedup_files", "spool_dir"]

_UTF8_ENCODINGS = ("utf-8", "utf-8-sig")
"""Input encodings whose JSONL lines are copied as they are; any other (and ``auto``,
which may choose another) re-serialises the kept records, so the output is UTF-8."""


class _Corpus:
    """What the first pass keeps about the good records, by position - in arrays and
    spool files, not per-record Python objects (the memory bound, docs/dedup.md):

    * ids, matching keys: :class:`KeySpool` files (8 bytes of offset per record in memory);
    * signatures and band hashes: :class:`RowSpool` files (bands are loaded whole, one
      ``uint64`` per band and record, for the candidate search);
    * length, place (source number, line), no-shingle flag: arrays, 17 bytes a record;
    * the id check: a dict from the id's hash to the first position (about 100 bytes a
      record), the ids compared on the spool when hashes meet;
    * ``values`` (``keep`` naming a field) and ``held`` (stdin) are Python objects;
    * read in byte ranges, where each line lies in its file (``spans``,
      :class:`~zhnorm.neardup.kept.FileSpans`): 17 bytes a record."""

    def __init__(self, spool_in: str, num_perm: int, n_bands: int, keep: str, stdin: bool):
        self._stack = ExitStack()
        self.ids = self._stack.enter_context(KeySpool(spool_in))
        self.keys = self._stack.enter_context(KeySpool(spool_in))
        self.signatures = self._stack.enter_context(RowSpool(spool_in, np.uint32, num_perm))
        self.band_rows = self._stack.enter_context(RowSpool(spool_in, np.uint64, n_bands))
        self.bands: npt.NDArray[np.uint64] = np.empty((0, n_bands), np.uint64)
        self.empty_parts: list[npt.NDArray[np.bool_]] = []
        self.empty: npt.NDArray[np.bool_] = np.empty(0, bool)
        self.lengths: array[int] = array("I")
        self.sources: list[str] = []
        self.source_of: array[int] = array("I")
        self.line_of: array[int] = array("q")
        self.keep = keep
        self.values: list[Any] = []
        self.held: list[Record] | None = [] if stdin else None
        self._first: dict[int, int] = {}  # hash(id) -> first position with that hash
        self._collided: dict[str, int] = {}  # ids whose hash an earlier, other id has
        self.repeated: set[tuple[str, int]] = set()  # (file, line) rejected
        self.spans: FileSpans | None = None  # where the lines are (read in byte ranges)

    def __len__(self) -> int:
        return len(self.ids)

    def close(self) -> None:
        self._stack.close()

    def first_with(self, doc_id: str) -> int | None:
        """Position of the first record with id ``doc_id``, or ``None``."""
        first = self._first.get(hash(doc_id))
        if first is None:
            return None
        if self.ids[first] == doc_id:
            return first
        return self._collided.get(doc_id)

    @property
    def keep_field(self) -> str | None:
        """The field whose values decide which member of a cluster is kept, or ``None``."""
        return None if self.keep in KEEP_POLICIES else self.keep

    def add(self, record: Record, doc_id: str) -> None:
        value = None if self.keep_field is None else record.data.get(self.keep_field)
        self.add_place(doc_id, len(record.text), record.source, record.line, value)
        if self.held is not None:
            self.held.append(record)

    def add_place(self, doc_id: str, length: int, source: str, line: int, value: Any) -> None:
        """Note a good record: its id, text length, place and ``keep`` field's value."""
        position = len(self.ids)
        first = self._first.setdefault(hash(doc_id), position)
        if first != position and self.ids[first] != doc_id:
            self._collided.setdefault(doc_id, position)
        self.ids.append(doc_id)
        self.lengths.append(length)
        if not self.sources or self.sources[-1] != source:
            self.sources.append(source)
        self.source_of.append(len(self.sources) - 1)
        self.line_of.append(line)
        if self.keep_field is not None:
            self.values.append(value)

    def add_new(
        self,
        doc_ids: list[str],
        lengths: list[int],
        source: str,
        lines: list[int],
        values: list[Any] | None,
    ) -> bool:
        """:meth:`add_place` of several records of ``source`` together (``values``:
        ``None`` without a ``keep`` field), when the hashes of their ids differ from each
        other and from every earlier id's - so no id repeats an earlier one and none
        collides; otherwise nothing is added and ``False`` returned."""
        hashes = list(map(hash, doc_ids))
        if len(set(hashes)) != len(hashes) or not self._first.keys().isdisjoint(hashes):
            return False
        if not doc_ids:
            return True
        position = len(self.ids)
        self._first.update(zip(hashes, range(position, position + len(hashes)), strict=True))
        self.ids.extend(doc_ids)
        self.lengths.extend(lengths)
        if not self.sources or self.sources[-1] != source:
            self.sources.append(source)
        self.source_of.extend(itertools.repeat(len(self.sources) - 1, len(doc_ids)))
        self.line_of.extend(lines)
        if self.keep_field is not None and values is not None:
            self.values.extend(values)
        return True

    def add_sketch(self, sketch: Sketch) -> None:
        self.keys.extend(sketch.keys)
        self.signatures.extend(sketch.signatures)
        self.band_rows.extend(sketch.bands)
        self.empty_parts.append(sketch.empty)

    def place(self, position: int) -> str:
        """``file:line`` of the record at ``position``."""
        return f"{self.sources[self.source_of[position]]}:{self.line_of[position]}"

    def stack(self) -> None:
        """Load the band hashes and join the no-shingle flags (after the first pass)."""
        self.bands = self.band_rows.rows(0, len(self.band_rows))
        self.empty = np.concatenate(self.empty_parts) if self.empty_parts else np.empty(0, bool)
        self.empty_parts = []

    def sketches(self) -> Iterator[tuple[int, Sketch]]:
        """``(first position, sketch)`` per chunk, read back from the spools."""
        for first in range(0, len(self.ids), CHUNK_DOCS):
            span = range(first, min(first + CHUNK_DOCS, len(self.ids)))
            yield (
                first,
                Sketch(
                    [self.keys[i] for i in span],
                    self.signatures.rows(span.start, span.stop),
                    self.bands[span.start : span.stop],
                    self.empty[span.start : span.stop],
                ),
            )


class _RunKeys:
    """The matching key of a document of the run: ``0 .. n-1`` this run's (from the
    spool), then ``n ..`` the indexed documents they matched (``earlier``, by index
    document number), read from the index."""

    def __init__(self, spool: KeySpool, index: DedupIndex | None, earlier: Sequence[int]):
        self.spool = spool
        self.index = index
        self.earlier = earlier

    def __call__(self, node: int) -> str:
        n = len(self.spool)
        if node < n:
            return self.spool[node]
        assert self.index is not None
        return self.index.key_of(self.earlier[node - n])


def check_dedup_outputs(
    inputs: Sequence[str],
    output: str,
    clusters: str | None = None,
    pairs: str | None = None,
    rejects: str | None = None,
    index: str | os.PathLike[str] | DedupIndex | None = None,
    tmp_dir: str | os.PathLike[str] | None = None,
    *,
    skip_bad: bool = False,
) -> None:
    """:func:`zhnorm.io.check_outputs` for the outputs of :func:`dedup_files` (with
    ``skip_bad``, the rejects file :func:`zhnorm.io.rejects_for` names), and for
    ``tmp_dir`` (:func:`zhnorm.io.check_work_dir`: it must exist); then a killed run's
    leftovers are removed from where the spools go (:func:`spool_dir`).  Nothing is
    opened or created."""
    index_path = index.path if isinstance(index, DedupIndex) else index
    bad = rejects_for(skip_bad, output, rejects)
    check_outputs(inputs, [output, clusters, pairs, bad.path], index=index_path)
    if tmp_dir is not None:
        check_work_dir(tmp_dir)
    remove_leftovers(spool_dir(output, tmp_dir, (clusters, pairs)))


def spool_dir(
    output: str,
    tmp_dir: str | os.PathLike[str] | None = None,
    others: Sequence[str | None] = (),
) -> str:
    """Where :func:`dedup_files` keeps its spools (keys, ids, signatures, band hashes):
    ``tmp_dir``, else the directory of the output, else (``-o -``) of the first of
    ``others`` written to a file, else the system's temporary directory (``TMPDIR``),
    where stdout is spooled too - never the working directory."""
    if tmp_dir is not None:
        return os.fspath(tmp_dir)
    for path in (output, *others):
        if path is not None and path != "-":
            return os.path.dirname(os.path.abspath(path))
    return tempfile.gettempdir()


def dedup_files(
    inputs: Sequence[str],
    output: str,
    clusters: str | None = None,
    *,
    pairs: str | None = None,
    index: str | os.PathLike[str] | DedupIndex | None = None,
    threshold: float | None = None,
    params: MinHashParams | None = None,
    keep: str = "first",
    id_field: str | None = None,
    text_field: str = "text",
    workers: int = 1,
    rejects: str | None = None,
    skip_bad: bool = False,
    errors: str = "strict",
    encoding: str = DEFAULT_ENCODING,
    quiet: bool = False,
    tmp_dir: str | os.PathLike[str] | None = None,
    key: KeyOptions | None = None,
) -> DedupCounts:
    """Remove near-duplicates from ``inputs`` (JSONL, also compressed, Parquet, ``.txt``
    files, directories of them, ``-`` for stdin: :func:`zhnorm.io.iter_records`, read in
    ``encoding``) and write the kept records, unchanged, to ``output`` (JSONL, or
    Parquet for ``.parquet``); one line per good record to ``clusters`` (``{"id",
    "cluster", "duplicate_of", "similarity"}``); every verified pair to ``pairs``.

    Bad records follow :func:`zhnorm.io.rejects_for`: the first one is an
    :class:`~zhnorm.io.InputError` naming its ``file:line``, or with ``skip_bad`` each
    goes, with its reason, to ``rejects`` (default ``OUTPUT.rejects.jsonl``).  Ids must
    be unique: a record repeating an earlier record's own id is such a bad record (the
    message names both places; the first one is kept).  Stages: module docstring.

    ``index``: a :class:`~zhnorm.neardup.index.DedupIndex` (or its path) of earlier
    runs: documents matching it are removed, this run's are added to it; ``params`` and
    ``threshold`` default to the index's (else ``MinHashParams()`` and 0.8), and given
    ones that differ from an existing index's raise
    :class:`~zhnorm.neardup.index.IndexParamsError`.  Ids follow
    :func:`zhnorm.io.record_id`.  The index's writer lock is held for the whole run (a
    second writer is an :class:`~zhnorm.neardup.index.IndexFileError` before any work),
    and this run's documents are added in one transaction once the outputs are in place;
    ids already in the index are not added again.

    ``key``: the matching key (:class:`zhnorm.KeyOptions`; default
    :data:`~zhnorm.neardup.keys.DEDUP_KEY_CONFIG`, or the index's); one that differs
    from an existing index's raises :class:`~zhnorm.neardup.index.IndexParamsError`.
    ``workers``: processes for keys, signatures, candidates and exact verification (the result is
    the same).  ``tmp_dir``: an existing directory for the run's spools (default:
    :func:`spool_dir`).  ``quiet=False`` shows progress on a terminal.  Every output
    path is checked first (:func:`check_dedup_outputs`), before the index is opened.
    Returns the counts; :meth:`~zhnorm.io.DedupCounts.summary` is the command's line."""
    check_dedup_outputs(inputs, output, clusters, pairs, rejects, index, tmp_dir, skip_bad=skip_bad)
    given = index
    try:
        with ExitStack() as run:
            if index is not None and not isinstance(index, DedupIndex):
                index = run.enter_context(DedupIndex(index, params, threshold, key_config=key))
            if index is not None:
                run.enter_context(index.writing())
                params, threshold, key = index.params, index.threshold, index.key_config
            return _dedup(
                inputs,
                output,
                clusters=clusters,
                pairs=pairs,
                index=index,
                threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
                params=params or MinHashParams(),
                keep=keep,
                id_field=id_field,
                text_field=text_field,
                workers=workers,
                bad=rejects_for(skip_bad, output, rejects),
                errors=errors,
                encoding=encoding,
                quiet=quiet,
                spool_in=spool_dir(output, tmp_dir, (clusters, pairs)),
                key=key or DEDUP_KEY_CONFIG,
            )
    except sqlite3.DatabaseError as exc:  # an index page found corrupt during the run
        where = given.path if isinstance(given, DedupIndex) else os.fspath(given or "")
        raise IndexFileError(f"{where}: cannot read the index ({exc})") from None


def _dedup(
    inputs: Sequence[str],
    output: str,
    *,
    clusters: str | None,
    pairs: str | None,
    index: DedupIndex | None,
    threshold: float,
    params: MinHashParams,
    keep: str,
    id_field: str | None,
    text_field: str,
    workers: int,
    bad: Rejects,
    errors: str,
    encoding: str,
    quiet: bool,
    spool_in: str,
    key: KeyOptions,
) -> DedupCounts:
    """:func:`dedup_files` once its outputs are checked and the index's lock is held."""
    bands, rows = lsh_bands(threshold, params.num_perm)
    read = functools.partial(
        iter_records,
        inputs,
        text_field=text_field,
        id_field=id_field,
        errors=errors,
        encoding=encoding,
    )
    counts = DedupCounts(rejects_path=bad.path)
    with closing(_Corpus(spool_in, params.num_perm, bands, keep, stdin="-" in inputs)) as corpus:
        with ExitStack() as outputs:  # committed (renamed into place) on success
            outputs.enter_context(bad)

            # 1. Read and sketch.
            progress = Progress("zhnorm dedup: sketching", quiet=quiet)
            indexed = index is not None
            split = _split_files(inputs, encoding, workers)
            sketches: Iterable[Sketch]
            if split is not None:  # each process reads its own parts of the files
                how = RangeReading(
                    text_field, id_field, errors, corpus.keep_field, params, key, bands, rows
                )
                sketches = _range_sketches(split, how, corpus, bad, progress, workers, indexed)
            else:
                texts = _good_texts(read(), corpus, bad, id_field, progress, indexed=indexed)
                sketches = sketch_chunks(texts, params, key, bands, rows, workers)
            for sketch in sketches:
                corpus.add_sketch(sketch)
            progress.close()
            corpus.stack()

            # 2. Candidates.
            with Progress("zhnorm dedup: candidate pairs", unit=None):
                a, b, band = candidate_pairs(corpus.bands, ~corpus.empty, workers=workers)
            counts.candidates = len(a)

            # 3. Verify.
            corpus.keys.flush()  # forked verifiers read the key file
            with Progress("zhnorm dedup: verifying candidate pairs", unit=None):
                found = verified_pairs(
                    a, b, band, corpus.keys, corpus.signatures, params, threshold,
                    workers,
                )  # fmt: skip
            counts.verified = len(found)
            del a, b, band

            # 4-6. The pairs file needs only the verified pairs: with workers, a forked
            # child writes it from here on, while this process matches the index,
            # clusters and writes the other outputs.
            clusters_out = outputs.enter_context(AtomicOutput(clusters)) if clusters else None
            pairs_out = outputs.enter_context(AtomicOutput(pairs)) if pairs else None
            aside = workers > 1 and forks()
            with _writing_aside(_pair_lines(found, corpus.ids), pairs_out, corpus.ids, aside):
                # 4. Match the index.
                matched = {}
                if index is not None:
                    with Progress("zhnorm dedup: matching the index", unit=None):
                        matched = _index_matches(index, corpus)
                earlier = sorted({m.doc for ms in matched.values() for m in ms})
                number = {doc: len(corpus) + i for i, doc in enumerate(earlier)}
                links = [(q, number[m.doc], m.exact) for q, ms in matched.items() for m in ms]
                id_of = {number[m.doc]: m.id for ms in matched.values() for m in ms}

                # 5. Cluster.
                keys = _RunKeys(corpus.keys, index, earlier)
                sets = ShingleSets(keys, params.ngram, words=params.words)
                clustered = cluster_duplicates(
                    len(corpus),
                    found,
                    sets.similarity,
                    keep,
                    corpus.lengths,
                    corpus.values if keep not in KEEP_POLICIES else None,
                    kept_before=len(earlier),
                    links=links,
                )

                def node_id(node: int) -> str:
                    return corpus.ids[node] if node < len(corpus) else id_of[node]

                # 6. Write: the clusters file (from what is in memory and the id spool)
                # in a second forked child while this process copies the kept records.
                lines = _cluster_lines(corpus, clustered, node_id)
                with _writing_aside(lines, clusters_out, corpus.ids, aside):
                    written = _write_records(
                        read,
                        inputs,
                        corpus,
                        clustered,
                        output=output,
                        copy_lines=encoding in _UTF8_ENCODINGS,
                        errors=errors,
                        quiet=quiet,
                        stack=outputs,
                    )
        # 7. Update the index, once the outputs are in place.
        if index is not None:
            with Progress("zhnorm dedup: adding to the index", unit=None):
                index.store(_batches(corpus))
            counts.matched, counts.index = len(matched), index.path
        counts.read = len(corpus) + bad.count
        counts.written = written
        counts.removed = len(corpus) - written
    counts.rejected = bad.count
    counts.check()
    return counts


def _good_texts(
    records: Iterable[Record | BadRecord],
    corpus: _Corpus,
    bad: Rejects,
    id_field: str | None,
    progress: Progress,
    *,
    indexed: bool = False,
) -> Iterator[list[str]]:
    """Texts of the good records in chunks (noted in ``corpus``); bad ones to ``bad``
    (fatal without ``--skip-bad``).  A record repeating an earlier record's own id
    (:func:`~zhnorm.io.records.given_id`; not a ``file:line`` of a file given twice) is
    a bad record too, and with ``indexed`` one whose id the index cannot store (a lone
    surrogate)."""
    chunk: list[str] = []
    for item in records:
        progress.update()
        if isinstance(item, BadRecord):
            bad.add(item)
            continue
        doc_id = record_id(item, id_field)
        reason = _id_problem(corpus, doc_id, bool(given_id(item, id_field)), indexed)
        if reason is not None:
            bad.add(BadRecord(item.source, item.line, reason, dumps_record(item.data).rstrip()))
            corpus.repeated.add((item.source, item.line))
            continue
        corpus.add(item, doc_id)
        chunk.append(item.text)
        if len(chunk) >= CHUNK_DOCS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _id_problem(corpus: _Corpus, doc_id: str, own: bool, indexed: bool) -> str | None:
    """Why a good record with id ``doc_id`` (``own``: its own, not its place) is
    rejected, or ``None``: :func:`_good_texts`."""
    first = corpus.first_with(doc_id) if own else None
    if first is not None:
        return duplicate_id(doc_id, corpus.place(first))
    if indexed and not doc_id.isascii() and not _utf8_text(doc_id):
        return id_not_utf8(doc_id)
    return None


def _split_files(inputs: Sequence[str], encoding: str, workers: int) -> list[InputFile] | None:
    """The input files, when ``workers > 1`` processes can each read their own parts of
    them (:mod:`~zhnorm.neardup.split`): all :func:`_plain_jsonl`, read as UTF-8;
    else ``None``."""
    if workers < 2 or encoding != DEFAULT_ENCODING:
        return None
    if any(path == "-" or is_remote(path) for path in inputs):
        return None
    files = list(input_files(inputs))
    return files if all(_plain_jsonl(file) for file in files) else None


def _range_sketches(
    files: Sequence[InputFile],
    how: RangeReading,
    corpus: _Corpus,
    bad: Rejects,
    progress: Progress,
    workers: int,
    indexed: bool,
) -> Iterator[Sketch]:
    """:func:`_good_texts` and :func:`~zhnorm.neardup.sketch.sketch_chunks` for
    :func:`_split_files`: the files' byte ranges read and sketched on ``workers``
    processes (:func:`~zhnorm.neardup.split.read_range`), put back in order here, where
    the line numbers are made absolute and the ids checked; the sketch of each range's
    accepted records."""

    def child(spill: str, index: int, part: LineRange) -> tuple[Any, ...]:
        return (read_range_to_file, spill, part, how)

    here = functools.partial(read_range, how=how)
    before = 0  # lines of the file before the range
    spans = corpus.spans = FileSpans()
    for read in shared_in_order(line_ranges(files), here, child, workers):
        part = read.part
        if part.start == 0:
            before = 0
            spans.start_file(part.path)
        if not read.bad and not indexed:  # usually every id is new: noted together
            lines = (read.line + before).tolist()
            doc_ids = [
                f"{part.name}:{line}" if own is None else own
                for line, own in zip(lines, read.given, strict=True)
            ]
            if corpus.add_new(doc_ids, read.lengths.tolist(), part.name, lines, read.values):
                progress.update(len(doc_ids))
                before += read.lines
                spans.add(read.spans)
                yield read.sketch
                continue
        waiting = iter(read.bad)
        bad_next = next(waiting, None)
        dropped: list[int] = []
        values = itertools.repeat(None, len(read.given)) if read.values is None else read.values
        rows = zip(read.line.tolist(), read.given, read.lengths.tolist(), values, strict=True)
        for row, (number, own, length, value) in enumerate(rows):
            while bad_next is not None and bad_next.line < number:
                progress.update()
                bad.add(dataclasses.replace(bad_next, line=before + bad_next.line))
                bad_next = next(waiting, None)
            progress.update()
            line = before + number
            doc_id = f"{part.name}:{line}" if own is None else own
            reason = _id_problem(corpus, doc_id, bool(own), indexed)
            if reason is not None:
                record = range_record(part, number, how)
                raw = dumps_record(record.data).rstrip()
                bad.add(BadRecord(part.name, line, reason, raw))
                corpus.repeated.add((part.name, line))
                dropped.append(row)
                continue
            corpus.add_place(doc_id, length, part.name, line, value)
        while bad_next is not None:
            progress.update()
            bad.add(dataclasses.replace(bad_next, line=before + bad_next.line))
            bad_next = next(waiting, None)
        before += read.lines
        spans.add(read.spans.without(dropped) if dropped else read.spans)
        yield _without(read.sketch, dropped) if dropped else read.sketch


def _without(sketch: Sketch, rows: Sequence[int]) -> Sketch:
    """``sketch`` without its ``rows``."""
    kept = np.ones(len(sketch), bool)
    kept[list(rows)] = False
    keys = [key for key, keep in zip(sketch.keys, kept.tolist(), strict=True) if keep]
    return Sketch(keys, sketch.signatures[kept], sketch.bands[kept], sketch.empty[kept])


def _utf8_text(text: str) -> bool:
    """Whether ``text`` encodes to UTF-8 (holds no lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _index_matches(index: DedupIndex, corpus: _Corpus) -> dict[int, list[IndexMatch]]:
    """Position -> indexed documents it duplicates."""
    matched: dict[int, list[IndexMatch]] = {}
    for first, sketch in corpus.sketches():
        for offset, matches in enumerate(index.query_sketch(sketch)):
            if matches:
                matched[first + offset] = matches
    return matched


def _batches(corpus: _Corpus) -> Iterator[tuple[list[str], Sketch]]:
    """This run's documents, chunk by chunk, for :meth:`DedupIndex.store`."""
    for first, sketch in corpus.sketches():
        yield [corpus.ids[i] for i in range(first, first + len(sketch))], sketch


_LINE_BLOCK = 4096
"""Pairs laid out per block by :func:`_pair_lines` (their ids read and encoded together)."""


def _json_number(value: float | int | None) -> str:
    """:func:`~zhnorm.io.files.dumps_value` of a number, without the encoder for the
    usual ``int`` and finite ``float`` (JSON's text for them is their ``repr``)."""
    kind = type(value)
    if kind is int or (kind is float and math.isfinite(value)):  # type: ignore[arg-type]
        return repr(value)
    return dumps_value(value)


_json_key = functools.lru_cache(maxsize=None)(dumps_value)
"""JSON text of a field name (the few names of a record, encoded once)."""


def _encoded_ids(ids: KeySpool, nodes: Iterable[int]) -> dict[int, str]:
    """Position -> JSON text of its id (:func:`~zhnorm.io.files.dumps_strings`), for the
    positions ``nodes``, read from the id spool together."""
    taken = ids.take(nodes)
    return dict(zip(taken, dumps_strings(list(taken.values())), strict=True))


def _pair_lines(found: list[DuplicatePair], ids: KeySpool) -> Iterator[str]:
    """The pairs file: every verified pair, with both ids, a line each (the lines of
    :func:`~zhnorm.io.files.dumps_record` of ``{**pair.to_dict(), "id_a", "id_b"}``),
    :data:`_LINE_BLOCK` lines to a string."""
    for lo in range(0, len(found), _LINE_BLOCK):
        block = found[lo : lo + _LINE_BLOCK]
        encoded = _encoded_ids(ids, [p.a for p in block] + [p.b for p in block])
        yield "".join(
            [
                "{"
                + "".join(f"{_json_key(k)}: {_json_number(v)}, " for k, v in p.to_dict().items())
                + f'"id_a": {encoded[p.a]}, "id_b": {encoded[p.b]}}}\n'
                for p in block
            ]
        )


def _cluster_lines(
    corpus: _Corpus, clustered: Duplicates, node_id: Callable[[int], str]
) -> Iterator[str]:
    """The clusters file, a line per good record in order: ``{"id", "cluster",
    "duplicate_of", "similarity"}``; a chunk's lines to a string (its ids, and those of
    the members that keep its removed records, read from the spool in blocks)."""
    duplicate_of, similarity_of = clustered.duplicate_of, clustered.similarity
    total = len(corpus)
    for first in range(0, total, CHUNK_DOCS):
        ids = dumps_strings(corpus.ids.span(first, first + CHUNK_DOCS))
        stop = first + len(ids)
        kept_by_of = {p: duplicate_of[p] for p in range(first, stop) if p in duplicate_of}
        encoded = _encoded_ids(corpus.ids, [k for k in kept_by_of.values() if k < total])
        for kept in kept_by_of.values():
            if kept >= total:  # an earlier run's document (from the index)
                encoded[kept] = dumps_value(node_id(kept))
        lines: list[str] = []
        for position, own in enumerate(ids, first):
            kept_by = kept_by_of.get(position)
            if kept_by is None and position not in similarity_of:
                lines.append(
                    f'{{"id": {own}, "cluster": {own}, "duplicate_of": null, "similarity": null}}\n'
                )
                continue
            by = "null" if kept_by is None else encoded[kept_by]
            similarity = _json_number(similarity_of.get(position))
            lines.append(
                f'{{"id": {own}, "cluster": {own if kept_by is None else by}, '
                f'"duplicate_of": {by}, "similarity": {similarity}}}\n'
            )
        yield "".join(lines)


@contextmanager
def _writing_aside(
    lines: Iterable[str], out: AtomicOutput | None, ids: KeySpool, in_child: bool
) -> Iterator[None]:
    """Write ``lines`` to ``out`` (nothing without ``out``): with ``in_child``, in a
    forked child while the block runs (its failure is raised here when the block ends);
    otherwise here, after the block.  The output stays this process's: it appears when
    its outputs do.  :func:`dedup_files` with workers writes the pairs file so from the
    end of verification on, and the clusters file in a second child while it copies the
    kept records (one child writing both files took 1.33 s of CPU at 200,000 documents
    to this process's 0.56 s for the copy, docs/benchmarks.md, session 13)."""
    if out is None:
        yield
        return
    if not in_child:
        yield
        for line in lines:
            out.write(line)
        return
    ids.flush()  # the child reads the id spool
    with handed_down((lines, out)) as token, process_pool(1) as pool:
        done = pool.submit(_write_lines_inherited, token)
        yield
        done.result()


def _write_lines_inherited(token: int) -> None:
    """In a forked child: write the inherited ``(lines, output)`` through a second
    handle on the output's temporary file."""
    lines: Iterable[str]
    out: AtomicOutput
    lines, out = inherited(token)
    with out.reopen() as handle:
        for line in lines:
            handle.write(line)


def _record_lines(file: InputFile, corpus: _Corpus, position: int) -> Iterator[bytes]:
    """The JSONL lines of this run's records in ``file``, in order, read again without
    parsing (blank and rejected lines are not theirs); ``position``: the first one's."""
    total, sources, source_of, line_of = (
        len(corpus),
        corpus.sources,
        corpus.source_of,
        corpus.line_of,
    )
    for name, lineno, raw in jsonl_lines(file.path, file.name):
        # On re-reading, rejected records are not the one at ``position``.
        if (
            position < total
            and line_of[position] == lineno
            and sources[source_of[position]] == name
        ):
            yield raw
            position += 1


def _all_record_lines(files: Sequence[InputFile], corpus: _Corpus) -> Iterator[bytes]:
    """:func:`_record_lines` of every file, in order."""
    position = 0
    for file in files:
        for raw in _record_lines(file, corpus, position):
            position += 1
            yield raw


def _plain_jsonl(file: InputFile) -> bool:
    """Whether ``file``'s bytes are its JSONL lines as they are, in a local regular file
    (not stdin, not compressed, not remote): what :func:`_copy_kept_blocks` copies."""
    return (
        file.kind == "jsonl"
        and bool(file.name)
        and file.path != "-"
        and codec_of(file.path) is None
        and not is_remote(file.path)
        and os.path.isfile(file.path)
    )


_READ_BYTES = 1 << 20
"""Bytes :func:`_copy_kept_blocks` reads at a time (a longer line is read whole)."""


def _copy_kept_blocks(
    file: InputFile,
    corpus: _Corpus,
    position: int,
    removed: Container[int],
    writer: RecordWriter,
    progress: Progress,
) -> tuple[int, int]:
    """:func:`_copy_kept_lines` for a :func:`_plain_jsonl` file, read in blocks of
    :data:`_READ_BYTES`: in each block, runs of consecutive kept lines, each ending in
    one ``\\n``, are joined and written in one go (no line is split off on its own, one
    write per block); any other kept line (``\\r\\n``, no line break at the end) goes through
    :meth:`RecordWriter.write_raw_lines`, which mends its end as before.  The same bytes
    as :func:`_copy_kept_lines`; ``(next position, records kept)``."""
    total, sources, source_of, line_of = (
        len(corpus),
        corpus.sources,
        corpus.source_of,
        corpus.line_of,
    )
    kept = lineno = 0
    carry = b""  # the start of a line the last block did not finish
    with open(file.path, "rb") as handle:
        while True:
            block = handle.read(_READ_BYTES)
            last = not block
            if last and not carry:
                break
            data = carry + block if carry else block
            at = 0
            if lineno == 0 and data[: len(BOM)] == BOM[: len(data)]:
                if len(data) < len(BOM) and not last:
                    carry = data  # too short to tell: wait for the next block
                    continue
                at = len(BOM) if data.startswith(BOM) else 0
            run_start = run_end = at
            run_lines = 0
            view = memoryview(data)
            runs: list[memoryview] = []  # the block's runs of kept lines, written together
            runs_lines = 0
            size = len(data)
            find = data.find
            while at < size:
                end = find(b"\n", at)
                if end < 0 and not last:
                    break  # finished by the next block
                after = size if end < 0 else end + 1
                lineno += 1
                if (
                    position < total
                    and line_of[position] == lineno
                    and sources[source_of[position]] == file.name
                ):
                    position += 1
                    progress.update()
                    if position - 1 not in removed:
                        kept += 1
                        if end >= 0 and (end == at or data[end - 1] != 13):  # ends in one \n
                            if run_end != at:
                                if run_lines:
                                    runs.append(view[run_start:run_end])
                                    runs_lines += run_lines
                                run_start, run_lines = at, 0
                            run_end, run_lines = after, run_lines + 1
                        else:
                            if run_lines:
                                runs.append(view[run_start:run_end])
                                runs_lines += run_lines
                                run_lines = 0
                            if runs:
                                writer.write_raw_block(b"".join(runs), runs_lines)
                                runs, runs_lines = [], 0
                            writer.write_raw_lines([data[at:after]])
                at = after
            if run_lines:
                runs.append(view[run_start:run_end])
                runs_lines += run_lines
            if runs:
                writer.write_raw_block(b"".join(runs), runs_lines)
            carry = data[at:]
            if last:
                break
    return position, kept


_COPY_BLOCK = 1024
"""Kept lines written together by :func:`_copy_kept_lines`."""


def _copy_kept_lines(
    lines: Iterable[bytes],
    removed: Container[int],
    writer: RecordWriter,
    progress: Progress,
    position: int = 0,
) -> tuple[int, int]:
    """Copy the kept ones of ``lines`` (this run's records in order from ``position``,
    :func:`_record_lines`: read strictly in the first pass, so valid UTF-8) to ``writer``
    byte for byte, :data:`_COPY_BLOCK` lines a write; ``(next position, records kept)``."""
    kept = 0
    block: list[bytes] = []
    for raw in lines:
        if position not in removed:
            block.append(raw)
            if len(block) >= _COPY_BLOCK:
                writer.write_raw_lines(block)
                kept += len(block)
                block = []
        position += 1
        progress.update()  # per record, as the other sources: periodic lines stay exact
    writer.write_raw_lines(block)
    kept += len(block)
    return position, kept


def _write_records(
    read: Callable[[], Iterator[Record | BadRecord]],
    inputs: Sequence[str],
    corpus: _Corpus,
    clustered: Duplicates,
    *,
    output: str,
    copy_lines: bool,
    errors: str,
    quiet: bool,
    stack: ExitStack,
) -> int:
    """Second pass: kept records to ``output``; the number of records kept.  With
    ``copy_lines`` (UTF-8 input), JSONL records are copied as their input lines;
    otherwise they are written again from their fields."""
    writer = stack.enter_context(RecordWriter(output, inputs=inputs))
    progress = Progress("zhnorm dedup: writing", total=len(corpus), quiet=quiet)
    source: Iterable[Record | BadRecord | bytes]
    files = [] if corpus.held is not None else list(input_files(inputs))
    position = 0
    kept = 0
    if corpus.held is not None:
        source = corpus.held
    elif (
        corpus.spans is not None
        and len(corpus.spans) == len(corpus)
        and copy_lines
        and writer.writes_jsonl
        and errors == "strict"  # read strictly in the first pass: valid UTF-8
    ):  # copied by the byte spans the first pass found
        kept = corpus.spans.copy_kept(clustered.duplicate_of, writer, progress)
        position, source = len(corpus), ()
    elif copy_lines and writer.writes_jsonl and all(file.kind == "jsonl" for file in files):
        if errors == "strict":  # read strictly in the first pass: valid UTF-8
            removed = clustered.duplicate_of
            for file in files:  # copied as they are, unparsed
                if _plain_jsonl(file):
                    position, more = _copy_kept_blocks(
                        file, corpus, position, removed, writer, progress
                    )
                else:
                    lines = _record_lines(file, corpus, position)
                    position, more = _copy_kept_lines(lines, removed, writer, progress, position)
                kept += more
            source = ()
        else:
            source = _all_record_lines(files, corpus)
    else:
        source = read()
    for item in source:
        if isinstance(item, BadRecord):
            continue
        if isinstance(item, Record) and (item.source, item.line) in corpus.repeated:
            continue  # rejected in the first pass
        if position >= len(corpus):
            raise InputError("the inputs changed during the run (more records on re-reading)")
        if position not in clustered.duplicate_of:
            if isinstance(item, bytes):
                writer.write_line(item.decode("utf-8", errors))
            else:
                writer.write(item.data)
            kept += 1
        position += 1
        progress.update()
    progress.close()
    if position != len(corpus):
        raise InputError("the inputs changed during the run (fewer records on re-reading)")
    return kept
