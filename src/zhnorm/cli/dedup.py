"""``zhnorm dedup``: remove near-duplicate documents from JSONL, Parquet or text files.

Two passes over the inputs.  The first streams the records, rejects bad ones (with the
reason) and sketches the rest - matching key, MinHash signature, LSH band hashes - on
``--workers`` processes, keeping keys in a temporary file and signatures in memory.
Candidate pairs are then verified exactly, clustered and, with ``--index``, matched
against every document indexed by earlier runs.  The second pass re-reads the inputs
(stdin is held in memory instead) and writes the kept records unchanged - from JSONL
to JSONL their lines are copied byte for byte, without parsing them again - and the
clusters file.  Outputs are atomic; the index is updated only after they are in place.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import click
import numpy as np
import numpy.typing as npt

from ..io import (
    AtomicOutput,
    BadRecord,
    InputError,
    Progress,
    Record,
    RecordWriter,
    dumps_record,
    is_jsonl_path,
    iter_records,
    jsonl_lines,
)
from ..neardup.api import CHUNK_DOCS, DuplicatePair, verified_pairs
from ..neardup.cluster import KEEP_POLICIES, choose_kept, cluster_pairs
from ..neardup.index import DedupIndex, IndexMatch
from ..neardup.lsh import candidate_pairs, lsh_bands
from ..neardup.params import MinHashParams
from ..neardup.sketch import Sketch, sketch_chunks
from ..neardup.spool import KeySpool
from ..neardup.verify import ShingleSets
from ._base import ERRORS, main

__all__ = ["dedup"]


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

    held: list[Record] | None = None  # the records themselves, when reading stdin
    rejected: int = 0


def _record_id(record: Record, id_field: str | None) -> str:
    """The explicit ``--id-field`` (already checked by the reader), else the record's
    ``id`` field when it has one, else ``file:line``."""
    if id_field is None and isinstance(record.data.get("id"), (str, int)):
        return str(record.data["id"])
    return record.id


def _first_pass(
    records: Iterable[Record | BadRecord],
    corpus: _Corpus,
    reject: Any,
    id_field: str | None,
    keep: str,
    progress: Progress,
) -> Iterator[list[str]]:
    """Texts of the good records in chunks; bad records go to ``reject``."""
    chunk: list[str] = []
    for item in records:
        progress.update()
        if isinstance(item, BadRecord):
            reject(item)
            continue
        corpus.ids.append(_record_id(item, id_field))
        corpus.lengths.append(len(item.text))
        if not corpus.sources or corpus.sources[-1] != item.source:
            corpus.sources.append(item.source)
        corpus.source_of.append(len(corpus.sources) - 1)
        corpus.line_of.append(item.line)
        if keep not in KEEP_POLICIES:
            corpus.values.append(item.data.get(keep))
        if corpus.held is not None:
            corpus.held.append(item)
        chunk.append(item.text)
        if len(chunk) >= CHUNK_DOCS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _index_links(index: DedupIndex, corpus: _Corpus, keys: KeySpool) -> dict[int, list[IndexMatch]]:
    """Position -> indexed documents it duplicates."""
    links: dict[int, list[IndexMatch]] = {}
    for first, sketch in corpus.sketches(keys):
        for offset, matches in enumerate(index.query_sketch(sketch)):
            if matches:
                links[first + offset] = matches
    return links


@dataclass
class _Assignment:
    cluster: list[str]
    duplicate_of: list[str | None]
    similarity: list[float | None]


def _assign(
    corpus: _Corpus,
    pairs: list[DuplicatePair],
    links: dict[int, list[IndexMatch]],
    keep: str,
    sets: ShingleSets[Any],
    index: DedupIndex | None,
) -> _Assignment:
    """Clusters over this run's documents and the indexed documents they match; a
    cluster holding an indexed document is represented by the earliest such one
    (already kept by an earlier run), otherwise by the keep policy."""
    n = len(corpus.ids)
    outside = sorted({m.doc for matches in links.values() for m in matches})
    node_of = {doc: n + i for i, doc in enumerate(outside)}
    id_of = {m.doc: m.id for matches in links.values() for m in matches}
    edges = [(p.a, p.b) for p in pairs]
    edges += [(q, node_of[m.doc]) for q, matches in links.items() for m in matches]
    root = cluster_pairs(n + len(outside), edges)
    groups: dict[int, list[int]] = {}  # clusters of two or more (a root is its smallest)
    for node, r in enumerate(root):
        if r != node:
            groups.setdefault(r, [r]).append(node)
    known = {(p.a, p.b): p.exact for p in pairs}
    known.update({(q, node_of[m.doc]): m.exact for q, ms in links.items() for m in ms})
    values = corpus.values if keep not in KEEP_POLICIES else None
    result = _Assignment(list(corpus.ids), [None] * n, [None] * n)
    for members in groups.values():
        indexed = [node for node in members if node >= n]
        local = [node for node in members if node < n]
        rep = min(indexed) if indexed else choose_kept(local, keep, corpus.lengths, values)
        rep_id = id_of[outside[rep - n]] if rep >= n else corpus.ids[rep]
        for node in local:
            result.cluster[node] = rep_id
            if node == rep:
                continue
            result.duplicate_of[node] = rep_id
            pair = (min(node, rep), max(node, rep))
            exact = known.get(pair)
            if exact is None:
                if rep >= n:
                    assert index is not None
                    exact = sets.similarity(node, ("index", outside[rep - n]))
                else:
                    exact = sets.similarity(*pair)
            result.similarity[node] = exact
    return result


@main.command("dedup")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Kept records, all fields unchanged: JSONL, or Parquet for a .parquet name.",
)
@click.option(
    "--clusters",
    type=click.Path(dir_okay=False, allow_dash=True),
    help='One JSON line per input record: {"id", "cluster", "duplicate_of", "similarity"}.',
)
@click.option("--pairs", type=click.Path(dir_okay=False), help="Every verified pair (why merged).")
@click.option(
    "--threshold",
    type=click.FloatRange(0.0, 1.0, min_open=True, max_open=True),
    help="Exact Jaccard similarity of shingle sets at which documents merge [default 0.8].",
)
@click.option(
    "--ngram", type=click.IntRange(1, 64), help="Characters (or words) per shingle [default 2]."
)
@click.option(
    "--words",
    is_flag=True,
    default=None,
    help="Shingles of words (jieba, extra 'words') instead of characters.",
)
@click.option(
    "--num-perm", type=click.IntRange(2, 1 << 16), help="MinHash permutations [default 128]."
)
@click.option("--seed", type=click.IntRange(0, (1 << 32) - 1), help="Permutation seed [default 1].")
@click.option(
    "--keep",
    default="first",
    show_default=True,
    help="Member kept per cluster: first, longest, or a FIELD (its smallest value, e.g. a date).",
)
@click.option(
    "--index",
    "index_path",
    type=click.Path(dir_okay=False),
    help="SQLite index of earlier runs: documents matching it are removed, and this run's "
    "documents are added to it.",
)
@click.option("--text-field", default="text", show_default=True)
@click.option(
    "--id-field",
    help="Field holding the record id [default: the 'id' field when present, else file:line].",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Processes for keys, signatures and exact verification (the result is the same).",
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False),
    help="Where bad records go, with the reason (default OUTPUT.rejects.jsonl).",
)
@click.option("--errors", type=ERRORS, default="strict", show_default=True)
@click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    default="local",
    show_default=True,
    help="local: this process (--workers, --index); spark: Apache Spark (extra 'spark'), "
    "JSONL or Parquet files or directories in, directories of part files out.",
)
@click.option(
    "--master",
    default="local[2]",
    show_default=True,
    help="Spark master for --engine spark: local[N], spark://HOST:PORT, yarn, k8s://...",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
def dedup(
    inputs: tuple[str, ...],
    output: str,
    clusters: str | None,
    pairs: str | None,
    threshold: float | None,
    ngram: int | None,
    words: bool | None,
    num_perm: int | None,
    seed: int | None,
    keep: str,
    index_path: str | None,
    text_field: str,
    id_field: str | None,
    workers: int,
    rejects: str | None,
    errors: str,
    quiet: bool,
    engine: str,
    master: str,
) -> None:
    """Remove near-duplicate documents: MinHash + LSH candidates, exact verification,
    clusters.  INPUTS are JSONL (.gz/.zst), Parquet, .txt files or directories of them.

    \b
    Examples:
      zhnorm dedup news.jsonl -o kept.jsonl --clusters clusters.jsonl
      zhnorm dedup part-*.parquet -o kept.parquet --keep date --workers 2
      zhnorm dedup today.jsonl -o new.jsonl --index seen.sqlite
    """
    if engine == "spark" and index_path is not None:
        raise click.UsageError("--index works with the local engine only")
    chosen = {"num_perm": num_perm, "ngram": ngram, "seed": seed, "words": words}
    explicit = {name: value for name, value in chosen.items() if value is not None}
    try:
        index = None
        if index_path is not None:
            requested = MinHashParams(**{**MinHashParams().to_dict(), **explicit})
            index = DedupIndex(index_path, requested if explicit else None, threshold)
            params, threshold = index.params, index.threshold
        else:
            params = MinHashParams(**{**MinHashParams().to_dict(), **explicit})
            threshold = 0.8 if threshold is None else threshold
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    if engine == "spark":
        try:
            from ..spark import dedup_files

            counts = dedup_files(
                inputs,
                output,
                clusters,
                master=master,
                threshold=threshold,
                params=params,
                keep=keep,
                id_field=id_field,
                text_field=text_field,
                rejects=rejects,
                pairs=pairs,
                errors=errors,
            )
        except (ImportError, InputError) as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(counts.summary(), err=True)
        return
    bands, rows = lsh_bands(threshold, params.num_perm)
    if rejects is None:
        rejects = f"{output}.rejects.jsonl" if output != "-" else "zhnorm.rejects.jsonl"
    corpus = _Corpus(held=[] if "-" in inputs else None)
    try:
        with KeySpool() as keys:
            with ExitStack() as outputs:  # committed (renamed into place) on success
                reject_out: list[AtomicOutput] = []

                def reject(item: BadRecord) -> None:
                    if not reject_out:
                        reject_out.append(outputs.enter_context(AtomicOutput(rejects)))
                    reject_out[0].write(dumps_record(item.to_dict()))
                    corpus.rejected += 1

                def read() -> Iterator[Record | BadRecord]:
                    return iter_records(
                        inputs, text_field=text_field, id_field=id_field, errors=errors
                    )

                progress = Progress("zhnorm dedup: sketching", quiet=quiet)
                texts = _first_pass(read(), corpus, reject, id_field, keep, progress)
                for sketch in sketch_chunks(texts, params, None, bands, rows, workers):
                    keys.extend(sketch.keys)
                    corpus.parts.append(Sketch([], sketch.signatures, sketch.bands, sketch.empty))
                progress.close()
                n = len(corpus.ids)
                corpus.stack(params.num_perm, bands)
                a, b, band = candidate_pairs(corpus.bands, ~corpus.empty)
                keys.flush()  # forked verifiers read the key file
                found = verified_pairs(
                    a, b, band, keys.__getitem__, corpus.signatures, params, threshold, workers
                )
                links = _index_links(index, corpus, keys) if index is not None else {}

                def key_of(name: Any) -> str:
                    if isinstance(name, tuple):
                        assert index is not None
                        return index.key_of(name[1])
                    return keys[name]

                sets = ShingleSets(key_of, params.ngram, words=params.words)
                assignment = _assign(corpus, found, links, keep, sets, index)
                kept = _write_outputs(
                    read,
                    inputs,
                    errors,
                    corpus,
                    assignment,
                    found,
                    output,
                    clusters,
                    pairs,
                    quiet,
                    outputs,
                )
            if index is not None:
                index.store(_batches(corpus, keys))
    except InputError as exc:
        raise click.ClickException(str(exc)) from exc
    removed = n - kept
    total = n + corpus.rejected
    assert total == kept + removed + corpus.rejected
    summary = (
        f"zhnorm dedup: {total} records in, {kept} kept, {removed} removed as duplicates, "
        f"{corpus.rejected} rejected"
    )
    if corpus.rejected:
        summary += f" (see {rejects})"
    summary += f"; {len(a)} candidate pairs, {len(found)} verified"
    if index is not None:
        summary += f"; {len(links)} matched the index ({index_path})"
    click.echo(summary, err=True)


def _batches(corpus: _Corpus, keys: KeySpool) -> Iterator[tuple[list[str], Sketch]]:
    """This run's documents, chunk by chunk, for :meth:`DedupIndex.store`."""
    for first, sketch in corpus.sketches(keys):
        yield corpus.ids[first : first + len(sketch)], sketch


def _record_lines(inputs: tuple[str, ...], corpus: _Corpus) -> Iterator[bytes]:
    """The JSONL lines of this run's records, in order, read again without parsing
    (blank and rejected lines are not theirs)."""
    position, n = 0, len(corpus.ids)
    for path in inputs:
        for name, lineno, raw in jsonl_lines(path):
            if (
                position < n
                and corpus.line_of[position] == lineno
                and corpus.sources[corpus.source_of[position]] == name
            ):
                yield raw
                position += 1


def _write_outputs(
    read: Any,
    inputs: tuple[str, ...],
    errors: str,
    corpus: _Corpus,
    assignment: _Assignment,
    found: list[DuplicatePair],
    output: str,
    clusters: str | None,
    pairs_path: str | None,
    quiet: bool,
    stack: ExitStack,
) -> int:
    """Second pass: kept records to ``output``, one line per record to ``clusters``."""
    writer = stack.enter_context(RecordWriter(output))
    cluster_out = stack.enter_context(AtomicOutput(clusters)) if clusters else None
    if pairs_path:
        with AtomicOutput(pairs_path) as pair_out:
            for pair in found:
                pair_out.write(
                    dumps_record(
                        {**pair.to_dict(), "id_a": corpus.ids[pair.a], "id_b": corpus.ids[pair.b]}
                    )
                )
    progress = Progress("zhnorm dedup: writing", quiet=quiet)
    source: Iterable[Record | BadRecord | bytes]
    if corpus.held is not None:
        source = corpus.held
    elif writer.writes_jsonl and all(is_jsonl_path(path) for path in inputs):
        source = _record_lines(inputs, corpus)  # copied as they are, unparsed
    else:
        source = read()
    position = 0
    kept = 0
    for item in source:
        if isinstance(item, BadRecord):
            continue
        if position >= len(corpus.ids):
            raise InputError("the inputs changed during the run (more records on re-reading)")
        if assignment.duplicate_of[position] is None:
            if isinstance(item, bytes):
                writer.write_line(item.decode("utf-8", errors))
            else:
                writer.write(item.data)
            kept += 1
        if cluster_out is not None:
            cluster_out.write(
                dumps_record(
                    {
                        "id": corpus.ids[position],
                        "cluster": assignment.cluster[position],
                        "duplicate_of": assignment.duplicate_of[position],
                        "similarity": assignment.similarity[position],
                    }
                )
            )
        position += 1
        progress.update()
    progress.close()
    if position != len(corpus.ids):
        raise InputError("the inputs changed during the run (fewer records on re-reading)")
    return kept
