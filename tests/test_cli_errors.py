"""One error style: every failure a user can cause is one ``ram-audit: error:`` line on stderr
with the documented exit code; never a traceback, click's usage block or library jargon.

Each case runs the real command in a subprocess (exit code and stderr are the contract).
The ECS metadata probe never leaves this machine: every run that may probe has HTTP_PROXY
pointing at a loopback port (refused, or a local server that answers byte by byte).
"""

from __future__ import annotations

import json
import os
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.demo import auditor_credentials, demo_world
from auditor.snapshot_file import save_snapshot
from auditor.testing import make_snapshot

JARGON = ("Traceback", "Usage:", "Try '", "Error:", "Input should be", "validation error for",
          "errors.pydantic.dev", "type=", "yaml.", "CredentialException", "RetryError",
          "HTTPConnectionPool")
CLOSED = [f"--endpoint={s}=http://127.0.0.1:9" for s in ("ram", "ims", "sts")]
WORLD = Path(__file__).resolve().parent.parent / "auditor" / "emulator" / "worlds" / "demo.yaml"


def ram_audit(*args: str, cwd: Path, env: dict[str, str] | None = None, metadata_proxy: str,
              credentials: bool = True) -> subprocess.CompletedProcess[str]:
    """``ram-audit ARGS`` with HOME=cwd and only the environment given here.

    ``metadata_proxy`` (a loopback URL) is where the ECS metadata probe goes, so it never
    reaches 100.100.100.200; ``credentials`` gives the demo world's auditor key.
    """
    assert metadata_proxy.startswith("http://127.0.0.1:")
    full = {k: v for k, v in os.environ.items()
            if not k.startswith(("ALIBABA_CLOUD_", "RAM_AUDIT_", "DEBUG"))
            and k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    full.update({"HOME": str(cwd), "HTTP_PROXY": metadata_proxy, **(env or {})})
    if credentials:
        key = auditor_credentials(demo_world())
        full.update(ALIBABA_CLOUD_ACCESS_KEY_ID=key.access_key_id,
                    ALIBABA_CLOUD_ACCESS_KEY_SECRET=key.access_key_secret)
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=90)


def one_line(done: subprocess.CompletedProcess[str], code: int, *fragments: str) -> str:
    """Exit ``code`` and stderr is exactly one ``ram-audit: error:`` line with ``fragments``."""
    assert done.returncode == code, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ram-audit: error: "), done.stderr
    assert not any(word in done.stderr for word in JARGON), done.stderr
    for fragment in fragments:
        assert fragment in lines[0], done.stderr
    return lines[0]


@pytest.fixture
def refused() -> str:
    """A loopback proxy URL nothing listens on: the metadata service is unreachable."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    save_snapshot(make_snapshot(), tmp_path / "snap.json")
    return tmp_path


# --- 1. no credentials at all ------------------------------------------------------------------

SOURCES = ("environment (ALIBABA_CLOUD_ACCESS_KEY_ID and _SECRET not set)",
           "OIDC/RRSA (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and "
           "ALIBABA_CLOUD_OIDC_TOKEN_FILE not all set)",
           "ECS instance RAM role (the metadata service at 100.100.100.200 is not reachable)")


@pytest.mark.parametrize("command", [["run", "-q", "--output-dir", "out"],
                                     ["collect", "--quiet", "-o", "snap2.json"]])
def test_no_credentials_at_all_names_every_source_tried_even_with_quiet(
        workdir: Path, refused: str, command: list[str]) -> None:
    done = ram_audit(*command, *CLOSED, cwd=workdir, metadata_proxy=refused, credentials=False)
    line = one_line(done, 3, "ram-audit: error: could not audit: no usable credentials "
                    "(default chain): tried ", *SOURCES,
                    f"aliyun CLI config {workdir}/.aliyun/config.json (no such file)",
                    f"credentials INI file {workdir}/.alibabacloud/credentials.ini (no such file)",
                    "Set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or "
                    "pass --profile")
    places = [line.index(name) for name in ("environment (", "OIDC/RRSA (", "aliyun CLI config",
                                            "credentials INI file", "ECS instance RAM role")]
    assert places == sorted(places)  # the chain's order
    assert not (workdir / "out").exists() and not (workdir / "snap2.json").exists()


def test_unusable_credential_files_are_named_with_a_short_reason(workdir: Path,
                                                                 refused: str) -> None:
    (workdir / ".aliyun").mkdir()
    (workdir / ".aliyun" / "config.json").write_text(json.dumps({"current": "gone", "profiles": [
        {"name": "main", "mode": "AK", "access_key_id": "LTAIxxxxxxxxxxxx",
         "access_key_secret": "do-not-print-me"}]}))
    (workdir / ".alibabacloud").mkdir()
    (workdir / ".alibabacloud" / "credentials.ini").write_text(
        "[other]\ntype = access_key\naccess_key_id = LTAIyyyy\naccess_key_secret = nor-me\n")
    done = ram_audit("run", "-q", *CLOSED, "--output-dir", "out", cwd=workdir,
                     metadata_proxy=refused, credentials=False,
                     env={"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"})
    one_line(done, 3, f"aliyun CLI config {workdir}/.aliyun/config.json (no profile 'gone' in "
             f"it); credentials INI file {workdir}/.alibabacloud/credentials.ini (no [default] "
             "section in it); ECS instance RAM role (disabled by "
             "ALIBABA_CLOUD_ECS_METADATA_DISABLED)")
    assert "do-not-print-me" not in done.stderr and "nor-me" not in done.stderr


def test_rrsa_variables_with_an_unreadable_token_file_name_the_file(workdir: Path,
                                                                    refused: str) -> None:
    """The token file is read before any STS call, so nothing leaves the machine."""
    token = workdir / "no-such-token"
    done = ram_audit("collect", "-q", "-o", "snap2.json", *CLOSED, cwd=workdir,
                     metadata_proxy=refused, credentials=False, env={
                         "ALIBABA_CLOUD_ROLE_ARN": "acs:ram::1234567890123456:role/audit",
                         "ALIBABA_CLOUD_OIDC_PROVIDER_ARN":
                             "acs:ram::1234567890123456:oidc-provider/ack",
                         "ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(token),
                         "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"})
    one_line(done, 3, f"OIDC/RRSA (cannot read {token}: No such file or directory)")


class _SlowMetadata(socketserver.ThreadingTCPServer):
    """Stands in for a metadata service that starts answering and never finishes: a loopback
    proxy that records each request line, then sends a header one byte every 0.2 s (each
    byte within the library's 1 s read timeout) until stopped, or for 120 s at most."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SlowHandler)
        self.requests: list[str] = []
        self.stop = threading.Event()


class _SlowHandler(socketserver.StreamRequestHandler):
    server: _SlowMetadata

    def handle(self) -> None:
        self.server.requests.append(self.rfile.readline().decode("latin-1").strip())
        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        end = time.monotonic() + 120
        while not self.server.stop.wait(0.2) and time.monotonic() < end:
            try:
                self.wfile.write(b"a")
                self.wfile.flush()
            except OSError:
                return


@pytest.fixture
def slow_metadata() -> Iterator[_SlowMetadata]:
    server = _SlowMetadata()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.stop.set()
        server.shutdown()
        server.server_close()


def test_a_metadata_service_that_never_finishes_answering_cannot_hang_the_run(
        workdir: Path, slow_metadata: _SlowMetadata) -> None:
    """Without the probe's deadline this run would last as long as the drip (120 s) and
    the subprocess timeout (90 s) would fail the test."""
    proxy = f"http://127.0.0.1:{slow_metadata.server_address[1]}"
    done = ram_audit("run", "-q", *CLOSED, "--output-dir", "out", cwd=workdir,
                     metadata_proxy=proxy, credentials=False)
    one_line(done, 3, "no usable credentials (default chain)", "ECS instance RAM role (the "
             "metadata service at 100.100.100.200 did not answer within 5 s)")
    assert slow_metadata.requests and "100.100.100.200/latest/" in slow_metadata.requests[0]


def test_credential_reasons_never_carry_a_response_body() -> None:
    from alibabacloud_credentials.exceptions import CredentialException

    from auditor.collector.credentials import _reason

    page = "<html><body>secret-ish page</body></html>"
    uri = CredentialException(f"error refreshing credentials from http://x/c,  http_code=404, "
                              f"result: {page}")
    assert _reason(uri) == "answered HTTP 404"
    assert _reason(CredentialException(f"error retrieving credentials from x result: {page}")
                   ) == "error retrieving credentials from x"
    assert _reason(ConnectionRefusedError(111, "refused")) == "not reachable"
    assert _reason(FileNotFoundError(2, "No such file or directory", "/var/run/token")) == (
        "cannot read /var/run/token: No such file or directory")
    ecs = CredentialException("Failed to get RAM session credentials from ECS metadata "
                              "service. HttpCode=404")
    assert _reason(ecs, ecs=True) == "no RAM role attached to this instance"


# --- 2. the emulator on a taken port ---------------------------------------------------------

def test_emulator_on_a_taken_port_is_one_line_and_exit_2(tmp_path: Path, refused: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = ram_audit("emulator", "--world", str(WORLD), "--port", str(port), cwd=tmp_path,
                         metadata_proxy=refused)
    one_line(done, 2, f"emulator: port {port} on 127.0.0.1 is already in use", "--port 0")
    assert done.stdout == ""


# --- 3. click's usage errors in ram-audit's style ----------------------------------------------

@pytest.mark.parametrize(("args", "fragment", "help_of"), [
    (["--bogus"], "no such option '--bogus'", "ram-audit"),
    (["nosuch"], "no such command 'nosuch'", "ram-audit"),
    (["run", "--bogus"], "no such option '--bogus'", "ram-audit run"),
    (["evaluate"], "missing argument 'SNAPSHOT'", "ram-audit evaluate"),
    (["collect"], "missing option '--output'", "ram-audit collect"),
    (["run", "--fail-on", "severe"], "invalid value for '--fail-on': 'severe' is not one of",
     "ram-audit run"),
    (["list-checks", "--format", "xml"], "'xml' is not one of 'table', 'json', 'md'",
     "ram-audit list-checks"),
    (["run", "--history-keep", "many"], "invalid value for '--history-keep': 'many'",
     "ram-audit run"),
    (["emulator", "--port", "99999"], "invalid value for '--port': 99999", "ram-audit emulator"),
    (["render", "a.json", "b.json"], "unexpected extra argument (b.json)", "ram-audit render"),
    (["history", "findings", "--older-than", "old"], "invalid value for '--older-than'",
     "ram-audit history findings"),
])
def test_click_usage_errors_are_one_line_and_exit_2(tmp_path: Path, refused: str,
                                                    args: list[str], fragment: str,
                                                    help_of: str) -> None:
    done = ram_audit(*args, cwd=tmp_path, metadata_proxy=refused)
    line = one_line(done, 2, fragment)
    assert line.endswith(f"(see '{help_of} --help')")


def test_ram_audit_usage_errors_share_the_style(workdir: Path, refused: str) -> None:
    """ram-audit's own usage error and click's look alike: same prefix, one line, exit 2."""
    ours = one_line(ram_audit("run", "--format", "pdf", "--output-dir", "out", cwd=workdir,
                              metadata_proxy=refused), 2, "pdf")
    theirs = one_line(ram_audit("run", "--min-severity", "huge", cwd=workdir,
                                metadata_proxy=refused), 2, "huge")
    assert ours.split(": ")[:2] == theirs.split(": ")[:2] == ["ram-audit", "error"]


# --- 4. no pydantic or YAML jargon -------------------------------------------------------------

def test_invalid_snapshot_and_report_are_described_in_plain_words(workdir: Path,
                                                                  refused: str) -> None:
    done = ram_audit("evaluate", "snap.json", "--format", "json", "--output-dir", "out",
                     cwd=workdir, metadata_proxy=refused)
    assert done.returncode in (0, 1, 4), done.stderr
    snapshot = json.loads((workdir / "snap.json").read_text())
    snapshot["meta"]["collected_at"] = "2027-02-30T00:00:00Z"
    (workdir / "bad-snap.json").write_text(json.dumps(snapshot))
    one_line(ram_audit("evaluate", "bad-snap.json", "--output-dir", "out2", cwd=workdir,
                       metadata_proxy=refused), 2,
             "bad-snap.json: invalid snapshot at meta.collected_at: 2027-02-30T00:00:00Z is not "
             "a valid date and time")
    report = json.loads((workdir / "out" / "report.json").read_text())
    report["summary"]["by_status"]["PASS"] = "many"
    (workdir / "bad-report.json").write_text(json.dumps(report))
    one_line(ram_audit("render", "bad-report.json", "--output-dir", "out3", cwd=workdir,
                       metadata_proxy=refused), 2,
             "bad-report.json: invalid report at summary.by_status.PASS: many is not a whole "
             "number")
    assert not (workdir / "out2").exists() and not (workdir / "out3").exists()


def test_check_pack_definition_errors_are_in_plain_words(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A third-party pack's bad metadata reaches the user (list-checks, run) as a PackLoadError."""
    from importlib.metadata import EntryPoint
    from typing import ClassVar

    from auditor.check import Check, CheckDefinitionError
    from auditor.errors import PackLoadError
    from auditor.registry import _load_entry_point

    with pytest.raises(CheckDefinitionError) as info:
        class BadCheck(Check):
            meta: ClassVar = {  # type: ignore[assignment]
                "id": "bad_check", "title": "A bad check", "severity": "urgent",
                "rationale": "r" * 20, "remediation": "s" * 20,
                "doc_url": "https://example.com", "requires": ["users"]}

            def evaluate(self, snapshot, params):  # type: ignore[no-untyped-def]
                return []
    assert str(info.value).endswith("BadCheck: invalid metadata at severity: urgent is not one "
                                    "of 'critical', 'high', 'medium', 'low' or 'info'")
    (tmp_path / "ram_audit_bad_pack.py").write_text(
        "from auditor.check import CheckMeta\nMETA = CheckMeta(id='Bad Id', title='x')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PackLoadError) as loaded:
        _load_entry_point(EntryPoint(name="bad", value="ram_audit_bad_pack", group="x"))
    message = str(loaded.value)
    assert "failed to import: invalid CheckMeta at id: 'Bad Id' is not of the expected form (" \
        in message
    assert not any(word in message for word in JARGON)


@pytest.mark.parametrize(("args", "fragment"), [
    (["evaluate", "snap.json", "--waivers", "bad.yaml", "--output-dir", "out"],
     "bad.yaml: invalid YAML: line 2, column 3: "),
    (["emulator", "--world", "bad.yaml"], "bad.yaml: not valid YAML: line 2, column 3: "),
    (["run", "--accounts", "bad.yaml", "--output-dir", "out", *CLOSED],
     "--accounts bad.yaml: not valid YAML: line 2, column 3: "),
])
def test_unparsable_yaml_is_placed_by_line_and_column(workdir: Path, refused: str,
                                                       args: list[str], fragment: str) -> None:
    (workdir / "bad.yaml").write_text("waivers: [\n  - id: 1\n")
    line = one_line(ram_audit(*args, cwd=workdir, metadata_proxy=refused), 2, fragment)
    assert "<unicode string>" not in line and "while parsing" not in line
    assert not (workdir / "out").exists()
