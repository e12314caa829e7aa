"""``--notify`` targets: ``dingtalk:URL``, ``lark:URL`` (also ``feishu:``), ``wecom:URL``,
``slack:URL``, ``webhook:URL`` or a bare ``https://`` URL (generic webhook).

A webhook URL usually carries a secret of its own (an access token, a key, Slack's path), so
a target is only ever shown as its platform and host.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from auditor.errors import UsageError

Platform = Literal["dingtalk", "lark", "wecom", "slack", "webhook"]
PLATFORMS: tuple[Platform, ...] = ("dingtalk", "lark", "wecom", "slack", "webhook")
_ALIASES: dict[str, Platform] = {"feishu": "lark", **{p: p for p in PLATFORMS}}

#: Signing secrets, read from the environment only (never from the command line).
SECRET_ENV: dict[Platform, str] = {
    "dingtalk": "RAM_AUDIT_DINGTALK_SECRET",
    "lark": "RAM_AUDIT_LARK_SECRET",
}


@dataclass(frozen=True)
class Target:
    platform: Platform
    url: str

    def __str__(self) -> str:
        return f"{self.platform} ({urlsplit(self.url).hostname})"

    def __repr__(self) -> str:  # never the URL: it holds the webhook's token
        return f"Target({self})"


def parse_target(text: str) -> Target:
    """``platform:URL`` or a bare http(s) URL; :class:`UsageError` naming what is wrong."""
    head, sep, rest = text.partition(":")
    if sep and head.lower() in _ALIASES:
        platform, url = _ALIASES[head.lower()], rest
    elif head.lower() in ("http", "https"):
        platform, url = "webhook", text
    else:
        raise UsageError(
            f"--notify {head or text!r}...: expected PLATFORM:URL with PLATFORM one of "
            f"dingtalk, lark, feishu, wecom, slack, webhook (or a bare https:// URL)"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--notify {platform}:...: the URL must be http(s)://host/...")
    return Target(platform, url)
