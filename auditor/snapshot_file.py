"""Reading and writing ``snapshot.json`` (``ram-audit collect`` / ``ram-audit evaluate``)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from auditor.errors import UsageError
from auditor.render.atomic import write_atomic
from auditor.snapshot import SNAPSHOT_SCHEMA_VERSION, AccountSnapshot


def save_snapshot(snapshot: AccountSnapshot, path: Path) -> None:
    """Write atomically: a crash never leaves a half-written snapshot."""
    write_atomic(path, (snapshot.model_dump_json(indent=2) + "\n").encode())


def load_snapshot(path: Path) -> AccountSnapshot:
    """Read a snapshot; a corrupt or wrong-version file is a :class:`UsageError`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read snapshot: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not a JSON snapshot: {exc}") from None
    version = data.get("meta", {}).get("schema_version") if isinstance(data, dict) else None
    if version != SNAPSHOT_SCHEMA_VERSION:
        raise UsageError(
            f"{path}: snapshot schema_version is {version!r}; this ram-audit reads "
            f"{SNAPSHOT_SCHEMA_VERSION!r} (collect it again with this version)"
        )
    try:
        return AccountSnapshot.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise UsageError(
            f"{path}: invalid snapshot at {where}: {err['msg']} "
            f"({exc.error_count()} problem(s) in all)"
        ) from None
