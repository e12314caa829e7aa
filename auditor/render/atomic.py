"""Write files atomically: a temp file in the same directory, fsync, then rename."""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from auditor.errors import UsageError

_HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class OutputError(UsageError):
    """An output file or directory that cannot be written (names the path)."""


#: A file's content: bytes, or parts written one after the other (not joined: a copy).
#: The parts may be produced while they are written (report.json is encoded a slice of
#: results at a time, so that the whole file never sits in memory).
Content = bytes | Iterable[bytes | memoryview]


def _write_temp(path: Path, data: Content) -> str:
    """``data`` in a new 0600 temp file beside ``path``, flushed to disk; its name.

    Nothing is left behind if writing (or producing ``data``) fails.
    """
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as tmp:
            if isinstance(data, bytes):
                tmp.write(data)
            else:
                tmp.writelines(data)
            tmp.flush()
            os.fsync(tmp.fileno())
    except BaseException:  # includes KeyboardInterrupt: never leave the temp file behind
        _remove(tmp_name)
        raise
    return tmp_name


def _remove(name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name)


def write_atomic(path: Path, data: Content) -> Path:
    """Replace ``path`` with ``data`` so readers see the old file or the new one, never half.

    The file is created with mode 0600 (reports describe an account's security posture).
    """
    tmp_name = _write_temp(path, data)
    try:
        os.replace(tmp_name, path)
    except BaseException:
        _remove(tmp_name)
        raise
    _fsync_directory(path.parent)
    return path


def write_files(files: Mapping[Path, Content]) -> list[Path]:
    """Write each file atomically; SIGINT/SIGTERM wait until all are written.

    Every file is written to its temp file before any is renamed into place, so an error
    while producing or writing any file's content (report.json's is produced while it is
    written) leaves the previous reports as they were, and no temp file. An unwritable
    path raises :class:`OutputError` naming it.
    """
    staged: list[tuple[str, Path]] = []
    renamed = 0
    with _signals_held():
        try:
            for path, data in files.items():
                try:
                    staged.append((_write_temp(path, data), path))
                except OSError as exc:
                    raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
            for tmp_name, path in staged:
                try:
                    os.replace(tmp_name, path)
                except OSError as exc:
                    raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
                renamed += 1
        finally:
            for tmp_name, _ in staged[renamed:]:  # not renamed: an error came first
                _remove(tmp_name)
    written = [path for _, path in staged]
    for directory in dict.fromkeys(path.parent for path in written):
        _fsync_directory(directory)
    return written


def check_writable_dir(directory: Path, what: str) -> None:
    """Raise :class:`OutputError` unless files can be written in ``directory`` (or it created).

    Called before an audit so that a bad output path never costs a collection; nothing is
    created here.
    """
    existing = directory
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"{what} {directory}: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"{what} {directory}: {existing} is not writable")


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Defer SIGINT/SIGTERM to the end of the block, then deliver them to the usual handler."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be changed from the main thread
        return
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda s, _f: received.append(s)) for sig in _HELD_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        if received:
            signal.raise_signal(received[0])


def _fsync_directory(directory: Path) -> None:
    """Persist the rename itself (best effort; not supported on every platform)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
