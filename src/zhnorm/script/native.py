"""The optional C extension (:mod:`zhnorm.script._fmm`), or ``None`` where the build had
no compiler: conversion, the key's fold and the MinHash kernels each keep a pure-Python
path that gives the same results (tested)."""

from __future__ import annotations

try:
    from . import _fmm as native
except ImportError:  # pragma: no cover - exercised only where the build had no compiler
    native = None  # type: ignore[assignment]

__all__ = ["native"]
