"""Furniture per source and set phrases across outlets, on the matching key: share lines
glued by spaces, datelines and app promotions glued with no separator, near repeats."""

from __future__ import annotations

import itertools
import json
import pickle
import random
from collections.abc import Iterable, Iterator
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhnorm.textreuse.document import DocKey, doc_key
from zhnorm.textreuse.furniture import (
    Furniture,
    FurnitureOptions,
    FurnitureResult,
    SpanTable,
    _affix_chains,
    affix_order,
    find_furniture,
    furniture_of,
    merge_spans,
)

from .conftest import SEEDS, SHARED_DATA, needs_shared_data

POOL = (
    "的一是在不了有和人這中大為上個國我以要他時來用們生到作地於出就分對成會可主發年動"
    "同工也能下過子說產種面而方後多定行學法所民得經十三之進著等部度家電力裡如水化高自"
    "二理起小物現實加量都兩體制機當使點從業本去把性好應開它合還因由其些然前外天政四日"
    "那社義事平形相全表間樣與關各重新線內數正心反你明看原又麼利比或但質氣第向道命此變"
    "條只沒結解問意建月公無系軍很情者最立代想已通並提直題黨程展五果料象員革位入常文總"
    "次品式活設及管特件長求老頭基資邊流路級少圖山統接知較將組見計別她手角期根論運農指"
    "幾九區強放決西被幹做必戰先回則任取據處府研質"
)
REPORTERS = ["王小明", "李大華", "陳美玲", "張志強", "林雅婷", "黃建國"]


def sentence(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(POOL) for _ in range(n)) + "。"


def article(rng: random.Random, sentences: int = 6) -> str:
    return "".join(sentence(rng, rng.randint(12, 30)) for _ in range(sentences))


def outlet_a(rng: random.Random, i: int) -> str:
    """Datelines glued in front, a share line glued by spaces after a photo credit."""
    reporter = REPORTERS[i % len(REPORTERS)]
    return (
        f"（中央社記者{reporter}台北{i % 28 + 1}日電）{article(rng)} "
        f"圖／本報資料照片   分享       facebook"
    )


def outlet_b(rng: random.Random, i: int) -> str:
    """An app promotion glued at the end with no separator; sometimes the other script
    or one character changed."""
    tails = [
        "更多新聞請下載華視新聞APP，掌握第一手消息",
        "更多新闻请下载华视新闻APP，掌握第一手消息",
        "更多新聞請下載華視新聞App，掌握第一時消息",
    ]
    tail = tails[i % 3]
    return article(rng)[:-1] + tail


def corpus(n: int = 40, seed: int = 3) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, sources = [], []
    for i in range(n):
        texts.append(outlet_a(rng, i))
        sources.append("A")
        texts.append(outlet_b(rng, i))
        sources.append("B")
    return texts, sources


def test_share_lines_datelines_and_app_promotions_per_source() -> None:
    texts, sources = corpus()
    result = find_furniture(texts, sources)
    by_key = {(f.source, f.key): f for f in result.items}
    assert by_key["A", "分享"].documents == 40 and by_key["A", "facebook"].documents == 40
    assert by_key["A", "图本报资料照片"].share == 1.0
    dateline = by_key["A", "中央社记者"]
    assert dateline.kind == "prefix" and dateline.documents == 40
    promo = next(f for f in result.items if f.source == "B")
    assert promo.kind == "suffix" and promo.documents == 40  # both scripts, one edit
    assert "下载华视新闻app" in promo.key or "下载华视新闻app" in promo.key
    for f in result.items:
        for d, start, end in f.occurrences:
            assert sources[d] == f.source
            assert texts[d][start:end].strip() == texts[d][start:end]
    assert furniture_of(texts[0], result, 0)[-1] == "圖／本報資料照片   分享       facebook"
    # no article body is furniture: each document keeps its sentences
    for d in range(len(texts)):
        masked = sum(e - s for s, e in result.raw_spans(d))
        assert masked < 60 and result.key_spans(d) == merge_spans(result.key_spans(d))


def test_bylines_and_credits_with_names_are_templates() -> None:
    rng = random.Random(8)
    names = ["王小明", "李大華", "陳美玲", "張志強", "林雅婷", "黃建國", "吳佩珊", "鄭文傑"]
    texts = [
        f"【記者{names[i % 8]}／台北報導】{article(rng)}"
        f"▲{sentence(rng, 14)}記者{names[i % 5]}／攝影"
        for i in range(24)
    ]
    items = {f.key: f for f in find_furniture(texts).items}
    assert items["记者…报导"].kind == "template" and items["记者…报导"].documents == 24
    assert items["记者…摄影"].documents == 24
    for d, start, end in items["记者…报导"].occurrences:
        assert texts[d][start:end].startswith("【記者") and texts[d][start:end].endswith("報導】")
    # one name alone, five times, is a segment of its own
    same_credit = [t for t in texts if t.endswith("記者王小明／攝影")]
    kinds = {f.key: f.kind for f in find_furniture(same_credit).items}
    assert kinds == {"记者…报导": "template", "记者王小明摄影": "segment"}


def test_near_repeat_of_a_whole_segment() -> None:
    rng = random.Random(5)
    line = "本報記者特稿版權所有轉載請註明出處"
    texts = []
    for i in range(8):
        variant = line if i % 4 else line.replace("記者", "记者").replace("版權", "版权")
        if i == 3:
            variant = line.replace("註明", "標明")  # one character different
        texts.append(article(rng) + "\n" + variant)
    [item] = [f for f in find_furniture(texts).items if f.kind == "segment"]
    assert item.documents == 8 and {d for d, _, _ in item.occurrences} == set(range(8))
    # exact only: the changed line is furniture as far as it agrees (a shared prefix)
    [exact] = find_furniture(texts, threshold=1.0).items
    spans = {d: (s, e) for d, s, e in exact.occurrences}
    assert texts[3][slice(*spans[3])] == "本報記者特稿版權所有轉載請"
    assert all(texts[d][slice(*spans[d])].endswith("出處") for d in spans if d != 3)


def test_set_phrase_across_outlets_and_not_one_outlet_alone() -> None:
    rng = random.Random(11)
    phrase = "自殺不能解決問題，生命一定可以找到出路"
    texts, sources = [], []
    for i in range(30):
        source = "ABC"[i % 3]
        body = article(rng)
        texts.append(body + ("\n" + phrase if i % 3 and i % 5 < 3 else ""))
        sources.append(source)
    result = find_furniture(texts, sources, min_docs=5, min_share=0.0)
    shared = [f for f in result.items if f.key == "自杀不能解决问题生命一定可以找到出路"]
    assert [f.source for f in shared] == [None]
    assert shared[0].documents == sum(phrase in t for t in texts)
    # one outlet only: it is that outlet's furniture, no set phrase
    only_b = [i for i, s in enumerate(sources) if s == "B"]
    result = find_furniture([texts[i] for i in only_b], ["B"] * len(only_b), min_docs=3)
    assert {f.source for f in result.items} <= {"B"}


def test_article_content_is_not_furniture() -> None:
    """A subject many sentences start with (a person, a party) is content, not furniture,
    even when some articles open with it."""
    rng = random.Random(2)
    texts = [
        ("美國總統川普" if i % 7 == 0 else "")
        + article(rng)
        + "美國總統川普"
        + sentence(rng, 20)
        + article(rng, 2)
        for i in range(60)
    ]
    assert find_furniture(texts).items == []
    assert find_furniture(texts, edge_share=0.1).items[0].key == "美国总统川普"


def test_options_api_pickling_and_to_dict() -> None:
    texts, sources = corpus(12)
    keys = [doc_key(t) for t in texts]
    result = find_furniture(keys, sources, FurnitureOptions(min_docs=4), min_share=0.1)
    assert result.items == find_furniture(texts, sources, min_docs=4, min_share=0.1).items
    restored = pickle.loads(pickle.dumps(result))
    assert isinstance(restored, FurnitureResult) and isinstance(restored.items[0], Furniture)
    assert restored.items == result.items
    ids = [f"doc{i}" for i in range(len(texts))]
    record = result.items[0].to_dict(ids)
    assert set(record) >= {"source", "text", "documents", "share", "occurrences"}
    assert record["occurrences"][0]["id"].startswith("doc")
    json.dumps(record, ensure_ascii=False)
    rows = {row["source"]: row for row in result.summary()}
    assert rows["A"]["documents"] == 12 and 0 < rows["A"]["share"] < 0.2
    assert rows["A"]["items"] == sum(f.source == "A" for f in result.items)
    with pytest.raises(TypeError, match="unknown option"):
        find_furniture(texts, colour=1)
    with pytest.raises(ValueError, match="min_docs"):
        FurnitureOptions(min_docs=1)
    with pytest.raises(ValueError, match="sources"):
        find_furniture(texts, sources[:-1])


def test_result_pickles_whole_and_its_summary_is_plain_json() -> None:
    """The result pickles with its spans and lengths (arrays), and equals itself restored;
    built from lists of spans a document (as the Spark engine builds one), it is the
    same result."""
    texts, sources = corpus(12)
    result = find_furniture(texts, sources, min_docs=4, min_share=0.1)
    assert any(result.key_spans(d) for d in range(len(texts)))
    restored = pickle.loads(pickle.dumps(result))
    assert restored == result and restored.summary() == result.summary()
    n = len(texts)
    from_lists = FurnitureResult(
        result.items,
        result.sources,
        [result.key_spans(d) for d in range(n)],
        [len(t) for t in texts],
        [result.raw_spans(d) for d in range(n)],
    )
    assert from_lists == result
    json.dumps(result.summary())  # plain ints, not numpy's
    other = FurnitureResult(result.items, result.sources, [[]] * n, [0] * n, [[]] * n)
    assert other != result and other.key_spans(0) == [] and other.summary()[0]["furniture"] == 0


spans_per_doc = st.lists(
    st.lists(st.tuples(st.integers(0, 10**12), st.integers(0, 50)), max_size=4).map(
        lambda spans: [(a, a + w) for a, w in spans]
    ),
    max_size=9,
)


@settings(max_examples=200, deadline=None)
@given(spans_per_doc, st.integers(0, 9), st.data())
def test_span_table_holds_each_documents_spans(
    spans: list[list[tuple[int, int]]], cut: int, data: st.DataObject
) -> None:
    """A SpanTable gives back each document's spans as a list of tuples; joined tables
    are the table of the joined lists; counts and widths are those of the lists."""
    table = SpanTable.of(spans)
    assert len(table) == len(spans) and list(table) == spans
    assert all(table[d] == spans[d] for d in range(len(spans)))
    cut = min(cut, len(spans))
    assert SpanTable.joined([SpanTable.of(spans[:cut]), SpanTable.of(spans[cut:])]) == table
    assert pickle.loads(pickle.dumps(table)) == table
    docs = sorted(data.draw(st.sets(st.integers(0, max(0, len(spans) - 1)))) if spans else [])
    assert table.count(docs) == sum(len(spans[d]) for d in docs)
    assert table.widths().tolist() == [sum(b - a for a, b in doc) for doc in spans]
    if any(spans):
        changed = [list(doc) for doc in spans]
        d = next(d for d, doc in enumerate(changed) if doc)
        changed[d][0] = (changed[d][0][0], changed[d][0][1] + 1)
        assert SpanTable.of(changed) != table
    assert SpanTable.of([[] for _ in spans]) == SpanTable.of([[]] * len(spans))


def test_documents_without_a_source_only_join_set_phrases() -> None:
    texts, sources = corpus(10)
    unknown: list[str | None] = [None if s == "B" else s for s in sources]
    result = find_furniture(texts, unknown)
    assert {f.source for f in result.items} == {"A"}
    assert all(unknown[d] == "A" for f in result.items for d, _, _ in f.occurrences)
    rows = {row["source"]: row for row in result.summary()}
    assert rows[None]["documents"] == 10 and rows[None]["furniture"] == 0


@pytest.mark.parametrize("texts", [[], [""], ["", "  \n "], ["甲"] * 10, ["同一篇文章。"] * 6])
def test_degenerate_corpora(texts: list[str]) -> None:
    result = find_furniture(texts)
    assert len(result.sources) == len(texts)
    for d in range(len(texts)):
        assert result.raw_spans(d) == merge_spans(result.raw_spans(d))


def test_seeds_have_no_furniture_alone() -> None:
    texts = [p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    assert find_furniture(texts).items == []


def _dev_articles() -> list[dict[str, str]]:
    path = needs_shared_data(SHARED_DATA / "taiwan-news-2017-dev" / "articles.jsonl")
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_taiwan_dev_furniture_per_outlet() -> None:
    """Read by hand (see docs/reuse-measurements.md): UDN's share line, its photo-credit
    lines and its script URL prefix, TVBS/CTS agency and photo credits; no item is a
    sentence of an article."""
    articles = _dev_articles()
    result = find_furniture([a["text"] for a in articles], [a["site"] for a in articles])
    keys = {(f.source, f.key) for f in result.items}
    assert {("聯合報", "分享"), ("聯合報", "facebook")} <= keys
    assert any(s == "聯合報" and k.startswith("windowlocationhref") for s, k in keys)
    assert any(s == "聯合報" and "资料照" in k for s, k in keys)
    share = next(f for f in result.items if f.key == "facebook")
    assert share.share > 0.8
    for f in result.items:
        # furniture, not a sentence of an article
        assert sum("\u4e00" <= c <= "\u9fff" for c in f.key) <= 20
        assert not f.text.endswith("。")
    rows = {row["source"]: row for row in result.summary()}
    assert set(rows) == {"聯合報", "tvbs", "華視"}
    assert 0.01 < rows["聯合報"]["share"] < 0.15


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(alphabet="abc", min_size=2, max_size=7), st.integers(0, 6)),
        max_size=40,
    ),
    st.integers(1, 4),
    st.sampled_from([0.0, 0.5, 1.0]),
)
def test_affix_chains_grouped_by_head_are_the_whole_search(
    found: list[tuple[str, int]], needed: int, keep: float
) -> None:
    """Affix chains found group by group (the entries sharing their first min_affix
    characters), taken in affix_order, are the chains of one search over all entries:
    the same members, depths and order."""
    options = FurnitureOptions(min_affix=2, max_affix=5, keep=keep)
    entries = [(text, d, at, 10) for at, (text, d) in enumerate(found)]
    whole = _affix_chains(entries, needed, options)
    groups: dict[str, list[int]] = {}
    for m, entry in enumerate(entries):
        groups.setdefault(entry[0][:2], []).append(m)
    heads = list(groups)
    grouped = []
    for g in affix_order(heads, [groups[h][0] for h in heads]):
        members = groups[heads[g]]
        for chain in _affix_chains([entries[m] for m in members], needed, options):
            grouped.append([(members[m], depth) for m, depth in chain])
    assert grouped == whole


def test_furniture_with_a_fresh_segment_pool_every_few_tasks_is_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The segments are cut by pools replaced every SEGMENT_POOL_CHUNKS tasks (a worker
    does not live through the whole corpus); the searches read the keys from a file:
    the same furniture as one process, whatever the pools."""
    from zhnorm.textreuse import furniture

    texts, sources = corpus(n=60, seed=11)
    one = find_furniture(texts, sources)
    assert len(one.items) >= 3
    monkeypatch.setattr(furniture, "SEGMENT_CHUNK", 7)  # 18 tasks
    for chunks in (1, 4, 100):  # 18 pools, 5 (the last one short), 1
        monkeypatch.setattr(furniture, "SEGMENT_POOL_CHUNKS", chunks)
        many = find_furniture(texts, sources, workers=2)
        assert many.items == one.items
        assert many.spans == one.spans and many.raw_furniture == one.raw_furniture


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from("abcde"), max_size=5), max_size=12),
    st.integers(1, 4),
    st.booleans(),
    st.sampled_from([(1, 1, 1), (2, 2, 1), (3, 4, 4), (2048, 1 << 19, 4)]),
)
def test_frequent_items_are_those_in_enough_documents_read_twice_only_there(
    keys_per_doc: list[list[str]], needed: int, every: bool, sizes: tuple[int, int, int]
) -> None:
    """_frequent keeps, in order, the items whose key is in ``needed`` documents (no
    hash of these one-letter keys collides), whatever its blocks, spill partitions and
    groups (``sizes``; the last the defaults); it reads the documents once a block at a
    time, and a second time only those in a group of FREQUENT_GROUP with such an item
    (with groups of one, exactly the documents that have one)."""
    from zhnorm.textreuse import furniture
    from zhnorm.textreuse.furniture import _first, _frequent

    block, entries, group = sizes
    docs = list(range(len(keys_per_doc))) if every else list(range(0, len(keys_per_doc), 2))
    reads: list[list[int]] = []

    def items(wanted: Iterable[int]) -> Iterator[tuple[str, int, int]]:
        reads.append([])
        for d in wanted:
            reads[-1].append(d)
            for i, key in enumerate(keys_per_doc[d]):
                yield key, d, i

    total = sum(len(keys_per_doc[d]) for d in docs)
    with mock.patch.multiple(
        furniture, FREQUENT_BLOCK=block, FREQUENT_ENTRIES=entries, FREQUENT_GROUP=group
    ):
        found = list(_frequent(items, docs, _first, needed, total))
    in_docs = {k: len({d for d in docs if k in keys_per_doc[d]}) for k in "abcde"}
    expected = [
        (k, d, i) for d in docs for i, k in enumerate(keys_per_doc[d]) if in_docs[k] >= needed
    ]
    assert found == expected
    first = -(-len(docs) // block)
    assert reads[:first] == [docs[k : k + block] for k in range(0, len(docs), block)]
    having = {d // group for _, d, _ in expected}
    assert reads[first:] == ([[d for d in docs if d // group in having]] if expected else [])


def test_frequent_keys_spilled_in_many_partitions_give_the_same_furniture(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The frequent-key passes hash a few documents at a time into a spill of many
    partitions (FREQUENT_BLOCK, FREQUENT_ENTRIES) and read back groups of documents
    (FREQUENT_GROUP): the same furniture as with the defaults (one block, in memory)."""
    from zhnorm.textreuse import furniture

    texts, sources = corpus(n=60, seed=11)
    one = find_furniture(texts, sources)
    assert len(one.items) >= 3
    monkeypatch.setattr(furniture, "FREQUENT_BLOCK", 7)
    monkeypatch.setattr(furniture, "FREQUENT_ENTRIES", 16)  # partitions_for: 32 to 64
    for group in (1, 3, 1000):
        monkeypatch.setattr(furniture, "FREQUENT_GROUP", group)
        for workers in (1, 2):
            many = find_furniture(texts, sources, workers=workers)
            assert many == one


def test_result_reads_raw_offsets_in_document_order_letting_maps_go(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The result's raw offsets are read document by document, the key maps' pages let
    go every RESULT_CHUNK documents: with chunks of 5, every 5 documents with furniture,
    and the same result."""
    from zhnorm.textreuse import furniture

    texts, sources = corpus(n=60, seed=11)
    one = find_furniture(texts, sources)
    read: list[int] = []
    released: list[int] = []
    monkeypatch.setattr(furniture, "RESULT_CHUNK", 5)
    monkeypatch.setattr(furniture, "release_mapped_pages", lambda: released.append(len(read)))
    real = furniture.raw_occurrence

    def recorded(doc: DocKey, start: int, end: int) -> tuple[int, int]:
        read.append(number[id(doc)])
        return real(doc, start, end)

    monkeypatch.setattr(furniture, "raw_occurrence", recorded)
    keys = [doc_key(t) for t in texts]
    number = {id(k): d for d, k in enumerate(keys)}
    many = find_furniture(keys, sources)
    assert many == one
    assert len({d // 5 for d in read}) >= 4
    # between two releases: documents of one chunk, in order
    bounds = [0, *released, len(read)]
    for lo, hi in itertools.pairwise(bounds):
        docs = read[lo:hi]
        assert docs == sorted(docs) and len({d // 5 for d in docs}) <= 1
