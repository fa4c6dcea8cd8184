"""zhnorm: Chinese text normalisation.

Script conversion exactly as OpenCC does it, script detection, and repair of text
damaged by encodings, converters and page layouts (corpus overlap detection to come).
"""

from ._version import __version__
from .key import KeyConfig, Keyed, keyed, match_key, match_keys
from .repair import (
    Edit,
    Explained,
    FixConfig,
    Step,
    apply_plan,
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
    detect_script,
)

__all__ = [
    "CONFIG_NAMES",
    "Converter",
    "DictionaryFormatError",
    "Edit",
    "Explained",
    "FixConfig",
    "KeyConfig",
    "Keyed",
    "OpenCC",
    "ScriptReport",
    "Step",
    "__version__",
    "apply_plan",
    "convert",
    "detect_script",
    "fix_and_explain",
    "fix_batch",
    "fix_text",
    "keyed",
    "match_key",
    "match_keys",
    "normalize",
    "normalize_batch",
]
