"""Text reuse on Spark: passages, passage clusters, furniture and stories, the results of
:func:`zhnorm.textreuse.reuse` computed by the same library code, per document on the
executors.

1. **Keys** (``mapInPandas``): every document is keyed once (:func:`.doc_key`) and its
   distinct seed k-gram hashes listed; the key is kept pickled on the executors'
   disks (:data:`._frame.SPILL`).
2. **Furniture** (:mod:`._furniture`): the searches of
   :func:`zhnorm.textreuse.furniture.find_furniture` as grouped tasks (templates by
   their ends, whole segments by key, affix chains by their first characters, then a
   task per search over the items found), each calling the library's per-group
   function; the driver receives the furniture keys and counts per outlet.  Each
   document's key spans of furniture go back to its row.
3. **Candidate pairs**: each document's distinct furniture-free shingle hashes are
   exploded to ``(hash, document)`` rows; grouping by hash gives each shingle's
   documents, a shingle in ``2 .. max_df`` documents proposes all their pairs, and a
   pair proposed by ``min_shared`` distinct shingles is a candidate
   (:func:`zhnorm.textreuse.corpus.candidate_pairs`).
4. **Seed document frequencies**: ``(hash, document)`` rows of the seed k-grams,
   counted per hash; each document of a candidate pair gets the frequencies of its
   own k-grams back (a join), which is all its alignment and the significance of its
   passages read.
5. **Alignment** (``mapInPandas`` over the candidate pairs joined with both documents):
   the local aligner (:class:`zhnorm.textreuse.corpus.Aligner`) over the documents of
   the batch, so the same passages with the same significance; passages are numbered
   by ``(a, b, position in the pair)``, the local order.
6. **Passage clusters**: each document's passage spans are merged into occurrences in
   passage order (per document, on the executors: the rule of
   :func:`zhnorm.textreuse.passages.passage_clusters`); passages link occurrences, and
   the connected components of those links (:func:`._components.connected_components`)
   are the clusters; each component is built by ``passage_clusters`` itself
   (``cogroup`` of its passages and its documents), numbered by its first passage.
7. **Stories**: the story weights row by row, with the story model's per-row steps
   (:mod:`zhnorm.stories.similarity`): each document's terms counted
   (``TermCounts``), each term's document frequency by a shuffle, each document's
   unit row and indexed terms (``unit_rows_of_terms``, ``indexed_positions``), the
   postings of each indexed term grouped by term and joined back, each document's
   candidate search (``nearest_by_index``) in batches given only their own terms'
   postings, the pairs (and those sharing a passage) scored from their two rows
   (``pair_scores``, ``with_titles``) in groups by the blocks of their documents
   (:data:`SCORE_BLOCK`; a group gets each of its rows once), each document's best kept
   (``best_partners``) and every pair weighed as
   :func:`zhnorm.stories.detect.story_weights` weighs it.  The pairs of positive
   weight are split into connected components
   (:func:`._components.connected_components`), and each component is clustered in
   its own task by ``stories_from_weights`` over its documents alone: the stories of
   the whole corpus (average linkage never merges across components and each
   component's merges read only that component: :mod:`zhnorm.stories.clustering`,
   whose ``average_linkage`` itself runs per component).  Stories are numbered by
   their first document, as locally; the passage counts and passage clusters of each
   story, and the story of each passage and cluster, are joined back on the executors.

Step 2 still joins each search's items in one task; docs/spark.md says why and what
would.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from ..io import dumps_record
from ..io.dates import DateError, parse_date
from ..key import KeyOptions, resolve_key_options
from ..options import resolve
from ..textreuse.corpus import ReuseOptions
from ..textreuse.furniture import FurnitureOptions
from ..textreuse.passages import DocMeta
from ._components import connected_components
from ._frame import SPILL, with_row_index
from ._furniture import furniture as spark_furniture

__all__ = ["SparkReuseResult", "reuse"]

_INDEX = "_zh_doc"
_OCCURRENCES = 1 << 22
"""Occurrences one document may hold: an occurrence's node number in the link graph is
``document * _OCCURRENCES + occurrence``."""

_KEYED_SCHEMA = (
    "idx long, id string, source string, meta binary, text string, key binary, "
    "seeds array<long>, error string"
)
_SHINGLE_SCHEMA = "idx long, shingles array<long>, story_key string"
_PASSAGE_SCHEMA = (
    "a long, b long, seq int, a_start long, a_end long, b_start long, b_end long, "
    "significance double, passage binary"
)
_OCCURRENCE_SCHEMA = "pn long, side int, occ long"
_CLUSTER_SCHEMA = "component long, first long, members array<string>, blob binary"
_WEIGHT_SCHEMA = "a long, b long, weight double"
SCORE_BLOCK = 2048
"""Documents per block when the story candidates are scored: the pairs are grouped by
the blocks of their two documents, each group given the rows of its documents once (at
most ``2 * SCORE_BLOCK`` rows in a task at a time)."""
_COMPONENT_STORY_SCHEMA = "first long, idx long, payload binary"

PASSAGE_COLUMNS = (
    "a_id string, b_id string, a_start long, a_end long, b_start long, b_end long, "
    "score double, a_text string, b_text string, story long, significance double, "
    "cluster long, a_source string, b_source string, a_date string, b_date string, "
    "direction string, value string"
)


def _cut(frame: DataFrame) -> DataFrame:
    """``frame`` computed now, kept on the executors' disks (:data:`SPILL`, where the
    Spark version lets a local checkpoint choose) and its query plan cut: the later
    steps join these tables several times, and with their whole lineage the plan grew
    until the driver ran out of heap on 120 documents."""
    try:
        return frame.localCheckpoint(eager=True, storageLevel=SPILL)  # type: ignore[call-arg,unused-ignore]
    except TypeError:  # pyspark < 4: memory and disk
        return frame.localCheckpoint(eager=True)


def _dumps(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _loads(value: Any) -> Any:
    return pickle.loads(value)


def _hash_list(values: Any) -> Any:
    """uint64 hashes as the int64 values Spark keeps (the same bits)."""
    return np.asarray(values, dtype=np.uint64).view(np.int64)


def _hash_array(values: Any) -> Any:
    return np.asarray(values, dtype=np.int64).view(np.uint64)


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


# --- 1. keys ------------------------------------------------------------------------


def _key_documents(
    batches: Iterator[pd.DataFrame], key_options: KeyOptions, seed_len: int
) -> Iterator[pd.DataFrame]:
    from ..textreuse.document import doc_key
    from ..textreuse.seeds import kgram_hashes

    columns = [name.split()[0] for name in _KEYED_SCHEMA.split(", ")]
    for batch in batches:
        rows: list[tuple[Any, ...]] = []
        has_date = "date" in batch
        for n in range(len(batch)):
            idx, doc_id, text = int(batch["idx"].iat[n]), batch["id"].iat[n], batch["text"].iat[n]
            source = _plain(batch["source"].iat[n])
            title = _plain(batch["title"].iat[n])
            error = None
            date = None
            if has_date:
                value = _plain(batch["date"].iat[n])
                try:
                    date = None if value is None else parse_date(value)
                except DateError as exc:
                    error = f"document {doc_id!r}: {exc}"
            if not isinstance(text, str):
                error = f"document {doc_id!r}: text must be str, not {type(_plain(text)).__name__}"
            if error is not None:
                rows.append((idx, doc_id, None, None, None, None, [], error))
                continue
            meta = DocMeta(
                None if source is None else str(source), date, None if not title else str(title)
            )
            key = doc_key(text, key_options)
            seeds = _hash_list(np.unique(kgram_hashes(key.key, seed_len)))
            rows.append((idx, doc_id, meta.source, _dumps(meta), text, _dumps(key), seeds, None))
        yield pd.DataFrame(rows, columns=columns)


# --- 2. furniture -------------------------------------------------------------------


def _one_document(spans: Sequence[tuple[int, int]]) -> Any:
    """A furniture result for one document with key ``spans``: what the corpus
    functions read of a document's furniture (:func:`zhnorm.textreuse.corpus.furniture_masks`)."""
    from ..textreuse.furniture import FurnitureResult

    return FurnitureResult([], [None], [list(spans)], [0], [[]])


def _spans(flat: Any) -> list[tuple[int, int]]:
    values = [] if flat is None else [int(v) for v in flat]
    return list(zip(values[0::2], values[1::2], strict=True))


def _shingles(
    batches: Iterator[pd.DataFrame], options: ReuseOptions, mask_furniture: bool
) -> Iterator[pd.DataFrame]:
    from ..textreuse.corpus import furniture_free, furniture_masks, without_furniture
    from ..textreuse.seeds import kgram_hashes

    for batch in batches:
        idxs, shingles, story_keys = [], [], []
        for idx, key_blob, flat in zip(
            batch["idx"].tolist(), batch["key"].tolist(), batch["spans"].tolist(), strict=True
        ):
            key = _loads(key_blob)
            furniture = _one_document(_spans(flat)) if mask_furniture else None
            mask = furniture_masks([key], furniture)[0]
            hashes = kgram_hashes(key.key, options.shingle)
            free = hashes[furniture_free(hashes, mask, options.shingle)]
            idxs.append(int(idx))
            shingles.append(_hash_list(np.unique(free)))
            story_keys.append(without_furniture(key.key, furniture, 0))
        yield pd.DataFrame({"idx": idxs, "shingles": shingles, "story_key": story_keys})


# --- 3. candidate pairs -------------------------------------------------------------


def _shingle_pairs(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    for batch in batches:
        lefts, rights = [], []
        for members in batch["members"].tolist():
            docs = np.sort(np.asarray(members, dtype=np.int64))
            left, right = np.triu_indices(len(docs), k=1)
            lefts.append(docs[left])
            rights.append(docs[right])
        if lefts:
            yield pd.DataFrame({"a": np.concatenate(lefts), "b": np.concatenate(rights)})


# --- 5. alignment -------------------------------------------------------------------


def _align(batches: Iterator[pd.DataFrame], options: ReuseOptions) -> Iterator[pd.DataFrame]:
    from ..textreuse.corpus import Aligner, furniture_masks

    columns = [name.split()[0] for name in _PASSAGE_SCHEMA.split(", ")]
    for batch in batches:
        local: dict[int, int] = {}
        ids: list[str] = []
        keys: list[Any] = []
        masks: list[Any] = []
        values: list[Any] = []
        counts: list[Any] = []
        for side in ("a", "b"):
            for idx, doc_id, blob, flat, sv, sc in zip(
                batch[side].tolist(),
                batch[f"id_{side}"].tolist(),
                batch[f"key_{side}"].tolist(),
                batch[f"spans_{side}"].tolist(),
                batch[f"sv_{side}"].tolist(),
                batch[f"sc_{side}"].tolist(),
                strict=True,
            ):
                if idx in local:
                    continue
                local[idx] = len(ids)
                key = _loads(blob)
                spans = _spans(flat)
                ids.append(doc_id)
                keys.append(key)
                masks.append(furniture_masks([key], _one_document(spans) if spans else None)[0])
                values.append(_hash_array([] if sv is None else sv))
                counts.append(np.asarray([] if sc is None else sc, dtype=np.int64))
        if not ids:
            continue
        table, first = np.unique(np.concatenate(values), return_index=True)
        frequency = np.concatenate(counts)[first]
        aligner = Aligner(ids, keys, options, masks, table, frequency)
        rows = []
        for a, b in zip(batch["a"].tolist(), batch["b"].tolist(), strict=True):
            found = aligner.align([(local[a], local[b])])
            for seq, p in enumerate(found):
                rows.append(
                    (a, b, seq, p.a_start, p.a_end, p.b_start, p.b_end, p.significance, _dumps(p))
                )
        yield pd.DataFrame(rows, columns=columns)


# --- 6. passage clusters ------------------------------------------------------------


def _occurrences(frame: pd.DataFrame) -> pd.DataFrame:
    """The occurrence of each passage span of one document, spans merged in passage
    order as :func:`zhnorm.textreuse.passages.passage_clusters` merges them."""
    from ..textreuse.passages import spans_overlap

    frame = frame.sort_values("pn")
    doc = int(frame["doc"].iloc[0])
    spans: list[tuple[int, int]] = []
    found = []
    for start, end in zip(frame["start"].tolist(), frame["end"].tolist(), strict=True):
        for o, (s, e) in enumerate(spans):
            if spans_overlap((s, e), (start, end)):
                spans[o] = (min(s, start), max(e, end))
                found.append(o)
                break
        else:
            spans.append((start, end))
            found.append(len(spans) - 1)
    if len(spans) >= _OCCURRENCES:
        raise ValueError(f"document {doc}: more than {_OCCURRENCES} passage occurrences")
    occ = [doc * _OCCURRENCES + o for o in found]
    return pd.DataFrame(
        {"pn": frame["pn"].to_numpy(), "side": frame["side"].to_numpy(), "occ": occ}
    )


def _build_cluster(passages: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    from ..textreuse.passages import passage_clusters

    passages = passages.sort_values("pn")
    found = [_loads(p) for p in passages["passage"].tolist()]
    texts = dict(zip(docs["id"].tolist(), docs["text"].tolist(), strict=True))
    meta = {i: _loads(m) for i, m in zip(docs["id"].tolist(), docs["meta"].tolist(), strict=True)}
    clusters, _ = passage_clusters(found, texts, meta)
    if len(clusters) != 1:  # pragma: no cover - a component is one cluster by construction
        raise RuntimeError(f"a passage component made {len(clusters)} clusters")
    numbers = [int(n) for n in passages["pn"].tolist()]
    cluster = replace(clusters[0], passages=tuple(numbers[i] for i in clusters[0].passages))
    return pd.DataFrame(
        {
            "component": [int(passages["component"].iloc[0])],
            "first": [numbers[0]],
            "members": [[m.id for m in cluster.members]],
            "blob": [_dumps(cluster)],
        }
    )


# --- 7. stories ---------------------------------------------------------------------


def _story_terms(batches: Iterator[pd.DataFrame], titled: bool) -> Iterator[pd.DataFrame]:
    """Each document's terms (:func:`zhnorm.stories.similarity.key_terms`, in that order)
    and their lead-weighted frequencies, counted by the library's
    :class:`~zhnorm.stories.similarity.TermCounts`: view 0 the story key (its title's
    key first when the corpus has titles), view 1 the title's key, as
    :func:`zhnorm.stories.detect.story_weights` keys them.  Empty rows are left out."""
    from ..key import match_keys
    from ..stories.similarity import TermCounts

    for batch in batches:
        idxs = [int(i) for i in batch["idx"].tolist()]
        keys = batch["story_key"].tolist()
        views = [(0, keys)]
        if titled:
            titles = match_keys([_loads(m).title or "" for m in batch["meta"].tolist()])
            views = [(0, [t + k for t, k in zip(titles, keys, strict=True)]), (1, titles)]
        rows: list[tuple[Any, ...]] = []
        for view, texts in views:
            counts = TermCounts.of(texts)
            spelled = np.asarray(counts.vocabulary.terms(), dtype=object)
            indptr = counts.indptr.tolist()
            for n, idx in enumerate(idxs):
                lo, hi = indptr[n], indptr[n + 1]
                if hi > lo:
                    terms = spelled[counts.indices[lo:hi]].tolist()
                    rows.append((idx, view, terms, counts.frequencies[lo:hi]))
        yield pd.DataFrame(rows, columns=["idx", "view", "terms", "freqs"])


def _story_unit_rows(
    batches: Iterator[pd.DataFrame], documents: int, index_terms: int
) -> Iterator[pd.DataFrame]:
    """Each document's unit row (:func:`zhnorm.stories.similarity.unit_rows_of_terms`:
    its terms in column order with their values) from its terms' frequencies and
    document frequencies, and, for view 0, the terms it is indexed under
    (:func:`~zhnorm.stories.similarity.indexed_positions`), in column order."""
    from ..stories.similarity import indexed_positions, unit_rows_of_terms

    for batch in batches:
        if batch.empty:
            continue
        terms_of = batch["terms"].tolist()
        lengths = np.asarray([len(t) for t in terms_of], dtype=np.int64)
        terms = [t for listed in terms_of for t in listed]
        freqs = np.concatenate([np.asarray(f, dtype=np.float64) for f in batch["freqs"]])
        dfs = np.concatenate([np.asarray(d, dtype=np.int64) for d in batch["dfs"]])
        order, values, usable = unit_rows_of_terms(lengths, terms, freqs, dfs, documents)
        spelled = np.asarray(terms, dtype=object)[order]
        values, usable = values[order], usable[order]
        rows = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
        views = batch["view"].to_numpy()
        indexed = np.sort(indexed_positions(rows, values, usable & (views[rows] == 0), index_terms))
        ends = np.cumsum(lengths)
        starts = ends - lengths
        cut = np.searchsorted(indexed, starts)
        cut_end = np.searchsorted(indexed, ends)
        out = []
        for n in range(len(lengths)):
            lo, hi = int(starts[n]), int(ends[n])
            at = indexed[cut[n] : cut_end[n]]
            out.append((spelled[lo:hi].tolist(), values[lo:hi], spelled[at].tolist(), values[at]))
        frame = pd.DataFrame(out, columns=["terms", "values", "index_terms", "index_values"])
        yield pd.concat([batch[["idx", "view"]].reset_index(drop=True), frame], axis=1)


def _nearest(batches: Iterator[pd.DataFrame], documents: int, k: int) -> Iterator[pd.DataFrame]:
    """The first step of the candidate search for the documents of each batch
    (:func:`zhnorm.stories.similarity.nearest_by_index`, the local code), each given its
    indexed terms with their postings: ``(a, b, rank)``, ``rank`` the pair's place in
    ``a``'s list."""
    from scipy import sparse

    from ..stories.similarity import nearest_by_index, vocabulary_order

    for batch in batches:
        if batch.empty:
            continue
        terms_of = batch["terms"].tolist()
        lengths = np.asarray([len(t) for t in terms_of], dtype=np.int64)
        columns = vocabulary_order([t for listed in terms_of for t in listed])
        values = np.concatenate([np.asarray(v, dtype=np.float64) for v in batch["values"]])
        rows = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
        width = int(columns.max()) + 1 if len(columns) else 0
        queries = sparse.csr_matrix((values, (rows, columns)), shape=(len(lengths), width))
        # each term's postings (the same for every entry of it), in column order
        distinct, first = np.unique(columns, return_index=True)
        docs_of = [p for listed in batch["p_docs"].tolist() for p in listed]
        values_of = [p for listed in batch["p_values"].tolist() for p in listed]
        sizes = np.asarray([len(docs_of[f]) for f in first.tolist()], dtype=np.int64)
        indptr = np.r_[0, np.cumsum(sizes)]
        docs = [np.asarray(docs_of[f], dtype=np.int64) for f in first.tolist()]
        posted = [np.asarray(values_of[f], dtype=np.float64) for f in first.tolist()]
        postings = sparse.csr_matrix(
            (
                np.concatenate(posted) if posted else np.zeros(0),
                np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64),
                indptr,
            ),
            shape=(len(distinct), documents),
        )
        ids = batch["idx"].to_numpy().astype(np.int64)
        left, right = nearest_by_index(queries, postings, ids, k)
        heads = np.flatnonzero(np.r_[True, left[1:] != left[:-1]]) if len(left) else left
        rank = np.arange(len(left)) - np.repeat(heads, np.diff(np.r_[heads, len(left)]))
        yield pd.DataFrame({"a": left, "b": right, "rank": rank})


def _scored_rows(docs: pd.DataFrame, prefix: str) -> Any:
    """The rows of view ``prefix`` of the documents ``docs`` (one each, in that order) as
    one CSR matrix, columns in the vocabulary's order (:func:`vocabulary_order`); a
    document without terms has an empty row."""
    from scipy import sparse

    from ..stories.similarity import vocabulary_order

    terms: list[str] = []
    values: list[Any] = [np.zeros(0)]
    lengths: list[int] = []
    for listed, valued in zip(
        docs[f"{prefix}terms"].tolist(), docs[f"{prefix}values"].tolist(), strict=True
    ):
        listed = [] if listed is None else list(listed)
        terms += listed
        values.append(np.asarray([] if valued is None else valued, dtype=np.float64))
        lengths.append(len(listed))
    columns = vocabulary_order(terms)
    return sparse.csr_matrix(
        (np.concatenate(values), columns, np.r_[0, np.cumsum(lengths)]),
        shape=(len(lengths), int(columns.max()) + 1 if len(columns) else 0),
    )


def _group_scores(pairs: pd.DataFrame, docs: pd.DataFrame, titled: bool) -> pd.DataFrame:
    """The story similarity of each pair ``(a, b)`` of one scoring group, as
    :meth:`zhnorm.stories.similarity.StoryModel.similarities` scores it (``a`` the left
    row): :func:`~zhnorm.stories.similarity.pair_scores` of the texts' rows and, when
    both documents have a title, :func:`~zhnorm.stories.similarity.with_titles`.
    ``docs``: the rows of the group's documents, each once.  A pair's score reads
    only its two rows (each summed in its column order), so any grouping gives the
    corpus's scores."""
    from ..stories.similarity import DEFAULT, pair_scores, with_titles

    if pairs.empty:
        return pd.DataFrame({"a": [], "b": [], "score": []})
    place = pd.Index(docs["idx"].to_numpy().astype(np.int64))
    left = place.get_indexer(pairs["a"].to_numpy().astype(np.int64))
    right = place.get_indexer(pairs["b"].to_numpy().astype(np.int64))
    scores = pair_scores(_scored_rows(docs, ""), left, right)
    share = DEFAULT.title_share
    if titled and share != 0.0:
        matrix = _scored_rows(docs, "title_")
        present = np.diff(matrix.indptr) > 0
        both = present[left] & present[right]
        found = pair_scores(matrix, left[both], right[both]) if both.any() else None
        scores = with_titles(scores, both, found, share)
    return pd.DataFrame({"a": pairs["a"], "b": pairs["b"], "score": scores})


def _best_partners(
    batches: Iterator[pd.DataFrame], min_score: float, k: int
) -> Iterator[pd.DataFrame]:
    """Each document's ``k`` best partners of at least ``min_score``
    (:func:`zhnorm.stories.similarity.best_partners`), its pairs given in rank order."""
    from ..stories.similarity import best_partners

    for batch in batches:
        if batch.empty:
            continue
        lengths = np.asarray([len(b) for b in batch["bs"].tolist()], dtype=np.int64)
        left = np.repeat(batch["a"].to_numpy().astype(np.int64), lengths)
        right = np.concatenate([np.asarray(b, dtype=np.int64) for b in batch["bs"]])
        scores = np.concatenate([np.asarray(s, dtype=np.float64) for s in batch["scores"]])
        left, right, scores = best_partners(left, right, scores, min_score, k)
        yield pd.DataFrame({"a": left, "b": right, "score": scores})


def _pair_weights(batches: Iterator[pd.DataFrame], options: ReuseOptions) -> Iterator[pd.DataFrame]:
    """Each pair's story weight, as :func:`zhnorm.stories.detect.story_weights` gives
    it: a candidate's score (the one found first, by the smaller document when both
    found it) or the pair's own similarity, the shared passage's evidence when there
    is one; pairs dated too far apart are dropped."""
    from ..stories.detect import passage_weight, similarity_weight, too_far_apart

    for batch in batches:
        rows = []
        for a, b, kept, scored, significance, meta_a, meta_b in zip(
            batch["a"].tolist(), batch["b"].tolist(), batch["kept"].tolist(),
            batch["scored"].tolist(), batch["significance"].tolist(),
            batch["meta_a"].tolist(), batch["meta_b"].tolist(),
            strict=True,
        ):  # fmt: skip
            if too_far_apart(_loads(meta_a), _loads(meta_b), options):
                continue
            kept, significance = _plain(kept), _plain(significance)
            weight = similarity_weight(_plain(scored) if kept is None else kept, options)
            if significance is not None:
                weight = max(weight, passage_weight(significance, options))
            rows.append((a, b, weight))
        yield pd.DataFrame(rows, columns=["a", "b", "weight"])


def _story_weights(
    story_docs: DataFrame, evidence: DataFrame, documents: int, titled: bool,
    options: ReuseOptions, score_block: int = SCORE_BLOCK,
) -> DataFrame:  # fmt: skip
    """Every candidate pair's story weight (:func:`zhnorm.stories.detect.story_weights`)
    as ``(a, b, weight)`` rows (``a < b``), spread over the executors: the terms'
    document frequencies by a shuffle, each document's row, its candidate search from
    the postings of its own indexed terms, the pairs' scores from their two rows."""
    from pyspark.sql import Window

    from ..stories.detect import candidate_score
    from ..stories.similarity import DEFAULT

    terms = story_docs.mapInPandas(
        lambda b: _story_terms(b, titled), "idx long, view int, terms array<string>, "
        "freqs array<double>"
    )  # fmt: skip
    entries = terms.select(
        "idx", "view", F.posexplode(F.arrays_zip("terms", "freqs")).alias("pos", "e")
    ).select(
        "idx", "view", "pos", F.col("e.terms").alias("term"), F.col("e.freqs").alias("freq"),
        F.count(F.lit(1)).over(Window.partitionBy("view", F.col("e.terms"))).alias("df"),
    )  # fmt: skip
    counted = entries.groupBy("idx", "view").agg(
        F.sort_array(F.collect_list(F.struct("pos", "term", "freq", "df"))).alias("e")
    )
    rows = _cut(
        counted.select(
            "idx", "view", F.col("e.term").alias("terms"), F.col("e.freq").alias("freqs"),
            F.col("e.df").alias("dfs"),
        ).mapInPandas(
            lambda b: _story_unit_rows(b, documents, DEFAULT.index_terms),
            "idx long, view int, terms array<string>, values array<double>, "
            "index_terms array<string>, index_values array<double>",
        )
    )  # fmt: skip
    # the candidate search: each document's indexed terms with their postings
    indexed = rows.where(F.col("view") == 0).select(
        "idx", F.posexplode(F.arrays_zip("index_terms", "index_values")).alias("pos", "e")
    ).select("idx", "pos", F.col("e.index_terms").alias("term"),
             F.col("e.index_values").alias("value"))  # fmt: skip
    postings = (
        indexed.groupBy("term")
        .agg(F.sort_array(F.collect_list(F.struct("idx", "value"))).alias("p"))
        .select("term", F.col("p.idx").alias("p_docs"), F.col("p.value").alias("p_values"))
    )
    queries = (
        indexed.join(postings, "term")
        .groupBy("idx")
        .agg(
            F.sort_array(
                F.collect_list(F.struct("pos", "term", "value", "p_docs", "p_values"))
            ).alias("q")
        )
        .select(
            "idx", F.col("q.term").alias("terms"), F.col("q.value").alias("values"),
            F.col("q.p_docs").alias("p_docs"), F.col("q.p_values").alias("p_values"),
        )
    )  # fmt: skip
    k = options.neighbours
    nearest = _cut(
        queries.mapInPandas(lambda b: _nearest(b, documents, k), "a long, b long, rank long")
    )
    # the scores of those pairs and of the pairs sharing a passage (a < b), ``a`` left
    to_score = nearest.select("a", "b").union(evidence.select("a", "b")).distinct()

    # scored in groups of pairs by the blocks of their two documents: each group gets
    # the rows of its documents once, not a row per pair
    blocks = to_score.select(
        (F.col("a") / F.lit(score_block)).cast("long").alias("ga"),
        (F.col("b") / F.lit(score_block)).cast("long").alias("gb"), "a", "b",
    )  # fmt: skip
    group = [(F.col(g) + 0).alias(g) for g in ("ga", "gb")]  # new columns, not blocks'
    needed = (
        blocks.select(*group, F.col("a").alias("idx"))
        .union(blocks.select(*group, F.col("b").alias("idx")))
        .distinct()
    )

    def view(number: int, prefix: str) -> DataFrame:
        return rows.where(F.col("view") == number).select(
            "idx", F.col("terms").alias(f"{prefix}terms"), F.col("values").alias(f"{prefix}values")
        )

    doc_rows = view(0, "")
    if titled:
        doc_rows = doc_rows.join(view(1, "title_"), "idx", "full")
    group_docs = needed.join(doc_rows, "idx", "left")
    scores = _cut(
        blocks.groupBy("ga", "gb")
        .cogroup(group_docs.groupBy("ga", "gb"))
        .applyInPandas(lambda p, d: _group_scores(p, d, titled), "a long, b long, score double")
    )
    # each document's best partners, in the order of its search
    ranked = (
        nearest.join(scores, ["a", "b"])
        .groupBy("a")
        .agg(F.sort_array(F.collect_list(F.struct("rank", "b", "score"))).alias("r"))
        .select("a", F.col("r.b").alias("bs"), F.col("r.score").alias("scores"))
    )
    minimum = candidate_score(options)
    kept = ranked.mapInPandas(
        lambda b: _best_partners(b, minimum, k), "a long, b long, score double"
    )
    lo, hi = F.least("a", "b"), F.greatest("a", "b")
    kept = kept.groupBy(lo.alias("lo"), hi.alias("hi")).agg(
        F.coalesce(F.max(F.when(F.col("a") < F.col("b"), F.col("score"))), F.max("score")).alias(
            "kept"
        )
    )
    passages = evidence.join(scores, ["a", "b"], "left").select(
        F.col("a").alias("lo"), F.col("b").alias("hi"), "significance",
        F.col("score").alias("scored"),
    )  # fmt: skip
    meta = story_docs.select("idx", "meta")
    pairs = (
        kept.join(passages, ["lo", "hi"], "full")
        .join(meta.toDF("lo", "meta_a"), "lo")
        .join(meta.toDF("hi", "meta_b"), "hi")
        .select(F.col("lo").alias("a"), F.col("hi").alias("b"), "kept", "scored",
                "significance", "meta_a", "meta_b")
    )  # fmt: skip
    return pairs.mapInPandas(lambda b: _pair_weights(b, options), _WEIGHT_SCHEMA)


def _component_stories(
    docs: pd.DataFrame, edges: pd.DataFrame, options: ReuseOptions
) -> pd.DataFrame:
    """The stories of one connected component of the story weights: the documents
    renumbered in order and :func:`zhnorm.stories.detect.stories_from_weights` run on
    them alone, which gives the stories of the whole corpus's clustering
    (:mod:`zhnorm.stories.clustering`, "Per connected component").  Rows
    ``(first, idx, payload)``: ``first`` is the story's smallest document index (by
    which the stories are numbered, as locally), a member's ``idx`` or, with ``idx``
    ``-1``, the pickled story (numbered later)."""
    from ..stories.detect import stories_from_weights

    docs = docs.sort_values("idx")
    idxs = [int(i) for i in docs["idx"].tolist()]
    position = {idx: d for d, idx in enumerate(idxs)}
    weights = {
        (position[int(a)], position[int(b)]): float(w)
        for a, b, w in zip(
            edges["a"].tolist(), edges["b"].tolist(), edges["weight"].tolist(), strict=True
        )
    }
    window = None if options.window_days is None else timedelta(days=options.window_days)
    stories, story_of = stories_from_weights(
        docs["id"].tolist(),
        [_loads(m) for m in docs["meta"].tolist()],
        weights,
        options.story_support,
        window=window,
    )
    first: dict[int, int] = {}
    rows: list[tuple[Any, ...]] = []
    for d, story in enumerate(story_of):
        if story is not None:
            first.setdefault(story, idxs[d])
            rows.append((first[story], idxs[d], None))
    rows += [(first[story.id], -1, _dumps(story)) for story in stories]
    return pd.DataFrame(rows, columns=["first", "idx", "payload"])


def _cluster_rows(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    from ..stories.detect import cluster_story

    for batch in batches:
        numbers, stories, values, blobs = [], [], [], []
        for number, blob, member_ids, member_stories, member_meta in zip(
            batch["cluster"].tolist(),
            batch["blob"].tolist(),
            batch["member_ids"].tolist(),
            batch["member_stories"].tolist(),
            batch["member_meta"].tolist(),
            strict=True,
        ):
            of_id = {
                i: _plain(s) for i, s in zip(list(member_ids), list(member_stories), strict=True)
            }
            meta = {i: _loads(m) for i, m in zip(list(member_ids), list(member_meta), strict=True)}
            cluster = _loads(blob)
            cluster = replace(cluster, id=int(number), story=cluster_story(cluster, of_id))
            numbers.append(int(number))
            stories.append(cluster.story)
            values.append(dumps_record(cluster.to_dict(meta)).rstrip("\n"))
            blobs.append(_dumps(cluster))
        yield pd.DataFrame(
            {"cluster": numbers, "story": stories, "value": values, "blob": blobs}
        ).astype({"story": "Int64"})


def _story_rows(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    for batch in batches:
        numbers, values, blobs = [], [], []
        for number, blob, clusters, count in zip(
            batch["story"].tolist(),
            batch["payload"].tolist(),
            batch["clusters"].tolist(),
            batch["passages"].tolist(),
            strict=True,
        ):
            story = _loads(blob)
            listed = [] if clusters is None else [int(c) for c in clusters]
            story = replace(
                story,
                id=int(number),
                clusters=tuple(sorted(listed)),
                passages=int(_plain(count) or 0),
            )
            numbers.append(int(number))
            values.append(dumps_record(story.to_dict()).rstrip("\n"))
            blobs.append(_dumps(story))
        yield pd.DataFrame({"story": numbers, "value": values, "blob": blobs})


def _passage_rows(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    from ..textreuse.passages import passage_row

    names = [name.split()[0] for name in PASSAGE_COLUMNS.split(", ")]
    for batch in batches:
        rows = []
        for blob, cluster, story_a, story_b, meta_a, meta_b in zip(
            batch["passage"].tolist(),
            batch["cluster"].tolist(),
            batch["story_a"].tolist(),
            batch["story_b"].tolist(),
            batch["meta_a"].tolist(),
            batch["meta_b"].tolist(),
            strict=True,
        ):
            p = _loads(blob)
            sa, sb = _plain(story_a), _plain(story_b)
            story = None if sa is None or sa != sb else int(sa)
            p = replace(p, cluster=int(cluster), story=story)
            row = passage_row(p, {p.a_id: _loads(meta_a), p.b_id: _loads(meta_b)})
            rows.append((*(row[n] for n in names[:-1]), dumps_record(row).rstrip("\n")))
        frame = pd.DataFrame(rows, columns=names)
        yield pd.concat([batch[["pn"]].reset_index(drop=True), frame], axis=1).astype(
            {"story": "Int64"}
        )


# --- driver -------------------------------------------------------------------------


@dataclass
class SparkReuseResult:
    """What :func:`reuse` found, as DataFrames (sort each by its first column):

    ``passages``  ``pn`` (the passage's number, the local order), the columns of
                  :func:`zhnorm.textreuse.passages.passage_row` and ``value``, that row
                  as the JSON line ``zhnorm reuse`` writes;
    ``clusters``  ``cluster``, ``story`` and ``value``: the JSON line
                  ``zhnorm reuse --clusters`` writes;
    ``stories``   ``story`` and ``value`` (``--stories``);
    ``furniture`` ``item`` and ``value`` (``--furniture``);
    ``documents`` and ``candidates`` (pairs aligned) as the local result counts them.
    """

    passages: DataFrame
    clusters: DataFrame
    stories: DataFrame
    furniture: DataFrame
    documents: int
    candidates: int
    cached: list[DataFrame] = field(default_factory=list, repr=False)

    def unpersist(self) -> None:
        """Free the tables kept on the executors' disks."""
        for frame in self.cached:
            frame.unpersist()
        self.cached.clear()


def _check_columns(frame: DataFrame, names: dict[str, str | None]) -> None:
    have = set(frame.columns)
    for what, column in names.items():
        if column is not None and column not in have:
            raise ValueError(f"no {what} column {column!r} in {sorted(have)}")


def reuse(
    frame: DataFrame,
    options: ReuseOptions | None = None,
    *,
    text_field: str = "text",
    id_field: str | None = None,
    source_field: str | None = None,
    date_field: str | None = None,
    title_field: str | None = None,
    index_col: str | None = None,
    key_options: KeyOptions | None = None,
    **overrides: Any,
) -> SparkReuseResult:
    """Passages shared between the documents of ``frame``, passage clusters, furniture
    and stories: what :func:`zhnorm.textreuse.reuse` gives for the same documents in
    the same order (module docstring), as a :class:`SparkReuseResult`.

    ``id_field``: the documents' ids (unique; default: the row index as a string, as
    ``reuse`` numbers a list of texts); ``source_field``, ``date_field`` (anything
    :func:`zhnorm.io.dates.parse_date` reads), ``title_field``: each document's outlet,
    date and title.  ``options``: a :class:`~zhnorm.textreuse.ReuseOptions`, single
    fields as keywords; ``key_options``: the matching key.  ``index_col``: a dense
    ``0 .. n-1`` column giving the document order (default: the DataFrame's order).
    A null text, an unreadable date or an id given twice is a :class:`ValueError`
    naming the document (a :class:`TypeError` for the text, as locally)."""
    options = resolve(ReuseOptions, options, overrides)
    keying = resolve_key_options(key_options)
    _check_columns(
        frame,
        {"text": text_field, "id": id_field, "source": source_field, "date": date_field,
         "title": title_field, "index": index_col},
    )  # fmt: skip
    spark = frame.sparkSession
    cached: list[DataFrame] = []
    if index_col is None:
        frame = with_row_index(frame, _INDEX, persist=not frame.is_cached, cached=cached)
        index_col = _INDEX
    idx = F.col(index_col).cast("long")
    null = F.lit(None).cast("string")
    columns = [
        idx.alias("idx"),
        (idx.cast("string") if id_field is None else F.col(id_field).cast("string")).alias("id"),
        F.col(text_field).alias("text"),
        (null if source_field is None else F.col(source_field).cast("string")).alias("source"),
        (null if title_field is None else F.col(title_field).cast("string")).alias("title"),
    ]
    if date_field is not None:
        columns.append(F.col(date_field).alias("date"))
    docs = frame.select(*columns)

    # 1. keys
    keyed = docs.mapInPandas(lambda b: _key_documents(b, keying, options.seed_len), _KEYED_SCHEMA)
    keyed = _cut(keyed)
    # one job for the checks and counts: the first bad document, the documents, the
    # distinct ids, whether any has an outlet
    summary = keyed.agg(
        F.min(F.when(F.col("error").isNotNull(), F.struct("idx", "error"))).alias("bad"),
        F.count(F.lit(1)).alias("n"),
        F.countDistinct("id").alias("ids"),
        F.max(F.col("source").isNotNull().cast("int")).alias("sources"),
    ).first()
    assert summary is not None
    if summary["bad"] is not None:
        message = str(summary["bad"]["error"])
        raise (TypeError if "text must be str" in message else ValueError)(message)
    n_docs = int(summary["n"])
    if id_field is not None and int(summary["ids"]) < n_docs:
        twice = (
            keyed.groupBy("id").count().where(F.col("count") > 1).select("id").limit(1).collect()
        )
        if twice:  # else a null id (not counted as distinct) and no repeat
            raise ValueError(f"document ids must be unique: {twice[0][0]!r} is given twice")
    has_sources = bool(summary["sources"])

    # 2. furniture, its searches grouped by key
    mask = options.mask_furniture and n_docs > 0
    if mask:
        doc_spans, furniture = spark_furniture(keyed, has_sources, FurnitureOptions(), _cut)
    else:
        doc_spans = spark.createDataFrame([], "idx long, spans array<int>")
        furniture = spark.createDataFrame([], "item long, value string")
    docs_full = _cut(keyed.join(doc_spans, "idx", "left"))

    # 3. candidate pairs over rare shingles
    shingled = docs_full.select("idx", "key", "spans").mapInPandas(
        lambda b: _shingles(b, options, mask), _SHINGLE_SCHEMA
    )
    shingled = _cut(shingled)
    groups = (
        shingled.select("idx", F.explode("shingles").alias("h"))
        .groupBy("h")
        .agg(F.collect_list("idx").alias("members"))
        .where((F.size("members") >= 2) & (F.size("members") <= options.max_df))
        .select("members")
    )
    pairs = (
        groups.mapInPandas(_shingle_pairs, "a long, b long")
        .groupBy("a", "b")
        .agg(F.count(F.lit(1)).alias("shared"))
        .where(F.col("shared") >= options.min_shared)
        .select("a", "b")
    )
    if options.cross_source and has_sources:
        sources = keyed.select("idx", "source")
        pairs = (
            pairs.join(sources.toDF("a", "source_a"), "a")
            .join(sources.toDF("b", "source_b"), "b")
            .where(F.col("source_a").isNull() | (F.col("source_a") != F.col("source_b")))
            .select("a", "b")
        )
    pairs = pairs.localCheckpoint(eager=True)
    n_candidates = pairs.count()

    # 4. seed document frequencies, back to the documents of candidate pairs
    seeds = keyed.select("idx", F.explode("seeds").alias("h"))
    frequency = seeds.groupBy("h").agg(F.count(F.lit(1)).alias("n"))
    involved = pairs.select(F.col("a").alias("idx")).union(pairs.select(F.col("b").alias("idx")))
    own = (
        seeds.join(involved.distinct(), "idx", "left_semi")
        .join(frequency, "h")
        .groupBy("idx")
        .agg(F.collect_list("h").alias("sv"), F.collect_list("n").alias("sc"))
    )
    aligned_docs = docs_full.select("idx", "id", "key", "spans").join(own, "idx", "left")

    # 5. alignment
    def side(name: str) -> DataFrame:
        return aligned_docs.select(
            F.col("idx").alias(name),
            *(F.col(c).alias(f"{c}_{name}") for c in ("id", "key", "spans", "sv", "sc")),
        )

    passages = (
        pairs.join(side("a"), "a")
        .join(side("b"), "b")
        .mapInPandas(lambda b: _align(b, options), _PASSAGE_SCHEMA)
        .orderBy("a", "b", "seq")
    )
    passages = _cut(with_row_index(passages, "pn", cached=cached))

    # 6. passage clusters
    sides = passages.select(
        "pn", F.col("a").alias("doc"), F.lit(0).alias("side"),
        F.col("a_start").alias("start"), F.col("a_end").alias("end"),
    ).unionByName(
        passages.select(
            "pn", F.col("b").alias("doc"), F.lit(1).alias("side"),
            F.col("b_start").alias("start"), F.col("b_end").alias("end"),
        )
    )  # fmt: skip
    occurrences = sides.groupBy("doc").applyInPandas(_occurrences, _OCCURRENCE_SCHEMA)
    links = (
        occurrences.groupBy("pn")
        .agg(
            F.max(F.when(F.col("side") == 0, F.col("occ"))).alias("occ_a"),
            F.max(F.when(F.col("side") == 1, F.col("occ"))).alias("occ_b"),
        )
        .localCheckpoint(eager=True)
    )
    components = connected_components(links, "occ_a", "occ_b")
    of_passage = (
        links.join(components.select(F.col("node").alias("occ_a"), "component"), "occ_a")
        .select("pn", "component")
        .localCheckpoint(eager=True)
    )
    cluster_passages = passages.select("pn", "passage").join(of_passage, "pn")
    cluster_docs = (
        sides.join(of_passage, "pn")
        .select((F.col("component") + 0).alias("component"), F.col("doc").alias("idx"))
        .distinct()
        .join(keyed.select("idx", "id", "text", "meta"), "idx")
    )
    built = (
        cluster_passages.groupBy("component")
        .cogroup(cluster_docs.groupBy("component"))
        .applyInPandas(_build_cluster, _CLUSTER_SCHEMA)
        .orderBy("first")
    )
    built = _cut(with_row_index(built, "cluster", cached=cached))
    cluster_of = of_passage.join(built.select("component", "cluster"), "component").select(
        "pn", "cluster"
    )

    # 7. stories: the weights row by row, the clustering per connected component
    evidence = passages.groupBy("a", "b").agg(F.max("significance").alias("significance"))
    story_docs = keyed.select("idx", "id", "meta").join(shingled.select("idx", "story_key"), "idx")
    titled = bool(docs.where(F.col("title").isNotNull() & (F.col("title") != "")).limit(1).count())
    weights = _story_weights(story_docs, evidence, n_docs, titled, options).where(
        (F.col("weight") > 0) & (F.col("a") != F.col("b"))
    )
    weights = _cut(weights)
    story_components = _cut(connected_components(weights, "a", "b"))
    component_docs = story_docs.select("idx", "id", "meta").join(
        story_components.select(F.col("node").alias("idx"), "component"), "idx"
    )
    component_edges = weights.join(  # + 0: a new column, not the one of component_docs
        story_components.select(
            F.col("node").alias("a"), (F.col("component") + 0).alias("component")
        ),
        "a",
    )
    grouped = (
        component_docs.groupBy("component")
        .cogroup(component_edges.groupBy("component"))
        .applyInPandas(lambda d, e: _component_stories(d, e, options), _COMPONENT_STORY_SCHEMA)
    )
    grouped = _cut(grouped)
    numbered = _cut(
        with_row_index(
            grouped.where(F.col("idx") < 0).select("first", "payload").orderBy("first"),
            "story",
            cached=cached,
        )
    )
    story_of = (
        grouped.where(F.col("idx") >= 0)
        .join(numbered.select("first", "story"), "first")
        .select("idx", "story")
    )

    # passages with their cluster and story
    meta = keyed.select("idx", "meta", "id")
    passage_table = (
        passages.select("pn", "a", "b", "passage")
        .join(cluster_of, "pn")
        .join(story_of.toDF("a", "story_a"), "a", "left")
        .join(story_of.toDF("b", "story_b"), "b", "left")
        .join(meta.select(F.col("idx").alias("a"), F.col("meta").alias("meta_a")), "a")
        .join(meta.select(F.col("idx").alias("b"), F.col("meta").alias("meta_b")), "b")
        .select("pn", "passage", "cluster", "story_a", "story_b", "meta_a", "meta_b")
        .mapInPandas(_passage_rows, "pn long, " + PASSAGE_COLUMNS)
    )

    # clusters with their story
    member_info = (
        built.select("cluster", F.posexplode("members").alias("at", "id"))
        .join(meta, "id")
        .join(story_of, "idx", "left")
        .groupBy("cluster")
        .agg(F.sort_array(F.collect_list(F.struct("at", "id", "story", "meta"))).alias("info"))
        .select(
            "cluster",
            F.col("info.id").alias("member_ids"),
            F.col("info.story").alias("member_stories"),
            F.col("info.meta").alias("member_meta"),
        )
    )
    cluster_table = (
        built.select("cluster", "blob")
        .join(member_info, "cluster")
        .mapInPandas(_cluster_rows, "cluster long, story long, value string, blob binary")
    )
    cluster_table = _cut(cluster_table)

    # stories with their passage clusters and passage counts
    story_clusters = (
        cluster_table.where(F.col("story").isNotNull())
        .groupBy("story")
        .agg(F.collect_list("cluster").alias("clusters"))
    )
    story_passages = (
        passages.select("pn", "a", "b")
        .join(story_of.toDF("a", "story"), "a")
        .join(story_of.toDF("b", "story_b"), "b")
        .where(F.col("story") == F.col("story_b"))
        .groupBy("story")
        .agg(F.count(F.lit(1)).alias("passages"))
    )
    stories = (
        numbered.select("story", "payload")
        .join(story_clusters, "story", "left")
        .join(story_passages, "story", "left")
        .mapInPandas(_story_rows, "story long, value string, blob binary")
    )
    return SparkReuseResult(
        passages=passage_table,
        clusters=cluster_table.select("cluster", "story", "value"),
        stories=stories.select("story", "value"),
        furniture=furniture,
        documents=n_docs,
        candidates=n_candidates,
        cached=cached,
    )
