"""The HTTP face of the emulator: a ThreadingHTTPServer on 127.0.0.1 and the Emulator API."""

from __future__ import annotations

import errno
import json
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qsl, urlsplit

from auditor.emulator.auth import SignedRequest
from auditor.emulator.dispatch import Backend, Response
from auditor.emulator.faults import Faults
from auditor.emulator.world import World, load_world
from auditor.errors import UsageError

if TYPE_CHECKING:
    from typing_extensions import Self


class PortError(UsageError):
    """The emulator cannot listen where asked (port taken, not allowed): exit 2, one line."""


class RequestSink(Protocol):
    """What answers requests: one account's :class:`Backend`, or an organisation's."""

    def handle(self, request: SignedRequest) -> Response: ...


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    backend: RequestSink

    def server_bind(self) -> None:
        """Bind, or :class:`PortError` naming the address (not an ``OSError`` traceback)."""
        try:
            super().server_bind()
        except OSError as exc:
            host, port = self.server_address[:2]
            host = host.decode() if isinstance(host, bytes) else host
            if exc.errno == errno.EADDRINUSE:
                problem = "is already in use"
            else:
                problem = f"cannot be listened on: {exc.strerror or exc}"
            raise PortError(f"emulator: port {port} on {host} {problem} (choose another "
                            "--port, or --port 0 for a free one)") from None


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave in separate writes
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        form: list[tuple[str, str]] = []
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            form = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        request = SignedRequest(
            method=self.command, path=url.path or "/",
            query=parse_qsl(url.query, keep_blank_values=True),
            headers=headers, body=body, form=form,
        )
        response = self.server.backend.handle(request)
        payload = json.dumps(response.body).encode()
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet; the emulator is used inside test runs."""


class LocalServer:
    """Serves a :data:`RequestSink` on a loopback port from a daemon thread; the common
    start/stop/``with``/endpoint part of :class:`Emulator` and the organisation emulator."""

    _thread_name = "ram-audit-emulator"

    def __init__(self, backend: RequestSink, host: str, port: int) -> None:
        self._sink = backend
        self._address = (host, port)
        self._server: _Server | None = None

    def start(self) -> Self:
        server = _Server(self._address, _RequestHandler)
        server.backend = self._sink
        self._server = server
        threading.Thread(
            target=server.serve_forever, args=(0.05,), name=self._thread_name, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not running; use start() or a with block")
        return int(self._server.server_address[1])

    @property
    def endpoint(self) -> str:
        """``127.0.0.1:PORT``: pass it as ``Config(endpoint=..., protocol='http')``."""
        return f"{self._address[0]}:{self.port}"


class Emulator(LocalServer):
    """A local RAM/IMS/STS API server for one world, run on a daemon thread.

    ``now`` anchors the world's relative timestamps (resolved once, here). Temporary STS
    credentials expire on the wall clock, which :meth:`advance_clock` can move forward.
    """

    def __init__(
        self,
        world: World | str | Path,
        faults: Faults | None = None,
        port: int = 0,
        *,
        now: datetime | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.world = world if isinstance(world, World) else load_world(world)
        self.backend = Backend(self.world, faults or Faults(), now or datetime.now(timezone.utc))
        super().__init__(self.backend, host, port)

    @property
    def call_counts(self) -> dict[str, int]:
        """Requests received per action (faulted and refused ones included); a copy."""
        return self.backend.call_counts()

    @property
    def write_attempts(self) -> list[str]:
        """Actions that would change the account, in the order they arrived."""
        return self.backend.write_attempts()

    def reset_counts(self) -> None:
        """Forget call counts and write attempts (fault draws restart too)."""
        self.backend.reset_counts()

    def advance_clock(self, seconds: float) -> None:
        """Move the emulator's wall clock forward, e.g. to expire STS credentials."""
        self.backend.clock_offset += timedelta(seconds=seconds)


def _example_credentials(world: World) -> tuple[str, str] | None:
    """An active key of the world to audit with: ram-auditor's, else any RAM user's.

    Never a root key: the auditor should not run as root (audit_caller_not_root).
    """
    users = sorted(world.users, key=lambda u: u.name != "ram-auditor")
    keys = [k for u in users for k in u.access_keys if k.status == "Active"]
    return (keys[0].id, keys[0].secret_value()) if keys else None


def serve(world_path: str, port: int, faults: Faults) -> None:
    """Serve ``world_path`` on 127.0.0.1:``port`` until interrupted (Ctrl-C)."""
    emulator = Emulator(world_path, faults, port).start()
    url = f"http://{emulator.endpoint}"
    example = " ".join(f"RAM_AUDIT_ENDPOINT_{s}={url}" for s in ("RAM", "IMS", "STS"))
    credentials = _example_credentials(emulator.world)
    if credentials:
        example += (f" ALIBABA_CLOUD_ACCESS_KEY_ID={credentials[0]}"
                    f" ALIBABA_CLOUD_ACCESS_KEY_SECRET={credentials[1]}")
    print(f"Emulating account {emulator.world.account.id} on {url} — export {example}",
          flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
