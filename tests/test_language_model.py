"""The one language model behind the repair gates (zhnorm.language_model)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhnorm import language_model as lm_module
from zhnorm.language_model import (
    CLASS_FOLLOW,
    MEMBER_SHARE,
    CharModel,
    Token,
    WordModel,
    char_model,
    word_counts,
    word_model,
)

CLEAN = "新华社北京电，记者从教育部了解到，今年高校毕业生人数将达到820万人。"


def shifted(text: str) -> str:
    """The GBK bytes of ``text`` decoded one byte out of step, up to where the decoder
    falls back into step."""
    return text.encode("gbk")[1:].decode("gbk", "replace").split("\ufffd")[0]


def test_clean_text_beats_its_garbled_readings() -> None:
    model = char_model()
    clean = model.mean_logprob(CLEAN)
    for sentence in ("记者从教育部了解到", "台风过境后当地居民"):
        assert model.mean_logprob(sentence) > model.mean_logprob(shifted(sentence)) + 3.0
    assert clean > model.mean_logprob(CLEAN.encode("utf-8").decode("latin-1")) + 2.0
    assert clean > model.mean_logprob(CLEAN.encode("utf-8").decode("gbk", "replace")) + 2.0
    assert clean > model.mean_logprob(CLEAN.encode("gbk").decode("big5", "replace")) + 2.0
    assert model.mean_logprob("用户id") > model.mean_logprob("鐢ㄦ埛id")


def test_both_scripts_score_alike() -> None:
    model = char_model()
    assert model.mean_logprob("國家發展改革委員會") == model.mean_logprob("国家发展改革委员会")
    assert model.mean_logprob("２０１７年") == model.mean_logprob("2017年")


def test_classes_score_sensibly() -> None:
    model = char_model()
    # Punctuation after a word end is ordinary; a private-use character is not.
    assert model.conditional("了", "。") > model.conditional("了", "\ue000") + 5.0
    assert model.conditional("了", "。") > model.conditional("了", "┑") + 5.0
    # Within a class, the common mark is the likely one.
    assert model.conditional("了", "，") > model.conditional("了", "．") + 2.0
    assert model.conditional("了", "。") > model.conditional("了", "＃") + 2.0
    assert model.unigram("，") > model.unigram("；")
    # Digits continue digits; a pair the word list holds beats one it never saw.
    assert model.conditional("1", "7") > model.conditional("1", "年")
    assert model.conditional("中", "国") > model.conditional("中", "袄") + 3.0
    assert model.unigram("的") > model.unigram("禄")
    assert model.mean_logprob("") == 0.0 and model.mean_logprob("   ") == 0.0
    assert len(model.pair_logprobs("")) == 0
    assert np.isfinite(model.pair_logprobs("a\U0003134a\x00\ud800")).all()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(alphabet="中国的了。，a1 ¸æ\ue000國", max_size=8), max_size=6))
def test_batch_equals_one_at_a_time(texts: list[str]) -> None:
    model = char_model()
    batch = model.mean_logprobs(texts)
    assert batch == pytest.approx([model.mean_logprob(t) for t in texts])


def test_class_rows_are_distributions() -> None:
    follow = lm_module._class_matrix()
    assert follow.sum(axis=1) == pytest.approx(np.ones(len(follow)))
    assert set(CLASS_FOLLOW) == set(Token)
    for token, shares in MEMBER_SHARE.items():
        assert sum(shares.values()) <= 1.0
        assert all(char in lm_module._CLASS_CHARS[token] for char in shares), token


def test_pickles_as_a_reference() -> None:
    model = char_model()
    assert pickle.loads(pickle.dumps(model)) is model


def test_cache_is_written_and_a_damaged_one_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(tmp_path))
    char_model.cache_clear()
    try:
        first = char_model()
        (cached,) = tmp_path.glob("char-model-*.bin")
        cached.write_bytes(b"not a table")
        char_model.cache_clear()
        again = char_model()
        assert again.mean_logprob(CLEAN) == first.mean_logprob(CLEAN)
        assert cached.stat().st_size > 1000
    finally:
        char_model.cache_clear()


def test_without_jieba_classes_still_decide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lm_module, "jieba_dictionary", lambda: None)
    char_model.cache_clear()
    try:
        model = char_model()
        assert isinstance(model, CharModel) and model.name == "uniform"
        assert model.mean_logprob("中国，2017年。") > model.mean_logprob("ä¸­å›½")
    finally:
        char_model.cache_clear()


def test_a_malformed_word_list_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "dict.txt"
    path.write_text("中国 100 ns\n坏行\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"dict\.txt:2: expected 'word count"):
        list(word_counts(str(path)))


def test_bonds_measure_pairs_against_a_word_boundary() -> None:
    lm = char_model()
    got = lm.bonds("发布会abc")
    assert got.shape == (5,)
    assert got[0] > 3.0 and got[1] > 1.0  # 发布 and 布会 are held together by the word list
    assert (got[2:] == 0.0).all()  # not hanzi: no bond
    assert lm.bonds("笢恅")[0] < 0.5  # mojibake pairs are as likely apart as together
    assert (lm.bonds("國家") == lm.bonds("国家")).all()
    assert lm.bonds("").shape == (0,) and lm.bonds("发").shape == (0,)


# --- the word model (lost characters' guesses) ---------------------------------------


def test_word_model_sums_every_split() -> None:
    tokens = char_model().tokens
    model = WordModel(["文", "章", "文章"], [1.0, 1.0, 2.0], tokens)
    # 文|章 (1/4 * 1/4) + 文章 (2/4); a character of no word counts half a count.
    assert model.logprob("文章") == pytest.approx(np.log(1 / 16 + 2 / 4))
    assert model.logprob("文章内") == pytest.approx(np.log((1 / 16 + 2 / 4) * 0.5 / 4))


def test_word_model_prefers_the_word_and_folds_scripts() -> None:
    words = word_model()
    assert words.logprob("文章内容") > words.logprob("文章内外") > words.logprob("文章内鼐")
    assert words.logprob("審查報告") == words.logprob("审查报告")


def test_word_model_cache_is_written_read_and_a_damaged_one_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(tmp_path))
    word_model.cache_clear()
    try:
        built = word_model()
        (cached,) = tmp_path.glob("word-model-*.bin")
        word_model.cache_clear()
        read = word_model()
        assert read is not built
        for text in ("文章内容", "審查報告", "内鼐", "a"):
            assert read.logprob(text) == built.logprob(text)
        cached.write_bytes(b"not a table")
        word_model.cache_clear()
        assert word_model().logprob("文章内容") == built.logprob("文章内容")
        assert cached.stat().st_size > 1000
    finally:
        word_model.cache_clear()


def _split_sum(words: dict[str, float], floor: float, text: str) -> float:
    """The word model's sum over splits, written out with a dictionary."""
    reach = [1.0] + [0.0] * len(text)
    for end in range(1, len(text) + 1):
        for start in range(max(0, end - lm_module.WORD_LENGTH), end):
            p = words.get(text[start:end], floor if end - start == 1 else None)
            if p is not None:
                reach[end] += reach[start] * p
    return float(np.log(reach[-1])) if reach[-1] > 0 else -np.inf


_ODD_WORDS = ["文", "章", "文章", "𠀀", "𠀀文", "\x00", "文\x00", "\ud840", "内容", "\uffff文"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*"文章内容𠀀\x00\uffffa", "\ud840"]), max_size=9).map("".join))
def test_word_model_looks_up_every_kind_of_word(text: str) -> None:
    # Words stored as codes (U+0001-U+FFFF, up to four characters) and the others
    # (astral, NUL, longer) are found alike; a constructed model pickles by value.
    counts = [float(n + 1) for n in range(len(_ODD_WORDS))] + [3.0]
    words = [*_ODD_WORDS, "文章内容𠀀"]  # five characters: never a word of a split
    model = WordModel(words, counts, np.arange(lm_module.SPAN))
    total = sum(counts)
    shares = {w: c / total for w, c in zip(words, counts, strict=True)}
    expected = _split_sum(shares, 0.5 / total, text)
    assert model.logprob(text) == pytest.approx(expected, rel=1e-12)
    assert pickle.loads(pickle.dumps(model)).logprob(text) == model.logprob(text)


def test_word_model_forgets_what_it_remembered_and_scores_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    words = word_model()
    texts = ["文章内容", "文章内鼐", "审查报告", "新华社北京电记者从教育部", "内鼐", "文章内容"]
    expected = [words.logprob(text) for text in texts]
    monkeypatch.setattr(lm_module, "_MEMO_SIZE", 12)
    words._memo.clear()  # the second text's stretches are partly the first's
    assert [words.logprob(text) for text in texts] == expected


def test_the_shared_word_model_pickles_as_a_reference() -> None:
    words = word_model()
    data = pickle.dumps(words)
    assert len(data) < 200 and pickle.loads(data) is words


def test_word_model_without_a_list_prefers_nothing() -> None:
    model = WordModel([], [], char_model().tokens)
    assert model.logprob("内容") == model.logprob("内鼐") > -np.inf
