"""Compliance frameworks shipped as TOML data files in ``auditor/frameworks/``.

A framework file names its controls (id, title, documentation link, and the ids of the
checks that implement each) and may override check parameters (``[params.<check_id>]``).
The framework owns its mapping: adding a framework touches no check. (A third-party check
may also declare ``meta.compliance`` for frameworks; both sources are merged.)
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from auditor.errors import RamAuditError

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:  # importlib.resources.abc is new in 3.11
        from importlib.abc import Traversable

from auditor._toml import tomllib

FRAMEWORKS_PACKAGE = "auditor"
FRAMEWORKS_DIR = "frameworks"


class FrameworkError(RamAuditError):
    """A framework file is malformed; the message names the file."""


class Control(BaseModel):
    """One control (recommendation) of a framework."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    doc_url: str = Field("", pattern=r"^(https://.*)?$")
    checks: tuple[str, ...] = Field(default=(), description="ids of the checks implementing it")


class Framework(BaseModel):
    """A compliance framework: its controls and the check parameters it overrides."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    version: str = Field(min_length=1)
    url: str = Field("", pattern=r"^(https://.*)?$")
    params: Mapping[str, Mapping[str, Any]] = Field(default_factory=dict)
    controls: tuple[Control, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_control_ids(self) -> Framework:
        ids = [c.id for c in self.controls]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate control ids: {', '.join(duplicates)}")
        return self

    def control(self, control_id: str) -> Control | None:
        return next((c for c in self.controls if c.id == control_id), None)


def load_framework(source: Traversable) -> Framework:
    """Parse and validate one framework file; the name must match the file's stem."""
    try:
        framework = Framework.model_validate(tomllib.loads(source.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, ValidationError, UnicodeDecodeError) as exc:
        raise FrameworkError(f"invalid framework file {source.name}: {exc}") from exc
    stem = source.name.removesuffix(".toml")
    if framework.name != stem:
        raise FrameworkError(
            f"invalid framework file {source.name}: name {framework.name!r} must be {stem!r}"
        )
    return framework


def load_frameworks(directory: Traversable | None = None) -> dict[str, Framework]:
    """Every framework file in ``directory`` (default: the packaged ones), by name.

    The packaged files are read once per process (a command needs them twice: for the
    check registry's mappings and for the evaluation); each call returns a new dict of
    the same frozen frameworks.
    """
    if directory is None:
        return dict(_packaged_frameworks())
    return _read_frameworks(directory)


@cache
def _packaged_frameworks() -> dict[str, Framework]:
    return _read_frameworks(files(FRAMEWORKS_PACKAGE).joinpath(FRAMEWORKS_DIR))


def _read_frameworks(root: Traversable) -> dict[str, Framework]:
    sources = sorted(
        (f for f in root.iterdir() if f.is_file() and f.name.endswith(".toml")),
        key=lambda f: f.name,
    )
    return {fw.name: fw for fw in map(load_framework, sources)}


def framework_mappings(frameworks: Mapping[str, Framework]) -> dict[str, dict[str, list[str]]]:
    """check id -> framework name -> control ids, as the framework files map them."""
    out: dict[str, dict[str, list[str]]] = {}
    for name, framework in sorted(frameworks.items()):
        for control in framework.controls:
            for check_id in control.checks:
                out.setdefault(check_id, {}).setdefault(name, []).append(control.id)
    return out
