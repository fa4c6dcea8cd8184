"""The public repair API: a registry of named fixers, options that switch them, a plan.

Design (after ftfy's, not its code): each fixer is a pure function ``text -> [Edit]``
registered under a name; :class:`FixOptions` switches fixers on and off (passed as
``options``, single switches as keyword overrides, :func:`zhnorm.options.resolve`);
:func:`fix_and_explain` returns the repaired text *and* the plan - one :class:`Step`
per fixer that changed something, holding its edits with offsets into that step's
input - and :func:`apply_plan` replays a plan on the original text, checking every
edit's ``original``.  Plans serialise to JSON (``to_dict``/``from_dict``) for the CLI's
``zhnorm fix --explain``.

Order (:data:`FIXER_ORDER`) matters:

1. ``clutter`` - entities, look-alike ideographs, invisible characters.  First, because
   ``&#x4E2D;`` or a ZWSP inside a mojibake run would hide the damage from the others.
   A character that is itself a byte of the garbled text (U+00AD is byte AD, of ``中`` in
   UTF-8 and ``经`` in GBK) stays inside the runs the mojibake fixer claims
   (:func:`zhnorm.repair.mojibake.mojibake_runs`, the one view both share); C1 controls
   are never clutter.
2. ``mojibake`` - codec mix-ups.
3. ``byteshift`` - GBK one-byte-shift garble; it must still see the ruby annotations,
   which anchor its re-pairing.
4. ``ruby`` - leaked pinyin ``現(xiàn)代``.
5. ``layout`` - rejoin sentences broken by column layout (after the character-level
   fixers, so their edits never straddle a join).
6. ``style`` - opt-in folds that change legitimate text.

Idempotence: a fixer's output can expose new work (``&&#110;bsp;`` decodes to
``&nbsp;``; a join makes a longer line for the next layout decision), so the pipeline
is re-run while it changes the text, at most :data:`MAX_ROUNDS` times.  Clean text costs
one round: every fixer has a compiled pre-filter and returns ``[]`` without work.  A
fixer whose pre-filter found nothing (:data:`_EVIDENCE`: "no evidence here") is asked
again only about the spans edited since, so a document with a few repaired spots costs
one pass plus a look at each spot, not a second full round.

Defaults: every *repair* is on; every style fold is off.  ``layout`` is on because its
policy (:mod:`zhnorm.repair.layout`) only joins a line that stops mid-sentence to a
prose line across exactly one blank line; on THUCNews and DRCD (single paragraphs,
and also re-assembled into multi-paragraph articles in the tests) it makes no join.
``ruby_aggressive`` is off: it removes readings even from documents that do not look
like a simplified->traditional rewriter's leak (textbook glosses would go).
"""

from __future__ import annotations

import dataclasses
import importlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..options import resolve
from .clutter import find_clutter, has_clutter_evidence, scan_clutter
from .layout import LayoutNote, find_layout, layout_notes, scan_layout
from .style import PunctuationProfile, find_style
from .types import Edit, apply_edits, edit_span

__all__ = [
    "FIXER_ORDER",
    "MAX_ROUNDS",
    "Explained",
    "FixConfig",
    "FixOptions",
    "Step",
    "apply_plan",
    "explain_batch",
    "fix_and_explain",
    "fix_batch",
    "fix_text",
    "normalize",
    "normalize_batch",
]

MAX_ROUNDS = 16
"""Rounds of the pipeline at most.  Usually one (clean text) or two; a run of several
garbled pieces can take one round each, since a piece's repair can be what lets its
neighbour read as mojibake beside clean text (found by hypothesis: four pieces of
Big5/GBK read as Latin-1, repaired right to left, needed five rounds with three)."""


@dataclass(frozen=True)
class FixOptions:
    """Which fixers :func:`fix_text` runs.  Repairs default on, style folds off.

    ``clutter``            HTML references, look-alike ideographs, invisible characters.
    ``mojibake``           text decoded with the wrong codec.
    ``byteshift``          GBK text decoded one byte out of step.
    ``ruby``               leaked pinyin readings ``現(xiàn)代``, per-document gate.
    ``ruby_aggressive``    drop the ruby gate (off: textbook glosses are legitimate).
    ``layout``             rejoin sentences broken by column layout.
    ``fullwidth_ascii``    style: ``ＶＩＰ２０１２`` -> ``VIP2012``.
    ``halfwidth_katakana`` style: ``ｶﾞｲﾄﾞ`` -> ``ガイド``.
    ``spaces``             style: U+3000/U+00A0/typographic spaces -> ASCII space.
    ``punctuation``        style: ``None``, ``"cjk"`` or ``"ascii"`` (see ``style``).
    """

    clutter: bool = True
    mojibake: bool = True
    byteshift: bool = True
    ruby: bool = True
    ruby_aggressive: bool = False
    layout: bool = True
    fullwidth_ascii: bool = False
    halfwidth_katakana: bool = False
    spaces: bool = False
    punctuation: PunctuationProfile | None = None

    def __post_init__(self) -> None:
        if self.punctuation not in (None, "cjk", "ascii"):
            raise ValueError(
                f"punctuation must be None, 'cjk' or 'ascii', not {self.punctuation!r}"
            )

    @property
    def any_style(self) -> bool:
        return (
            self.fullwidth_ascii
            or self.halfwidth_katakana
            or self.spaces
            or self.punctuation is not None
        )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FixOptions:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown FixConfig fields: {', '.join(sorted(unknown))}")
        return cls(**data)


FixConfig = FixOptions
"""The former name of :class:`FixOptions` (the same class)."""


def _options(
    options: FixOptions | None, config: FixOptions | None, overrides: dict[str, Any]
) -> FixOptions:
    """The options a call asked for: ``options`` (or its keyword alias ``config=``, the
    former name) with ``overrides`` applied, through :func:`zhnorm.options.resolve`
    (skipped for a plain call: building the defaults costs more than a clean sentence)."""
    if options is None and config is None and not overrides:
        return _DEFAULTS
    return resolve(FixOptions, options, overrides, config=config)


_DEFAULTS = FixOptions()


@dataclass(frozen=True)
class Step:
    """One fixer's edits, with offsets into the text that fixer was given."""

    fixer: str
    edits: tuple[Edit, ...]

    def apply(self, text: str) -> str:
        """Apply this step; raises ``ValueError`` if an edit's ``original`` mismatches."""
        return apply_edits(text, self.edits)

    def to_dict(self) -> dict[str, Any]:
        return {"fixer": self.fixer, "edits": [e.to_dict() for e in self.edits]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Step:
        return cls(str(data["fixer"]), tuple(Edit.from_dict(e) for e in data["edits"]))

    def to_json(self) -> str:
        """One JSON line (no newline inside), as ``zhnorm fix --explain`` writes it."""
        return json.dumps(self.to_dict(), ensure_ascii=False)


@dataclass(frozen=True)
class Explained:
    """Result of :func:`fix_and_explain`: the text, the replayable plan, and notes.

    ``notes`` are layout problems reported but not repaired (stray fragments, page
    furniture), with offsets into the *repaired* ``text``.
    """

    text: str
    steps: tuple[Step, ...]
    notes: tuple[LayoutNote, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return bool(self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "steps": [s.to_dict() for s in self.steps],
            "notes": [n.to_dict() for n in self.notes],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Explained:
        return cls(
            str(data["text"]),
            tuple(Step.from_dict(s) for s in data.get("steps", ())),
            tuple(LayoutNote.from_dict(n) for n in data.get("notes", ())),
        )


# --- the registry -------------------------------------------------------------------
#
# Adapters import the other engineers' fixers lazily: importing zhnorm.repair stays
# cheap (no pinyin tables loaded until a ruby candidate is seen).


def _clutter(text: str, options: FixOptions) -> list[Edit]:
    return find_clutter(text)


def _clutter_scan(text: str, options: FixOptions) -> tuple[list[Edit], bool]:
    return scan_clutter(text)


def _mojibake(text: str, options: FixOptions) -> list[Edit]:
    find: Callable[[str], list[Edit]] = _lazy("mojibake", "find_mojibake")
    return find(text)


def _byteshift(text: str, options: FixOptions) -> list[Edit]:
    find: Callable[[str], list[Edit]] = _lazy("byteshift", "find_byteshift")
    return find(text)


def _mojibake_evidence(text: str, start: int, end: int) -> bool:
    check: Callable[[str, int, int], bool] = _lazy("mojibake.prefilter", "has_evidence")
    return check(text, start, end)


def _ruby_evidence(text: str, start: int, end: int) -> bool:
    check: Callable[[str, int, int], bool] = _lazy("ruby", "has_ruby_evidence")
    return check(text, start, end)


def _ruby(text: str, options: FixOptions) -> list[Edit]:
    find: Callable[..., list[Edit]] = _lazy("ruby", "find_ruby")
    return find(text, aggressive=options.ruby_aggressive)


def _ruby_text(text: str, options: FixOptions) -> str:
    fix: Callable[..., str] = _lazy("ruby", "fix_ruby")
    return fix(text, aggressive=options.ruby_aggressive)


_LAZY: dict[tuple[str, str], Callable[..., Any]] = {}


def _lazy(module: str, name: str) -> Callable[..., Any]:
    """``zhnorm.repair.<module>.<name>``, imported on the first call and then looked up
    in a dictionary (an import statement per call costs more than a clean text's
    pre-filter)."""
    found = _LAZY.get((module, name))
    if found is None:
        found = _LAZY[module, name] = getattr(
            importlib.import_module(f"{__package__}.{module}"), name
        )
    return found


def _layout(text: str, options: FixOptions) -> list[Edit]:
    return find_layout(text)


def _layout_scan(text: str, options: FixOptions) -> tuple[list[Edit], bool]:
    return scan_layout(text)


def _style(text: str, options: FixOptions) -> list[Edit]:
    return find_style(
        text,
        fullwidth_ascii=options.fullwidth_ascii,
        halfwidth_katakana=options.halfwidth_katakana,
        spaces=options.spaces,
        punctuation=options.punctuation,
    )


_Finder = Callable[[str, FixOptions], list[Edit]]
_Fixer = Callable[[str, FixOptions], str]
_Enabled = Callable[[FixOptions], bool]
_Scanner = Callable[[str, FixOptions], tuple[list[Edit], bool]]

# name, switch, edit finder, and optionally a fixer computing the same text without
# building explanations (for :func:`fix_text`; a leaked-pinyin document has hundreds
# of edits, and their explanations cost more than finding them).
_REGISTRY: tuple[tuple[str, _Enabled, _Finder, _Fixer | None], ...] = (
    ("clutter", lambda c: c.clutter, _clutter, None),
    ("mojibake", lambda c: c.mojibake, _mojibake, None),
    ("byteshift", lambda c: c.byteshift, _byteshift, None),
    ("ruby", lambda c: c.ruby, _ruby, _ruby_text),
    ("layout", lambda c: c.layout, _layout, None),
    ("style", lambda c: c.any_style, _style, None),
)

# Finders that also tell whether their repair leaves them nothing to do in the text it
# makes (then :func:`_run` does not run them on their own output), keyed by the finder.
_SCANNERS: dict[_Finder, _Scanner] = {_clutter: _clutter_scan, _layout: _layout_scan}

_Evidence = Callable[[str, int, int], bool]

# Fixers that can say "no evidence here" (their pre-filter finds nothing that overlaps
# ``text[start:end]``, so they would find no edit), keyed by name: :func:`_run` asks it
# before running the fixer, and after a later fixer's edit only of the edited spans.
_EVIDENCE: dict[str, _Evidence] = {
    "clutter": has_clutter_evidence,
    "mojibake": _mojibake_evidence,
    "ruby": _ruby_evidence,
}

_MAX_SPANS = 4
"""Edited spans kept apart per fixer; more are merged into one (their hull)."""

#: Fixer names in the order they run.
FIXER_ORDER: tuple[str, ...] = tuple(entry[0] for entry in _REGISTRY)


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    return text


def _common_ends(old: str, new: str) -> tuple[int, int]:
    """Lengths of the longest common prefix and suffix of ``old`` and ``new`` (not
    overlapping in the shorter one), by bisection on slices compared at C speed."""
    shorter = min(len(old), len(new))
    lo, hi = 0, shorter
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if old[:mid] == new[:mid]:
            lo = mid
        else:
            hi = mid - 1
    prefix = lo
    lo, hi = 0, shorter - prefix
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if old[len(old) - mid :] == new[len(new) - mid :]:
            lo = mid
        else:
            hi = mid - 1
    return prefix, lo


def _changed(old: str, new: str, edits: tuple[Edit, ...] | None) -> tuple[int, int, int]:
    """``old[a:b]`` became ``new[a:b + delta]``, everything else is the same: (a, b, delta),
    from the edits when known, else by comparing the two texts."""
    delta = len(new) - len(old)
    if edits:
        return edits[0].start, edits[-1].end, delta
    prefix, suffix = _common_ends(old, new)
    return prefix, len(old) - suffix, delta


def _moved(spans: list[tuple[int, int]], a: int, b: int, delta: int) -> list[tuple[int, int]]:
    """``spans`` (offsets into the old text) after ``old[a:b]`` became ``new[a:b+delta]``,
    plus that changed span: a span the change touches is merged with it."""
    merged_lo, merged_hi = a, b + delta
    out: list[tuple[int, int]] = []
    for lo, hi in spans:
        if hi < a:
            out.append((lo, hi))
        elif lo > b:
            out.append((lo + delta, hi + delta))
        else:
            merged_lo = min(merged_lo, lo)
            merged_hi = max(merged_hi, hi + delta if hi >= b else merged_hi)
    out.append((merged_lo, merged_hi))
    if len(out) > _MAX_SPANS:
        out = [(min(lo for lo, _ in out), max(hi for _, hi in out))]
    return out


_Active = tuple[tuple[str, _Finder, _Fixer | None, _Evidence | None, _Scanner | None], ...]
_ACTIVE: dict[tuple[FixOptions, bool, bool], tuple[tuple[object, ...], _Active]] = {}


def _active(options: FixOptions, explain: bool, incremental: bool) -> _Active:
    """The fixers ``options`` enables, in order, each as (name, finder, text-only fixer
    when not explaining, evidence test and scanner when incremental): worked out once per
    options and kept, unless the registry, the evidence tests or the scanners have been
    replaced since (tests do)."""
    key = (options, explain, incremental)
    cached = _ACTIVE.get(key)
    if cached is not None:
        registry, evidence, scanners = cached[0]
        if registry is _REGISTRY and evidence is _EVIDENCE and scanners is _SCANNERS:
            return cached[1]
    tables = (_REGISTRY, _EVIDENCE, _SCANNERS)
    active = tuple(
        (
            name,
            find,
            None if explain else fix,
            _EVIDENCE.get(name) if incremental else None,
            _SCANNERS.get(find) if incremental and (explain or fix is None) else None,
        )
        for name, enabled, find, fix in _REGISTRY
        if enabled(options)
    )
    if len(_ACTIVE) > 64:
        _ACTIVE.clear()
    _ACTIVE[key] = (tables, active)
    return active


def _run(
    text: str, options: FixOptions, *, explain: bool = True, incremental: bool = True
) -> tuple[str, list[Step]]:
    """The enabled fixers in order, in rounds while they change the text, and the steps
    that did.  Without ``explain`` (no steps kept), a fixer's text-only function, where
    it has one, stands in for finding and applying its edits.

    ``incremental`` (the default) skips a fixer whose input is a text it has already
    left unchanged: fixers are pure functions of their input, so running it again could
    only leave it unchanged again.  A fixer in :data:`_SCANNERS` also vouches for its
    own output when it can (``clutter``: no trigger character left), so it is not run
    on it.  A fixer in :data:`_EVIDENCE` is asked first whether the text holds anything
    it could act on; once it has said no, only the spans edited since (by any fixer) are
    asked again, so a repaired spot costs the earlier fixers a look at that spot, not a
    second pass over the text.  Text, steps and number of rounds are those of running
    every fixer in every round (``incremental=False``, the definition).
    """
    steps: list[Step] = []
    active = _active(options, explain, incremental)
    settled: list[str | None] = [None] * len(active)  # the last text each left unchanged
    # Per fixer with evidence: the spans edited since it last found no evidence in the
    # text (None: it has not, or it has seen evidence since).
    quiet_but: list[list[tuple[int, int]] | None] = [None] * len(active)
    for _ in range(MAX_ROUNDS):
        changed = False
        for k, (name, find, fix, evidence, scan) in enumerate(active):
            if incremental and settled[k] is not None and settled[k] == text:
                continue
            if evidence is not None:
                spans = quiet_but[k]
                if spans is not None:
                    found = any(evidence(text, lo, hi) for lo, hi in spans)
                else:
                    # A scanner says it at no extra cost: no edit and nothing left to do.
                    found = scan is not None or evidence(text, 0, len(text))
                if not found:
                    settled[k] = text
                    quiet_but[k] = []
                    continue
                quiet_but[k] = None
            done = False  # the fixer says it would leave ``result`` unchanged
            ordered: tuple[Edit, ...] | None = None
            if fix is not None:
                result = fix(text, options)
            else:
                if scan is None:
                    edits = find(text, options)
                else:
                    edits, done = scan(text, options)
                if not edits:
                    settled[k] = text
                    if done and evidence is not None:
                        quiet_but[k] = []
                    continue
                ordered = tuple(sorted(edits, key=edit_span))
                result = apply_edits(text, ordered)
                if explain and result != text:
                    steps.append(Step(name, ordered))
            if result != text:
                if incremental:
                    a, b, delta = _changed(text, result, ordered)
                    for j, spans in enumerate(quiet_but):
                        if spans is not None:
                            quiet_but[j] = _moved(spans, a, b, delta)
                    quiet_but[k] = [] if done and evidence is not None else None
                text = result
                changed = True
                settled[k] = text if done else None
            else:
                settled[k] = text
        if not changed:
            break
    return text, steps


def fix_text(
    text: str,
    options: FixOptions | None = None,
    *,
    config: FixOptions | None = None,
    **overrides: Any,
) -> str:
    """Repair ``text`` with the fixers ``options`` enables (default :class:`FixOptions`;
    keywords override single fields, e.g. ``fix_text(text, ruby=False)``; ``config=`` is
    the former name of ``options``).

    Clean text is returned unchanged (the same object).

    >>> fix_text("中&#x6587;", clutter=False)
    '中&#x6587;'
    """
    return _run(_check_text(text), _options(options, config, overrides), explain=False)[0]


def fix_and_explain(
    text: str,
    options: FixOptions | None = None,
    *,
    config: FixOptions | None = None,
    **overrides: Any,
) -> Explained:
    """Repair ``text`` and return the plan that does it (see :class:`Explained`);
    ``options``, ``config=`` and keyword overrides as in :func:`fix_text`."""
    fixed, steps = _run(_check_text(text), _options(options, config, overrides))
    return Explained(fixed, tuple(steps), tuple(layout_notes(fixed)))


def apply_plan(text: str, steps: Iterable[Step | dict[str, Any]]) -> str:
    """Replay ``steps`` (objects or their ``to_dict`` form) on ``text``.

    Every edit's ``original`` must match the text it replaces, else ``ValueError``:
    a plan only replays on the text it was made from.
    """
    _check_text(text)
    for item in steps:
        step = Step.from_dict(item) if isinstance(item, dict) else item
        text = step.apply(text)
    return text


# --- script conversion ----------------------------------------------------------------

_TARGETS = ("simplified", "traditional", "tw", "hk")


def _conversion_for(text: str, to: str) -> str | None:
    """OpenCC configuration that takes ``text`` to ``to``, or ``None`` for no change.

    Script targets pick the configuration from :func:`zhnorm.detect_script`:
    ``simplified`` uses ``t2s`` on traditional or mixed text (OpenCC's standard; not
    ``tw2s``, whose variant table also rewrites ``土著`` to ``土着``) and leaves
    simplified text alone (``t2s`` would turn a legitimate ``乾隆`` into ``干隆``).
    ``traditional``/``tw``/``hk`` use ``s2t``/``s2tw``/``s2hk`` on simplified or mixed
    text; on traditional text, ``traditional`` is a no-op and ``tw``/``hk`` use
    ``t2tw``/``t2hk`` to adopt the regional variants.  Text without Han is left alone.
    Any OpenCC configuration name (``"s2twp"``, ``"hk2s.json"``) is applied as given.
    """
    from ..script import detect_script
    from ..script.config import normalize_config_name

    if to not in _TARGETS:
        return normalize_config_name(to)
    script = detect_script(text).script
    if script == "none":
        return None
    if to == "simplified":
        return None if script == "simplified" else "t2s"
    if script == "traditional":
        return {"traditional": None, "tw": "t2tw", "hk": "t2hk"}[to]
    return {"traditional": "s2t", "tw": "s2tw", "hk": "s2hk"}[to]


def _check_config_name(name: str) -> None:
    """Raise ``ValueError`` for a name that is not an OpenCC configuration."""
    from ..script.config import normalize_config_name

    normalize_config_name(name)


def normalize(
    text: str,
    options: FixOptions | None = None,
    *,
    to: str | None = None,
    fix: bool = True,
    config: FixOptions | None = None,
    **overrides: Any,
) -> str:
    """Repair ``text`` (unless ``fix=False``), then convert it to the script ``to``.

    ``to`` is ``None`` (no conversion), ``"simplified"``, ``"traditional"``, ``"tw"``,
    ``"hk"`` or an OpenCC configuration name (one of :data:`zhnorm.CONFIG_NAMES`).
    Repair comes first because mojibake and leaked pinyin defeat conversion.  The
    repair takes ``options``, ``config=`` and keyword overrides as :func:`fix_text` does.
    """
    _check_text(text)
    resolved = _options(options, config, overrides)
    if to is not None and to not in _TARGETS:
        _check_config_name(to)  # fail fast on a bad name, before any work
    result = fix_text(text, resolved) if fix else text
    if to is None:
        return result
    conversion = _conversion_for(result, to)
    if conversion is None:
        return result
    from ..script import convert

    return convert(result, conversion)


# --- batches --------------------------------------------------------------------------


def _map_ordered(func: Callable[[str], Any], texts: Iterable[str], workers: int) -> list[Any]:
    """:func:`zhnorm.workers.map_ordered`, imported on first use (its process pool
    machinery costs ~20 ms to import; a single-text call never needs it)."""
    from ..workers import map_ordered as run

    result: list[Any] = run(func, texts, workers)
    return result


@dataclass(frozen=True)
class _Bound:
    """A picklable ``text -> result`` callable for process pools."""

    op: str
    options: FixOptions
    to: str | None = None
    fix: bool = True

    def __call__(self, text: str) -> Any:
        if self.op == "fix":
            return fix_text(text, self.options)
        if self.op == "explain":
            return fix_and_explain(text, self.options)
        return normalize(text, self.options, to=self.to, fix=self.fix)


def fix_batch(
    texts: Iterable[str],
    options: FixOptions | None = None,
    *,
    workers: int = 1,
    config: FixOptions | None = None,
    **overrides: Any,
) -> list[str]:
    """:func:`fix_text` over many texts; ``workers > 1`` uses a process pool
    (:func:`zhnorm.workers.map_ordered`)."""
    bound = _Bound("fix", _options(options, config, overrides))
    result: list[str] = _map_ordered(bound, texts, workers)
    return result


def explain_batch(
    texts: Iterable[str],
    options: FixOptions | None = None,
    *,
    workers: int = 1,
    config: FixOptions | None = None,
    **overrides: Any,
) -> list[Explained]:
    """:func:`fix_and_explain` over many texts."""
    bound = _Bound("explain", _options(options, config, overrides))
    result: list[Explained] = _map_ordered(bound, texts, workers)
    return result


def normalize_batch(
    texts: Iterable[str],
    options: FixOptions | None = None,
    *,
    to: str | None = None,
    fix: bool = True,
    workers: int = 1,
    config: FixOptions | None = None,
    **overrides: Any,
) -> list[str]:
    """:func:`normalize` over many texts."""
    resolved = _options(options, config, overrides)
    if to is not None and to not in _TARGETS:
        _check_config_name(to)
    result: list[str] = _map_ordered(_Bound("normalize", resolved, to, fix), texts, workers)
    return result
