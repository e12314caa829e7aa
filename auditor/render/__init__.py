"""Renderers: a finished AuditReport -> report files (never the API or the snapshot)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from importlib import import_module
from pathlib import Path

from pydantic import ValidationError

from auditor.errors import UsageError, first_problem
from auditor.render.atomic import Content, OutputError, write_files
from auditor.report import REPORT_SCHEMA_VERSION, AuditReport

Renderer = Callable[[AuditReport], bytes]

#: format name -> (file name, renderer, or its module and function: imported when used,
#: so that Jinja, prometheus_client and junitparser cost ``--format json`` nothing)
_RENDERERS: dict[str, tuple[str, str | Callable[..., Content]]] = {
    "html": ("report.html", "html:render_html"),
    "json": ("report.json", "json_report:render_json_parts"),
    "csv": ("report.csv", "csv_report:render_csv"),
    "junit": ("report.junit.xml", "junit:render_junit"),
    "markdown": ("report.md", "markdown:render_markdown"),
    "openmetrics": ("report.prom", "openmetrics:render_openmetrics"),
    "ocsf": ("report.ocsf.jsonl", "ocsf:render_ocsf"),
}
FORMATS: tuple[str, ...] = tuple(_RENDERERS)


def renderer(name: str) -> Callable[..., Content]:
    """The render function of format ``name`` (junit's also takes ``fail_on``): the file's
    bytes, or its parts in order."""
    given = _RENDERERS[name][1]
    if not isinstance(given, str):
        return given
    module, _, function = given.partition(":")
    found: Callable[..., Content] = getattr(import_module(f"auditor.render.{module}"), function)
    return found


class ReportFileError(UsageError):
    """A report.json that cannot be read back (names the file)."""


def check_formats(formats: Sequence[str]) -> None:
    """Raise :class:`UsageError` naming any unknown format and the valid ones."""
    unknown = [name for name in formats if name not in _RENDERERS]
    if unknown or not formats:
        raise UsageError(
            f"unknown report format(s): {', '.join(unknown)} (valid: {', '.join(FORMATS)})"
        )


def render_report(
    report: AuditReport,
    formats: Sequence[str],
    output_dir: Path,
    *,
    fail_on: str | None = None,
) -> list[Path]:
    """Write each requested format atomically into ``output_dir``; return the paths written.

    Every format is rendered before any file is replaced (report.json's long lists are
    encoded while its temp file is written: :func:`~auditor.render.atomic.write_files`
    renames the files only once all are written), so an interrupt or a renderer error
    leaves the reports in ``output_dir`` as they were. ``fail_on`` decides which FAILs
    are JUnit failures (as it decides exit code 1; by default JUnit's own, ``high``).
    """
    check_formats(formats)
    files: dict[Path, Content] = {}
    for name in dict.fromkeys(formats):  # de-duplicate, keep order
        filename = _RENDERERS[name][0]
        if name == "junit" and fail_on is not None:
            files[output_dir / filename] = renderer(name)(report, fail_on)
        else:
            files[output_dir / filename] = renderer(name)(report)
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{output_dir}: cannot create directory: {exc.strerror}") from None
    return write_files(files)


def load_report(path: Path) -> AuditReport:
    """Read a report.json written by ram-audit, with an error naming the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportFileError(f"{path}: cannot read report: {exc.strerror or exc}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReportFileError(f"{path}: not a JSON report: {exc}") from exc
    if not isinstance(data, dict):
        raise ReportFileError(f"{path}: not a ram-audit report (expected a JSON object)")
    if "schema_version" not in data and "meta" in data:
        raise ReportFileError(
            f"{path}: this is a snapshot, not a report (evaluate it with 'ram-audit evaluate')"
        )
    version = data.get("schema_version")
    if version is None:
        raise ReportFileError(f"{path}: not a ram-audit report (no schema_version)")
    if version != REPORT_SCHEMA_VERSION:
        raise ReportFileError(
            f"{path}: unsupported report schema_version {version!r} "
            f"(this ram-audit reads {REPORT_SCHEMA_VERSION!r})"
        )
    try:
        return AuditReport.model_validate(data)
    except ValidationError as exc:
        raise ReportFileError(f"{path}: invalid report {first_problem(exc.errors())}") from None


def stale_reports(output_dir: Path, formats: Sequence[str]) -> list[Path]:
    """Report files in ``output_dir`` of formats not in ``formats``: left by an earlier run,
    they no longer describe the account (a scraper or CI step would read them as current)."""
    chosen = set(formats)
    return [
        output_dir / filename
        for name, (filename, _) in _RENDERERS.items()
        if name not in chosen and (output_dir / filename).is_file()
    ]
