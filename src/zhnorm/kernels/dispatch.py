"""The one switch between the compiled kernels and their pure-Python twins.

Three C extensions, built by ``setup.py`` where a compiler is there (the build is optional):

* :mod:`zhnorm.kernels._matcher` -- forward maximum matching over code-point tries, the
  conversion engine (twin: :class:`~zhnorm.script.engine.ReferenceEngine`);
* :mod:`zhnorm.kernels._fingerprint` -- the key's final fold, the shingle hashes and the
  MinHash signatures (twins: ``str.translate`` in :func:`zhnorm.key.fold_texts`, the numpy
  kernels of :mod:`zhnorm.neardup.shingling` and :mod:`zhnorm.neardup.minhash`);
* :mod:`zhnorm.kernels._scan` -- the mojibake pre-filter's scans: trigger hits, GBK<->Big5
  rare-character spans and the evidence test, over tables Python builds (twins: the
  trigger regex and ``_rare_spans_python`` in :mod:`zhnorm.repair.mojibake.prefilter`).

Each twin gives the same results as its kernel (``tests/test_native_fallback.py``).  The
choice is made once, when this module is first imported, from the environment variable
``ZHNORM_IMPLEMENTATION``:

* ``native`` -- the compiled kernels; an :class:`ImportError` if they were not built;
* ``python`` -- the pure-Python twins; the extensions are never loaded;
* unset (or empty) -- ``native`` where the kernels were built, else ``python`` with a
  :class:`SlowPathWarning` (once, at first use): nothing is silently slow.

Callers ask this module at call time (``dispatch.matcher is None`` means: use the twin),
so there is no other switch.
"""

from __future__ import annotations

import os
import warnings
from typing import Literal

__all__ = [
    "ENVIRONMENT_VARIABLE",
    "IMPLEMENTATION",
    "SlowPathWarning",
    "fingerprint",
    "matcher",
    "scan",
]


class SlowPathWarning(RuntimeWarning):
    """Issued once per process when the compiled kernels were not built and zhnorm falls
    back to its pure-Python twins without being asked to."""


ENVIRONMENT_VARIABLE = "ZHNORM_IMPLEMENTATION"

_REQUESTED = os.environ.get(ENVIRONMENT_VARIABLE, "").strip().lower()
if _REQUESTED not in ("", "native", "python"):
    raise ValueError(f"{ENVIRONMENT_VARIABLE}={_REQUESTED!r}: expected 'native', 'python' or unset")

IMPLEMENTATION: Literal["native", "python"] = "python"
if _REQUESTED != "python":
    try:
        from . import _fingerprint as fingerprint
        from . import _matcher as matcher
        from . import _scan as scan
    except ImportError as error:
        if _REQUESTED == "native":
            raise ImportError(
                f"{ENVIRONMENT_VARIABLE}=native, but zhnorm's compiled kernels were not built "
                "(reinstall with a C compiler, e.g. `pip install -e .` with gcc, or unset "
                f"{ENVIRONMENT_VARIABLE} to use the pure-Python build): {error}"
            ) from error
        warnings.warn(
            "zhnorm's compiled kernels were not built (no C compiler at install?): using the "
            "pure-Python twins, same results but conversion hundreds of times slower. "
            "Reinstall with a C compiler, or set ZHNORM_IMPLEMENTATION=python to silence this.",
            SlowPathWarning,
            stacklevel=2,
        )
    else:
        IMPLEMENTATION = "native"
if IMPLEMENTATION == "python":
    fingerprint = matcher = scan = None  # type: ignore[assignment]
