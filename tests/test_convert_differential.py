"""zhnorm against the official OpenCC binding on real text, and the C fast path against
the pure-Python reference engine on generated text (hypothesis)."""

from __future__ import annotations

import functools

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhnorm import Converter
from zhnorm.script.config import CONFIG_NAMES, load_config
from zhnorm.script.dictionary import load_builtin
from zhnorm.script.engine import CompiledEngine, ReferenceEngine


@functools.cache
def official(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


@pytest.mark.parametrize("config", CONFIG_NAMES)
def test_whole_corpora_byte_identical(
    config: str, simplified_corpus: list[str], traditional_corpus: list[str]
) -> None:
    converter = Converter(config)
    for corpus in (simplified_corpus, traditional_corpus):
        text = "\n".join(corpus)
        assert converter.convert(text) == official(config).convert(text)


@functools.cache
def _phrase_pool() -> list[str]:
    keys: list[str] = []
    for name in (
        "STPhrases.txt",
        "TSPhrases.txt",
        "TWPhrases.txt",
        "HKVariantsPhrases.txt",
        "JPShinjitaiPhrases.txt",
        "TWVariantsRevPhrases.txt",
    ):
        keys.extend(sorted(load_builtin(name).entries)[::7])
    return keys


def _corpus_slices(corpus: list[str]) -> st.SearchStrategy[str]:
    joined = "\n".join(corpus[:300])
    return st.tuples(st.integers(0, len(joined) - 1), st.integers(1, 400)).map(
        lambda ab: joined[ab[0] : ab[0] + ab[1]]
    )


# Text made of dictionary keys, fragments of keys and punctuation: where phrase
# boundaries, overlaps and group policies matter most.
phrase_soup = st.lists(
    st.one_of(
        st.sampled_from(_phrase_pool()),
        st.sampled_from(_phrase_pool()).map(lambda k: k[1:] or k),
        st.sampled_from(_phrase_pool()).map(lambda k: k[:-1] or k),
        st.sampled_from(["，", "。", " ", "\n", "a", "１", "的", "了", "\u3000"]),
    ),
    max_size=30,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(text=phrase_soup, config=st.sampled_from(CONFIG_NAMES))
def test_phrase_soup_matches_official(text: str, config: str) -> None:
    assert Converter(config).convert(text) == official(config).convert(text)


@settings(max_examples=150, deadline=None)
@given(text=phrase_soup | st.text(max_size=40), config=st.sampled_from(CONFIG_NAMES))
def test_fast_path_equals_reference_with_offsets(text: str, config: str) -> None:
    stages = load_config(config)
    assert CompiledEngine(stages).convert_with_offsets(text) == ReferenceEngine(
        stages
    ).convert_with_offsets(text)


def test_real_text_slices_match_official(
    simplified_corpus: list[str], traditional_corpus: list[str]
) -> None:
    @settings(max_examples=100, deadline=None)
    @given(
        text=_corpus_slices(simplified_corpus) | _corpus_slices(traditional_corpus),
        config=st.sampled_from(CONFIG_NAMES),
    )
    def check(text: str, config: str) -> None:
        assert Converter(config).convert(text) == official(config).convert(text)

    check()
