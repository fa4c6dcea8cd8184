"""Repeated paragraphs on Spark: explode paragraphs, group by paragraph key.

Paragraphs are cut by :func:`zhnorm.textreuse.paragraphs` (after repair, with raw
offsets) on the executors, one Arrow batch at a time; grouping by matching key gives the
*exact* repeat groups of :func:`zhnorm.repeated_paragraphs` (same counts, documents,
occurrences and group order).  Near-duplicate paragraph groups (``threshold < 1``)
are a single-process feature: of :class:`~zhnorm.textreuse.RepeatOptions`, only
``min_len`` and ``boilerplate_docs`` apply here.

The record's fields are named as everywhere in zhnorm: ``text_field`` and
``id_field`` (``text_col`` and ``id_col`` are their former keywords).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from ..key import KeyOptions, resolve_key_options
from ..options import resolve
from ..textreuse.repeats import RepeatOptions
from ._frame import with_row_index

__all__ = ["OCCURRENCE_SCHEMA", "paragraph_occurrences", "repeated_paragraphs"]

OCCURRENCE_SCHEMA = (
    "doc long, id string, paragraph int, start int, end int, text string, "
    "repaired string, key string, furniture boolean, notes array<string>"
)
_INDEX = "_zh_doc"


def _explode(batches: Iterator[pd.DataFrame], key_options: KeyOptions) -> Iterator[pd.DataFrame]:
    from ..textreuse.repeats import paragraphs

    columns = [name.split()[0] for name in OCCURRENCE_SCHEMA.split(", ")]
    for batch in batches:
        rows: list[tuple[object, ...]] = []
        for doc, doc_id, text in zip(batch["doc"], batch["id"], batch["text"], strict=True):
            if not isinstance(text, str):
                continue
            for para in paragraphs(text, key_options=key_options):
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
    text_field: str = "text",
    id_field: str | None = None,
    index_col: str | None = None,
    key_options: KeyOptions | None = None,
    text_col: str | None = None,
    id_col: str | None = None,
    config: KeyOptions | None = None,
) -> DataFrame:
    """One row per paragraph of every document (:data:`OCCURRENCE_SCHEMA`): ``doc`` the
    document's row index (``index_col``, or the DataFrame order), ``id`` its id
    (``id_field``, or the row index as a string, as :func:`zhnorm.repeated_paragraphs`
    numbers a list of texts), ``paragraph`` its index in the document, ``start:end``
    raw offsets into the text, ``key`` its matching key (``key_options``; ``config``:
    its former keyword)."""
    text_field = text_col if text_col is not None else text_field
    id_field = id_col if id_col is not None else id_field
    keying = resolve_key_options(key_options, config=config)
    if index_col is None:
        frame = with_row_index(frame, _INDEX)
        index_col = _INDEX
    doc_id = F.col(index_col).cast("string") if id_field is None else F.col(id_field)
    docs = frame.select(
        F.col(index_col).cast("long").alias("doc"),
        doc_id.cast("string").alias("id"),
        F.col(text_field).alias("text"),
    )
    return docs.mapInPandas(lambda batches: _explode(batches, keying), OCCURRENCE_SCHEMA)


def repeated_paragraphs(
    frame: DataFrame,
    options: RepeatOptions | None = None,
    *,
    text_field: str = "text",
    id_field: str | None = None,
    index_col: str | None = None,
    key_options: KeyOptions | None = None,
    text_col: str | None = None,
    id_col: str | None = None,
    config: KeyOptions | None = None,
    **overrides: Any,
) -> DataFrame:
    """Paragraphs whose matching keys are equal, within a document or across
    documents: one row per group, like the exact groups of
    :func:`zhnorm.repeated_paragraphs` -- ``group`` (0 = most repeated; ties by the
    first occurrence), ``key``, ``text`` (repaired text of the first occurrence),
    ``count``, ``documents``, ``boilerplate`` (in at least ``boilerplate_docs``
    documents), ``furniture`` (every occurrence is page furniture) and
    ``occurrences`` (``doc``, ``paragraph``, ``id``, ``start``, ``end``, ``text``) in
    document order.  Keys shorter than ``min_len`` are ignored (``options``: a
    :class:`~zhnorm.textreuse.RepeatOptions`, or its fields as keywords)."""
    options = resolve(RepeatOptions, options, overrides)
    occurrences = paragraph_occurrences(
        frame,
        text_field=text_col if text_col is not None else text_field,
        id_field=id_col if id_col is not None else id_field,
        index_col=index_col,
        key_options=key_options,
        config=config,
    ).where(F.length("key") >= options.min_len)
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
        (F.col("documents") >= options.boilerplate_docs).alias("boilerplate"),
        (F.col("_zh_furniture") == 1).alias("furniture"),
        F.transform("occurrences", lambda o: o.dropFields("repaired")).alias("occurrences"),
        first["id"].alias("_zh_first_id"),
        first["paragraph"].alias("_zh_first_paragraph"),
    ).orderBy(F.desc("count"), "_zh_first_id", "_zh_first_paragraph")
    numbered = with_row_index(ordered, "group")
    return numbered.select(
        "group", "key", "text", "count", "documents", "boilerplate", "furniture", "occurrences"
    )
