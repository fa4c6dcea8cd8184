"""A :class:`zhnorm.Pipeline` as a step of a `datatrove <https://github.com/huggingface/datatrove>`_
pipeline (extra ``datatrove``: ``pip install 'zhnorm[datatrove]'``).

:class:`ZhnormStep` normalises each document's ``text`` in batches and writes the
pipeline's annotation columns (``zhnorm_flags`` among them) into ``document.metadata``.
Like the pipeline's filters it never drops a document: put a datatrove filter after it
to act on the flags, visibly.  datatrove is imported when ``ZhnormStep`` is first looked
up (``from zhnorm.integrations.datatrove import ZhnormStep``), never by ``import zhnorm``;
without it that lookup raises :class:`ImportError` naming the extra.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..pipeline.core import Pipeline, StepSpec

    ZhnormStep: type[Any]  # built on first use by the module's __getattr__

__all__ = ["EXTRA_HINT", "ZhnormStep", "pipeline_of"]

EXTRA_HINT = "pip install 'zhnorm[datatrove]'"
DEFAULT_BATCH_SIZE = 256
"""Documents handed to the pipeline per call: enough to amortise a call, few enough
that a worker holds little."""


def pipeline_of(pipeline: Pipeline | str | Iterable[StepSpec] | None) -> Pipeline:
    """``pipeline`` as a :class:`~zhnorm.pipeline.core.Pipeline`: a pipeline is kept, a
    string is a configuration file, steps are built, ``None`` is ``Pipeline.default()``."""
    from ..pipeline.core import Pipeline

    if isinstance(pipeline, Pipeline):
        return pipeline
    if pipeline is None:
        return Pipeline.default()
    if isinstance(pipeline, str):
        return Pipeline.from_file(pipeline)
    return Pipeline(pipeline)


def _annotate_documents(
    step: Any, pipe: Pipeline, documents: Iterable[Any], batch_size: int, provenance: bool
) -> Iterator[Any]:
    """The body of ``ZhnormStep.run``: documents out in input order, each normalised and
    annotated; counts and flags go to the step's datatrove stats."""
    iterator = iter(documents)
    while batch := list(itertools.islice(iterator, batch_size)):
        with step.track_time("batch"):
            result = pipe.annotate_batch([document.text for document in batch])
        for index, document in enumerate(batch):
            new_text = result.texts[index]
            assert new_text is not None  # datatrove documents always have a text
            step.stat_update("documents")
            if new_text != document.text:
                step.stat_update("changed")
            document.text = new_text
            for column, values in result.annotations.items():
                document.metadata[column] = values[index]
            for flag in result.annotations.get("zhnorm_flags", [None] * len(batch))[index] or ():
                step.stat_update(f"flagged_{flag}")
            if provenance:
                document.metadata["zhnorm_fingerprint"] = pipe.fingerprint
            yield document


def _build_step_class() -> type[Any]:
    try:
        base = importlib.import_module("datatrove.pipeline.base")
    except ImportError as error:
        raise ImportError(
            f"zhnorm.integrations.datatrove needs datatrove, which is not installed: {EXTRA_HINT}"
        ) from error

    class ZhnormStep(base.PipelineStep):  # type: ignore[misc,name-defined]
        """Normalise ``document.text`` with a zhnorm pipeline and annotate
        ``document.metadata`` with its filters' columns (``zhnorm_flags``, ...).

        ``pipeline``: a :class:`zhnorm.Pipeline`, a configuration file path, a list of
        steps, or ``None`` for ``Pipeline.default()``.  ``batch_size`` documents go to
        the pipeline per call; ``provenance`` adds ``zhnorm_fingerprint``.  Stats: the
        ``documents`` seen, how many ``changed``, and ``flagged_<filter>`` per flag.
        """

        name = "zhnorm"
        type = "✂️ - FORMAT"

        def __init__(
            self,
            pipeline: Pipeline | str | Iterable[StepSpec] | None = None,
            *,
            batch_size: int = DEFAULT_BATCH_SIZE,
            provenance: bool = False,
        ) -> None:
            super().__init__()
            if batch_size < 1:
                raise ValueError(f"batch_size must be at least 1, got {batch_size}")
            self.pipeline = pipeline_of(pipeline)
            self.batch_size = batch_size
            self.provenance = provenance

        def run(self, data: Any, rank: int = 0, world_size: int = 1) -> Iterator[Any]:
            if data is None:
                return
            yield from _annotate_documents(
                self, self.pipeline, data, self.batch_size, self.provenance
            )

    # Picklable by reference (datatrove's executors ship steps to worker processes):
    # ``zhnorm.integrations.datatrove.ZhnormStep`` is this class once it is built.
    ZhnormStep.__module__ = __name__
    ZhnormStep.__qualname__ = "ZhnormStep"
    return ZhnormStep


def __getattr__(name: str) -> Any:
    if name != "ZhnormStep":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    step_class = _build_step_class()
    globals()["ZhnormStep"] = step_class
    return step_class


def __dir__() -> list[str]:
    return sorted(set(__all__) | set(globals()))
