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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import numpy as np

from ..key import KeyConfig
from .keys import DEDUP_KEY_CONFIG
from .lsh import candidate_pairs, lsh_bands
from .params import DEFAULT_THRESHOLD, MinHashParams
from .sketch import Sketch, sketch_texts
from .verify import ShingleSets

__all__ = ["DedupIndex", "IndexMatch"]

SCHEMA_VERSION = 1
_FETCH = 500  # documents per IN (...) query


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


class DedupIndex:
    """Near-duplicate index at ``path`` (created if missing).

    ``params``, ``threshold`` and ``key_config`` default to those stored in an existing
    file (or to ``MinHashParams()``, 0.8 and the dedup key for a new one); values that
    differ from the stored ones raise ``ValueError`` naming the differences."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        params: MinHashParams | None = None,
        threshold: float | None = None,
        key_config: KeyConfig | None = None,
    ) -> None:
        self.path = os.fspath(path)
        self._conn: sqlite3.Connection | None = None
        stored = self._read_meta()
        if stored is None:
            self.params = params or MinHashParams()
            self.threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)
            self.key_config = key_config or DEDUP_KEY_CONFIG
            self.bands, self.rows = lsh_bands(self.threshold, self.params.num_perm)
            self._write_meta()
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
            raise ValueError(
                f"{self.path} was built with other parameters (stored != requested: "
                + "; ".join(problems)
                + ")"
            )

    # --- connection and metadata ---------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                conn = sqlite3.connect(self.path)
            except sqlite3.Error as exc:
                raise ValueError(f"{self.path}: cannot open the index ({exc})") from None
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            with conn:
                conn.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS docs (doc INTEGER PRIMARY KEY, id TEXT NOT NULL,"
                    " key TEXT NOT NULL, sig BLOB NOT NULL)"
                )
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS bands (band INTEGER NOT NULL,"
                    " hash INTEGER NOT NULL, doc INTEGER NOT NULL,"
                    " PRIMARY KEY (band, hash, doc)) WITHOUT ROWID"
                )
            self._conn = conn
        return self._conn

    def _read_meta(self) -> dict[str, Any] | None:
        try:
            rows = self._connection().execute("SELECT name, value FROM meta").fetchall()
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"{self.path}: not a zhnorm dedup index ({exc})") from None
        if not rows:
            return None
        meta = {name: json.loads(value) for name, value in rows}
        if meta.get("schema") != SCHEMA_VERSION:
            raise ValueError(f"{self.path}: unsupported index schema {meta.get('schema')!r}")
        return meta

    def _write_meta(self) -> None:
        meta = {
            "schema": SCHEMA_VERSION,
            "params": self.params.to_dict(),
            "threshold": self.threshold,
            "bands": self.bands,
            "rows": self.rows,
            "key_config": self.key_config.to_dict(),
        }
        with self._connection() as conn:
            conn.executemany(
                "INSERT INTO meta (name, value) VALUES (?, ?)",
                [(name, json.dumps(value)) for name, value in meta.items()],
            )

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
        before it - earlier in this batch or in the index - that it duplicates."""
        if len(ids) != len(sketch):
            raise ValueError(f"{len(ids)} ids for {len(sketch)} documents")
        matches = self.query_sketch(sketch)
        conn = self._connection()
        first_doc = int(conn.execute("SELECT COALESCE(MAX(doc), -1) + 1 FROM docs").fetchone()[0])
        a, b, band = candidate_pairs(sketch.bands, ~sketch.empty)
        keys = sketch.keys

        def key_of_batch(index: int) -> str:
            return keys[index]

        batch_sets = ShingleSets(key_of_batch, self.params.ngram, words=self.params.words)
        k = self.params.num_perm
        for x, y, z in zip(a.tolist(), b.tolist(), band.tolist(), strict=True):
            exact = batch_sets.similarity(x, y)
            if exact >= self.threshold:
                same = np.count_nonzero(sketch.signatures[x] == sketch.signatures[y])
                matches[y].append(IndexMatch(str(ids[x]), first_doc + x, exact, same / k, z))
        for found in matches:
            found.sort(key=lambda m: (-m.exact, m.doc))
        self.store([(ids, sketch)])
        return matches

    def store(self, batches: Iterable[tuple[Sequence[str], Sketch]]) -> None:
        """Store documents (``(ids, sketch)`` batches) in one transaction, without
        looking for duplicates."""
        conn = self._connection()
        with conn:
            first_doc = int(
                conn.execute("SELECT COALESCE(MAX(doc), -1) + 1 FROM docs").fetchone()[0]
            )
            for ids, sketch in batches:
                if len(ids) != len(sketch):
                    raise ValueError(f"{len(ids)} ids for {len(sketch)} documents")
                signed = sketch.bands.view(np.int64)
                conn.executemany(
                    "INSERT INTO docs (doc, id, key, sig) VALUES (?, ?, ?, ?)",
                    (
                        (first_doc + i, str(ids[i]), sketch.keys[i], sketch.signatures[i].tobytes())
                        for i in range(len(sketch))
                    ),
                )
                conn.executemany(
                    "INSERT OR IGNORE INTO bands (band, hash, doc) VALUES (?, ?, ?)",
                    (
                        (band, int(signed[i, band]), first_doc + i)
                        for i in np.flatnonzero(~sketch.empty).tolist()
                        for band in range(self.bands)
                    ),
                )
                first_doc += len(sketch)

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
