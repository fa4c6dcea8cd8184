"""Pinyin readings from the table kept on disk (:mod:`zhnorm.repair.readings`) are
pypinyin's own, and a process that finds the table does not import pypinyin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pypinyin.pinyin_dict import pinyin_dict

import zhnorm
from zhnorm.repair import fix_text
from zhnorm.repair.readings import _asked, char_readings


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
    src = str(Path(zhnorm.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", _DAMAGED_FIRST_CALL, text],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    fixed, imported = done.stdout.splitlines()
    assert fixed == expected
    # Without a writable cache folder the table is built from pypinyin each time.
    from zhnorm.cache import cache_dir

    assert imported == str(cache_dir() is None)
