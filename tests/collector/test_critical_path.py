"""Reads that do not depend on each other do not wait for each other (issue #8): the
alias beside the sections, the root APIs while the credential report is generated, policy
attachments beside policy documents; still exactly the calls of the call budget.

The emulator holds a request of one action until a request of another has arrived: read
one after the other, the held request would wait out the hold (recorded, and the test
fails); no timing is asserted.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from collector_support import auditor_credentials, settings_for
from oracles.call_budget import expected_calls

from auditor.collector import collect_snapshot
from auditor.emulator import Emulator
from auditor.sections import Section

#: How long a held request waits for the one it waits for (below the SDK's 10 s read
#: timeout, so that a serial collector fails the test rather than the run).
HOLD_S = 4.0


class Holds:
    """Holds each request of an action until a request of every action it names arrived."""

    def __init__(self, emu: Emulator, holds: Mapping[str, set[str]]) -> None:
        self._holds = holds
        self._lock = threading.Lock()
        self._arrived: dict[str, threading.Event] = {}
        self.waited_out: list[str] = []
        handle = emu.backend.handle

        def held(request: Any) -> Any:
            action = str(request.headers.get("x-acs-action") or dict(request.query)["Action"])
            self._event(action).set()
            for awaited in sorted(self._holds.get(action, ())):
                if not self._event(awaited).wait(HOLD_S):
                    with self._lock:
                        self.waited_out.append(f"{action} waited for {awaited}")
            return handle(request)

        emu.backend.handle = held  # type: ignore[method-assign]

    def _event(self, action: str) -> threading.Event:
        with self._lock:
            return self._arrived.setdefault(action, threading.Event())


def test_independent_reads_are_in_flight_together(small_world) -> None:  # type: ignore[no-untyped-def]
    holds = {
        # GetAccountAlias is no longer read before the sections start.
        "GetAccountAlias": {"ListUsers"},
        # The root APIs are read while the credential report is being generated.
        "GenerateCredentialReport": {"GetAccountSecurityPracticeReport", "GetAccountMFAInfo"},
        # Policy documents and attachments side by side.
        "GetPolicy": {"ListEntitiesForPolicy"},
    }
    with Emulator(small_world) as emu:
        watch = Holds(emu, holds)
        snap = collect_snapshot(settings_for(emu), list(Section), credentials=auditor_credentials())
    assert watch.waited_out == []
    assert snap.issues == ()
    assert snap.account_alias and snap.root is not None
    assert any(p.attachments for p in snap.policies)
    assert snap.meta.api_calls == expected_calls(small_world)


def test_without_root_the_root_apis_are_not_called(small_world) -> None:  # type: ignore[no-untyped-def]
    with Emulator(small_world) as emu:
        snap = collect_snapshot(settings_for(emu), [Section.USERS],
                                credentials=auditor_credentials())
        counts = dict(emu.call_counts)
    assert snap.root is None
    assert "GetAccountSecurityPracticeReport" not in counts
    assert "GetAccountMFAInfo" not in counts
    assert counts["GetAccountAlias"] == 1
