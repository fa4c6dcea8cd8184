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
   without parsing them again - the clusters and the pairs; outputs are atomic;
7. **update the index** - only once the outputs are in place, in one transaction; the
   index's writer lock is taken before stage 1, so a second writer fails before any work.
"""

from __future__ import annotations

import functools
import os
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..io import (
    AtomicOutput,
    BadRecord,
    DedupCounts,
    InputError,
    InputFile,
    Progress,
    Record,
    RecordWriter,
    Rejects,
    check_output_dir,
    check_outputs,
    dumps_record,
    input_files,
    iter_records,
    jsonl_lines,
    record_id,
    rejects_path,
    remove_leftovers,
)
from ..io.records import given_id
from ..io.rejects import SKIP_BAD_HINT, duplicate_id
from .api import CHUNK_DOCS, DuplicatePair, assign_clusters, verified_pairs
from .cluster import KEEP_POLICIES
from .index import DedupIndex, IndexMatch
from .lsh import candidate_pairs, lsh_bands
from .params import DEFAULT_THRESHOLD, MinHashParams
from .sketch import Sketch, sketch_chunks
from .spool import KeySpool
from .verify import ShingleSets

__all__ = ["check_dedup_outputs", "dedup_files"]


@dataclass
class _Corpus:
    """What the first pass keeps about the good records, by position."""

    ids: list[str] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    # Where each record was read (source number, line), for copying its line later.
    sources: list[str] = field(default_factory=list)
    source_of: array[int] = field(default_factory=lambda: array("I"))
    line_of: array[int] = field(default_factory=lambda: array("q"))
    values: list[Any] = field(default_factory=list)
    parts: list[Sketch] = field(default_factory=list)  # pass 1, without keys
    signatures: npt.NDArray[np.uint32] = field(default_factory=lambda: np.empty((0, 0), np.uint32))
    bands: npt.NDArray[np.uint64] = field(default_factory=lambda: np.empty((0, 0), np.uint64))
    empty: npt.NDArray[np.bool_] = field(default_factory=lambda: np.empty(0, bool))
    held: list[Record] | None = None  # the records themselves, when reading stdin
    position_of: dict[str, int] = field(default_factory=dict)  # id -> position
    repeated: set[tuple[str, int]] = field(default_factory=set)  # (file, line) rejected

    def add(self, record: Record, doc_id: str, keep: str) -> None:
        self.position_of.setdefault(doc_id, len(self.ids))
        self.ids.append(doc_id)
        self.lengths.append(len(record.text))
        if not self.sources or self.sources[-1] != record.source:
            self.sources.append(record.source)
        self.source_of.append(len(self.sources) - 1)
        self.line_of.append(record.line)
        if keep not in KEEP_POLICIES:
            self.values.append(record.data.get(keep))
        if self.held is not None:
            self.held.append(record)

    def place(self, position: int) -> str:
        """``file:line`` of the record at ``position``."""
        return f"{self.sources[self.source_of[position]]}:{self.line_of[position]}"

    def is_at(self, position: int, source: str, line: int) -> bool:
        """Whether the record read at ``source``:``line`` is the one at ``position`` (on
        re-reading, rejected records are not)."""
        return (
            position < len(self.ids)
            and self.line_of[position] == line
            and self.sources[self.source_of[position]] == source
        )

    def stack(self, num_perm: int, n_bands: int) -> None:
        """Join the pass-1 parts into single arrays (and drop the parts)."""
        if self.parts:
            self.signatures = np.concatenate([p.signatures for p in self.parts])
            self.bands = np.concatenate([p.bands for p in self.parts])
            self.empty = np.concatenate([p.empty for p in self.parts])
        else:
            self.signatures = np.empty((0, num_perm), np.uint32)
            self.bands = np.empty((0, n_bands), np.uint64)
        self.parts = []

    def sketches(self, keys: KeySpool) -> Iterator[tuple[int, Sketch]]:
        """``(first position, sketch)`` per chunk, keys read back from ``keys``."""
        for first in range(0, len(self.ids), CHUNK_DOCS):
            span = range(first, min(first + CHUNK_DOCS, len(self.ids)))
            yield (
                first,
                Sketch(
                    [keys[i] for i in span],
                    self.signatures[span.start : span.stop],
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
) -> None:
    """:func:`zhnorm.io.check_outputs` for the outputs of :func:`dedup_files` (the
    rejects file at :func:`zhnorm.io.rejects_path`), and for ``tmp_dir``
    (:func:`zhnorm.io.check_output_dir`, then a killed run's leftovers removed from it),
    before anything is opened."""
    index_path = index.path if isinstance(index, DedupIndex) else index
    outputs = [output, clusters, pairs, rejects_path(output, rejects)]
    check_outputs(inputs, outputs, index=index_path)
    if tmp_dir is not None:
        check_output_dir(tmp_dir)
        remove_leftovers(tmp_dir)


def spool_dir(output: str, tmp_dir: str | os.PathLike[str] | None = None) -> str:
    """Where :func:`dedup_files` keeps its key spool: ``tmp_dir`` (made if missing),
    else the output's directory (the current one for stdout)."""
    if tmp_dir is not None:
        os.makedirs(tmp_dir, exist_ok=True)
        return os.fspath(tmp_dir)
    if output == "-":
        return os.getcwd()
    return os.path.dirname(os.path.abspath(output))


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
    quiet: bool = False,
    tmp_dir: str | os.PathLike[str] | None = None,
) -> DedupCounts:
    """Remove near-duplicates from ``inputs`` (JSONL, also compressed, Parquet, ``.txt``
    files, directories of them, ``-`` for stdin: :func:`zhnorm.io.iter_records`) and
    write the kept records, unchanged, to ``output`` (JSONL, or Parquet for
    ``.parquet``); one line per good record to ``clusters`` (``{"id", "cluster",
    "duplicate_of", "similarity"}``); every verified pair to ``pairs``; bad records,
    with their reason, to ``rejects`` (default ``OUTPUT.rejects.jsonl``; only when there
    are some).  Ids must be unique: a record repeating an earlier record's own id is an
    :class:`~zhnorm.io.InputError` naming both places, or with ``skip_bad`` a reject
    (the first one is kept).  Stages: module docstring.

    ``index``: a :class:`~zhnorm.neardup.index.DedupIndex` (or its path) of earlier
    runs: documents matching it are removed, this run's are added to it; ``params`` and
    ``threshold`` default to the index's (else ``MinHashParams()`` and 0.8).  Ids follow
    :func:`zhnorm.io.record_id`.  The index's writer lock is held for the whole run (a
    second writer is an :class:`~zhnorm.neardup.index.IndexFileError` before any work),
    and this run's documents are added in one transaction once the outputs are in place;
    ids already in the index are not added again.

    ``workers``: processes for keys, signatures and exact verification (the result is
    the same).  ``tmp_dir``: where the matching keys are kept during the run (default:
    the output's directory).  ``quiet=False`` shows progress on a terminal.  Every
    output path is checked first (:func:`zhnorm.io.check_outputs`).
    Returns the counts; :meth:`~zhnorm.io.DedupCounts.summary` is the command's line."""
    check_dedup_outputs(inputs, output, clusters, pairs, rejects, index, tmp_dir)
    with ExitStack() as run:
        if index is not None and not isinstance(index, DedupIndex):
            index = run.enter_context(DedupIndex(index, params, threshold))
        if index is not None:
            run.enter_context(index.writing())
        return _dedup(
            inputs, output, clusters, pairs, index, threshold, params, keep, id_field,
            text_field, workers, rejects, skip_bad, errors, quiet, spool_dir(output, tmp_dir),
        )  # fmt: skip


def _dedup(
    inputs: Sequence[str],
    output: str,
    clusters: str | None,
    pairs: str | None,
    index: DedupIndex | None,
    threshold: float | None,
    params: MinHashParams | None,
    keep: str,
    id_field: str | None,
    text_field: str,
    workers: int,
    rejects: str | None,
    skip_bad: bool,
    errors: str,
    quiet: bool,
    spool_in: str,
) -> DedupCounts:
    """:func:`dedup_files` once its outputs are checked and the index's lock is held."""
    if index is not None:
        params, threshold = index.params, index.threshold
    params = params or MinHashParams()
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    bands, rows = lsh_bands(threshold, params.num_perm)
    read = functools.partial(
        iter_records, inputs, text_field=text_field, id_field=id_field, errors=errors
    )
    corpus = _Corpus(held=[] if "-" in inputs else None)
    counts = DedupCounts(rejects_path=rejects_path(output, rejects))
    with KeySpool(spool_in) as spool:
        with ExitStack() as outputs:  # committed (renamed into place) on success
            bad = outputs.enter_context(Rejects(counts.rejects_path, eager=False))

            # 1. Read and sketch.
            progress = Progress("zhnorm dedup: sketching", quiet=quiet)
            texts = _good_texts(read(), corpus, bad, id_field, keep, skip_bad, progress)
            for sketch in sketch_chunks(texts, params, None, bands, rows, workers):
                spool.extend(sketch.keys)
                corpus.parts.append(Sketch([], sketch.signatures, sketch.bands, sketch.empty))
            progress.close()
            corpus.stack(params.num_perm, bands)

            # 2. Candidates.
            a, b, band = candidate_pairs(corpus.bands, ~corpus.empty)

            # 3. Verify.
            spool.flush()  # forked verifiers read the key file
            found = verified_pairs(
                a, b, band, spool.__getitem__, corpus.signatures, params, threshold, workers
            )

            # 4. Match the index.
            matched = _index_matches(index, corpus, spool) if index is not None else {}
            earlier = sorted({m.doc for ms in matched.values() for m in ms})
            number = {doc: len(corpus.ids) + i for i, doc in enumerate(earlier)}
            links = [(q, number[m.doc], m.exact) for q, ms in matched.items() for m in ms]
            id_of = {m.doc: m.id for ms in matched.values() for m in ms}

            # 5. Cluster.
            sets = ShingleSets(_RunKeys(spool, index, earlier), params.ngram, words=params.words)
            _, duplicate_of, similarity = assign_clusters(
                len(corpus.ids),
                found,
                sets.similarity,
                keep,
                corpus.lengths,
                corpus.values if keep not in KEEP_POLICIES else None,
                kept_before=len(earlier),
                links=links,
            )
            node_ids = corpus.ids + [id_of[doc] for doc in earlier]
            kept_by = [None if of is None else node_ids[of] for of in duplicate_of]

            # 6. Write.
            if pairs:
                _write_pairs(pairs, found, corpus.ids)
            written = _write_records(
                read, inputs, errors, corpus, kept_by, similarity, output, clusters, quiet, outputs
            )
        # 7. Update the index.
        if index is not None:
            index.store(_batches(corpus, spool))
    counts.read = len(corpus.ids) + bad.count
    counts.written = written
    counts.removed = len(corpus.ids) - written
    counts.rejected = bad.count
    counts.candidates, counts.verified = len(a), len(found)
    if index is not None:
        counts.matched, counts.index = len(matched), index.path
    counts.check()
    return counts


def _good_texts(
    records: Iterable[Record | BadRecord],
    corpus: _Corpus,
    bad: Rejects,
    id_field: str | None,
    keep: str,
    skip_bad: bool,
    progress: Progress,
) -> Iterator[list[str]]:
    """Texts of the good records in chunks (noted in ``corpus``); bad ones to ``bad``.
    A record repeating an earlier record's own id (:func:`~zhnorm.io.records.given_id`;
    not a ``file:line`` of a file given twice) is an :class:`InputError`, or with
    ``skip_bad`` goes to ``bad`` too."""
    chunk: list[str] = []
    for item in records:
        progress.update()
        if isinstance(item, BadRecord):
            bad.add(item)
            continue
        doc_id = record_id(item, id_field)
        first = corpus.position_of.get(doc_id) if given_id(item, id_field) else None
        if first is not None:
            reason = duplicate_id(doc_id, corpus.place(first))
            if not skip_bad:
                raise InputError(f"{item.source}:{item.line}: {reason} ({SKIP_BAD_HINT})")
            bad.add(BadRecord(item.source, item.line, reason, dumps_record(item.data).rstrip()))
            corpus.repeated.add((item.source, item.line))
            continue
        corpus.add(item, doc_id, keep)
        chunk.append(item.text)
        if len(chunk) >= CHUNK_DOCS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _index_matches(
    index: DedupIndex, corpus: _Corpus, keys: KeySpool
) -> dict[int, list[IndexMatch]]:
    """Position -> indexed documents it duplicates."""
    matched: dict[int, list[IndexMatch]] = {}
    for first, sketch in corpus.sketches(keys):
        for offset, matches in enumerate(index.query_sketch(sketch)):
            if matches:
                matched[first + offset] = matches
    return matched


def _batches(corpus: _Corpus, keys: KeySpool) -> Iterator[tuple[list[str], Sketch]]:
    """This run's documents, chunk by chunk, for :meth:`DedupIndex.store`."""
    for first, sketch in corpus.sketches(keys):
        yield corpus.ids[first : first + len(sketch)], sketch


def _write_pairs(path: str, found: list[DuplicatePair], ids: list[str]) -> None:
    with AtomicOutput(path) as out:
        for pair in found:
            out.write(dumps_record({**pair.to_dict(), "id_a": ids[pair.a], "id_b": ids[pair.b]}))


def _record_lines(files: Sequence[InputFile], corpus: _Corpus) -> Iterator[bytes]:
    """The JSONL lines of this run's records, in order, read again without parsing
    (blank and rejected lines are not theirs)."""
    position = 0
    for file in files:
        for name, lineno, raw in jsonl_lines(file.path, file.name):
            if corpus.is_at(position, name, lineno):
                yield raw
                position += 1


def _write_records(
    read: Callable[[], Iterator[Record | BadRecord]],
    inputs: Sequence[str],
    errors: str,
    corpus: _Corpus,
    kept_by: list[str | None],
    similarity: list[float | None],
    output: str,
    clusters: str | None,
    quiet: bool,
    stack: ExitStack,
) -> int:
    """Second pass: kept records to ``output``, one line per record to ``clusters``;
    the number of records kept."""
    writer = stack.enter_context(RecordWriter(output))
    cluster_out = stack.enter_context(AtomicOutput(clusters)) if clusters else None
    progress = Progress("zhnorm dedup: writing", quiet=quiet)
    source: Iterable[Record | BadRecord | bytes]
    files = [] if corpus.held is not None else list(input_files(inputs))
    if corpus.held is not None:
        source = corpus.held
    elif writer.writes_jsonl and all(file.kind == "jsonl" for file in files):
        source = _record_lines(files, corpus)  # copied as they are, unparsed
    else:
        source = read()
    position = 0
    kept = 0
    for item in source:
        if isinstance(item, BadRecord):
            continue
        if isinstance(item, Record) and (item.source, item.line) in corpus.repeated:
            continue  # rejected in the first pass
        if position >= len(corpus.ids):
            raise InputError("the inputs changed during the run (more records on re-reading)")
        if kept_by[position] is None:
            if isinstance(item, bytes):
                writer.write_line(item.decode("utf-8", errors))
            else:
                writer.write(item.data)
            kept += 1
        if cluster_out is not None:
            own = corpus.ids[position]
            cluster_out.write(
                dumps_record(
                    {
                        "id": own,
                        "cluster": own if kept_by[position] is None else kept_by[position],
                        "duplicate_of": kept_by[position],
                        "similarity": similarity[position],
                    }
                )
            )
        position += 1
        progress.update()
    progress.close()
    if position != len(corpus.ids):
        raise InputError("the inputs changed during the run (fewer records on re-reading)")
    return kept
