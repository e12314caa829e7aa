"""``report.html``: one self-contained page (inline CSS and JS, no network fetch)."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from importlib import resources
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from auditor.render.view import NOT_RUN, SEVERITY_ORDER, STATUS_ORDER, build_view
from auditor.report import AuditReport

_REPO_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def template_dir() -> Path:
    """The packaged ``auditor/templates`` (wheel), else the source tree's ``templates/``."""
    packaged = resources.files("auditor") / "templates"
    if packaged.is_dir():
        return Path(str(packaged))
    return _REPO_TEMPLATES


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(template_dir()),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        STATUS_ORDER=[str(s) for s in STATUS_ORDER],
        SEVERITY_ORDER=[str(s) for s in SEVERITY_ORDER],
        NOT_RUN=NOT_RUN,
    )
    return env


def _asset(name: str) -> str:
    return (template_dir() / name).read_text(encoding="utf-8")


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode()).digest()
    return "sha256-" + base64.b64encode(digest).decode()


def render_html(report: AuditReport) -> bytes:
    script = _asset("report.js")
    if "</" in script:
        raise ValueError("report.js must not contain '</' (it is inlined in a <script>)")
    html = (
        _environment()
        .get_template("report.html.j2")
        .render(
            view=build_view(report),
            report=report,
            css=Markup(_asset("report.css")),
            script=Markup(script),
            script_hash=_csp_hash(script),
        )
    )
    return html.encode("utf-8")
