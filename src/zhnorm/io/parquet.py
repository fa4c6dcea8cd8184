"""Parquet output that streams and keeps its types.

:class:`ParquetRows` writes records (dicts) in row groups of ``batch_rows`` to a
temporary file, published when the job succeeds.  The schema is fixed at the first row
group, column by column:

* a column zhnorm adds has the type its configuration declares (``columns``: the kinds
  of :data:`ARROW_KINDS`, e.g. ``zhnorm_flags`` is ``list<string>`` even in a shard where
  no filter fired);
* a column of a Parquet input keeps that input's type (:func:`parquet_input_schema`:
  ``int32`` stays ``int32``, ``timestamp[ms]`` stays ``timestamp[ms]``, an all-null
  ``string`` stays ``string``);
* anything else is inferred from the first row group, and a column that is null
  throughout it is written as ``string``.

So separate runs of one configuration over inputs of one schema write shards of one
schema: a folder of them reads as one dataset.  A column first seen after the first row
group, or a value that does not fit its column's type, is a one-line error (Parquet
holds one schema per file; JSONL output has no such limit).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

from .files import InputError, discard, open_input, publish, temp_prefix, write_failure
from .inputs import input_files
from .remote import is_remote

__all__ = ["ARROW_KINDS", "BATCH_ROWS", "ParquetRows", "arrow_type", "parquet_input_schema"]

BATCH_ROWS = 8192
"""Records per row group: what the writer holds in memory."""

ARROW_KINDS = ("string", "float64", "int64", "list<string>")
"""The declared column kinds (:attr:`zhnorm.Pipeline.annotation_columns`)."""


def arrow_type(kind: str) -> Any:
    """The pyarrow type of a declared column kind (one of :data:`ARROW_KINDS`)."""
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "float64": pa.float64(),
        "int64": pa.int64(),
        "list<string>": pa.list_(pa.string()),
    }
    if kind not in types:
        raise ValueError(f"unknown column kind {kind!r}; expected one of {', '.join(ARROW_KINDS)}")
    return types[kind]


def parquet_input_schema(inputs: Sequence[str]) -> Any | None:
    """The unified schema of the Parquet files among ``inputs`` (``None`` without any)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schemas = []
    for file in input_files([p for p in inputs if p != "-"]):
        if file.kind == "parquet":
            try:
                source = open_input(file.path)[1] if is_remote(file.path) else file.path
                schemas.append(pq.read_schema(source))
            except Exception as exc:  # pyarrow raises several types for unreadable files
                raise InputError(f"{file.path}: not a readable Parquet file: {exc}") from None
    if not schemas:
        return None
    try:
        return pa.unify_schemas(schemas)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InputError(f"the Parquet inputs have incompatible schemas: {exc}") from None


class ParquetRows:
    """Stream records to the Parquet file ``path`` (module docstring).  Call
    :meth:`write` per record and :meth:`close` (publish) or :meth:`abort`."""

    def __init__(
        self,
        path: str,
        *,
        columns: Mapping[str, str] | None = None,
        inputs: Sequence[str] = (),
        batch_rows: int = BATCH_ROWS,
    ) -> None:
        self.path = path
        self.columns = dict(columns or {})
        for kind in self.columns.values():
            arrow_type(kind)  # an unknown kind fails here, before the work
        self.inputs = list(inputs)
        self.batch_rows = batch_rows
        self.rows: list[dict[str, Any]] = []
        self.written = 0
        self._schema: Any = None
        self._writer: Any = None
        directory = os.path.dirname(os.path.abspath(path))
        fd, self._temp = tempfile.mkstemp(prefix=temp_prefix(), suffix=".partial", dir=directory)
        os.close(fd)

    def write(self, record: dict[str, Any]) -> None:
        self.rows.append(record)
        if len(self.rows) >= self.batch_rows:
            self._flush()

    def _fix_schema(self) -> Any:
        import pyarrow as pa

        given = parquet_input_schema(self.inputs)
        inferred = pa.Table.from_pylist(self.rows).schema if self.rows else pa.schema([])
        names = list(inferred.names)
        if given is not None:
            names += [n for n in given.names if n not in names]
        names += [n for n in self.columns if n not in names]
        fields = []
        for name in names:
            if name in self.columns:
                kind = arrow_type(self.columns[name])
            elif given is not None and name in given.names:
                kind = given.field(name).type
            else:
                kind = inferred.field(name).type
                if pa.types.is_null(kind):
                    kind = pa.string()
                elif pa.types.is_list(kind) and pa.types.is_null(kind.value_type):
                    kind = pa.list_(pa.string())
            fields.append(pa.field(name, kind))
        return pa.schema(fields)

    def _flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._schema is None:
            self._schema = self._fix_schema()
            self._writer = self._guard(lambda: pq.ParquetWriter(self._temp, self._schema))
        if not self.rows:
            return
        names = set(self._schema.names)
        for offset, row in enumerate(self.rows):
            extra = [key for key in row if key not in names]
            if extra:
                raise InputError(
                    f"{self.path}: column {extra[0]!r} first appears in output record "
                    f"{self.written + offset + 1}, after the first row group fixed the "
                    "Parquet schema; write JSONL, or give every record that column"
                )
        try:
            table = pa.Table.from_pylist(self.rows, schema=self._schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
            raise InputError(
                f"{self.path}: a value does not fit its Parquet column type "
                f"(records {self.written + 1}-{self.written + len(self.rows)}): {exc}"
            ) from None
        self._guard(lambda: self._writer.write_table(table))
        self.written += len(self.rows)
        self.rows = []

    def _guard(self, action: Any) -> Any:
        try:
            return action()
        except OSError as failed:  # a full disk, a file-size limit
            raise write_failure(self.path, failed) from None

    def close(self) -> None:
        """Write what is left and publish the file atomically."""
        try:
            self._flush()
            self._guard(self._writer.close)
            publish(self._temp, self.path)
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        """Drop the partial file."""
        if self._writer is not None:
            with contextlib.suppress(Exception):  # the file is discarded anyway
                self._writer.close()
        discard(self._temp)
