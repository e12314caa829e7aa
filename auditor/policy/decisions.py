"""Decisions and their evidence: frozen values with ``to_dict()`` for JSON (spec §2)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Decision(str, Enum):
    """The answer to one request (public ids)."""

    ALLOW = "ALLOW"
    CONDITIONAL = "CONDITIONAL"
    DENY = "DENY"
    IMPLICIT_DENY = "IMPLICIT_DENY"
    UNKNOWN = "UNKNOWN"

    def __str__(self) -> str:
        return self.value

    @property
    def grants(self) -> bool:
        """ALLOW or CONDITIONAL: the request may succeed."""
        return self in (Decision.ALLOW, Decision.CONDITIONAL)


#: Order for "the lower of" several required authorizations (an edge needs them all).
_RANK = {
    Decision.ALLOW: 4,
    Decision.CONDITIONAL: 3,
    Decision.UNKNOWN: 2,
    Decision.IMPLICIT_DENY: 1,
    Decision.DENY: 0,
}


def lowest(decisions: Iterable[Decision]) -> Decision:
    """The weakest of decisions that must all hold (ALLOW for none)."""
    return min(decisions, key=_RANK.__getitem__, default=Decision.ALLOW)


def highest(decisions: Iterable[Decision]) -> Decision:
    """The strongest of alternatives (IMPLICIT_DENY for none)."""
    return max(decisions, key=_RANK.__getitem__, default=Decision.IMPLICIT_DENY)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One deciding statement: which policy, how it is held, which statement, what it says.

    Trust statements have ``policy_type`` ``"Trust"`` and ``policy`` the role's node id.
    """

    policy: str
    policy_type: str
    version: str
    held: str
    statement: int
    effect: str
    condition_keys: tuple[str, ...] = ()
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "policy_type": self.policy_type,
            "version": self.version,
            "held": self.held,
            "statement": self.statement,
            "effect": self.effect,
            "condition_keys": list(self.condition_keys),
            "note": self.note,
        }

    def describe(self) -> str:
        """``AdminLike (Custom v2, group:ops) statement 0 Allow [acs:SourceIp]``."""
        where = ", ".join(x for x in (self.policy_type, self.version, self.held) if x)
        keys = f" if {', '.join(self.condition_keys)}" if self.condition_keys else ""
        note = f" ({self.note})" if self.note else ""
        return f"{self.policy} ({where}) statement {self.statement} {self.effect}{keys}{note}"


class EvidenceTexts:
    """:meth:`Evidence.describe` of each Evidence object, written once per engine: one
    grant opens a principal's paths onto many targets (every edge of it has the same
    Evidence objects), and the checks' messages and the report's ``escalation`` section
    both write them. Keeps what it described alive, so that the ids it is keyed by stay
    those objects'."""

    def __init__(self) -> None:
        self._one: dict[int, tuple[Evidence, str]] = {}
        self._distinct: dict[tuple[int, ...], tuple[tuple[Evidence, ...], tuple[str, ...]]] = {}

    def text(self, ev: Evidence) -> str:
        found = self._one.get(id(ev))
        if found is None:
            found = self._one[id(ev)] = (ev, ev.describe())
        return found[1]

    def distinct(self, evidence: tuple[Evidence, ...]) -> tuple[str, ...]:
        """The texts of ``evidence``, each once, in order (once per tuple of objects)."""
        key = tuple(map(id, evidence))
        found = self._distinct.get(key)
        if found is None:
            found = self._distinct[key] = (
                evidence, tuple(dict.fromkeys(self.text(e) for e in evidence)))
        return found[1]


@dataclass(frozen=True, slots=True)
class Authorization:
    """The decision on one request, with the evidence behind it and notes (e.g. resource
    patterns that are not ARNs, unreadable policies)."""

    action: str
    resource: str
    decision: Decision
    evidence: tuple[Evidence, ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "resource": self.resource,
            "decision": self.decision.value,
            "evidence": [e.to_dict() for e in self.evidence],
            "notes": list(self.notes),
        }
