"""The history database's schema, one migration per version (``PRAGMA user_version``).

Version 1 kept runs and each finding's first/last seen and resolution, and rewrote every
finding's ``last_run_id`` on every run. Version 2 adds reopening, ``unverified`` (missing
data never resolves a finding), a per-run log of lifecycle events, and ``absent_since`` (the
run since which a finding is no longer reported), so that a run rewrites only the findings
it changes; ``last_run_id`` becomes the run that last changed the row.

A database is migrated forward, one version at a time, in the same transaction that checks
its version, so two processes opening an old file at once migrate it once. Existing
statements are never edited: a change is a new version.
"""

from __future__ import annotations

from typing import Final

SCHEMA_VERSION: Final = 2

#: MIGRATIONS[n] takes a database from version n to n + 1.
MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    (  # 0 -> 1
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            account_id TEXT NOT NULL,
            account_alias TEXT NOT NULL DEFAULT '',
            collected_at TEXT NOT NULL,
            tool_version TEXT NOT NULL,
            complete INTEGER NOT NULL,
            summary TEXT NOT NULL
        )""",
        "CREATE INDEX runs_by_account ON runs (account_id, collected_at)",
        """CREATE TABLE findings (
            uid TEXT PRIMARY KEY,
            account_id TEXT NOT NULL,
            check_id TEXT NOT NULL,
            title TEXT NOT NULL,
            severity TEXT NOT NULL,
            resource_type TEXT NOT NULL,
            resource_id TEXT NOT NULL,
            resource_name TEXT NOT NULL,
            message TEXT NOT NULL,
            doc_url TEXT NOT NULL,
            status TEXT NOT NULL,
            last_run_id INTEGER NOT NULL,
            state TEXT CHECK (state IN ('open', 'resolved')),
            first_seen_at TEXT,
            last_seen_at TEXT,
            resolved_at TEXT,
            waived INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX findings_by_account ON findings (account_id, state)",
    ),
    (  # 1 -> 2
        "ALTER TABLE runs ADD COLUMN recorded_at TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE findings ADD COLUMN reopened_at TEXT",
        "ALTER TABLE findings ADD COLUMN reopened_count INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE findings ADD COLUMN unverified INTEGER NOT NULL DEFAULT 0",
        """CREATE TABLE finding_events (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            uid TEXT NOT NULL,
            event TEXT NOT NULL
                CHECK (event IN ('new', 'reopened', 'resolved', 'unverified')),
            PRIMARY KEY (run_id, uid)
        )""",
        "CREATE INDEX finding_events_by_uid ON finding_events (uid)",
        "ALTER TABLE findings ADD COLUMN absent_since INTEGER",
        # v1 rows not reported by their account's latest run are absent since that run
        """UPDATE findings SET absent_since = (
                SELECT max(r.id) FROM runs r WHERE r.account_id = findings.account_id)
            WHERE last_run_id < (
                SELECT max(r.id) FROM runs r WHERE r.account_id = findings.account_id)""",
    ),
)

assert len(MIGRATIONS) == SCHEMA_VERSION
