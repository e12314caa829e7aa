"""A demanding first-time user: bad input, unwritable outputs, signals, quiet runs, secrets."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor import cli as cli_module
from auditor.cli import cli
from auditor.demo import demo_world
from auditor.emulator import Emulator, Faults
from auditor.pipeline import Options, build_report, prepare
from auditor.render import render_report
from auditor.render.atomic import write_files
from auditor.snapshot_file import save_snapshot
from auditor.testing import make_snapshot

DEMO_KEY = ("LTAI5tDemoAuditor0000001", "DemoAuditorSecretNotARealKey01")
UNREACHABLE = [f"--endpoint={s}=http://127.0.0.1:9" for s in ("ram", "ims", "sts")]


def invoke(*args: str, cwd: Path) -> tuple[int, str, str]:
    """Run the command group in-process from ``cwd``; (exit code, stdout, stderr)."""
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def assert_one_line_error(stderr: str, *fragments: str) -> None:
    assert "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]  # after progress lines, if any
    assert last.startswith("ram-audit: error: ") and stderr.count("ram-audit: error") == 1
    for fragment in fragments:
        assert fragment in last, stderr


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A working directory with a snapshot, a report of it and assorted bad files."""
    snapshot = make_snapshot()
    save_snapshot(snapshot, tmp_path / "snap.json")
    report = build_report(prepare(Options()), snapshot)
    render_report(report, ["json"], tmp_path / "prev")
    other = report.model_copy(update={"account": report.account.model_copy(update={"id": "42"})})
    render_report(other, ["json"], tmp_path / "other")
    (tmp_path / "latin1.json").write_bytes(b"\xff\xfe")
    (tmp_path / "meta5.json").write_text('{"meta": 5}')
    (tmp_path / "thin-report.json").write_text('{"schema_version": "1"}')
    (tmp_path / "a-file").write_text("")
    (tmp_path / "bad.yaml").write_text("waivers: [\n")
    return tmp_path


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["evaluate", "latin1.json"], ["latin1.json", "not a JSON snapshot"]),
        (["evaluate", "meta5.json"], ["meta5.json", "not a ram-audit snapshot"]),
        (["evaluate", "prev/report.json"], ["this is a report, not a snapshot"]),
        (["render", "snap.json"], ["snap.json", "this is a snapshot, not a report"]),
        (["evaluate", "snap.json", "--waivers", "bad.yaml"], ["bad.yaml", "invalid YAML"]),
        (["render", "thin-report.json"], ["invalid report at tool: missing (required)"]),
        (["render", "prev/report.json", "--output-dir", "a-file/x"], ["a-file is not a dir"]),
        (["run", "--format", "", *UNREACHABLE], ["--format: empty value"]),
        (["run", "--checks", ",,", *UNREACHABLE], ["--checks: empty value"]),
        (["run", "--tags", "", *UNREACHABLE], ["--tags: empty value"]),
        # checked before collecting: the unreachable endpoints would otherwise give exit 3
        (["run", "--output-dir", "a-file/out", *UNREACHABLE], ["--output-dir a-file/out"]),
        (["collect", "-o", "a-file/snap.json", *UNREACHABLE], ["--output a-file/snap.json"]),
        (["evaluate", "snap.json", "--baseline", "other/report.json"],
         ["other/report.json", "account 42, not of the audited account"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(files: Path, args: list[str],
                                          fragments: list[str]) -> None:
    code, stdout, stderr = invoke(*args, cwd=files)
    assert code == 2 and stdout == ""
    assert_one_line_error(stderr, *fragments)
    assert not (files / "ram-audit-report").exists()


def test_unwritable_report_path_is_exit_2_and_leaves_no_temp_file(files: Path) -> None:
    (files / "out" / "report.json").mkdir(parents=True)  # a directory where a file goes
    code, _, stderr = invoke("evaluate", "snap.json", "--output-dir", "out", "--format",
                             "html,json", cwd=files)
    assert code == 2
    assert_one_line_error(stderr, "report.json: cannot write")
    assert sorted(p.name for p in (files / "out").iterdir()) == ["report.html", "report.json"]


def test_collect_creates_the_snapshot_directory(tmp_path: Path) -> None:
    save_snapshot(make_snapshot(), tmp_path / "new" / "dir" / "snap.json")
    assert json.loads((tmp_path / "new" / "dir" / "snap.json").read_text())["meta"]


def test_quiet_success_prints_nothing(files: Path) -> None:
    code, stdout, stderr = invoke("evaluate", "snap.json", "-q", "--fail-on", "never",
                                  "--unknown-ok", cwd=files)
    assert (code, stdout, stderr) == (0, "", "")
    code, stdout, stderr = invoke("render", "prev/report.json", "-q", "--format", "csv",
                                  cwd=files)
    assert (code, stdout, stderr) == (0, "", "")
    assert (files / "ram-audit-report" / "report.csv").is_file()


def test_log_records_are_one_line_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    cli_module._configure_logging(quiet=False)
    log = logging.getLogger("ram_audit.engine")
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        log.exception("check %s raised", "x")
    assert capsys.readouterr().err == "ram-audit: error: check x raised: ValueError: bad value\n"
    cli_module._configure_logging(quiet=True)
    log.warning("not shown when quiet")
    assert capsys.readouterr().err == ""


def test_interrupt_while_rendering_leaves_the_output_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = build_report(prepare(Options()), make_snapshot())
    render_report(report, ["html", "json"], tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def interrupted(_report: object) -> bytes:
        raise KeyboardInterrupt

    from auditor import render

    monkeypatch.setitem(render._RENDERERS, "json", ("report.json", interrupted))
    with pytest.raises(KeyboardInterrupt):
        render_report(report, ["html", "json"], tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_signals_wait_until_every_file_is_written(tmp_path: Path) -> None:
    class Interrupting(dict[Path, bytes]):
        def items(self) -> Iterator[tuple[Path, bytes]]:  # type: ignore[override]
            for i, item in enumerate(super().items()):
                if i == 1:
                    signal.raise_signal(signal.SIGINT)  # Ctrl-C between two files
                yield item

    files = Interrupting({tmp_path / "a": b"new a", tmp_path / "b": b"new b"})
    with pytest.raises(KeyboardInterrupt):
        write_files(files)
    assert (tmp_path / "a").read_bytes() == b"new a" and (tmp_path / "b").read_bytes() == b"new b"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# --- the real command in a subprocess: signals, DEBUG=sdk, non-TTY output -----------------


def _spawn(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("ALIBABA_CLOUD_", "RAM_AUDIT_", "DEBUG"))}
    full_env.update({"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", "HOME": str(cwd),
                     "ALIBABA_CLOUD_ACCESS_KEY_ID": DEMO_KEY[0],
                     "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEMO_KEY[1], **env})
    return subprocess.Popen([sys.executable, "-m", "auditor", *args], cwd=cwd, env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def slow_demo() -> Iterator[Emulator]:
    with Emulator(demo_world(), faults=Faults(latency_ms=150), port=0) as emu:
        yield emu


def _endpoints(emu: Emulator) -> list[str]:
    return [f"--endpoint={s}=http://{emu.endpoint}" for s in ("ram", "ims", "sts")]


@pytest.mark.parametrize(("signum", "code", "word"),
                         [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
def test_signal_during_collection(slow_demo: Emulator, tmp_path: Path, signum: int, code: int,
                                  word: str) -> None:
    proc = _spawn(["run", *_endpoints(slow_demo), "--output-dir", "out"], tmp_path, {})
    assert proc.stderr is not None
    seen = [proc.stderr.readline()]
    while "users" not in seen[-1] and seen[-1]:  # collection is under way
        seen.append(proc.stderr.readline())
    proc.send_signal(signum)
    rest = proc.stderr.read()
    assert proc.wait(timeout=30) == code
    assert "Traceback" not in rest and "\x1b" not in "".join(seen) + rest  # plain log lines
    assert rest.strip().splitlines()[-1].startswith(f"ram-audit: error: {word}")
    assert list(tmp_path.iterdir()) == []  # no report directory, no temp file


def test_debug_sdk_never_prints_the_sts_token(tmp_path: Path) -> None:
    role = f"acs:ram::{demo_world().account.id}:role/DataBatchJobRole"
    with Emulator(demo_world(), port=0) as emu:
        proc = _spawn(["run", *_endpoints(emu), "--role-arn", role, "--checks",
                       "root_mfa_enabled", "--format", "json", "--output-dir", "out", "-q"],
                      tmp_path, {"DEBUG": "sdk"})
        stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    report = (tmp_path / "out" / "report.json").read_text()
    assert ":assumed-role/DataBatchJobRole/" in report
    assert stdout == ""
    assert stderr.startswith("ram-audit: warning: ignoring DEBUG=sdk")
    assert len(stderr.splitlines()) == 1  # no request headers (x-acs-security-token) at all
    assert DEMO_KEY[1] not in stderr + report


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_unwritable_stdout_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "auditor", "list-checks"], stdout=full,
                              stderr=subprocess.PIPE, text=True, cwd=tmp_path, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "ram-audit: error: cannot write output: No space left on device"
