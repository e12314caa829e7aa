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

_TENTH_OF_A_DAY = timedelta(days=1) / 10
#: ``timedelta(days=n)``, made once per limit rather than per comparison.
_span = lru_cache(maxsize=256)(lambda days: timedelta(days=days))


def older_than(now: datetime, when: datetime, days: int) -> bool:
    """True when ``when`` lies strictly more than ``days`` days before ``now``."""
    span: timedelta = _span(days)
    return now - when > span


def days_ago(now: datetime, when: datetime) -> str:
    """The age of ``when`` as '90.3 day(s)' (whole numbers without the decimal)."""
    tenths = max(0, -((when - now) // _TENTH_OF_A_DAY))  # ceil((now - when) / 0.1 day)
    whole, fraction = divmod(tenths, 10)
    return f"{whole} day(s)" if not fraction else f"{whole}.{fraction} day(s)"
