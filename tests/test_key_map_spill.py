"""Keys kept on disk (``SpilledKeys``: raw texts, keys, repaired texts and maps in
unlinked files, a ``DocKey`` built when read) against the keys in memory: the same texts
and map values on texts that repair, convert and leave alone, read one at a time, by
slices, in blocks and in forked workers; ``read_keys`` reads what ``read_documents``
reads; ``reuse_files`` writes the same outputs as ``reuse`` on the same texts."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from zhnorm.io import Rejects, RunCounts
from zhnorm.textreuse import document, files, reuse
from zhnorm.textreuse.document import SpilledKeys, doc_key, packed, unpacked

TEXTS = [
    "",
    "台风海葵今晨登陆花莲，全台停班停课。",
    "颱風海葵今晨登陸花蓮，全臺停班停課。",
    "現(xiàn)在發(fā)生了什麼",  # leaked readings: repair removes them
    "ＡＢＣ１２３　全角",
    "这是一段\n被断开\n的文字",
    "Ã¤Â¸Â­Ã¦Â–Â‡",
    "\U0001f600表情",
    "   ",
    "孤\ud800立的代理\udfff項",  # lone surrogates
    "𠀀𪚥𩸽：astral 與 BMP 混排",
    "、",
]
FIELDS = ("key_starts", "key_ends", "rep_starts", "rep_ends", "key_rep_starts", "dropped")


def assert_same_key(a: document.DocKey, b: document.DocKey) -> None:
    assert (a.raw, a.repaired, a.key) == (b.raw, b.repaired, b.key)
    for name in FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        if x is None or y is None:
            assert x is None and y is None, name
            continue
        assert x.dtype == y.dtype and x.tolist() == y.tolist(), name


def test_spilled_keys_equal_unpacked(tmp_path: Path) -> None:
    states = [(text, packed(doc_key(text))) for text in TEXTS * 3]
    keys = SpilledKeys(str(tmp_path))
    assert len(keys) == 0 and list(keys) == []
    for raw, state in states[:5]:
        keys.append(raw, state)
    assert_same_key(keys[4], unpacked(*states[4]))  # read while still written
    for raw, state in states[5:]:
        keys.append(raw, state)
    assert list(tmp_path.iterdir()) == []  # unlinked at once
    assert len(keys) == len(states)
    expected = [unpacked(raw, state) for raw, state in states]
    for key, want in zip(keys, expected, strict=True):  # in blocks
        assert_same_key(key, want)
        if key.key:
            assert key.raw_span(0, len(key.key)) == want.raw_span(0, len(key.key))
    for d in (0, 3, len(states) - 1, -1):  # one at a time
        assert_same_key(keys[d], expected[d])
    for a, b in zip(keys[2:9], expected[2:9], strict=True):
        assert_same_key(a, b)
    assert len(keys[5:5]) == 0 and len(keys[::4]) == len(expected[::4])
    assert list(keys.key_texts) == [k.key for k in expected]
    assert list(keys.raw_texts) == [k.raw for k in expected]
    with pytest.raises(IndexError):
        keys[len(states)]
    leaked = keys[3]
    assert leaked.dropped is not None and leaked.dropped.any()
    assert leaked.repaired != leaked.raw
    assert keys[1].repaired is keys[1].raw or keys[1].repaired == keys[1].raw
    assert not leaked.key_starts.flags.writeable
    with pytest.raises(ValueError):
        leaked.key_starts[0] = 1
    keys.close()
    assert_same_key(leaked, expected[3])  # a key built before keeps its maps


def test_spilled_keys_read_in_forked_workers(tmp_path: Path) -> None:
    from zhnorm.neardup.inherit import handed_down
    from zhnorm.workers import forks, process_pool

    if not forks():
        pytest.skip("no fork on this platform")
    keys = SpilledKeys(str(tmp_path))
    for text in TEXTS * 40:
        keys.append(text, packed(doc_key(text)))
    places = list(range(0, len(keys), 37))  # the parent has not mapped the maps yet
    with handed_down(keys) as token, process_pool(2) as pool:
        seen = list(pool.map(_key_summary, [token] * len(places), places))
    assert seen == [_summary(keys[d]) for d in places]


def _summary(key: document.DocKey) -> tuple[object, ...]:
    return (key.raw, key.repaired, key.key, key.key_ends.tolist(), key.rep_starts.tolist())


def _key_summary(token: int, d: int) -> tuple[object, ...]:
    from zhnorm.neardup.inherit import inherited

    return _summary(inherited(token)[d])


def test_reuse_files_same_outputs_with_spilled_maps(
    tmp_path: Path, simplified_corpus: list[str]
) -> None:
    shared = "康源电路项目计划总投资50亿元，预计明年第三季投产，届时将新增就业岗位三千个。"
    texts = [text[:300] for text in simplified_corpus[:40]]
    for n in (3, 17, 31):  # three outlets, one copy with leaked readings
        texts[n] = texts[n][:80] + shared + texts[n][80:]
    texts[17] = "現(xiàn)在" + texts[17]
    corpus = tmp_path / "in.jsonl"
    corpus.write_text(
        "".join(
            json.dumps({"id": f"d{n}", "text": t, "source": f"s{n % 3}"}, ensure_ascii=False) + "\n"
            for n, t in enumerate(texts)
        )
    )

    def run(name: str, workers: int) -> list[str]:
        out = tmp_path / name
        out.mkdir()
        files.reuse_files(
            [str(corpus)], str(out / "p.jsonl"), stories=str(out / "s.jsonl"),
            clusters=str(out / "c.jsonl"), source_field="source", quiet=True, workers=workers,
        )  # fmt: skip
        return [(out / f).read_text() for f in ("p.jsonl", "s.jsonl", "c.jsonl")]

    whole = run("whole", 1)
    assert whole[0].count("\n") >= 3  # the planted copies are found
    assert run("two", 2) == whole
    by_id = {f"d{n}": t for n, t in enumerate(texts)}
    in_memory = reuse(
        by_id, sources={d: f"s{n % 3}" for n, d in enumerate(by_id)}, cross_source=True
    )
    spans = ("a_id", "b_id", "a_start", "a_end", "b_start", "b_end", "a_text", "b_text")
    rows = [json.loads(line) for line in whole[0].splitlines()]
    assert [tuple(r[f] for f in spans) for r in rows] == [
        tuple(getattr(p, f) for f in spans) for p in in_memory.passages
    ]

    with Rejects(None) as rejects:
        plain = files.read_documents(
            [str(corpus)], files.RecordReading(quiet=True), rejects=rejects,
            counts=RunCounts("reuse"),
        )  # fmt: skip
        reading = files.RecordReading(
            quiet=True, fields=files.MetaFields(source_field="source"), workers=2
        )
        ids, meta, spilled = files.read_keys(
            [str(corpus)], reading, rejects=rejects, counts=RunCounts("reuse"), spill=str(tmp_path)
        )
    assert ids == [d.id for d in plain]
    assert [m.source for m in meta] == [f"s{n % 3}" for n in range(len(texts))]
    for a, b in zip(spilled, plain, strict=True):
        assert_same_key(a, b.key)
        if len(a.key):
            assert isinstance(a.key_ends.base, np.ndarray)  # a view of the mapping
            assert not a.key_ends.flags.writeable
    spilled.close()


def test_reuse_files_odd_records_on_disk(tmp_path: Path) -> None:
    """Lone surrogates, astral characters, empty texts and a single record go through the
    keys on disk unchanged, on one worker and two, and the Python API gives the same."""
    shared = "\U00020000𪚥康源电路项目计划总投资50亿元，预计明年第三季投产，届时新增岗位三千个。"
    texts = ["", "孤\ud800立" + shared + "尾\udfff", "、", "前文" + shared, "   ", shared + "后文"]
    corpus = tmp_path / "in.jsonl"
    corpus.write_text(
        "".join(json.dumps({"id": f"d{n}", "text": t}) + "\n" for n, t in enumerate(texts))
    )
    single = tmp_path / "one.jsonl"
    single.write_text(json.dumps({"id": "only", "text": texts[1]}) + "\n")

    def run(path: Path, name: str, workers: int) -> list[str]:
        out = tmp_path / name
        out.mkdir()
        counts = files.reuse_files(
            [str(path)], str(out / "p.jsonl"), stories=str(out / "s.jsonl"),
            clusters=str(out / "c.jsonl"), quiet=True, workers=workers,
        )  # fmt: skip
        assert counts.read == counts.written
        return [(out / f).read_text() for f in ("p.jsonl", "s.jsonl", "c.jsonl")]

    one = run(corpus, "one", 1)
    assert run(corpus, "two", 2) == one
    rows = [json.loads(line) for line in one[0].splitlines()]
    assert {(r["a_id"], r["b_id"]) for r in rows} == {("d1", "d3"), ("d1", "d5"), ("d3", "d5")}
    by_id = {f"d{n}": t for n, t in enumerate(texts)}
    for r in rows:  # raw offsets into the texts as given, surrogates and astral kept
        assert by_id[r["a_id"]][r["a_start"] : r["a_end"]] == r["a_text"]
        assert by_id[r["b_id"]][r["b_start"] : r["b_end"]] == r["b_text"]
    result = reuse(by_id, workers=2)
    assert [(p.a_id, p.b_id, p.a_start, p.a_end) for p in result.passages] == [
        (r["a_id"], r["b_id"], r["a_start"], r["a_end"]) for r in rows
    ]
    assert pickle.loads(pickle.dumps(result)) == result
    assert run(single, "single", 2)[0] == ""
