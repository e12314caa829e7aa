"""A local fake of the chat platforms' webhook endpoints (http.server on 127.0.0.1 in a
thread) that checks signatures the way the platforms document them and answers as they do.

The signature checks are written here from the platforms' documentation, independently of
``auditor.notify.signing``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class FakePlatform:
    """``answer(received) -> (status, body)``; every request is kept in ``received``."""

    answer: Callable[[Received], tuple[int, bytes]]
    delay_s: float = 0.0
    received: list[Received] = field(default_factory=list)
    url: str = ""


def dingtalk_answer(secret: str) -> Callable[[Received], tuple[int, bytes]]:
    def answer(req: Received) -> tuple[int, bytes]:
        ts, sign = req.query.get("timestamp", ""), req.query.get("sign", "")
        expected = base64.b64encode(hmac.new(
            secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()).decode()
        fresh = ts.isdigit() and abs(int(ts) - time.time() * 1000) < 3_600_000
        if not (fresh and hmac.compare_digest(sign, expected)):
            return 200, json.dumps({"errcode": 310000, "errmsg": "sign not match"}).encode()
        return 200, json.dumps({"errcode": 0, "errmsg": "ok"}).encode()

    return answer


def lark_answer(secret: str) -> Callable[[Received], tuple[int, bytes]]:
    def answer(req: Received) -> tuple[int, bytes]:
        ts, sign = str(req.body.get("timestamp", "")), str(req.body.get("sign", ""))
        key = f"{ts}\n{secret}".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        fresh = ts.isdigit() and abs(int(ts) - time.time()) < 3600
        if not (fresh and hmac.compare_digest(sign, expected)):
            return 200, json.dumps({"code": 19021, "msg": "sign match fail or timestamp is "
                                    "not within one hour from current time"}).encode()
        return 200, json.dumps({"code": 0, "msg": "success", "data": {}}).encode()

    return answer


def errcode_ok(req: Received) -> tuple[int, bytes]:
    return 200, b'{"errcode": 0, "errmsg": "ok"}'


def text_ok(req: Received) -> tuple[int, bytes]:
    return 200, b"ok"


@contextmanager
def serving(platform: FakePlatform, path: str = "/hook") -> Iterator[FakePlatform]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            parts = urlsplit(self.path)
            req = Received(
                path=parts.path,
                query={k: v[0] for k, v in parse_qs(parts.query).items()},
                headers=dict(self.headers.items()),
                body=json.loads(raw),
            )
            platform.received.append(req)
            if platform.delay_s:
                time.sleep(platform.delay_s)
            status, body = platform.answer(req)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the client gave up waiting (time-out test)
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    platform.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    try:
        yield platform
    finally:
        server.shutdown()
        server.server_close()
