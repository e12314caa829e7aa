"""Webhook signatures of DingTalk and Lark/Feishu custom robots.

DingTalk: timestamp in milliseconds; HMAC-SHA256 keyed with the secret over
``"<timestamp>\\n<secret>"``; Base64; sent URL-encoded as the ``sign`` query parameter next
to ``timestamp``.

Lark/Feishu: timestamp in seconds; HMAC-SHA256 keyed with ``"<timestamp>\\n<secret>"`` over
an empty message; Base64; sent as ``timestamp`` and ``sign`` in the JSON body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """Base64 signature (URL-encode it when putting it in the query string)."""
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def lark_sign(secret: str, timestamp_s: int) -> str:
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
