"""Wildcard patterns of the RAM policy language, compiled once (spec §2.1).

Action patterns match case-insensitively; ``*`` is any run of characters (also across
``:``), ``?`` one character, anchored at both ends. Resource patterns are five-segment ARNs
``acs:<service>:<region>:<account>:<relative-id>`` compared segment by segment: the service
case-insensitively, the region ignored for ``ram`` and ``sts``, the relative id
case-sensitively for Allow and case-insensitively for Deny (both resolve toward "possible").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

#: Services whose ARNs name the same object whatever their region segment says.
REGIONLESS_SERVICES = frozenset({"ram", "sts"})


@lru_cache(maxsize=16384)
def compile_wildcard(pattern: str, ignore_case: bool = True) -> re.Pattern[str]:
    """An anchored regex for a ``*``/``?`` pattern (use ``fullmatch``)."""
    parts = ("." if c == "?" else ".*" if c == "*" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), (re.IGNORECASE if ignore_case else 0) | re.DOTALL)


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def all_stars(text: str) -> bool:
    return bool(text) and set(text) == {"*"}


def matches_every_action(pattern: str) -> bool:
    """``*``, ``*:*`` (and ``**``, ``**:*``...): patterns matching every action."""
    service, sep, name = pattern.partition(":")
    return all_stars(pattern) if not sep else all_stars(service) and all_stars(name)


def covers(pattern: str, other: str, ignore_case: bool = True) -> bool:
    """Whether glob ``pattern`` matches every string glob ``other`` can match (sound when
    ``pattern`` has no ``?``: its literals then meet literals of ``other``)."""
    return "?" not in pattern and bool(compile_wildcard(pattern, ignore_case).fullmatch(other))


@lru_cache(maxsize=16384)
def _union(patterns: tuple[str, ...]) -> re.Pattern[str]:
    source = "|".join(f"(?:{compile_wildcard(p).pattern})" for p in patterns)
    return re.compile(source or "(?!)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class ActionMatcher:
    """The Action (or NotAction) patterns of one statement, as one compiled regex."""

    patterns: tuple[str, ...]
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)
    every_action: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", _union(self.patterns))
        object.__setattr__(self, "every_action", any(matches_every_action(p)
                                                     for p in self.patterns))

    def match(self, action: str) -> bool:
        return self.regex.fullmatch(action) is not None


@dataclass(frozen=True)
class Arn:
    """A request resource ARN split in its five segments (``*`` = every resource)."""

    text: str
    service: str = ""
    region: str = ""
    account: str = ""
    relative: str = ""

    @property
    def is_any(self) -> bool:
        return self.text == "*"


def parse_arn(text: str) -> Arn | None:
    """``*`` or ``acs:<service>:<region>:<account>:<relative-id>``; None when neither."""
    if text == "*":
        return Arn("*")
    parts = text.split(":", 4)
    if len(parts) != 5 or parts[0].lower() != "acs" or not parts[1] or not parts[4]:
        return None
    return Arn(text, parts[1].lower(), parts[2], parts[3], parts[4])


@dataclass(frozen=True)
class ResourcePattern:
    """One Resource/NotResource (or trust Principal) pattern, compiled once.

    ``valid`` is False for a pattern that is neither ``*`` nor five segments: it matches
    nothing and is named in evidence.
    """

    text: str
    valid: bool = field(init=False, default=False)
    segments: tuple[str, ...] = field(init=False, default=())
    #: ``*`` or five segments matching every ARN (``acs:*:*:*:*``).
    every_arn: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        parts = self.text.split(":", 4)
        object.__setattr__(self, "valid", self.text == "*" or len(parts) == 5)
        object.__setattr__(self, "segments", tuple(parts) if len(parts) == 5 else ())
        every = self.text == "*" or (
            len(parts) == 5
            and compile_wildcard(parts[0]).fullmatch("acs") is not None
            and all(all_stars(s) for s in parts[1:])
        )
        object.__setattr__(self, "every_arn", every)

    def _head_matches(self, arn: Arn) -> bool:
        prefix, service, region, account, _ = self.segments
        if not compile_wildcard(prefix).fullmatch("acs"):
            return False
        if not compile_wildcard(service).fullmatch(arn.service):
            return False
        if arn.service not in REGIONLESS_SERVICES and not compile_wildcard(region).fullmatch(
            arn.region
        ):
            return False
        return compile_wildcard(account).fullmatch(arn.account) is not None

    def match(self, arn: Arn, *, deny: bool) -> bool:
        """Whether this pattern matches ``arn`` (a request ARN; ``*`` handled by callers)."""
        if not self.valid:
            return False
        if self.text == "*":
            return True
        if arn.is_any or not self._head_matches(arn):
            return False
        relative = compile_wildcard(self.segments[4], ignore_case=deny)
        return relative.fullmatch(arn.relative) is not None

    def head_matches(self, service: str, account: str) -> bool:
        """Whether service and account segments match (region ignored: RAM/STS only)."""
        if not self.valid:
            return False
        if self.text == "*":
            return True
        return self._head_matches(Arn("", service, "", account, ""))

    def relative_regex(self, *, deny: bool) -> re.Pattern[str]:
        return compile_wildcard("*" if self.text == "*" else self.segments[4], ignore_case=deny)

    def relative_text(self) -> str:
        return "*" if self.text == "*" else self.segments[4]


def compile_resources(patterns: Iterable[str]) -> tuple[ResourcePattern, ...]:
    return tuple(ResourcePattern(p) for p in patterns)
