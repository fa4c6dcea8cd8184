"""zhnorm: Chinese text normalisation.

Script conversion exactly as OpenCC does it, script detection, repair of text
damaged by encodings, converters and page layouts, and near-duplicate detection
(MinHash + LSH with exact verification).

Names are imported on first use (``import zhnorm`` loads nothing else), so a script that
only converts never loads numpy, the repair models or the dedup engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .key import KeyConfig, Keyed, KeyOptions, keyed, match_key, match_keys
    from .neardup import (
        DedupIndex,
        DedupResult,
        DuplicatePair,
        IndexMatch,
        MinHashParams,
        band_hashes,
        choose_kept,
        cluster_pairs,
        datasketch_scheme,
        dedup,
        dedup_files,
        exact_similarity,
        from_lean_minhash,
        lsh_bands,
        shingles,
        signatures,
        to_lean_minhash,
    )
    from .pipeline import Pipeline, PipelineConfigError
    from .repair import (
        Edit,
        Explained,
        FixConfig,
        FixOptions,
        Step,
        apply_plan,
        explain_batch,
        fix_and_explain,
        fix_batch,
        fix_text,
        normalize,
        normalize_batch,
    )
    from .script import (
        CONFIG_NAMES,
        Converter,
        DictionaryFormatError,
        OpenCC,
        ScriptReport,
        convert,
        convert_batch,
        detect_batch,
        detect_script,
    )
    from .stories import Story, StoryModel, story_similarity, story_similarity_batch
    from .textreuse import (
        AlignOptions,
        Occurrence,
        Paragraph,
        Passage,
        PassageCluster,
        RepeatGroup,
        RepeatOptions,
        ReuseOptions,
        ReuseResult,
        align,
        align_batch,
        paragraphs,
        paragraphs_batch,
        repeated_paragraphs,
        reuse,
    )

# Public name -> the subpackage that defines it, imported when the name is first used.
_LAZY = {
    "DedupIndex": "neardup",
    "DedupResult": "neardup",
    "DuplicatePair": "neardup",
    "IndexMatch": "neardup",
    "MinHashParams": "neardup",
    "band_hashes": "neardup",
    "choose_kept": "neardup",
    "cluster_pairs": "neardup",
    "dedup": "neardup",
    "dedup_files": "neardup",
    "exact_similarity": "neardup",
    "from_lean_minhash": "neardup",
    "lsh_bands": "neardup",
    "shingles": "neardup",
    "signatures": "neardup",
    "to_lean_minhash": "neardup",
    "datasketch_scheme": "neardup",
    "KeyConfig": "key",
    "KeyOptions": "key",
    "Keyed": "key",
    "keyed": "key",
    "match_key": "key",
    "match_keys": "key",
    "Pipeline": "pipeline",
    "PipelineConfigError": "pipeline",
    "Edit": "repair",
    "Explained": "repair",
    "FixConfig": "repair",
    "FixOptions": "repair",
    "Step": "repair",
    "apply_plan": "repair",
    "explain_batch": "repair",
    "fix_and_explain": "repair",
    "fix_batch": "repair",
    "fix_text": "repair",
    "normalize": "repair",
    "normalize_batch": "repair",
    "AlignOptions": "textreuse",
    "Occurrence": "textreuse",
    "RepeatOptions": "textreuse",
    "ReuseOptions": "textreuse",
    "Paragraph": "textreuse",
    "Passage": "textreuse",
    "RepeatGroup": "textreuse",
    "ReuseResult": "textreuse",
    "PassageCluster": "textreuse",
    "align": "textreuse",
    "align_batch": "textreuse",
    "paragraphs": "textreuse",
    "paragraphs_batch": "textreuse",
    "repeated_paragraphs": "textreuse",
    "reuse": "textreuse",
    "CONFIG_NAMES": "script",
    "Converter": "script",
    "DictionaryFormatError": "script",
    "OpenCC": "script",
    "ScriptReport": "script",
    "convert": "script",
    "convert_batch": "script",
    "detect_batch": "script",
    "detect_script": "script",
    "Story": "stories",
    "StoryModel": "stories",
    "story_similarity": "stories",
    "story_similarity_batch": "stories",
}

__all__ = [
    "CONFIG_NAMES",
    "AlignOptions",
    "Converter",
    "DedupIndex",
    "DedupResult",
    "DictionaryFormatError",
    "DuplicatePair",
    "Edit",
    "Explained",
    "FixConfig",
    "FixOptions",
    "IndexMatch",
    "KeyConfig",
    "KeyOptions",
    "Keyed",
    "MinHashParams",
    "Occurrence",
    "OpenCC",
    "Paragraph",
    "Passage",
    "PassageCluster",
    "Pipeline",
    "PipelineConfigError",
    "RepeatGroup",
    "RepeatOptions",
    "ReuseOptions",
    "ReuseResult",
    "ScriptReport",
    "Step",
    "Story",
    "StoryModel",
    "__version__",
    "align",
    "align_batch",
    "apply_plan",
    "band_hashes",
    "choose_kept",
    "cluster_pairs",
    "convert",
    "convert_batch",
    "datasketch_scheme",
    "dedup",
    "dedup_files",
    "detect_batch",
    "detect_script",
    "exact_similarity",
    "explain_batch",
    "fix_and_explain",
    "fix_batch",
    "fix_text",
    "from_lean_minhash",
    "keyed",
    "lsh_bands",
    "match_key",
    "match_keys",
    "normalize",
    "normalize_batch",
    "paragraphs",
    "paragraphs_batch",
    "repeated_paragraphs",
    "reuse",
    "shingles",
    "signatures",
    "story_similarity",
    "story_similarity_batch",
    "to_lean_minhash",
]


def __getattr__(name: str) -> Any:
    package = _LAZY.get(name)
    if package is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{package}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(__all__) | set(globals()))
