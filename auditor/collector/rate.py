"""Per-API request pacing that reaches the quota without bursting, and yields when throttled.

:class:`AdaptiveLimiter` is a GCRA (virtual scheduling) limiter with no burst tolerance:
consecutive grants are at least ``1 / rate`` seconds apart (with :data:`HEADROOM`), so any
one-second window holds at most ``ceil(ceiling)`` grants whatever the timing of the
callers. On top of it, AIMD:

- a ``Throttling*`` answer divides the rate by two (once per congestion event: throttles of
  requests booked before the last decrease do not decrease it again), and a server
  ``x-acs-retry-after`` pauses every grant of that API until it has passed;
- each successful call adds ``ceiling / 1000`` req/s back, up to the ceiling (from half
  the rate back to the ceiling takes about 500 successful calls).

A run that shares its quota with other callers thus settles just below what is left to it
instead of exhausting its retries. Hand-written rather than taken from a package: the
maintained limiters (pyrate-limiter, limits, throttled-py) pace at a rate fixed when they
are built, or allow the whole window's budget as one burst; neither adapts its rate.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

#: Slots are spaced for this fraction of the rate: requests sent ``1/rate`` apart can arrive
#: closer together (network and server scheduling jitter), and a strict one-second window
#: then counts one request too many; each such throttle halves the rate for ~500 calls.
HEADROOM = 0.97
#: Multiplicative decrease on throttling.
DECREASE = 0.5
#: Successful calls that add back ``ceiling`` req/s in all (additive increase per call).
RECOVERY_CALLS = 1000
#: The rate never drops below this (req/s), so that a run always makes progress.
MIN_RATE = 0.2


class AdaptiveLimiter:
    """Thread-safe: :meth:`acquire` blocks until this caller's slot; report each outcome."""

    def __init__(
        self,
        ceiling: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if ceiling <= 0:
            raise ValueError("rate must be positive")
        self.ceiling = float(ceiling)
        self._rate = self.ceiling
        self._floor = min(MIN_RATE, self.ceiling)
        self._step = self.ceiling / RECOVERY_CALLS
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = -math.inf  # earliest time of the next grant (the GCRA's TAT)
        self._paused_until = -math.inf
        self._epoch_start = -math.inf  # first slot booked at the current (decreased) rate
        self._epoch = 0  # changes on each decrease or pause
        self.throttles = 0

    @property
    def rate(self) -> float:
        """The current rate (req/s)."""
        return self._rate

    def _spacing(self) -> float:
        """Seconds between grants at the current rate, with :data:`HEADROOM`."""
        return 1.0 / (self._rate * HEADROOM)

    def reserve(self) -> float:
        """Book the next slot and return its time; the caller must not send before it."""
        return self._book()[0]

    def _book(self) -> tuple[float, int]:
        with self._lock:
            slot = max(self._clock(), self._next, self._paused_until)
            self._next = slot + self._spacing()
            return slot, self._epoch

    def acquire(self) -> float:
        """Wait for a slot; return its time (pass it to :meth:`throttled`).

        A caller whose wait spans a decrease or a pause books again at the new pacing, so
        that callers already queued do not keep the old rate.
        """
        while True:
            slot, epoch = self._book()
            wait = slot - self._clock()
            if wait > 0:
                self._sleep(wait)
            with self._lock:
                if epoch == self._epoch:
                    return slot

    def succeeded(self) -> None:
        """Additive increase, up to the ceiling."""
        with self._lock:
            self._rate = min(self.ceiling, self._rate + self._step)

    def throttled(self, slot: float, retry_after_s: float | None = None) -> None:
        """The request sent at ``slot`` was throttled; slow down and honour ``retry_after_s``."""
        with self._lock:
            self.throttles += 1
            now = self._clock()
            if retry_after_s is not None and retry_after_s > 0:
                self._paused_until = max(self._paused_until, now + retry_after_s)
                self._epoch += 1
            if slot >= self._epoch_start:
                self._rate = max(self._floor, self._rate * DECREASE)
                # Requests sent before now are part of this event; callers still waiting
                # book again (see acquire), from the new spacing on.
                self._next = max(self._next, now + self._spacing())
                self._epoch_start = self._next
                self._epoch += 1
