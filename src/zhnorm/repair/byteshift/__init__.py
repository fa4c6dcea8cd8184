"""Repair GBK text whose byte stream was decoded one byte out of step.

TODO docstring
"""

from .finder import find_byteshift, fix_byteshift

__all__ = ["find_byteshift", "fix_byteshift"]
