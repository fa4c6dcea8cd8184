"""Script conversion (OpenCC-exact) and script detection."""

from .config import CONFIG_NAMES
from .converter import Converter, OpenCC, convert
from .detect import ScriptReport, detect_script
from .dictionary import DictionaryFormatError

__all__ = [
    "CONFIG_NAMES",
    "Converter",
    "DictionaryFormatError",
    "OpenCC",
    "ScriptReport",
    "convert",
    "detect_script",
]
