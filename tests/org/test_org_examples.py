"""examples/org: the Indexed Job and the merge Job are valid and agree with each other."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import click
import kubernetes_validate
import pytest
import yaml

from auditor.cli import cli
from auditor.org.accounts import parse_accounts

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "org"
KUBERNETES_VERSION = "1.33.0"


def _docs(name: str) -> list[dict[str, Any]]:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    return [doc for doc in yaml.safe_load_all(text) if doc]


def _all() -> list[dict[str, Any]]:
    return _docs("kubernetes-indexed-job.yaml") + _docs("merge-job.yaml")


def _job(name: str) -> dict[str, Any]:
    return next(d for d in _all() if d["kind"] == "Job" and d["metadata"]["name"] == name)


def _script(job: dict[str, Any]) -> str:
    return str(job["spec"]["template"]["spec"]["containers"][0]["args"][0])


@pytest.mark.parametrize("index", range(5))
def test_manifests_validate_against_the_kubernetes_schema(index: int) -> None:
    kubernetes_validate.validate(_all()[index], KUBERNETES_VERSION, strict=True)


def test_shards_and_merge_agree() -> None:
    shards = _job("ram-audit-org-shards")
    count = shards["spec"]["completions"]
    assert shards["spec"]["completionMode"] == "Indexed"
    assert f"--shard auto/{count}" in _script(shards)
    merged = re.findall(r"/reports/run/shard-(\d+)", _script(_job("ram-audit-org-merge")))
    assert sorted(int(i) for i in merged) == list(range(count))


def test_accounts_file_in_the_config_map_is_valid() -> None:
    config = next(d for d in _all() if d["kind"] == "ConfigMap")
    accounts = parse_accounts(yaml.safe_load(config["data"]["accounts.yaml"]), "example")
    assert len(accounts.accounts) == 3


@pytest.mark.parametrize(("job", "command"), [("ram-audit-org-shards", "run"),
                                              ("ram-audit-org-merge", "merge")])
def test_every_flag_used_exists(job: str, command: str) -> None:
    script = _script(_job(job)).replace("\\\n", " ")
    line = next(x for x in script.splitlines() if f"ram-audit {command}" in x)
    words = shlex.split(line.split(f"ram-audit {command}", 1)[1])
    flags = {w.split("=")[0] for w in words if w.startswith("--")}
    params = cli.commands[command].params
    known = {opt for p in params if isinstance(p, click.Option) for opt in p.opts}
    assert flags and flags <= known, flags - known
