"""The steps a :class:`~zhnorm.pipeline.Pipeline` is made of.

Two kinds:

* **transforms** change the text: :class:`FixStep` (``"fix"``), :class:`ConvertStep`
  (``"convert"``) and :class:`StyleStep` (``"style"``);
* **filters** only *mark* records: they add an annotation column and, when their
  condition holds, their name to the record's flags.  No record is ever dropped.
  :class:`DetectScriptFilter` (``"detect_script"``), :class:`RepairShareFilter`
  (``"repair_share"``) and :class:`LeakedPinyinFilter` (``"leaked_pinyin"``).

Every step knows its options (:meth:`PipelineStep.options`, complete and
JSON-serialisable) and is rebuilt from them by :meth:`PipelineStep.from_options`, which
rejects an unknown option by name and lists the valid ones.
"""

from __future__ import annotations

import dataclasses
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from ..repair import FixConfig, fix_and_explain, fix_text, normalize
from ..script import Converter
from ..script.dictionary import load_user_dict

__all__ = [
    "FILTER_COLUMNS",
    "FLAGS_COLUMN",
    "STEP_TYPES",
    "ConvertStep",
    "DetectScriptFilter",
    "FixStep",
    "LeakedPinyinFilter",
    "PipelineConfigError",
    "PipelineStep",
    "RepairShareFilter",
    "StyleStep",
]

#: The annotation column that lists, per record, the filters whose condition held.
FLAGS_COLUMN = "zhnorm_flags"

SCRIPTS = ("simplified", "traditional", "mixed", "none")
TARGETS = ("simplified", "traditional", "tw", "hk")
STYLE_OPTIONS = ("fullwidth_ascii", "halfwidth_katakana", "spaces", "punctuation")


class PipelineConfigError(ValueError):
    """A pipeline configuration that cannot be built; the message names the step and
    option at fault and lists the valid choices."""


# --- option checking -------------------------------------------------------------------

_TYPE_NAMES = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}


def _type_ok(value: Any, kind: type) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, kind)


def check_options(
    where: str, options: Mapping[str, Any], valid: Mapping[str, tuple[type, ...]]
) -> None:
    """Reject unknown options (naming them and listing ``valid``) and wrong types.

    ``type(None)`` in a tuple of types means the option may be null/omitted."""
    unknown = [key for key in options if key not in valid]
    if unknown:
        names = ", ".join(repr(k) for k in unknown)
        raise PipelineConfigError(
            f"{where}: unknown option {names}; valid options: {', '.join(valid)}"
        )
    for key, value in options.items():
        kinds = valid[key]
        if not any(_type_ok(value, kind) for kind in kinds):
            expected = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)
            raise PipelineConfigError(
                f"{where}: option {key!r} must be {expected}, not {value!r}".replace(
                    "NoneType", "null"
                )
            )


# --- the per-batch context -------------------------------------------------------------


@dataclass
class BatchContext:
    """What the steps of one batch share: the annotation columns and flags being built
    and, per text, the share of characters the latest ``fix`` step changed."""

    size: int
    explain: bool = False
    shares: list[float] | None = None
    columns: dict[str, list[Any]] = field(default_factory=dict)
    flags: list[list[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.flags = [[] for _ in range(self.size)]


class PipelineStep(ABC):
    """One step: a name, complete options, and a batch function ``texts -> texts``."""

    name: ClassVar[str]
    #: ``(annotation column, type)`` for filters, ``None`` for transforms.
    column: ClassVar[tuple[str, str] | None] = None

    @abstractmethod
    def options(self) -> dict[str, Any]:
        """Every option with its value (defaults included), JSON-serialisable."""

    @classmethod
    @abstractmethod
    def from_options(cls, options: Mapping[str, Any], where: str = "") -> PipelineStep:
        """Build the step; unknown or ill-typed options raise :class:`PipelineConfigError`."""

    @abstractmethod
    def apply(self, texts: list[str], context: BatchContext) -> list[str]:
        """Process a batch of texts (filters return them unchanged)."""

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.name, **self.options()}

    def fingerprint_options(self) -> dict[str, Any]:
        """:meth:`options` as they enter the pipeline's fingerprint."""
        return self.options()

    @property
    def is_filter(self) -> bool:
        return self.column is not None


def _where(where: str, name: str) -> str:
    return where or f"step {name!r}"


# --- transforms ------------------------------------------------------------------------

_FIX_FIELDS: dict[str, tuple[type, ...]] = {
    f.name: ((str, type(None)) if f.name == "punctuation" else (bool,))
    for f in dataclasses.fields(FixConfig)
}


def _build_fix_options(options: Mapping[str, Any], where: str) -> FixConfig:
    try:
        return FixConfig.from_dict(dict(options))
    except ValueError as exc:
        raise PipelineConfigError(f"{where}: {exc}") from None


@dataclass(frozen=True, init=False)
class FixStep(PipelineStep):
    """Repair with :func:`zhnorm.fix_text`; options are the :class:`~zhnorm.FixConfig`
    fields (repairs on, style folds off by default), held as ``fix_options``
    (``FixStep(FixConfig(layout=False))``; ``config`` is the former name, as a keyword
    and as an attribute)."""

    name: ClassVar[str] = "fix"
    fix_options: FixConfig = field(default_factory=FixConfig)

    def __init__(
        self, fix_options: FixConfig | None = None, *, config: FixConfig | None = None
    ) -> None:
        if config is not None:
            if fix_options is not None:
                raise TypeError("give the repair options as fix_options or as config, not both")
            fix_options = config
        object.__setattr__(self, "fix_options", FixConfig() if fix_options is None else fix_options)

    @property
    def config(self) -> FixConfig:
        """The former name of :attr:`fix_options`."""
        return self.fix_options

    def options(self) -> dict[str, Any]:
        return self.fix_options.to_dict()

    @classmethod
    def from_options(cls, options: Mapping[str, Any], where: str = "") -> FixStep:
        where = _where(where, cls.name)
        check_options(where, options, _FIX_FIELDS)
        return cls(_build_fix_options(options, where))

    def apply(self, texts: list[str], context: BatchContext) -> list[str]:
        if not context.explain:
            return [fix_text(text, self.fix_options) for text in texts]
        fixed: list[str] = []
        shares: list[float] = []
        for text in texts:
            explained = fix_and_explain(text, self.fix_options)
            touched = sum(
                max(len(edit.original), 1) for step in explained.steps for edit in step.edits
            )
            shares.append(round(min(1.0, touched / len(text)), 4) if text else 0.0)
            fixed.append(explained.text)
        context.shares = shares
        return fixed


_STYLE_FIELDS = {name: _FIX_FIELDS[name] for name in STYLE_OPTIONS}
_NO_REPAIR = {"clutter": False, "mojibake": False, "byteshift": False, "ruby": False}


@dataclass(frozen=True)
class StyleStep(PipelineStep):
    """The opt-in style folds of :mod:`zhnorm.repair.style` on their own (no repair):
    ``fullwidth_ascii``, ``halfwidth_katakana``, ``spaces``, ``punctuation``."""

    name: ClassVar[str] = "style"
    fullwidth_ascii: bool = False
    halfwidth_katakana: bool = False
    spaces: bool = False
    punctuation: Literal["cjk", "ascii"] | None = None
    _fix_options: FixConfig = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        options = {name: getattr(self, name) for name in STYLE_OPTIONS}
        fix_options = _build_fix_options({**_NO_REPAIR, "layout": False, **options}, "step 'style'")
        object.__setattr__(self, "_fix_options", fix_options)

    def options(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in STYLE_OPTIONS}

    @classmethod
    def from_options(cls, options: Mapping[str, Any], where: str = "") -> StyleStep:
        where = _where(where, cls.name)
        check_options(where, options, _STYLE_FIELDS)
        try:
            return cls(**options)
        except PipelineConfigError as exc:
            raise PipelineConfigError(str(exc).replace("step 'style'", where)) from None

    def apply(self, texts: list[str], context: BatchContext) -> list[str]:
        return [fix_text(text, self._fix_options) for text in texts]


_CONVERT_FIELDS: dict[str, tuple[type, ...]] = {
    "config": (str, type(None)),
    "to": (str, type(None)),
    "user_dict": (str, dict, type(None)),
    "protect": (list, tuple),
}


@dataclass(frozen=True)
class ConvertStep(PipelineStep):
    """Script conversion.  Exactly one of:

    ``config``     an OpenCC configuration (``"s2t"``, ``"t2s"``, ``"s2twp"`` ...), run
                   by a :class:`~zhnorm.Converter` with ``user_dict`` (a TSV path or a
                   table ``{key: value}``) and ``protect`` (regular expressions whose
                   matches pass through unconverted);
    ``to``         a target script, ``"simplified"``, ``"traditional"``, ``"tw"`` or
                   ``"hk"``, chosen per text from its detected script as
                   :func:`zhnorm.normalize` does (simplified text is not run through
                   ``t2s``); ``user_dict`` and ``protect`` are not available with it.

    The user dictionary is read once, when the step is built, and travels with the step
    when it is pickled, so worker processes never need the file.
    """

    name: ClassVar[str] = "convert"
    config: str | None = None
    to: str | None = None
    user_dict: str | os.PathLike[str] | Mapping[str, str] | None = None
    protect: tuple[str, ...] = ()
    _converter: Converter | None = field(init=False, repr=False, compare=False)
    _entries: dict[str, str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        where = "step 'convert'"
        if (self.config is None) == (self.to is None):
            raise PipelineConfigError(
                f"{where}: give exactly one of 'config' (an OpenCC configuration) "
                f"or 'to' (one of {', '.join(TARGETS)})"
            )
        object.__setattr__(self, "protect", tuple(self.protect))
        entries: dict[str, str] | None = None
        if self.user_dict is not None:
            try:
                entries = dict(load_user_dict(self.user_dict).entries)
            except (OSError, ValueError, TypeError) as exc:
                raise PipelineConfigError(f"{where}: user_dict: {exc}") from None
        object.__setattr__(self, "_entries", entries)
        converter: Converter | None = None
        if self.to is not None:
            if self.to not in TARGETS:
                raise PipelineConfigError(
                    f"{where}: unknown target to={self.to!r}; valid: {', '.join(TARGETS)} "
                    "(or use 'config' for an OpenCC configuration)"
                )
            if entries is not None or self.protect:
                raise PipelineConfigError(
                    f"{where}: 'user_dict' and 'protect' need an explicit 'config', not 'to'"
                )
        else:
            try:
                patterns = [re.compile(p) for p in self.protect]
                assert self.config is not None
                converter = Converter(self.config, user_dict=entries, protect=patterns)
            except re.error as exc:
                raise PipelineConfigError(
                    f"{where}: protect: bad regular expression: {exc}"
                ) from None
            except (ValueError, TypeError) as exc:
                raise PipelineConfigError(f"{where}: {exc}") from None
            object.__setattr__(self, "config", converter.config)
        object.__setattr__(self, "_converter", converter)

    def options(self) -> dict[str, Any]:
        user: str | dict[str, str] | None
        if self.user_dict is None or isinstance(self.user_dict, str):
            user = self.user_dict
        elif isinstance(self.user_dict, os.PathLike):
            user = os.fspath(self.user_dict)
        else:
            user = dict(self.user_dict)
        return {"config": self.config, "to": self.to, "user_dict": user, "protect": [*self.protect]}

    def fingerprint_options(self) -> dict[str, Any]:
        # The dictionary's content, not where it was read from, decides the output.
        options = self.options()
        if self._entries is not None:
            options["user_dict"] = sorted(self._entries.items())
        return options

    @classmethod
    def from_options(cls, options: Mapping[str, Any], where: str = "") -> ConvertStep:
        where = _where(where, cls.name)
        check_options(where, options, _CONVERT_FIELDS)
        protect = options.get("protect", ())
        if not all(isinstance(p, str) and p for p in protect):
            raise PipelineConfigError(
                f"{where}: option 'protect' must be a list of regular expressions (strings)"
            )
        try:
            return cls(
                config=options.get("config"),
                to=options.get("to"),
                user_dict=options.get("user_dict"),
                protect=tuple(protect),
            )
        except PipelineConfigError as exc:
            raise PipelineConfigError(str(exc).replace("step 'convert'", where)) from None

    def apply(self, texts: list[str], context: BatchContext) -> list[str]:
        if self._converter is not None:
            return self._converter.convert_batch(texts)
        return [normalize(text, to=self.to, fix=False) for text in texts]


# --- filters ---------------------------------------------------------------------------


def _mark(context: BatchContext, name: str, hits: list[bool]) -> None:
    for flags, hit in zip(context.flags, hits, strict=True):
        if hit:
            flags.append(name)


@dataclass(frozen=True)
class DetectScriptFilter(PipelineStep):
    """Annotate the script :func:`zhnorm.detect_script` finds in the text at this point
    (column ``zhnorm_script``); mark records whose script is not in ``expect`` (an
    empty ``expect`` only annotates)."""

    name: ClassVar[str] = "detect_script"
    column: ClassVar[tuple[str, str] | None] = ("zhnorm_script", "string")
    expect: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "expect", tuple(self.expect))
        bad = [s for s in self.expect if s not in SCRIPTS]
        if bad:
            raise PipelineConfigError(
                f"step 'detect_script': unknown script {bad[0]!r} in 'expect'; "
                f"valid: {', '.join(SCRIPTS)}"
            )

    def options(self) -> dict[str, Any]:
        return {"expect": [*self.expect]}

    @classmethod
    def from_options(cls, options: Mapping[str, Any], where: str = "") -> DetectScriptFilter:
        where = _where(where, cls.name)
        check_options(where, options, {"expect": (list, tuple)})
        try:
            return cls(tuple(options.get("expect", ())))
        except PipelineConfigError as exc:
            raise PipelineConfigError(str(exc).replace("step 'detect_script'", where)) from None

    def apply(self, texts: list[str], context: BatchContext) -> list[str]:
        from ..script import detect_script

        scripts = [detect_script(text).script for text in texts]
        context.columns["zhnorm_script"] = list(scripts)
        if self.expect:
            _mark(context, self.name, [s not in self.expect for s in scripts])
        return texts


@dataclass(frozen=True)
class RepairShareFilter(PipelineStep):
    """Annotate the share of characters the preceding ``fix`` step changed (column
    ``zhnorm_repair_share``, 0.0-1.0: replaced, removed or inserted characters over the
    text's length); mark records above ``max_share``.  Needs a ``fix`` step before it."""

    name: ClassVar[str] = "repair_share"
    column: ClassVar[tuple[str, str] | None] = ("zhnorm_repair_share", "float64")
    max_share: float = 0.1

    def __post_init__(self) -> None:
        if not 0.0 <= self.max_share <= 1.0:
            raise PipelineConfigError(
                f"step 'repair_share': max_share must be between 0 and 1, not {self.max_share}"
            )
        object.__setattr__(self, "max_share", float(self.max_share))

    def options(self) -> dict[str, Any]:
        return {"max_share": self.max_share}

    @classmethod
    def from_options(cls, options: Mapping[str, Any], where: str = "") -> RepairShareFilter:
        where = _where(where, cls.name)
        check_options(where, options, {"max_share": (float,)})
        try:
            return cls(options.get("max_share", 0.1))
        except PipelineConfigError as exc:
            raise PipelineConfigError(str(exc).replace("step 'repair_share'", where)) from None

    def apply(self, texts: list[str], context: BatchContext) -> list[str]:
        shares = context.shares if context.shares is not None else [0.0] * len(texts)
        context.columns["zhnorm_repair_share"] = list(shares)
        _mark(context, self.name, [share > self.max_share for share in shares])
        return texts


_RUBY_ONLY = {**_NO_REPAIR, "ruby": True, "layout": False}


@dataclass(frozen=True)
class LeakedPinyinFilter(PipelineStep):
    """Annotate how many leaked pinyin readings (``現(xiàn)代``, the trace of a
    content-farm rewriter) the ruby fixer would remove from the text at this point
    (column ``zhnorm_leaked_pinyin``); mark records with at least ``min_readings``.

    The ruby fixer's document gate applies (``aggressive`` drops it), so a textbook's
    one or two glosses count 0.  Put it *before* a ``fix`` step that removes readings:
    after one it could only ever count 0, and the pipeline refuses that order."""

    name: ClassVar[str] = "leaked_pinyin"
    column: ClassVar[tuple[str, str] | None] = ("zhnorm_leaked_pinyin", "int64")
    min_readings: int = 1
    aggressive: bool = False
    _fix_options: FixConfig = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.min_readings < 1:
            raise PipelineConfigError(
                f"step 'leaked_pinyin': min_readings must be at least 1, not {self.min_readings}"
            )
        fix_options = FixConfig.from_dict({**_RUBY_ONLY, "ruby_aggressive": self.aggressive})
        object.__setattr__(self, "_fix_options", fix_options)

    def options(self) -> dict[str, Any]:
        return {"min_readings": self.min_readings, "aggressive": self.aggressive}

    @classmethod
    def from_options(cls, options: Mapping[str, Any], where: str = "") -> LeakedPinyinFilter:
        where = _where(where, cls.name)
        check_options(where, options, {"min_readings": (int,), "aggressive": (bool,)})
        try:
            return cls(**options)
        except PipelineConfigError as exc:
            raise PipelineConfigError(str(exc).replace("step 'leaked_pinyin'", where)) from None

    def apply(self, texts: list[str], context: BatchContext) -> list[str]:
        counts = []
        for text in texts:
            explained = fix_and_explain(text, self._fix_options)
            counts.append(sum(len(s.edits) for s in explained.steps if s.fixer == "ruby"))
        context.columns["zhnorm_leaked_pinyin"] = counts
        _mark(context, self.name, [n >= self.min_readings for n in counts])
        return texts


#: Step name -> class, in the order the documentation presents them.
STEP_TYPES: dict[str, type[PipelineStep]] = {
    cls.name: cls
    for cls in (
        FixStep,
        ConvertStep,
        StyleStep,
        DetectScriptFilter,
        RepairShareFilter,
        LeakedPinyinFilter,
    )
}

#: Annotation column -> type, for every filter.
FILTER_COLUMNS: dict[str, str] = {
    cls.column[0]: cls.column[1] for cls in STEP_TYPES.values() if cls.column is not None
}
