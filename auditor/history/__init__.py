"""Run history in SQLite: runs, finding lifecycle and trends (shared/spec/jobs.md)."""

from auditor.history.store import History, HistoryError, Recorded, RunRow, open_history

__all__ = ["History", "HistoryError", "Recorded", "RunRow", "open_history"]
