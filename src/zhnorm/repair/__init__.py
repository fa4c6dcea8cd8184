"""Repair of damaged Chinese text, explainably.

>>> from zhnorm.repair import fix_text, fix_and_explain, apply_plan
>>> fix_text("中&#x6587;\u200b字")
'中文字'

:func:`fix_text` runs the fixers in :data:`FIXER_ORDER` as :class:`FixOptions` switches
them (``FixConfig`` is its former name; single switches also as keywords,
``fix_text(text, ruby=False)``); :func:`fix_and_explain` also returns the replayable
plan (:class:`Step` per fixer, each a list of :class:`Edit`) that :func:`apply_plan`
replays; :func:`normalize` repairs and then converts to a target script.  Each has a
batch form.
"""

from __future__ import annotations

from .clutter import find_clutter
from .fix import (
    FIXER_ORDER,
    MAX_ROUNDS,
    Explained,
    FixConfig,
    FixOptions,
    Step,
    apply_plan,
    explain_batch,
    fix_and_explain,
    fix_batch,
    fix_text,
    normalize,
    normalize_batch,
)
from .layout import LayoutNote, find_layout, layout_notes
from .style import PunctuationProfile, find_style
from .types import Edit, apply_edits

__all__ = [
    "FIXER_ORDER",
    "MAX_ROUNDS",
    "Edit",
    "Explained",
    "FixConfig",
    "FixOptions",
    "LayoutNote",
    "PunctuationProfile",
    "Step",
    "apply_edits",
    "apply_plan",
    "explain_batch",
    "find_clutter",
    "find_layout",
    "find_style",
    "fix_and_explain",
    "fix_batch",
    "fix_text",
    "layout_notes",
    "normalize",
    "normalize_batch",
]
