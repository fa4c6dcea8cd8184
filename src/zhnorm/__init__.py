"""zhnorm: Chinese text normalisation.

Script conversion exactly as OpenCC does it, script detection, and (in later
modules) repair of garbled text and corpus overlap detection.
"""

from importlib.metadata import PackageNotFoundError, version

from .script import (
    CONFIG_NAMES,
    Converter,
    DictionaryFormatError,
    OpenCC,
    ScriptReport,
    convert,
    detect_script,
)

try:
    __version__ = version("zhnorm")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

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
