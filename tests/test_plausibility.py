from pathlib import Path

import pytest

from zhnorm.repair import plausibility as P
from zhnorm.repair.plausibility import (
    SUSPICIOUS_RE,
    char_score,
    lexicon_bigrams,
    lexicon_index,
    plausibility,
)


def test_scale_orders_clean_above_mojibake() -> None:
    assert plausibility("所属讨论区") > 1.8
    assert plausibility("發展") > 1.5
    assert plausibility("ËùÊôÌÖÂÛÇø") < 0
    assert plausibility("æµ‹è¯•") < 0
    assert plausibility("鍙戝竷") < plausibility("发布") - 1
    assert plausibility("") == 0.0


def test_char_classes() -> None:
    assert char_score("的") == 2.0
    assert char_score("\ue000") < -5
    assert char_score("ㄊ") < 0
    assert SUSPICIOUS_RE.search("今天天气很好，我们去公园。") is None
    assert SUSPICIOUS_RE.search("鍙戝竷") is not None


def test_lexicon_tables_are_consistent() -> None:
    bigrams = lexicon_bigrams()
    lefts, rights = lexicon_index()
    assert bigrams["发展"] >= 1 and "展" in rights.get("发") and "发" in lefts.get("展")
    assert "现代" in bigrams and "代" in rights.get("现")
    assert rights.get("\x00") == frozenset()
    for pair in list(bigrams)[:: max(1, len(bigrams) // 500)]:
        assert pair[1] in rights.get(pair[0]) and pair[0] in lefts.get(pair[1])
    # the index holds nothing else
    assert sum(len(rights.get(ch)) for ch in {p[0] for p in bigrams}) == len(bigrams)


def test_lexicon_cache_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(tmp_path))
    path = P._lexicon_cache_file()
    assert path is not None and path.parent == tmp_path
    built = P._Lexicon.build()
    built.store(path)
    loaded = P._Lexicon.load(path)
    assert loaded is not None
    assert (loaded.keys, loaded.counts) == (built.keys, built.counts)
    assert (loaded.lefts, loaded.rights) == (built.lefts, built.rights)
    assert dict(zip(*_pairs(loaded), strict=True)) == lexicon_bigrams()
    path.write_text("{not json", encoding="utf-8")  # a damaged cache is rebuilt, not trusted
    assert P._Lexicon.load(path) is None
    path.write_text('{"magic": "other"}', encoding="utf-8")
    assert P._Lexicon.load(path) is None
    monkeypatch.setenv("ZHNORM_CACHE_DIR", "")
    assert P._lexicon_cache_file() is None


def _pairs(lex: P._Lexicon) -> tuple[list[str], list[int]]:
    return [lex.keys[i : i + 2] for i in range(0, len(lex.keys), 2)], lex.counts
