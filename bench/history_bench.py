"""A year of daily runs in the history: record time per run, `history` answer time, size.

Builds a 365-run history of a synthetic 2,600-user account (about 43,000 results a run:
twelve per-user checks, three per-AccessKey checks over 3,900 keys, a few account checks)
without running the collector: each day a few hundred results change status, every 30th run
cannot read the credential report (the MFA check is UNKNOWN for everyone), and the
lifecycle, trend and pruning run for real. Then times the `history` and `history findings`
commands the way a user runs them (a fresh process each) and prints the file size.

    python bench/history_bench.py [--runs 365] [--users 2600] [--db PATH]

Goals (shared/spec/jobs.md): `history` answers in <= 1 s; the database stays <= 200 MB.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from auditor.engine import summarise
from auditor.findings import Resource, Severity, Status
from auditor.history.apply import record_report
from auditor.history.store import open_history
from auditor.report import Account, AuditReport, Caller, Result, Tool, result_uid

ACCOUNT = "1234567890123456"
USER_CHECKS = [f"user_check_{i:02d}" for i in range(12)]
KEY_CHECKS = ["access_key_rotated", "access_key_used", "access_key_single_active"]
ACCOUNT_CHECKS = ["root_mfa_enabled", "password_policy_min_length", "root_access_key_absent"]
SEVERITIES = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW]
MFA = USER_CHECKS[0]


def _result(check_id: str, resource: Resource, status: Status, severity: Severity) -> Result:
    return Result(
        uid=result_uid(check_id, ACCOUNT, resource), check_id=check_id,
        title=f"Title of {check_id}", severity=severity, status=status, resource=resource,
        message=f"{resource.name}: {check_id} is {status}",
        doc_url=f"https://docs.example/{check_id}",
    )


def baseline_results(users: int, rng: random.Random) -> list[Result]:
    out = []
    for u in range(users):
        user = Resource(type="user", id=f"2{u:015d}", name=f"user-{u:05d}")
        for i, check_id in enumerate(USER_CHECKS):
            status = Status.FAIL if rng.random() < 0.08 else Status.PASS
            out.append(_result(check_id, user, status, SEVERITIES[i % 4]))
        for k in range(1 if u % 2 else 2):
            key = Resource(type="access_key", id=f"LTAI{u:08d}{k}", name=f"user-{u:05d}")
            for i, check_id in enumerate(KEY_CHECKS):
                status = Status.FAIL if rng.random() < 0.1 else Status.PASS
                out.append(_result(check_id, key, status, SEVERITIES[(i + 1) % 4]))
    account = Resource(type="account", id=ACCOUNT, name="acme")
    out += [_result(c, account, Status.FAIL, Severity.CRITICAL) for c in ACCOUNT_CHECKS]
    return out


def day_results(base: list[Result], day: int, rng: random.Random) -> list[Result]:
    """Today's results: 5% of FAILs get fixed and 0.5% of PASSes start failing (about 1% of
    results change, the FAIL share stays near 9%); every 30th day the MFA check is UNKNOWN."""
    out = []
    for r in base:
        if day % 30 == 29 and r.check_id == MFA:
            out.append(r.model_copy(update={"status": Status.UNKNOWN,
                                            "message": "credential report unreadable"}))
        elif rng.random() < (0.05 if r.status is Status.FAIL else 0.005):
            flipped = Status.PASS if r.status is Status.FAIL else Status.FAIL
            out.append(r.model_copy(update={"status": flipped,
                                            "message": f"{r.resource.name}: now {flipped}"}))
        else:
            out.append(r)
    return out


def report_for(results: list[Result], when: datetime) -> AuditReport:
    return AuditReport(
        tool=Tool(version="bench"),
        account=Account(id=ACCOUNT, alias="acme",
                        caller=Caller(arn=f"acs:ram::{ACCOUNT}:user/auditor",
                                      identity_type="RAMUser")),
        collected_at=when, results=results, summary=summarise(results),
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_cli(*args: str) -> tuple[float, float, int]:
    """Wall and CPU time of one `ram-audit ...` process, and its output size."""
    start, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True,
                          text=True, check=True)
    return time.perf_counter() - start, _children_cpu() - cpu, len(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=365)
    parser.add_argument("--users", type=int, default=2600)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    db = args.db or Path(tempfile.mkdtemp(prefix="ram-audit-history-")) / "history.db"
    rng = random.Random(12)
    base = baseline_results(args.users, rng)
    print(f"account: {args.users} users, {len(base)} results per run; database {db}")
    start_day = datetime(2026, 1, 1, 6, 0, tzinfo=timezone.utc)
    record_times, record_cpu = [], []
    total = time.perf_counter()
    with open_history(db) as history:
        for day in range(args.runs):
            results = day_results(base, day, rng)
            if day % 30 != 29:
                base = results  # an UNKNOWN day changes nothing for real
            report = report_for(results, start_day + timedelta(days=day))
            t0, c0 = time.perf_counter(), time.process_time()
            record_report(history, report, keep_days=400)
            record_times.append(time.perf_counter() - t0)
            record_cpu.append(time.process_time() - c0)
            if (day + 1) % 73 == 0:
                size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
                print(f"  {day + 1} runs recorded; last record {record_times[-1]:.2f} s wall, "
                      f"{record_cpu[-1]:.2f} s CPU; database {size / 1e6:.1f} MB",
                      flush=True)
        findings = len(history.findings(ACCOUNT))
        still_open = len(history.findings(ACCOUNT, open_only=True))
    record_times.sort()
    record_cpu.sort()
    mid = len(record_times) // 2
    print(f"recorded {args.runs} runs in {time.perf_counter() - total:.0f} s; recording one "
          f"run: median {record_times[mid]:.2f} s wall / {record_cpu[mid]:.2f} s CPU, "
          f"max {record_times[-1]:.2f} s wall / {record_cpu[-1]:.2f} s CPU")
    print(f"findings tracked: {findings} ({still_open} open)")
    size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
    print(f"database size: {size / 1e6:.1f} MB (goal <= 200 MB) "
          f"[{', '.join(p.name for p in db.parent.glob(db.name + '*'))}]")
    for label, cli_args in [
        ("history", ["history", "--history", str(db)]),
        ("history --format json", ["history", "--history", str(db), "--format", "json"]),
        ("history findings --open --older-than 30",
         ["history", "findings", "--history", str(db), "--open", "--older-than", "30",
          "--format", "json"]),
    ]:
        seconds, cpu, chars = min(timed_cli(*cli_args) for _ in range(3))
        print(f"`ram-audit {label}`: {seconds:.2f} s wall, {cpu:.2f} s CPU, whole process "
              f"with Python start-up, best of 3 ({chars} characters of output)")
    start = time.perf_counter()
    with open_history(db) as history:
        runs = history.runs(ACCOUNT)
    print(f"`history` inside the process (open + query): {len(runs)} runs in "
          f"{(time.perf_counter() - start) * 1000:.1f} ms (goal <= 1 s)")
    print(f"load average now: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs (wall times above include waiting for a CPU)")
    if args.db is None:
        for path in db.parent.iterdir():
            path.unlink()
        os.rmdir(db.parent)


if __name__ == "__main__":
    main()
