"""A lost character guessed from the words around it (zhnorm.repair.mojibake.guess)."""

from __future__ import annotations

from zhnorm.repair.mojibake.guess import CONTEXT, hanzi_context, word_guess


def test_guess_needs_context_and_a_sure_word() -> None:
    assert word_guess(["容", "外"], "", "") is None  # nothing around it
    assert word_guess(["容", "外", "地"], "文章内", "") == ["容"]
    # 内容, 内部, 内心 are all common words: none holds 0.9 of the probability.
    assert word_guess(["容", "外", "地", "部", "心"], "内", "") is None
    assert word_guess([], "文章", "") is None


def test_forms_that_fold_together_count_once() -> None:
    assert word_guess(["审", "審", "复"], "", "查报告") == ["审", "審"]
    group = word_guess(["發", "发", "法"], "", "展")
    assert group is not None and set(group) == {"發", "发"}


def test_context_stops_at_other_characters() -> None:
    assert hanzi_context("报告，好") == "报告"
    assert hanzi_context(["报", "", "告"]) == "报"  # a lost character
    assert len(hanzi_context("中华人民共和国")) == CONTEXT


def test_lattice_guess_needs_the_words_to_agree() -> None:
    from zhnorm.repair.mojibake.lattice import _words_agree

    choices = ["告", "吧", "呀", "吗", "员", "听"]
    assert _words_agree("告", choices, "报", "")  # 报告 (left: nearest first)
    assert not _words_agree("吗", choices, "报", "")  # the bigram's pick, not the words'
    assert not _words_agree("告", choices, "", "")  # no hanzi around it: no guess
    assert _words_agree("，", choices, "", "")  # punctuation is the bigram's to judge
