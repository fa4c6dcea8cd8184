"""zhnorm on Apache Spark: the same repair, conversion, dedup and repeated-paragraph
results on a cluster, computed by the same code as in one process.

Needs the ``spark`` extra (``pip install 'zhnorm[spark]'``: pyspark, pyarrow, pandas).
``import zhnorm.spark`` always works; pyspark is imported when a function is first
used, and a missing extra raises :class:`ImportError` naming it.  The zhnorm core never
imports pyspark.

* Column functions (Arrow pandas UDFs over the local batch functions):
  :func:`fix_text_column`, :func:`convert_column`, :func:`normalize_column`,
  :func:`match_key_column`, :func:`pipeline_column` (any :class:`zhnorm.Pipeline`) and
  :func:`pipeline_annotated_column` (its filters' annotation columns too),
  :func:`batch_column` (any ``list[str] -> list[str]`` function) and
  :func:`signature_column` (MinHash signatures, :func:`zhnorm.neardup.signatures`).
* :func:`dedup`: MinHash per partition, LSH banding, exact verification, connected
  components (:func:`connected_components`, large-star / small-star) and the keep
  policy; returns the input DataFrame with ``cluster``, ``duplicate_of`` and
  ``similarity`` columns, the same as :func:`zhnorm.neardup.dedup` gives.
* :func:`paragraph_occurrences` / :func:`repeated_paragraphs`: paragraphs exploded and
  grouped by matching key, with counts and locations.
* :func:`reuse`: passages, passage clusters, furniture and stories, the results of
  :func:`zhnorm.textreuse.reuse` (:class:`SparkReuseResult`).
* :func:`dedup_files`: the engine behind ``zhnorm dedup --engine spark``.
* :func:`session`: a SparkSession (``local[2]`` by default); :func:`parse_spark_conf`:
  ``KEY=VALUE`` settings (``--spark-conf``) as the mapping ``session`` and
  :func:`dedup_files` take (``conf=`` / ``spark_conf=``).

See ``docs/spark.md`` for running on a cluster.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._columns import (
    batch_column,
    convert_column,
    fix_text_column,
    match_key_column,
    normalize_column,
    pipeline_annotated_column,
    pipeline_column,
)
from ._common import EXTRA_HINT, parse_spark_conf, require_spark, session

if TYPE_CHECKING:
    from ._components import ComponentsNotConverged, connected_components
    from ._dedup import SparkDedupResult, dedup, dedup_result, signature_column
    from ._files import DedupCounts, dedup_files
    from ._paragraphs import paragraph_occurrences, repeated_paragraphs
    from ._reuse import SparkReuseResult, reuse

__all__ = [
    "EXTRA_HINT",
    "ComponentsNotConverged",
    "DedupCounts",
    "SparkDedupResult",
    "SparkReuseResult",
    "batch_column",
    "connected_components",
    "convert_column",
    "dedup",
    "dedup_files",
    "dedup_result",
    "fix_text_column",
    "match_key_column",
    "normalize_column",
    "paragraph_occurrences",
    "parse_spark_conf",
    "pipeline_annotated_column",
    "pipeline_column",
    "repeated_paragraphs",
    "require_spark",
    "reuse",
    "session",
    "signature_column",
]

# Names defined in modules that import pyspark at module level: loaded on first use.
_LAZY = {
    "ComponentsNotConverged": "_components",
    "connected_components": "_components",
    "dedup": "_dedup",
    "signature_column": "_dedup",
    "SparkDedupResult": "_dedup",
    "dedup_result": "_dedup",
    "DedupCounts": "_files",
    "dedup_files": "_files",
    "paragraph_occurrences": "_paragraphs",
    "repeated_paragraphs": "_paragraphs",
    "reuse": "_reuse",
    "SparkReuseResult": "_reuse",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    require_spark()
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
