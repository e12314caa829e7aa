"""docs/policy-engine.md is generated from the code and must be current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from auditor.policy import PRIMITIVES
from auditor.policy.catalogue import render

ROOT = Path(__file__).resolve().parents[2]


def test_docs_policy_engine_md_is_current() -> None:
    proc = subprocess.run([sys.executable, "-m", "auditor.policy.catalogue"],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    committed = (ROOT / "docs" / "policy-engine.md").read_text()
    assert proc.stdout == committed, (
        "docs/policy-engine.md is stale: run "
        "`python -m auditor.policy.catalogue > docs/policy-engine.md`")


def test_every_primitive_has_a_row() -> None:
    page = render()
    assert all(f"| `{p.id}` |" in page for p in PRIMITIVES)
    assert len({p.id for p in PRIMITIVES}) == len(PRIMITIVES) == 14


def test_reading_paths_states_the_caps_in_force() -> None:
    """The page writes the path caps as numbers: they must be the ones the code uses."""
    from auditor.policy.report_section import REPORT_PATHS
    from auditor.render.view import HTML_PATHS, HTML_PRINCIPALS
    from checks.principals import MESSAGE_PATHS

    text = " ".join(render().split())
    assert f"spells out the {MESSAGE_PATHS} shortest" in text
    assert f"keeps the {REPORT_PATHS} shortest per principal" in text
    assert f"draws {HTML_PRINCIPALS} principals, {HTML_PATHS} paths each" in text
