"""Dates of records (``--date-field``): the one parser every command uses.

News dates come in many shapes; :func:`parse_date` accepts the common ones and refuses
the rest with a reason (a record with an unparsable date is a reject, or its date is
ignored and counted):

* ``2017-06-29``, ``2017/06/29``, ``2017.06.29``, ``2017年6月29日`` with an optional
  time ``14:03`` or ``14:03:59`` (``T`` or a space before it, fractions allowed);
* ISO 8601 with a zone (``2017-06-29T14:03:00+08:00``, ``...Z``);
* epoch seconds as a number or a string of digits (``1498716180``); 13 digits are
  taken as milliseconds.

Dates with a zone are converted to UTC; dates without one are kept as written (news
dates are local time of the outlet).  Results are naive :class:`datetime.datetime` so
they compare with each other.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

__all__ = ["DateError", "format_date", "parse_date"]

_CALENDAR = re.compile(
    r"(?P<y>\d{4})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?:[T\s]|,)\s*(?P<H>\d{1,2})\s*[:：時时]\s*(?P<M>\d{1,2})"
    r"(?:\s*[:：分]\s*(?P<S>\d{1,2})(?:[.,](?P<f>\d{1,9}))?)?\s*[分秒]?)?"
    r"\s*(?P<z>Z|[+-]\d{2}:?\d{2}|UTC|GMT)?$",
    re.IGNORECASE,
)
_EPOCH = re.compile(r"\d{9,10}(?:\.\d+)?|\d{13}")
_FIRST_EPOCH_YEAR, _LAST_YEAR = 1970, 2200


class DateError(ValueError):
    """A value that is not a date in one of the accepted forms (module docstring)."""


def _from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).replace(tzinfo=None)


def parse_date(value: Any) -> datetime:
    """``value`` as a naive datetime (module docstring), or :class:`DateError`.

    >>> parse_date("2017/11/26 10:00")
    datetime.datetime(2017, 11, 26, 10, 0)
    >>> parse_date("2017-06-29T14:03:00+08:00")
    datetime.datetime(2017, 6, 29, 6, 3)
    >>> parse_date(1498716180)
    datetime.datetime(2017, 6, 29, 6, 3)
    >>> parse_date("2017年6月29日")
    datetime.datetime(2017, 6, 29, 0, 0)
    """
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, bool) or value is None:
        raise DateError(f"expected a date, got {value!r}")
    if isinstance(value, (int, float)):
        if not 0 <= value < 1e11:
            raise DateError(f"expected epoch seconds, got {value!r}")
        return _from_epoch(float(value))
    if not isinstance(value, str):
        raise DateError(f"expected a date string or epoch seconds, got {type(value).__name__}")
    text = value.strip()
    if _EPOCH.fullmatch(text):
        seconds = float(text) / (1000 if len(text) == 13 else 1)
        return _from_epoch(seconds)
    match = _CALENDAR.match(text)
    if match is None:
        raise DateError(
            f"unparsable date {value!r}: expected e.g. 2017-06-29 14:03, 2017/11/26 10:00, "
            "ISO 8601 or epoch seconds"
        )
    parts = match.groupdict()
    fraction = (parts["f"] or "0")[:6].ljust(6, "0")
    try:
        parsed = datetime(
            int(parts["y"]),
            int(parts["m"]),
            int(parts["d"]),
            int(parts["H"] or 0),
            int(parts["M"] or 0),
            int(parts["S"] or 0),
            int(fraction),
        )
    except ValueError as error:
        raise DateError(f"impossible date {value!r}: {error}") from None
    if not _FIRST_EPOCH_YEAR <= parsed.year <= _LAST_YEAR:
        raise DateError(f"date {value!r} is outside {_FIRST_EPOCH_YEAR}-{_LAST_YEAR}")
    zone = (parts["z"] or "").upper()
    if zone in ("Z", "UTC", "GMT"):
        return parsed
    if zone:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        minutes = sign * (int(digits[:2]) * 60 + int(digits[2:]))
        aware = parsed.replace(tzinfo=timezone.utc).timestamp() - minutes * 60
        return _from_epoch(aware)
    return parsed


def format_date(value: datetime | None) -> str | None:
    """The form outputs carry: ISO 8601 without a zone, seconds only when set.

    >>> format_date(datetime(2017, 11, 26, 10, 0))
    '2017-11-26T10:00'
    >>> format_date(datetime(2017, 11, 26))
    '2017-11-26'
    """
    if value is None:
        return None
    if value.second or value.microsecond:
        return value.isoformat(timespec="seconds")
    if value.hour or value.minute:
        return value.isoformat(timespec="minutes")
    return value.date().isoformat()
