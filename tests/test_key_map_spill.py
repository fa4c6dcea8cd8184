"""Keys whose maps are spilled to a file (``spilled_keys``) against the keys in memory:
the same texts and map values on texts that repair, convert and leave alone; the file
is unlinked once mapped; ``reuse_files`` writes the same outputs whatever the spill's
file size."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from zhnorm.io import Rejects, RunCounts
from zhnorm.textreuse import document, files
from zhnorm.textreuse.document import doc_key, packed, spilled_keys, unpacked

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
    keys = spilled_keys(states, str(tmp_path))
    assert list(tmp_path.iterdir()) == []  # unlinked once mapped
    for (raw, state), key in zip(states, keys, strict=True):
        assert_same_key(key, unpacked(raw, state))
        if key.key:
            assert key.raw_span(0, len(key.key)) == doc_key(raw).raw_span(0, len(key.key))
    leaked = keys[3]
    assert leaked.dropped is not None and leaked.dropped.any()
    assert not leaked.key_starts.flags.writeable
    with pytest.raises(ValueError):
        leaked.key_starts[0] = 1
    assert spilled_keys([], str(tmp_path)) == []
    empty = spilled_keys([("", packed(doc_key("")))], str(tmp_path))[0]
    assert_same_key(empty, doc_key(""))


def test_reuse_files_same_outputs_with_spilled_maps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, simplified_corpus: list[str]
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
    monkeypatch.setattr(files, "MAP_SPILL_BYTES", 1)  # a file per document
    assert run("small", 1) == whole
    assert run("small2", 2) == whole

    def read(spill: str | None) -> list[files.FileDocument]:
        with Rejects(None) as rejects:
            return files.read_documents(
                [str(corpus)], rejects=rejects, counts=RunCounts("reuse"), quiet=True,
                spill=spill,
            )  # fmt: skip

    spilled, plain = read(str(tmp_path)), read(None)
    assert [d.id for d in spilled] == [d.id for d in plain]
    for a, b in zip(spilled, plain, strict=True):
        assert_same_key(a.key, b.key)
        if len(a.key.key):
            assert isinstance(a.key.key_ends.base, np.ndarray)  # a view of the mapping
            assert not a.key.key_ends.flags.writeable
