"""Script conversion (OpenCC-exact) and script detection."""

from .config import CONFIG_NAMES
from .converter import Converter, OpenCC, convert, convert_batch
from .detect import ScriptReport, detect_batch, detect_script
from .dictionary import DictionaryFormatError

__all__ = [
    "CONFIG_NAMES",
    "Converter",
    "DictionaryFormatError",
    "OpenCC",
    "ScriptReport",
    "convert",
    "convert_batch",
    "detect_batch",
    "detect_script",
]
