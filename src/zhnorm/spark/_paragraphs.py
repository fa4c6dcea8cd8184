"""Repeated paragraphs on Spark: explode paragraphs, group by paragraph key.

Paragraphs are cut by :func:`zhnorm.textreuse.repeats` (after repair, with raw offsets)
on the executors, one Arrow batch at a time; grouping by matching key gives the
*exact* repeat groups of :func:`zhnorm.repeated_paragraphs` (same counts, documents,
occurrences and group order).  Near-duplicate paragraph groups (``threshold < 1``)
are a single-process feature.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from ..key import KeyConfig
from ._frame import with_row_index

__all__ = ["OCCURRENCE_SCHEMA", "paragraph_occurrences", "repeated_paragraphs"]

OCCURRENCE_SCHEMA = (
    "doc long, id string, paragraph int, start int, end int, text string, "
    "repaired string, key string, furniture boolean, notes array<string>"
)
_INDEX = "_zh_doc"


def _explode(batches: Iterator[pd.DataFrame], config: KeyConfig | None) -> Iterator[pd.DataFrame]:
    from ..textreuse import paragraphs

    columns = [name.split()[0] for name in OCCURRENCE_SCHEMA.split(", ")]
    for batch in batches:
        rows: list[tuple[object, ...]] = []
        for doc, doc_id, text in zip(batch["doc"], batch["id"], batch["text"], strict=True):
            if not isinstance(text, str):
                continue
            for para in paragraphs(text, config=config):
                rows.append(
                    (
                        int(doc),
                        str(doc_id),
                        para.index,
                        para.start,
                        para.end,
                        para.text,
                        para.repaired,
                        para.key,
                        para.furniture,
                        list(para.notes),
                    )
                )
        yield pd.DataFrame(rows, columns=columns)


def paragraph_occurrences(
    frame: DataFrame,
    *,
    text_col: str = "text",
    id_col: str | None = None,
    index_col: str | None = None,
    config: KeyConfig | None = None,
) -> DataFrame:
    """One row per paragraph of every document (:data:`OCCURRENCE_SCHEMA`): ``doc`` the
    document's row index (``index_col``, or the DataFrame order), ``id`` its id
    (``id_col``, or the row index as a string, as :func:`zhnorm.repeated_paragraphs`
    numbers a list of texts), ``paragraph`` its index in the document, ``start:end``
    raw offsets into the text, ``key`` its matching key."""
    if index_col is None:
        frame = with_row_index(frame, _INDEX)
        index_col = _INDEX
    doc_id = F.col(index_col).cast("string") if id_col is None else F.col(id_col)
    docs = frame.select(
        F.col(index_col).cast("long").alias("doc"),
        doc_id.cast("string").alias("id"),
        F.col(text_col).alias("text"),
    )
    return docs.mapInPandas(lambda batches: _explode(batches, config), OCCURRENCE_SCHEMA)


def repeated_paragraphs(
    frame: DataFrame,
    *,
    text_col: str = "text",
    id_col: str | None = None,
    index_col: str | None = None,
    min_len: int = 2,
    boilerplate_docs: int = 3,
    config: KeyConfig | None = None,
) -> DataFrame:
    """Paragraphs whose matching keys are equal, within a document or across
    documents: one row per group, like the exact groups of
    :func:`zhnorm.repeated_paragraphs` -- ``group`` (0 = most repeated; ties by the
    first occurrence), ``key``, ``text`` (repaired text of the first occurrence),
    ``count``, ``documents``, ``boilerplate`` (in at least ``boilerplate_docs``
    documents), ``furniture`` (every occurrence is page furniture) and
    ``occurrences`` (``doc``, ``paragraph``, ``id``, ``start``, ``end``, ``text``) in
    document order.  Keys shorter than ``min_len`` are ignored."""
    occurrences = paragraph_occurrences(
        frame, text_col=text_col, id_col=id_col, index_col=index_col, config=config
    ).where(F.length("key") >= min_len)
    grouped = (
        occurrences.groupBy("key")
        .agg(
            F.count(F.lit(1)).alias("count"),
            F.countDistinct("doc").alias("documents"),
            F.min(F.col("furniture").cast("int")).alias("_zh_furniture"),
            F.sort_array(
                F.collect_list(
                    F.struct("doc", "paragraph", "id", "start", "end", "text", "repaired")
                )
            ).alias("occurrences"),
        )
        .where(F.col("count") >= 2)
    )
    first = F.col("occurrences")[0]
    ordered = grouped.select(
        "key",
        first["repaired"].alias("text"),
        "count",
        "documents",
        (F.col("documents") >= boilerplate_docs).alias("boilerplate"),
        (F.col("_zh_furniture") == 1).alias("furniture"),
        F.transform("occurrences", lambda o: o.dropFields("repaired")).alias("occurrences"),
        first["id"].alias("_zh_first_id"),
        first["paragraph"].alias("_zh_first_paragraph"),
    ).orderBy(F.desc("count"), "_zh_first_id", "_zh_first_paragraph")
    numbered = with_row_index(ordered, "group")
    return numbered.select(
        "group", "key", "text", "count", "documents", "boilerplate", "furniture", "occurrences"
    )
