"""World-file validation errors name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from emulator_support import world_data

from auditor.emulator import Emulator, WorldError, load_world


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_invalid_field_names_file_and_field(tmp_path: Path) -> None:
    data = world_data()
    data["users"][1]["access_keys"][0]["status"] = "Enabled"
    path = _write(tmp_path, data)
    with pytest.raises(WorldError) as info:
        load_world(path)
    assert str(path) in str(info.value)
    assert "users.1.access_keys.0.status" in str(info.value)


def test_unknown_reference_names_file_and_owner(tmp_path: Path) -> None:
    data = world_data()
    data["users"][0]["groups"] = ["ghosts"]
    path = _write(tmp_path, data)
    with pytest.raises(WorldError, match=r"broken\.yaml.*users\[alice\]\.groups"):
        Emulator(path)


def test_emulator_loads_a_world_path(tmp_path: Path) -> None:
    emulator = Emulator(_write(tmp_path, world_data()))
    assert emulator.world.account.alias == "acme"


def test_serve_prints_endpoint_and_example_environment(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = _write(tmp_path, world_data())
    code = ("import sys; from auditor.emulator import Faults, serve; "
            "serve(sys.argv[1], 0, Faults())")
    process = subprocess.Popen([sys.executable, "-c", code, str(path)],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
    finally:
        process.kill()
        process.wait()
    assert "http://127.0.0.1:" in line
    assert "RAM_AUDIT_ENDPOINT_IMS=http://127.0.0.1:" in line
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIalice000000001" in line  # a RAM user, never root
