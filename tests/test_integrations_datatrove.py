"""zhnorm.integrations.datatrove: a Pipeline as a datatrove step (extra ``datatrove``,
installed by the test extra)."""

from __future__ import annotations

import gzip
import json
import pickle
import sys
from pathlib import Path

import pytest

import zhnorm.integrations.datatrove as integration
from zhnorm import Pipeline

datatrove = pytest.importorskip("datatrove")  # the test extra installs it

from datatrove.data import Document  # noqa: E402

STEPS = ["leaked_pinyin", "fix", {"step": "convert", "config": "t2s"}]
TEXTS = ["現(xiàn)代快報訊 產(chǎn)業(yè)園", "软件", "中&#x6587;", "頭髮"]


def _documents() -> list[Document]:
    return [
        Document(text=text, id=f"doc{i}", metadata={"url": f"u{i}"}) for i, text in enumerate(TEXTS)
    ]


def test_step_normalises_and_annotates_in_order() -> None:
    pipe = Pipeline(STEPS)
    step = integration.ZhnormStep(pipe, batch_size=3, provenance=True)
    out = list(step.run(iter(_documents())))
    assert [d.id for d in out] == ["doc0", "doc1", "doc2", "doc3"]  # none dropped, in order
    assert [d.text for d in out] == pipe.batch(TEXTS)
    assert [d.metadata["zhnorm_flags"] for d in out] == [["leaked_pinyin"], [], [], []]
    assert [d.metadata["zhnorm_leaked_pinyin"] for d in out] == [3, 0, 0, 0]
    assert {d.metadata["url"] for d in out} == {"u0", "u1", "u2", "u3"}  # kept
    assert {d.metadata["zhnorm_fingerprint"] for d in out} == {pipe.fingerprint}
    stats = step.stats
    assert stats["documents"].total == 4 and stats["changed"].total == 3
    assert stats["flagged_leaked_pinyin"].total == 1


def test_step_accepts_steps_a_file_or_the_default(tmp_path: Path) -> None:
    config = tmp_path / "pipe.json"
    Pipeline(STEPS).to_file(config)
    assert integration.ZhnormStep(str(config)).pipeline == Pipeline(STEPS)
    assert integration.ZhnormStep(STEPS).pipeline == Pipeline(STEPS)
    assert integration.ZhnormStep().pipeline == Pipeline.default()
    with pytest.raises(ValueError, match="batch_size must be at least 1, got 0"):
        integration.ZhnormStep(STEPS, batch_size=0)


def test_step_pickles_for_worker_processes() -> None:
    step = integration.ZhnormStep(STEPS, batch_size=7)
    copy = pickle.loads(pickle.dumps(step))
    assert type(copy) is integration.ZhnormStep
    assert copy.pipeline == step.pipeline and copy.batch_size == 7


def test_in_a_datatrove_executor(tmp_path: Path) -> None:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.filters import LambdaFilter
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    (tmp_path / "in").mkdir()
    lines = [
        json.dumps({"id": f"d{i}", "text": t}, ensure_ascii=False) for i, t in enumerate(TEXTS)
    ]
    (tmp_path / "in" / "part.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    LocalPipelineExecutor(
        [
            JsonlReader(str(tmp_path / "in")),
            integration.ZhnormStep(STEPS),
            LambdaFilter(
                lambda doc: not doc.metadata["zhnorm_flags"],
                exclusion_writer=JsonlWriter(str(tmp_path / "flagged")),
            ),
            JsonlWriter(str(tmp_path / "clean")),
        ],
        tasks=1,
        workers=1,
        logging_dir=str(tmp_path / "logs"),
    ).run()

    def read(folder: str) -> list[dict[str, object]]:
        rows = []
        for path in sorted((tmp_path / folder).glob("*.jsonl.gz")):
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                rows += [json.loads(line) for line in handle]
        return rows

    clean, flagged = read("clean"), read("flagged")
    assert [row["text"] for row in clean] == ["软件", "中文", "头发"]
    assert [row["text"] for row in flagged] == ["现代快报讯 产业园"]
    assert flagged[0]["metadata"]["zhnorm_flags"] == ["leaked_pinyin"]  # type: ignore[index]
    assert len(clean) + len(flagged) == len(TEXTS)


def test_without_datatrove_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "datatrove.pipeline.base", None)
    with pytest.raises(ImportError, match=r"needs datatrove.*pip install 'zhnorm\[datatrove\]'"):
        integration._build_step_class()
