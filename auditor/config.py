"""The configuration file: check selection, parameter and severity overrides, ``fail_on``.

TOML, either a ``ram-audit.toml`` file or the ``[tool.ram-audit]`` table of a
``pyproject.toml``::

    checks = []                      # empty: every check enabled by default
    enable = ["access_key_prefer_sts"]  # off-by-default checks to add to the defaults
    exclude_checks = ["user_in_group"]
    fail_on = "high"                 # critical | high | medium | low | info | never
    waivers = "waivers.yaml"         # relative to this file

    [params.user_console_inactive_disabled]
    max_days = 60

    [severity]
    user_unused = "medium"
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from auditor._toml import tomllib
from auditor.check import allowed_range
from auditor.errors import UsageError, plain_problem
from auditor.findings import Severity
from auditor.registry import CheckRegistry

FailOn = Literal["critical", "high", "medium", "low", "info", "never"]
CONFIG_FILENAME = "ram-audit.toml"


class AuditConfig(BaseModel):
    """Validated configuration; ``source`` is where it came from (for messages)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    checks: tuple[str, ...] = ()
    exclude_checks: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()
    fail_on: FailOn = "high"
    waivers: Path | None = None
    params: dict[str, dict[str, Any]] = Field(default_factory=dict)
    severity: dict[str, Severity] = Field(default_factory=dict)
    source: str = Field("(defaults)", exclude=True)

    @field_validator("fail_on", mode="before")
    @classmethod
    def _fail_on_any_case(cls, value: object) -> object:
        """``fail_on = "HIGH"`` as ``--fail-on HIGH``: case-insensitive."""
        return value.lower() if isinstance(value, str) else value

    def check_against(self, registry: CheckRegistry) -> None:
        """Fail with a message naming the file and entry for unknown checks or parameters."""
        for field in ("checks", "exclude_checks", "enable", "params", "severity"):
            for check_id in getattr(self, field):
                if check_id not in registry:
                    raise UsageError(f"{self.source}: {field}: unknown check id {check_id!r}")
        for check_id, values in self.params.items():
            params_model = registry.get(check_id).check.Params
            for name in values:
                if name not in params_model.model_fields:
                    known = ", ".join(params_model.model_fields) or "none"
                    raise UsageError(
                        f"{self.source}: params.{check_id}: unknown parameter {name!r} "
                        f"(parameters of {check_id}: {known})"
                    )
            try:
                params_model(**values)
            except ValidationError as exc:
                err = exc.errors()[0]
                name = str(err["loc"][0]) if err["loc"] else ""
                allowed = (
                    f"; allowed: {allowed_range(params_model, name)}"
                    if name and err["type"] != "literal_error"  # the problem lists them
                    else ""
                )
                raise UsageError(
                    f"{self.source}: params.{check_id}: {name}: {plain_problem(err)}{allowed}"
                ) from None


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {plain_problem(err)}" if where else plain_problem(err)


def _from_mapping(data: dict[str, Any], source: str, base_dir: Path) -> AuditConfig:
    try:
        config = AuditConfig.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise UsageError(f"{source}: {_first_error(exc)}") from None
    if config.waivers is not None and not config.waivers.is_absolute():
        config = config.model_copy(update={"waivers": base_dir / config.waivers})
    return config


def load_config(path: Path) -> AuditConfig:
    """Read a ``ram-audit.toml`` or a ``pyproject.toml`` (``[tool.ram-audit]``)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read config file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("ram-audit")
        if data is None:
            raise UsageError(f"{path}: no [tool.ram-audit] table")
        source = f"{path} [tool.ram-audit]"
    else:
        source = str(path)
    return _from_mapping(data, source, path.parent)


def discover_config(directory: Path) -> AuditConfig | None:
    """``ram-audit.toml``, else ``pyproject.toml`` with ``[tool.ram-audit]``, in ``directory``."""
    candidate = directory / CONFIG_FILENAME
    if candidate.is_file():
        return load_config(candidate)
    pyproject = directory / "pyproject.toml"
    if pyproject.is_file():
        try:
            text = pyproject.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        # A broken pyproject.toml is none of our business unless it configures ram-audit.
        if "[tool.ram-audit" in text:
            return load_config(pyproject)
    return None
