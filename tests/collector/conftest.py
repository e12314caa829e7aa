import os
import socket

import pytest

for _name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
    os.environ.pop(_name, None)
os.environ["ALIBABA_CLOUD_ECS_METADATA_DISABLED"] = "true"


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

from auditor.collector import CollectorSettings, RetrySettings  # noqa: E402
from auditor.collector.credentials import ResolvedCredentials, static_credentials  # noqa: E402
from auditor.collector.settings import Endpoint  # noqa: E402
from auditor.emulator import Emulator  # noqa: E402
from auditor.emulator.generate import (  # noqa: E402
    AUDITOR_KEY_ID,
    AUDITOR_KEY_SECRET,
    generate_world,
)


def settings_for(emulator: Emulator, **overrides: Any) -> CollectorSettings:
    """Settings pointing every service at ``emulator``, with fast, recorded backoff."""
    endpoint = Endpoint(emulator.endpoint, "http")
    values: dict[str, Any] = {
        "endpoints": {"ram": endpoint, "ims": endpoint, "sts": endpoint},
        "requests_per_second": 2000.0,
        "retry": RetrySettings(max_attempts=10, initial_delay_s=0.001, max_delay_s=0.01),
        "credential_report_poll_s": 0.01,
        "credential_report_timeout_s": 1.0,
    }
    values.update(overrides)
    return CollectorSettings(**values)


def auditor_credentials() -> ResolvedCredentials:
    return static_credentials(AUDITOR_KEY_ID, AUDITOR_KEY_SECRET)


@pytest.fixture(scope="session")
def small_world():  # type: ignore[no-untyped-def]
    return generate_world(60, seed=7)


@pytest.fixture
def small_emulator(small_world) -> Iterator[Emulator]:  # type: ignore[no-untyped-def]
    with Emulator(small_world) as emu:
        yield emu
