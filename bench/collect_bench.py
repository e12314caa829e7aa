"""Collector benchmark: generated worlds of N users against the emulator with latency and limits.

For each world (groups, custom policies and roles in proportion to users, see
``auditor.emulator.generate``) the collector runs twice against an emulator *subprocess*
(``ram-audit emulator``, so that it does not share the collector's GIL) that adds 30 ms of
latency and allows 100 requests/second per API: once with the credential report allowed and
once with GetCredentialReport denied (per-user fallback). Each collection runs in its own
child process so that its peak RSS is its own. Printed per run: API calls by action against
the floor for that world, wall time against the per-API rate-limit bound, and peak RSS.

    python bench/collect_bench.py                      # 1,000 and 10,000 users (~5 min)
    python bench/collect_bench.py --users 1000 -v      # one world, with progress lines
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.emulator.generate import generate_world, write_world
from auditor.emulator.world import World

# The call floor is the test oracle's computation (one place): tests/oracles/call_budget.py.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from oracles.call_budget import REPORT_USER_LIMIT, expected_calls

#: Accounts above this many users get no credential report (Alibaba Cloud's limit).
_ENDPOINT_LINE = re.compile(r"on http://(\S+)")


@dataclass(frozen=True)
class Result:
    users: int
    mode: str
    calls: dict[str, int]
    floor: dict[str, int]
    wall_s: float
    bound_s: float
    rss_mib: float
    emulator_cpu_s: float | None
    issues: int


def call_floor(world: World, *, report: bool) -> dict[str, int]:
    """The calls the collector's plan needs for ``world`` (see ``tests/oracles/call_budget.py``).

    A denied report still costs one GenerateCredentialReport and one GetCredentialReport
    attempt while the account is small enough to have one.
    """
    floor = expected_calls(world, report=report)
    if not report and len(world.users) <= REPORT_USER_LIMIT:
        floor |= {"ims:GenerateCredentialReport": 1, "ims:GetCredentialReport": 1}
    return floor


class EmulatorProcess:
    """``ram-audit emulator`` in a subprocess; the endpoint is read from its first line."""

    def __init__(self, world_file: Path, latency_ms: int, qps_limit: float, deny: list[str]):
        command = [sys.executable, "-m", "auditor", "emulator", "--world", str(world_file),
                   "--latency-ms", str(latency_ms), "--qps-limit", str(qps_limit)]
        for action in deny:
            command += ["--deny", action]
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        match = _ENDPOINT_LINE.search(line)
        if not match:
            self.stop()
            raise RuntimeError(f"emulator did not start: {line!r}")
        self.endpoint = match.group(1)

    def cpu_seconds(self) -> float | None:
        """User + system CPU time so far (Linux /proc), or None."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def collect_child(endpoint: str, workers: int, rate: float, verbose: bool) -> None:
    """Child process: one collection; prints a JSON summary on stdout."""
    import logging

    from auditor.collector import CollectorSettings, Endpoint, collect_snapshot
    from auditor.collector.credentials import static_credentials
    from auditor.emulator.generate import AUDITOR_KEY_ID, AUDITOR_KEY_SECRET
    from auditor.sections import Section

    logging.getLogger("ram_audit").setLevel(logging.ERROR)  # issues are counted, not logged
    started = time.monotonic()

    def progress(line: str) -> None:
        if verbose:
            print(f"  [{time.monotonic() - started:6.1f}s] {line}", file=sys.stderr, flush=True)

    target = Endpoint(endpoint, "http")
    settings = CollectorSettings(
        endpoints={"ram": target, "ims": target, "sts": target},
        max_workers=workers,
        requests_per_second=rate,
        credential_report_poll_s=0.5,
    )
    snap = collect_snapshot(
        settings, list(Section), on_progress=progress,
        credentials=static_credentials(AUDITOR_KEY_ID, AUDITOR_KEY_SECRET),
    )
    summary = {
        "calls": snap.meta.api_calls,
        "wall_s": time.monotonic() - started,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "issues": len(snap.issues),
        "users": len(snap.users),
    }
    print(json.dumps(summary))


def run(world: World, world_file: Path, report: bool, args: argparse.Namespace) -> Result:
    floor = call_floor(world, report=report)
    bound = max(floor.values()) / args.qps_limit
    deny = [] if report else ["GetCredentialReport"]
    emulator = EmulatorProcess(world_file, args.latency_ms, args.qps_limit, deny)
    try:
        command = [sys.executable, __file__, "--child", emulator.endpoint,
                   "--workers", str(args.workers), "--rate", str(args.rate)]
        if args.verbose:
            command.append("--verbose")
        timeout = args.timeout or 3 * bound + 60
        done = subprocess.run(command, stdout=subprocess.PIPE, text=True, timeout=timeout,
                              check=True)
        cpu = emulator.cpu_seconds()
    finally:
        emulator.stop()
    summary: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if summary["users"] != len(world.users):
        raise RuntimeError(f"collected {summary['users']} of {len(world.users)} users")
    if not report:
        mode = "report denied (per-user)"
    elif len(world.users) > REPORT_USER_LIMIT:
        mode = "report n/a, >3,500 users"
    else:
        mode = "credential report"
    return Result(len(world.users), mode, summary["calls"], floor, summary["wall_s"], bound,
                  summary["rss_mib"], cpu, summary["issues"])


def print_result(result: Result, world: World) -> None:
    print(f"\n== {result.users:,} users ({len(world.groups)} groups, {len(world.policies)} "
          f"custom policies, {len(world.roles)} roles), {result.mode}")
    print(f"  {'action':40} {'calls':>7} {'floor':>7}")
    for action in sorted(result.calls | result.floor,
                         key=lambda a: (-result.calls.get(a, 0), a)):
        print(f"  {action:40} {result.calls.get(action, 0):7d} {result.floor.get(action, 0):7d}")
    total, floor = sum(result.calls.values()), sum(result.floor.values())
    print(f"  {'total':40} {total:7d} {floor:7d}")


def print_summary(results: list[Result], args: argparse.Namespace) -> None:
    print(f"\nSummary: emulator latency {args.latency_ms} ms, {args.qps_limit:g} req/s per API; "
          f"collector {args.rate:g} req/s per API, {args.workers} in flight per API.")
    print("bound = max over actions of floor(action) / per-API limit (APIs run in parallel).")
    head = (f"{'users':>7} {'mode':26} {'calls':>7} {'floor':>7} {'wall s':>7} {'bound s':>7} "
            f"{'wall/bd':>7} {'RSS MiB':>7} {'emu CPU s':>9} {'issues':>6}")
    print(head)
    print("-" * len(head))
    for r in results:
        cpu = f"{r.emulator_cpu_s:9.1f}" if r.emulator_cpu_s is not None else f"{'?':>9}"
        print(f"{r.users:7,} {r.mode:26} {sum(r.calls.values()):7d} {sum(r.floor.values()):7d} "
              f"{r.wall_s:7.1f} {r.bound_s:7.1f} {r.wall_s / r.bound_s:7.2f} {r.rss_mib:7.0f} "
              f"{cpu} {r.issues:6d}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--modes", nargs="+", choices=("report", "fallback"),
                        default=["report", "fallback"])
    parser.add_argument("--workers", type=int, default=8, help="calls in flight per API")
    parser.add_argument("--rate", type=float, default=95.0,
                        help="collector's client-side limit, req/s per API")
    parser.add_argument("--qps-limit", type=float, default=100.0,
                        help="emulator's limit, req/s per API")
    parser.add_argument("--latency-ms", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=0,
                        help="seconds per collection (default: 3x the bound + 60)")
    parser.add_argument("--verbose", "-v", action="store_true", help="show progress lines")
    parser.add_argument("--child", metavar="ENDPOINT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        os.environ.pop(name, None)
    os.environ["ALIBABA_CLOUD_ECS_METADATA_DISABLED"] = "true"
    if args.child:
        collect_child(args.child, args.workers, args.rate, args.verbose)
        return
    results = []
    with tempfile.TemporaryDirectory(prefix="ram-audit-bench-") as tmp:
        for users in args.users:
            world = generate_world(users, seed=args.seed)
            world_file = Path(tmp, f"world-{users}.json")
            write_world(world, world_file)
            for mode in args.modes:
                results.append(run(world, world_file, mode == "report", args))
                print_result(results[-1], world)
                sys.stdout.flush()
    print_summary(results, args)


if __name__ == "__main__":
    main()
