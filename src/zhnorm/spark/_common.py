"""Shared helpers: the optional-dependency check and the Spark session."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["EXTRA_HINT", "parse_spark_conf", "require_spark", "session"]

EXTRA_HINT = "pip install 'zhnorm[spark]'"
_NEEDED = ("pyspark", "pyarrow", "pandas")


def require_spark() -> None:
    """Raise :class:`ImportError` naming the ``spark`` extra when pyspark, pyarrow or
    pandas is missing (they are imported lazily, never by the zhnorm core)."""
    missing = []
    for module in _NEEDED:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise ImportError(
            f"zhnorm.spark needs {', '.join(missing)}, which is not installed: {EXTRA_HINT}"
        )


def parse_spark_conf(items: Iterable[str]) -> dict[str, str]:
    """Spark settings given as ``KEY=VALUE`` strings (``--spark-conf``, as
    ``spark-submit --conf`` takes them) as a mapping; the value is everything after the
    first ``=`` and may itself hold ``=``; a key given twice keeps its last value.

    Raises :class:`ValueError` naming the first item without ``=``, with an empty key
    or with white space in the key.

    >>> parse_spark_conf(["spark.driver.memory=4g", "spark.executor.extraJavaOptions=-Da=b"])
    {'spark.driver.memory': '4g', 'spark.executor.extraJavaOptions': '-Da=b'}
    """
    conf: dict[str, str] = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals or not key.strip():
            raise ValueError(f"{item!r}: expected KEY=VALUE, e.g. spark.driver.memory=4g")
        if key != key.strip() or any(c.isspace() for c in key):
            raise ValueError(f"{item!r}: white space in the key {key!r}")
        conf[key] = value
    return conf


def session(
    master: str | None = "local[2]",
    *,
    app_name: str = "zhnorm",
    shuffle_partitions: int | None = None,
    conf: Mapping[str, Any] | None = None,
) -> SparkSession:
    """A :class:`SparkSession` (the active one if it exists: ``getOrCreate``).

    ``master=None`` leaves the master to ``spark-submit``.  For a local master the
    Python workers run the interpreter that runs this call (``PYSPARK_PYTHON``), so
    they see the same zhnorm; on a cluster, ship zhnorm to the executors (docs/spark.md).
    """
    require_spark()
    from pyspark.sql import SparkSession

    if master is not None and master.startswith("local"):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder: Any = SparkSession.builder.appName(app_name)
    if master is not None:
        builder = builder.master(master)
    if shuffle_partitions is not None:
        builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
    for key, value in (conf or {}).items():
        builder = builder.config(key, str(value))
    spark: SparkSession = builder.getOrCreate()
    return spark
