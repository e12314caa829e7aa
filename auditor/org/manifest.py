"""``shard-manifest.json``: which members a run (or shard) was given and what became of them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from auditor.errors import UsageError
from auditor.org.report import Organization
from auditor.render.atomic import write_atomic

MANIFEST_NAME = "shard-manifest.json"


class NotAudited(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    reason: str


class Manifest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    manifest_version: Literal[1] = 1
    shard: str = Field(description="I/N")
    total_accounts: int = Field(description="accounts in the whole accounts file")
    generated_at: AwareDatetime
    organization: Organization = Organization()
    fail_on: str = "high"
    names: dict[str, str] = Field(default_factory=dict)
    accounts: list[str] = Field(description="every member this shard was given")
    audited: list[str]
    not_audited: list[NotAudited]


def write_manifest(directory: Path, manifest: Manifest) -> Path:
    text = json.dumps(manifest.model_dump(mode="json"), indent=2) + "\n"
    return write_atomic(directory / MANIFEST_NAME, text.encode("utf-8"))


def read_manifest(directory: Path) -> Manifest:
    """The manifest of a run directory; a missing or invalid one is a usage error."""
    path = directory / MANIFEST_NAME
    try:
        return Manifest.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise UsageError(f"merge: {directory} has no {MANIFEST_NAME} (not a run --accounts "
                         "output directory)") from None
    except OSError as exc:
        raise UsageError(f"merge: cannot read {path}: {exc.strerror}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UsageError(f"merge: {path}: {where}: {first['msg']}") from None
