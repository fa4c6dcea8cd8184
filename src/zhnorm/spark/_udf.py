"""pandas UDF builders.  Imports pyspark and pandas at module level (pyspark resolves
the UDF type hints from these globals): import this module only after
:func:`._common.require_spark`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
from pyspark.sql import Column
from pyspark.sql.pandas.functions import pandas_udf

__all__ = ["annotate_udf", "apply_to_series", "string_batch_udf"]


def apply_to_series(func: Callable[[list[str]], list[str]], series: pd.Series) -> pd.Series:
    """``func`` over the non-null values of ``series``; nulls stay null."""
    missing = series.isna().to_numpy()
    values = [str(v) for v in series[~missing].tolist()]
    done = func(values)
    if len(done) != len(values):
        raise ValueError(f"batch function returned {len(done)} texts for {len(values)}")
    result = pd.Series([None] * len(series), index=series.index, dtype=object)
    result[~missing] = done
    return result


def string_batch_udf(func: Callable[[list[str]], list[str]]) -> Callable[[Column | str], Column]:
    """A scalar-iterator pandas UDF (string -> string) that runs ``func`` per batch."""

    def run(batches: Iterator[pd.Series]) -> Iterator[pd.Series]:
        for series in batches:
            yield apply_to_series(func, series)

    udf: Callable[[Column | str], Column] = pandas_udf(run, "string")  # type: ignore[call-overload]
    return udf


_SPARK_TYPES = {
    "string": "string",
    "float64": "double",
    "int64": "long",
    "list<string>": "array<string>",
}


def annotate_udf(pipeline: Any, text_field: str = "text") -> Callable[[Column | str], Column]:
    """A scalar-iterator pandas UDF returning ``struct<text, annotation columns...>``
    (the text in field ``text_field``) from ``pipeline.annotate_batch`` (types from
    ``pipeline.annotation_columns``)."""
    kinds = dict(pipeline.annotation_columns)
    names = [text_field, *kinds]
    schema = ", ".join(
        [f"`{text_field}` string", *(f"`{n}` {_SPARK_TYPES[k]}" for n, k in kinds.items())]
    )

    def run(batches: Iterator[pd.Series]) -> Iterator[pd.DataFrame]:
        for series in batches:
            texts = [v if isinstance(v, str) else None for v in series.tolist()]
            done = pipeline.annotate_batch(texts)
            data = {text_field: done.texts, **done.annotations}
            yield pd.DataFrame({n: pd.Series(data[n], dtype=object) for n in names})

    udf: Callable[[Column | str], Column] = pandas_udf(run, schema)  # type: ignore[call-overload]
    return udf
