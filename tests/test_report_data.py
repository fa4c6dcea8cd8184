"""``render_story_report`` without a browser: bad input is a one-line ValueError naming
the record; the per-outlet summary and the copy matrix; the embedded data."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from zhnorm.textreuse.alignment import Passage
from zhnorm.textreuse.report import (
    NO_SOURCE,
    copy_matrix,
    outlet_summary,
    render_report,
    render_story_report,
)

DOCS = [
    {
        "id": "a",
        "source": "X",
        "date": "2017-11-26",
        "title": "甲",
        "text": "分享本报讯今天下雨了。",
    },
    {
        "id": "b",
        "source": "Y",
        "date": "2017-11-27",
        "title": None,
        "text": "今天下雨了，明天放晴。",
    },
    {"id": "c", "source": None, "date": None, "title": "", "text": "𠀀今天下雨了"},
]


def passage(**over: Any) -> dict[str, Any]:
    row = {"a_id": "a", "b_id": "b", "a_start": 5, "a_end": 10, "b_start": 0, "b_end": 5,
           "score": 1.0, "significance": 0.5, "a_text": "今天下雨了", "b_text": "今天下雨了",
           "story": 0, "cluster": None, "direction": "a->b"}  # fmt: skip
    row.update(over)
    return row


def embedded(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="zhnorm-data">(.*?)</script>', page)
    assert match
    data: dict[str, Any] = json.loads(match.group(1))
    return data


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"passages": [passage(b_id="zz")]}, "passages[0]: b_id 'zz' is not among the documents"),
        (
            {"passages": [passage(a_end=99)]},
            "passages[0]: a_start:a_end 5:99 is outside document 'a'",
        ),
        ({"passages": [passage(b_start=3, b_end=2)]}, "b_start:b_end 3:2 is outside"),
        (
            {"passages": [passage(a_text="今天下雪了")]},
            "passages[0]: a_text is not the text of document 'a' at 5:10",
        ),
        ({"passages": [passage(direction="a<-b")]}, "direction must be 'a->b', 'b->a' or null"),
        ({"passages": [passage(a_start="5")]}, "passages[0]: a_start must be an integer"),
        ({"passages": [{"b_id": "b"}]}, "passages[0]: missing field 'a_id'"),
        (
            {"stories": [{"story": 1, "members": [{"id": "q"}]}]},
            "stories[0].members[0]: id 'q' is not among",
        ),
        (
            {"clusters": [{"cluster": 0, "members": [{"id": "a", "start": 0, "end": 50}]}]},
            "clusters[0].members[0]: start:end 0:50",
        ),
        (
            {"furniture": [{"text": "x", "occurrences": [{"id": "nope", "start": 0, "end": 1}]}]},
            "furniture[0].occurrences[0]: id 'nope'",
        ),
    ],
)
def test_bad_records_are_named(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        render_story_report(DOCS, **kwargs)
    assert "\n" not in str(error.value)


def test_bad_documents() -> None:
    with pytest.raises(ValueError, match=r"documents\[1\]: id 'a' repeats documents\[0\]"):
        render_story_report([DOCS[0], DOCS[0]])
    with pytest.raises(ValueError, match=r"documents\[0\]: missing field 'text'"):
        render_story_report([{"id": "a"}])
    with pytest.raises(ValueError, match=r"documents\[0\]: expected a JSON object"):
        render_story_report(["a"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"documents\[0\]: date must be a string or null"):
        render_story_report([{"id": "a", "text": "", "date": 20171126}])


def test_code_point_offsets_and_empty_runs() -> None:
    # an astral character before the passage: offsets are code points, not UTF-16 units
    page = render_story_report(DOCS, passages=[passage(a_id="c", a_start=1, a_end=6)])
    assert embedded(page)["passages"][0][:6] == [2, 1, 1, 6, 0, 5]
    # nothing at all, one article: a page that says so, no error
    empty = embedded(render_story_report([]))
    assert empty["docs"] == [] and empty["outlets"] == []
    one = embedded(render_story_report(DOCS[:1]))
    assert one["matrix"] == {"outlets": ["X"], "counts": [[0]], "undirected": 0}


def test_outlet_summary_and_matrix() -> None:
    passages = [
        passage(),
        passage(direction="b->a"),
        passage(b_id="c", b_start=1, b_end=6, b_text="今天下雨了", direction=None),
    ]
    furniture = [
        {"source": "X", "text": "分享", "occurrences": [{"id": "a", "start": 0, "end": 2}]}
    ]
    rows = {r["source"]: r for r in outlet_summary(DOCS, passages, furniture)}
    assert rows["X"] == {"source": "X", "articles": 1, "linked": 1, "passages": 3, "cross": 3,
                         "furniture": 1, "furniture_share": 2 / 11}  # fmt: skip
    assert rows[NO_SOURCE]["passages"] == 1 and rows["Y"]["passages"] == 2
    outlets, counts, undirected = copy_matrix(DOCS, passages)
    assert outlets == [NO_SOURCE, "X", "Y"]
    assert counts == [[0, 0, 0], [0, 0, 1], [0, 1, 0]] and undirected == 1


def test_render_report_wraps_the_story_report() -> None:
    p = Passage(5, 10, 0, 5, 1.0, "今天下雨了", "今天下雨了", 5, a_id="a", b_id="b", story=0)
    page = render_report({"a": DOCS[0]["text"], "b": DOCS[1]["text"]}, [p], explain=False)
    data = embedded(page)
    assert [d[0] for d in data["docs"]] == ["a", "b"]
    assert data["passages"] == [[0, 1, 5, 10, 0, 5, 1.0, None, 0, None, 0]]
    assert "repairs" not in data
    assert page.startswith("<!DOCTYPE html>")


def test_no_markup_escapes_the_data_block() -> None:
    text = "a</script><!--<script>"
    page = render_story_report([{"id": "x", "text": text, "title": text}], title=text)
    assert page.count("</script>") == 2
    assert embedded(page)["docs"][0][4] == text
