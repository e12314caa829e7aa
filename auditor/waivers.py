"""Waivers: accepted risks with an owner, a reason and an expiry date.

A waivers file is YAML (a list, or a mapping with a ``waivers`` list) or TOML
(``[[waivers]]`` tables). Each entry names a ``check_id`` and a ``resource`` pattern,
a shell-style glob (``fnmatch``, case-sensitive) matched against the resource id OR name.

A waiver covers FAIL results only, and covers them through its ``expires`` day included.
A waived result keeps its real status and gets ``waived=True`` plus the waiver. A waiver
past its expiry stops applying and is reported ``expired``; a live waiver that covers no
FAIL result is reported ``stale`` (the risk it accepted is gone or the pattern is wrong).
In organisation runs a waiver with ``account: <id>`` applies to that member only.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import date
from difflib import get_close_matches
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from auditor._toml import tomllib
from auditor.errors import UsageError, plain_problem, shown_value
from auditor.findings import Status
from auditor.report import AppliedWaiver, Result, WaiverProblem

if TYPE_CHECKING:
    import yaml


class WaiverFileError(UsageError):
    """A waivers file that cannot be used; the message names the file, entry and field."""


class Waiver(BaseModel):
    """One accepted risk, as written in the waivers file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    check_id: str = Field(min_length=1)
    resource: str = Field(min_length=1, description="glob over the resource id or name")
    reason: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    expires: date
    account: str | None = Field(
        None, pattern=r"^[0-9]{1,32}$",
        description="organisation runs: the member account it applies to (none: every account)",
    )

    def applies_to(self, account_id: str) -> bool:
        return self.account is None or self.account == account_id

    def matches(self, result: Result) -> bool:
        resource = result.resource
        return result.check_id == self.check_id and (
            fnmatchcase(resource.id, self.resource) or fnmatchcase(resource.name, self.resource)
        )

    def applied(self) -> AppliedWaiver:
        return AppliedWaiver(
            check_id=self.check_id,
            resource=self.resource,
            reason=self.reason,
            owner=self.owner,
            expires=self.expires,
        )

    def problem(self, kind: Literal["expired", "stale"]) -> WaiverProblem:
        return WaiverProblem(
            check_id=self.check_id,
            resource=self.resource,
            owner=self.owner,
            expires=self.expires,
            problem=kind,
        )


def load_waivers(path: Path) -> list[Waiver]:
    """Read and validate a waivers file (``.toml``, else YAML).

    Every problem is a :class:`WaiverFileError` naming the file, the waiver (number, line,
    check) and the field, e.g. ``w.yaml: waiver 3 (line 9, check x): expires (line 13):
    2027-02-30 is not a valid date (YYYY-MM-DD)``.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WaiverFileError(f"{path}: cannot read waivers file: {exc}") from exc
    if path.suffix.lower() == ".toml":
        lines = _toml_entry_lines(text)
        entries = _parse_toml(path, text, lines)
    else:
        entries, lines = _parse_yaml(path, text)
    lines += [{}] * (len(entries) - len(lines))
    waivers = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            where = _where(path, index, lines[index], None)
            got = shown_value(entry)
            raise WaiverFileError(f"{where}: expected a mapping of fields, got {got}")
        try:
            waivers.append(Waiver.model_validate(entry))
        except ValidationError as exc:
            where = _where(path, index, lines[index], entry.get("check_id"))
            raise WaiverFileError(_describe(where, exc, lines[index])) from None
    return waivers


def _where(path: Path, index: int, entry_lines: dict[str, int], check_id: object) -> str:
    details = []
    if entry_lines.get(""):
        details.append(f"line {entry_lines['']}")
    if isinstance(check_id, str) and check_id:
        details.append(f"check {check_id}")
    return f"{path}: waiver {index + 1}" + (f" ({', '.join(details)})" if details else "")


def _describe(where: str, exc: ValidationError, field_lines: dict[str, int]) -> str:
    problems = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "(entry)"
        line = field_lines.get(field)
        at = f" (line {line})" if line and line != field_lines.get("") else ""
        problems.append(f"{field}{at}: {plain_problem(error)}")
    return f"{where}: " + "; ".join(problems)


def _entries_from(path: Path, data: Any) -> list[Any]:
    if data is None:
        return []
    if isinstance(data, dict):
        unknown = set(data) - {"waivers"}
        if unknown:
            raise WaiverFileError(f"{path}: unknown top-level key(s): {', '.join(sorted(unknown))}")
        data = data.get("waivers", [])
    if not isinstance(data, list):
        raise WaiverFileError(f"{path}: expected a list of waivers (or a 'waivers' list)")
    return data


_TOML_ERROR_AT = re.compile(r"^(?P<what>.*?) \(at line (?P<line>\d+), column \d+\)$")
_TOML_KEY = re.compile(r"^\s*(?P<key>[A-Za-z0-9_-]+)\s*=\s*(?P<value>.*?)\s*(?:#.*)?$")


def _parse_toml(path: Path, text: str, lines: list[dict[str, int]]) -> list[Any]:
    try:
        return _entries_from(path, tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise WaiverFileError(_toml_problem(path, text, str(exc), lines)) from None


def _toml_problem(path: Path, text: str, error: str, lines: list[dict[str, int]]) -> str:
    """The decode error, placed in its waiver; ``expires = 2027-02-30`` is a bad date."""
    match = _TOML_ERROR_AT.match(error)
    number = int(match["line"]) if match else 0
    index = max((i for i, e in enumerate(lines) if e[""] <= number), default=None)
    source = text.splitlines()
    key = _TOML_KEY.match(source[number - 1]) if 0 < number <= len(source) else None
    if index is None or key is None:
        return f"{path}: invalid TOML: {error}"
    block = source[lines[index][""] : number]
    check = next((m["value"].strip("\"'") for m in map(_TOML_KEY.match, block)
                  if m and m["key"] == "check_id"), None)
    problem = error if not match else match["what"]
    if problem == "Invalid date or datetime":
        problem = f"{key['value']} is not a valid date (YYYY-MM-DD)"
    else:
        problem = f"invalid TOML: {problem}"
    return f"{_where(path, index, lines[index], check)}: {key['key']} (line {number}): {problem}"


def _toml_entry_lines(text: str) -> list[dict[str, int]]:
    """Per ``[[waivers]]`` table, 1-based line numbers: '' for the header, then per key."""
    lines: list[dict[str, int]] = []
    current: dict[str, int] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = line.split("#")[0].replace(" ", "").replace("\t", "")
        if header == "[[waivers]]":
            current = {"": number}
            lines.append(current)
        elif header.startswith("["):
            current = None
        elif current is not None and (key := _TOML_KEY.match(line)):
            current.setdefault(key["key"], number)
    return lines


def _parse_yaml(path: Path, text: str) -> tuple[list[Any], list[dict[str, int]]]:
    """Entries plus, per entry, 1-based line numbers: '' for the entry, then per field."""
    import yaml  # only for a YAML waivers file: a run without one does not load PyYAML

    from auditor._yaml import safe_load

    try:
        data = safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise WaiverFileError(f"{path}: invalid YAML: {where}{exc.problem}") from None
    except yaml.YAMLError as exc:
        raise WaiverFileError(f"{path}: invalid YAML: {exc}") from None
    entries = _entries_from(path, data)
    return entries, _yaml_entry_lines(node, len(entries))


def _yaml_entry_lines(node: yaml.Node | None, count: int) -> list[dict[str, int]]:
    import yaml

    if isinstance(node, yaml.MappingNode):
        node = next((v for k, v in node.value if k.value == "waivers"), None)
    items = node.value if isinstance(node, yaml.SequenceNode) else []
    lines: list[dict[str, int]] = []
    for item in items:
        entry_lines = {"": item.start_mark.line + 1}
        if isinstance(item, yaml.MappingNode):
            for key, _value in item.value:
                entry_lines[str(key.value)] = key.start_mark.line + 1
        lines.append(entry_lines)
    return lines + [{}] * (count - len(lines))


def apply_waivers(
    results: list[Result], waivers: Sequence[Waiver], today: date
) -> tuple[list[Result], list[WaiverProblem]]:
    """Mark FAIL results covered by a live waiver; report expired and stale waivers."""
    live = [w for w in waivers if w.expires >= today]
    problems = [w.problem("expired") for w in waivers if w.expires < today]
    if not live:
        return list(results), problems  # nothing can apply: no result is looked at
    used: set[int] = set()
    out = []
    fail = Status.FAIL  # a local: Status.FAIL is an attribute lookup per result
    for result in results:
        waiver = None
        if result.status is fail:
            waiver = next((w for w in live if w.matches(result)), None)
        if waiver is None:
            out.append(result)
            continue
        used.add(id(waiver))
        out.append(result.model_copy(update={"waived": True, "waiver": waiver.applied()}))
    problems += [w.problem("stale") for w in live if id(w) not in used]
    return out, problems


def check_known_checks(path: Path, waivers: Sequence[Waiver], known: Collection[str]) -> None:
    """A waiver naming no check this installation has is a :class:`WaiverFileError`: it
    would silently cover nothing (a typo, or a check pack that is not installed)."""
    for index, waiver in enumerate(waivers):
        if waiver.check_id not in known:
            close = get_close_matches(waiver.check_id, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else " (see 'ram-audit list-checks')"
            raise WaiverFileError(
                f"{path}: waiver {index + 1} (check {waiver.check_id}): unknown check id "
                f"{waiver.check_id!r}{hint}"
            )


def describe_problem(problem: WaiverProblem) -> str:
    """One line for stderr about an expired or stale waiver."""
    who = f"waiver for {problem.check_id} resource {problem.resource!r} (owner {problem.owner})"
    if problem.problem == "expired":
        return f"{who} expired on {problem.expires.isoformat()} and no longer applies"
    return (
        f"{who} covers no failing result (stale: the risk is gone or the pattern matches "
        f"nothing); it expires on {problem.expires.isoformat()}"
    )
