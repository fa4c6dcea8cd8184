from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path

import numpy as np
import pytest
from pypinyin import Style, pinyin

import zhnorm
from zhnorm.script import Converter
from zhnorm.stories import StoryModel, StoryOptions, story_similarity, story_similarity_batch
from zhnorm.stories.background import UNIFORM, background

from .conftest import SHARED_DATA

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_story_similarity import BigramTfidf, auc

# Invented texts: two reports of one event in other words, one on the same topic
# (another typhoon, another day), one unrelated.
QUAKE_A = (
    "花莲县今天凌晨3点12分发生规模6.1地震，震央位于花莲县政府东方23公里海域，"
    "深度15公里。气象局表示，花莲震度5级，宜兰4级，目前没有灾情传出。"
)
QUAKE_B = (
    "气象局指出，凌晨3时12分花莲外海发生芮氏规模6.1的有感地震，震源深度15公里，"
    "花莲最大震度5级，宜兰震度4级，消防局说暂无人员伤亡。"
)
QUAKE_TITLE = "凌晨花莲外海规模6.1地震 最大震度5级"
QUAKE_OTHER = (
    "台东县昨天下午发生规模4.2地震，震央位于台东县政府北方10公里，深度8公里，"
    "气象局说台东震度3级，民众不必惊慌。"
)
STOCKS = "台股今天收盘上涨120点，成交金额1500亿元，电子股领涨，金融股表现持平。"
TEXTS = [QUAKE_A, QUAKE_B, QUAKE_TITLE, QUAKE_OTHER, STOCKS]


def test_range_symmetry_identity() -> None:
    for a in TEXTS:
        assert story_similarity(a, a) == 1.0
        for b in TEXTS:
            score = story_similarity(a, b)
            assert 0.0 <= score <= 1.0
            assert score == pytest.approx(story_similarity(b, a), abs=1e-12)


def test_same_event_above_same_topic_above_unrelated() -> None:
    same_event = story_similarity(QUAKE_A, QUAKE_B)
    same_topic = story_similarity(QUAKE_A, QUAKE_OTHER)
    unrelated = story_similarity(QUAKE_A, STOCKS)
    assert same_event > same_topic > unrelated


def test_title_against_its_article_scores_high() -> None:
    own = story_similarity(QUAKE_TITLE, QUAKE_B)
    assert own > 0.4
    assert own > story_similarity(QUAKE_TITLE, QUAKE_OTHER) + 0.2
    assert own > story_similarity(QUAKE_TITLE, STOCKS) + 0.3


@pytest.mark.parametrize("config", ["s2t", "s2tw", "s2twp", "s2hk"])
def test_script_invariance(config: str) -> None:
    converter = Converter(config)
    for a in (QUAKE_A, QUAKE_TITLE):
        for b in (QUAKE_B, QUAKE_OTHER, STOCKS):
            converted = converter.convert(a)
            assert converted != a
            assert story_similarity(converted, b) == pytest.approx(story_similarity(a, b), abs=0.05)


def _damaged(text: str) -> str:
    """``text`` as a content farm leaks it: converted to Traditional with the pinyin of
    every changed character after it, digits widened, a line break in the middle."""
    converted = Converter("s2t").convert(text)
    out = "".join(
        new + (f"({pinyin(old, style=Style.TONE)[0][0]})" if new != old else "")
        for old, new in zip(text, converted, strict=True)
    )
    out = out.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    middle = len(out) // 2
    return out[:middle] + "\n" + out[middle:]


def test_damaged_copy_still_matches() -> None:
    damaged = _damaged(QUAKE_A)
    assert "(" in damaged and "１" in damaged
    assert story_similarity(damaged, QUAKE_A) > 0.95
    assert story_similarity(damaged, QUAKE_B) == pytest.approx(
        story_similarity(QUAKE_A, QUAKE_B), abs=0.05
    )


def test_empty_and_punctuation_only() -> None:
    assert story_similarity("", QUAKE_A) == 0.0
    assert story_similarity("，。！", "，。！") == 0.0
    assert story_similarity("2017", "2017") == 1.0
    assert story_similarity("a", "b") == 0.0


def test_batch_equals_single() -> None:
    pairs = [(a, b) for a in TEXTS for b in TEXTS]
    assert story_similarity_batch(pairs) == [story_similarity(a, b) for a, b in pairs]
    assert story_similarity_batch([]) == []


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="expected str"):
        story_similarity(None, "a")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="pair 1"):
        story_similarity_batch([("a", "b"), ("a",)])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="char_share"):
        StoryOptions(char_share=2)
    with pytest.raises(TypeError, match="lead_chars"):
        story_similarity("a", "b", lead_char=3)


def test_exported_lazily() -> None:
    assert zhnorm.story_similarity is story_similarity


def test_background_is_built_from_jieba_when_installed() -> None:
    pytest.importorskip("jieba")
    weights = background()
    assert weights.name == "jieba-dict"
    # A generic news word weighs less than a place name, a long number more than a digit,
    # a bigram across a boundary after common words little, a name the list lacks much.
    assert weights.weight("记者") < weights.weight("花莲")
    assert weights.weight("1") < weights.weight("2017")
    assert weights.weight("是一") < weights.weight("花莲")
    assert weights.weight("幂住") > weights.weight("花莲")
    for term in ("记者", "花莲", "\x01花", "2017", "是一", "龘龘"):
        assert 0.0 < weights.probability(term) < 1.0
    assert UNIFORM.weight("记者") == UNIFORM.weight("花莲") == pytest.approx(1.0)
    assert pickle.loads(pickle.dumps(weights)) is weights
    assert pickle.loads(pickle.dumps(UNIFORM)) is UNIFORM


def test_without_jieba_every_term_weighs_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    from zhnorm.stories import background as module

    monkeypatch.setattr(module, "jieba_dictionary", lambda: None)
    module.background.cache_clear()
    try:
        assert module.background() is UNIFORM
        scores = story_similarity_batch([(QUAKE_A, QUAKE_B), (QUAKE_A, STOCKS), (QUAKE_A, QUAKE_A)])
        assert scores[0] > scores[1] and scores[2] == 1.0
        model = StoryModel.fit(TEXTS)
        assert model.similarity(0, 1) > model.similarity(0, 4)
    finally:
        module.background.cache_clear()  # the next caller reads jieba again


def test_a_damaged_cache_file_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("jieba")
    from zhnorm.stories import background as module

    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(tmp_path))
    module.background.cache_clear()
    try:
        first = module.background()
        (cached,) = tmp_path.glob("story-background-*.json")
        cached.write_text('{"magic": "ZHNSTORYBG1", "within": 3}', encoding="utf-8")
        module.background.cache_clear()
        again = module.background()
        assert again.weight("花莲") == first.weight("花莲")
    finally:
        module.background.cache_clear()


def test_only_max_chars_are_read() -> None:
    long_a = QUAKE_A + STOCKS * 400
    long_b = QUAKE_A + QUAKE_OTHER * 300
    assert story_similarity(long_a, long_b, max_chars=40) == 1.0
    assert story_similarity(long_a, long_b) < 0.5
    huge = "台股" * 2_500_000  # a 5 MB text reads like its first max_chars
    assert story_similarity(huge, "台股" * 1500) == pytest.approx(1.0)


def test_model_scores_like_story_similarity_and_pickles() -> None:
    model = StoryModel.fit(TEXTS)
    assert len(model) == len(TEXTS)
    for i in range(len(TEXTS)):
        assert model.similarity(i, i) == 1.0
        for j in range(len(TEXTS)):
            assert 0.0 <= model.similarity(i, j) <= 1.0
            assert model.similarity(i, j) == pytest.approx(model.similarity(j, i))
    assert model.similarity(0, 1) > model.similarity(0, 3) > model.similarity(0, 4)
    again = pickle.loads(pickle.dumps(model))
    assert again.similarity(0, 1) == model.similarity(0, 1)
    assert again.candidates(0.1, 3) == model.candidates(0.1, 3)
    with pytest.raises(IndexError):
        model.similarity(0, 5)


def test_model_with_titles() -> None:
    texts = [QUAKE_A, QUAKE_B, QUAKE_OTHER, STOCKS]
    titles = [QUAKE_TITLE, "花莲外海6.1地震 宜兰4级", "台东规模4.2地震", ""]
    model = StoryModel.fit(texts, titles)
    assert model.titles is not None
    assert model.similarity(0, 1) > model.similarity(0, 2) > model.similarity(0, 3)
    # Documents 0 and 1 both have a title: half their score is the titles'.
    untitled = StoryModel.fit(texts, titles, title_share=0.0)
    assert model.similarity(0, 1) != untitled.similarity(0, 1)
    # Document 3 has none: its scores are its text's.
    assert model.similarity(0, 3) == untitled.similarity(0, 3)
    for i in range(4):
        assert model.similarity(i, i) == 1.0
        for j in range(4):
            assert model.similarity(i, j) == pytest.approx(model.similarity(j, i))
    again = pickle.loads(pickle.dumps(model))
    assert (
        again.similarities([(0, 1), (2, 3)]).tolist()
        == model.similarities([(0, 1), (2, 3)]).tolist()
    )
    with pytest.raises(ValueError, match="3 titles for 4 texts"):
        StoryModel.fit(texts, titles[:3])


def test_candidates_find_the_pairs_without_all_pairs() -> None:
    texts = [QUAKE_A, QUAKE_B, QUAKE_OTHER, STOCKS, QUAKE_TITLE]
    model = StoryModel.fit(texts)
    found = model.candidates(min_score=0.0, k=4)
    pairs = {(i, j) for i, j, _ in found}
    assert (0, 1) in pairs and (0, 4) in pairs and (1, 4) in pairs
    for i, j, score in found:
        assert i < j
        assert score == pytest.approx(model.similarity(i, j))
    assert [s for *_, s in found] == sorted((s for *_, s in found), reverse=True)
    strict = model.candidates(min_score=0.3, k=1)
    assert all(score >= 0.3 for *_, score in strict)
    assert StoryModel.fit([]).candidates() == []
    assert StoryModel.fit([""]).similarity(0, 0) == 0.0


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_beats_the_bigram_tfidf_anchor_on_sohu2021() -> None:
    rows = _read(SHARED_DATA / "sohu2021-text-matching-sample" / "samples.jsonl")
    labels = [row["labelA"] == "1" for row in rows]
    keys = zhnorm.match_keys([r["source"] for r in rows] + [r["target"] for r in rows])
    anchor = BigramTfidf(keys)
    n = len(rows)
    base = auc([anchor.score(keys[i], keys[n + i]) for i in range(n)], labels)
    ours = auc(story_similarity_batch([(r["source"], r["target"]) for r in rows]), labels)
    assert base > 0.85  # the anchor works
    assert ours > base + 0.01


def _taiwan_articles() -> list[dict[str, str]]:
    return _read(SHARED_DATA / "taiwan-news-2017-dev" / "articles.jsonl")


def test_titles_score_higher_against_their_own_articles() -> None:
    articles = [a for a in _taiwan_articles() if a["title"] and a["text"]]
    assert len(articles) > 500
    own = story_similarity_batch([(a["title"], a["text"]) for a in articles])
    shifted = articles[1:] + articles[:1]
    other = story_similarity_batch(
        [(a["title"], b["text"]) for a, b in zip(articles, shifted, strict=True)]
    )
    wins = sum(o > x for o, x in zip(own, other, strict=True))
    # The losers are articles whose text is only furniture (a redirect, a share line).
    assert wins >= 0.95 * len(articles)
    assert sorted(own)[len(own) // 2] > 5 * sorted(other)[len(other) // 2]


def test_candidates_hold_every_pair_above_the_threshold_on_real_news() -> None:
    articles = _taiwan_articles()
    model = StoryModel.fit([a["text"] for a in articles], [a["title"] for a in articles])
    n = len(model)
    everyone = np.array([(i, j) for i in range(n) for j in range(i + 1, n)])
    scores = model.similarities(everyone)
    above = {(int(i), int(j)) for i, j in everyone[scores >= 0.3]}
    assert len(above) > 20
    found = model.candidates(min_score=0.3, k=n)
    assert {(i, j) for i, j, _ in found} == above
    for i, j, score in found[:50]:
        assert score == pytest.approx(model.similarity(i, j))
