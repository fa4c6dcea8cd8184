"""Matching keys and their map back to the raw text."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhnorm import FixConfig
from zhnorm.key import KeyConfig, KeyOptions, keyed, match_key, match_keys

from .conftest import SEEDS

RAW_TEXT = st.lists(
    st.sampled_from(
        [
            *"产業發展头髮乾隆皇帝的（）()，。 \n\u3000ＡＢab12&#;xiànchǎn",
            *["現(xiàn)", "業(yè)", "發(fā)", "&amp;", "\u200b"],
        ]
    ),
    max_size=40,
).map("".join)


def test_scripts_width_punctuation_and_ruby_fold_to_one_key() -> None:
    assert match_key("現(xiàn)代快報訊：產(chǎn)業(yè)園，ＶＩＰ") == match_key(
        "现代快报讯 产业园 vip"
    )
    assert match_keys(["頭髮", "头发"]) == ["头发", "头发"]


def test_config_switches() -> None:
    raw = "頭髮，Ａ"
    assert match_key(raw, KeyConfig(script=None)) == "頭髮a"
    assert match_key(raw, KeyConfig(fold=False)) == "头发，Ａ"
    assert KeyConfig.from_dict(KeyConfig(fix=None).to_dict()) == KeyConfig(fix=None)
    assert pickle.loads(pickle.dumps(KeyConfig())) == KeyConfig()


def test_key_options_as_an_object_as_keywords_and_by_the_former_names() -> None:
    raw = "頭髮，Ａ"
    assert KeyConfig is KeyOptions
    expected = "頭髮a"
    assert match_key(raw, KeyOptions(script=None)) == expected
    assert match_key(raw, script=None) == expected
    assert match_key(raw, config=KeyOptions(script=None)) == expected
    assert match_keys([raw], KeyOptions(script=None), fold=False) == ["頭髮，Ａ"]
    assert keyed(raw, fix=None, script=None).key == match_key(raw, fix=None, script=None)
    with pytest.raises(TypeError, match="not both"):
        match_key(raw, KeyOptions(), config=KeyOptions())
    with pytest.raises(TypeError, match="unknown option 'fold_width'"):
        match_key(raw, fold_width=False)


@settings(max_examples=150, deadline=None)
@given(RAW_TEXT)
def test_keyed_agrees_with_match_key_and_spans_are_ordered(raw: str) -> None:
    k = keyed(raw)
    assert k.key == match_key(raw)
    assert len(k.starts) == len(k.ends) == len(k.key)
    for i, (start, end) in enumerate(zip(k.starts, k.ends, strict=True)):
        assert 0 <= start <= end <= len(raw)
        if i:
            assert k.starts[i - 1] <= start and k.ends[i - 1] <= end


@settings(max_examples=150, deadline=None)
@given(RAW_TEXT)
def test_without_repair_every_key_character_comes_from_its_raw_span(raw: str) -> None:
    # Conversion is context-dependent (乾隆 keeps 乾, 乾 alone becomes 干), so the
    # character-level property is checked on the fold alone; conversion offsets have
    # their own tests (test_converter_api).
    config = KeyConfig(fix=None, script=None)
    k = keyed(raw, config)
    for i, (start, end) in enumerate(zip(k.starts, k.ends, strict=True)):
        assert start < end
        assert k.key[i] in match_key(raw[start:end], config)


@settings(max_examples=150, deadline=None)
@given(st.one_of(RAW_TEXT, st.text(alphabet="㎏ﬁ𠀀Ⅻ中Ａa，\x00 \ud800", max_size=12)))
def test_the_fold_maps_each_key_character_to_the_character_it_came_from(raw: str) -> None:
    """Exactly: each character's fold (none, one, or several: ``㎏`` -> ``kg``) over its
    own span, in order, whichever way the fold is computed (a BMP table, or per
    character for folds to several and characters outside the BMP)."""
    config = KeyConfig(fix=None, script=None)
    k = keyed(raw, config)
    spans = [(i, i + 1) for i, ch in enumerate(raw) for _ in match_key(ch, config)]
    assert list(zip(k.starts, k.ends, strict=True)) == spans
    assert k.key == "".join(match_key(ch, config) for ch in raw)


def test_seed_001_key_spans_cover_the_annotated_characters() -> None:
    raw = next(SEEDS.glob("001_*.txt")).read_text(encoding="utf-8")
    k = keyed(raw)
    assert "(" not in k.key and "xian" not in k.key
    at = k.key.index("现代快报")
    start, end = k.raw_span(at, at + 4)
    assert raw[start:end].startswith("現(xiàn)代快報")
    # A slice is too short for the document-level ruby gate; the aggressive mode reads it.
    assert match_key(raw[start:end], KeyConfig(fix=FixConfig(ruby_aggressive=True))) == "现代快报"
