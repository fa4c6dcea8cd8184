"""The reuse command's work on worker processes gives the documents and results of one
process: keying the records (read_documents), hashing the shingles (reuse_keys)."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from zhnorm.io import Rejects, RunCounts
from zhnorm.textreuse import corpus, files
from zhnorm.textreuse.document import DocKey, doc_key, packed, unpacked
from zhnorm.textreuse.files import MetaFields, RecordReading, read_documents, reuse_files

from .conftest import SHARED_DATA, needs_shared_data

TEXTS = [
    "台風海葵今晨登陸花蓮，全臺停班停課。記者王小明報導。",
    "台风海葵今晨登陆花莲，全台停班停课。",
    "股市今日收盘上涨120点，成交量放大。",
    "現(xiàn)在開始，康源電路項目計劃總投資50億元。",
    "",
    "abc 123",
    "康源电路项目计划总投资50亿元，预计明年第三季投产。",
]


def same_key(a: DocKey, b: DocKey) -> bool:
    arrays = ("key_starts", "key_ends", "rep_starts", "rep_ends", "key_rep_starts")
    return (
        (a.raw, a.repaired, a.key) == (b.raw, b.repaired, b.key)
        and all(np.array_equal(getattr(a, n), getattr(b, n)) for n in arrays)
        and (a.dropped is None) == (b.dropped is None)
        and (a.dropped is None or np.array_equal(a.dropped, b.dropped))
    )


@pytest.mark.parametrize("text", TEXTS)
def test_packed_key_comes_back_whole(text: str) -> None:
    key = doc_key(text)
    state = pickle.loads(pickle.dumps(packed(key)))
    assert state[0] is None or state[0] != text  # the raw text is not sent back
    back = unpacked(text, state)
    assert same_key(back, key)
    assert back.raw is text
    if key.repaired is key.raw:
        assert back.repaired is back.raw and back.key_starts is back.key_rep_starts


def test_read_documents_on_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "KEY_CHUNK", 2)  # several tasks, the last one short
    path = tmp_path / "in.jsonl"
    rows = [{"id": f"d{n}", "text": t, "source": f"s{n % 2}"} for n, t in enumerate(TEXTS)]
    rows.insert(3, {"id": "d1", "text": "重复的编号"})  # rejected: an id seen before
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    found = []
    for workers in (1, 2):
        counts = RunCounts("reuse")
        with Rejects(str(tmp_path / f"rejects{workers}.jsonl")) as rejects:
            reading = RecordReading(
                quiet=True, fields=MetaFields(source_field="source"), workers=workers
            )
            docs = read_documents([str(path)], reading, rejects=rejects, counts=counts)
        assert (counts.read, counts.rejected, len(docs)) == (len(rows), 1, len(TEXTS))
        found.append(docs)
    one, two = found
    assert [d.id for d in one] == [d.id for d in two] == [f"d{n}" for n in range(len(TEXTS))]
    assert [d.meta for d in one] == [d.meta for d in two]
    assert [d.meta.source for d in one] == [f"s{n % 2}" for n in range(len(TEXTS))]
    assert one[0].meta.source is one[2].meta.source  # one string an outlet, not a record
    assert not hasattr(one[0].meta, "__dict__")  # slotted: held once a document
    assert all(same_key(a.key, b.key) for a, b in zip(one, two, strict=True))
    assert "d1" in (tmp_path / "rejects2.jsonl").read_text()


def test_reuse_files_same_output_for_any_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, simplified_corpus: list[str]
) -> None:
    monkeypatch.setattr(files, "KEY_CHUNK", 7)
    monkeypatch.setattr(corpus, "HASH_CHUNK", 5)
    shared = "康源电路项目计划总投资50亿元，预计明年第三季投产，届时将新增就业岗位三千个。"
    texts = [text[:300] for text in simplified_corpus[:60]]
    for n in (3, 17, 43):  # three outlets
        texts[n] = texts[n][:80] + shared + texts[n][80:]
    path = tmp_path / "in.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": f"d{n}", "text": t, "source": f"s{n % 3}"}, ensure_ascii=False) + "\n"
            for n, t in enumerate(texts)
        )
    )
    outputs = []
    for workers in (1, 2):
        out, stories = tmp_path / f"p{workers}.jsonl", tmp_path / f"s{workers}.jsonl"
        reuse_files(
            [str(path)], str(out), stories=str(stories), source_field="source",
            quiet=True, workers=workers,
        )  # fmt: skip
        outputs.append((out.read_text(), stories.read_text()))
    assert outputs[0] == outputs[1]
    assert outputs[0][0].count("\n") >= 3  # the three planted copies are found


def test_texts_sent_to_workers_keep_no_utf8_copy(tmp_path: Path) -> None:
    import sys

    path = tmp_path / "in.jsonl"
    text = "台风海葵今晨登陆花莲，全台停班停课。" * 20
    path.write_text(
        json.dumps({"id": "a", "text": text})
        + "\n"
        + json.dumps({"id": "b", "text": "乙\ud800"})
        + "\n"
    )
    with Rejects(None) as rejects:
        reading = RecordReading(workers=2, quiet=True)
        docs = read_documents([str(path)], reading, rejects=rejects, counts=RunCounts("reuse"))
    assert docs[0].key.raw == text and docs[0].key.raw is docs[0].record.text
    assert docs[1].key.raw == "乙\ud800"  # a lone surrogate goes and comes back
    assert sys.getsizeof(docs[0].record.text) < 2 * len(text) + 100


def _taiwan_news() -> list[dict[str, str]]:
    path = needs_shared_data(SHARED_DATA / "taiwan-news-2017-dev" / "articles.jsonl")
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_furniture_on_workers_is_the_furniture_of_one_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from zhnorm.textreuse import furniture

    monkeypatch.setattr(furniture, "SEGMENT_CHUNK", 37)  # many tasks, the last one short
    articles = _taiwan_news()
    keys = [doc_key(a["text"]) for a in articles]
    sites = [a["site"] for a in articles]
    for sources in (sites, None):
        one = furniture.find_furniture(keys, sources)
        assert len(one.items) >= 10  # real outlets' furniture, per site and across sites
        for workers in (2, 3):
            many = furniture.find_furniture(keys, sources, workers=workers)
            assert many.items == one.items
            assert many.spans == one.spans and many.raw_furniture == one.raw_furniture


def test_story_candidates_on_workers_are_those_of_one_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from zhnorm.stories import similarity
    from zhnorm.stories.similarity import StoryModel

    articles = _taiwan_news()
    model = StoryModel.fit([a["text"] for a in articles], [a["title"] for a in articles])
    one = model.candidates(0.09, 10)
    assert len(one) > 100
    monkeypatch.setattr(similarity, "PRODUCTS_PER_BLOCK", 1 << 12)  # many small blocks
    assert model.candidates(0.09, 10) == one
    assert model.candidates(0.09, 10, workers=2) == one
