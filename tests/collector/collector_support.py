"""Helpers shared by the collector tests (a uniquely named module: ``conftest`` names clash
across test folders)."""

from __future__ import annotations

from typing import Any

from auditor.collector import CollectorSettings, RetrySettings
from auditor.collector.credentials import ResolvedCredentials, static_credentials
from auditor.demo import emulator_settings
from auditor.emulator import Emulator
from auditor.emulator.generate import (
    AUDITOR_KEY_ID,
    AUDITOR_KEY_SECRET,
)


def settings_for(emulator: Emulator, **overrides: Any) -> CollectorSettings:
    """Settings pointing every service at ``emulator``, with fast, recorded backoff."""
    values: dict[str, Any] = {
        "requests_per_second": 2000.0,
        "retry": RetrySettings(max_attempts=10, initial_delay_s=0.001, max_delay_s=0.01),
        "credential_report_poll_s": 0.01,
        "credential_report_timeout_s": 1.0,
    }
    values.update(overrides)
    return emulator_settings(emulator, **values)


def auditor_credentials() -> ResolvedCredentials:
    return static_credentials(AUDITOR_KEY_ID, AUDITOR_KEY_SECRET)


