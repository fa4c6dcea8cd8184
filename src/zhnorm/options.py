"""Options objects with keyword overrides: how every capability takes its settings.

Each capability has one frozen dataclass of options with documented defaults
(:class:`~zhnorm.repair.FixConfig`, :class:`~zhnorm.key.KeyConfig`,
:class:`~zhnorm.textreuse.AlignOptions`, ...).  A function takes the object as
``options`` and single settings as keywords, which override it::

    fix_text(text, ruby=False)                 # defaults, one switch changed
    fix_text(text, FixConfig(ruby=False))      # the same, as an object
    fix_text(text, saved, layout=False)        # an object, one switch changed

:func:`resolve` is the one place that turns those arguments into the object.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

__all__ = ["resolve"]

T = TypeVar("T")


def resolve(
    cls: type[T], options: T | None, overrides: Mapping[str, Any], *, config: T | None = None
) -> T:
    """``options`` (or the defaults of ``cls``) with the fields named in ``overrides``
    replaced; an unknown name raises :class:`TypeError` listing the valid ones.
    ``config`` is the keyword the repair and key functions took the object by before
    it was ``options``; it is accepted in its place.

    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Opts:
    ...     size: int = 1
    ...     name: str = "a"
    >>> resolve(Opts, None, {"size": 3})
    Opts(size=3, name='a')
    >>> resolve(Opts, Opts(name="b"), {})
    Opts(size=1, name='b')
    >>> resolve(Opts, None, {"colour": 1})
    Traceback (most recent call last):
    TypeError: unknown option 'colour' for Opts; valid: name, size
    """
    if config is not None:
        if options is not None:
            raise TypeError(f"give the {cls.__name__} as options or as config=, not both")
        options = config
    if options is not None and not isinstance(options, cls):
        raise TypeError(f"options must be a {cls.__name__}, not {type(options).__name__}")
    base = cls() if options is None else options
    if not overrides:
        return base
    valid = {f.name for f in dataclasses.fields(base) if f.init}  # type: ignore[arg-type]
    for name in overrides:
        if name not in valid:
            raise TypeError(
                f"unknown option {name!r} for {cls.__name__}; valid: {', '.join(sorted(valid))}"
            )
    return dataclasses.replace(base, **overrides)  # type: ignore[type-var]
