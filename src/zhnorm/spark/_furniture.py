"""Furniture on Spark: the searches of :func:`zhnorm.textreuse.furniture.find_furniture`
as grouped tasks, each calling the library's per-group function, so that no task reads
every document.

1. **Segments** (``mapInPandas``, per document): each document's key segments, as rows
   of every search it takes part in (its outlet's; the one across outlets): short
   segments by their first and last ``template_affix`` key characters, whole segments
   by their key, segment starts and ends by their first ``min_affix`` key characters.
2. **Templates**: grouped by search and ends, :func:`~zhnorm.textreuse.furniture.
   template_item`.
3. **Whole segments**: the segments that are no template's (an anti-join on the
   document and span) grouped by search and key, ``segment_item``; the furniture keys
   found (few) go to the executors, where each segment is matched against them
   (``NearRepeats``).
4. **Affix chains**: grouped by search, kind and first ``min_affix`` key characters,
   ``affix_item`` (a chain never leaves them).
5. **Each search** joins its rounds as ``settle_search`` does: the affix spans that are
   a whole segment or inside a template leave in joins, and one task a search reads its
   items without their spans (``settle_affixes``, in the local order ``affix_order``) and
   says which item each round's item joins; the spans follow in a join.
6. **Set phrases**: the documents of each item across outlets are counted per outlet
   (a join with the documents' outlets); an outlet's item whose key is a set phrase
   leaves (the keys, few, are broadcast).
7. **Items and spans**: each item span goes to its document for its raw offsets
   (``raw_occurrence``), each item to one task for its line; items are numbered in the
   local order, and each document's key spans are merged for the later steps.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from ..io import dumps_record
from ..textreuse.furniture import FurnitureOptions

_PART_SCHEMA = (
    "sid int, part string, g1 string, g2 string, d long, a long, b long, n long, text string"
)
_ITEM_SCHEMA = (
    "sid int, part string, g1 string, fd long, fa long, key string, "
    "ed long, ea long, eb long, spans array<long>"
)
_SETTLED_SCHEMA = (
    "sid int, pos long, kind string, key string, ed long, ea long, eb long, "
    "part string, g1 string, fd long, fa long"
)
_OCCURRENCE_SCHEMA = (
    "sid int, pos long, d long, a long, b long, ex int, start long, end long, id string, "
    "text string"
)
_LINE_SCHEMA = "sid int, pos long, documents long, source string, key string, value string"


def _columns(schema: str) -> list[str]:
    return [name.split()[0] for name in schema.split(", ")]


@dataclass(frozen=True)
class _Plan:
    """The searches: ``sid_of`` a document's outlet (``None``: every document when
    there are no outlets), ``across`` (-1: none), each search's ``needed`` documents,
    ``sizes`` and ``labels``."""

    sid_of: dict[str | None, int]
    across: int
    needed: list[int]
    sizes: list[int]
    labels: list[str | None]
    options: FurnitureOptions


def _plan(keyed: DataFrame, has_sources: bool, options: FurnitureOptions) -> _Plan:
    from ..textreuse.furniture import searches_of

    stats = keyed.groupBy("source").agg(F.count(F.lit(1)).alias("n"), F.min("idx").alias("first"))
    rows = sorted(stats.collect(), key=lambda r: int(r["first"]))  # one row per outlet
    counts: dict[str | None, int] = {r["source"]: int(r["n"]) for r in rows}
    if not has_sources:
        counts = {None: sum(counts.values())}
    n = sum(counts.values())
    own, across = searches_of(list(counts), has_sources, options)
    labels: list[str | None] = list(own)
    sizes = [counts[label] for label in own]
    if across:
        labels.append(None)
        sizes.append(n)
    return _Plan(
        {label: sid for sid, label in enumerate(own)},
        len(own) if across else -1,
        [options.docs_needed(size) for size in sizes],
        sizes,
        labels,
        options,
    )


def _in_enough_documents(rows: DataFrame, group: list[str], needed: DataFrame) -> DataFrame:
    """The ``rows`` of the groups (by ``group``) found in their search's ``needed``
    documents: the others cannot be furniture, and no task is started for them."""
    enough = (
        rows.groupBy(*group)
        .agg(F.countDistinct("d").alias("_docs"))
        .join(F.broadcast(needed), "sid")
        .where(F.col("_docs") >= F.col("needed"))
        .select(*group)
    )
    return rows.join(enough, group, "left_semi")


def _flat(spans: Any) -> list[int]:
    return [int(v) for span in spans for v in span]


def _parts(batches: Iterator[pd.DataFrame], plan: _Plan) -> Iterator[pd.DataFrame]:
    from ..textreuse.furniture import affix_entries, key_segments, template_ends

    options = plan.options
    shortest = options.min_affix
    for batch in batches:
        rows: list[tuple[Any, ...]] = []
        for d, label, blob in zip(
            batch["idx"].tolist(), batch["source"].tolist(), batch["key"].tolist(), strict=True
        ):
            own = plan.sid_of.get(None if label is None or label != label else str(label))
            sids = ([] if own is None else [own]) + ([plan.across] if plan.across >= 0 else [])
            if not sids:
                continue
            key = pickle.loads(blob)
            text, segs = key.key, key_segments(key)
            for sid in sids:
                for a, b in segs:
                    ends = template_ends(text, a, b, options)
                    if ends is not None:
                        rows.append((sid, "T", ends[0], ends[1], d, a, b, 0, text[a:b]))
                    if b - a >= options.min_len:
                        rows.append((sid, "S", text[a:b], "", d, a, b, 0, None))
                for part, kind in (("P", "prefix"), ("X", "suffix")):
                    for entry, _, at, length in affix_entries(
                        kind, d, text, segs, options.max_affix
                    ):
                        if len(entry) >= shortest:
                            rows.append((sid, part, entry[:shortest], "", d, at, 0, length, entry))
        yield pd.DataFrame(rows, columns=_columns(_PART_SCHEMA))


def _item_row(sid: int, part: str, g1: str, first: tuple[int, int], item: Any) -> tuple[Any, ...]:
    example = item.example if item is not None and item.example is not None else (-1, -1, -1)
    return (
        sid, part, g1, first[0], first[1], None if item is None else item.key, *example,
        None if item is None else _flat(item.spans),
    )  # fmt: skip


def _template_group(frame: pd.DataFrame, plan: _Plan) -> pd.DataFrame:
    from ..textreuse.furniture import template_item

    frame = frame.sort_values(["d", "a"])
    sid = int(frame["sid"].iat[0])
    spans = list(zip(frame["d"].tolist(), frame["a"].tolist(), frame["b"].tolist(), strict=True))
    ends = (str(frame["g1"].iat[0]), str(frame["g2"].iat[0]))
    item = template_item(ends, spans, frame["text"].tolist(), plan.needed[sid])
    rows = [] if item is None else [_item_row(sid, "T", "", spans[0][:2], item)]
    return pd.DataFrame(rows, columns=_columns(_ITEM_SCHEMA))


def _segment_group(frame: pd.DataFrame, plan: _Plan) -> pd.DataFrame:
    from ..textreuse.furniture import segment_item

    frame = frame.sort_values(["d", "a"])
    sid = int(frame["sid"].iat[0])
    spans = list(zip(frame["d"].tolist(), frame["a"].tolist(), frame["b"].tolist(), strict=True))
    item = segment_item(str(frame["g1"].iat[0]), spans, plan.needed[sid])
    rows = [] if item is None else [_item_row(sid, "S", "", spans[0][:2], item)]
    return pd.DataFrame(rows, columns=_columns(_ITEM_SCHEMA))


def _near_repeats(
    batches: Iterator[pd.DataFrame], keys: dict[int, list[str]], options: FurnitureOptions
) -> Iterator[pd.DataFrame]:
    from ..textreuse.furniture import NearRepeats

    nears: dict[int, NearRepeats] = {}
    for batch in batches:
        rows: list[tuple[Any, ...]] = []
        for sid, key, d, a, b in zip(
            batch["sid"].tolist(), batch["g1"].tolist(), batch["d"].tolist(),
            batch["a"].tolist(), batch["b"].tolist(), strict=True,
        ):  # fmt: skip
            if sid not in keys:
                continue
            if sid not in nears:
                nears[sid] = NearRepeats(keys[sid], options)
            best = nears[sid].match(key)
            if best >= 0:
                rows.append((sid, "N", "", d, a, keys[sid][best], -1, -1, -1, [d, a, b]))
        yield pd.DataFrame(rows, columns=_columns(_ITEM_SCHEMA))


def _affix_group(frame: pd.DataFrame, plan: _Plan) -> pd.DataFrame:
    from ..textreuse.furniture import affix_item

    options = plan.options
    frame = frame.sort_values(["d", "a"])
    sid, part = int(frame["sid"].iat[0]), str(frame["part"].iat[0])
    needed = plan.needed[sid]
    ds = frame["d"].tolist()
    rows: list[tuple[Any, ...]] = []
    if len(set(ds)) >= needed:  # a group the search reaches (affix_order reads it)
        entries = list(
            zip(frame["text"].tolist(), ds, frame["a"].tolist(), frame["n"].tolist(), strict=True)
        )
        edge_needed = max(needed, math.ceil(options.edge_share * plan.sizes[sid]))
        kind = "prefix" if part == "P" else "suffix"
        item = affix_item(kind, entries, needed, edge_needed, options)
        rows.append(_item_row(sid, part, str(frame["g1"].iat[0]), (ds[0], entries[0][2]), item))
    return pd.DataFrame(rows, columns=_columns(_ITEM_SCHEMA))


def _settle(frame: pd.DataFrame, plan: _Plan) -> pd.DataFrame:
    """One search's items from its rounds' item rows (no spans; an affix's ``docs``:
    the documents its spans left reach), as ``settle_search`` orders them: a row per item
    (``part`` null) and a row per round's item saying which item (``pos``) its spans join."""
    from ..textreuse.furniture import affix_order, settle_affixes

    sid = int(frame["sid"].iat[0])
    frame = frame.sort_values(["part", "fd", "fa"])

    def rows(part: str) -> list[Any]:
        return list(frame[frame["part"] == part].itertuples())

    found = [("segment", r) for r in rows("S")] + [("template", r) for r in rows("T")]
    affixes: list[tuple[str, Any]] = []
    for part, kind in (("P", "prefix"), ("X", "suffix")):
        groups = rows(part)
        order = affix_order([str(r.g1) for r in groups], [(int(r.fd), int(r.fa)) for r in groups])
        affixes.extend((kind, groups[g]) for g in order if isinstance(groups[g].key, str))
    targets, heads = settle_affixes(
        [str(r.key) for _, r in found],
        [(kind, str(r.key), int(r.docs)) for kind, r in affixes],
        plan.needed[sid],
        plan.options,
    )
    items = found + [affixes[h] for h in heads]
    out: list[tuple[Any, ...]] = [
        (sid, pos, kind, str(r.key), int(r.ed), int(r.ea), int(r.eb), None, None, -1, -1)
        for pos, (kind, r) in enumerate(items)
    ]
    moved = [*enumerate(found), *zip(targets, affixes, strict=True)]
    out.extend(
        (sid, pos, None, str(r.key), -1, -1, -1, str(r.part), str(r.g1), int(r.fd), int(r.fa))
        for pos, (_, r) in moved
        if pos >= 0
    )
    return pd.DataFrame(out, columns=_columns(_SETTLED_SCHEMA))


def _raw_offsets(frame: pd.DataFrame) -> pd.DataFrame:
    """The raw offsets of the item spans of one document."""
    from ..textreuse.furniture import raw_occurrence

    key = pickle.loads(frame["key"].iat[0])
    doc_id = str(frame["id"].iat[0])
    rows: list[tuple[Any, ...]] = []
    for sid, pos, d, a, b, ex in zip(
        frame["sid"].tolist(), frame["pos"].tolist(), frame["d"].tolist(),
        frame["a"].tolist(), frame["b"].tolist(), frame["ex"].tolist(), strict=True,
    ):  # fmt: skip
        start, end = raw_occurrence(key, a, b)
        rows.append((sid, pos, d, a, b, ex, start, end, doc_id, key.raw[start:end]))
    return pd.DataFrame(rows, columns=_columns(_OCCURRENCE_SCHEMA))


def _item_line(frame: pd.DataFrame, found: pd.DataFrame, plan: _Plan) -> pd.DataFrame:
    """One item's line, as :func:`zhnorm.textreuse.furniture.find_furniture` builds it."""
    from ..textreuse.furniture import Furniture

    if frame.empty or found.empty:
        return pd.DataFrame([], columns=_columns(_LINE_SCHEMA))
    sid, pos = int(found["sid"].iat[0]), int(found["pos"].iat[0])
    frame = frame.sort_values(["d", "a", "b"])
    spans = frame[frame["ex"] == 0]
    shown = frame[frame["ex"] == 1]
    if shown.empty:
        shown = spans
    occurrences = list(
        zip(spans["d"].tolist(), spans["start"].tolist(), spans["end"].tolist(), strict=True)
    )
    ids = dict(zip(spans["d"].tolist(), spans["id"].tolist(), strict=True))
    documents = len(ids)
    size = plan.sizes[sid]
    label = plan.labels[sid]
    item = Furniture(
        label, str(shown["text"].iat[0]), str(found["key"].iat[0]), str(found["kind"].iat[0]),
        documents, documents / size if size else 0.0, occurrences,
    )  # fmt: skip
    record = item.to_dict()
    for occurrence in record["occurrences"]:
        occurrence["id"] = ids[occurrence["id"]]
    value = dumps_record(record).rstrip("\n")
    return pd.DataFrame(
        [(sid, pos, documents, label, item.key, value)], columns=_columns(_LINE_SCHEMA)
    )


def _merged(frame: pd.DataFrame) -> pd.DataFrame:
    from ..textreuse.furniture import merge_spans

    spans = merge_spans(zip(frame["a"].tolist(), frame["b"].tolist(), strict=True))
    return pd.DataFrame({"idx": [int(frame["d"].iat[0])], "spans": [_flat(spans)]})


def _item_spans(items: DataFrame) -> DataFrame:
    """A row per span of the ``items`` (their item columns, and ``d``, ``a``, ``b``)."""
    triples = F.expr(
        "transform(sequence(0, int(size(spans) / 3) - 1), i -> named_struct("
        "'d', spans[3 * i], 'a', spans[3 * i + 1], 'b', spans[3 * i + 2]))"
    )
    return (
        items.where(F.col("key").isNotNull())  # an affix group without an item has no spans
        .select(*_ITEM_KEY, "key", F.explode(triples).alias("s"))
        .select(*_ITEM_KEY, "key", "s.d", "s.a", "s.b")
    )


_ITEM_KEY = ["sid", "part", "g1", "fd", "fa"]
"""What tells one round's item from another in a search."""


def _settled(
    joined: DataFrame, plan: _Plan, cut: Callable[[DataFrame], DataFrame]
) -> tuple[DataFrame, DataFrame]:
    """Each search's items (``sid``, ``pos``, ``kind``, ``key``, example ``ed``, ``ea``,
    ``eb``) and their spans (``sid``, ``pos``, ``d``, ``a``, ``b``, ``ex``: 1 for an
    example), from the rounds' items ``joined``: the affix spans left (not a whole segment
    nor inside a template) are counted here, so each search's task (:func:`_settle`)
    reads its items, never their spans."""
    spans = _item_spans(joined)
    whole = spans.where(F.col("part").isin("S", "N")).select("sid", "d", "a", "b")
    templates = spans.where(F.col("part") == "T").select(
        "sid", "d", F.col("a").alias("s"), F.col("b").alias("t")
    )
    affix = spans.where(F.col("part").isin("P", "X")).join(
        whole, ["sid", "d", "a", "b"], "left_anti"
    )
    left = affix.join(
        templates,
        (affix["sid"] == templates["sid"]) & (affix["d"] == templates["d"])
        & (templates["s"] <= affix["a"]) & (affix["b"] <= templates["t"]),
        "left_anti",
    )  # fmt: skip
    docs = left.groupBy(*_ITEM_KEY).agg(F.countDistinct("d").alias("docs"))
    items = (
        joined.where(F.col("part") != "N")
        .drop("spans")
        .join(docs, _ITEM_KEY, "left")
        .fillna(0, subset=["docs"])
    )
    settled = cut(items.groupBy("sid").applyInPandas(lambda f: _settle(f, plan), _SETTLED_SCHEMA))
    found = settled.where(F.col("part").isNull()).select(
        "sid", "pos", "kind", "key", "ed", "ea", "eb"
    )
    moves = settled.where(F.col("part").isNotNull()).select(*_ITEM_KEY, "key", "pos")
    placed = (
        spans.where(F.col("part").isin("S", "T"))
        .unionByName(left)
        .join(moves.drop("key"), _ITEM_KEY)
        .select("sid", "pos", "d", "a", "b")
    )
    near = (
        spans.where(F.col("part") == "N")
        .select("sid", "key", "d", "a", "b")
        .join(moves.where(F.col("part") == "S").select("sid", "key", "pos"), ["sid", "key"])
        .select("sid", "pos", "d", "a", "b")
    )
    examples = found.where(F.col("ed") >= 0).select(
        "sid", "pos", F.col("ed").alias("d"), F.col("ea").alias("a"), F.col("eb").alias("b"),
        F.lit(1).alias("ex"),
    )  # fmt: skip
    item_spans = placed.unionByName(near).distinct().withColumn("ex", F.lit(0))
    return found, item_spans.unionByName(examples)


def furniture(
    keyed: DataFrame,
    has_sources: bool,
    options: FurnitureOptions,
    cut: Callable[[DataFrame], DataFrame],
) -> tuple[DataFrame, DataFrame]:
    """The furniture of the documents of ``keyed`` (``idx``, ``id``, ``source`` and the
    pickled ``key``): each document's merged key spans (``idx``, ``spans`` flat) and the
    items (``item``, ``value``: a ``zhnorm reuse --furniture`` line), as
    ``find_furniture`` finds them.  ``cut``: computes a table and cuts its plan."""
    from ..textreuse.furniture import set_phrase

    plan = _plan(keyed, has_sources, options)
    parts = cut(
        keyed.select("idx", "source", "key").mapInPandas(lambda b: _parts(b, plan), _PART_SCHEMA)
    )
    needed = keyed.sparkSession.createDataFrame(
        list(enumerate(plan.needed)), "sid int, needed long"
    )
    templates = cut(
        _in_enough_documents(parts.where(F.col("part") == "T"), ["sid", "g1", "g2"], needed)
        .groupBy("sid", "g1", "g2")
        .applyInPandas(lambda f: _template_group(f, plan), _ITEM_SCHEMA)
    )
    inside = _item_spans(templates).select("sid", "d", "a", "b")
    segment_rows = parts.where(F.col("part") == "S").join(
        inside, ["sid", "d", "a", "b"], "left_anti"
    )
    segments = cut(
        _in_enough_documents(segment_rows, ["sid", "g1"], needed)
        .groupBy("sid", "g1")
        .applyInPandas(lambda f: _segment_group(f, plan), _ITEM_SCHEMA)
    )
    rounds = [segments, templates]
    if options.threshold < 1.0:
        keys: dict[int, list[str]] = {}
        for row in segments.select("sid", "fd", "fa", "key").orderBy("sid", "fd", "fa").collect():
            keys.setdefault(int(row["sid"]), []).append(str(row["key"]))  # furniture keys: few
        if keys:
            rounds.append(
                segment_rows.mapInPandas(lambda b: _near_repeats(b, keys, options), _ITEM_SCHEMA)
            )
    affixes = (
        _in_enough_documents(
            parts.where(F.col("part").isin("P", "X")), ["sid", "part", "g1"], needed
        )
        .groupBy("sid", "part", "g1")
        .applyInPandas(lambda f: _affix_group(f, plan), _ITEM_SCHEMA)
    )
    rounds.append(affixes)
    joined = rounds[0]
    for other in rounds[1:]:
        joined = joined.unionByName(other)
    found, spans = _settled(cut(joined), plan, cut)

    if plan.across >= 0:
        docs = spans.where((F.col("sid") == plan.across) & (F.col("ex") == 0))
        docs = docs.select("pos", "d").distinct()
        labels = keyed.select(F.col("idx").alias("d"), "source")
        counts = docs.join(labels, "d").groupBy("pos", "source").agg(F.count(F.lit(1)).alias("n"))
        per_item: dict[int, list[int]] = {}
        for row in counts.collect():  # (item, outlet) pairs of the few items across outlets
            per_item.setdefault(int(row["pos"]), []).append(int(row["n"]))
        phrases = sorted(p for p, ns in per_item.items() if set_phrase(ns, options))
        across = found.where(F.col("sid") == plan.across)
        shared = [
            str(r["key"]) for r in across.where(F.col("pos").isin(phrases)).select("key").collect()
        ]
        found = found.where(
            ((F.col("sid") == plan.across) & F.col("pos").isin(phrases))
            | ((F.col("sid") != plan.across) & ~F.col("key").isin(shared))
        )
        spans = spans.join(found.select("sid", "pos"), ["sid", "pos"], "left_semi")

    docs_of_spans = keyed.select(F.col("idx").alias("d"), "id", "key")
    occurrences = cut(
        spans.join(docs_of_spans, "d").groupBy("d").applyInPandas(_raw_offsets, _OCCURRENCE_SCHEMA)
    )
    lines = (
        occurrences.groupBy("sid", "pos")
        .cogroup(found.select("sid", "pos", "kind", "key").groupBy("sid", "pos"))
        .applyInPandas(lambda f, g: _item_line(f, g, plan), _LINE_SCHEMA)
    )
    order = Window.orderBy(
        F.col("documents").desc(), F.col("source").isNull(), F.coalesce("source", F.lit("")),
        "key", "sid", "pos",
    )  # fmt: skip
    items = lines.select((F.row_number().over(order) - 1).cast("long").alias("item"), "value")
    doc_spans = (
        occurrences.where(F.col("ex") == 0)
        .select("d", "a", "b")
        .groupBy("d")
        .applyInPandas(_merged, "idx long, spans array<int>")
    )
    return doc_spans, items
