"""Bad input is a one-line error and the right exit code: never a traceback, never half an audit.

Each case runs the real command in a subprocess (exit code and stderr are the contract):
impossible dates (2), out-of-range check parameters (2), an endpoint that answers HTML (3),
a malformed --role-arn or unknown --profile (2, before any API call).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import HTTPServer, SimpleHTTPRequestHandler
from pathlib import Path

import pytest

from auditor.check import CheckParams
from auditor.config import AuditConfig
from auditor.demo import auditor_credentials, demo_world
from auditor.emulator import Emulator
from auditor.errors import UsageError
from auditor.registry import CheckRegistry
from auditor.snapshot_file import save_snapshot
from auditor.testing import make_snapshot

JARGON = ("Input should be", "validation error for", "type=", "errors.pydantic.dev",
          "yaml.scanner", "Traceback", "Value error")
CLOSED = [f"--endpoint={s}=http://127.0.0.1:9" for s in ("ram", "ims", "sts")]


def ram_audit(*args: str, cwd: Path, env: dict[str, str] | None = None,
              ) -> subprocess.CompletedProcess[str]:
    """``ram-audit ARGS`` in a subprocess with HOME=cwd, the demo world's auditor key and no
    proxy or ECS metadata lookups."""
    key = auditor_credentials(demo_world())
    full = {k: v for k, v in os.environ.items()
            if not k.startswith(("ALIBABA_CLOUD_", "RAM_AUDIT_", "DEBUG"))
            and k.lower() not in ("http_proxy", "https_proxy")}
    full.update({"HOME": str(cwd), "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
                 "ALIBABA_CLOUD_ACCESS_KEY_ID": key.access_key_id,
                 "ALIBABA_CLOUD_ACCESS_KEY_SECRET": key.access_key_secret, **(env or {})})
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=120)


def assert_one_line(done: subprocess.CompletedProcess[str], code: int, *fragments: str) -> str:
    """Exit ``code``; stderr ends with exactly one error line holding ``fragments``."""
    assert done.returncode == code, done.stderr
    assert not any(word in done.stderr for word in JARGON), done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("ram-audit: error")]
    assert len(errors) == 1 and done.stderr.rstrip().endswith(errors[0]), done.stderr
    for fragment in fragments:
        assert fragment in errors[0], done.stderr
    return errors[0]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    save_snapshot(make_snapshot(), tmp_path / "snap.json")
    return tmp_path


# --- 1. impossible dates ---------------------------------------------------------------------

WAIVER_YAML = """\
waivers:
  - check_id: user_console_mfa_bound
    resource: "*"
    reason: break-glass account
    owner: secops
    expires: 2027-01-31
  - check_id: user_in_group
    resource: "*"
    reason: service users
    owner: platform
    expires: 2027-02-30
"""

WAIVER_TOML = """\
[[waivers]]
check_id = "user_in_group"
resource = "*"
reason = "service users"
owner = "platform"
expires = 2027-02-30
"""


@pytest.mark.parametrize(("name", "text", "where"), [
    ("waivers.yaml", WAIVER_YAML, "waiver 2 (line 7, check user_in_group): expires (line 11)"),
    ("waivers.toml", WAIVER_TOML, "waiver 1 (line 1, check user_in_group): expires (line 6)"),
])
def test_impossible_waiver_date_is_a_usage_error(workdir: Path, name: str, text: str,
                                                 where: str) -> None:
    (workdir / name).write_text(text)
    done = ram_audit("evaluate", "snap.json", "--waivers", name, "--output-dir", "out",
                     cwd=workdir)
    line = assert_one_line(done, 2, f"{name}: {where}: 2027-02-30 is not a valid date")
    assert line.endswith("(YYYY-MM-DD)")
    assert not (workdir / "out").exists()  # nothing half-written


# --- 2. check parameters out of range --------------------------------------------------------

@pytest.mark.parametrize(("check_id", "setting", "allowed"), [
    ("root_console_unused", "max_days = -5", "an integer from 1 to 3650"),
    ("user_console_inactive_disabled", "max_days = 0", "an integer from 1 to 3650"),
    ("user_unused", "max_days = 99999999", "an integer from 1 to 3650"),
    ("access_key_rotated", "max_age_days = 0", "an integer from 1 to 3650"),
    ("access_key_used_recently", "grace_days = -1", "an integer from 0 to 3650"),
    ("access_key_used_recently", "max_unused_days = 2.5", "an integer from 1 to 3650"),
    ("password_policy_min_length", "min_length = 0", "an integer from 1 to 32"),
    ("password_policy_min_length", "min_length = 33", "an integer from 1 to 32"),
    ("password_policy_reuse_prevention", "min_history = -1", "an integer from 1 to 24"),
    ("password_policy_max_age", "max_days = -5", "an integer from 1 to 1095"),
    ("password_policy_lockout", "max_attempts = -1", "an integer from 1 to 32"),
    ("password_policy_distinct_chars", "min_distinct = 9", "an integer from 1 to 8"),
    ("security_preference_session_duration", "max_hours = 0", "an integer from 1 to 24"),
    ("security_preference_idle_auto_disable", "max_idle_days = true", "an integer from 1 to"),
    ("role_max_session_short", "max_seconds = 0", "an integer from 900 to 43200"),
    ("role_trust_restricted", 'trusted_accounts = ["acme"]', "a list of account ids"),
    ("user_admin_access_allowlisted", 'allowed_users = [""]', "a list of names"),
])
def test_parameter_out_of_range_names_file_check_and_range(check_id: str, setting: str,
                                                           allowed: str) -> None:
    config = AuditConfig(params={check_id: _toml_value(setting)}, source="ram-audit.toml")
    name = setting.split(" = ")[0]
    with pytest.raises(UsageError) as info:
        config.check_against(CheckRegistry.discover())
    message = str(info.value)
    assert message.startswith(f"ram-audit.toml: params.{check_id}: {name}: ")
    assert f"; allowed: {allowed}" in message
    assert not any(word in message for word in JARGON)


def _toml_value(setting: str) -> dict[str, object]:
    from auditor._toml import tomllib

    return dict(tomllib.loads(setting))


def test_unknown_mode_lists_the_modes() -> None:
    config = AuditConfig(params={"password_policy_max_age": {"mode": "yearly"}}, source="c.toml")
    with pytest.raises(UsageError, match=r"^c\.toml: params\.password_policy_max_age: mode: "
                                         r"yearly is not one of 'rotation' or 'cis_v2'$"):
        config.check_against(CheckRegistry.discover())


def test_config_file_with_a_negative_parameter_is_exit_2(workdir: Path) -> None:
    (workdir / "ram-audit.toml").write_text("[params.root_console_unused]\nmax_days = -5\n")
    done = ram_audit("evaluate", "snap.json", "--output-dir", "out", cwd=workdir)
    assert_one_line(done, 2, "ram-audit.toml: params.root_console_unused: max_days: -5 is less "
                    "than 1; allowed: an integer from 1 to 3650")
    assert not (workdir / "out").exists()


def test_every_numeric_parameter_of_every_check_is_bounded() -> None:
    """A new check's ``max_days: int`` would accept -5: use the types in auditor.check."""
    from auditor.check import allowed_range

    for entry in CheckRegistry.discover().all():
        params: type[CheckParams] = entry.check.Params
        for name, field in params.model_fields.items():
            if field.annotation in (int, float):
                text = allowed_range(params, name)
                assert text.startswith("an integer from"), (entry.check.meta.id, name, text)


def test_parameter_defaults_and_boundaries_are_accepted() -> None:
    registry = CheckRegistry.discover()
    for check_id, values in {"password_policy_reuse_prevention": {"min_history": 24},
                             "access_key_used_recently": {"grace_days": 0},
                             "role_max_session_short": {"max_seconds": 900},
                             "role_trust_restricted": {"trusted_accounts": ["1234567890123456"]},
                             }.items():
        AuditConfig(params={check_id: values}).check_against(registry)


# --- 3. an endpoint that answers HTML --------------------------------------------------------

class _QuietHandler(SimpleHTTPRequestHandler):
    """``python -m http.server``: POST gets its HTML '501 Unsupported method' page."""

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def html_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def demo_emulator() -> Iterator[str]:
    with Emulator(demo_world(), port=0) as emu:
        yield f"http://{emu.endpoint}"


def _no_html(done: subprocess.CompletedProcess[str], workdir: Path) -> None:
    for text in (done.stdout, done.stderr):
        assert "<" not in text and "DOCTYPE" not in text and "Error response" not in text
    assert not (workdir / "out").exists()


def test_every_service_answering_html_is_exit_3(workdir: Path, html_server: str) -> None:
    ends = [f"--endpoint={s}={html_server}" for s in ("ram", "ims", "sts")]
    done = ram_audit("run", *ends, "--output-dir", "out", cwd=workdir)
    assert_one_line(done, 3, "could not audit: endpoint returned non-JSON (HTTP 501)",
                    f"sts endpoint {html_server}", "sts:GetCallerIdentity")
    _no_html(done, workdir)


def test_one_service_answering_html_is_exit_3_naming_it(workdir: Path, html_server: str,
                                                        demo_emulator: str) -> None:
    ends = [f"--endpoint=sts={demo_emulator}", f"--endpoint=ram={demo_emulator}",
            f"--endpoint=ims={html_server}"]
    done = ram_audit("run", *ends, "--output-dir", "out", cwd=workdir)
    assert_one_line(done, 3, "endpoint returned non-JSON (HTTP 501)",
                    f"the ims endpoint {html_server} answered ims:")
    _no_html(done, workdir)


def test_no_credentials_is_one_line_without_the_libraries_tracebacks(workdir: Path,
                                                                    html_server: str) -> None:
    # The default chain ends at a credentials URI that answers an HTML 404 page.
    done = ram_audit("run", *CLOSED, "--output-dir", "out", cwd=workdir, env={
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "",
        "ALIBABA_CLOUD_CREDENTIALS_URI": f"{html_server}/credentials"})
    assert_one_line(done, 3, "could not audit: no usable credentials (default chain)")
    _no_html(done, workdir)


class _GatewayHandler(_QuietHandler):
    """A proxy in trouble: every POST gets an HTML page with ``status``."""

    status = 503

    def do_POST(self) -> None:
        self.send_error(self.status)


@pytest.mark.parametrize(("status", "attempts"), [(503, 3), (502, 3), (501, 1), (404, 1)])
def test_only_gateway_statuses_are_retried_and_no_body_is_kept(status: int,
                                                               attempts: int) -> None:
    from auditor.collector import CollectionAborted
    from auditor.collector.api import ApiCaller
    from auditor.collector.credentials import static_credentials
    from auditor.collector.settings import CollectorSettings, Endpoint, RetrySettings

    handler = type("Handler", (_GatewayHandler,), {"status": status})
    server = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = Endpoint(f"127.0.0.1:{server.server_address[1]}", "http")
    settings = CollectorSettings(endpoints={"ram": endpoint, "ims": endpoint, "sts": endpoint},
                                 retry=RetrySettings(max_attempts=3), sleep=lambda _: None)
    api = ApiCaller(settings, static_credentials("LTAIxxxxxxxxxxxx", "secret-secret"))
    try:
        with pytest.raises(CollectionAborted) as info:
            api.call("ram:GetAccountAlias")
    finally:
        server.shutdown()
        server.server_close()
    assert api.counts["ram:GetAccountAlias"] == attempts
    assert str(info.value) == (
        f"endpoint returned non-JSON (HTTP {status}): the ram endpoint {endpoint.url} answered "
        "ram:GetAccountAlias with something that is not an Alibaba Cloud API response")


# --- 4. --role-arn and --profile ---------------------------------------------------------------

@pytest.mark.parametrize("arn", ["notanarn", "acs:ram::123:user/alice", "acs:ram::12ab:role/x"])
def test_malformed_role_arn_is_exit_2_before_any_call(workdir: Path, arn: str) -> None:
    done = ram_audit("run", *CLOSED, "--role-arn", arn, "--output-dir", "out", cwd=workdir)
    assert_one_line(done, 2, f"--role-arn: {arn!r} is not a RAM role ARN: expected "
                    "acs:ram::<account-id>:role/<role-name>")
    assert "Collecting" not in done.stderr


def test_well_formed_role_arn_gets_past_validation(workdir: Path) -> None:
    done = ram_audit("run", *CLOSED, "--role-arn", "acs:ram::1234567890123456:role/audit",
                     "--output-dir", "out", cwd=workdir)
    assert_one_line(done, 3, "unreachable")  # the closed endpoint, not the flag


def test_profile_without_a_config_file_is_exit_2(workdir: Path) -> None:
    done = ram_audit("run", *CLOSED, "--profile", "nosuch", "--output-dir", "out", cwd=workdir)
    assert_one_line(done, 2, "--profile nosuch: no aliyun CLI config file "
                    f"{workdir / '.aliyun' / 'config.json'}")


def test_profile_missing_from_the_config_file_is_exit_2(workdir: Path) -> None:
    (workdir / ".aliyun").mkdir()
    (workdir / ".aliyun" / "config.json").write_text(json.dumps({"current": "main", "profiles": [
        {"name": "main", "mode": "AK", "access_key_id": "LTAIxxxxxxxxxxxx",
         "access_key_secret": "do-not-print-me", "region_id": "cn-hangzhou"}]}))
    done = ram_audit("collect", "-o", "snap2.json", *CLOSED, "--profile", "nosuch", cwd=workdir)
    assert_one_line(done, 2, f"--profile nosuch: no such profile in {workdir}/.aliyun/config.json "
                    "(profiles there: main)")
    assert "do-not-print-me" not in done.stderr
    (workdir / ".aliyun" / "config.json").write_text("{not json")
    done = ram_audit("run", *CLOSED, "--profile", "main", "--output-dir", "out", cwd=workdir)
    assert_one_line(done, 2, "--profile main: cannot read", "not a JSON file")


def test_existing_profile_gets_past_validation(workdir: Path) -> None:
    (workdir / ".aliyun").mkdir()
    (workdir / ".aliyun" / "config.json").write_text(json.dumps({"profiles": [
        {"name": "main", "mode": "AK", "access_key_id": "LTAIxxxxxxxxxxxx",
         "access_key_secret": "do-not-print-me", "region_id": "cn-hangzhou"}]}))
    done = ram_audit("run", *CLOSED, "--profile", "main", "--output-dir", "out", cwd=workdir)
    assert_one_line(done, 3, "unreachable")
