"""Connected components of a large graph on Spark DataFrames: large-star / small-star.

The alternating large-star and small-star rounds of Kiveris et al., "Connected
Components in MapReduce and Beyond" (SoCC 2014).  Edges are kept as ``(hi, lo)`` pairs
(``hi > lo``).  A round:

* **large-star**: every node ``u`` links each *larger* neighbour to the smallest node
  of its closed neighbourhood;
* **small-star**: every node ``u`` links each *smaller-or-equal* neighbour and itself to
  the smallest of them.

Both preserve connectivity and never increase the label a node points to.  The loop
stops when the edges form a *star forest* -- every ``hi`` has exactly one ``lo`` and no
``lo`` is itself a ``hi`` -- at which point each star is one component and its centre
is the component's smallest node (the cluster id the local union-find,
:func:`zhnorm.neardup.cluster_pairs`, gives).  The number of rounds is ``O(log^2 n)``.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

__all__ = ["ComponentsNotConverged", "connected_components"]

MAX_ROUNDS = 100


class ComponentsNotConverged(RuntimeError):
    """The large-star / small-star loop did not reach a star forest in time."""


def _materialize(frame: DataFrame) -> DataFrame:
    """Compute ``frame`` once and cut its lineage: every round reads the previous one
    twice, so without the cut the query plan doubles each round."""
    return frame.localCheckpoint(eager=True)


def _large_star(edges: DataFrame) -> DataFrame:
    both = edges.select(F.col("hi").alias("u"), F.col("lo").alias("v")).unionByName(
        edges.select(F.col("lo").alias("u"), F.col("hi").alias("v"))
    )
    smallest = both.groupBy("u").agg(F.least(F.min("v"), F.col("u")).alias("m"))
    return (
        both.join(smallest, "u")
        .where(F.col("v") > F.col("u"))
        .select(F.col("v").alias("hi"), F.col("m").alias("lo"))
        .distinct()
    )


def _small_star(edges: DataFrame) -> DataFrame:
    smallest = edges.groupBy("hi").agg(F.min("lo").alias("m"))
    leaves = (
        edges.join(smallest, "hi")
        .where(F.col("lo") != F.col("m"))
        .select(F.col("lo").alias("hi"), F.col("m").alias("lo"))
    )
    centre = smallest.select("hi", F.col("m").alias("lo"))
    return leaves.unionByName(centre).distinct()


def _is_star_forest(edges: DataFrame) -> bool:
    degree = edges.groupBy("hi").agg(F.count(F.lit(1)).alias("n"))
    chained = degree.select(F.col("hi").alias("lo"), F.lit(True).alias("chained"))
    offending = (
        edges.join(degree, "hi")
        .join(chained, "lo", "left")
        .where((F.col("n") > 1) | F.col("chained").isNotNull())
    )
    return offending.limit(1).count() == 0


def connected_components(
    edges: DataFrame,
    src: str = "src",
    dst: str = "dst",
    *,
    max_rounds: int = MAX_ROUNDS,
) -> DataFrame:
    """Connected components of the undirected graph ``edges`` (integer columns ``src``
    and ``dst``; duplicates, both directions, self-loops and nulls are fine).

    Returns a DataFrame ``(node: long, component: long)`` with one row per node that
    has at least one edge to another node; ``component`` is the smallest node of its
    component.  Nodes without edges are their own component and are not listed.
    Raises :class:`ComponentsNotConverged` after ``max_rounds`` rounds.
    """
    a, b = F.col(src).cast("long"), F.col(dst).cast("long")
    current = _materialize(
        edges.where(a.isNotNull() & b.isNotNull() & (a != b))
        .select(F.greatest(a, b).alias("hi"), F.least(a, b).alias("lo"))
        .distinct()
    )
    rounds = 0
    while not _is_star_forest(current):
        if rounds >= max_rounds:
            raise ComponentsNotConverged(
                f"connected components did not converge in {max_rounds} rounds"
            )
        following = _materialize(_small_star(_large_star(current)))
        current = following
        rounds += 1
    leaves = current.select(F.col("hi").alias("node"), F.col("lo").alias("component"))
    centres = current.select(F.col("lo").alias("node"), F.col("lo").alias("component"))
    return leaves.unionByName(centres.distinct())
