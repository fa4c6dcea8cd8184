"""Reading and sketching a plain JSONL file in parts: each process of ``zhnorm dedup
--workers N`` reads, parses and sketches its own byte ranges of the file, so that the
texts are never handed from one process to another.

A :class:`LineRange` is a byte range of a local, uncompressed JSONL file; its records
are the lines that start in it (:func:`~zhnorm.io.inputs.range_lines`), so ranges that
cover a file one after another read each line once, whatever bytes they split.
:func:`read_range` reads one the way :func:`~zhnorm.io.iter_records` reads the file
(:func:`~zhnorm.io.records.jsonl_record`, line by line) and sketches its good records;
line numbers are counted from the range's first line, since only the process putting
the ranges back in order knows how many lines came before.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..io import BadRecord, InputFile
from ..io.inputs import range_line_spans, range_lines
from ..io.records import given_id, jsonl_record
from ..key import KeyConfig
from .kept import LineSpans
from .params import MinHashParams
from .sketch import KeyBlock, Sketch, _spill, sketch_texts

__all__ = [
    "RANGE_BYTES",
    "LineRange",
    "RangeRead",
    "RangeReading",
    "line_ranges",
    "range_record",
    "read_range",
]

RANGE_BYTES = 1 << 21
"""Bytes of a :class:`LineRange`: about 770 documents of the 200,000-article benchmark
corpus (the texts' chunks are 1,024 documents), about 60 ms of sketching - the longest a
process can be left waiting for the other at the end (1 MiB and 4 MiB ranges took the
same CPU within 2% on 20,000 documents; docs/benchmarks.md, session 16)."""


@dataclass(frozen=True)
class LineRange:
    """The lines of the file ``path`` (reported as ``name``) that start at a byte in
    ``[start, stop)``."""

    path: str
    name: str
    start: int
    stop: int


def line_ranges(files: Iterable[InputFile], size: int | None = None) -> Iterator[LineRange]:
    """Ranges of ``size`` (default :data:`RANGE_BYTES`) bytes covering each of ``files``
    (local regular files), in order; an empty file has none."""
    size = size or RANGE_BYTES
    for file in files:
        total = os.path.getsize(file.path)
        for start in range(0, total, size):
            yield LineRange(file.path, file.name, start, min(start + size, total))


@dataclass(frozen=True)
class RangeReading:
    """How the records of a range are read and sketched: the fields (``keep_field``: a
    field whose values are kept, or ``None``), ``errors`` of UTF-8 decoding, and the
    sketch's parameters (:func:`~zhnorm.neardup.sketch.sketch_texts`)."""

    text_field: str
    id_field: str | None
    errors: str
    keep_field: str | None
    params: MinHashParams
    key_config: KeyConfig | None
    bands: int
    rows: int


@dataclass(frozen=True)
class RangeRead:
    """The records of the range ``part``, in order: ``lines`` lines in all; the good records' line
    numbers (``line``, from 1 at the range's first line), their own ids
    (:func:`~zhnorm.io.records.given_id`: ``None`` where the id is the place), text
    lengths, ``keep_field`` values (``None`` without one) and sketch; the bad records
    (their ``line`` counted from the range's first line too); and where the good
    records' lines lie in the file (:class:`~zhnorm.neardup.kept.LineSpans`)."""

    part: LineRange
    lines: int
    line: npt.NDArray[np.int64]
    spans: LineSpans
    given: list[str | None]
    lengths: npt.NDArray[np.int64]
    values: list[Any] | None
    bad: list[BadRecord]
    sketch: Sketch


def read_range(part: LineRange, how: RangeReading) -> RangeRead:
    """Read and sketch the records of ``part``."""
    lines = 0
    numbers: list[int] = []
    given: list[str | None] = []
    texts: list[str] = []
    keep_field = how.keep_field
    values: list[Any] | None = None if keep_field is None else []
    bad: list[BadRecord] = []
    begins: list[int] = []
    ends: list[int] = []
    plain = bytearray()
    for lines, (begin, raw) in enumerate(range_line_spans(part.path, part.start, part.stop), 1):
        item = jsonl_record(raw, part.name, lines, how.text_field, how.id_field, how.errors)
        if item is None:
            continue
        if isinstance(item, BadRecord):
            bad.append(item)
            continue
        numbers.append(lines)
        begins.append(begin)
        ends.append(begin + len(raw))
        plain.append(raw[-1:] == b"\n" and raw[-2:-1] != b"\r")
        given.append(given_id(item, how.id_field))
        texts.append(item.text)
        if keep_field is not None and values is not None:
            values.append(item.data.get(keep_field))
    sketch = sketch_texts(texts, how.params, how.key_config, how.bands, how.rows)
    lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    spans = LineSpans.of(begins, ends, plain)
    return RangeRead(
        part, lines, np.array(numbers, np.int64), spans, given, lengths, values, bad, sketch
    )


def read_range_to_file(spill: str, part: LineRange, how: RangeReading) -> str:
    """:func:`read_range` in a child process: the result pickled to a new file of the
    directory ``spill`` (:func:`~zhnorm.neardup.sketch.shared_in_order`), its keys
    packed (:class:`~zhnorm.neardup.sketch.KeyBlock`); the file's path."""
    read = read_range(part, how)
    sketch = read.sketch
    packed = Sketch(KeyBlock.pack(sketch.keys), sketch.signatures, sketch.bands, sketch.empty)
    return _spill(spill, dataclasses.replace(read, sketch=packed))


def range_record(part: LineRange, line: int, how: RangeReading) -> Any:
    """The record on line ``line`` of ``part`` (counted as :class:`RangeRead` counts),
    read again: a :class:`~zhnorm.io.Record` (or what else
    :func:`~zhnorm.io.records.jsonl_record` makes of it)."""
    for lines, raw in enumerate(range_lines(part.path, part.start, part.stop), 1):
        if lines == line:
            return jsonl_record(raw, part.name, line, how.text_field, how.id_field, how.errors)
    raise LookupError(f"{part.name}: no line {line} in bytes {part.start}-{part.stop}")
