"""Rate-control benchmark: the collector against an emulator that enforces a per-API quota.

Prints the table of issue 8 (calls, throttled, wall, peak RSS, x floor). Each row runs the
whole ``ram-audit`` command in a child process against ``ram-audit emulator`` in another
(so neither shares the other's GIL), with ``--latency-ms 30``:

- 2,601 users, 2,201 of them with AccessKeys, ``--qps-per-api 100`` (Alibaba Cloud's quota):
  ``ram-audit collect``. Floor: 2,201 ListAccessKeys at 100/s = 22 s.
- a 10-user account, ``ram-audit run`` (collect, evaluate, JSON report), ``--qps-per-api 100``.
- the same 10-user account with ``--qps-per-api 5``: a quota shared with other callers.
  The run must complete with no UNKNOWN result.

"throttled" counts the Throttling answers the collector received (each one cost a retry);
"floor" is the calls the world needs; "x floor" is the wall time over the quota's bound, max
over APIs of those calls / quota; "CPU s" the run's own user+sys seconds. The load average
is printed: on a busy machine the emulator and the collector compete for the CPU and the
wall times mean little (CPU seconds less so). Under the table, each row's wall time by
phase: start-up (interpreter and ``auditor.cli`` imports), preparation (configuration,
checks, SDK imports, credentials) up to the first API call, collection, then evaluation,
reports and exit.

    python bench/quota_bench.py              # all three rows (~1 min)
    python bench/quota_bench.py --rows small shared
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_ENDPOINT_LINE = re.compile(r"on http://(\S+)")


@dataclass(frozen=True)
class Row:
    label: str
    calls: int
    floor_calls: int
    throttled: int
    wall_s: float
    cpu_s: float
    phases: dict[str, float]
    rss_mib: float
    floor_s: float
    unknown: int | None
    exit_code: int


class _CountThrottles(logging.Filter):
    """Counts the collector's "throttled ..." debug records and drops every debug record;
    notes when the collection started (its first progress line) and ended."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.marks: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.INFO:
            message = record.getMessage()
            if message == "identity":
                self.marks.setdefault("collect_start", time.monotonic())
            elif message.startswith("done: "):
                self.marks["collect_end"] = time.monotonic()
            return True
        if record.getMessage().startswith("throttled "):
            self.count += 1
        return False


def own_peak_kib() -> int:
    """This process's peak RSS since it started its program (``VmHWM``): ``ru_maxrss``
    also counts the pages it shared with its parent until exec, and this script holds the
    generated worlds and parsed reports."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def child(stats_file: str, argv: list[str]) -> None:
    """Child process: ``ram-audit ARGV`` with a throttle counter; writes stats on exit
    (with CLOCK_MONOTONIC times of its phases, comparable with the parent's on Linux)."""
    counter = _CountThrottles()
    logger = logging.getLogger("ram_audit.collector")
    logger.setLevel(logging.DEBUG)
    logger.addFilter(counter)
    sys.argv = ["ram-audit", *argv]
    code = 0
    try:
        from auditor.cli import main

        counter.marks["cli_imported"] = time.monotonic()
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    counter.marks["done"] = time.monotonic()
    Path(stats_file).write_text(json.dumps({"throttled": counter.count, "exit": code,
                                            "marks": counter.marks,
                                            "peak_kib": own_peak_kib()}))
    sys.exit(code)


def phases(started: float, ended: float, marks: dict[str, float]) -> dict[str, float]:
    """Wall seconds per phase from the child's marks (empty if a mark is missing)."""
    names = ("cli_imported", "collect_start", "collect_end")
    if any(name not in marks for name in names):
        return {}
    points = [started, *(marks[name] for name in names), ended]
    labels = ("start-up", "preparation", "collection", "evaluation, reports, exit")
    return {label: b - a for label, a, b in zip(labels, points[:-1], points[1:], strict=True)}


def make_world(users: int, with_keys: int, seed: int, path: Path) -> Any:
    """A generated world of ``users`` users, ``with_keys`` of them holding AccessKeys."""
    from auditor.emulator.generate import generate_world, write_world
    from auditor.emulator.world import parse_world

    data = generate_world(users, seed=seed).model_dump(mode="json", exclude_defaults=True)
    keyed = [u for u in data["users"] if u.get("access_keys")]
    serial = 0
    for user in data["users"]:
        if len(keyed) >= with_keys:
            break
        if not user.get("access_keys"):
            serial += 1
            user["access_keys"] = [{"id": f"LTAI5tBench{serial:013d}", "created": "now-200d"}]
            keyed.append(user)
    for user in reversed(data["users"]):  # fewer wanted than generated: drop some
        if len(keyed) <= with_keys:
            break
        if user.get("access_keys") and user["name"] != "ram-auditor":
            del user["access_keys"]
            keyed.remove(user)
    world = parse_world(data, f"<bench world: {users} users>")
    write_world(world, path)
    return world


def floor_calls(world: Any) -> dict[str, int]:
    """The calls a full collection of ``world`` needs (``tests/oracles/call_budget.py``,
    the call-budget tests' oracle)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from oracles.call_budget import expected_calls

    return expected_calls(world, report=True)


class Emulator:
    """``ram-audit emulator`` in a subprocess; the endpoint is read from its first line."""

    def __init__(self, world_file: Path, qps: float, latency_ms: int) -> None:
        command = [sys.executable, "-m", "auditor", "emulator", "--world", str(world_file),
                   "--qps-per-api", f"{qps:g}", "--latency-ms", str(latency_ms)]
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        match = _ENDPOINT_LINE.search(line)
        if not match:
            self.stop()
            raise RuntimeError(f"emulator did not start: {line!r}")
        self.url = f"http://{match.group(1)}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def run_row(label: str, world: Any, world_file: Path, command: str, qps: float,
            args: argparse.Namespace, tmp: Path) -> Row:
    from auditor.emulator.generate import AUDITOR_KEY_ID, AUDITOR_KEY_SECRET

    emulator = Emulator(world_file, qps, args.latency_ms)
    out = tmp / f"out-{label.split()[0]}-{qps:g}"
    stats = tmp / f"stats-{label.split()[0]}-{qps:g}.json"
    try:
        argv = [command, *(f"--endpoint={s}={emulator.url}" for s in ("ram", "ims", "sts"))]
        if command == "collect":
            argv += ["--output", str(out / "snapshot.json"), "--quiet"]
        else:
            argv += ["--format", "json", "--output-dir", str(out), "--fail-on", "never"]
        env = {**os.environ, "ALIBABA_CLOUD_ACCESS_KEY_ID": AUDITOR_KEY_ID,
               "ALIBABA_CLOUD_ACCESS_KEY_SECRET": AUDITOR_KEY_SECRET}
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, __file__, "--child", str(stats), "--", *argv],
                                env=env, stdout=subprocess.DEVNULL,
                                stderr=None if args.verbose else subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        ended = time.monotonic()
        wall = ended - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        emulator.stop()
    counted = json.loads(stats.read_text())
    if command == "collect":
        calls = json.loads((out / "snapshot.json").read_text())["meta"]["api_calls"]
        unknown = None
    else:
        report = json.loads((out / "report.json").read_text())
        calls = report["api_calls"]
        unknown = sum(1 for r in report["results"] if r["status"] == "UNKNOWN")
    floor = floor_calls(world)
    return Row(label, sum(calls.values()), sum(floor.values()), counted["throttled"], wall,
               usage.ru_utime + usage.ru_stime, phases(started, ended, counted["marks"]),
               counted["peak_kib"] / 1024, max(floor.values()) / qps, unknown, counted["exit"])


def startup_seconds() -> dict[str, float]:
    """Fixed costs inside the whole-command rows, measured in the same conditions."""
    probes = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "ram-audit --help": [sys.executable, "-m", "auditor", "--help"],
        "import the RAM/IMS/STS SDKs": [sys.executable, "-c", "import auditor.collector.api"],
    }
    found = {}
    for name, command in probes.items():
        started = time.monotonic()
        subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
        found[name] = time.monotonic() - started
    return found


def print_table(rows: list[Row], args: argparse.Namespace) -> None:
    print(f"emulator: --latency-ms {args.latency_ms}; collector defaults (100 req/s per API); "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print("floor calls: what the world needs, one call per page/resource "
          "(tests/oracles/call_budget.py);")
    print("floor s: max over APIs of floor calls / quota (each API has its own quota).")
    head = (f"{'run':52} {'calls':>6} {'floor':>6} {'throttled':>9} {'wall s':>7} "
            f"{'CPU s':>6} {'RSS MiB':>7} {'floor s':>7} {'x floor':>7} {'UNKNOWN':>7} "
            f"{'exit':>4}")
    print(head)
    print("-" * len(head))
    for r in rows:
        unknown = "-" if r.unknown is None else str(r.unknown)
        print(f"{r.label:52} {r.calls:6d} {r.floor_calls:6d} {r.throttled:9d} {r.wall_s:7.2f} "
              f"{r.cpu_s:6.2f} {r.rss_mib:7.0f} {r.floor_s:7.2f} {r.wall_s / r.floor_s:7.2f} "
              f"{unknown:>7} {r.exit_code:4d}")
    for r in rows:
        if r.phases:
            print(f"{r.label}: " + "; ".join(f"{name} {seconds:.2f} s"
                                              for name, seconds in r.phases.items()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", nargs="+", choices=("large", "small", "shared"),
                        default=["large", "small", "shared"])
    parser.add_argument("--latency-ms", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verbose", "-v", action="store_true", help="show the runs' stderr")
    parser.add_argument("--child", metavar="STATS", help=argparse.SUPPRESS)
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.rest)
        return
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        os.environ.pop(name, None)
    os.environ["ALIBABA_CLOUD_ECS_METADATA_DISABLED"] = "true"
    rows = []
    with tempfile.TemporaryDirectory(prefix="ram-audit-quota-") as name:
        tmp = Path(name)
        if "large" in args.rows:
            world = make_world(2601, 2201, args.seed, tmp / "large.json")
            rows.append(run_row("2,601 users, 2,201 with AccessKeys; collect; 100/s",
                                world, tmp / "large.json", "collect", 100, args, tmp))
        if {"small", "shared"} & set(args.rows):
            world = make_world(10, 6, args.seed, tmp / "small.json")
            if "small" in args.rows:
                rows.append(run_row("10 users; whole run command; 100/s",
                                    world, tmp / "small.json", "run", 100, args, tmp))
            if "shared" in args.rows:
                rows.append(run_row("10 users; whole run command; shared quota 5/s",
                                    world, tmp / "small.json", "run", 5, args, tmp))
    print_table(rows, args)
    print("start-up, same conditions: " + "; ".join(
        f"{name} {seconds:.2f} s" for name, seconds in startup_seconds().items()))


if __name__ == "__main__":
    main()
