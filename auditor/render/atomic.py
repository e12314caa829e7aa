"""Write files atomically: a temp file in the same directory, fsync, then rename."""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from auditor.errors import UsageError

_HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class OutputError(UsageError):
    """An output file or directory that cannot be written (names the path)."""


#: A file's content: bytes, or parts written one after the other (not joined: a copy).
Content = bytes | Sequence[bytes]


def write_atomic(path: Path, data: Content) -> Path:
    """Replace ``path`` with ``data`` so readers see the old file or the new one, never half.

    The file is created with mode 0600 (reports describe an account's security posture).
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
        os.replace(tmp_name, path)
    except BaseException:  # includes KeyboardInterrupt: never leave the temp file behind
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_directory(path.parent)
    return path


def write_files(files: Mapping[Path, Content]) -> list[Path]:
    """Write each file atomically; SIGINT/SIGTERM wait until all are written.

    So an interrupt never leaves a mix of this run's and the previous run's reports. An
    unwritable path raises :class:`OutputError` naming it.
    """
    written = []
    with _signals_held():
        for path, data in files.items():
            try:
                written.append(write_atomic(path, data))
            except OSError as exc:
                raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
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
