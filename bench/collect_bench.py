"""Collector benchmark: generated worlds of 1,000 and 10,000 users against the emulator.

The emulator adds 30 ms latency per request and limits every API to 100 req/s. For each
world the collector runs with the credential report and with it denied (per-user
fallback); printed: API calls by action, wall time, peak RSS and the lower bound on calls.

    python bench/collect_bench.py [--users 1000 10000] [--workers 8]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from math import ceil

from auditor.collector import CollectorSettings, collect_snapshot
from auditor.collector.credentials import static_credentials
from auditor.collector.settings import Endpoint
from auditor.emulator import Emulator, Faults
from auditor.emulator.generate import AUDITOR_KEY_ID, AUDITOR_KEY_SECRET, generate_world
from auditor.emulator.world import World
from auditor.sections import Section


def lower_bound(world: World, report: bool) -> int:
    """Calls no collector can avoid: one per page, per group, policy, role, key holder."""
    users = len(world.users)
    fixed = 10  # identity, alias, root x2, password, preference, SSO x3, ListRoles
    pages = ceil(users / 1000) + max(1, ceil(len(world.groups) / 100))
    fan_out = len(world.groups) + len(world.roles) + len(world.policies)
    if report and users <= 3500:
        per_user = 2 + sum(1 for u in world.users if u.access_keys)
    else:
        per_user = 3 * users + sum(len(u.access_keys) for u in world.users)
    return fixed + pages + fan_out + per_user


def run(world: World, report: bool, workers: int) -> None:
    faults = Faults(
        latency_ms=30,
        qps_limit={"*": 100.0},
        deny=frozenset() if report else frozenset({"GetCredentialReport"}),
    )
    with Emulator(world, faults=faults) as emu:
        endpoint = Endpoint(emu.endpoint, "http")
        settings = CollectorSettings(
            endpoints={"ram": endpoint, "ims": endpoint, "sts": endpoint},
            max_workers=workers,
            requests_per_second=90.0,
            credential_report_poll_s=0.5,
        )
        started = time.monotonic()
        snap = collect_snapshot(
            settings, list(Section),
            credentials=static_credentials(AUDITOR_KEY_ID, AUDITOR_KEY_SECRET),
        )
        wall = time.monotonic() - started
    calls = snap.meta.api_calls
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    mode = "credential report" if report else "report denied (per-user fallback)"
    print(f"\n== {len(world.users)} users, {mode}")
    for action, count in sorted(calls.items(), key=lambda kv: -kv[1]):
        print(f"  {action:42} {count:7d}")
    print(f"  total calls {sum(calls.values())} (lower bound {lower_bound(world, report)}), "
          f"wall {wall:.1f}s, peak RSS {rss_mb:.0f} MiB, issues {len(snap.issues)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args(argv)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        os.environ.pop(name, None)
    for users in args.users:
        world = generate_world(users, seed=1)
        for report in (True, False):
            run(world, report, args.workers)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
