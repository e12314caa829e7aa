"""Reading and writing ``snapshot.json`` (``ram-audit collect`` / ``ram-audit evaluate``)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from auditor._gc import no_cyclic_gc
from auditor.errors import UsageError, first_problem
from auditor.render.atomic import OutputError, write_files
from auditor.snapshot import SNAPSHOT_SCHEMA_VERSION, AccountSnapshot

#: ``model_dump_json``'s bytes, without its str round trip (two more copies of the file).
_SNAPSHOT: TypeAdapter[AccountSnapshot] = TypeAdapter(AccountSnapshot)


def save_snapshot(snapshot: AccountSnapshot, path: Path) -> None:
    """Write atomically: a crash or an interrupt never leaves a half-written snapshot."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path.parent}: cannot create directory: {exc.strerror}") from None
    write_files({path: (_SNAPSHOT.dump_json(snapshot, indent=2), b"\n")})


def load_snapshot(path: Path) -> AccountSnapshot:
    """Read a snapshot; a corrupt or wrong-version file is a :class:`UsageError`.

    A valid snapshot is parsed and validated in one pass by pydantic (no intermediate
    Python objects for the whole file); anything else is read again the slow way, which
    says what is wrong with it.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read snapshot: {exc.strerror}") from None
    try:
        with no_cyclic_gc():
            return AccountSnapshot.model_validate_json(raw)
    except ValidationError:
        return _diagnose(path, raw)


def _diagnose(path: Path, raw: bytes) -> AccountSnapshot:
    """Why ``raw`` is not a snapshot, as a :class:`UsageError` (or the snapshot, should
    Python's JSON reader accept what pydantic's refused)."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not a JSON snapshot: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("meta"), dict):
        if isinstance(data, dict) and "schema_version" in data and "results" in data:
            raise UsageError(
                f"{path}: this is a report, not a snapshot (re-render it with "
                "'ram-audit render'; 'ram-audit collect' writes snapshots)"
            )
        raise UsageError(f"{path}: not a ram-audit snapshot (no 'meta' object)")
    version = data["meta"].get("schema_version")
    if version != SNAPSHOT_SCHEMA_VERSION:
        raise UsageError(
            f"{path}: snapshot schema_version is {version!r}; this ram-audit reads "
            f"{SNAPSHOT_SCHEMA_VERSION!r} (collect it again with this version)"
        )
    try:
        return AccountSnapshot.model_validate(data)
    except ValidationError as exc:
        raise UsageError(f"{path}: invalid snapshot {first_problem(exc.errors())}") from None
