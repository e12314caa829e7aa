"""World-file validation errors name the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    assert str(info.value) == (f"{path}: users[bob].access_keys[LTAIbob00000000001].status: "
                               "Enabled is not one of 'Active' or 'Inactive'")


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


BAD_DATE = "2026-02-30"
JARGON = ("Input should be", "validation error for", "type=", "errors.pydantic.dev", "yaml.",
          "Value error", "Traceback")


def _write_with_bad_date(tmp_path: Path, data: dict[str, Any], where: str) -> Path:
    """Dump ``data`` with ``where`` (a dotted path, list items by index) set to a bare date."""
    *parents, last = where.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
    node[last] = "@BAD@"
    path = tmp_path / "world.yaml"
    path.write_text(yaml.safe_dump(data).replace("'@BAD@'", BAD_DATE), encoding="utf-8")
    assert f": {BAD_DATE}\n" in path.read_text()  # unquoted: YAML reads it as a date
    return path


@pytest.mark.parametrize(("where", "shown"), [
    ("users.0.created", "users[alice].created"),
    ("users.0.last_login", "users[alice].last_login"),
    ("users.0.login_profile.created", "users[alice].login_profile.created"),
    ("users.0.mfa_device.activated", "users[alice].mfa_device.activated"),
    ("users.1.access_keys.0.created", "users[bob].access_keys[LTAIbob00000000001].created"),
    ("users.0.access_keys.0.last_used", "users[alice].access_keys[LTAIalice000000001].last_used"),
    ("root.last_console_login", "root.last_console_login"),
    ("root.created", "root.created"),
    ("root.access_keys.0.last_used", "root.access_keys[LTAIroot0000000001].last_used"),
    ("groups.0.created", "groups[admins].created"),
    ("policies.0.created", "policies[ops-policy].created"),
    ("policies.0.versions.1.created", "policies[ops-policy].versions[v2].created"),
    ("roles.0.created", "roles[auditor].created"),
])
def test_impossible_date_names_file_entry_and_field(tmp_path: Path, where: str,
                                                    shown: str) -> None:
    path = _write_with_bad_date(tmp_path, world_data(), where)
    with pytest.raises(WorldError) as info:
        load_world(path)
    message = str(info.value)
    assert message == (f"{path}: {shown}: {BAD_DATE} is not a valid date or time: use ISO 8601 "
                       "(2026-01-31T08:00:00Z) or now-90d")
    assert not any(word in message for word in JARGON)


@pytest.mark.parametrize("where", ["saml_providers.0.created", "oidc_providers.0.created"])
def test_impossible_provider_dates(tmp_path: Path, where: str) -> None:
    data = world_data(saml_providers=[{"name": "okta"}],
                      oidc_providers=[{"name": "gh", "issuer_url": "https://gh.example"}])
    path = _write_with_bad_date(tmp_path, data, where)
    kind = where.split(".")[0]
    name = "okta" if kind == "saml_providers" else "gh"
    with pytest.raises(WorldError, match=rf": {kind}\[{name}\]\.created: {BAD_DATE} is not a "):
        load_world(path)


def test_a_plain_yaml_date_is_midnight_utc(tmp_path: Path) -> None:
    path = _write_with_bad_date(tmp_path, world_data(), "users.0.created")
    path.write_text(path.read_text().replace(BAD_DATE, "2026-01-31"), encoding="utf-8")
    assert load_world(path).users[0].created == "2026-01-31"


def test_emulator_command_reports_a_bad_date_in_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = _write_with_bad_date(tmp_path, world_data(), "users.0.created")
    done = subprocess.run([sys.executable, "-m", "auditor", "emulator", "--world", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr == (f"ram-audit: error: {path}: users[alice].created: {BAD_DATE} is not a "
                           "valid date or time: use ISO 8601 (2026-01-31T08:00:00Z) or now-90d\n")
