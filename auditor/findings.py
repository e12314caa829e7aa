"""What a check says about one resource: status, severity, resource, finding."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict


class Status(str, Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    UNKNOWN = "UNKNOWN"
    ERROR = "ERROR"
    NOT_APPLICABLE = "NOT_APPLICABLE"

    def __str__(self) -> str:
        return self.value


class Severity(str, Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    def __str__(self) -> str:
        return self.value

    @property
    def rank(self) -> int:
        """Higher is more severe: critical=4 … info=0."""
        return _SEVERITY_RANK[self]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


class Resource(BaseModel):
    """The thing a finding is about: account, user, access_key, group, policy or role."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    id: str
    name: str = ""


class Finding(BaseModel):
    """One check's verdict on one resource, as the check produces it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    check_id: str
    status: Status
    resource: Resource
    message: str
