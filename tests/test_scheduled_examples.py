"""examples/scheduled runs as written: the Dockerfile, the Kubernetes CronJob (validated
against the Kubernetes JSON schema) and the GitHub Actions workflow use this repository's
ram-audit with options it has. CI also lints them (hadolint, actionlint) and runs the
Dockerfile's pip steps in a fresh venv (.ci/run)."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from auditor import __version__
from auditor.cli import run
from auditor.registry import CheckRegistry
from auditor.waivers import check_known_checks, load_waivers

ROOT = Path(__file__).resolve().parents[1]
SCHEDULED = ROOT / "examples" / "scheduled"
KUBERNETES_VERSION = "1.33.0"  # a version ACK offers; the schema package ships it
RRSA_ENV = ("ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE")
#: Current major versions of the official actions (checked against their releases).
CURRENT_ACTIONS = {"actions/checkout": 7, "actions/setup-python": 7,
                   "actions/upload-artifact": 7}

sys.path.insert(0, str(SCHEDULED))
from dockerfile_pip import pip_commands, run_instructions  # noqa: E402


def _manifests() -> list[dict[str, Any]]:
    text = (SCHEDULED / "kubernetes-cronjob.yaml").read_text(encoding="utf-8")
    return [doc for doc in yaml.safe_load_all(text) if doc]


def _cronjob() -> dict[str, Any]:
    return next(doc for doc in _manifests() if doc["kind"] == "CronJob")


def _dockerfile() -> str:
    return (SCHEDULED / "Dockerfile").read_text(encoding="utf-8")


# --- Kubernetes ------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(5))
def test_manifests_validate_against_the_kubernetes_schema(index: int) -> None:
    doc = _manifests()[index]
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_schema_validation_catches_a_misspelt_field() -> None:
    doc = _cronjob()
    doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicyy"] = "Never"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_cronjob_uses_rrsa_credentials_with_a_projected_token() -> None:
    pod = _cronjob()["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    env = {item["name"]: item["value"] for item in container["env"]}
    assert set(RRSA_ENV) <= set(env)
    assert not any(name.startswith("ALIBABA_CLOUD_ACCESS_KEY") for name in env)
    assert re.fullmatch(r"acs:ram::\d{16}:role/[\w.-]+", env["ALIBABA_CLOUD_ROLE_ARN"])
    assert re.fullmatch(r"acs:ram::\d{16}:oidc-provider/[\w.-]+",
                        env["ALIBABA_CLOUD_OIDC_PROVIDER_ARN"])
    token = Path(env["ALIBABA_CLOUD_OIDC_TOKEN_FILE"])
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    (source,) = volumes["rrsa-token"]["projected"]["sources"]
    assert source["serviceAccountToken"]["audience"] == "sts.aliyuncs.com"
    assert Path(mounts["rrsa-token"]) / source["serviceAccountToken"]["path"] == token


def test_cronjob_runs_the_image_of_the_dockerfile_as_its_user() -> None:
    pod = _cronjob()["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"].endswith(f"/ram-audit:{__version__}")
    user = re.search(r"(?m)^USER (\d+):(\d+)$", _dockerfile())
    assert user is not None
    assert pod["securityContext"]["runAsUser"] == int(user.group(1))
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_cronjob_waivers_are_valid_waivers(tmp_path: Path) -> None:
    config = next(doc for doc in _manifests() if doc["kind"] == "ConfigMap")
    path = tmp_path / "waivers.yaml"
    path.write_text(config["data"]["waivers.yaml"])
    waivers = load_waivers(path)
    check_known_checks(path, waivers, [c.id for c in CheckRegistry.discover().all()])


# --- ram-audit command lines -----------------------------------------------------------


def _run_command_lines() -> dict[str, list[str]]:
    """Each ``ram-audit run ...`` written in the examples, as shell words."""
    sources = {
        "cronjob": _cronjob()["spec"]["jobTemplate"]["spec"]["template"]["spec"][
            "containers"][0]["args"][0],
        "workflow": (SCHEDULED / "github-actions.yml").read_text(encoding="utf-8"),
        "cron": (SCHEDULED / "README.md").read_text(encoding="utf-8"),
    }
    found = {}
    for name, text in sources.items():
        text = re.sub(r"\\\n\s*", " ", text)
        # Shell expansions ("${args[@]}", "$@", $(...)) add optional flags at run time.
        text = re.sub(r'"\$\{[^}]*\}"|"\$@"|\$\([^)]*\)', " ", text)
        match = re.search(r"ram-audit run [^\n;>]*", text)
        assert match, name
        found[name] = shlex.split(match.group(0), comments=True)
    return found


def test_example_command_lines_use_existing_run_options() -> None:
    known = {opt for param in run.params for opt in param.opts}
    for name, words in _run_command_lines().items():
        flags = [w for w in words if w.startswith("--")]
        assert flags, name
        assert set(flags) <= known, (name, set(flags) - known)
        assert "--fail-on" in flags, name


def test_example_command_lines_parse_with_the_cli() -> None:
    for name, words in _run_command_lines().items():
        args = [w for w in words[2:] if "$" not in w]
        context = run.make_context("run", args, resilient_parsing=False)
        assert context.params["fail_on"] == "high", name


# --- Dockerfile ------------------------------------------------------------------------


def test_dockerfile_pins_the_base_by_digest_builds_a_wheel_and_runs_as_non_root() -> None:
    text = _dockerfile()
    bases = re.findall(r"(?m)^FROM (\S+)", text)
    assert len(bases) == 2 and len(set(bases)) == 1
    assert re.fullmatch(r"python:3\.\d+-slim@sha256:[0-9a-f]{64}", bases[0])
    assert re.search(r"(?m)^USER 10001:10001$", text)
    assert "pip install ram-audit" not in text  # not on a package index: built from here


def test_dockerfile_pip_steps_translate_to_this_machine() -> None:
    commands = pip_commands(_dockerfile(), "/venv/bin/python", "/tmp/dist")
    assert commands[0] == ["/venv/bin/python", "-m", "pip", "wheel", "--no-deps",
                           "--wheel-dir", "/tmp/dist", "."]
    assert commands[1][:4] == ["/venv/bin/python", "-m", "pip", "install"]
    assert len(run_instructions(_dockerfile())) == 2


# --- GitHub Actions --------------------------------------------------------------------


def test_workflow_installs_from_the_repository_with_current_actions() -> None:
    workflow = yaml.safe_load((SCHEDULED / "github-actions.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["audit"]["steps"]
    uses = {step["uses"].split("@")[0]: step["uses"].split("@")[1]
            for step in steps if "uses" in step}
    for action, major in CURRENT_ACTIONS.items():
        assert action in uses
        assert int(uses[action].lstrip("v").split(".")[0]) >= major, action
    install = next(step["run"] for step in steps if step.get("name", "").startswith("Install"))
    assert re.search(r"-m pip install [^\n]*\.$", install, re.MULTILINE)
    assert "pipx install ram-audit" not in install and "install ram-audit" not in install
