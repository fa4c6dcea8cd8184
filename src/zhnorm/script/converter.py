"""Public conversion API: :class:`Converter`, :func:`convert` and the :class:`OpenCC` drop-in."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Union

from .config import leaves, load_config, normalize_config_name
from .dictionary import Dictionary, load_builtin, load_user_dict
from .engine import HAVE_FAST_PATH, Engine, compile_trie, make_engine

__all__ = ["Converter", "OpenCC", "ProtectPattern", "UserDict", "convert"]

UserDict = Union[Mapping[str, str], str, "os.PathLike[str]"]
ProtectPattern = Union[str, "re.Pattern[str]"]

# A frozen span of the input: (start, end, replacement) -- converted by nobody else.
_Span = tuple[int, int, str]


def _require_str(text: object, what: str = "text") -> str:
    if not isinstance(text, str):
        raise TypeError(f"{what} must be str, not {type(text).__name__}")
    return text


class Converter:
    """Convert text with one of the 16 official OpenCC configurations.

    ``user_dict`` (a mapping or a TSV file) takes precedence over the built-in
    dictionaries: its matches (forward maximum matching on the input) are replaced by
    the user's value and left alone by every later step.  ``protect`` holds strings or
    compiled regular expressions whose matches pass through unconverted.

    >>> Converter("s2twp").convert("鼠标和软件")
    '滑鼠和軟體'
    """

    def __init__(
        self,
        config: str = "s2t",
        *,
        user_dict: UserDict | None = None,
        protect: Iterable[ProtectPattern] | ProtectPattern | None = None,
    ) -> None:
        self.config = normalize_config_name(config)
        self._user: Dictionary | None = None
        if user_dict is not None:
            self._user = load_user_dict(user_dict)
        if protect is None:
            patterns: list[ProtectPattern] = []
        elif isinstance(protect, (str, re.Pattern)):
            patterns = [protect]
        else:
            patterns = list(protect)
        self._protect: tuple[re.Pattern[str], ...] = tuple(_compile_protect(p) for p in patterns)
        self._engine: Engine = make_engine(load_config(self.config))
        self._user_trie: Any = None
        if self._user is not None and self._user.entries and HAVE_FAST_PATH:
            self._user_trie = compile_trie(self._user)

    # -- pickling: rebuild from parameters (dictionaries load once per process) ------
    def __reduce__(self) -> tuple[Any, ...]:
        user = dict(self._user.entries) if self._user is not None else None
        return (_rebuild, (self.config, user, self._protect))

    def __repr__(self) -> str:
        extra = ""
        if self._user is not None:
            extra += f", user_dict=<{len(self._user.entries)} entries>"
        if self._protect:
            extra += f", protect={[p.pattern for p in self._protect]!r}"
        return f"Converter({self.config!r}{extra})"

    # -- conversion -----------------------------------------------------------------
    def convert(self, text: str) -> str:
        """Convert one string."""
        _require_str(text)
        if not self._protect and self._user is None:
            return self._engine.convert(text)
        pieces: list[str] = []
        cursor = 0
        for start, end, replacement in self._frozen_spans(text):
            pieces.append(self._engine.convert(text[cursor:start]))
            pieces.append(replacement)
            cursor = end
        pieces.append(self._engine.convert(text[cursor:]))
        return "".join(pieces)

    def convert_with_offsets(self, text: str) -> tuple[str, list[int]]:
        """Convert and map output code points back to the input.

        Returns ``(output, offsets)`` with ``len(offsets) == len(output) + 1``:
        ``offsets[i]`` is the input offset of the text that produced ``output[i]``
        (for a phrase replaced by one of the same length, the matching character;
        otherwise the start of the phrase) and ``offsets[-1] == len(text)``.
        """
        _require_str(text)
        pieces: list[str] = []
        offsets: list[int] = []
        cursor = 0
        for start, end, replacement in [*self._frozen_spans(text), (len(text), len(text), "")]:
            converted, gap_offsets = self._engine.convert_with_offsets(text[cursor:start])
            pieces.append(converted)
            offsets.extend(o + cursor for o in gap_offsets[:-1])
            pieces.append(replacement)
            if len(replacement) == end - start:
                offsets.extend(range(start, end))
            else:
                offsets.extend([start] * len(replacement))
            cursor = end
        offsets.append(len(text))
        return "".join(pieces), offsets

    def convert_batch(self, texts: Iterable[str], workers: int = 1) -> list[str]:
        """Convert many strings, in order.  ``workers > 1`` converts on that many threads;
        the compiled engine converts a whole chunk of texts without holding the GIL."""
        items = list(texts)
        for index, text in enumerate(items):
            _require_str(text, f"texts[{index}]")
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        convert_chunk: Callable[[list[str]], list[str]] = self._engine.convert_many
        if self._protect or self._user is not None:
            convert_chunk = self._convert_each
        if workers == 1 or len(items) < 2:
            return convert_chunk(items)
        from concurrent.futures import ThreadPoolExecutor  # not on every start

        n_chunks = min(len(items), workers * 4)
        bounds = [len(items) * k // n_chunks for k in range(n_chunks + 1)]
        chunks = [items[bounds[k] : bounds[k + 1]] for k in range(n_chunks)]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return [converted for part in pool.map(convert_chunk, chunks) for converted in part]

    def _convert_each(self, texts: list[str]) -> list[str]:
        return [self.convert(text) for text in texts]

    def iter_convert(self, chunks: Iterable[str]) -> Iterator[str]:
        """Convert a stream of text chunks with bounded memory.

        Chunks may split the text anywhere; the output equals ``convert("".join(chunks))``.
        Text is cut for conversion after a newline or, in a line longer than
        ``STREAM_CUT_CHARS``, before a character that occurs in no dictionary key.
        With ``protect`` patterns only newlines are used, so a pattern is matched
        within a line.
        """
        alphabet = self._key_alphabet()
        pending = ""
        for chunk in chunks:
            pending += _require_str(chunk, "chunk")
            cut = _safe_cut(pending, alphabet, long_lines=not self._protect)
            if cut:
                yield self.convert(pending[:cut])
                pending = pending[cut:]
        if pending:
            yield self.convert(pending)

    def _key_alphabet(self) -> frozenset[str]:
        alphabet = _config_alphabet(self.config)
        if self._user is not None:
            alphabet = alphabet.union(*self._user.entries)
        return alphabet

    # -- frozen spans -----------------------------------------------------------------
    def _frozen_spans(self, text: str) -> list[_Span]:
        protected: list[tuple[int, int]] = []
        for pattern in self._protect:
            protected.extend(m.span() for m in pattern.finditer(text) if m.end() > m.start())
        protected.sort(key=lambda span: (span[0], -span[1]))
        spans: list[_Span] = []
        cursor = 0
        for start, end in protected:
            if start < cursor:
                continue  # overlaps an earlier protected span
            spans.extend(self._user_matches(text, cursor, start))
            spans.append((start, end, text[start:end]))
            cursor = end
        spans.extend(self._user_matches(text, cursor, len(text)))
        return spans

    def _user_matches(self, text: str, start: int, end: int) -> list[_Span]:
        if self._user is None or start >= end:
            return []
        if self._user_trie is not None:
            trie, values = self._user_trie
            return [(start + a, start + b, values[v]) for a, b, v in trie.matches(text[start:end])]
        spans: list[_Span] = []
        i = start
        while i < end:
            found = self._user.longest_prefix(text, i, end)
            if found is None:
                i += 1
                continue
            spans.append((i, i + found[0], found[1]))
            i += found[0]
        return spans


STREAM_CUT_CHARS = 1 << 20


def _safe_cut(text: str, alphabet: frozenset[str], *, long_lines: bool) -> int:
    """A position where ``text`` can be split without changing its conversion, or 0."""
    if "\n" not in alphabet:
        newline = text.rfind("\n")
        if newline >= 0:
            return newline + 1
    if not long_lines or len(text) < STREAM_CUT_CHARS:
        return 0
    for position in range(len(text) - 1, max(0, len(text) - 65536), -1):
        if text[position] not in alphabet:
            return position
    return 0


@functools.lru_cache(maxsize=32)
def _config_alphabet(config: str) -> frozenset[str]:
    """Every character that occurs in a dictionary key of ``config``."""
    files: set[str] = set()
    for stage in load_config(config):
        nodes = [*stage.chain, *([stage.segmentation] if stage.segmentation else [])]
        for node in nodes:
            files.update(leaves(node))
    return frozenset(ch for file in files for key in load_builtin(file).entries for ch in key)


def _compile_protect(pattern: ProtectPattern) -> re.Pattern[str]:
    if isinstance(pattern, re.Pattern):
        return pattern
    if isinstance(pattern, str):
        if not pattern:
            raise ValueError("protect strings must not be empty")
        return re.compile(re.escape(pattern))
    raise TypeError(f"protect items must be str or re.Pattern, not {type(pattern).__name__}")


def _rebuild(
    config: str, user: dict[str, str] | None, protect: tuple[re.Pattern[str], ...]
) -> Converter:
    return Converter(config, user_dict=user, protect=protect)


@functools.lru_cache(maxsize=32)
def _default_converter(config: str) -> Converter:
    return Converter(config)


def convert(text: str, config: str = "s2t") -> str:
    """Convert ``text`` with an official OpenCC configuration (default ``"s2t"``).

    >>> convert("汉字")
    '漢字'
    """
    _require_str(text)
    return _default_converter(normalize_config_name(config)).convert(text)


def convert_batch(texts: Iterable[str], config: str = "s2t", workers: int = 1) -> list[str]:
    """:func:`convert` over many texts, in order (``workers > 1``: that many threads,
    as :meth:`Converter.convert_batch`).

    >>> convert_batch(["汉字", "软件"], "s2twp")
    ['漢字', '軟體']
    """
    return _default_converter(normalize_config_name(config)).convert_batch(texts, workers)


class OpenCC:
    """Drop-in for ``opencc.OpenCC`` and opencc-python-reimplemented's ``OpenCC``.

    >>> OpenCC("t2s.json").convert("漢字")
    '汉字'
    """

    def __init__(self, config: str = "t2s") -> None:
        self.set_conversion(config)

    def set_conversion(self, config: str) -> None:
        self.config = normalize_config_name(config)
        self._converter = _default_converter(self.config)

    def convert(self, text: str) -> str:
        return self._converter.convert(text)

    def __reduce__(self) -> tuple[Any, ...]:
        return (OpenCC, (self.config,))
