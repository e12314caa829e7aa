"""Age arithmetic shared by the checks: exact durations, never truncated to whole days.

Convention: "older than N days" / "more than N days ago" means strictly more than N × 24
hours before the snapshot's collection time (``snapshot.now``); "within N days" is its
complement (at most N × 24 hours). A key created 90 days and 5 hours ago is older than
90 days. Messages show ages in days rounded *up* to one decimal, so a shown age is above
a whole-day limit exactly when the real age is.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

_TENTH_OF_A_DAY_US = 8_640_000_000  # microseconds


@lru_cache(maxsize=256)
def cutoff(now: datetime, days: int) -> datetime:
    """``now`` less ``days`` days, made once per (snapshot time, limit): ``when`` is
    :func:`older_than` ``days`` exactly when ``when < cutoff(now, days)``."""
    return now - timedelta(days=days)


def older_than(now: datetime, when: datetime, days: int) -> bool:
    """True when ``when`` lies strictly more than ``days`` days before ``now``."""
    return when < cutoff(now, days)  # exact: now - when > span  <=>  when < now - span


@lru_cache(maxsize=1 << 14)
def days_ago(now: datetime, when: datetime) -> str:
    """The age of ``when`` as '90.3 day(s)' (whole numbers without the decimal).

    Memoised: timestamps repeat across resources and checks, and the arithmetic and the
    string cost more than the lookup (a few thousand distinct ages at 10,000 users).
    """
    delta = now - when
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    tenths = max(0, -(-micros // _TENTH_OF_A_DAY_US))  # ceil(micros / 0.1 day)
    whole, fraction = divmod(tenths, 10)
    return f"{whole} day(s)" if not fraction else f"{whole}.{fraction} day(s)"
