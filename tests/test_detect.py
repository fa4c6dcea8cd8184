from __future__ import annotations

import pytest

from zhnorm import detect_script
from zhnorm.script.detect import script_character_sets


def test_seeds(seed_texts: dict[str, str]) -> None:
    simplified = detect_script(seed_texts["000_4282e08e67390612.txt"])
    assert simplified.script == "simplified"
    assert simplified.simplified > 1000 and simplified.traditional == 0
    traditional = detect_script(seed_texts["001_32a35c23f3667b8e.txt"])
    # seed 001 carries stray simplified characters from garble and a naive converter
    assert traditional.script == "traditional"
    assert 0 < traditional.simplified < 50 and traditional.traditional > 700


def test_one_to_many_leftovers_are_not_evidence() -> None:
    simplified_only, traditional_only = script_character_sets()
    for ch in "干后于里并":
        assert ch not in simplified_only and ch not in traditional_only
    report = detect_script("干后于里并")
    assert (report.script, report.simplified, report.traditional) == ("none", 0, 0)


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("", "none"),
        ("hello, world 123", "none"),
        ("的一是在不了有和人这", "simplified"),
        ("這個問題很難說", "traditional"),
        ("这个問題很难說，这个問題很难說", "mixed"),
    ],
)
def test_labels(text: str, script: str) -> None:
    assert detect_script(text).script == script


def test_whole_corpora(simplified_corpus: list[str], traditional_corpus: list[str]) -> None:
    assert {detect_script(t).script for t in simplified_corpus} == {"simplified"}
    assert {detect_script(t).script for t in traditional_corpus} == {"traditional"}


def test_type_error() -> None:
    with pytest.raises(TypeError):
        detect_script(b"abc")  # type: ignore[arg-type]


def test_report_serialises() -> None:
    data = detect_script("漢字汉字汉").to_dict()
    assert data["script"] == "mixed"
    assert set(data) >= {"script", "simplified", "traditional", "han", "confidence"}
