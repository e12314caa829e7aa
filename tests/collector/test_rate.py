"""The adaptive limiter's logic, on a fake clock: no burst, decrease, retry-after, recovery."""

from __future__ import annotations

import bisect
import itertools
import math
import random
import threading

import pytest

from auditor.collector.rate import HEADROOM, MIN_RATE, RECOVERY_CALLS, AdaptiveLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(rate: float, clock: FakeClock) -> AdaptiveLimiter:
    return AdaptiveLimiter(rate, clock=clock, sleep=clock.sleep)


def most_in_any_window(times: list[float], window: float = 1.0) -> int:
    """The largest number of ``times`` inside one half-open window ``[t, t + window)``."""
    ordered = sorted(times)
    return max(bisect.bisect_left(ordered, t + window - 1e-9) - i for i, t in enumerate(ordered))


def test_a_fresh_limiter_does_not_burst() -> None:
    clock = FakeClock()
    gate = limiter(100, clock)
    slots = [gate.acquire() for _ in range(1000)]
    spacing = 1 / (100 * HEADROOM)  # just over 10 ms: a margin for arrival jitter
    assert 0.97 <= HEADROOM < 1
    assert slots[:3] == pytest.approx([0.0, spacing, 2 * spacing])
    assert most_in_any_window(slots) == math.floor(100 * HEADROOM)
    assert clock.now == pytest.approx(999 * spacing)  # no head start


def test_no_window_ever_holds_more_than_the_ceiling() -> None:
    """Idle gaps, throttles, retry-afters and recoveries in any order: still at most R per 1 s."""
    rng = random.Random(3)
    for ceiling in (5, 20, 100):
        clock = FakeClock()
        gate = limiter(ceiling, clock)
        slots = []
        for _ in range(3000):
            event = rng.random()
            if event < 0.05:
                clock.now += rng.uniform(0, 3)  # idle: unused slots are not saved up
            slot = gate.acquire()
            slots.append(slot)
            if event > 0.97:
                gate.throttled(slot, rng.choice([None, 0.5]))
            else:
                gate.succeeded()
        assert most_in_any_window(slots) <= ceiling


def test_concurrent_callers_get_distinct_spaced_slots() -> None:
    clock = FakeClock()  # frozen: every caller books ahead
    gate = limiter(50, clock)
    slots: list[float] = []
    lock = threading.Lock()

    def book() -> None:
        for _ in range(40):
            slot = gate.reserve()
            with lock:
                slots.append(slot)

    threads = [threading.Thread(target=book) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(slots)
    assert len(set(ordered)) == 320
    assert min(b - a for a, b in itertools.pairwise(ordered)) == pytest.approx(
        1 / (50 * HEADROOM))


def test_throttling_halves_the_rate_once_per_congestion_event() -> None:
    clock = FakeClock()
    gate = limiter(100, clock)
    early = [gate.acquire() for _ in range(5)]  # all sent before anyone heard of a throttle
    for slot in early:
        gate.throttled(slot)
    assert gate.rate == 50  # five throttles of one burst: one decrease
    later = gate.acquire()
    gate.throttled(later)
    assert gate.rate == 25  # a request sent at the lower rate was throttled too
    assert gate.throttles == 6


def test_callers_waiting_during_a_decrease_book_again_at_the_new_pace() -> None:
    clock = FakeClock()
    gates: list[AdaptiveLimiter] = []
    sent: list[float] = []

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if len(clock.slept) == 1:  # the first request's throttle arrives meanwhile
            gates[0].throttled(sent[0])

    gates.append(AdaptiveLimiter(100, clock=clock, sleep=sleep))
    sent.append(gates[0].acquire())
    second = gates[0].acquire()
    assert sent[0] == 0.0
    # not the slot booked at the old pace
    assert second == pytest.approx(1 / (100 * HEADROOM) + 1 / (50 * HEADROOM))


def test_the_rate_never_drops_to_zero() -> None:
    clock = FakeClock()
    gate = limiter(100, clock)
    for _ in range(50):
        gate.throttled(gate.acquire())
    assert gate.rate == MIN_RATE
    before = clock.now
    gate.acquire()
    assert clock.now - before <= 1 / (MIN_RATE * HEADROOM) + 1e-9


def test_slower_after_a_throttle() -> None:
    clock = FakeClock()
    gate = limiter(100, clock)
    gate.throttled(gate.acquire())
    slots = [gate.acquire() for _ in range(101)]
    gaps = {round(b - a, 6) for a, b in itertools.pairwise(slots)}
    assert min(gaps) >= 0.02 - 1e-9  # 50/s now, recovering only slowly (no success reported)


def test_retry_after_pauses_every_caller_of_the_api() -> None:
    clock = FakeClock()
    gate = limiter(100, clock)
    slot = gate.acquire()
    gate.throttled(slot, retry_after_s=1.5)
    assert gate.reserve() >= 1.5
    assert gate.reserve() >= 1.5 + 1 / gate.rate - 1e-9


def test_recovery_is_gradual_and_stops_at_the_ceiling() -> None:
    clock = FakeClock()
    gate = limiter(100, clock)
    gate.throttled(gate.acquire())
    assert gate.rate == 50
    for _ in range(RECOVERY_CALLS // 4):
        gate.succeeded()
    assert gate.rate == pytest.approx(75)  # additive: a quarter of the ceiling back
    for _ in range(RECOVERY_CALLS):
        gate.succeeded()
    assert gate.rate == 100


def test_rejects_a_non_positive_rate() -> None:
    with pytest.raises(ValueError, match="positive"):
        AdaptiveLimiter(0)
