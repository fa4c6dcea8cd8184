"""``DedupIndex``: an incremental near-duplicate index persisted in SQLite (stdlib).

The file holds the parameters it was built with (MinHash parameters, threshold and the
banding derived from it, key configuration) and refuses to be used with different
ones; every document's id, matching key (for exact verification) and signature; and
one row per (band, band hash, document) under a primary-key index, so a query is one
indexed join.  Documents without shingles are stored but never match.

The object pickles as its path and parameters and reconnects lazily, so it can be sent
to worker processes (SQLite allows one writer at a time).
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import numpy as np

from ..io import InputError
from ..io.files import temp_prefix
from ..key import KeyConfig
from .keys import DEDUP_KEY_CONFIG
from .lsh import candidate_pairs, lsh_bands
from .params import DEFAULT_THRESHOLD, MinHashParams
from .sketch import Sketch, sketch_texts
from .verify import ShingleSets

__all__ = ["DedupIndex", "IndexFileError", "IndexMatch", "IndexParamsError"]

APPLICATION_ID = 0x7A686E64  # "zhnd" in the SQLite header: a zhnorm dedup index
SCHEMA_VERSION = 2  # user_version; 1 was the unmarked format (read and upgraded)
_LEGACY_SCHEMA = 1
_LEGACY_TABLES = {"meta", "docs", "bands"}
_SQLITE_HEADER = b"SQLite format 3\x00"
_BUSY_SECONDS = 5.0  # readers wait this long for a writer's commit
_FETCH = 500  # documents per IN (...) query
_TABLES = (
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)",
    "CREATE TABLE IF NOT EXISTS docs (doc INTEGER PRIMARY KEY, id TEXT NOT NULL,"
    " key TEXT NOT NULL, sig BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS bands (band INTEGER NOT NULL, hash INTEGER NOT NULL,"
    " doc INTEGER NOT NULL, PRIMARY KEY (band, hash, doc)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS docs_id ON docs (id)",
)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@dataclass(frozen=True)
class IndexMatch:
    """An earlier document a new one duplicates: its ``id``, its number ``doc`` in the
    index (insertion order), the ``exact`` and ``estimated`` Jaccard similarity and the
    ``band`` that proposed it."""

    id: str
    doc: int
    exact: float
    estimated: float
    band: int


class IndexFileError(InputError, ValueError):
    """A file that cannot be used as an index (not one, another application's, corrupt,
    or locked by another writer); the message is one line naming it."""


class IndexParamsError(ValueError):
    """Parameters that differ from those an existing index was built with (a usage
    error: the message names each difference)."""


class DedupIndex:
    """Near-duplicate index at ``path`` (created if missing).

    ``params``, ``threshold`` and ``key_config`` default to those stored in an existing
    file (or to ``MinHashParams()``, 0.8 and the dedup key for a new one); values that
    differ from the stored ones raise :class:`IndexParamsError` (a ``ValueError``)
    naming the differences.  A file
    that is not a zhnorm index (no SQLite file, another application's database, a
    corrupt one) raises :class:`IndexFileError` and is left untouched."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        params: MinHashParams | None = None,
        threshold: float | None = None,
        key_config: KeyConfig | None = None,
    ) -> None:
        self.path = os.fspath(path)
        self._conn: sqlite3.Connection | None = None
        self._writing = False
        self.params = params or MinHashParams()
        self.threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)
        self.key_config = key_config or DEDUP_KEY_CONFIG
        self.bands, self.rows = lsh_bands(self.threshold, self.params.num_perm)
        if not os.path.exists(self.path):
            self._publish_new()
        stored = self._open()
        if stored is None:  # an empty file given as the index: made one in place
            self._create()
            return
        self.params = MinHashParams.from_dict(stored["params"])
        self.threshold = float(stored["threshold"])
        self.key_config = KeyConfig.from_dict(stored["key_config"])
        self.bands, self.rows = int(stored["bands"]), int(stored["rows"])
        problems = []
        if params is not None:
            problems += self.params.differences(params)
        if threshold is not None and float(threshold) != self.threshold:
            problems.append(f"threshold: {self.threshold!r} != {float(threshold)!r}")
        if key_config is not None and key_config.to_dict() != self.key_config.to_dict():
            problems.append("key_config differs")
        if problems:
            self.close()
            raise IndexParamsError(
                f"{self.path} was built with other parameters (stored != requested: "
                + "; ".join(problems)
                + ")"
            )

    # --- connection, marker and metadata -------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=_BUSY_SECONDS)
                conn.execute("PRAGMA synchronous=NORMAL")  # a setting: writes nothing
            except sqlite3.Error as exc:
                raise IndexFileError(f"{self.path}: cannot read the index ({exc})") from None
            self._conn = conn
        return self._conn

    def _open(self) -> dict[str, Any] | None:
        """The stored metadata of an existing index (``None`` for a new file), after
        checking the file's marker; nothing is written to a file that is not an index."""
        fresh = not os.path.exists(self.path) or os.path.getsize(self.path) == 0
        beside = [self.path + end for end in ("-wal", "-shm", "-journal")]
        absent = [name for name in beside if not os.path.exists(name)]
        if not fresh:
            with open(self.path, "rb") as file:
                if file.read(len(_SQLITE_HEADER)) != _SQLITE_HEADER:
                    raise IndexFileError(
                        f"{self.path}: not a zhnorm dedup index (not a SQLite file)"
                    )
        try:
            conn = self._connection()
            application_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            if fresh and application_id == 0 and not tables:
                return None
            if application_id == 0 and tables >= _LEGACY_TABLES:
                meta = self._read_meta()
                if meta.get("schema") == _LEGACY_SCHEMA:
                    self._upgrade_legacy()
                    return meta
            if application_id != APPLICATION_ID:
                raise IndexFileError(
                    f"{self.path}: not a zhnorm dedup index (a SQLite database of another"
                    " application); give a new file"
                )
            if version != SCHEMA_VERSION:
                raise IndexFileError(
                    f"{self.path}: unsupported index schema {version} (this zhnorm reads"
                    f" {SCHEMA_VERSION})"
                )
            return self._read_meta()
        except (sqlite3.DatabaseError, IndexFileError) as exc:
            self.close()
            for name in absent:  # what SQLite made beside a refused file
                if os.path.exists(name):
                    os.unlink(name)
            if isinstance(exc, IndexFileError):
                raise
            raise IndexFileError(f"{self.path}: cannot read the index ({exc})") from None

    def _read_meta(self) -> dict[str, Any]:
        rows = self._connection().execute("SELECT name, value FROM meta").fetchall()
        return {name: json.loads(value) for name, value in rows}

    def _mark(self, conn: sqlite3.Connection) -> None:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _meta(self) -> dict[str, Any]:
        return {
            "params": self.params.to_dict(),
            "threshold": self.threshold,
            "bands": self.bands,
            "rows": self.rows,
            "key_config": self.key_config.to_dict(),
        }

    def _fill(self, conn: sqlite3.Connection) -> None:
        """Tables, metadata and marker of a new index (inside a transaction)."""
        for statement in _TABLES:
            conn.execute(statement)
        conn.executemany(
            "INSERT INTO meta (name, value) VALUES (?, ?)",
            [(name, json.dumps(value)) for name, value in self._meta().items()],
        )
        self._mark(conn)

    def _publish_new(self) -> None:
        """Make a new index whole in a temporary file beside ``path`` and link it into
        place, so that the path never holds a half-made index (a kill leaves nothing or
        an empty index) and, of two runs creating it at once, one wins: the other finds
        the link taken and opens the winner's file."""
        directory = os.path.dirname(os.path.abspath(self.path))
        try:
            fd, temp = tempfile.mkstemp(
                prefix=temp_prefix() + "index-", suffix=".partial", dir=directory
            )
        except OSError as exc:
            raise IndexFileError(f"{self.path}: cannot create the index ({exc.strerror})") from None
        os.close(fd)
        try:
            conn = sqlite3.connect(temp)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                with conn:
                    self._fill(conn)
            finally:
                conn.close()
            os.chmod(temp, 0o666 & ~_umask())
            try:
                os.link(temp, self.path)
            except FileExistsError:
                pass  # another run made it first: it is opened below like any index
            except OSError as exc:
                raise IndexFileError(
                    f"{self.path}: cannot create the index ({exc.strerror})"
                ) from None
        finally:
            for name in (temp, temp + "-wal", temp + "-shm"):
                if os.path.exists(name):
                    os.unlink(name)

    def _create(self) -> None:
        """Make an existing empty file an index, in one transaction under the writer
        lock (another run doing the same at once fails with one line)."""
        conn = self._connection()
        conn.execute("PRAGMA journal_mode=WAL")
        with self.writing():
            if conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]:
                raise IndexFileError(
                    f"{self.path}: the index was created by another run at the same time; run again"
                )
            self._fill(conn)

    def _upgrade_legacy(self) -> None:
        """Mark an index written before the marker existed (schema 1), and add the id
        index that makes adding idempotent."""
        conn = self._connection()
        with self.writing():
            conn.execute(_TABLES[-1])
            conn.execute("DELETE FROM meta WHERE name = 'schema'")
            self._mark(conn)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the index's writer lock for the block: taken at once or
        :class:`IndexFileError` (another writer has it); what the block stores is
        committed at its end, in one transaction, or not at all."""
        if self._writing:  # already held by an enclosing block, which commits
            yield
            return
        conn = self._connection()
        if conn.in_transaction:
            conn.commit()  # only the probe's temporary rows
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise IndexFileError(
                f"{self.path}: the index is in use by another writer ({exc}); one run"
                " at a time may update it"
            ) from None
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(_BUSY_SECONDS * 1000)}")
        self._writing = True
        try:
            yield
        except BaseException:
            conn.rollback()
            raise
        else:
            conn.commit()
        finally:
            self._writing = False

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> DedupIndex:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_conn"] = None
        state["_writing"] = False  # the lock stays with this connection
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __len__(self) -> int:
        return int(self._connection().execute("SELECT COUNT(*) FROM docs").fetchone()[0])

    def __repr__(self) -> str:
        return f"DedupIndex({self.path!r}, params={self.params!r}, threshold={self.threshold})"

    # --- sketches ------------------------------------------------------------------

    def sketch(self, texts: Sequence[str]) -> Sketch:
        """Keys, signatures and band hashes of ``texts`` with this index's parameters."""
        return sketch_texts(texts, self.params, self.key_config, self.bands, self.rows)

    def key_of(self, doc: int) -> str:
        """The stored matching key of document number ``doc``."""
        row = self._connection().execute("SELECT key FROM docs WHERE doc = ?", (doc,)).fetchone()
        if row is None:
            raise KeyError(doc)
        return str(row[0])

    def _probe(self, sketch: Sketch) -> dict[tuple[int, int], int]:
        """``(query position, doc) -> first band`` for stored documents sharing a band."""
        conn = self._connection()
        opened = not conn.in_transaction
        active = np.flatnonzero(~sketch.empty)
        signed = sketch.bands.view(np.int64)
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS probe (q INTEGER, band INTEGER, hash INTEGER)"
        )
        conn.execute("DELETE FROM probe")
        conn.executemany(
            "INSERT INTO probe VALUES (?, ?, ?)",
            (
                (q, band, int(signed[q, band]))
                for q in active.tolist()
                for band in range(self.bands)
            ),
        )
        found: dict[tuple[int, int], int] = {}
        for q, band, doc in conn.execute(
            "SELECT p.q, p.band, b.doc FROM probe p JOIN bands b"
            " ON b.band = p.band AND b.hash = p.hash"
        ):
            pair = (q, doc)
            if band < found.get(pair, self.bands):
                found[pair] = band
        conn.execute("DELETE FROM probe")
        if opened and conn.in_transaction:
            conn.commit()  # the temporary rows' implicit transaction, not a writer's
        return found

    def _stored(self, docs: Sequence[int]) -> dict[int, tuple[str, str, np.ndarray]]:
        conn = self._connection()
        stored: dict[int, tuple[str, str, np.ndarray]] = {}
        for first in range(0, len(docs), _FETCH):
            part = docs[first : first + _FETCH]
            marks = ",".join("?" * len(part))
            for doc, doc_id, key, sig in conn.execute(
                f"SELECT doc, id, key, sig FROM docs WHERE doc IN ({marks})", part
            ):
                stored[doc] = (doc_id, key, np.frombuffer(sig, dtype=np.uint32))
        return stored

    def query_sketch(self, sketch: Sketch) -> list[list[IndexMatch]]:
        """For each document of ``sketch``, the stored documents it duplicates (exact
        similarity >= threshold), best first."""
        found = self._probe(sketch)
        stored = self._stored(sorted({doc for _, doc in found}))
        matches: list[list[IndexMatch]] = [[] for _ in range(len(sketch))]

        def key_of(name: tuple[str, int]) -> str:
            side, number = name
            return sketch.keys[number] if side == "q" else stored[number][1]

        sets = ShingleSets(key_of, self.params.ngram, words=self.params.words)
        for (q, doc), band in sorted(found.items()):
            exact = sets.similarity(("q", q), ("s", doc))
            if exact >= self.threshold:
                doc_id, _, sig = stored[doc]
                estimated = float(np.count_nonzero(sig == sketch.signatures[q])) / len(sig)
                matches[q].append(IndexMatch(doc_id, doc, exact, estimated, band))
        for found_q in matches:
            found_q.sort(key=lambda m: (-m.exact, m.doc))
        return matches

    def add_sketch(self, ids: Sequence[str], sketch: Sketch) -> list[list[IndexMatch]]:
        """Store documents (ids and sketch) and return, for each, the documents stored
        before it - earlier in this batch or in the index - that it duplicates.  An id
        the index already holds is not stored again (its earlier document stays)."""
        if len(ids) != len(sketch):
            raise ValueError(f"{len(ids)} ids for {len(sketch)} documents")
        matches = self.query_sketch(sketch)
        numbers = self._store([(ids, sketch)])
        a, b, band = candidate_pairs(sketch.bands, ~sketch.empty)
        keys = sketch.keys

        def key_of_batch(index: int) -> str:
            return keys[index]

        batch_sets = ShingleSets(key_of_batch, self.params.ngram, words=self.params.words)
        k = self.params.num_perm
        for x, y, z in zip(a.tolist(), b.tolist(), band.tolist(), strict=True):
            if numbers[x] == numbers[y] or any(m.doc == numbers[x] for m in matches[y]):
                continue  # the same document, or one already found in the index
            exact = batch_sets.similarity(x, y)
            if exact >= self.threshold:
                same = np.count_nonzero(sketch.signatures[x] == sketch.signatures[y])
                matches[y].append(IndexMatch(str(ids[x]), numbers[x], exact, same / k, z))
        for found in matches:
            found.sort(key=lambda m: (-m.exact, m.doc))
        return matches

    def store(self, batches: Iterable[tuple[Sequence[str], Sketch]]) -> None:
        """Store documents (``(ids, sketch)`` batches) without looking for duplicates,
        in one transaction: all of them or, if the run fails or is killed, none.  Ids
        the index already holds are skipped, so storing the same documents again adds
        nothing.  Inside :meth:`writing` the block's end commits."""
        self._store(batches)

    def _store(self, batches: Iterable[tuple[Sequence[str], Sketch]]) -> list[int]:
        """:meth:`store`; the document number of each document given (its earlier one
        for an id already stored)."""
        if not self._writing:
            with self.writing():
                return self._store(batches)
        conn = self._connection()
        next_doc = int(conn.execute("SELECT COALESCE(MAX(doc), -1) + 1 FROM docs").fetchone()[0])
        numbers: list[int] = []
        for ids, sketch in batches:
            if len(ids) != len(sketch):
                raise ValueError(f"{len(ids)} ids for {len(sketch)} documents")
            names = [str(doc_id) for doc_id in ids]
            number_of = self._numbers_of(names)
            new: list[int] = []
            for i, name in enumerate(names):
                if name not in number_of:
                    number_of[name] = next_doc
                    next_doc += 1
                    new.append(i)
                numbers.append(number_of[name])
            signed = sketch.bands.view(np.int64)
            conn.executemany(
                "INSERT INTO docs (doc, id, key, sig) VALUES (?, ?, ?, ?)",
                (
                    (number_of[names[i]], names[i], sketch.keys[i], sketch.signatures[i].tobytes())
                    for i in new
                ),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO bands (band, hash, doc) VALUES (?, ?, ?)",
                (
                    (band, int(signed[i, band]), number_of[names[i]])
                    for i in new
                    if not sketch.empty[i]
                    for band in range(self.bands)
                ),
            )
        return numbers

    def _numbers_of(self, ids: Sequence[str]) -> dict[str, int]:
        """Id -> document number of those of ``ids`` already stored (the first one,
        for an index written before ids were unique)."""
        conn = self._connection()
        unique = list(dict.fromkeys(ids))
        found: dict[str, int] = {}
        for first in range(0, len(unique), _FETCH):
            part = unique[first : first + _FETCH]
            marks = ",".join("?" * len(part))
            query = f"SELECT id, MIN(doc) FROM docs WHERE id IN ({marks}) GROUP BY id"
            found.update((str(name), int(doc)) for name, doc in conn.execute(query, part))
        return found

    # --- text API ------------------------------------------------------------------

    def query(self, texts: Sequence[str]) -> list[list[IndexMatch]]:
        """For each text, the stored documents it duplicates (nothing is stored)."""
        return self.query_sketch(self.sketch(list(texts)))

    def query_one(self, text: str) -> list[IndexMatch]:
        return self.query([text])[0]

    def add(self, ids: Sequence[str], texts: Sequence[str]) -> list[list[IndexMatch]]:
        """Store documents and return, for each, the earlier documents (in the index or
        earlier in ``texts``) it duplicates."""
        return self.add_sketch(ids, self.sketch(list(texts)))

    def add_one(self, doc_id: str, text: str) -> list[IndexMatch]:
        return self.add([doc_id], [text])[0]
