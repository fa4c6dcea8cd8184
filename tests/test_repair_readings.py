"""Pinyin readings from the table kept on disk (:mod:`zhnorm.repair.readings`) are
pypinyin's own, and a process that finds the table does not import pypinyin."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypinyin.pinyin_dict import pinyin_dict

from zhnorm.repair import fix_text
from zhnorm.repair.readings import _asked, char_readings

from .conftest import run_fresh_python


def test_every_character_of_the_table_reads_as_pypinyin_says() -> None:
    codes = sorted(pinyin_dict)
    wrong = [chr(c) for c in codes if char_readings(chr(c)) != _asked(chr(c))]
    assert wrong == []


@pytest.mark.parametrize("ch", ["a", "。", "\u3007", "\U00020000", "\U0010ffff", "é"])
def test_characters_outside_the_table_are_asked_of_pypinyin(ch: str) -> None:
    assert char_readings(ch) == _asked(ch)


def test_heteronyms_in_pypinyins_order() -> None:
    marked, numbered = char_readings("行")
    assert numbered[:2] == ("xing2", "hang2")
    assert len(marked) == len(numbered)


_DAMAGED_FIRST_CALL = """
import sys
import zhnorm
print(zhnorm.fix_text(sys.argv[1]))
print("pypinyin" in sys.modules)
"""


def test_a_first_ruby_repair_reads_the_table_without_pypinyin() -> None:
    text = "現(xiàn)代化的城市建設(shè)正在進(jìn)行。"
    expected = fix_text(text)  # this process has the table now (cache folder)
    assert expected == "現代化的城市建設正在進行。"
    fixed, imported = run_fresh_python(_DAMAGED_FIRST_CALL, text).splitlines()
    assert fixed == expected
    # Without a writable cache folder the table is built from pypinyin each time.
    from zhnorm.cache import cache_dir

    assert imported == str(cache_dir() is None)


def test_a_malformed_table_file_is_rebuilt_and_caching_off_asks_pypinyin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zhnorm.repair import readings

    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(tmp_path))
    path = readings._table_file()
    assert path is not None and path.parent == tmp_path
    path.write_text('["ab", "x", "y\\nz\\nw"]', encoding="utf-8")  # columns do not line up
    readings._table.cache_clear()
    try:
        assert char_readings("行") == _asked("行")
        assert len(readings._table()[0]) > 20000  # rebuilt and stored again
        assert readings._read(path) is not None
        monkeypatch.setenv("ZHNORM_CACHE_DIR", "")
        readings._table.cache_clear()
        assert readings._table() == ("", [], [])
        assert char_readings("現") == _asked("現")
    finally:
        readings._table.cache_clear()


def test_syllable_counts_are_pypinyins_phrases_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pypinyin.phrases_dict import phrases_dict

    from zhnorm.repair import readings

    expected: dict[str, int] = {}
    for phrase, rows in phrases_dict.items():
        if len(phrase) == len(rows):
            for ch, row in zip(phrase, rows, strict=True):
                if ch == "长":
                    syllable = "zhang" if row[0].startswith("zh") else "chang"
                    expected[syllable] = expected.get(syllable, 0) + 1
    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(tmp_path))
    readings._syllable_counts.cache_clear()
    try:
        counted = dict(readings.syllable_counts("长"))
        assert counted == expected and next(iter(counted)) == "chang"
        assert readings.syllable_counts("一")  # in many phrases
        assert readings.syllable_counts("a") == ()
        path = readings._shares_file()
        assert path is not None and path.is_file()
        path.write_text('["not", "a", "table"]', encoding="utf-8")
        readings._syllable_counts.cache_clear()
        assert dict(readings.syllable_counts("长")) == expected  # rebuilt
    finally:
        readings._syllable_counts.cache_clear()
