"""Reuse across a corpus (candidates from rare shingles, story clusters, outlets) and
the ``paragraphs`` / ``reuse`` / ``align`` / ``summary --reuse`` commands."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from click.testing import CliRunner

import zhnorm
from zhnorm import KeyConfig, ReuseResult, reuse
from zhnorm.cli import main
from zhnorm.textreuse import AlignOptions, ReuseOptions, doc_key
from zhnorm.textreuse.corpus import reuse_keys

from .conftest import SEEDS

SEED000 = next(SEEDS.glob("000_*.txt")).read_text("utf-8")
SEED001 = next(SEEDS.glob("001_*.txt")).read_text("utf-8")
PASSAGE_KEYS = [
    "a_id",
    "b_id",
    "a_start",
    "a_end",
    "b_start",
    "b_end",
    "score",
    "a_text",
    "b_text",
    "story",
]
ALIGN_KEYS = PASSAGE_KEYS[:]  # one pair: no corpus evidence, outlets or dates
PASSAGE_KEYS += [
    "significance",
    "cluster",
    "a_source",
    "b_source",
    "a_date",
    "b_date",
    "direction",
]
SHARED = "康源电路项目由东莞康源电子有限公司投资建设，项目计划总投资50亿元，规划用地197亩。"


def _leak(text: str) -> str:
    """Traditional, with the readings a content farm's rewriter leaks."""
    readings = {"項": "xiàng", "資": "zī", "劃": "huà", "東": "dōng", "電": "diàn", "規": "guī"}
    traditional = zhnorm.convert(text, "s2t")
    return "".join(c + (f"({readings[c]})" if c in readings else "") for c in traditional)


@pytest.fixture(scope="module")
def planted(simplified_corpus: list[str]) -> dict[str, str]:
    docs = {f"n{i}": text[:400] for i, text in enumerate(simplified_corpus[:300])}
    docs["n3"] = docs["n3"][:100] + SHARED + docs["n3"][100:]
    docs["n7"] = docs["n7"][:50] + _leak(SHARED) + docs["n7"][50:]
    docs["n9"] = zhnorm.convert(SHARED, "s2tw") + docs["n9"]
    return docs


def test_planted_passages_across_scripts_and_one_story(planted: dict[str, str]) -> None:
    result = reuse(planted)
    pairs = {(p.a_id, p.b_id) for p in result.passages if "康源电路" in p.a_key}
    assert pairs == {("n3", "n7"), ("n3", "n9"), ("n7", "n9")}
    for p in result.passages:
        assert planted[p.a_id][p.a_start : p.a_end] == p.a_text
        assert planted[p.b_id][p.b_start : p.b_end] == p.b_text
    story = next(s for s in result.stories if "n3" in s.docs)
    assert set(story.docs) >= {"n3", "n7", "n9"}
    assert {p.story for p in result.passages if p.a_id == "n3"} == {story.id}
    leaked = next(p for p in result.passages if p.b_id == "n7" and p.a_id == "n3")
    assert "項(xiàng)目" in leaked.b_text and leaked.score > 0.9


def test_candidates_come_from_rare_shingles_not_all_pairs(planted: dict[str, str]) -> None:
    result = reuse(planted)
    all_pairs = len(planted) * (len(planted) - 1) // 2
    assert result.documents == 300
    assert 3 <= result.candidates < all_pairs / 100, result.candidates


def test_sources_limit_passages_to_different_outlets(planted: dict[str, str]) -> None:
    sources = {doc_id: "site-a" for doc_id in planted}
    sources["n9"] = "site-b"
    result = reuse(planted, sources=sources, cross_source=True)
    assert {(p.a_id, p.b_id) for p in result.passages if "康源电路" in p.a_key} == {
        ("n3", "n9"),
        ("n7", "n9"),
    }
    ordered = reuse(list(planted.values()), sources=list(sources.values()), cross_source=True)
    assert len(ordered.passages) == len(result.passages)


def test_stories_do_not_chain_through_a_roundup() -> None:
    """``b`` reprints both ``a`` (one event) and ``c`` (another): with connected
    components ``a`` and ``c`` would be one story through ``b``; a story's member must
    be supported by the story, so they are not."""
    one = "甲公司宣布在南通投资建设新工厂，计划总投资三十亿元，预计明年投产。"
    two = "乙地区今年粮食产量创历史新高，全年总产量达到四百万吨以上。"
    docs = {
        "a": one,
        "b": "据报道，" + one + "另外，" + two,
        "c": two + "这是第三篇。",
        "d": "完全无关的一篇文章，讲述的是天气变化和出行建议。",
    }
    result = reuse(docs)
    assert len(result.passages) == 2 and len(result.clusters) == 2
    assert not any({"a", "c"} <= set(s.docs) for s in result.stories)
    assert not any("d" in s.docs for s in result.stories)
    for p in result.passages:
        assert p.story is None or any({p.a_id, p.b_id} <= set(s.docs) for s in result.stories)
    assert pickle.loads(pickle.dumps(result)) == result
    assert isinstance(result, ReuseResult)


def test_bad_inputs_and_one_string() -> None:
    big = (SEED000.replace("\n", "") * 30)[:150_000]
    docs = {
        "empty": "",
        "no-han": "!!! 123 ??? abc",
        "same1": SEED000,
        "same2": SEED000,
        "big": big,
    }
    result = reuse(docs, config=KeyConfig(fix=None))
    same = [p for p in result.passages if (p.a_id, p.b_id) == ("same1", "same2")]
    assert same and max(p.score for p in same) == 1.0
    assert reuse(SEED000).passages == ()
    with pytest.raises(ValueError, match="unique"):
        reuse([("x", "甲"), ("x", "乙")])


def test_worker_processes_give_the_same_result(
    planted: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from zhnorm.textreuse import corpus

    monkeypatch.setattr(corpus, "ALIGN_CHUNK", 1)  # every candidate pair its own task
    one, two = reuse(planted), reuse(planted, workers=2)
    assert one.candidates >= 3 and len(one.passages) >= 2
    assert two.passages == one.passages and two.stories == one.stories
    assert two.clusters == one.clusters


def test_reuse_options_hold_the_alignment_and_search_defaults(planted: dict[str, str]) -> None:
    small = {k: planted[k] for k in ("n1", "n3", "n7", "n9", "n12")}
    assert issubclass(ReuseOptions, AlignOptions)
    assert ReuseOptions().min_len == AlignOptions().min_len
    assert reuse(small, ReuseOptions()).passages == reuse(small).passages
    strict = reuse(small, min_len=30, max_df=3)
    assert reuse(small, ReuseOptions(min_len=30), max_df=3).passages == strict.passages
    # The older split form: alignment options, and the search's in ``corpus``.
    keys = [doc_key(text) for text in small.values()]
    split = reuse_keys(
        list(small), keys, options=AlignOptions(min_len=30), corpus=ReuseOptions(max_df=3)
    )
    assert split.passages == strict.passages


# --- command line ----------------------------------------------------------------------


def _jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_reuse_command_writes_passages_rejects_and_html(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    records = [
        {"url": "u1", "site": "a", "body": "本报讯 " + SHARED + "其他新闻内容。"},
        {"url": "u2", "site": "b", "body": "轉載：" + _leak(SHARED)},
        {"url": "u3", "site": "a", "body": SHARED},
        {"site": "c", "body": "没有编号的记录"},
    ]
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    out, html = tmp_path / "passages.jsonl", tmp_path / "report.html"
    args = ["reuse", str(corpus), "--id-field", "url", "--text-field", "body", "-o", str(out)]
    failed = CliRunner().invoke(main, args)
    assert failed.exit_code != 0 and "corpus.jsonl:4" in failed.output and not out.exists()
    result = CliRunner().invoke(
        main, [*args, "--source-field", "site", "--skip-bad", "--html", str(html)]
    )
    assert result.exit_code == 0, result.output
    assert "4 records in, 3 out, 1 rejected" in result.output
    rows = _jsonl(out)
    assert {(r["a_id"], r["b_id"]) for r in rows} == {("u1", "u2"), ("u2", "u3")}
    bodies = {r["url"]: r["body"] for r in records if "url" in r}
    for row in rows:
        assert list(row) == PASSAGE_KEYS
        assert bodies[str(row["a_id"])][int(row["a_start"]) : int(row["a_end"])] == row["a_text"]  # type: ignore[call-overload]
        assert bodies[str(row["b_id"])][int(row["b_start"]) : int(row["b_end"])] == row["b_text"]  # type: ignore[call-overload]
        assert row["story"] == 0
    rejected = _jsonl(tmp_path / "passages.jsonl.rejects.jsonl")
    assert rejected[0]["line"] == 4 and "url" in str(rejected[0]["reason"])
    assert html.read_text("utf-8").startswith("<!DOCTYPE html>")


def test_paragraphs_command_reports_and_drops_repeats(tmp_path: Path) -> None:
    corpus = tmp_path / "pages.jsonl"
    records = [
        {"id": "p1", "text": SEED000},
        {"id": "p2", "text": "独立的一段新闻。\n\n徐浩翔 摄"},
        {"id": "p3", "text": "徐浩翔 摄"},
    ]
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    report, clean = tmp_path / "report.jsonl", tmp_path / "clean.jsonl"
    result = CliRunner().invoke(
        main,
        ["paragraphs", str(corpus), "-o", str(report), "--drop-repeats", "-O", str(clean)],
    )
    assert result.exit_code == 0, result.output
    assert "3 records in, 3 out, 0 rejected" in result.output
    lines = _jsonl(report)
    repeats = [line for line in lines if line["type"] == "repeat"]
    texts = {str(line["text"])[:20] for line in repeats}
    assert "区委副书记、政法委书记徐林锋宣读2022" in texts and "徐浩翔 摄" in texts
    assert any(line["type"] == "furniture" and line["text"] == "详见A2版" for line in lines)
    kept = [line for line in lines if line["type"] == "kept-whole"]
    assert [line["id"] for line in kept] == ["p3"]  # never emptied silently
    cleaned = {str(r["id"]): str(r["text"]) for r in _jsonl(clean)}
    assert cleaned["p1"].count("徐林锋宣读2022年度表彰决定") == 1
    assert cleaned["p1"].count("徐浩翔 摄") == 1
    assert cleaned["p2"] == "独立的一段新闻。"  # with the break before the dropped line
    assert cleaned["p3"] == "徐浩翔 摄"
    usage = CliRunner().invoke(main, ["paragraphs", str(corpus), "--drop-repeats"])
    assert usage.exit_code == 2 and "-O" in usage.output


def test_align_command_text_json_and_html(tmp_path: Path) -> None:
    a, b = next(SEEDS.glob("000_*.txt")), next(SEEDS.glob("001_*.txt"))
    html = tmp_path / "align.html"
    result = CliRunner().invoke(main, ["align", str(a), str(b), "--json", "--html", str(html)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and all(list(row) == ALIGN_KEYS for row in rows)
    assert all(SEED001[row["b_start"] : row["b_end"]] == row["b_text"] for row in rows)
    assert html.exists()
    text = CliRunner().invoke(main, ["align", str(a), str(b), "--min-len", "20"])
    assert text.exit_code == 0 and "#0  score" in text.output
    assert "年产封装基板86万平方米" in text.output


def test_summary_reuse_writes_the_report(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["summary", str(SEEDS), "-o", str(tmp_path), "--reuse"])
    assert result.exit_code == 0, result.output
    assert "repeated paragraphs: 1 groups" in result.output
    assert "区委副书记、政法委书记徐林锋宣读2022年度表彰决定" in result.output
    assert "shared passages:" in result.output and "report.html" in result.output
    assert (tmp_path / "report.html").stat().st_size > 10_000
    passages = _jsonl(tmp_path / "passages.jsonl")
    assert any("集成电路封装基板" in str(p["a_text"]) for p in passages)
    assert len(_jsonl(tmp_path / "repeats.jsonl")) == 1


def test_stories_read_the_keys_from_a_file_and_clusters_only_quoted_texts(
    planted: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stories phase holds no list of keys (a :class:`SpilledTexts` it reads) and the
    passage clusters get the raw texts of the documents with a passage only; the
    result is the one of the lists (the keys read back are the furniture-free keys)."""
    from zhnorm.stories import detect
    from zhnorm.textreuse import corpus
    from zhnorm.textreuse.corpus import without_furniture
    from zhnorm.textreuse.spill import SpilledTexts

    seen: dict[str, object] = {}
    weights, clusters = detect.story_weights, corpus.passage_clusters

    def spy_weights(keys, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen["keys"] = (type(keys), list(keys))
        return weights(list(keys), *args, **kwargs)

    def spy_clusters(passages, texts, *args):  # type: ignore[no-untyped-def]
        seen["quoted"] = set(texts)
        return clusters(passages, texts, *args)

    expected = reuse(planted)
    monkeypatch.setattr(detect, "story_weights", spy_weights)
    monkeypatch.setattr(corpus, "passage_clusters", spy_clusters)
    result = reuse(planted)
    assert result.passages == expected.passages and result.stories == expected.stories
    kind, read = seen["keys"]  # type: ignore[misc]
    assert kind is SpilledTexts
    keys = [doc_key(text) for text in planted.values()]
    assert read == [without_furniture(k.key, result.furniture, d) for d, k in enumerate(keys)]
    assert seen["quoted"] == {p.a_id for p in result.passages} | {p.b_id for p in result.passages}
    assert len(seen["quoted"]) < len(planted)  # type: ignore[arg-type]
