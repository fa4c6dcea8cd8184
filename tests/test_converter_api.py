"""The public conversion API: Converter, convert, OpenCC, user_dict, protect, offsets."""

from __future__ import annotations

import multiprocessing
import pickle
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhnorm
from zhnorm import Converter, DictionaryFormatError, OpenCC, convert


def test_convert_defaults_to_s2t() -> None:
    assert convert("汉字转换") == "漢字轉換"
    assert convert("漢字轉換", "t2s") == "汉字转换"


def test_config_names_with_and_without_json_suffix() -> None:
    assert OpenCC("s2t").convert("头发") == OpenCC("s2t.json").convert("头发") == "頭髮"
    assert OpenCC().convert("頭髮") == "头发"  # the official binding defaults to t2s


def test_unknown_config_lists_valid_names() -> None:
    with pytest.raises(ValueError, match=r"unknown OpenCC configuration 'x2y'.*s2twp"):
        Converter("x2y")


@pytest.mark.parametrize("bad", [None, b"bytes", 3, ["list"]])
def test_non_str_raises_type_error(bad: object) -> None:
    with pytest.raises(TypeError):
        convert(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Converter("s2t").convert(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Converter("s2t").convert_batch(["ok", bad])  # type: ignore[list-item]


def test_empty_surrogates_and_astral_pass_through() -> None:
    assert convert("") == ""
    assert convert("\U00020000汉\ud800字\udfff") == "\U00020000漢\ud800字\udfff"
    text, offsets = Converter("s2t").convert_with_offsets("")
    assert (text, offsets) == ("", [0])


def test_offsets_map_output_back_to_input() -> None:
    source = "鼠标和软件，打印机"
    out, offsets = Converter("s2twp").convert_with_offsets(source)
    assert out == "滑鼠和軟體，印表機"
    assert len(offsets) == len(out) + 1 and offsets[-1] == len(source)
    assert offsets[: out.index("和") + 1] == [0, 1, 2]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="头发软件鼠标汉字干后里并了的，。ab \n\U00020000", max_size=60))
def test_offsets_are_monotonic_and_in_range(text: str) -> None:
    out, offsets = Converter("s2twp").convert_with_offsets(text)
    assert len(offsets) == len(out) + 1
    assert offsets == sorted(offsets)
    assert all(0 <= o <= len(text) for o in offsets)


def test_user_dict_takes_precedence_in_every_step(tmp_path: Path) -> None:
    plain = Converter("s2twp")
    assert plain.convert("鼠标和软件") == "滑鼠和軟體"
    custom = Converter("s2twp", user_dict={"软件": "軟件", "鼠": "老鼠"})
    assert custom.convert("鼠标和软件") == "老鼠標和軟件"
    tsv = tmp_path / "user.tsv"
    tsv.write_text("# comment\n软件\t軟件\n\n", encoding="utf-8")
    assert Converter("s2twp", user_dict=tsv).convert("软件") == "軟件"
    assert Converter("s2twp", user_dict=str(tsv)).convert("软件") == "軟件"


def test_malformed_user_dict_names_file_and_line(tmp_path: Path) -> None:
    tsv = tmp_path / "bad.tsv"
    tsv.write_text("软件\t軟件\nno tab here\n", encoding="utf-8")
    with pytest.raises(DictionaryFormatError, match=rf"{re.escape(str(tsv))}:2:"):
        Converter("s2t", user_dict=tsv)
    with pytest.raises(TypeError):
        Converter("s2t", user_dict={"软件": 3})  # type: ignore[dict-item]


def test_protect_strings_and_regexes() -> None:
    converter = Converter("s2t", protect=["张发财", re.compile(r"https?://\S+")])
    text = "张发财说：头发见 https://example.cn/发展/里面 里面"
    assert converter.convert(text) == "张发财說：頭髮見 https://example.cn/发展/里面 裏面"
    out, offsets = converter.convert_with_offsets(text)
    assert out[offsets.index(text.index("https"))] == "h"


def test_batch_equals_sequential_and_keeps_order(simplified_corpus: list[str]) -> None:
    converter = Converter("s2tw")
    docs = simplified_corpus[:200]
    expected = [converter.convert(d) for d in docs]
    assert converter.convert_batch(docs) == expected
    assert converter.convert_batch(docs, workers=2) == expected
    assert converter.convert_batch(iter(docs), workers=3) == expected
    with pytest.raises(ValueError):
        converter.convert_batch(docs, workers=0)


def _convert_in_child(args: tuple[Converter, str]) -> str:
    converter, text = args
    return converter.convert(text)


def test_converters_pickle_and_work_in_other_processes() -> None:
    converter = Converter("s2t", user_dict={"头发": "頭毛"}, protect=[re.compile(r"\d+")])
    clone = pickle.loads(pickle.dumps(converter))
    assert clone.convert("头发123发") == converter.convert("头发123发") == "頭毛123發"
    drop_in = pickle.loads(pickle.dumps(OpenCC("t2s")))
    assert drop_in.convert("頭髮") == "头发"
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        assert pool.map(_convert_in_child, [(converter, "头发"), (converter, "发")]) == [
            "頭毛",
            "發",
        ]


def test_iter_convert_equals_convert_for_any_chunking(seed_texts: dict[str, str]) -> None:
    converter = Converter("s2twp")
    for text in seed_texts.values():
        for size in (1, 7, 1000):
            chunks = [text[i : i + size] for i in range(0, len(text), size)]
            assert "".join(converter.iter_convert(chunks)) == converter.convert(text)


def test_public_api_is_typed_and_exported() -> None:
    for name in ("convert", "Converter", "OpenCC", "detect_script", "ScriptReport"):
        assert name in zhnorm.__all__
    assert (Path(zhnorm.__file__).parent / "py.typed").exists()


def test_trie_cache_round_trip_and_stale_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zhnorm.script import engine
    from zhnorm.script.config import load_config

    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(tmp_path))
    node = load_config("s2twp")[-1].chain[-1]  # the TW phrases: a small tree
    entry = engine._cache_entry(node)
    assert entry is not None
    path, stamp = entry
    built = engine.trie_arrays(node)
    engine._store_cached(path, stamp, built)
    assert engine._load_cached(path, stamp) == built
    # A file made for another stamp (other dictionary files), or cut short, is not used.
    assert engine._load_cached(path, stamp + b"|other") is None
    Path(path).write_bytes(Path(path).read_bytes()[:100])
    assert engine._load_cached(path, stamp) is None
    monkeypatch.setenv("ZHNORM_CACHE_DIR", "")
    assert engine._cache_entry(node) is None
