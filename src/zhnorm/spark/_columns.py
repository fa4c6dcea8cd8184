"""Column functions: zhnorm's batch functions as Arrow-backed pandas UDFs.

Each function takes a column (name or :class:`~pyspark.sql.Column`) and returns a
string :class:`~pyspark.sql.Column`; nulls stay null.  The work is done by the same
batch functions as in a single process (:func:`zhnorm.fix_batch`,
:meth:`zhnorm.Converter.convert_batch`, :func:`zhnorm.normalize_batch`,
:func:`zhnorm.match_keys`, ``Pipeline.batch``), one Arrow batch at a time, so a Spark
job gives exactly the strings the local call gives.

Options as in the local functions: an options object as ``options`` (``config`` is
the former keyword of a :class:`~zhnorm.FixConfig` or :class:`~zhnorm.key.KeyOptions`;
alone, ``config`` names an OpenCC configuration) and single fields as keywords.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from ._common import require_spark

if TYPE_CHECKING:
    from pyspark.sql import Column

    from ..key import KeyOptions
    from ..repair import FixConfig

__all__ = [
    "BatchFunction",
    "batch_column",
    "convert_column",
    "fix_text_column",
    "match_key_column",
    "normalize_column",
    "pipeline_annotated_column",
    "pipeline_column",
]

BatchFunction = Callable[[list[str]], list[str]]


class _Batcher(Protocol):
    def batch(self, texts: list[str]) -> list[str]: ...


class _Annotator(Protocol):
    @property
    def annotation_columns(self) -> dict[str, str]: ...

    def annotate_batch(self, texts: list[str | None]) -> Any: ...


def batch_column(column: Column | str, func: BatchFunction) -> Column:
    """Apply ``func`` (``list[str] -> list[str]``, same length, same order) to a string
    column, one Arrow batch at a time.  ``func`` is pickled to the executors."""
    require_spark()
    from ._udf import string_batch_udf

    return string_batch_udf(func)(column)


def _fix_options(
    options: FixConfig | None, config: FixConfig | None, overrides: Mapping[str, Any]
) -> FixConfig:
    """The repair options of a column function (resolved here, on the driver, so a
    mistaken name fails before any Spark job)."""
    from ..options import resolve
    from ..repair import FixConfig

    return resolve(FixConfig, options, overrides, config=config)


def fix_text_column(
    column: Column | str,
    options: FixConfig | None = None,
    *,
    config: FixConfig | None = None,
    **overrides: Any,
) -> Column:
    """:func:`zhnorm.fix_text` of each value (``fix_text_column(col, ruby=False)``)."""
    from ..repair import fix_batch

    fix_options = _fix_options(options, config, overrides)

    def run(texts: list[str]) -> list[str]:
        return fix_batch(texts, fix_options)

    return batch_column(column, run)


def convert_column(
    column: Column | str,
    config: str = "s2t",
    *,
    user_dict: Mapping[str, str] | str | None = None,
    protect: Iterable[Any] | None = None,
) -> Column:
    """:meth:`zhnorm.Converter.convert_batch` of each value.  The converter is built
    here (a bad configuration fails before the job starts) and travels pickled."""
    from ..script import Converter

    converter = Converter(config, user_dict=user_dict, protect=protect)

    def run(texts: list[str]) -> list[str]:
        return converter.convert_batch(texts)

    return batch_column(column, run)


def normalize_column(
    column: Column | str,
    *,
    to: str | None = None,
    fix: bool = True,
    options: FixConfig | None = None,
    config: FixConfig | None = None,
    **overrides: Any,
) -> Column:
    """:func:`zhnorm.normalize` of each value (repair with ``options``, then conversion
    to ``to``)."""
    from ..repair import normalize, normalize_batch

    normalize("", to=to, fix=False)  # validates ``to`` before the job starts
    fix_options = _fix_options(options, config, overrides)

    def run(texts: list[str]) -> list[str]:
        return normalize_batch(texts, to=to, fix=fix, config=fix_options)

    return batch_column(column, run)


def match_key_column(
    column: Column | str,
    options: KeyOptions | None = None,
    *,
    config: KeyOptions | None = None,
    **overrides: Any,
) -> Column:
    """:func:`zhnorm.match_key` of each value (the dedup matching key)."""
    from ..key import match_keys, resolve_key_options

    key_options = resolve_key_options(options, config=config, **overrides)

    def run(texts: list[str]) -> list[str]:
        return match_keys(texts, key_options)

    return batch_column(column, run)


def pipeline_column(column: Column | str, pipeline: _Batcher) -> Column:
    """``pipeline.batch`` of each value: any :class:`zhnorm.Pipeline` (or any picklable
    object with ``batch(list[str]) -> list[str]``), the same object as in a single
    process, pickled to the executors."""
    return batch_column(column, pipeline.batch)


def pipeline_annotated_column(
    column: Column | str,
    pipeline: _Annotator,
    *,
    text_field: str = "text",
    text_name: str | None = None,
) -> Column:
    """``pipeline.annotate_batch`` of each value, as a struct: the normalised text
    (field ``text_field``; ``text_name`` is its former keyword) and the pipeline's
    annotation columns (its filters' values and ``zhnorm_flags``; records are marked,
    never dropped).  Expand it with ``.select("*", "col.*")``."""
    require_spark()
    from ._udf import annotate_udf

    return annotate_udf(pipeline, text_name if text_name is not None else text_field)(column)
