"""Remote inputs (``s3://``, ``gs://``, ``https://``, ``memory://`` ...) through fsspec.

A path with a ``scheme://`` other than ``file://`` is remote.  Reading one needs the extra
``remote`` (fsspec, with s3fs, gcsfs and aiohttp for the common stores); without it the
path is a one-line error naming the extra, before any work.  A store that fsspec knows but
whose package is missing is a one-line error naming that package.

Every remote operation (listing, opening, each read of up to :data:`READ_BYTES`) must
answer within :func:`timeout` seconds (``ZHNORM_REMOTE_TIMEOUT``, default 60), else it is an
:class:`~zhnorm.io.InputError` naming the path: a dead or unreachable store is an error,
never a hang.  Store options (credentials, endpoints) come from fsspec's own configuration
and the store's environment variables.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable
from typing import Any, BinaryIO, TypeVar, cast

from .files import InputError

__all__ = ["READ_BYTES", "is_remote", "remote_listing", "remote_open", "timeout"]

READ_BYTES = 1 << 20
"""Bytes asked of a remote store per read."""

_T = TypeVar("_T")


def is_remote(path: str) -> bool:
    """``True`` for ``scheme://...`` paths other than ``file://``."""
    scheme, sep, _ = path.partition("://")
    return bool(sep) and scheme.isidentifier() and scheme.lower() != "file"


def timeout() -> float:
    """Seconds a remote operation may take (``ZHNORM_REMOTE_TIMEOUT``, default 60)."""
    raw = os.environ.get("ZHNORM_REMOTE_TIMEOUT", "60")
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"ZHNORM_REMOTE_TIMEOUT={raw!r}: expected seconds") from None
    if value <= 0:
        raise InputError(f"ZHNORM_REMOTE_TIMEOUT={raw!r}: expected a positive number")
    return value


def _answer(path: str, what: str, action: Callable[[], _T]) -> _T:
    """``action()`` on a daemon thread, or an InputError when it takes longer than
    :func:`timeout` (the thread is abandoned: it cannot keep the process alive)."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = action()
        except BaseException as exc:  # handed to the caller
            box["error"] = exc

    limit = timeout()
    thread = threading.Thread(target=work, daemon=True, name="zhnorm-remote")
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        raise InputError(f"{path}: {what}: no answer from the store within {limit:g} s")
    if "error" in box:
        error = box["error"]
        if isinstance(error, InputError):
            raise error
        if isinstance(error, FileNotFoundError):
            raise InputError(f"{path}: cannot open: No such file or directory") from None
        raise InputError(f"{path}: {what}: {type(error).__name__}: {error}") from None
    return cast(_T, box["value"])


def _filesystem(path: str) -> tuple[Any, str]:
    try:
        import fsspec
    except ImportError:
        raise InputError(
            f"{path}: reading remote paths needs the optional package 'fsspec': "
            "pip install 'zhnorm[remote]'"
        ) from None
    scheme = path.partition("://")[0]
    try:
        fs, inner = fsspec.core.url_to_fs(path)
    except ImportError as exc:
        raise InputError(f"{path}: fsspec cannot open {scheme!r} paths: {exc}") from None
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from None
    return fs, inner


def remote_listing(path: str) -> tuple[bool, list[tuple[str, str]]]:
    """``(is a directory, [(url, path relative to it), ...])`` for a remote path: a
    directory's files (recursively) or the one file.  A missing path is an error."""
    fs, inner = _filesystem(path)
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]

    def listing() -> tuple[bool, list[tuple[str, str]]]:
        if fs.isdir(inner):
            base = inner.rstrip("/")
            found = fs.find(inner)
            return True, [
                (
                    f"{protocol}://{name.lstrip('/')}" if "://" not in name else name,
                    name[len(base) :].lstrip("/"),
                )
                for name in sorted(found)
            ]
        if not fs.exists(inner):
            raise FileNotFoundError(path)
        return False, [(path, path)]

    return _answer(path, "listing", listing)


class _Patient(io.RawIOBase):
    """A remote file whose every read must answer within :func:`timeout`."""

    def __init__(self, path: str, handle: Any) -> None:
        self.path = path
        self.handle = handle

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return bool(self.handle.seekable())

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return int(self.handle.seek(offset, whence))

    def tell(self) -> int:
        return int(self.handle.tell())

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), READ_BYTES)
        data: bytes = _answer(self.path, "reading", lambda: self.handle.read(wanted))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            try:
                self.handle.close()
            finally:
                super().close()


def remote_open(path: str) -> BinaryIO:
    """A buffered binary stream of a remote file (reads bounded by :func:`timeout`)."""
    fs, inner = _filesystem(path)
    handle = _answer(path, "opening", lambda: fs.open(inner, "rb"))
    return cast(BinaryIO, io.BufferedReader(_Patient(path, handle), buffer_size=READ_BYTES))
