"""Organisation benchmark (issue 11): 200 members x ~50 users through ``run --accounts``.

Writes a generated organisation, serves it with ``ram-audit emulator --org`` in a child
process (``--latency-ms 30 --qps-per-api 100``: every account has its own 100 req/s per API,
as on Alibaba Cloud), then runs ``ram-audit org accounts`` and ``ram-audit run --accounts``
as child processes and prints one table: wall time, peak RSS of the auditing process, calls,
and, per member, the API calls of its report compared with a single-account audit of the
same member world (expected: the same calls plus one ``AssumeRole``).

The single-account reference audits a few members directly (their own ``ram-auditor`` key,
no role) against an in-process emulator serving that member's world alone.

    python bench/org_bench.py                       # 200 members x 50 users, 8 workers
    python bench/org_bench.py --members 20 --users 20 --workers 4
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_ENDPOINT = re.compile(r"on http://(\S+)")
SERVICES = ("ram", "ims", "sts", "resourcemanager")


def _run_child(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[int, float, float, str]:
    """Run ``python -m auditor ARGV``; (exit code, wall s, peak RSS MiB, stderr)."""
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "auditor", *argv], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stderr_chunks: list[str] = []
    assert proc.stderr is not None and proc.stdout is not None
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    stderr_chunks.append(proc.stderr.read())
    proc.stdout.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, wall, usage.ru_maxrss / 1024, "".join(stderr_chunks)


def _start_emulator(org_file: Path, latency_ms: int, qps: float) -> tuple[subprocess.Popen[str],
                                                                          str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "auditor", "emulator", "--org", str(org_file), "--latency-ms",
         str(latency_ms), "--qps-per-api", str(qps)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = _ENDPOINT.search(line)
    if match is None:
        proc.kill()
        detail = proc.stderr.read() if proc.stderr else ""
        raise SystemExit(f"emulator did not start: {line!r} {detail}")
    return proc, match.group(1)


def _emulator_rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _single_account_calls(world: Any, latency_ms: int) -> dict[str, int]:
    """API calls of a plain single-account audit of ``world`` (its ram-auditor key)."""
    from auditor.collector import CollectorSettings, Endpoint, collect_snapshot
    from auditor.collector.credentials import static_credentials
    from auditor.emulator import Emulator, Faults
    from auditor.pipeline import Options, prepare

    user = next(u for u in world.users if u.name == "ram-auditor")
    key = next(k for k in user.access_keys if k.status == "Active")
    sections = prepare(Options(formats=("json",))).sections
    with Emulator(world, Faults(latency_ms=latency_ms)) as emu:
        endpoint = Endpoint(emu.endpoint, "http")
        settings = CollectorSettings(endpoints={"ram": endpoint, "ims": endpoint,
                                                "sts": endpoint})
        snapshot = collect_snapshot(settings, sections,
                                    credentials=static_credentials(key.id, key.secret_value()))
    by_action: dict[str, int] = {}  # as report.json counts them: RAM/IMS namesakes summed
    for action, count in snapshot.meta.api_calls.items():
        name = action.partition(":")[2]
        by_action[name] = by_action.get(name, 0) + count
    return by_action


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--latency-ms", type=int, default=30)
    parser.add_argument("--qps", type=float, default=100.0)
    parser.add_argument("--reference-members", type=int, default=3,
                        help="members also audited alone, to compare their calls")
    args = parser.parse_args()

    from auditor.emulator.generate import AUDITOR_KEY_ID, AUDITOR_KEY_SECRET
    from auditor.emulator.org_generate import generate_org, write_org

    with tempfile.TemporaryDirectory(prefix="ram-audit-org-bench-") as tmp:
        work = Path(tmp)
        started = time.monotonic()
        spec = generate_org(args.members, args.users, seed=1)
        org_file = write_org(spec, work / "org")
        print(f"generated {args.members} members x {args.users} users in "
              f"{time.monotonic() - started:.1f} s", file=sys.stderr)
        emulator, endpoint = _start_emulator(org_file, args.latency_ms, args.qps)
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith("ALIBABA_CLOUD_")}
            env.update({"ALIBABA_CLOUD_ACCESS_KEY_ID": AUDITOR_KEY_ID,
                        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": AUDITOR_KEY_SECRET,
                        "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", "HOME": str(work)})
            env.update({f"RAM_AUDIT_ENDPOINT_{s.upper()}": f"http://{endpoint}"
                        for s in SERVICES})
            list_code, list_wall, _, list_err = _run_child(
                ["org", "accounts", "--output", "accounts.yaml", "-q"], env, work)
            if list_code != 0:
                raise SystemExit(f"org accounts failed ({list_code}): {list_err}")
            code, wall, rss, stderr = _run_child(
                ["run", "--accounts", "accounts.yaml", "--workers", str(args.workers),
                 "--format", "json", "--output-dir", "out", "--fail-on", "never", "-q"],
                env, work)
            emulator_rss = _emulator_rss_mib(emulator.pid)
        finally:
            emulator.terminate()
            emulator.wait()
        org = json.loads((work / "out" / "org-report.json").read_text())
        calls: dict[str, dict[str, int]] = {}
        for account in org["accounts"]:
            if account["status"] == "audited":
                report = json.loads((work / "out" / account["report"]).read_text())
                calls[account["id"]] = report["api_calls"]
        per_member = [sum(c.values()) for c in calls.values()]
        assume = [c.get("AssumeRole", 0) for c in calls.values()]
        reference = []
        for member in spec.members[: args.reference_members]:
            alone = _single_account_calls(member.world, args.latency_ms)
            in_org = dict(calls.get(member.id, {}))
            in_org["AssumeRole"] = in_org.get("AssumeRole", 0) - 1
            in_org = {k: v for k, v in in_org.items() if v}
            reference.append((member.id, sum(alone.values()), sum(calls.get(member.id, {})
                                                                  .values()), in_org == alone))

    s = org["summary"]
    print()
    print("| members | users/member | workers | latency | quota/API/account | wall | "
          "peak RSS (auditor) | peak RSS (emulator) | exit |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {args.members + 1} (incl. management) | {args.users} | {args.workers} | "
          f"{args.latency_ms} ms | {args.qps:g} req/s | {wall:.1f} s | {rss:.0f} MiB | "
          f"{emulator_rss:.0f} MiB | {code} |")
    print()
    print(f"org accounts: {list_wall:.1f} s; audited {s['accounts_audited']}, not audited "
          f"{s['accounts_not_audited']}, incomplete {s['accounts_incomplete']}")
    if per_member:
        print(f"API calls per member: min {min(per_member)}, median "
              f"{statistics.median(per_member):.0f}, max {max(per_member)}; total "
              f"{sum(per_member)}; AssumeRole per member: {sorted(set(assume))}")
    print()
    print("| member | single-account calls | calls in the org run | same calls + 1 AssumeRole |")
    print("|---|---|---|---|")
    for member_id, alone_total, org_total, same in reference:
        print(f"| {member_id} | {alone_total} | {org_total} | {'yes' if same else 'NO'} |")
    print(f"\nload average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if code not in (0, 1, 4):
        print(stderr[-2000:], file=sys.stderr)


if __name__ == "__main__":
    main()
