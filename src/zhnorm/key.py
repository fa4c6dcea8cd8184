"""Matching keys: the form in which two reports of the same text compare equal.

:func:`match_key` = repair (:func:`zhnorm.fix_text`) -> fold to one script (OpenCC
``t2s`` by default) -> fold width and compatibility forms (NFKC, per character) and
case -> keep only letters and digits (punctuation, symbols and whitespace dropped).
So ``現(xiàn)代快報訊：產(chǎn)業(yè)園`` and ``现代快报讯,产业园`` share a key.

:func:`keyed` does the same and also maps every key character back to the span of the
*raw* input that produced it, through every repair edit and every conversion phrase, so
a match found on keys can be reported in offsets of the text the user passed in.

>>> match_key("現(xiàn)代快報訊：產(chǎn)業(yè)園 ＡＢＣ")
'现代快报讯产业园abc'
>>> match_key("頭髮，Ａ", script=None)
'頭髮a'
>>> k = keyed("產(chǎn)業(yè)，發(fā)展")
>>> k.key
'产业发展'
>>> start, end = k.raw_span(2, 4)
>>> k.raw[start:end]
'發(fā)展'
"""

from __future__ import annotations

import functools
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .cache import cached_strings
from .kernels import dispatch
from .options import resolve
from .repair import FixConfig, fix_and_explain, fix_text
from .script import Converter

__all__ = [
    "KEY_NAMES",
    "KeyConfig",
    "KeyOptions",
    "Keyed",
    "keyed",
    "match_key",
    "match_keys",
    "named_key",
    "resolve_key_options",
]


@dataclass(frozen=True)
class KeyOptions:
    """How :func:`match_key` folds text (also importable as ``KeyConfig``, its former name).

    ``fix``     run the repair pipeline first (``None``: skip it; default: a
                :class:`FixConfig` with every repair on, style folds off).
    ``script``  the OpenCC configuration that folds both scripts into one (``None``:
                keep the script).
    ``fold``    NFKC + lower case, and drop everything that is not a letter or a digit.
    """

    fix: FixConfig | None = field(default_factory=FixConfig)
    script: str | None = "t2s"
    fold: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "fix": None if self.fix is None else self.fix.to_dict(),
            "script": self.script,
            "fold": self.fold,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KeyOptions:
        fix = data.get("fix", FixConfig().to_dict())
        return cls(
            fix=None if fix is None else FixConfig.from_dict(fix),
            script=data.get("script", cls.script),
            fold=bool(data.get("fold", cls.fold)),
        )


KeyConfig = KeyOptions
"""The former name of :class:`KeyOptions` (the same class)."""

DEFAULT = KeyOptions()


KEY_NAMES: dict[str, KeyOptions | None] = {
    "default": None,
    "full": KeyOptions(),
    "script": KeyOptions(fix=None),
    "plain": KeyOptions(fix=None, script=None),
}
"""Named matching keys (``--key`` of ``dedup``, ``paragraphs`` and ``reuse``):
``default`` the command's own (``dedup``: every repair but the byte-shift search;
``paragraphs``, ``reuse``: every repair), ``full`` every repair, ``script`` no repair
but both scripts folded to one, ``plain`` neither (width, case and punctuation are folded
in all of them).  ``plain`` is the cheapest: about 2.3x the speed of the default."""


def named_key(name: str) -> KeyOptions | None:
    """The :class:`KeyOptions` called ``name`` in :data:`KEY_NAMES` (``None``: the
    caller's default); an unknown name is a :class:`ValueError` listing them."""
    if name not in KEY_NAMES:
        raise ValueError(f"unknown key {name!r}; expected one of {', '.join(KEY_NAMES)}")
    return KEY_NAMES[name]


def resolve_key_options(
    options: KeyOptions | None = None, *, config: KeyOptions | None = None, **overrides: Any
) -> KeyOptions:
    """The :class:`KeyOptions` a function was given: ``options`` (or ``config``, the
    keyword it had before) with single fields overridden by keyword; the defaults when
    nothing is given.

    >>> resolve_key_options(script=None) == KeyOptions(script=None)
    True
    """
    if options is None and config is None and not overrides:
        return DEFAULT
    return resolve(KeyOptions, options, overrides, config=config)


def _fold_char(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char).lower()
    return "".join(c for c in folded if unicodedata.category(c)[0] in "LN")


class _FoldTable(dict[int, str]):
    """``str.translate`` table that folds each code point on first sight."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_FOLD = _FoldTable()
_SEVERAL = 0xFFFFFFFF


@functools.lru_cache(maxsize=1)
def _bmp_fold_table() -> array[int]:
    """The fold of every BMP code point, for the compiled kernel: the folded code point,
    0 when it is dropped, :data:`_SEVERAL` when it folds to several (``㎏`` -> ``kg``).
    Built from :func:`_fold_char` once and kept in the cache folder
    (:func:`zhnorm.cache.cached_strings`, keyed by the Unicode version): two strings,
    the single folded character of each code point (NUL when dropped or several) and
    the code points that fold to several."""
    singles, several = cached_strings(
        "key-fold", f"bmp fold v1, unicode {unicodedata.unidata_version}", _bmp_fold_strings
    )
    table = array("I")
    table.frombytes(singles.encode("utf-32-le"))
    for char in several:
        table[ord(char)] = _SEVERAL
    return table


def _bmp_fold_strings() -> list[str]:
    singles: list[str] = []
    several: list[str] = []
    for code in range(0x10000):
        folded = _fold_char(chr(code))
        singles.append(folded if len(folded) == 1 else "\0")
        if len(folded) > 1:
            several.append(chr(code))
    return ["".join(singles), "".join(several)]


def fold_texts(texts: list[str]) -> list[str]:
    """The final fold of the key (NFKC, lower case, letters and digits only) of each
    text.  With the compiled kernel (:mod:`zhnorm.kernels.dispatch`), one table lookup per
    character (the table is built from the same per-character fold on first use); a
    text holding a character that folds to several, or one outside the BMP, and every
    text in the pure-Python build, takes ``str.translate``."""
    if dispatch.fingerprint is None:
        return [text.translate(_FOLD) for text in texts]
    folded = dispatch.fingerprint.fold_many(_bmp_fold_table(), texts)
    return [
        text.translate(_FOLD) if fast is None else fast
        for text, fast in zip(texts, folded, strict=True)
    ]


def _converter(options: KeyOptions) -> Converter | None:
    return None if options.script is None else Converter(options.script)


def match_key(
    text: str,
    options: KeyOptions | None = None,
    *,
    config: KeyOptions | None = None,
    **overrides: Any,
) -> str:
    """The matching key of ``text`` (see the module docstring); ``options`` or single
    :class:`KeyOptions` fields as keywords (``match_key(text, fold=False)``)."""
    options = resolve_key_options(options, config=config, **overrides)
    if options.fix is not None:
        text = fix_text(text, options.fix)
    converter = _converter(options)
    if converter is not None:
        text = converter.convert(text)
    return fold_texts([text])[0] if options.fold else text


def match_keys(
    texts: Iterable[str],
    options: KeyOptions | None = None,
    *,
    config: KeyOptions | None = None,
    **overrides: Any,
) -> list[str]:
    """:func:`match_key` of each text, in order (conversion in one batch)."""
    options = resolve_key_options(options, config=config, **overrides)
    items = list(texts)
    if options.fix is not None:
        items = [fix_text(text, options.fix) for text in items]
    converter = _converter(options)
    if converter is not None:
        items = converter.convert_batch(items)
    return fold_texts(items) if options.fold else items


@dataclass(frozen=True)
class Keyed:
    """A key with, for each key character ``i``, the raw span ``starts[i]:ends[i]``
    of the input that produced it."""

    raw: str
    key: str
    starts: Sequence[int]
    ends: Sequence[int]

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw ``(start, end)`` covering key characters ``start:end`` (``start < end``)."""
        if not 0 <= start < end <= len(self.key):
            raise IndexError(f"key span {start}:{end} outside 0:{len(self.key)}")
        return self.starts[start], self.ends[end - 1]


def _through_edits(
    text: str, starts: list[int], ends: list[int], edits: Iterable[Any]
) -> tuple[list[int], list[int]]:
    """Carry per-character raw spans through edits on ``text`` (sorted, disjoint)."""
    new_starts: list[int] = []
    new_ends: list[int] = []
    cursor = 0
    for edit in edits:
        new_starts += starts[cursor : edit.start]
        new_ends += ends[cursor : edit.start]
        width = len(edit.replacement)
        if width == edit.end - edit.start:
            new_starts += starts[edit.start : edit.end]
            new_ends += ends[edit.start : edit.end]
        elif edit.end > edit.start:
            new_starts += [starts[edit.start]] * width
            new_ends += [ends[edit.end - 1]] * width
        else:  # pure insertion: an empty raw span at the insertion point
            at = starts[edit.start] if edit.start < len(text) else (ends[-1] if ends else 0)
            new_starts += [at] * width
            new_ends += [at] * width
        cursor = edit.end
    new_starts += starts[cursor:]
    new_ends += ends[cursor:]
    return new_starts, new_ends


def keyed(
    text: str,
    options: KeyOptions | None = None,
    *,
    config: KeyOptions | None = None,
    **overrides: Any,
) -> Keyed:
    """The key of ``text`` with an exact map from key characters back to ``text``
    (options as in :func:`match_key`)."""
    options = resolve_key_options(options, config=config, **overrides)
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    import numpy as np

    current = text
    starts: Any = np.arange(len(text))
    ends: Any = starts + 1
    if options.fix is not None:
        for step in fix_and_explain(text, options.fix).steps:
            starts, ends = _through_edits(current, list(starts), list(ends), step.edits)
            current = step.apply(current)
        starts, ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    converter = _converter(options)
    if converter is not None:
        converted, offsets = converter.convert_with_offsets(current)
        # Output characters of one phrase share its start; the phrase ends where the
        # next phrase (or the sentinel) starts.
        at = np.asarray(offsets, dtype=np.int64)
        count = len(converted)
        phrase_ends = np.where(at[1:] != at[:-1], np.arange(count), count)
        next_end = np.minimum.accumulate(phrase_ends[::-1])[::-1]
        following = np.append(at[1:], len(current))[next_end]
        current, starts, ends = converted, starts[at[:-1]], ends[following - 1]
    if options.fold:
        current, source = _fold_source(current)
        starts, ends = starts[source], ends[source]
    return Keyed(text, current, starts.tolist(), ends.tolist())


def _fold_source(text: str) -> tuple[str, Any]:
    """The fold of ``text`` and, for indexing per-character arrays of ``text``, where
    each folded character comes from: a boolean array of the characters kept when each
    folds to one or none (one BMP table lookup per character, :func:`_bmp_fold_table`),
    else the index of each folded character's source (``㎏`` -> ``kg``: twice)."""
    import numpy as np

    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if codes.size and int(codes.max()) < 0x10000:
        folds = np.frombuffer(_bmp_fold_table(), dtype=np.uint32)[codes]
        if not (folds == _SEVERAL).any():
            kept = folds != 0
            return folds[kept].tobytes().decode("utf-32-le"), kept
    pieces = [char.translate(_FOLD) for char in text]
    index = np.repeat(np.arange(len(text)), [len(piece) for piece in pieces])
    return "".join(pieces), index
