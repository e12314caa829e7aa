"""``report.html``: one self-contained page (inline CSS and JS, no network fetch).

The summary and the first failing rows of each check are written as HTML (readable
without JavaScript, which then names how many more there are); the other failing rows and
the passing rows of large checks travel once, as compact JSON in a non-executed
``<script type="application/json">``, and the page's script renders them on demand.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from auditor._gc import no_cyclic_gc
from auditor.render.timefmt import rfc3339, utc_text
from auditor.render.view import (
    FIRST_ROWS,
    HTML_PATHS,
    NOT_RUN,
    SCORE_EXPLAINED,
    SEVERITY_ORDER,
    SEVERITY_WEIGHT,
    STATUS_ORDER,
    build_view,
    deferred_rows,
)
from auditor.report import AuditReport

_REPO_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
_BREAK_AFTER = re.compile(r"([_.:/@-])")


def template_dir() -> Path:
    """The packaged ``auditor/templates`` (wheel), else the source tree's ``templates/``."""
    packaged = resources.files("auditor") / "templates"
    if packaged.is_dir():
        return Path(str(packaged))
    return _REPO_TEMPLATES


def breakable(value: object) -> Markup:
    """Escaped text with line-break opportunities after ``_ . : / @ -`` (no mid-word breaks)."""
    return Markup(_BREAK_AFTER.sub(r"\1<wbr>", str(escape(str(value)))))


def thousands(value: int) -> str:
    return f"{value:,}"


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
        SEVERITY_WEIGHT={str(s): w for s, w in SEVERITY_WEIGHT.items()},
        SCORE_EXPLAINED=SCORE_EXPLAINED,
        NOT_RUN=NOT_RUN,
        FIRST_ROWS=FIRST_ROWS,
        html_paths=HTML_PATHS,
    )
    env.filters.update(breakable=breakable, thousands=thousands, rfc3339=rfc3339,
                       utc_text=utc_text)
    return env


def _asset(name: str) -> str:
    return (template_dir() / name).read_text(encoding="utf-8")


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode()).digest()
    return "sha256-" + base64.b64encode(digest).decode()


def json_for_script(data: object) -> Markup:
    """JSON safe inside ``<script type="application/json">``: no ``<``.

    In a script element's text only ``<`` can start markup (``</script``, ``<!--``), so
    ``\\u003c`` for it is enough; ``>`` and ``&`` are plain text there and stay as they are
    (escaping them cost 5 bytes per ``->`` in the escalation findings).
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c"))


def render_html(report: AuditReport) -> bytes:
    script = _asset("report.js")
    if "</" in script:
        raise ValueError("report.js must not contain '</' (it is inlined in a <script>)")
    with no_cyclic_gc():
        view = build_view(report)
        html = (
            _environment()
            .get_template("report.html.j2")
            .render(
                view=view,
                report=report,
                css=Markup(_asset("report.css")),
                script=Markup(script),
                script_hash=_csp_hash(script),
                data=json_for_script(deferred_rows(view.groups)),
            )
        )
        return html.encode("utf-8")
