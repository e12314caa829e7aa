"""ram-audit emulator --org: serves an organisation file; --world and --org exclude each other."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from org_support import ram_audit

from auditor.emulator.org_generate import generate_org, write_org


def test_emulator_serves_an_organisation_file(tmp_path: Path) -> None:
    org_file = write_org(generate_org(2, 1), tmp_path / "org")
    proc = subprocess.Popen([sys.executable, "-m", "auditor", "emulator", "--org", str(org_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "HOME": str(tmp_path)})
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert "Emulating Resource Directory rd-generated" in line and "2 members" in line
    assert "RAM_AUDIT_ENDPOINT_RESOURCEMANAGER=http://127.0.0.1:" in line


def test_world_and_org_are_exclusive(tmp_path: Path) -> None:
    proc = ram_audit("emulator", cwd=tmp_path)
    assert proc.returncode == 2 and "exactly one of --world" in proc.stderr
    (tmp_path / "org.yaml").write_text("management: {world: missing.yaml}\n")
    proc = ram_audit("emulator", "--org", "org.yaml", cwd=tmp_path)
    assert proc.returncode == 2 and "missing.yaml" in proc.stderr
