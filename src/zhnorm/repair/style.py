"""Opt-in style folds: they change *legitimate* text, so ``fix_text`` never applies them.

Full-width ``ＶＩＰ２０１２``, half-width katakana ``ｶﾞｲﾄﾞ`` and ideographic spaces are
all valid Unicode that a publisher chose; folding them is a house-style decision, made
per corpus.  :class:`~zhnorm.repair.fix.FixConfig` exposes each fold as a switch that
defaults to ``False``; :func:`find_style` can also be called directly, where its own
keyword defaults (the folds most pipelines want) apply.

Why not NFKC (or ftfy's width folding)?  NFKC also turns the CJK punctuation that is
correct in Chinese - ``，`` ``！`` ``？`` ``（）`` ``：`` ``；`` - into ASCII, and
``…`` into ``...``; that damages Chinese text.  Here each fold touches one explicit set:

``fullwidth_ascii``
    Full-width Latin letters and digits U+FF10-U+FF19, U+FF21-U+FF3A, U+FF41-U+FF5A ->
    ASCII.  Full-width punctuation is *not* part of this fold (see ``punctuation``).
``halfwidth_katakana``
    Half-width katakana and half-width CJK punctuation U+FF61-U+FF9F -> full width,
    composing voiced marks (``ｶﾞ`` -> ``ガ``, ``｡`` -> ``。``).
``spaces``
    U+3000 ideographic space, U+00A0 no-break space and the typographic spaces
    U+2000-U+200A, U+202F, U+205F -> ASCII space (one for one; runs are not collapsed).
``punctuation``
    ``None`` (default): punctuation is left alone.  ``"cjk"``: ASCII ``, ! ? ; :``
    written right after a Han character become ``， ！ ？ ； ：``, ``.`` becomes ``。``
    only between a Han character and a Han character/line end (never in ``3.5`` or
    ``www.x.cn``), and an ASCII parenthesis pair whose content contains Han becomes
    ``（）``.  ``"ascii"``: ``，。！？；：（）`` -> ``, . ! ? ; : ( )``, for pipelines that
    want ASCII punctuation throughout; quotes ``“”「」`` and ``、`` have no ASCII
    equivalent and stay.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from typing import Literal

from ..chardata import HAN_CLASS
from .types import Edit, LazyPattern

__all__ = ["PunctuationProfile", "find_style"]

PunctuationProfile = Literal["cjk", "ascii"]

_FULLWIDTH_ALNUM = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+")
_HALFWIDTH_KANA = re.compile("[\uff61-\uff9f]+")
_SPACES = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000]+")

_TO_CJK = {",": "，", "!": "！", "?": "？", ";": "；", ":": "："}
_TO_CJK_SCAN = LazyPattern(
    f"(?<=[{HAN_CLASS}])[,!?;:](?![0-9/])"  # "：" but not "10:30", "http://"
    f"|(?<=[{HAN_CLASS}])\\.(?=[{HAN_CLASS}]|\\n|$)"
)
# A parenthesised aside holding Han; only its two brackets are edited here, so the
# punctuation inside is left to _TO_CJK_SCAN (one pass does all: idempotent).
_CJK_PARENS = LazyPattern(f"\\((?=[^()（）\\n]*[{HAN_CLASS}][^()（）\\n]*\\))[^()（）\\n]*\\)")
_TO_ASCII = {"，": ",", "。": ".", "！": "!", "？": "?", "；": ";", "：": ":", "（": "(", "）": ")"}
_ASCII_TABLE = str.maketrans(_TO_ASCII)
_TO_ASCII_SCAN = re.compile("[，。！？；：（）]")


def _fold(
    pattern: re.Pattern[str], text: str, reason: str, convert: type[str] | None = None
) -> list[Edit]:
    del convert
    edits: list[Edit] = []
    for match in pattern.finditer(text):
        original = match.group()
        if reason == "fullwidth-ascii":
            replacement = "".join(chr(ord(c) - 0xFEE0) for c in original)
        elif reason == "halfwidth-katakana":
            replacement = unicodedata.normalize("NFKC", original)
        else:
            replacement = " " * len(original)
        if replacement != original:
            edits.append(Edit(match.start(), match.end(), original, replacement, reason))
    return edits


def _punctuation(text: str, profile: PunctuationProfile) -> list[Edit]:
    edits: list[Edit] = []
    if profile == "ascii":
        for match in _TO_ASCII_SCAN.finditer(text):
            ch = match.group()
            edits.append(Edit(match.start(), match.end(), ch, _TO_ASCII[ch], "punctuation-ascii"))
        return edits
    for match in _CJK_PARENS.finditer(text):
        start, end = match.span()
        edits.append(Edit(start, start + 1, "(", "（", "punctuation-cjk"))
        edits.append(Edit(end - 1, end, ")", "）", "punctuation-cjk"))
    for match in _TO_CJK_SCAN.finditer(text):
        original = match.group()
        replacement = "。" if original == "." else _TO_CJK[original]
        edits.append(Edit(match.start(), match.end(), original, replacement, "punctuation-cjk"))
    return edits


def find_style(
    text: str,
    *,
    fullwidth_ascii: bool = True,
    halfwidth_katakana: bool = True,
    spaces: bool = True,
    punctuation: PunctuationProfile | None = None,
) -> list[Edit]:
    """Edits for the selected style folds (see the module docstring), sorted by offset.

    The folds touch disjoint character sets, so the edits never overlap.
    """
    if punctuation not in (None, "cjk", "ascii"):
        raise ValueError(f"punctuation must be None, 'cjk' or 'ascii', not {punctuation!r}")
    if text.isascii():
        return []
    edits: list[Edit] = []
    if fullwidth_ascii:
        edits += _fold(_FULLWIDTH_ALNUM, text, "fullwidth-ascii")
    if halfwidth_katakana:
        edits += _fold(_HALFWIDTH_KANA, text, "halfwidth-katakana")
    if spaces:
        edits += _fold(_SPACES, text, "space")
    if punctuation == "ascii":
        # A fold may produce CJK punctuation (half-width "｡" -> "。"); finish the job.
        edits = [
            dataclasses.replace(e, replacement=e.replacement.translate(_ASCII_TABLE)) for e in edits
        ]
    if punctuation is not None:
        edits += _punctuation(text, punctuation)
    edits.sort(key=lambda e: (e.start, e.end))
    return edits
