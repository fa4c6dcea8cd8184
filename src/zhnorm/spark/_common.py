"""Shared helpers: the optional-dependency check and the Spark session."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["EXTRA_HINT", "require_spark", "session"]

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
