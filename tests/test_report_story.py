"""The story report (``render_story_report``) in headless Chromium: what the page shows
against the data it was given - story list, members, clusters, highlighted spans,
the outlet table and the who-copied-whom matrix, pages, search and filters, distinct
colours, missing metadata - on synthetic runs built here, the seeds through
``zhnorm.reuse`` and the Taiwan news development set."""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from zhnorm.textreuse import reuse
from zhnorm.textreuse.passages import passage_row
from zhnorm.textreuse.report import NO_SOURCE, render_story_report

from .chromium import Browser
from .conftest import SEEDS, SHARED_DATA
from .test_report_html import MARKS, pixels_of, rgb_of

OUTLETS = ["聯合報", "TVBS", "華視", None]
FURNITURE = {"聯合報": "分享 facebook\n", "TVBS": "TVBS新聞網 版權所有\n"}
# Characters of the CJK Unified Ideographs block (Chinese-looking random text).
HAN = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 3000))


def sentence(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(HAN) for _ in range(length)) + "。"


@dataclass
class Run:
    """A synthetic reuse run in the CLI's JSON forms."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    stories: list[dict[str, Any]] = field(default_factory=list)
    clusters: list[dict[str, Any]] = field(default_factory=list)
    passages: list[dict[str, Any]] = field(default_factory=list)
    furniture: list[dict[str, Any]] = field(default_factory=list)

    def doc(self, doc_id: str) -> dict[str, Any]:
        return next(d for d in self.documents if d["id"] == doc_id)

    def render(self, **extra: Any) -> str:
        return render_story_report(
            self.documents,
            stories=self.stories,
            clusters=self.clusters,
            passages=self.passages,
            furniture=self.furniture,
            **extra,
        )


def _passage(run: Run, a: str, b: str, text: str, story: int, cluster: int | None, sig: float):
    da, db = run.doc(a), run.doc(b)
    a0, b0 = da["text"].index(text), db["text"].index(text)
    direction = None
    if da["date"] and db["date"] and da["date"] != db["date"]:
        direction = "a->b" if da["date"] < db["date"] else "b->a"
    run.passages.append(
        {
            "a_id": a, "b_id": b, "a_start": a0, "a_end": a0 + len(text), "b_start": b0,
            "b_end": b0 + len(text), "score": 1.0, "significance": sig, "a_text": text,
            "b_text": text, "story": story, "cluster": cluster, "a_source": da["source"],
            "b_source": db["source"], "a_date": da["date"], "b_date": db["date"],
            "direction": direction,
        }
    )  # fmt: skip


def synthetic_run(stories: int = 20, seed: int = 7) -> Run:
    """``stories`` stories of 3-6 articles from different outlets sharing 1-3 sentences
    each (one passage cluster per sentence, a passage per pair), then one story of two
    articles sharing 25 sentences (25 passages in one pair); outlet furniture at the
    head of each article; one article without source, date or title."""
    rng = random.Random(seed)
    run = Run()
    number = 0
    for s in range(stories):
        size = rng.randint(3, 6)
        shared = [sentence(rng, rng.randint(14, 30)) for _ in range(rng.randint(1, 3))]
        members = []
        for m in range(size):
            outlet = OUTLETS[m % len(OUTLETS)] if not (s == 0 and m == 3) else None
            day = f"2017-11-{20 + (s + m) % 10:02d}T{8 + m:02d}:00:00"
            parts = [sentence(rng, rng.randint(10, 30)) for _ in range(4)] + shared
            rng.shuffle(parts)
            text = FURNITURE.get(outlet or "", "") + "".join(parts)
            doc_id = f"d{number:04d}"
            number += 1
            nameless = s == 0 and m == 3
            run.documents.append(
                {
                    "id": doc_id,
                    "source": outlet,
                    "date": None if nameless else day,
                    "title": None if nameless else f"第{s}則新聞 {sentence(rng, 6)[:-1]}{m}",
                    "text": text,
                }
            )
            members.append(doc_id)
        cluster_ids = []
        for text in shared:
            cluster = len(run.clusters)
            cluster_ids.append(cluster)
            dated = sorted(members, key=lambda d: run.doc(d)["date"] or "9999")
            sig = round(rng.uniform(0.05, 1.0), 2)
            run.clusters.append(
                {
                    "cluster": cluster, "story": s, "significance": sig, "text": text,
                    "likely_source": dated[0],
                    "members": [
                        {"id": d, "start": run.doc(d)["text"].index(text),
                         "end": run.doc(d)["text"].index(text) + len(text),
                         "source": run.doc(d)["source"], "date": run.doc(d)["date"],
                         "follows": None if d == dated[0] else dated[0]}
                        for d in members
                    ],
                }
            )  # fmt: skip
            for a, b in itertools.combinations(members, 2):
                _passage(run, a, b, text, s, cluster, sig)
        dates = sorted(d["date"] for d in run.documents if d["id"] in members and d["date"])
        run.stories.append(
            {
                "story": s, "title": f"第{s}則新聞", "size": len(members),
                "outlets": sorted({run.doc(d)["source"] or NO_SOURCE for d in members}),
                "first_date": dates[0], "last_date": dates[-1],
                "members": [
                    {"id": d, "source": run.doc(d)["source"], "date": run.doc(d)["date"],
                     "title": run.doc(d)["title"], "score": round(1 - 0.1 * i, 2)}
                    for i, d in enumerate(members)
                ],
                "clusters": cluster_ids,
                "passages": sum(p["story"] == s for p in run.passages),
            }
        )  # fmt: skip
    # One pair sharing 25 sentences: 25 passages, 25 colours in one view.
    shared = [sentence(rng, rng.randint(8, 16)) for _ in range(25)]
    for m, outlet in enumerate(("聯合報", "華視")):
        text = FURNITURE.get(outlet, "") + "".join(
            s + sentence(rng, 12) for s in (shared if m == 0 else shared[::-1])
        )
        run.documents.append(
            {"id": f"big{m}", "source": outlet, "date": f"2017-12-0{m + 1}T09:00:00",
             "title": f"長篇轉載{m}", "text": text}
        )  # fmt: skip
    for text in shared:
        _passage(run, "big0", "big1", text, stories, None, 0.9)
    run.stories.append(
        {
            "story": stories, "title": "長篇轉載", "outlets": ["聯合報", "華視"], "size": 2,
            "first_date": "2017-12-01T09:00:00", "last_date": "2017-12-02T09:00:00",
            "members": [{"id": "big0", "score": 1.0}, {"id": "big1", "score": 1.0}],
            "clusters": [], "passages": 25,
        }
    )  # fmt: skip
    for outlet, line in FURNITURE.items():
        occurrences = [
            {"id": d["id"], "start": 0, "end": len(line)}
            for d in run.documents
            if d["source"] == outlet
        ]
        articles = sum(d["source"] == outlet for d in run.documents)
        run.furniture.append(
            {"source": outlet, "text": line.strip(), "documents": len(occurrences),
             "share": len(occurrences) / articles, "occurrences": occurrences}
        )  # fmt: skip
    return run


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    chromium = Browser(tmp_path_factory.mktemp("chromium"), width=1280, height=1000)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def run() -> Run:
    return synthetic_run()


@pytest.fixture(scope="module")
def page(run: Run, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("story") / "report.html"
    path.write_text(run.render(title="synthetic"), "utf-8")
    return path.as_uri()


def cells(browser: Browser, selector: str) -> list[list[str]]:
    """The text of each cell of the rows at ``selector``."""
    rows: list[list[str]] = browser.js(
        f"Array.from(document.querySelectorAll({json.dumps(selector)}))"
        ".map(r => Array.from(r.cells).map(c => c.innerText.trim()))"
    )
    return rows


def every_page(browser: Browser, selector: str, scope: str) -> list[list[str]]:
    """The cells of the rows at ``selector`` on every page of the pager ``scope``."""
    rows = cells(browser, selector)
    next_button = f"[data-pager={scope}] .next"
    while browser.js(f"!!document.querySelector('{next_button}:not([disabled])')"):
        browser.click(next_button)
        rows += cells(browser, selector)
    return rows


def page_info(browser: Browser) -> str:
    info: str = browser.js("document.querySelector('.pageinfo').textContent")
    return info


def pair_keys(run: Run) -> set[tuple[str, str]]:
    return {tuple(sorted((p["a_id"], p["b_id"]))) for p in run.passages}  # type: ignore[misc]


def shown_pairs(browser: Browser) -> list[tuple[str, str]]:
    rows: list[list[str]] = browser.js(
        "Array.from(document.querySelectorAll('tr.pair-row')).map(r => "
        "Array.from(r.querySelectorAll('a.go')).slice(0, 2).map(a => a.textContent))"
    )
    return [(a, b) for a, b in rows]


def label(run: Run, doc_id: str) -> str:
    return str(run.doc(doc_id)["title"] or doc_id)


def test_story_list_and_members(run: Run, page: str, browser: Browser) -> None:
    browser.open(page)
    assert browser.js("document.body.dataset.view") == "stories"
    rows = cells(browser, "tr.story-row")
    assert len(rows) == len(run.stories)
    for row, story in zip(rows, run.stories, strict=True):
        assert row[0] == str(story["story"]) and row[1] == story["title"]
        assert row[4] == str(story["size"])
        for outlet in story["outlets"]:
            assert outlet in row[2]
    story = run.stories[0]
    browser.click("tr.story-row[data-story='0'] a.go")
    assert browser.js("document.body.dataset.view") == "story"
    members = cells(browser, "tr.member-row")
    assert len(members) == len(story["members"])
    for row, member in zip(members, story["members"], strict=True):
        doc = run.doc(member["id"])
        assert row[0] == (doc["source"] or NO_SOURCE)
        assert row[1] == (doc["date"] or "").replace("T", " ")[:16]
        assert row[2].startswith(label(run, doc["id"]))  # no title: the id is shown
        assert row[3] == f"{member['score']:.3f}"
    clusters = cells(browser, "table.clusters tr.cluster-row")
    assert [int(c[0]) for c in clusters] == story["clusters"]
    in_story = {k for k in pair_keys(run) if set(k) <= _members(story)}
    assert len(shown_pairs(browser)) == len(in_story)
    # a cluster shows its members, the likely source and whom each follows
    browser.click("table.clusters tr.cluster-row a.go")
    cluster = run.clusters[story["clusters"][0]]
    rows = cells(browser, "tr.cluster-member")
    assert len(rows) == len(cluster["members"])
    for row, member in zip(rows, cluster["members"], strict=True):
        assert row[3] == f"{member['start']}–{member['end']}"
        follows = member["follows"]
        assert row[4] == (label(run, follows) if follows else "likely source")


def _members(story: dict[str, Any]) -> set[str]:
    return {m["id"] for m in story["members"]}


def test_pair_view_highlights_equal_the_passage_slices(
    run: Run, page: str, browser: Browser
) -> None:
    browser.open(page + "#pair/" + _pair_route(run, "big0", "big1"))
    assert browser.js("document.body.dataset.view") == "pair"
    marks = browser.js(MARKS)
    numbers = [n for n, p in enumerate(run.passages) if {p["a_id"], p["b_id"]} == {"big0", "big1"}]
    assert len(numbers) == 25
    colours = {}
    for n in numbers:
        passage = run.passages[n]
        for side in ("a", "b"):
            mine = [m for m in marks if m["side"] == side and n in m["passages"]]
            text = run.doc(passage[f"{side}_id"])["text"]
            start, end = passage[f"{side}_start"], passage[f"{side}_end"]
            assert (mine[0]["start"], mine[-1]["end"]) == (start, end)
            assert "".join(m["text"] for m in mine) == text[start:end]
        own = {m["colour"] for m in marks if m["passage"] == n}
        assert len(own) == 1
        colours[n] = own.pop()
    assert len(set(colours.values())) == 25, "colours repeat within the view"
    # furniture greyed on both sides, not marked as a passage
    grey = browser.js(
        "Array.from(document.querySelectorAll('.text span.furniture')).map(s => s.textContent)"
    )
    assert grey == [FURNITURE["聯合報"]]  # 華視 has no furniture


def _pair_route(run: Run, a: str, b: str) -> str:
    index = {d["id"]: i for i, d in enumerate(run.documents)}
    x, y = sorted((index[a], index[b]))
    return f"{x}-{y}"


def test_every_pair_is_reachable_by_pages(run: Run, page: str, browser: Browser) -> None:
    browser.open(page + "#pairs")
    total = len(pair_keys(run))
    assert total > 100
    pages = -(-total // 50)
    assert page_info(browser) == f"page 1 of {pages} ({total} rows)"
    seen = list(shown_pairs(browser))
    while not browser.js("document.querySelector('.pager .next').disabled"):
        browser.click(".pager .next")
        seen += shown_pairs(browser)
    assert page_info(browser) == f"page {pages} of {pages} ({total} rows)"
    labels = {tuple(sorted((label(run, a), label(run, b)))) for a, b in pair_keys(run)}
    assert len(seen) == total and {tuple(sorted(p)) for p in seen} == labels
    browser.click(".pager .first")
    browser.click(".pager .last")
    assert page_info(browser).startswith(f"page {pages} of")
    assert len(shown_pairs(browser)) == total - 50 * (pages - 1)


def test_outlet_table_and_copy_matrix_equal_the_data(run: Run, page: str, browser: Browser) -> None:
    browser.open(page + "#outlets")
    source = {d["id"]: d["source"] or NO_SOURCE for d in run.documents}
    rows = {r[0]: r for r in cells(browser, "#outlets tbody tr")}
    articles = Counter(source.values())
    assert {k: int(r[1]) for k, r in rows.items()} == dict(articles)
    touching = Counter(o for p in run.passages for o in {source[p["a_id"]], source[p["b_id"]]})
    assert {k: int(r[3]) for k, r in rows.items()} == {o: touching[o] for o in articles}
    expected: Counter[tuple[str, str]] = Counter()
    for p in run.passages:
        a, b = source[p["a_id"]], source[p["b_id"]]
        if p["direction"] == "a->b":
            expected[a, b] += 1
        elif p["direction"] == "b->a":
            expected[b, a] += 1
    shown = browser.js(
        "Array.from(document.querySelectorAll('#matrix td')).map(c => "
        "[c.dataset.from, c.dataset.to, Number(c.textContent)])"
    )
    assert len(shown) == len(articles) ** 2
    assert {(f, t): n for f, t, n in shown if n} == dict(expected)
    assert sum(expected.values()) > 0
    undirected = sum(p["direction"] is None for p in run.passages)
    text = browser.js("document.querySelector('main').innerText")
    assert f"(no dates, or the same date): {undirected}." in text


def test_search_and_filters_narrow_the_lists(run: Run, page: str, browser: Browser) -> None:
    browser.open(page + "#stories")
    browser.type_into("#q", "第3則")
    assert [r[0] for r in cells(browser, "tr.story-row")] == ["3"]
    # an id finds its article; text finds the articles holding it
    browser.click("nav.tabs button[data-tab=articles]")
    browser.type_into("#q", "d0005")
    assert [r[2] for r in cells(browser, "tr.article-row")] == [label(run, "d0005") + " d0005"]
    fragment = run.clusters[4]["text"][:8]
    browser.type_into("#q", fragment)
    holding = [d for d in run.documents if fragment in d["text"]]
    assert len(cells(browser, "tr.article-row")) == len(holding) >= 3
    browser.click("#clear")
    # outlet: pairs with at least one side from it
    browser.click("nav.tabs button[data-tab=pairs]")
    browser.js(
        "(s => { s.value = 'TVBS'; s.dispatchEvent(new Event('input')); })"
        "(document.getElementById('outlet'))"
    )
    source = {d["id"]: d["source"] for d in run.documents}
    tvbs = {k for k in pair_keys(run) if "TVBS" in (source[k[0]], source[k[1]])}
    assert page_info(browser).endswith(f"({len(tvbs)} rows)")
    # minimum significance: pairs whose strongest passage reaches it
    browser.js(
        "(m => { m.value = '0.6'; m.dispatchEvent(new Event('input')); })"
        "(document.getElementById('minsig'))"
    )
    best: dict[tuple[str, str], float] = {}
    for p in run.passages:
        key = tuple(sorted((p["a_id"], p["b_id"])))
        best[key] = max(best.get(key, 0.0), p["significance"])  # type: ignore[index]
    strong = {k for k in tvbs if best[k] >= 0.6}
    assert 0 < len(strong) < len(tvbs)
    assert page_info(browser).endswith(f"({len(strong)} rows)")
    browser.click("#clear")
    # date range: articles dated inside it; undated articles are left out
    browser.click("nav.tabs button[data-tab=articles]")
    browser.js(
        "for (const [id, v] of [['from', '2017-11-22'], ['to', '2017-11-24']]) {"
        " const e = document.getElementById(id); e.value = v;"
        " e.dispatchEvent(new Event('input')); }"
    )
    dated = [d for d in run.documents if "2017-11-22" <= (d["date"] or "")[:10] <= "2017-11-24"]
    assert page_info(browser).endswith(f"({len(dated)} rows)")
    # the same range on stories: those whose first..last dates meet it
    browser.click("nav.tabs button[data-tab=stories]")
    meeting = [
        st["story"]
        for st in run.stories
        if st["first_date"][:10] <= "2017-11-24" and st["last_date"][:10] >= "2017-11-22"
    ]
    assert 0 < len(meeting) < len(run.stories)
    assert [int(r[0]) for r in cells(browser, "tr.story-row")] == meeting
    browser.click("#clear")
    assert len(cells(browser, "tr.story-row")) == len(run.stories)
    browser.click("nav.tabs button[data-tab=articles]")
    assert page_info(browser).endswith(f"({len(run.documents)} rows)")


def test_furniture_tab_counts_per_source(run: Run, page: str, browser: Browser) -> None:
    browser.open(page + "#furniture")
    rows = {r[0]: r for r in cells(browser, "tr.furniture-source")}
    for item in run.furniture:
        assert int(rows[item["source"]][1]) == 1
        assert int(rows[item["source"]][2]) == len(item["occurrences"])
    items = cells(browser, "tr.furniture-row")
    assert sorted(r[1] for r in items) == sorted(i["text"] for i in run.furniture)


def test_script_in_a_text_is_shown_not_run(tmp_path: Path, browser: Browser) -> None:
    evil = "標題</script><script>document.title='pwned'</script><!--"
    html = render_story_report(
        [{"id": "x<1>", "source": "<b>", "date": None, "title": evil, "text": evil * 2}],
        title="t<i>",
    )
    path = tmp_path / "evil.html"
    path.write_text(html, "utf-8")
    browser.open(path.as_uri() + "#article/0")
    assert browser.js("document.title") == "t<i>"
    assert browser.js("document.scripts.length") == 2
    assert browser.js("document.querySelector('.article .text').textContent") == evil * 2


def test_seeds_through_reuse(tmp_path: Path, browser: Browser) -> None:
    """Passages from the current ``zhnorm.reuse`` over the seeds, stories built from
    their ``story`` field: every pair's highlights are the passage slices."""
    texts = {p.name: p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))}
    result = reuse(texts)
    assert result.passages
    documents = [
        {"id": name, "source": f"outlet{i}", "date": None, "title": None, "text": text}
        for i, (name, text) in enumerate(texts.items())
    ]
    passages = [p.to_dict() for p in result.passages]
    stories = [
        {"story": s.id, "title": None, "outlets": None, "size": len(s.docs),
         "members": [{"id": d, "score": None} for d in s.docs], "passages": s.passages}
        for s in result.stories
    ]  # fmt: skip
    path = tmp_path / "seeds.html"
    path.write_text(render_story_report(documents, stories=stories, passages=passages), "utf-8")
    browser.open(path.as_uri())
    assert len(cells(browser, "tr.story-row")) == len(result.stories)
    browser.click("tr.story-row a.go")
    browser.click("tr.pair-row a.go")
    marks = browser.js(MARKS)
    for n, passage in enumerate(passages):
        for side in ("a", "b"):
            mine = [m for m in marks if m["side"] == side and n in m["passages"]]
            start, end = passage[f"{side}_start"], passage[f"{side}_end"]
            assert "".join(m["text"] for m in mine) == texts[passage[f"{side}_id"]][start:end]


DEV = SHARED_DATA / "taiwan-news-2017-dev" / "articles.jsonl"


def dev_run() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The development set through ``zhnorm.reuse`` with outlets, dates and titles, in
    the JSON forms ``zhnorm reuse`` writes."""
    records = [json.loads(line) for line in DEV.open(encoding="utf-8")]
    result = reuse(
        {r["id"]: r["text"] for r in records},
        sources={r["id"]: r["site"] for r in records},
        dates={r["id"]: r["date"] for r in records},
        titles={r["id"]: r["title"] for r in records},
    )
    meta = {m.id: m.meta for s in result.stories for m in s.members}
    documents = [
        {"id": r["id"], "source": r["site"], "date": r["date"].replace("/", "-"),
         "title": r["title"], "text": r["text"]}
        for r in records
    ]  # fmt: skip
    passages = [passage_row(p, meta) for p in result.passages]
    return documents, [s.to_dict() for s in result.stories], passages


def test_development_set_report(tmp_path: Path, browser: Browser) -> None:
    documents, stories, passages = dev_run()
    path = tmp_path / "dev.html"
    path.write_text(render_story_report(documents, stories=stories, passages=passages), "utf-8")
    browser.open(path.as_uri())
    total = len(stories)
    assert page_info(browser) == f"page 1 of {-(-total // 50)} ({total} rows)"
    big = max(stories[:50], key=lambda s: (s["passages"], s["size"]))
    browser.click(f"tr.story-row[data-story='{big['story']}'] a.go")
    members = every_page(browser, "tr.member-row", "members")
    assert [m[2].split()[-1] for m in members] == [m["id"] for m in big["members"]]
    browser.click("table.pairs tr.pair-row a.go")
    marks = browser.js(MARKS)
    colours = Counter(m["colour"] for m in marks)
    by_passage = {m["passage"]: m["colour"] for m in marks}
    assert len(set(by_passage.values())) == len(by_passage) == len(colours)
    shot = tmp_path / "dev.png"
    browser.screenshot(shot)
    first = browser.js("getComputedStyle(document.querySelector('mark')).backgroundColor")
    assert pixels_of(shot, rgb_of(first)) > 100


def large_run(documents: int, passages: int, seed: int = 1) -> Run:
    """Random articles from six outlets and random passages between them (no meaning:
    the page's size and paging are under test, not the data)."""
    rng = random.Random(seed)
    run = Run()
    for i in range(documents):
        run.documents.append(
            {"id": f"n{i}", "source": f"outlet{i % 6}", "date": f"2017-11-{1 + i % 28:02d}",
             "title": sentence(rng, 10), "text": sentence(rng, rng.randint(300, 900))}
        )  # fmt: skip
    for k in range(passages):
        a, b = rng.sample(range(documents), 2)
        start, other, length = rng.randint(0, 200), rng.randint(0, 200), rng.randint(10, 80)
        run.passages.append(
            {"a_id": f"n{a}", "b_id": f"n{b}", "a_start": start, "a_end": start + length,
             "b_start": other, "b_end": other + length, "score": 0.9,
             "significance": round(rng.random(), 3), "story": k % 500, "cluster": None,
             "direction": rng.choice(["a->b", "b->a", None])}
        )  # fmt: skip
    return run


def test_thousands_of_articles_every_pair_reachable(tmp_path: Path, browser: Browser) -> None:
    run = large_run(3000, 20000)
    path = tmp_path / "large.html"
    path.write_text(run.render(), "utf-8")
    browser.open(path.as_uri() + "#pairs")
    total = len(pair_keys(run))
    pages = -(-total // 50)
    assert page_info(browser) == f"page 1 of {pages} ({total} rows)"
    browser.click(".pager .last")
    assert page_info(browser) == f"page {pages} of {pages} ({total} rows)"
    # the last page holds the pairs sharing the least text
    shared: Counter[tuple[str, str]] = Counter()
    for p in run.passages:
        shared[tuple(sorted((p["a_id"], p["b_id"])))] += p["a_end"] - p["a_start"]  # type: ignore[index]
    shown = cells(browser, "tr.pair-row")
    assert len(shown) == total - 50 * (pages - 1)
    assert sorted(int(r[5]) for r in shown) == sorted(shared.values())[: len(shown)]
    browser.type_into("#q", "n1234")
    assert page_info(browser).endswith(f"({sum('n1234' in k for k in shared)} rows)")
