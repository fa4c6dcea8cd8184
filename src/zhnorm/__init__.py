"""zhnorm: Chinese text normalisation.

Script conversion exactly as OpenCC does it, script detection, and (in later
modules) repair of garbled text and corpus overlap detection.
"""

from ._version import __version__
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
    "OpenCC",
    "ScriptReport",
    "__version__",
    "convert",
    "detect_script",
]
