"""Offline evaluation at scale: is ``ram-audit evaluate`` linear in the snapshot?

Collects one snapshot of a generated 2,000-user world through the real collector (the
local emulator, no latency), then scales it by cloning every user, group, policy and role
under new names (structure kept: memberships, attachments, keys), and times the whole
command ``ram-audit evaluate SNAPSHOT --format json`` as a subprocess for each size.

Prints, per size: users, results, wall and CPU seconds (user + sys: the figure to trust
on a shared machine) as the median, min and max of ``--runs`` runs, peak RSS,
microseconds of wall time per user (a linear evaluation keeps that column flat), and the
size of report.json (what the run must write: the escalation checks list one path per
distinct first hop, so a principal that can take over every user has a path per user that
can become admin). Goal (issue 8): 10,000 users in <= 2.0 s and <= 300 MiB. Usage::

    python bench/evaluate_bench.py [--sizes 5000,10000,20000] [--exclude-checks ID,...]
        [--snapshots DIR] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

from auditor.collector import collect_snapshot
from auditor.collector.credentials import ResolvedCredentials
from auditor.demo import emulator_settings
from auditor.emulator import Emulator
from auditor.emulator.generate import AUDITOR_KEY_ID, AUDITOR_KEY_SECRET, generate_world
from auditor.sections import Section
from auditor.snapshot import AccountSnapshot, Group, Policy, PolicyAttachment, Role, User
from auditor.snapshot_file import save_snapshot

BASE_USERS = 2000


def base_snapshot() -> AccountSnapshot:
    """A 2,000-user world collected through the SDK (credential report mode)."""
    world = generate_world(BASE_USERS, seed=7)
    credentials = ResolvedCredentials(AUDITOR_KEY_ID, AUDITOR_KEY_SECRET, source="bench")
    with Emulator(world) as emulator:
        settings = emulator_settings(
            emulator, requests_per_second=5000.0, credential_report_poll_s=0.0
        )
        return collect_snapshot(settings, list(Section), credentials=credentials)


def _renamed(name: str, copy: int) -> str:
    return name if copy == 0 else f"{name}-c{copy}"


def scaled(snapshot: AccountSnapshot, factor: int) -> AccountSnapshot:
    """``factor`` copies of every user, group, custom policy and role (system policies are
    shared, attached to every copy)."""
    users: list[User] = []
    groups: list[Group] = []
    roles: list[Role] = []
    for copy in range(factor):
        users += [
            u.model_copy(
                update={
                    "name": _renamed(u.name, copy),
                    "id": f"{u.id}{copy}",
                    "access_keys": tuple(
                        k.model_copy(update={"id": f"{k.id}{copy}"}) for k in u.access_keys
                    ),
                }
            )
            for u in snapshot.users
        ]
        groups += [
            g.model_copy(
                update={
                    "name": _renamed(g.name, copy),
                    "members": tuple(_renamed(m, copy) for m in g.members),
                }
            )
            for g in snapshot.groups
        ]
        roles += [
            r.model_copy(update={"name": _renamed(r.name, copy), "id": f"{r.id}{copy}"})
            for r in snapshot.roles
        ]
    policies: list[Policy] = []
    for policy in snapshot.policies:
        copies = range(factor) if policy.type == "Custom" else [0]
        for copy in copies:
            links = [
                PolicyAttachment(
                    principal_type=a.principal_type, principal_name=_renamed(a.principal_name, c)
                )
                for a in policy.attachments
                for c in (range(factor) if policy.type == "System" else [copy])
            ]
            policies.append(
                policy.model_copy(
                    update={
                        "name": _renamed(policy.name, copy),
                        "attachments": tuple(links),
                        "attachment_count": len(links),
                    }
                )
            )
    return snapshot.model_copy(
        update={
            "users": tuple(users),
            "groups": tuple(groups),
            "roles": tuple(roles),
            "policies": tuple(policies),
        }
    )


class Run(NamedTuple):
    """One whole ``evaluate`` command: its wall and CPU seconds (user + sys), peak RSS in
    MiB, result count and report.json size in MiB."""

    wall: float
    cpu: float
    rss: float
    results: int
    json_mib: float


#: Runs a command and prints its own wall and CPU seconds, peak RSS (KiB) and exit code.
#: A child inherits the peak RSS of the process that forks it (Linux keeps the larger of
#: the two across exec), and this script holds snapshots and parsed reports: the command
#: is started from this small interpreter instead, so its figure is its own.
_RUNNER = """
import json, os, subprocess, sys, tempfile, time
with tempfile.TemporaryFile() as stderr:
    started = time.perf_counter()
    proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=stderr)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    stderr.seek(0)
    print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                      "rss_kib": usage.ru_maxrss, "code": os.waitstatus_to_exitcode(status),
                      "stderr": stderr.read().decode(errors="replace")}))
"""


def run_evaluate(path: Path, exclude: str) -> Run:
    """Runs ``ram-audit evaluate`` on ``path`` once, started by :data:`_RUNNER`."""
    out = Path(tempfile.mkdtemp(prefix="ram-audit-eval-"))
    command = [
        sys.executable,
        "-m",
        "auditor",
        "evaluate",
        str(path),
        "--format",
        "json",
        "--output-dir",
        str(out),
        "-q",
        "--unknown-ok",
    ]
    if exclude:
        command += ["--exclude-checks", exclude]
    done = subprocess.run([sys.executable, "-c", _RUNNER, *command], capture_output=True,
                          text=True, check=True)
    figures = json.loads(done.stdout)
    if figures["code"] not in (0, 1):
        raise SystemExit(f"evaluate failed ({figures['code']}): {figures['stderr'].strip()}")
    report = out / "report.json"
    results = len(json.loads(report.read_text(encoding="utf-8"))["results"])
    size = report.stat().st_size / 2**20
    shutil.rmtree(out)
    return Run(figures["wall"], figures["cpu"], figures["rss_kib"] / 1024, results, size)


def spread(values: list[float]) -> str:
    """``median (min-max)``, or the value alone for one run."""
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="2000,10000,20000",
        help="user counts, multiples of 2,000 (default 2000,10000,20000)",
    )
    parser.add_argument("--exclude-checks", default="", help="checks left out of the run")
    parser.add_argument(
        "--runs",
        type=int,
        default=5,
        help="runs of the command per size (default 5): its wall and CPU times vary from "
        "run to run on a shared machine, so the table gives their median, min and max",
    )
    parser.add_argument(
        "--snapshots",
        type=Path,
        help="directory for the snapshots (snapshot-SIZE.json): kept after the run, and "
        "those already there are reused instead of collecting again (for profiling)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    workdir = args.snapshots or Path(tempfile.mkdtemp(prefix="ram-audit-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    base: AccountSnapshot | None = None
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    print(f"{'users':>7} {'results':>8} {'wall s: median (min-max)':>25} "
          f"{'CPU s: median (min-max)':>24} {'RSS MiB':>8} {'µs/user':>8} {'JSON MiB':>9}")
    for size in sizes:
        path = workdir / f"snapshot-{size}.json"
        if not path.exists():
            if base is None:
                print(f"collecting a {BASE_USERS:,}-user snapshot through the emulator ...",
                      flush=True)
                base = base_snapshot()
            save_snapshot(scaled(base, max(1, size // BASE_USERS)), path)
        users = len(json.loads(path.read_text(encoding="utf-8"))["users"])
        runs = [run_evaluate(path, args.exclude_checks) for _ in range(args.runs)]
        walls = [r.wall for r in runs]
        per_user = statistics.median(walls) / users * 1e6
        print(
            f"{users:>7,} {runs[0].results:>8,} {spread(walls):>25} "
            f"{spread([r.cpu for r in runs]):>24} {max(r.rss for r in runs):>8.0f} "
            f"{per_user:>8.0f} {runs[0].json_mib:>9.1f}",
            flush=True,
        )
    print(
        f"({args.runs} run(s) per size; RSS is the largest peak of one run; µs/user from the "
        f"median wall time; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )


if __name__ == "__main__":
    main()
